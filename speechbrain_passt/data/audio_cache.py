"""The resampled-audio cache of dataset preparation.

Each clip is read once with :func:`~speechbrain_passt.data.audio.read_audio`
(the package's one reader: mono, resampled to the model's rate, finite) and
written under ``<cache folder>/<clip.cache_name>.<wav|flac>``. The copy is
written under a temporary name and renamed, so an interrupted run never
leaves a truncated file, and a later run reuses every cached clip. A clip
that fails to read becomes a :class:`~speechbrain_passt.data.clip_checks.
Problem` with the reader's reason; so does one whose worker process dies
(:func:`~speechbrain_passt.data.worker_pool.map_surviving_crashes`), while
the other clips go on.

Authors
 * speechbrain-passt developers 2026
"""

import os
from pathlib import Path

import torch
from speechbrain.dataio import audio_io

from speechbrain_passt.data.audio import (
    UNREADABLE,
    AudioReadError,
    error_detail,
    read_audio,
)
from speechbrain_passt.data.clip_checks import Problem
from speechbrain_passt.data.worker_pool import map_surviving_crashes

AUDIO_FORMATS = ("wav", "flac")
CRASH_DETAIL = "its worker process died reading it (a crash or out of memory)"


def cache_path(cache_folder, clip, audio_format="wav"):
    """Where a clip's resampled copy lives.

    Arguments
    ---------
    cache_folder : str or os.PathLike
        The cache's root.
    clip : Clip
        The clip (:class:`~speechbrain_passt.data.clip_checks.Clip`).
    audio_format : str, optional (default: "wav")
        File extension of the cache (``wav`` or ``flac``).

    Returns
    -------
    pathlib.Path
        The file.

    Example
    -------
    >>> from speechbrain_passt.data.clip_checks import Clip
    >>> cache_path("/cache", Clip("a", "/d/a.mp3", "eval/Ya")).as_posix()
    '/cache/eval/Ya.wav'
    """
    return Path(cache_folder) / f"{clip.cache_name}.{audio_format}"


def _cached_frames(target, sample_rate):
    """Samples of a usable cache entry, or None when it must be written."""
    if not target.is_file():
        return None
    try:
        info = audio_io.info(str(target))
    except Exception:
        return None  # unreadable cache entry: write it again
    if info.sample_rate == sample_rate and info.num_channels == 1:
        return info.num_frames
    return None


def cache_clip(source, target, sample_rate):
    """Read a file as mono at ``sample_rate`` and write it to the cache.

    Nothing is done when ``target`` already holds a readable mono file at
    the right rate.

    Arguments
    ---------
    source : str or os.PathLike
        The original file.
    target : str or os.PathLike
        The cached file (its extension picks the format).
    sample_rate : int
        Output rate in Hz.

    Returns
    -------
    tuple
        ``(frames, written)``: samples in the cached clip and whether it
        was written in this call.

    Raises
    ------
    AudioReadError
        The source is missing, undecodable, empty or non-finite.

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
    frames = _cached_frames(target, sample_rate)
    if frames is not None:
        return frames, False
    wav = read_audio(source, sample_rate).unsqueeze(0)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.partial{target.suffix}")
    audio_io.save(str(partial), wav, sample_rate)
    os.replace(partial, target)
    return wav.shape[1], True


def _cache_job(job):
    """Cache one clip in a worker; never raises, so one bad file cannot
    stop the pool.

    Arguments
    ---------
    job : tuple
        ``(source, target, sample_rate)`` for :func:`cache_clip`.

    Returns
    -------
    tuple
        ``(result, reason, detail)``: :func:`cache_clip`'s result and
        empty strings, or None with the reason and detail of the failure.
    """
    try:
        return cache_clip(*job), "", ""
    except AudioReadError as error:
        return None, error.reason, error.detail
    except Exception as error:  # e.g. a file the encoder rejects
        return None, UNREADABLE, error_detail(error)


def _crashed(job):
    """The result of a clip whose worker process died while reading it.

    Arguments
    ---------
    job : tuple
        ``(source, target, sample_rate)``.

    Returns
    -------
    tuple
        ``(None, "unreadable", detail)``, as :func:`_cache_job` reports a
        failure.
    """
    return None, UNREADABLE, CRASH_DETAIL


def _init_worker():
    """One torch thread per worker process: the pool is the parallelism."""
    torch.set_num_threads(1)


def resample_to_cache(
    clips, cache_folder, sample_rate=32000, audio_format="wav", num_workers=0
):
    """Write every clip, mono at ``sample_rate``, into the cache once.

    Arguments
    ---------
    clips : list of Clip
        The clips (:class:`~speechbrain_passt.data.clip_checks.Clip`).
    cache_folder : str or os.PathLike
        The cache's root (created).
    sample_rate : int, optional (default: 32000)
        Output rate in Hz.
    audio_format : str, optional (default: "wav")
        ``wav`` or ``flac`` (half the disk space, slower to decode).
    num_workers : int, optional (default: 0)
        Processes; 0 works in the calling process. With workers, a clip
        that kills its worker (decoder crash, out-of-memory killer) is
        reported as unreadable and the others go on.

    Returns
    -------
    frames : dict
        ``clip_id -> samples`` of every cached clip.
    problems : list of Problem
        Clips that failed to read, with the reader's reason
        (``unreadable``, ``empty``, ``non-finite``, ...).
    written : int
        Clips written in this call.

    Raises
    ------
    ValueError
        Unknown ``audio_format``.
    OSError
        The cache folder cannot be created.

    Example
    -------
    >>> from speechbrain_passt.data.clip_checks import Clip
    >>> tmp = getfixture("tmpdir")
    >>> audio_io.save(str(tmp / "a.wav"), torch.zeros(1, 1600), 16000)
    >>> frames, problems, written = resample_to_cache(
    ...     [Clip("a", tmp / "a.wav", "x/a")], tmp / "cache"
    ... )
    >>> frames, problems, written
    ({'a': 3200}, [], 1)
    """
    if audio_format not in AUDIO_FORMATS:
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
        results = map_surviving_crashes(
            _cache_job, jobs, num_workers, _crashed, initializer=_init_worker
        )
    else:
        results = [_cache_job(job) for job in jobs]
    frames, problems, written = {}, [], 0
    for clip, job, (result, reason, detail) in zip(
        clips, jobs, results, strict=True
    ):
        if result is None:
            problems.append(Problem(clip.clip_id, job[0], reason, detail))
            continue
        frames[clip.clip_id] = result[0]
        written += result[1]
    return frames, problems, written
