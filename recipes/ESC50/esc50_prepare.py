"""Data preparation for ESC-50 (official download layout).

Reads ``meta/esc50.csv`` and ``audio/*.wav`` (44.1 kHz mono, 5 s), checks
every listed file up front (missing or unreadable files are all listed at
once), resamples each clip ONCE to the model rate with torchaudio into a
cache folder (later runs reuse it), and writes SpeechBrain JSON manifests
for one cross-validation fold: ``train.json`` (the four other folds) and
``test.json`` (the held-out fold).

Authors
 * speechbrain-passt developers 2026
"""

import csv
import json
import logging
import os
from pathlib import Path

import torch
import torchaudio
from speechbrain.dataio import audio_io

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("filename", "fold", "target", "category")
NUM_FOLDS = 5


def read_metadata(data_folder):
    """Read and check ``meta/esc50.csv``.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The ESC-50 folder (holding ``meta/`` and ``audio/``).

    Returns
    -------
    list of dict
        One row per clip with ``filename``, ``fold`` (int), ``target`` (int)
        and ``category``.

    Example
    -------
    >>> rows = read_metadata("tests/data/esc50_mini")
    >>> rows[0]["filename"], rows[0]["fold"], rows[0]["target"]
    ('1-100032-A-0.wav', 1, 0)
    """
    meta = Path(data_folder) / "meta" / "esc50.csv"
    if not meta.is_file():
        raise FileNotFoundError(
            f"ESC-50 metadata not found: {meta} (expected the official "
            "layout: <data_folder>/meta/esc50.csv and <data_folder>/audio/)"
        )
    with open(meta, newline="") as fin:
        reader = csv.DictReader(fin)
        missing = [
            c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise ValueError(f"{meta}: missing columns {missing}")
        rows = []
        for line, row in enumerate(reader, start=2):
            try:
                fold, target = int(row["fold"]), int(row["target"])
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"{meta}, line {line}: fold and target must be integers, "
                    f"got {row}"
                ) from error
            if not 1 <= fold <= NUM_FOLDS or target < 0 or not row["filename"]:
                raise ValueError(
                    f"{meta}, line {line}: bad row {row} (fold must be in "
                    f"1..{NUM_FOLDS}, target >= 0, filename set)"
                )
            rows.append(
                {
                    "filename": row["filename"],
                    "fold": fold,
                    "target": target,
                    "category": row["category"],
                }
            )
    if not rows:
        raise ValueError(f"{meta} lists no clips")
    return rows


def class_names(rows):
    """Category names in target order, checked for consistency.

    Arguments
    ---------
    rows : list of dict
        Output of :func:`read_metadata`.

    Returns
    -------
    list of str
        ``names[target]``; targets without a clip get ``class_<target>``.

    Example
    -------
    >>> class_names([{"target": 1, "category": "rooster"}])
    ['class_0', 'rooster']
    """
    names = {}
    for row in rows:
        seen = names.setdefault(row["target"], row["category"])
        if seen != row["category"]:
            raise ValueError(
                f"target {row['target']} is both {seen!r} and "
                f"{row['category']!r} in the metadata"
            )
    return [names.get(t, f"class_{t}") for t in range(max(names) + 1)]


def check_audio_files(data_folder, rows):
    """Check that every listed clip exists and can be read.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The ESC-50 folder.
    rows : list of dict
        Output of :func:`read_metadata`.

    Returns
    -------
    dict
        ``filename -> sample rate`` for every clip.

    Example
    -------
    >>> rows = read_metadata("tests/data/esc50_mini")
    >>> set(check_audio_files("tests/data/esc50_mini", rows).values())
    {44100}
    """
    audio = Path(data_folder) / "audio"
    rates, problems = {}, []
    for row in rows:
        path = audio / row["filename"]
        if not path.is_file():
            problems.append(f"missing: {path}")
            continue
        try:
            info = audio_io.info(str(path))
        except Exception as error:
            problems.append(f"unreadable: {path} ({error})")
            continue
        if info.num_frames == 0:
            problems.append(f"empty: {path}")
            continue
        rates[row["filename"]] = info.sample_rate
    if problems:
        shown = "\n  ".join(problems[:20])
        more = (
            f"\n  ... and {len(problems) - 20} more"
            if len(problems) > 20
            else ""
        )
        raise RuntimeError(
            f"{len(problems)} of {len(rows)} ESC-50 clips are missing or "
            f"unreadable:\n  {shown}{more}"
        )
    return rates


