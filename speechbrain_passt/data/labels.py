"""Class label lists for PaSST heads.

The AudioSet ontology's class list (``class_labels_indices.csv``: index, mid,
display name) ships with the package; its row order is the output order of
every released AudioSet head. Other label sets are read from the files their
datasets come with.

Authors
 * speechbrain-passt developers 2026
"""

import collections
import csv
import json
import os
from importlib import resources


def audioset_csv():
    """Path of the shipped AudioSet class list.

    Returns
    -------
    str
        Path of ``class_labels_indices.csv`` inside the package.

    Example
    -------
    >>> os.path.basename(audioset_csv())
    'class_labels_indices.csv'
    """
    ref = resources.files("speechbrain_passt") / "data"
    return os.fspath(ref / "class_labels_indices.csv")


def audioset_labels():
    """The 527 AudioSet display names in head output order.

    Returns
    -------
    list of str
        Display names, index 0 first.

    Example
    -------
    >>> labels = audioset_labels()
    >>> len(labels), labels[0], labels[137]
    (527, 'Speech', 'Music')
    """
    return read_labels(audioset_csv())


def read_labels(path):
    """Read a class list, in head output order, from a file.

    Supported: a text file with one label per line (any extension but
    ``.csv``); a ``.csv`` with ``index`` and ``display_name`` columns (the
    AudioSet class list); a ``.csv`` with ``target`` and ``category`` columns
    (ESC-50's ``meta/esc50.csv``); a header-less ``.csv`` of ``index,name[,...]``
    rows (FSD50K's ``vocabulary.csv``).

    Arguments
    ---------
    path : str or os.PathLike
        The file.

    Returns
    -------
    list of str
        Labels, index 0 first.

    Raises
    ------
    ValueError
        Unknown layout, missing or repeated indices, duplicate labels.

    Example
    -------
    >>> path = getfixture("tmpdir") / "labels.csv"
    >>> _ = path.write_text("1,Bark,/m/b\\n0,Accordion,/m/a\\n", "utf-8")
    >>> read_labels(path)
    ['Accordion', 'Bark']
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"label file not found: {path}")
    with open(path, encoding="utf-8", newline="") as handle:
        if path.lower().endswith(".json"):
            labels = [str(label) for label in json.load(handle)]
        elif not path.lower().endswith(".csv"):
            labels = [line.strip() for line in handle if line.strip()]
        else:
            labels = _read_csv(path, [r for r in csv.reader(handle) if r])
    if not labels:
        raise ValueError(f"{path} holds no labels")
    counts = collections.Counter(labels)
    duplicates = sorted(label for label, n in counts.items() if n > 1)
    if duplicates:
        raise ValueError(f"{path}: duplicate labels {duplicates[:10]}")
    return labels


def _read_csv(path, rows):
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    if "display_name" in header:
        name_col = header.index("display_name")
        index_col = header.index("index") if "index" in header else None
        pairs = [
            (int(row[index_col]) if index_col is not None else i, row[name_col])
            for i, row in enumerate(rows[1:])
        ]
    elif "target" in header and "category" in header:
        pairs = sorted(
            {
                (
                    int(row[header.index("target")]),
                    row[header.index("category")],
                )
                for row in rows[1:]
            }
        )
    elif header[0].isdigit() and len(header) >= 2:
        pairs = [(int(row[0]), row[1]) for row in rows]
    else:
        raise ValueError(
            f"{path}: unknown csv layout (header {header}); expected "
            "index/display_name or target/category columns, or header-less "
            "index,name rows"
        )
    indices = [index for index, _ in pairs]
    if sorted(indices) != list(range(len(pairs))):
        raise ValueError(
            f"{path}: class indices must be 0..N-1, each once (a target "
            "mapped to two names, a gap or a repeat)"
        )
    return [name.strip() for _, name in sorted(pairs)]


def placeholder_labels(num_classes):
    """Names ``class_0``, ``class_1``, ... for heads without a label file.

    Arguments
    ---------
    num_classes : int
        Number of classes.

    Returns
    -------
    list of str
        The names.

    Example
    -------
    >>> placeholder_labels(2)
    ['class_0', 'class_1']
    """
    return [f"class_{index}" for index in range(num_classes)]
