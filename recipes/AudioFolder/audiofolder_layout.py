"""Reading a data folder in the layouts of Hugging Face's ``audiofolder``
loader into rows (one per audio file, with its labels, its split if the data
gives one, and where it is listed) and finding the bad ones.

* Class folders: ``<data_folder>/<class>/<file>`` (deeper subfolders are
  fine: the first folder names the class), optionally under the split
  folders ``train/``, ``valid/`` (or ``validation/``) and ``test/``. An
  audio file outside any class folder has no label; with split folders,
  other top-level folders are ignored.
* ``metadata.csv`` with the columns ``file_name`` (relative to the csv's
  folder) and ``label``: one at the top (a ``file_name`` under a split
  folder, e.g. ``test/a.wav``, is in that split) or one per split folder.
  A cell may hold several labels (multi-label): they are separated by
  ``;`` when any label cell of that csv holds a ``;``, else by ``,`` (quote
  such a cell: ``"dog,animal"``); a file listed in several rows gets all
  their labels. Rows are numbered as a spreadsheet numbers them (the
  header is row 1).

Bad rows (no label, a file that is not there or outside the data folder, a
file whose header cannot be read or holds no samples, a file in two splits)
are listed with where they are and counted, all at once
(:func:`check_rows`, :func:`report_bad_rows`).

Authors
 * speechbrain-passt developers 2026
"""

import collections
import csv
import dataclasses
import logging
import os
from pathlib import Path

from speechbrain_passt.data.clip_checks import (
    SHOWN_PROBLEMS,
    BadClipsError,
    Clip,
    find_problems,
)
from speechbrain_passt.data.preparation import SKIP_HINT

logger = logging.getLogger(__name__)

SPLIT_FOLDERS = {"train": "train", "valid": "valid", "validation": "valid"}
SPLIT_FOLDERS["test"] = "test"
METADATA = "metadata.csv"
# Files with these extensions are clips (an undecodable one is a bad row).
AUDIO_EXTENSIONS = {
    *(".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif"),
    *(".aiff", ".aifc", ".au", ".snd", ".caf", ".w64", ".rf64", ".m4a"),
}
TWO_SPLITS = "in two splits"
NO_LABEL = "no label"
BAD_ROWS_NAME = "bad_rows.txt"


@dataclasses.dataclass
class Row:
    """One clip as the data lists it.

    Arguments
    ---------
    where : str
        Where it is listed: ``<csv>, row <n>``, or the file's path relative
        to the data folder (class-folder layout).
    path : str
        The audio file ("" when the csv row names none).
    labels : list of str
        Its labels (empty: none given).
    split : str or None
        ``train``, ``valid`` or ``test``; None: not given.

    Example
    -------
    >>> Row("metadata.csv, row 2", "/d/a.wav", ["dog"], None).labels
    ['dog']
    """

    where: str
    path: str
    labels: list
    split: str = None


@dataclasses.dataclass
class BadRow:
    """A row that cannot be used.

    Arguments
    ---------
    where : str
        The row (see :class:`Row`).
    reason : str
        ``missing``, ``unreadable``, ``empty`` (no samples),
        ``non-finite``, ``no label`` or ``in two splits``.
    detail : str, optional
        The file and what went wrong.

    Example
    -------
    >>> str(BadRow("metadata.csv, row 4", "missing", "x.wav"))
    'metadata.csv, row 4: missing (x.wav)'
    """

    where: str
    reason: str
    detail: str = ""

    def __str__(self):
        text = f"{self.where}: {self.reason}"
        return f"{text} ({self.detail})" if self.detail else text


def read_class_folders(data_folder):
    """Rows of the class-folder layout, labelled by their first folder.

    Arguments
    ---------
    data_folder : pathlib.Path
        The data folder.

    Returns
    -------
    list of Row
        Audio files sorted by path; a file outside any class folder has no
        label. With split folders, other top-level folders are ignored.

    Example
    -------
    >>> tmp = getfixture("tmp_path")
    >>> for name in ("train/dog/a.wav", "test/cat/b.flac", "c.wav"):
    ...     (tmp / name).parent.mkdir(parents=True, exist_ok=True)
    ...     _ = (tmp / name).write_bytes(b"")
    >>> [(r.where, r.labels, r.split) for r in read_class_folders(tmp)]
    [('c.wav', [], None), ('test/cat/b.flac', ['cat'], 'test'),
     ('train/dog/a.wav', ['dog'], 'train')]
    """
    folders = {
        p: SPLIT_FOLDERS[p.name]
        for p in data_folder.iterdir()
        if p.is_dir() and p.name in SPLIT_FOLDERS
    }
    rows, ignored = [], 0
    for path in sorted(data_folder.rglob("*")):
        rel = path.relative_to(data_folder)
        if any(part.startswith(".") for part in rel.parts) or path.is_dir():
            continue
        if path.suffix.lower() not in AUDIO_EXTENSIONS:
            ignored += path.name != METADATA
            continue
        top = data_folder / rel.parts[0]
        if folders and top not in folders and len(rel.parts) > 1:
            continue  # not under a split folder
        inner = path.relative_to(top) if top in folders else rel
        label = [inner.parts[0]] if len(inner.parts) > 1 else []
        rows.append(Row(rel.as_posix(), str(path), label, folders.get(top)))
    if ignored:
        logger.info("Ignored %d files that are not audio by name", ignored)
    return rows


