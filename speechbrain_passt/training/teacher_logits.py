"""Files of teacher logits for knowledge distillation: clip id -> logits.

Three layouts are read (:func:`read_teacher_logits`):

* ``.npz`` with the arrays ``logits`` ``[clips, classes]`` and ``ids``
  ``[clips]`` (what :func:`write_teacher_logits` writes);
* ``.npy`` logits ``[clips, classes]`` with the ids in a separate file (one
  per line, or a JSON list), by default ``<name>.ids.txt`` beside it: the
  layout of EfficientAT's PaSST-ensemble predictions
  (``passt_enemble_logits_mAP_495.npy``, rows in the order of the
  ``audio_name`` column of its balanced then unbalanced hdf5 files). The
  array is memory-mapped, so 2 M x 527 logits are not read into memory;
* JSON Lines (``.jsonl`` / ``.json``), one object per clip: either
  ``{"id": ..., "logits": [...]}`` or a line of ``passt-tag --json
  --top-k <classes>`` (``{"file", "duration", "tags": [{"label",
  "score"}]}``), whose sigmoid scores (rounded to 6 decimals) are turned
  back into logits, ``log(p / (1 - p))`` with ``p`` clamped to
  ``[1e-7, 1 - 1e-7]`` (so logits below about -16 are cut off; the soft
  targets ``sigmoid(logit / T)`` then differ by at most 1e-7 at ``T = 1``).

Ids are matched to the manifests' clip ids (AudioSet: the YouTube id) after
:func:`clip_id`: a path or a file name ``Y<YTID>.<wav|flac|mp3|...>``
(the downloaders' and the PaSST hdf5 files' naming, e.g. ``00/Y-0A...mp3``)
becomes ``<YTID>``; any other string is kept as it is.

Authors
 * speechbrain-passt developers 2026
"""

import json
import math
import os

import numpy as np

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")
# Clamp of passt-tag's rounded scores before inverting the sigmoid.
SCORE_EPS = 1e-7


def clip_id(name):
    """The clip id of an id, a file name or a path.

    Arguments
    ---------
    name : str
        An id (kept), or a file name / path ``[...]/Y<YTID>.<ext>`` of an
        audio file (``<YTID>``), or another audio file (its stem).

    Returns
    -------
    str
        The id.

    Example
    -------
    >>> clip_id("00/Y-0Abc_12345.mp3"), clip_id("--4gqARaEJE")
    ('-0Abc_12345', '--4gqARaEJE')
    >>> clip_id("/data/dog.wav"), clip_id("YabcYTID")
    ('dog', 'YabcYTID')
    """
    name = str(name)
    stem, ext = os.path.splitext(os.path.basename(name))
    if ext.lower() not in AUDIO_EXTENSIONS:
        return name
    if stem.startswith("Y") and len(stem) > 1:
        return stem[1:]
    return stem


def read_ids(path):
    """Clip ids from a text file (one per line) or a JSON list.

    Arguments
    ---------
    path : str or os.PathLike
        The ids file.

    Returns
    -------
    list of str
        The ids after :func:`clip_id`, in file order.

    Example
    -------
    >>> path = getfixture("tmpdir") / "ids.txt"
    >>> _ = path.write_text("Yab.mp3\\ncd\\n", "utf-8")
    >>> read_ids(path)
    ['ab', 'cd']
    """
    with open(path, encoding="utf-8") as fin:
        text = fin.read()
    if text.lstrip().startswith("["):
        names = json.loads(text)
    else:
        names = [line.strip() for line in text.splitlines() if line.strip()]
    return [clip_id(name) for name in names]


def default_ids_path(path):
    """``<name>.ids.txt`` beside a ``<name>.npy`` file.

    Arguments
    ---------
    path : str or os.PathLike
        The ``.npy`` file.

    Returns
    -------
    str
        The ids file's path.

    Example
    -------
    >>> default_ids_path("teacher/logits.npy")
    'teacher/logits.ids.txt'
    """
    return os.path.splitext(os.fspath(path))[0] + ".ids.txt"


