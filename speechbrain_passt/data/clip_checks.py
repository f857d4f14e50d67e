"""Clips of a dataset and the bad ones among them.

A recipe lists its dataset as :class:`Clip` objects. Before anything is
decoded, :func:`find_problems` checks every source file's header with
:func:`~speechbrain_passt.data.audio.check_audio_file`; a clip that cannot
be used becomes a :class:`Problem` whose ``reason`` is the
:class:`~speechbrain_passt.data.audio.AudioReadError` reason (``missing``,
``unreadable``, ``empty`` or, found only when decoding, ``non-finite``).
:func:`report_problems` lists and counts them all at once and raises
:class:`BadClipsError` unless their kinds may be skipped.

Authors
 * speechbrain-passt developers 2026
"""

import concurrent.futures
import dataclasses
import logging
import os
from pathlib import Path

from speechbrain_passt.data.audio import (
    REASONS,
    AudioReadError,
    check_audio_file,
)

logger = logging.getLogger(__name__)

# Pass as ``skip`` to leave out every kind of bad clip.
ALL_PROBLEMS = REASONS
SHOWN_PROBLEMS = 20
REPORT_NAME = "bad_clips.txt"


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
        An :class:`~speechbrain_passt.data.audio.AudioReadError` reason:
        ``missing``, ``unreadable``, ``empty`` or ``non-finite``.
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
    >>> problem = Problem("a", "a.wav", "missing")
    >>> error = BadClipsError("1 bad clip", [problem])
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
    >>> report = PrepareReport(3, 2, [Problem("a", "a.wav", "missing")], 2)
    >>> report.counts()
    {'missing': 1, 'unreadable': 0, 'empty': 0, 'non-finite': 0}
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
            ``missing``, ``unreadable``, ``empty`` and ``non-finite``
            counts.
        """
        return count_problems(self.problems)


def count_problems(problems):
    """Number of problems per reason, every reason listed.

    Arguments
    ---------
    problems : list of Problem
        The bad clips.

    Returns
    -------
    dict
        ``reason -> count`` over all of :data:`ALL_PROBLEMS`.

    Example
    -------
    >>> count_problems([Problem("a", "a.wav", "empty")])["empty"]
    1
    """
    counts = dict.fromkeys(ALL_PROBLEMS, 0)
    for problem in problems:
        counts[problem.reason] += 1
    return counts


def check_clip(path):
    """Check one audio file's header without decoding it.

    Arguments
    ---------
    path : str or os.PathLike
        The file.

    Returns
    -------
    tuple
        ``(reason, detail)``: ``(None, "")`` when the file is usable,
        otherwise the :class:`~speechbrain_passt.data.audio.AudioReadError`
        reason and detail.

    Example
    -------
    >>> import torch
    >>> from speechbrain.dataio import audio_io
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
    try:
        check_audio_file(path)
    except AudioReadError as error:
        return error.reason, error.detail
    return None, ""


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
        Reasons (see :data:`ALL_PROBLEMS`) that are only logged: those
        clips are left out.
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
    >>> problems = [Problem("a", "a.wav", "missing")]
    >>> print(report_problems(problems, 5, "Toy", allowed=["missing"]))
    Toy: 1 of 5 clips cannot be used (1 missing, 0 unreadable, 0 empty,
    0 non-finite):
      missing: a.wav
    >>> report_problems(problems, 5, "Toy")
    Traceback (most recent call last):
    ...
    speechbrain_passt.data.clip_checks.BadClipsError: Toy: 1 of 5 clips ...
    """
    if not problems:
        return ""
    counts = count_problems(problems)
    lines = [str(p) for p in problems]
    summary = ", ".join(f"{n} {reason}" for reason, n in counts.items())
    report = (
        f"{what}: {len(problems)} of {total} clips cannot be used "
        f"({summary}):\n  " + "\n  ".join(lines[:SHOWN_PROBLEMS])
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
