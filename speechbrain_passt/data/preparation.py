"""Dataset preparation shared by every PaSST recipe.

Each recipe's ``<dataset>_prepare.py`` reads its dataset's own metadata into
a list of :class:`Clip` (an id, the source file, the manifest fields) and
hands it to :func:`prepare_clips`, which

1. checks every clip up front, before any decoding: files that are missing,
   unreadable (soundfile cannot parse them) or empty are all collected, then
   listed and counted together (and written to a report file). That is an
   error unless the recipe is told to skip such clips;
2. decodes each remaining clip once, downmixes it to mono, resamples it to
   the model's rate with torchaudio and writes it into a cache folder (an
   interrupted run never leaves a truncated file; a later run reuses every
   cached clip). A clip whose header looked fine but which fails to decode
   is reported the same way;
3. returns the manifest entries, whose ``wav`` field is
   ``{data_root}/<cache path>`` (load them with
   ``DynamicItemDataset.from_json(..., replacements={"data_root":
   cache_folder})``) and whose ``duration`` is in seconds.

:func:`write_manifest` writes SpeechBrain JSON manifests, and
:func:`already_prepared` / :func:`mark_prepared` let a recipe skip a
preparation that was already done with the same options.

Authors
 * speechbrain-passt developers 2026
"""

import concurrent.futures
import dataclasses
import json
import logging
import os
from pathlib import Path

import torch
import torchaudio
from speechbrain.dataio import audio_io

logger = logging.getLogger(__name__)

MISSING = "missing"
UNREADABLE = "unreadable"
EMPTY = "empty"
# Pass as ``skip`` to leave out every kind of bad clip.
ALL_PROBLEMS = (MISSING, UNREADABLE, EMPTY)
SHOWN_PROBLEMS = 20
REPORT_NAME = "bad_clips.txt"
REPORT_JSON = "prepare_report.json"


@dataclasses.dataclass
class Clip:
    """One clip of a dataset, as its metadata lists it.

    Arguments
    ---------
    clip_id : str
        Unique id (the manifest key).
    source : str or os.PathLike
        The original audio file.
    cache_name : str
        Path of the resampled copy inside the cache folder, without the
        extension (e.g. ``eval/Y--4gqARaEJE``).
    fields : dict
        Dataset-specific manifest fields (labels, device, ...); must be
        JSON-serialisable.

    Example
    -------
    >>> clip = Clip("a", "/data/a.ogg", "train/a", {"class_id": 3})
    >>> clip.fields["class_id"]
    3
    """

    clip_id: str
    source: str
    cache_name: str
    fields: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Problem:
    """A clip that cannot be used.

    Arguments
    ---------
    clip_id : str
        The clip's id.
    path : str
        The file that failed.
    reason : str
        ``missing``, ``unreadable`` or ``empty``.
    detail : str
        The underlying error, if any.

    Example
    -------
    >>> str(Problem("a", "/data/a.wav", "missing"))
    'missing: /data/a.wav'
    """

    clip_id: str
    path: str
    reason: str
    detail: str = ""

    def __str__(self):
        text = f"{self.reason}: {self.path}"
        return f"{text} ({self.detail})" if self.detail else text


class BadClipsError(RuntimeError):
    """Some clips of a dataset are missing or unreadable.

    Arguments
    ---------
    message : str
        The report.
    problems : list of Problem
        Every bad clip.

    Example
    -------
    >>> error = BadClipsError("1 bad clip", [Problem("a", "a.wav", MISSING)])
    >>> len(error.problems)
    1
    """

    def __init__(self, message, problems):
        super().__init__(message)
        self.problems = problems


