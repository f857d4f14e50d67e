"""Data preparation for your own labelled audio, in the layouts of Hugging
Face's ``audiofolder`` loader: class folders, or a ``metadata.csv`` with
``file_name`` and ``label`` columns (read by :mod:`audiofolder_layout`,
whose docstring states the rules; ``README.md`` shows examples).

Audio is anything the package's reader decodes (wav, flac, ogg, mp3, ...,
any rate and channel count). The task is ``single_label`` when every clip
has one label, else ``multi_label``. Splits the data does not give are drawn
from the training clips, stratified by label with a fixed seed
(scikit-learn's ``train_test_split``).

Bad rows (a ``file_name`` that is not there, an empty label, audio that
cannot be read, a file listed in two splits) are all listed at once with
where they are (the csv and its row number; the file's path in the
class-folder layout), counted and written to ``<save_folder>/bad_rows.txt``:
an error unless ``skip_bad_clips``, which leaves them out. The rest is the
preparation every recipe shares
(:func:`speechbrain_passt.data.preparation.prepare_dataset`): each clip is
resampled once into the cache (a file whose header is fine but which fails
to decode is reported there, by its path), and ``train.json``,
``valid.json``, ``test.json``, ``labels.json`` (class names, sorted) and
``dataset.json`` (layout, target kind, drawn splits) are written.

Authors
 * speechbrain-passt developers 2026
"""

import collections
import hashlib
import json
import logging
import os
from pathlib import Path

from audiofolder_layout import (
    BAD_ROWS_NAME,
    check_rows,
    read_layout,
    report_bad_rows,
)
from sklearn.model_selection import train_test_split

from speechbrain_passt.data.clip_checks import Clip
from speechbrain_passt.data.manifests import PREPARED_NAME, write_manifest
from speechbrain_passt.data.preparation import prepare_dataset

logger = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
TARGET_KINDS = ("auto", "single_label", "multi_label")
INFO_NAME = "dataset.json"


def stratify_keys(rows):
    """The label (single-label) or label set (multi-label) of each row to
    stratify on; a set shared by fewer than two rows becomes the row's
    rarest label, and a key of a single row becomes ``""`` (the rest).

    Arguments
    ---------
    rows : list of Row
        Labelled rows.

    Returns
    -------
    list of str
        One key per row.

    Example
    -------
    >>> from audiofolder_layout import Row
    >>> rows = [Row("", "", x) for x in (["a"], ["a"], ["a", "b"], ["c"])]
    >>> stratify_keys(rows)
    ['a', 'a', '', '']
    """
    sets = [";".join(sorted(row.labels)) for row in rows]
    set_counts = collections.Counter(sets)
    label_counts = collections.Counter(x for row in rows for x in row.labels)
    keys = [
        key
        if set_counts[key] > 1
        else min(row.labels, key=lambda x: (label_counts[x], x))
        for key, row in zip(sets, rows, strict=True)
    ]
    key_counts = collections.Counter(keys)
    return [key if key_counts[key] > 1 else "" for key in keys]


def assign_splits(rows, valid_ratio, test_ratio, seed):
    """Draw the splits the data does not give from its training rows.

    Arguments
    ---------
    rows : list of Row
        Labelled rows (``split`` None counts as ``train``).
    valid_ratio, test_ratio : float
        Share of the training rows drawn for a missing split.
    seed : int
        Seed of the draws.

    Returns
    -------
    splits : dict
        ``train``, ``valid``, ``test`` -> list of Row, sorted by ``where``.
    drawn : list of str
        The splits that were drawn.

    Raises
    ------
    ValueError
        Too few training rows to draw from.

    Example
    -------
    >>> from audiofolder_layout import Row
    >>> rows = [Row(str(i), "", ["ab"[i % 2]]) for i in range(10)]
    >>> splits, drawn = assign_splits(rows, 0.2, 0.2, seed=1)
    >>> [len(splits[s]) for s in ("train", "valid", "test")], drawn
    ([6, 2, 2], ['test', 'valid'])
    >>> sorted(r.labels[0] for r in splits["test"])
    ['a', 'b']
    """
    splits = {s: [r for r in rows if r.split == s] for s in SPLITS}
    splits["train"] += [r for r in rows if r.split is None]
    total, drawn = len(splits["train"]), []
    for split, ratio in (("test", test_ratio), ("valid", valid_ratio)):
        if splits[split]:
            continue
        size = max(1, round(ratio * total))
        if size >= len(splits["train"]):
            raise ValueError(
                f"AudioFolder: {len(splits['train'])} training clips are "
                f"too few to draw a {split} split of {size}; add clips or "
                f"give a {split}/ folder"
            )
        keys = stratify_keys(splits["train"])
        try:
            kept, taken = train_test_split(
                splits["train"],
                test_size=size,
                random_state=seed,
                stratify=keys,
            )
        except ValueError as error:  # classes too small to stratify
            logger.warning("%s split drawn unstratified: %s", split, error)
            kept, taken = train_test_split(
                splits["train"], test_size=size, random_state=seed
            )
        splits["train"], splits[split] = kept, taken
        drawn.append(split)
    return {
        s: sorted(v, key=lambda r: r.where) for s, v in splits.items()
    }, drawn


