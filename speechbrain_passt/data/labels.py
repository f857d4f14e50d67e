"""Class label files of every dataset format, read in head output order.

One reader per format, used by the prepare scripts, the training layer and
the converter:

* :func:`read_text_labels`: one label per line;
* :func:`read_json_labels`: a JSON list (the ``labels.json`` that
  preparation writes) or a JSON object ``name -> index`` (OpenMIC's
  ``class-map.json``);
* :func:`read_audioset_classes`: AudioSet's ``class_labels_indices.csv``
  (``index,mid,display_name``; a copy ships with the package, its row order
  is the output order of every released AudioSet head);
* :func:`read_vocabulary_csv`: a header-less ``index,name[,...]`` csv
  (FSD50K's ``vocabulary.csv``);
* :func:`read_category_csv`: a csv with ``target`` and ``category`` columns
  (ESC-50's ``meta/esc50.csv``).

:func:`read_labels` picks the reader from the file's extension and header.
Every reader checks that the indices are 0..N-1 (via
:func:`in_index_order`) and that no label repeats. Files are read as UTF-8
with or without a byte-order mark (``utf-8-sig``: spreadsheet programs
write one, and it would otherwise stick to the first column's name).

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
    return read_audioset_classes()[1]


def placeholder_labels(num_classes):
    """Stand-in class names for a head whose label file is unknown.

    Used where a head has more outputs than named classes (e.g. ESC-50's
    metadata names only the targets it uses) or no label file at all, so
    that every output still has a unique, recognisable name.

    Arguments
    ---------
    num_classes : int
        Number of head outputs.

    Returns
    -------
    list of str
        ``class_0``, ``class_1``, ..., ``class_<num_classes - 1>``.

    Example
    -------
    >>> placeholder_labels(2)
    ['class_0', 'class_1']
    """
    return [f"class_{index}" for index in range(num_classes)]


def in_index_order(pairs, source, fill_gaps=False):
    """Order ``(index, value)`` pairs into a list indexed by class.

    A pair may repeat (ESC-50 lists each target once per clip), but an
    index may not map to two values.

    Arguments
    ---------
    pairs : iterable of tuple
        ``(index, value)``; the index is an int or an int string.
    source : str or os.PathLike
        The file the pairs come from, for messages.
    fill_gaps : bool, optional (default: False)
        Name the indices below the highest one that no pair gives with
        :func:`placeholder_labels`; otherwise they are an error.

    Returns
    -------
    list
        ``values[index]``, index 0 first.

    Raises
    ------
    ValueError
        An index that is not an integer >= 0, maps to two values, or a gap.

    Example
    -------
    >>> in_index_order([("1", "b"), (0, "a"), (1, "b")], "x.csv")
    ['a', 'b']
    >>> in_index_order([(2, "c")], "x.csv", fill_gaps=True)
    ['class_0', 'class_1', 'c']
    """
    values = {}
    for index, value in pairs:
        try:
            index = int(index)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{source}: class index {index!r} is not an integer"
            ) from error
        if index < 0:
            raise ValueError(f"{source}: negative class index {index}")
        seen = values.setdefault(index, value)
        if seen != value:
            raise ValueError(
                f"{source}: class index {index} is both {seen!r} and {value!r}"
            )
    count = max(values) + 1 if values else 0
    if not fill_gaps and len(values) != count:
        raise ValueError(
            f"{source}: class indices must be 0..N-1, each once (missing "
            f"{sorted(set(range(count)) - set(values))[:10]})"
        )
    fill = placeholder_labels(count)
    return [values.get(index, fill[index]) for index in range(count)]


def _checked(labels, path):
    """Labels that exist and are unique, stripped of outer blanks."""
    labels = [label.strip() for label in labels]
    if not labels:
        raise ValueError(f"{path} holds no labels")
    counts = collections.Counter(labels)
    duplicates = sorted(label for label, n in counts.items() if n > 1)
    if duplicates:
        raise ValueError(f"{path}: duplicate labels {duplicates[:10]}")
    return labels


def _existing(path):
    """The path as a string; FileNotFoundError when it is no file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"label file not found: {path}")
    return path


def _csv_rows(path):
    """Non-empty rows of a csv file, cells stripped."""
    with open(_existing(path), encoding="utf-8-sig", newline="") as handle:
        rows = [[cell.strip() for cell in row] for row in csv.reader(handle)]
    return [row for row in rows if any(row)]


def _columns(path, names):
    """The named columns of a csv with a header, one tuple per row."""
    rows = _csv_rows(path)
    header = rows[0] if rows else []
    if not set(names) <= set(header):
        raise ValueError(
            f"{path}: expected the columns {','.join(names)}, got {header}"
        )
    columns = [header.index(name) for name in names]
    if any(len(row) <= max(columns) for row in rows):
        raise ValueError(f"{path}: a row lacks some of {names}")
    return [tuple(row[c] for c in columns) for row in rows[1:]]


def read_text_labels(path):
    """Read a text file with one label per line (blank lines skipped).

    Arguments
    ---------
    path : str or os.PathLike
        The file.

    Returns
    -------
    list of str
        Labels, index 0 first.

    Example
    -------
    >>> path = getfixture("tmpdir") / "labels.txt"
    >>> _ = path.write_text("Dog\\n\\nRooster, crowing\\n", "utf-8")
    >>> read_text_labels(path)
    ['Dog', 'Rooster, crowing']
    """
    with open(_existing(path), encoding="utf-8-sig") as handle:
        labels = [line for line in handle if line.strip()]
    return _checked(labels, path)