def read_metadata_csv(path, data_folder, split=None):
    """Rows of one ``metadata.csv``.

    Arguments
    ---------
    path : pathlib.Path
        The csv (columns ``file_name`` and ``label``; others are ignored).
    data_folder : pathlib.Path
        The data folder.
    split : str, optional
        The split of a csv inside a split folder.

    Returns
    -------
    list of Row
        One per data row.

    Raises
    ------
    ValueError
        A required column is missing.

    Example
    -------
    >>> tmp = getfixture("tmp_path")
    >>> _ = (tmp / "metadata.csv").write_text(
    ...     'file_name,label\\ntest/a.wav,"dog,animal"\\nb.wav,\\n'
    ... )
    >>> for row in read_metadata_csv(tmp / "metadata.csv", tmp):
    ...     print(row.where, row.labels, row.split)
    metadata.csv, row 2 ['dog', 'animal'] test
    metadata.csv, row 3 [] None
    """
    with open(path, newline="", encoding="utf-8-sig") as fin:
        reader = csv.DictReader(fin)
        fields = reader.fieldnames or []
        if "file_name" not in fields or "label" not in fields:
            raise ValueError(
                f"{path}: needs the columns file_name and label, found {fields}"
            )
        records = [
            (number, (r["file_name"] or "").strip(), r["label"] or "")
            for number, r in enumerate(reader, start=2)
        ]
    separator = ";" if any(";" in cell for _, _, cell in records) else ","
    name = path.relative_to(data_folder).as_posix()
    rows = []
    for number, file_name, cell in records:
        labels = [x.strip() for x in cell.split(separator) if x.strip()]
        audio = os.path.normpath(path.parent / file_name) if file_name else ""
        parts = Path(os.path.relpath(audio or path, data_folder)).parts
        row_split = split
        if split is None and len(parts) > 1:
            row_split = SPLIT_FOLDERS.get(parts[0])
        labels = list(dict.fromkeys(labels))  # each once, in order
        rows.append(Row(f"{name}, row {number}", audio, labels, row_split))
    return rows


def merge_repeated(rows):
    """One row per file: a file listed in several rows gets all their
    labels; one listed in two splits is a bad row.

    Arguments
    ---------
    rows : list of Row
        The rows as listed.

    Returns
    -------
    rows : list of Row
        One per file, in order of first listing.
    bad : list of BadRow
        Files listed in two splits.

    Example
    -------
    >>> rows, bad = merge_repeated(
    ...     [Row("r2", "a.wav", ["dog"]), Row("r3", "a.wav", ["bark"])]
    ... )
    >>> rows[0].labels, bad
    (['dog', 'bark'], [])
    """
    merged, bad = {}, []
    for row in rows:
        first = merged.setdefault(row.path or row.where, row)
        if first is row:
            continue
        if first.split != row.split:
            bad.append(BadRow(row.where, TWO_SPLITS, f"also {first.where}"))
        first.labels += [x for x in row.labels if x not in first.labels]
    return list(merged.values()), bad