def resolve_target_kind(target_kind, rows):
    """The target kind of the data, checked against the requested one.

    Arguments
    ---------
    target_kind : str
        ``auto``, ``single_label`` or ``multi_label``.
    rows : list of Row
        The usable rows.

    Returns
    -------
    str
        ``single_label`` or ``multi_label``: ``auto`` becomes
        ``multi_label`` when any row has several labels.

    Raises
    ------
    ValueError
        ``single_label`` requested for rows with several labels.

    Example
    -------
    >>> from audiofolder_layout import Row
    >>> resolve_target_kind("auto", [Row("r2", "a.wav", ["dog", "bark"])])
    'multi_label'
    """
    multi = [r.where for r in rows if len(r.labels) > 1]
    if multi and target_kind == "single_label":
        raise ValueError(
            f"target_kind is single_label but {len(multi)} rows have "
            f"several labels, e.g. {multi[0]}"
        )
    if target_kind != "auto":
        return target_kind
    return "multi_label" if multi else "single_label"


def to_clips(rows, labels, target_kind, data_folder):
    """The clips of one split, with their manifest fields.

    Arguments
    ---------
    rows : list of Row
        The split's rows.
    labels : list of str
        All class names, in head order.
    target_kind : str
        ``single_label`` (field ``class_id``) or ``multi_label``
        (``class_ids``).
    data_folder : pathlib.Path
        The data folder (clip ids are paths relative to it).

    Returns
    -------
    list of Clip
        Also holding ``labels`` and ``row`` (where it is listed).

    Example
    -------
    >>> from audiofolder_layout import Row
    >>> row = Row("metadata.csv, row 2", "/d/clips/a.flac", ["dog"])
    >>> clip = to_clips([row], ["cat", "dog"], "multi_label", Path("/d"))[0]
    >>> clip.clip_id, clip.cache_name, clip.fields["class_ids"]
    ('clips/a.flac', 'clips/a.flac', [1])
    """
    index = {name: i for i, name in enumerate(labels)}
    clips = []
    for row in rows:
        rel = Path(os.path.relpath(row.path, data_folder)).as_posix()
        ids = [index[x] for x in row.labels]
        fields = {"labels": row.labels, "row": row.where}
        if target_kind == "single_label":
            fields["class_id"] = ids[0]
        else:
            fields["class_ids"] = sorted(ids)
        # The cache adds .wav; other formats keep their extension in the
        # name, so a.wav and a.flac stay apart.
        cache_name = rel[:-4] if rel.endswith(".wav") else rel
        clips.append(Clip(rel, row.path, cache_name, fields))
    return clips


