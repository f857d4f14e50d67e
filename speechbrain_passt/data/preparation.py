"""Dataset preparation shared by every PaSST recipe.

Each recipe's ``<dataset>_prepare.py`` reads its dataset's own metadata into
a list of :class:`~speechbrain_passt.data.clip_checks.Clip` (an id, the
source file, the manifest fields) and hands it to :func:`prepare_dataset`
(or, below it, :func:`prepare_splits` / :func:`prepare_clips`), which

1. checks every clip up front, before any decoding
   (:mod:`~speechbrain_passt.data.clip_checks`): files that are missing,
   unreadable or empty are all collected, then listed and counted together
   (and written to a report file). That is an error unless the recipe is
   told to skip such clips;
2. reads each remaining clip once with the package's audio reader (mono,
   the model's rate) into a cache folder
   (:mod:`~speechbrain_passt.data.audio_cache`). A clip whose header looked
   fine but which fails to decode, or holds NaN or inf samples, is
   reported the same way;
3. returns the manifest entries, whose ``wav`` field is
   ``{data_root}/<cache path>`` (load them with
   ``DynamicItemDataset.from_json(..., replacements={"data_root":
   cache_folder})``) and whose ``duration`` is in seconds, and writes them
   (:mod:`~speechbrain_passt.data.manifests`).

Authors
 * speechbrain-passt developers 2026
"""

import logging
import os
from pathlib import Path

from speechbrain_passt.data.audio import MISSING
from speechbrain_passt.data.audio_cache import cache_path, resample_to_cache
from speechbrain_passt.data.clip_checks import (
    ALL_PROBLEMS,
    REPORT_NAME,
    Clip,
    PrepareReport,
    count_problems,
    find_problems,
    report_problems,
)
from speechbrain_passt.data.manifests import (
    REPORT_JSON,
    load_if_prepared,
    mark_prepared,
    write_labels,
    write_manifest,
)

# Clip is re-exported: the prepare functions take lists of them.
__all__ = [
    "SKIP_HINT",
    "Clip",
    "prepare_clips",
    "prepare_dataset",
    "prepare_splits",
]

logger = logging.getLogger(__name__)


def prepare_clips(
    clips,
    cache_folder,
    sample_rate=32000,
    what="dataset",
    skip=(),
    report_file=None,
    hint=None,
    audio_format="wav",
    num_workers=0,
):
    """Check, resample and cache clips; return their manifest entries.

    Arguments
    ---------
    clips : list of Clip
        The clips the metadata lists (ids must be unique).
    cache_folder : str or os.PathLike
        The resampled-audio cache.
    sample_rate : int, optional (default: 32000)
        The model's rate.
    what : str, optional
        The dataset's name, for messages.
    skip : collection of str, optional
        Problem reasons (``missing``, ``unreadable``, ``empty``,
        ``non-finite``) whose clips are left out (logged and counted)
        instead of raising ``BadClipsError``; ``ALL_PROBLEMS`` (of
        :mod:`~speechbrain_passt.data.clip_checks`) skips all.
    report_file : str or os.PathLike, optional
        Text file listing every bad clip (written when there is one).
    hint : str, optional
        How to skip bad clips, appended to the error.
    audio_format : str, optional (default: "wav")
        Cache format, ``wav`` or ``flac``.
    num_workers : int, optional (default: 0)
        Parallel workers for checking and resampling.

    Returns
    -------
    entries : dict
        ``clip_id -> {"wav": "{data_root}/...", "duration": seconds,
        **fields}`` in input order.
    report : PrepareReport
        The counts.

    Raises
    ------
    BadClipsError
        Bad clips whose reason is not in ``skip`` (all are listed).
    ValueError
        Repeated clip ids.

    Example
    -------
    >>> import torch
    >>> from speechbrain.dataio import audio_io
    >>> tmp = getfixture("tmpdir")
    >>> audio_io.save(str(tmp / "a.wav"), torch.zeros(1, 4410), 44100)
    >>> clips = [
    ...     Clip("a", tmp / "a.wav", "a", {"class_id": 0}),
    ...     Clip("b", tmp / "b.wav", "b", {"class_id": 1}),
    ... ]
    >>> entries, report = prepare_clips(
    ...     clips, tmp / "cache", what="Toy", skip=ALL_PROBLEMS
    ... )
    >>> entries
    {'a': {'wav': '{data_root}/a.wav', 'duration': 0.1, 'class_id': 0}}
    >>> report.total, report.kept, report.counts()["missing"]
    (2, 1, 1)
    """
    ids = [clip.clip_id for clip in clips]
    if len(set(ids)) != len(ids):
        seen, repeated = set(), []
        for clip_id in ids:
            if clip_id in seen:
                repeated.append(clip_id)
            seen.add(clip_id)
        raise ValueError(f"{what}: repeated clip ids {repeated[:10]}")
    problems = find_problems(clips, num_workers)
    report_problems(problems, len(clips), what, skip, report_file, hint)
    bad = {p.clip_id for p in problems}
    usable = [clip for clip in clips if clip.clip_id not in bad]
    frames, failed, written = resample_to_cache(
        usable, cache_folder, sample_rate, audio_format, num_workers
    )
    if failed:
        problems += failed
        report_problems(problems, len(clips), what, skip, report_file, hint)
    if written:
        logger.info(
            "%s: resampled %d clips into %s", what, written, cache_folder
        )
    entries = {}
    for clip in usable:
        if clip.clip_id not in frames:
            continue
        name = cache_path("", clip, audio_format).as_posix()
        entries[clip.clip_id] = {
            "wav": "{data_root}/" + name,
            "duration": round(frames[clip.clip_id] / sample_rate, 6),
            **clip.fields,
        }
    report = PrepareReport(len(clips), len(entries), problems, written)
    return entries, report