def read_layout(data_folder):
    """Read whichever layout the data folder has.

    Arguments
    ---------
    data_folder : pathlib.Path
        The data folder.

    Returns
    -------
    layout : str
        ``metadata.csv`` or ``class folders``.
    rows : list of Row
        One per file.
    bad : list of BadRow
        Files listed in two splits.

    Raises
    ------
    ValueError
        A top-level ``metadata.csv`` and per-split ones together.

    Example
    -------
    >>> tmp = getfixture("tmp_path")
    >>> _ = (tmp / "metadata.csv").write_text(
    ...     "file_name,label\\na.wav,dog\\na.wav,bark\\nb.wav,cat\\n"
    ... )
    >>> layout, rows, bad = read_layout(tmp)
    >>> layout, [(r.where, r.labels) for r in rows], bad
    ('metadata.csv', [('metadata.csv, row 2', ['dog', 'bark']),
     ('metadata.csv, row 4', ['cat'])], [])
    """
    top = data_folder / METADATA
    per_split = [
        (data_folder / name / METADATA, split)
        for name, split in SPLIT_FOLDERS.items()
        if (data_folder / name / METADATA).is_file()
    ]
    if top.is_file() and per_split:
        raise ValueError(
            f"{data_folder}: use either {METADATA} at the top or one per "
            "split folder, not both"
        )
    if not top.is_file() and not per_split:
        return "class folders", read_class_folders(data_folder), []
    rows = []
    for path, split in [(top, None)] if top.is_file() else per_split:
        rows += read_metadata_csv(path, data_folder, split)
    return (METADATA, *merge_repeated(rows))


def check_rows(rows, data_folder, num_workers=0):
    """Find the rows without a label or whose file cannot be read (its
    header is checked, nothing is decoded).

    Arguments
    ---------
    rows : list of Row
        The rows.
    data_folder : pathlib.Path
        The data folder (files outside it count as missing).
    num_workers : int, optional (default: 0)
        Threads for checking files.

    Returns
    -------
    good : list of Row
        The usable rows.
    bad : list of BadRow
        The others, in row order.

    Example
    -------
    >>> from audiofolder_layout import Row
    >>> tmp = getfixture("tmp_path")
    >>> rows = [
    ...     Row("metadata.csv, row 2", str(tmp / "a.wav"), ["dog"]),
    ...     Row("metadata.csv, row 3", str(tmp / "b.wav"), []),
    ... ]
    >>> good, bad = check_rows(rows, tmp)
    >>> good, [str(b) for b in bad]
    ([], ['metadata.csv, row 2: missing (a.wav)',
     'metadata.csv, row 3: no label (b.wav)'])
    """
    root = os.path.abspath(data_folder)
    bad, checked = {}, []
    for i, row in enumerate(rows):
        file_name = os.path.relpath(row.path, root) if row.path else ""
        if not row.labels:
            bad[i] = BadRow(row.where, NO_LABEL, file_name)
        elif not row.path or file_name.split(os.sep)[0] == "..":
            bad[i] = BadRow(row.where, "missing", row.path or "no file_name")
        else:
            checked.append(Clip(str(i), row.path, ""))
    for problem in find_problems(checked, num_workers):
        i = int(problem.clip_id)
        detail = os.path.relpath(rows[i].path, root)
        if problem.detail:
            detail += ": " + problem.detail
        bad[i] = BadRow(rows[i].where, problem.reason, detail)
    good = [row for i, row in enumerate(rows) if i not in bad]
    return good, [bad[i] for i in sorted(bad)]


def report_bad_rows(bad, total, report_file, skip):
    """List and count bad rows; raise unless they may be skipped.

    Arguments
    ---------
    bad : list of BadRow
        The bad rows.
    total : int
        Rows read.
    report_file : pathlib.Path
        Receives every bad row, one per line (removed when there is none).
    skip : bool
        Leave the rows out (a warning) instead of raising.

    Raises
    ------
    BadClipsError
        Bad rows and not ``skip``; the message lists them.

    Example
    -------
    >>> report_bad_rows(
    ...     [BadRow("metadata.csv, row 3", "no label", "b.wav")],
    ...     4,
    ...     getfixture("tmp_path") / "bad_rows.txt",
    ...     skip=False,
    ... )
    Traceback (most recent call last):
    ...
    speechbrain_passt.data.clip_checks.BadClipsError: AudioFolder: 1 of 4
    rows cannot be used (1 no label):
      metadata.csv, row 3: no label (b.wav)
    ...
    """
    report_file.unlink(missing_ok=True)
    if not bad:
        return
    counts = collections.Counter(row.reason for row in bad)
    lines = [str(row) for row in bad]
    report = (
        f"AudioFolder: {len(bad)} of {total} rows cannot be used ("
        + ", ".join(f"{n} {reason}" for reason, n in counts.items())
        + "):\n  "
        + "\n  ".join(lines[:SHOWN_PROBLEMS])
    )
    if len(lines) > SHOWN_PROBLEMS:
        report += f"\n  ... and {len(lines) - SHOWN_PROBLEMS} more"
    report_file.parent.mkdir(parents=True, exist_ok=True)
    report_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report += f"\nThe full list is in {report_file}."
    if not skip:
        raise BadClipsError(report + "\n" + SKIP_HINT, bad)
    logger.warning("%s\nThese rows are left out.", report)