@dataclasses.dataclass
class PrepareReport:
    """Counts of one preparation run.

    Arguments
    ---------
    total : int
        Clips the metadata lists.
    kept : int
        Clips written to the manifests.
    problems : list of Problem
        Clips left out (only when skipping was allowed).
    resampled : int
        Clips decoded and written to the cache in this run.

    Example
    -------
    >>> report = PrepareReport(3, 2, [Problem("a", "a.wav", MISSING)], 2)
    >>> report.counts()
    {'missing': 1, 'unreadable': 0, 'empty': 0}
    """

    total: int
    kept: int
    problems: list
    resampled: int

    def counts(self):
        """Number of left-out clips per reason.

        Returns
        -------
        dict
            ``missing``, ``unreadable`` and ``empty`` counts.
        """
        return _count(self.problems)


def _count(problems):
    counts = {MISSING: 0, UNREADABLE: 0, EMPTY: 0}
    for problem in problems:
        counts[problem.reason] += 1
    return counts


def check_clip(path):
    """Check one audio file without decoding it.

    Arguments
    ---------
    path : str or os.PathLike
        The file.

    Returns
    -------
    tuple
        ``(reason, detail)``: ``(None, "")`` when the file is usable,
        otherwise ``missing``, ``unreadable`` or ``empty`` and the error.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> check_clip(tmp / "nothing.wav")
    ('missing', '')
    >>> _ = (tmp / "bad.wav").write_binary(b"not audio at all")
    >>> check_clip(tmp / "bad.wav")[0]
    'unreadable'
    >>> audio_io.save(str(tmp / "ok.wav"), torch.zeros(1, 800), 8000)
    >>> check_clip(tmp / "ok.wav")
    (None, '')
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        return MISSING, ""
    try:
        info = audio_io.info(path)
    except Exception as error:
        return UNREADABLE, _reason(error)
    if info.num_frames <= 0 or info.num_channels <= 0:
        return EMPTY, ""
    return None, ""


def _reason(error):
    cause = error.__cause__ or error
    return " ".join(str(cause).split()) or type(cause).__name__


def find_problems(clips, num_workers=0):
    """Check every clip's source file (in threads: it is I/O bound).

    Arguments
    ---------
    clips : list of Clip
        The clips.
    num_workers : int, optional (default: 0)
        Threads; 0 checks in the calling thread.

    Returns
    -------
    list of Problem
        The clips that cannot be used, in input order.

    Example
    -------
    >>> clips = [Clip("a", "/no/such/file.wav", "a")]
    >>> [p.reason for p in find_problems(clips)]
    ['missing']
    """
    sources = [os.fspath(clip.source) for clip in clips]
    if num_workers > 0:
        with concurrent.futures.ThreadPoolExecutor(num_workers) as pool:
            results = list(pool.map(check_clip, sources, chunksize=256))
    else:
        results = [check_clip(source) for source in sources]
    return [
        Problem(clip.clip_id, source, reason, detail)
        for clip, source, (reason, detail) in zip(
            clips, sources, results, strict=True
        )
        if reason is not None
    ]


def report_problems(
    problems, total, what, allowed=(), report_file=None, hint=None
):
    """List and count bad clips; raise unless their kinds are allowed.

    Arguments
    ---------
    problems : list of Problem
        The bad clips.
    total : int
        Number of clips checked.
    what : str
        The dataset's name, for messages.
    allowed : collection of str, optional
        Reasons (``missing``, ``unreadable``, ``empty``) that are only
        logged: those clips are left out.
    report_file : str or os.PathLike, optional
        A text file that receives every problem, one per line.
    hint : str, optional
        How to skip the clips (the recipe's option), for the error.

    Returns
    -------
    str
        The report (empty when there is no problem).

    Raises
    ------
    BadClipsError
        When a problem's reason is not allowed.

    Example
    -------
    >>> problems = [Problem("a", "a.wav", MISSING)]
    >>> print(report_problems(problems, 5, "Toy", allowed=[MISSING]))
    Toy: 1 of 5 clips cannot be used (1 missing, 0 unreadable, 0 empty):
      missing: a.wav
    >>> report_problems(problems, 5, "Toy")
    Traceback (most recent call last):
    ...
    speechbrain_passt.data.preparation.BadClipsError: Toy: 1 of 5 clips ...
    """
    if not problems:
        return ""
    counts = _count(problems)
    lines = [str(p) for p in problems]
    report = (
        f"{what}: {len(problems)} of {total} clips cannot be used "
        f"({counts[MISSING]} missing, {counts[UNREADABLE]} unreadable, "
        f"{counts[EMPTY]} empty):\n  " + "\n  ".join(lines[:SHOWN_PROBLEMS])
    )
    if len(lines) > SHOWN_PROBLEMS:
        report += f"\n  ... and {len(lines) - SHOWN_PROBLEMS} more"
    if report_file is not None:
        Path(report_file).parent.mkdir(parents=True, exist_ok=True)
        Path(report_file).write_text("\n".join(lines) + "\n")
        report += f"\nThe full list is in {report_file}."
    if any(p.reason not in allowed for p in problems):
        if hint:
            report += f"\n{hint}"
        raise BadClipsError(report, problems)
    logger.warning("%s\nThese clips are left out.", report)
    return report


def cache_path(cache_folder, clip, audio_format="wav"):
    """Where a clip's resampled copy lives.

    Arguments
    ---------
    cache_folder : str or os.PathLike
        The cache's root.
    clip : Clip
        The clip.
    audio_format : str, optional (default: "wav")
        File extension of the cache (``wav`` or ``flac``).

    Returns
    -------
    pathlib.Path
        The file.

    Example
    -------
    >>> cache_path("/cache", Clip("a", "/d/a.mp3", "eval/Ya")).as_posix()
    '/cache/eval/Ya.wav'
    """
    return Path(cache_folder) / f"{clip.cache_name}.{audio_format}"


_RESAMPLERS = {}


def cache_clip(source, target, sample_rate):
    """Decode a file, make it mono at ``sample_rate`` and write it.

    Nothing is done when ``target`` already holds a readable file at the
    right rate. The copy is written under a temporary name and renamed.

    Arguments
    ---------
    source : str or os.PathLike
        The original file.
    target : str or os.PathLike
        The cached file (its extension picks the format).
    sample_rate : int
        Output rate.

    Returns
    -------
    tuple
        ``(frames, written)``: samples in the cached clip and whether it
        was written in this call.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> audio_io.save(str(tmp / "in.wav"), torch.rand(2, 4410) - 0.5, 44100)
    >>> cache_clip(tmp / "in.wav", tmp / "out" / "a.wav", 32000)
    (3200, True)
    >>> cache_clip(tmp / "in.wav", tmp / "out" / "a.wav", 32000)
    (3200, False)
    """
    target = Path(target)
    if target.is_file():
        try:
            info = audio_io.info(str(target))
            if info.sample_rate == sample_rate and info.num_channels == 1:
                return info.num_frames, False
        except Exception:
            pass  # unreadable cache entry: write it again
    audio, rate = audio_io.load(os.fspath(source), dtype=torch.float32)
    wav = torch.as_tensor(audio).mean(dim=0, keepdim=True)
    if wav.shape[1] == 0:
        raise ValueError("the file holds no samples")
    if not torch.isfinite(wav).all():
        raise ValueError("the file holds NaN or inf samples")
    if rate != sample_rate:
        if (rate, sample_rate) not in _RESAMPLERS:
            _RESAMPLERS[rate, sample_rate] = torchaudio.transforms.Resample(
                rate, sample_rate
            )
        wav = _RESAMPLERS[rate, sample_rate](wav)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.partial{target.suffix}")
    audio_io.save(str(partial), wav, sample_rate)
    os.replace(partial, target)
    return wav.shape[1], True


def _cache_job(job):
    """Worker entry: never raises, so one bad file cannot stop the pool."""
    source, target, sample_rate = job
    try:
        return cache_clip(source, target, sample_rate), ""
    except Exception as error:
        return None, _reason(error)


def _init_worker():
    torch.set_num_threads(1)


def resample_to_cache(
    clips, cache_folder, sample_rate=32000, audio_format="wav", num_workers=0
):
    """Write every clip, mono at ``sample_rate``, into the cache once.

    Arguments
    ---------
    clips : list of Clip
        The clips.
    cache_folder : str or os.PathLike
        The cache's root (created).
    sample_rate : int, optional (default: 32000)
        Output rate.
    audio_format : str, optional (default: "wav")
        ``wav`` or ``flac`` (half the disk space, slower to decode).
    num_workers : int, optional (default: 0)
        Processes; 0 works in the calling process.

    Returns
    -------
    frames : dict
        ``clip_id -> samples`` of every cached clip.
    problems : list of Problem
        Clips that failed to decode (reason ``unreadable``).
    written : int
        Clips written in this call.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> audio_io.save(str(tmp / "a.wav"), torch.zeros(1, 1600), 16000)
    >>> frames, problems, written = resample_to_cache(
    ...     [Clip("a", tmp / "a.wav", "x/a")], tmp / "cache"
    ... )
    >>> frames, problems, written
    ({'a': 3200}, [], 1)
    """
    if audio_format not in ("wav", "flac"):
        raise ValueError(
            f"audio_format must be wav or flac, got {audio_format}"
        )
    cache = Path(cache_folder)
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(
            f"cannot create the resampled-audio cache {cache} ({error}); "
            "set cache_folder to a writable folder"
        ) from error
    jobs = [
        (os.fspath(c.source), cache_path(cache, c, audio_format), sample_rate)
        for c in clips
    ]
    if num_workers > 0:
        with concurrent.futures.ProcessPoolExecutor(
            num_workers, initializer=_init_worker
        ) as pool:
            results = list(pool.map(_cache_job, jobs, chunksize=64))
    else:
        results = [_cache_job(job) for job in jobs]
    frames, problems, written = {}, [], 0
    for clip, job, (result, detail) in zip(clips, jobs, results, strict=True):
        if result is None:
            problems.append(Problem(clip.clip_id, job[0], UNREADABLE, detail))
            continue
        frames[clip.clip_id] = result[0]
        written += result[1]
    return frames, problems, written


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
        Problem reasons (``missing``, ``unreadable``, ``empty``) whose clips
        are left out (logged and counted) instead of raising
        :class:`BadClipsError`. :data:`ALL_PROBLEMS` skips all.
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

    Example
    -------
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
        ``split -> {"total", "kept", "missing", "unreadable", "empty"}``.

    Example
    -------
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
    {'total': 1, 'kept': 0, 'missing': 1, 'unreadable': 0, 'empty': 0}
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
            **_count(problems),
        }
    write_manifest(counts, save / REPORT_JSON)
    for name, count in counts.items():
        logger.info("%s %s: %s", what, name, count)
    return entries, counts


def read_counts(save_folder):
    """Read the per-split counts that :func:`prepare_splits` wrote.

    Arguments
    ---------
    save_folder : str or os.PathLike
        The preparation's folder.

    Returns
    -------
    dict
        ``split -> {"total", "kept", "missing", "unreadable", "empty"}``.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = write_manifest({"eval": {"total": 2}}, tmp / REPORT_JSON)
    >>> read_counts(tmp)
    {'eval': {'total': 2}}
    """
    return json.loads((Path(save_folder) / REPORT_JSON).read_text())


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
        Leave out missing, unreadable and empty clips instead of raising.
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


def write_manifest(entries, path):
    """Write a SpeechBrain JSON manifest (``id -> fields``).

    Arguments
    ---------
    entries : dict
        ``clip_id -> dict`` of fields.
    path : str or os.PathLike
        Output file (its folder is created).

    Returns
    -------
    pathlib.Path
        The file.

    Example
    -------
    >>> path = write_manifest(
    ...     {"a": {"wav": "{data_root}/a.wav"}},
    ...     getfixture("tmpdir") / "m" / "train.json",
    ... )
    >>> json.loads(path.read_text())["a"]["wav"]
    '{data_root}/a.wav'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(entries, indent=1))
    os.replace(partial, path)
    return path