def prepare_splits(
    splits,
    save_folder,
    cache_folder,
    sample_rate=32000,
    what="dataset",
    skip=(),
    hint=None,
    audio_format="wav",
    num_workers=0,
):
    """:func:`prepare_clips` over all splits of a dataset at once.

    Every split is checked before anything is decoded, so one error lists
    the bad clips of all splits. The counts per split are written to
    ``<save_folder>/prepare_report.json`` and the bad clips to
    ``<save_folder>/bad_clips.txt``.

    Arguments
    ---------
    splits : dict
        ``split name -> list of Clip``; ids unique over all splits.
    save_folder : str or os.PathLike
        Where the reports go.
    cache_folder : str or os.PathLike
        The resampled-audio cache.
    sample_rate : int, optional (default: 32000)
        The model's rate.
    what : str, optional
        The dataset's name, for messages.
    skip : collection of str, optional
        Problem reasons whose clips are left out instead of raising.
    hint : str, optional
        How to skip bad clips, appended to the error.
    audio_format : str, optional (default: "wav")
        Cache format, ``wav`` or ``flac``.
    num_workers : int, optional (default: 0)
        Parallel workers for checking and resampling.

    Returns
    -------
    entries : dict
        ``split -> {clip_id -> manifest fields}``.
    counts : dict
        ``split -> {"total", "kept", "missing", "unreadable", "empty",
        "non-finite"}``.

    Raises
    ------
    BadClipsError
        Bad clips whose reason is not in ``skip`` (all are listed).

    Example
    -------
    >>> import torch
    >>> from speechbrain.dataio import audio_io
    >>> tmp = getfixture("tmpdir")
    >>> audio_io.save(str(tmp / "a.wav"), torch.zeros(1, 3200), 32000)
    >>> entries, counts = prepare_splits(
    ...     {
    ...         "train": [Clip("a", tmp / "a.wav", "a")],
    ...         "test": [Clip("b", tmp / "b.wav", "b")],
    ...     },
    ...     tmp / "save",
    ...     tmp / "cache",
    ...     skip=[MISSING],
    ... )
    >>> list(entries["train"]), entries["test"]
    (['a'], {})
    >>> counts["test"]
    {'total': 1, 'kept': 0, 'missing': 1, 'unreadable': 0, 'empty': 0,
     'non-finite': 0}
    """
    save = Path(save_folder)
    save.mkdir(parents=True, exist_ok=True)
    report_file = save / REPORT_NAME
    report_file.unlink(missing_ok=True)  # stale list of an earlier run
    clips = [clip for split in splits.values() for clip in split]
    all_entries, report = prepare_clips(
        clips,
        cache_folder,
        sample_rate=sample_rate,
        what=what,
        skip=skip,
        report_file=report_file,
        hint=hint,
        audio_format=audio_format,
        num_workers=num_workers,
    )
    entries, counts = {}, {}
    for name, split in splits.items():
        ids = [clip.clip_id for clip in split]
        entries[name] = {i: all_entries[i] for i in ids if i in all_entries}
        members = set(ids)
        problems = [p for p in report.problems if p.clip_id in members]
        counts[name] = {
            "total": len(ids),
            "kept": len(entries[name]),
            **count_problems(problems),
        }
    write_manifest(counts, save / REPORT_JSON)
    for name, count in counts.items():
        logger.info("%s %s: %s", what, name, count)
    return entries, counts


