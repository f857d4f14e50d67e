"""The JSON files a preparation writes, and the record that lets a recipe
skip a preparation already done.

:func:`write_manifest` writes SpeechBrain JSON manifests (and any other
JSON, atomically), :func:`write_labels` the ``labels.json`` class list
(read back with :func:`~speechbrain_passt.data.labels.read_labels`),
:func:`read_counts` the per-split counts of ``prepare_report.json``, and
:func:`mark_prepared` / :func:`already_prepared` / :func:`load_if_prepared`
the options of the last finished run.

Authors
 * speechbrain-passt developers 2026
"""

import json
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

REPORT_JSON = "prepare_report.json"
PREPARED_NAME = "prepare_options.json"


def write_manifest(entries, path):
    """Write a SpeechBrain JSON manifest (``id -> fields``).

    The file is written under a temporary name and renamed, so readers
    never see half of it.

    Arguments
    ---------
    entries : dict
        ``clip_id -> dict`` of fields (any JSON value is accepted).
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
    >>> from speechbrain_passt.data.labels import read_labels
    >>> path = write_labels(["dog", "cat"], getfixture("tmpdir") / "l.json")
    >>> read_labels(path)
    ['dog', 'cat']
    """
    return write_manifest(list(labels), path)


def read_counts(save_folder):
    """Read the per-split counts that a preparation wrote.

    Arguments
    ---------
    save_folder : str or os.PathLike
        The preparation's folder (holding :data:`REPORT_JSON`).

    Returns
    -------
    dict
        ``split -> {"total", "kept", <one count per problem reason>}``.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = write_manifest({"eval": {"total": 2}}, tmp / REPORT_JSON)
    >>> read_counts(tmp)
    {'eval': {'total': 2}}
    """
    return json.loads((Path(save_folder) / REPORT_JSON).read_text())


def _jsonable(options):
    """Paths become strings, so records compare equal across runs."""
    return json.loads(json.dumps(options, default=os.fspath))


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