def write_labels(labels, path):
    """Write the class names, in head output order, as a JSON list.

    Arguments
    ---------
    labels : list of str
        Class names, index 0 first.
    path : str or os.PathLike
        Output file.

    Returns
    -------
    pathlib.Path
        The file.

    Example
    -------
    >>> path = write_labels(["dog", "cat"], getfixture("tmpdir") / "l.json")
    >>> read_label_file(path)
    ['dog', 'cat']
    """
    return write_manifest(list(labels), path)


def read_label_file(path):
    """Read a class-name list written by :func:`write_labels`.

    Arguments
    ---------
    path : str or os.PathLike
        The file.

    Returns
    -------
    list of str
        Class names, index 0 first.

    Example
    -------
    >>> path = write_labels(["a"], getfixture("tmpdir") / "l.json")
    >>> read_label_file(path)
    ['a']
    """
    labels = json.loads(Path(path).read_text())
    if not isinstance(labels, list) or not all(
        isinstance(label, str) for label in labels
    ):
        raise ValueError(f"{path}: expected a JSON list of class names")
    return labels


PREPARED_NAME = "prepare_options.json"


def already_prepared(save_folder, options, files):
    """Whether an earlier run prepared the same files with the same options.

    Arguments
    ---------
    save_folder : str or os.PathLike
        Where the preparation records its options.
    options : dict
        The options of this run (JSON-serialisable).
    files : iterable of str or os.PathLike
        Files the preparation writes; all must exist.

    Returns
    -------
    bool
        True when nothing needs doing.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> path = write_manifest({}, tmp / "train.json")
    >>> already_prepared(tmp, {"fold": 1}, [path])
    False
    >>> mark_prepared(tmp, {"fold": 1})
    >>> already_prepared(tmp, {"fold": 1}, [path])
    True
    >>> already_prepared(tmp, {"fold": 2}, [path])
    False
    """
    record = Path(save_folder) / PREPARED_NAME
    if not record.is_file() or not all(os.path.isfile(f) for f in files):
        return False
    try:
        return json.loads(record.read_text()) == _jsonable(options)
    except ValueError:
        return False