def read_json_labels(path):
    """Read a JSON label file: a list of names, or ``name -> index``.

    Arguments
    ---------
    path : str or os.PathLike
        A JSON list of strings in head order (``labels.json`` of the
        preparation) or an object mapping each name to its index (OpenMIC's
        ``class-map.json``).

    Returns
    -------
    list of str
        Labels, index 0 first.

    Raises
    ------
    ValueError
        Any other JSON content, gaps in the indices or repeated names.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = (tmp / "labels.json").write_text('["dog", "cat"]', "utf-8")
    >>> read_json_labels(tmp / "labels.json")
    ['dog', 'cat']
    >>> _ = (tmp / "map.json").write_text('{"cat": 1, "dog": 0}', "utf-8")
    >>> read_json_labels(tmp / "map.json")
    ['dog', 'cat']
    """
    with open(_existing(path), encoding="utf-8-sig") as handle:
        data = json.load(handle)
    if isinstance(data, dict) and all(
        isinstance(index, int) for index in data.values()
    ):
        data = in_index_order(((i, n) for n, i in data.items()), path)
    if not isinstance(data, list) or not all(
        isinstance(label, str) for label in data
    ):
        raise ValueError(
            f"{path}: expected a JSON list of class names or an object "
            "mapping each class name to its index"
        )
    return _checked(data, path)


def read_audioset_classes(path=None):
    """Read AudioSet's ``class_labels_indices.csv``.

    Arguments
    ---------
    path : str or os.PathLike, optional
        A csv with ``index``, ``mid`` and ``display_name`` columns;
        default: the copy shipped with the package.

    Returns
    -------
    mids : list of str
        Class mids, index 0 first.
    names : list of str
        Display names, index 0 first.

    Raises
    ------
    ValueError
        Missing columns, gaps or repeats in the indices.

    Example
    -------
    >>> mids, names = read_audioset_classes()
    >>> len(mids), mids[0], names[0]
    (527, '/m/09x0r', 'Speech')
    """
    path = audioset_csv() if path is None else path
    rows = _columns(path, ("index", "mid", "display_name"))
    classes = in_index_order(((i, (m, n)) for i, m, n in rows), path)
    names = _checked([name for _, name in classes], path)
    return [mid for mid, _ in classes], names


def read_vocabulary_csv(path):
    """Read a header-less ``index,name`` csv, more columns ignored (FSD50K).

    Arguments
    ---------
    path : str or os.PathLike
        The file (FSD50K: ``index,label,mid`` rows).

    Returns
    -------
    list of str
        Names, index 0 first.

    Example
    -------
    >>> path = getfixture("tmpdir") / "vocabulary.csv"
    >>> _ = path.write_text("1,Bark,/m/b\\n0,Accordion,/m/a\\n", "utf-8")
    >>> read_vocabulary_csv(path)
    ['Accordion', 'Bark']
    """
    rows = _csv_rows(path)
    if any(len(row) < 2 for row in rows):
        raise ValueError(f"{path}: expected header-less index,name rows")
    return _checked(in_index_order(((r[0], r[1]) for r in rows), path), path)


def read_category_csv(path, fill_gaps=False):
    """Read class names from a csv with ``target`` and ``category`` columns.

    Arguments
    ---------
    path : str or os.PathLike
        The file (ESC-50's ``meta/esc50.csv``: one row per clip).
    fill_gaps : bool, optional (default: False)
        Name targets that no row uses ``class_<target>`` instead of
        raising (a subset of ESC-50 may lack some).

    Returns
    -------
    list of str
        ``names[target]``.

    Example
    -------
    >>> path = getfixture("tmpdir") / "esc50.csv"
    >>> _ = path.write_text(
    ...     "filename,fold,target,category\\n"
    ...     "1.wav,1,2,rooster\\n2.wav,1,0,dog\\n3.wav,2,0,dog\\n",
    ...     "utf-8",
    ... )
    >>> read_category_csv(path, fill_gaps=True)
    ['dog', 'class_1', 'rooster']
    """
    pairs = _columns(path, ("target", "category"))
    return _checked(in_index_order(pairs, path, fill_gaps), path)


def read_labels(path):
    """Read a class list, in head output order, from a label file.

    The format is picked from the extension and, for a csv, the header:
    ``.json`` (:func:`read_json_labels`); a ``.csv`` with a
    ``display_name`` column (:func:`read_audioset_classes`), with
    ``target`` and ``category`` columns (:func:`read_category_csv`) or
    header-less ``index,name`` rows (:func:`read_vocabulary_csv`); any
    other file is text with one label per line (:func:`read_text_labels`).

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
    FileNotFoundError
        No such file.
    ValueError
        Unknown layout, missing or repeated indices, duplicate labels.

    Example
    -------
    >>> path = getfixture("tmpdir") / "labels.csv"
    >>> _ = path.write_text("1,Bark,/m/b\\n0,Accordion,/m/a\\n", "utf-8")
    >>> read_labels(path)
    ['Accordion', 'Bark']
    """
    path = _existing(path)
    extension = os.path.splitext(path)[1].lower()
    if extension == ".json":
        return read_json_labels(path)
    if extension != ".csv":
        return read_text_labels(path)
    rows = _csv_rows(path)
    header = rows[0] if rows else []
    if "display_name" in header:
        return read_audioset_classes(path)[1]
    if "target" in header and "category" in header:
        return read_category_csv(path)
    if len(header) >= 2 and header[0].isdigit():
        return read_vocabulary_csv(path)
    raise ValueError(
        f"{path}: unknown csv layout (header {header}); expected "
        "index/mid/display_name or target/category columns, or header-less "
        "index,name rows"
    )