def resample_to_cache(data_folder, rows, cache_folder, sample_rate=32000):
    """Write each clip, mono at ``sample_rate``, into ``cache_folder`` once.

    Clips already in the cache at the right rate are kept; files are
    written under a temporary name and renamed, so an interrupted run never
    leaves a truncated clip.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The ESC-50 folder.
    rows : list of dict
        Output of :func:`read_metadata`.
    cache_folder : str or os.PathLike
        Destination folder (created).
    sample_rate : int, optional (default: 32000)
        Target rate.

    Returns
    -------
    int
        Number of clips written (0 when the cache was complete).
    """
    cache = Path(cache_folder)
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(
            f"cannot create the resampled-audio cache {cache} ({error}); "
            "set --cache_folder to a writable folder"
        ) from error
    resamplers, written = {}, 0
    for row in rows:
        target = cache / row["filename"]
        if target.is_file():
            try:
                if audio_io.info(str(target)).sample_rate == sample_rate:
                    continue
            except Exception:
                pass  # unreadable cache entry: rewrite it
        source = Path(data_folder) / "audio" / row["filename"]
        audio, rate = audio_io.load(str(source), dtype=torch.float32)
        wav = audio.mean(dim=0, keepdim=True)
        if rate != sample_rate:
            if rate not in resamplers:
                resamplers[rate] = torchaudio.transforms.Resample(
                    rate, sample_rate
                )
            wav = resamplers[rate](wav)
        partial = target.with_name(target.name + ".partial.wav")
        audio_io.save(str(partial), wav, sample_rate)
        os.replace(partial, target)
        written += 1
    return written


def prepare_esc50(
    data_folder, save_folder, cache_folder, fold=1, sample_rate=32000
):
    """Check, resample and write the manifests of one ESC-50 fold.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The ESC-50 folder (official layout).
    save_folder : str or os.PathLike
        Where ``train.json``, ``test.json`` and ``labels.json`` are written.
    cache_folder : str or os.PathLike
        Resampled-audio cache, shared by all folds and experiments.
    fold : int, optional (default: 1)
        Held-out test fold (1..5); the other four are for training.
    sample_rate : int, optional (default: 32000)
        Model sample rate.

    Returns
    -------
    dict
        Paths of the ``train``, ``test`` and ``labels`` files.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> files = prepare_esc50(
    ...     "tests/data/esc50_mini", tmp / "save", tmp / "cache", fold=5
    ... )
    >>> len(json.loads(open(files["test"]).read()))
    1
    """
    fold = int(fold)
    if not 1 <= fold <= NUM_FOLDS:
        raise ValueError(f"fold must be in 1..{NUM_FOLDS}, got {fold}")
    rows = read_metadata(data_folder)
    labels = class_names(rows)
    rates = check_audio_files(data_folder, rows)
    logger.info(
        "ESC-50: %d clips checked (sample rates %s)",
        len(rows),
        sorted(set(rates.values())),
    )
    written = resample_to_cache(data_folder, rows, cache_folder, sample_rate)
    if written:
        logger.info("ESC-50: resampled %d clips into %s", written, cache_folder)
    save = Path(save_folder)
    save.mkdir(parents=True, exist_ok=True)
    splits = {"train": {}, "test": {}}
    for row in rows:
        split = "test" if row["fold"] == fold else "train"
        splits[split][Path(row["filename"]).stem] = {
            "wav": "{data_root}/" + row["filename"],
            "fold": row["fold"],
            "class_id": row["target"],
            "category": row["category"],
        }
    for split, entries in splits.items():
        if not entries:
            raise ValueError(
                f"ESC-50 fold {fold}: the {split} split is empty (the "
                "metadata lists no clip for it)"
            )
    files = {name: save / f"{name}.json" for name in ("train", "test")}
    files["labels"] = save / "labels.json"
    for split, entries in splits.items():
        files[split].write_text(json.dumps(entries, indent=1))
    files["labels"].write_text(json.dumps(labels))
    return files