def prepare_audiofolder(
    data_folder,
    save_folder,
    cache_folder,
    sample_rate=32000,
    valid_ratio=0.1,
    test_ratio=0.1,
    split_seed=1234,
    target_kind="auto",
    skip_bad_clips=False,
    num_workers=0,
):
    """Check, split, resample and write the manifests of a data folder.

    Arguments
    ---------
    data_folder : str or os.PathLike
        Class folders or ``metadata.csv`` (see the module docstring).
    save_folder : str or os.PathLike
        Where the manifests and reports are written.
    cache_folder : str or os.PathLike
        Resampled-audio cache (one per data folder: its files are named by
        their path in the data folder).
    sample_rate : int, optional (default: 32000)
        Model sample rate.
    valid_ratio, test_ratio : float, optional (default: 0.1)
        Share of the training clips drawn for a split the data lacks.
    split_seed : int, optional (default: 1234)
        Seed of those draws.
    target_kind : str, optional (default: "auto")
        ``auto`` (from the data), ``single_label`` or ``multi_label``.
    skip_bad_clips : bool, optional (default: False)
        Leave out bad rows instead of raising.
    num_workers : int, optional (default: 0)
        Parallel workers for checking and resampling.

    Returns
    -------
    dict
        Paths of ``train``, ``valid``, ``test``, ``labels``; ``counts``
        per split; ``target_kind``; ``info`` (``dataset.json``).

    Raises
    ------
    BadClipsError
        Bad rows, unless ``skip_bad_clips`` (all are listed).
    ValueError
        No audio, an unknown ``target_kind``, or several labels in a row
        with ``target_kind: single_label``.

    Example
    -------
    >>> import shutil
    >>> tmp = getfixture("tmp_path")
    >>> data = tmp / "data"
    >>> for i in range(6):
    ...     name = ["1-100032-A-0", "3-103051-C-19"][i % 2]
    ...     label = ["dog", "thunderstorm"][i % 2]
    ...     (data / label).mkdir(parents=True, exist_ok=True)
    ...     _ = shutil.copy(
    ...         f"tests/data/esc50_mini/audio/{name}.wav",
    ...         data / label / f"{i}.wav",
    ...     )
    >>> files = prepare_audiofolder(
    ...     data, tmp / "save", tmp / "cache", valid_ratio=0.34, test_ratio=0.34
    ... )
    >>> files["target_kind"], files["info"]["drawn_splits"]
    ('single_label', ['test', 'valid'])
    >>> [files["counts"][s]["kept"] for s in ("train", "valid", "test")]
    [2, 2, 2]
    """
    if target_kind not in TARGET_KINDS:
        raise ValueError(f"target_kind must be one of {TARGET_KINDS}")
    root = Path(data_folder)
    if not root.is_dir():
        raise FileNotFoundError(f"AudioFolder: no data folder {root}")
    layout, rows, bad = read_layout(root)
    if not rows:
        raise ValueError(f"AudioFolder: no audio files found in {root}")
    save = Path(save_folder)
    listing = [(r.where, r.path, r.labels, r.split) for r in rows]
    options = {
        "data_folder": os.path.abspath(root),
        "listing": hashlib.sha1(json.dumps(listing).encode()).hexdigest(),
        "ratios": [valid_ratio, test_ratio, split_seed],
        "target_kind": target_kind,
    }
    if not (save / INFO_NAME).is_file():  # a half-finished earlier run
        (save / PREPARED_NAME).unlink(missing_ok=True)

    def read_splits():
        """Check the rows, draw the missing splits, list the clips."""
        good, more_bad = check_rows(rows, root, num_workers)
        report_bad_rows(
            bad + more_bad, len(rows), save / BAD_ROWS_NAME, skip_bad_clips
        )
        kind = resolve_target_kind(target_kind, good)
        labels = sorted({x for r in good for x in r.labels})
        splits, drawn = assign_splits(good, valid_ratio, test_ratio, split_seed)
        clips = {s: to_clips(v, labels, kind, root) for s, v in splits.items()}
        info = {"layout": layout, "target_kind": kind, "classes": len(labels)}
        info.update(drawn_splits=drawn, bad_rows=len(bad + more_bad))
        write_manifest(info, save / INFO_NAME)
        logger.info("AudioFolder: %s", info)
        return clips, labels

    files = prepare_dataset(
        "AudioFolder",
        read_splits,
        {split: [split] for split in SPLITS},
        save,
        cache_folder,
        options=options,
        sample_rate=sample_rate,
        skip_bad_clips=skip_bad_clips,
        num_workers=num_workers,
    )
    info = json.loads((save / INFO_NAME).read_text())
    return {**files, "target_kind": info["target_kind"], "info": info}
