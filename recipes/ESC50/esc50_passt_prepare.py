"""Data preparation for ESC-50 (official download layout).

Reads ``meta/esc50.csv`` and ``audio/*.wav`` (44.1 kHz mono, 5 s) and hands
the clips to the preparation every recipe shares
(:mod:`speechbrain_passt.data.preparation`): every listed file is checked up
front (missing or unreadable files are all listed and counted, an error
unless ``skip_bad_clips``), each clip is resampled ONCE to the model rate
into a cache folder (later runs and other folds reuse it), and SpeechBrain
JSON manifests are written for one cross-validation fold: ``train.json``
(the four other folds) and ``test.json`` (the held-out fold), with
``labels.json`` and ``prepare_report.json``.

Authors
 * speechbrain-passt developers 2026
"""

import csv
import logging
import os
from pathlib import Path

from speechbrain_passt.data.clip_checks import Clip
from speechbrain_passt.data.labels import read_category_csv
from speechbrain_passt.data.preparation import prepare_dataset

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("filename", "fold", "target", "category")
NUM_FOLDS = 5


def metadata_path(data_folder):
    """Where ESC-50 keeps its metadata.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The ESC-50 folder.

    Returns
    -------
    pathlib.Path
        ``<data_folder>/meta/esc50.csv``.

    Example
    -------
    >>> metadata_path("esc50").as_posix()
    'esc50/meta/esc50.csv'
    """
    return Path(data_folder) / "meta" / "esc50.csv"


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
    meta = metadata_path(data_folder)
    if not meta.is_file():
        raise FileNotFoundError(
            f"ESC-50 metadata not found: {meta} (expected the official "
            "layout: <data_folder>/meta/esc50.csv and <data_folder>/audio/)"
        )
    # utf-8-sig: also read a copy re-saved with a byte-order mark.
    with open(meta, newline="", encoding="utf-8-sig") as fin:
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


def prepare_esc50_passt(
    data_folder,
    save_folder,
    cache_folder,
    fold=1,
    sample_rate=32000,
    skip_bad_clips=False,
):
    """Check, resample and write the manifests of one ESC-50 fold.

    The checks, the resampling cache and the manifests are those of
    :func:`speechbrain_passt.data.preparation.prepare_dataset`, shared by all
    recipes.

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
    skip_bad_clips : bool, optional (default: False)
        Leave out missing or unreadable clips instead of raising.

    Returns
    -------
    dict
        Paths of the ``train``, ``test`` and ``labels`` files, and
        ``counts`` per split.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> files = prepare_esc50_passt(
    ...     "tests/data/esc50_mini", tmp / "save", tmp / "cache", fold=5
    ... )
    >>> files["counts"]["test"]["kept"]
    1
    """
    fold = int(fold)
    if not 1 <= fold <= NUM_FOLDS:
        raise ValueError(f"fold must be in 1..{NUM_FOLDS}, got {fold}")

    def read_splits():
        rows = read_metadata(data_folder)
        splits = {"train": [], "test": []}
        for row in rows:
            stem = Path(row["filename"]).stem
            split = "test" if row["fold"] == fold else "train"
            splits[split].append(
                Clip(
                    stem,
                    Path(data_folder) / "audio" / row["filename"],
                    stem,
                    {
                        "fold": row["fold"],
                        "class_id": row["target"],
                        "category": row["category"],
                    },
                )
            )
        # Targets that no clip uses (a subset) are named class_<target>.
        names = read_category_csv(metadata_path(data_folder), fill_gaps=True)
        return splits, names

    return prepare_dataset(
        "ESC-50",
        read_splits,
        {"train": ["train"], "test": ["test"]},
        save_folder,
        cache_folder,
        options={"data_folder": os.path.abspath(data_folder), "fold": fold},
        sample_rate=sample_rate,
        skip_bad_clips=skip_bad_clips,
    )