SKIP_HINT = (
    "Set skip_bad_clips: True (--skip_bad_clips=True) to leave them out."
)


def prepare_dataset(
    what,
    read_splits,
    manifests,
    save_folder,
    cache_folder,
    options=None,
    sample_rate=32000,
    skip_bad_clips=False,
    skip_missing=False,
    audio_format="wav",
    num_workers=0,
):
    """The whole preparation of a dataset, as every recipe runs it.

    When ``save_folder`` already holds the manifests of a run with the same
    options, nothing is done. Otherwise ``read_splits`` parses the
    dataset's metadata, :func:`prepare_splits` checks and caches the clips,
    and one JSON manifest per entry of ``manifests`` is written, with
    ``labels.json`` (class names in head order).

    Arguments
    ---------
    what : str
        The dataset's name, for messages.
    read_splits : callable
        ``() -> (splits, labels)``: ``split name -> list of Clip`` and the
        class names in head order.
    manifests : dict
        ``manifest name -> split names`` it joins (in order); split names
        that ``read_splits`` does not return are ignored.
    save_folder : str or os.PathLike
        Where the manifests and reports are written.
    cache_folder : str or os.PathLike
        Resampled-audio cache.
    options : dict, optional
        Dataset options that change the output (recorded with the common
        ones, to decide whether a later run can skip the work).
    sample_rate : int, optional (default: 32000)
        The model's rate.
    skip_bad_clips : bool, optional (default: False)
        Leave out missing, unreadable, empty and non-finite clips instead
        of raising.
    skip_missing : bool, optional (default: False)
        Leave out missing clips only (AudioSet: clips never downloaded).
    audio_format : str, optional (default: "wav")
        Cache format, ``wav`` or ``flac``.
    num_workers : int, optional (default: 0)
        Parallel workers for checking and resampling.

    Returns
    -------
    dict
        The manifest paths by name, ``labels`` (path) and ``counts`` (per
        split, see :func:`prepare_splits`).

    Raises
    ------
    BadClipsError
        Bad clips that may not be skipped (all are listed and counted).

    Example
    -------
    >>> import torch
    >>> from speechbrain.dataio import audio_io
    >>> tmp = getfixture("tmpdir")
    >>> audio_io.save(str(tmp / "a.wav"), torch.zeros(1, 3200), 32000)
    >>> def read():
    ...     clips = [Clip("a", tmp / "a.wav", "a", {"class_id": 0})]
    ...     return {"train": clips}, ["tone"]
    >>> files = prepare_dataset(
    ...     "Toy", read, {"train": ["train"]}, tmp / "save", tmp / "cache"
    ... )
    >>> sorted(files), files["counts"]["train"]["kept"]
    (['counts', 'labels', 'train'], 1)
    """
    save = Path(save_folder)
    files = {name: save / f"{name}.json" for name in manifests}
    files["labels"] = save / "labels.json"
    record = {
        **(options or {}),
        "cache_folder": os.path.abspath(cache_folder),
        "sample_rate": sample_rate,
        "skip_bad_clips": skip_bad_clips,
        "skip_missing": skip_missing,
        "audio_format": audio_format,
    }
    done = load_if_prepared(save, record, files)
    if done is not None:
        return done
    splits, labels = read_splits()
    skip = set(ALL_PROBLEMS if skip_bad_clips else ())
    if skip_missing:
        skip.add(MISSING)
    entries, counts = prepare_splits(
        splits,
        save,
        cache_folder,
        sample_rate=sample_rate,
        what=what,
        skip=skip,
        hint=SKIP_HINT,
        audio_format=audio_format,
        num_workers=num_workers,
    )
    for name, members in manifests.items():
        joined = {}
        for split in members:
            joined.update(entries.get(split, {}))
        if not joined:
            raise ValueError(
                f"{what}: the {name} manifest would be empty: no usable clip "
                f"(see {save / REPORT_JSON})"
            )
        write_manifest(joined, files[name])
    write_labels(labels, files["labels"])
    mark_prepared(save, record)
    return {**files, "counts": counts}