def load_if_prepared(save_folder, options, files):
    """The result of an earlier identical preparation, or None.

    Arguments
    ---------
    save_folder : str or os.PathLike
        The preparation's folder.
    options : dict
        The options of this run.
    files : dict
        ``name -> path`` of the files the preparation writes.

    Returns
    -------
    dict or None
        ``files`` plus ``counts`` (see :func:`read_counts`) when the files
        exist and were made with the same options; None otherwise.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> files = {"train": write_manifest({}, tmp / "train.json")}
    >>> load_if_prepared(tmp, {"a": 1}, files) is None
    True
    """
    needed = [*files.values(), Path(save_folder) / REPORT_JSON]
    if not already_prepared(save_folder, options, needed):
        return None
    logger.info("Manifests in %s are up to date", save_folder)
    return {**files, "counts": read_counts(save_folder)}


def mark_prepared(save_folder, options):
    """Record that a preparation finished with these options.

    Arguments
    ---------
    save_folder : str or os.PathLike
        Where the record goes.
    options : dict
        The options (JSON-serialisable).

    Example
    -------
    >>> mark_prepared(getfixture("tmpdir"), {"a": 1})
    """
    write_manifest(_jsonable(options), Path(save_folder) / PREPARED_NAME)


def _jsonable(options):
    """Paths become strings, so records compare equal across runs."""
    return json.loads(json.dumps(options, default=os.fspath))