def read_teacher_logits(path, ids_path=None, labels=None):
    """Read a teacher-logits file.

    Arguments
    ---------
    path : str or os.PathLike
        ``.npz``, ``.npy`` or JSON Lines (see the module docstring).
    ids_path : str or os.PathLike, optional
        Ids of a ``.npy`` file's rows (default :func:`default_ids_path`).
    labels : list of str, optional
        Class names in head order: needed for ``passt-tag --json`` lines,
        whose scores are given by label.

    Returns
    -------
    ids : list of str
        Clip ids (after :func:`clip_id`), one per row.
    logits : numpy.ndarray
        ``[clips, classes]`` (memory-mapped for ``.npy``).

    Raises
    ------
    ValueError
        Missing ids or labels, rows and ids of different counts, repeated
        ids, or a ``passt-tag`` line without every class.

    Example
    -------
    >>> path = getfixture("tmpdir") / "t.npz"
    >>> write_teacher_logits(path, ["a", "b"], np.zeros((2, 3)))
    >>> ids, logits = read_teacher_logits(path)
    >>> ids, logits.shape
    (['a', 'b'], (2, 3))
    """
    path = os.fspath(path)
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as archive:
            if "ids" not in archive or "logits" not in archive:
                raise ValueError(f"{path}: needs the arrays 'ids' and 'logits'")
            ids = [clip_id(name) for name in archive["ids"].tolist()]
            logits = np.asarray(archive["logits"])
    elif path.endswith(".npy"):
        ids_path = ids_path or default_ids_path(path)
        if not os.path.isfile(ids_path):
            raise ValueError(
                f"{path}: a .npy file of logits needs its clip ids, one per "
                f"line ({ids_path} is missing; set kd_teacher_ids)"
            )
        ids = read_ids(ids_path)
        logits = np.load(path, mmap_mode="r", allow_pickle=False)
    else:
        ids, logits = _read_json_lines(path, labels)
    if logits.ndim != 2 or logits.shape[0] != len(ids):
        raise ValueError(
            f"{path}: {len(ids)} ids for logits of shape {logits.shape}; "
            "expected [clips, classes] with one id per row"
        )
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: a clip id is listed more than once")
    return ids, logits


def _read_json_lines(path, labels):
    """Ids and logits of a JSON Lines file (``id`` + ``logits`` objects or
    ``passt-tag --json`` output)."""
    index = None if labels is None else {n: i for i, n in enumerate(labels)}
    ids, rows = [], []
    with open(path, encoding="utf-8") as fin:
        for number, line in enumerate(fin, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if "logits" in record:
                ids.append(clip_id(record["id"]))
                rows.append(record["logits"])
                continue
            if index is None:
                raise ValueError(
                    f"{path}: passt-tag lines need the class names (labels)"
                )
            scores = {tag["label"]: tag["score"] for tag in record["tags"]}
            if len(scores) < len(index) or not set(index) <= set(scores):
                raise ValueError(
                    f"{path}, line {number}: {len(scores)} scores for "
                    f"{len(index)} classes; run passt-tag --json --top-k "
                    f"{len(index)}"
                )
            row = [0.0] * len(index)
            for label, score in scores.items():
                p = min(max(float(score), SCORE_EPS), 1.0 - SCORE_EPS)
                row[index[label]] = math.log(p / (1.0 - p))
            ids.append(clip_id(record["file"]))
            rows.append(row)
    return ids, np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)


def write_teacher_logits(path, ids, logits):
    """Write teacher logits that :func:`read_teacher_logits` reads.

    Arguments
    ---------
    path : str or os.PathLike
        ``.npz`` (ids and logits in one file) or ``.npy`` (the logits; the
        ids go to :func:`default_ids_path`, one per line).
    ids : list of str
        Clip ids, one per row (the manifest's ids).
    logits : array-like
        ``[clips, classes]`` logits, stored as float32.

    Example
    -------
    >>> path = getfixture("tmpdir") / "t.npy"
    >>> write_teacher_logits(path, ["a"], np.ones((1, 2)))
    >>> read_teacher_logits(path)[0]
    ['a']
    """
    path = os.fspath(path)
    ids = [str(name) for name in ids]
    logits = np.asarray(logits, dtype=np.float32)
    if logits.ndim != 2 or logits.shape[0] != len(ids):
        raise ValueError("logits must be [clips, classes], one row per id")
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if path.endswith(".npy"):
        np.save(path, logits)
        with open(default_ids_path(path), "w", encoding="utf-8") as fout:
            fout.writelines(f"{name}\n" for name in ids)
    elif path.endswith(".npz"):
        np.savez(path, ids=np.asarray(ids, dtype=str), logits=logits)
    else:
        raise ValueError(f"{path}: write teacher logits as .npz or .npy")
