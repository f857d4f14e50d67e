"""Data preparation for OpenMIC-2018 (20 instruments, partially labelled).

Reads the folder extracted from ``openmic-2018-v1.0.0.tgz``:

* ``openmic-2018.npz``: ``sample_key`` [N] (an object array of str, which
  ``np.savez`` stores as a pickle: it is decoded by
  :func:`~speechbrain_passt.data.safe_npz.load_npz`, which never runs
  pickled code), ``Y_true`` [N, 20] (relevance in [0, 1], 0.5 where
  nobody annotated the instrument) and ``Y_mask`` [N, 20] (True where
  annotated);
* ``class-map.json``: instrument -> column;
* ``partitions/split01_train.csv`` and ``split01_test.csv``: one sample key
  per line, no header (the artist-disjoint split of the paper; the test
  split doubles as validation, as in the original recipe);
* ``audio/<key[:3]>/<key>.ogg``: the 10 s clips.

Each manifest entry keeps the raw ``relevance`` and ``annotated`` (0/1) of
its 20 instruments; the recipe binarises the relevance at 0.5 and weights
the loss and the metric with the mask. Missing or unreadable clips are
listed and counted, an error unless ``skip_bad_clips``. Every clip is
resampled once to 32 kHz mono into ``cache_folder``. Written to
``save_folder``: ``train.json``, ``test.json``, ``labels.json``,
``prepare_report.json`` and, if any, ``bad_clips.txt``.

Authors
 * speechbrain-passt developers 2026
"""

import os
from pathlib import Path

import numpy as np

from speechbrain_passt.data.clip_checks import Clip
from speechbrain_passt.data.labels import read_json_labels
from speechbrain_passt.data.preparation import prepare_dataset
from speechbrain_passt.data.safe_npz import load_npz

NUM_CLASSES = 20
PARTITIONS = {"train": "split01_train.csv", "test": "split01_test.csv"}


def instrument_names(data_folder):
    """Instrument names in column order, from ``class-map.json``.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The ``openmic-2018`` folder.

    Returns
    -------
    list of str
        The 20 instrument names (read with
        :func:`~speechbrain_passt.data.labels.read_json_labels`).

    Raises
    ------
    FileNotFoundError
        No ``class-map.json`` in the folder.
    ValueError
        Not 20 instruments numbered 0..19.

    Example
    -------
    >>> import json
    >>> tmp = getfixture("tmp_path")
    >>> names = ["accordion", "banjo"] + [f"i{k}" for k in range(18)]
    >>> _ = (tmp / "class-map.json").write_text(
    ...     json.dumps({n: i for i, n in enumerate(names)})
    ... )
    >>> instrument_names(tmp)[:2]
    ['accordion', 'banjo']
    """
    path = Path(data_folder) / "class-map.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"OpenMIC class map not found: {path} (expected the extracted "
            "openmic-2018 folder)"
        )
    names = read_json_labels(path)
    if len(names) != NUM_CLASSES:
        raise ValueError(
            f"{path}: expected {NUM_CLASSES} instruments numbered "
            f"0..{NUM_CLASSES - 1}, got {len(names)}"
        )
    return names


def read_labels_npz(data_folder):
    """Read keys, relevances and masks from ``openmic-2018.npz``.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The ``openmic-2018`` folder.

    Returns
    -------
    dict
        ``sample_key -> (relevance [20] float, mask [20] bool)``.

    Raises
    ------
    FileNotFoundError
        No ``openmic-2018.npz`` in the folder.
    ValueError
        Missing arrays, wrong shapes, relevances outside [0, 1], or a
        ``sample_key`` pickle that is not a plain array of str.

    Example
    -------
    >>> tmp = getfixture("tmp_path")
    >>> y_true = np.full((1, 20), 0.5, np.float32)
    >>> y_true[0, 5] = 0.9
    >>> mask = y_true != 0.5
    >>> np.savez(  # the release's sample_key is an object array
    ...     tmp / "openmic-2018.npz",
    ...     sample_key=np.array(["000046_3840"], dtype=object),
    ...     Y_true=y_true,
    ...     Y_mask=mask,
    ... )
    >>> relevance, mask = read_labels_npz(tmp)["000046_3840"]
    >>> round(float(relevance[5]), 3), mask.nonzero()[0].tolist()
    (0.9, [5])
    """
    path = Path(data_folder) / "openmic-2018.npz"
    if not path.is_file():
        raise FileNotFoundError(f"OpenMIC labels not found: {path}")
    try:
        arrays = load_npz(path, ["sample_key", "Y_true", "Y_mask"])
        keys = arrays["sample_key"].astype(str)
        y_true = arrays["Y_true"].astype(np.float64)
        y_mask = arrays["Y_mask"].astype(bool)
    except (KeyError, ValueError, TypeError) as error:
        raise ValueError(
            f"cannot read sample_key, Y_true and Y_mask ({error})"
        ) from error
    n = len(keys)
    if keys.ndim != 1:
        raise ValueError(f"{path}: sample_key must be 1-D, got {keys.shape}")
    if y_true.shape != (n, NUM_CLASSES) or y_mask.shape != (n, NUM_CLASSES):
        raise ValueError(
            f"{path}: Y_true {y_true.shape} and Y_mask {y_mask.shape} must "
            f"be [{n}, {NUM_CLASSES}] (one row per sample_key)"
        )
    if not np.all((y_true >= 0) & (y_true <= 1)):
        raise ValueError(f"{path}: Y_true must lie in [0, 1]")
    return {key: (y_true[i], y_mask[i]) for i, key in enumerate(keys)}


def read_partition(data_folder, name):
    """Read a partition file (one sample key per line).

    Arguments
    ---------
    data_folder : str or os.PathLike
        The ``openmic-2018`` folder.
    name : str
        File name in ``partitions/``.

    Returns
    -------
    list of str
        Sample keys in file order.

    Example
    -------
    >>> tmp = getfixture("tmp_path")
    >>> _ = (tmp / "partitions").mkdir()
    >>> _ = (tmp / "partitions" / "p.csv").write_text("000046_3840\\n\\n")
    >>> read_partition(tmp, "p.csv")
    ['000046_3840']
    """
    path = Path(data_folder) / "partitions" / name
    if not path.is_file():
        raise FileNotFoundError(f"OpenMIC partition not found: {path}")
    # utf-8-sig: also read a copy re-saved with a byte-order mark.
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return [line.strip() for line in lines if line.strip()]


def prepare_openmic(
    data_folder,
    save_folder,
    cache_folder,
    sample_rate=32000,
    skip_bad_clips=False,
    audio_format="wav",
    num_workers=0,
):
    """Check, resample and write the OpenMIC-2018 manifests.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The extracted ``openmic-2018`` folder.
    save_folder : str or os.PathLike
        Where the manifests and reports are written.
    cache_folder : str or os.PathLike
        Resampled-audio cache.
    sample_rate : int, optional (default: 32000)
        Model sample rate.
    skip_bad_clips : bool, optional (default: False)
        Leave out missing or unreadable clips instead of raising.
    audio_format : str, optional (default: "wav")
        Cache format, ``wav`` or ``flac``.
    num_workers : int, optional (default: 0)
        Parallel workers for checking and resampling.

    Returns
    -------
    dict
        Paths of ``train``, ``test`` and ``labels``, and ``counts`` per
        split.
    """

    def read_splits():
        names = instrument_names(data_folder)
        labels = read_labels_npz(data_folder)
        splits = {}
        for split, partition in PARTITIONS.items():
            keys = read_partition(data_folder, partition)
            unknown = [key for key in keys if key not in labels]
            if unknown:
                raise ValueError(
                    f"OpenMIC: {len(unknown)} keys of partitions/{partition} "
                    f"are not in openmic-2018.npz, e.g. {unknown[:5]}"
                )
            splits[split] = [
                Clip(
                    key,
                    Path(data_folder) / "audio" / key[:3] / f"{key}.ogg",
                    f"{key[:3]}/{key}",
                    {
                        "relevance": [
                            round(float(v), 6) for v in labels[key][0]
                        ],
                        "annotated": [int(v) for v in labels[key][1]],
                    },
                )
                for key in keys
            ]
        return splits, names

    return prepare_dataset(
        "OpenMIC-2018",
        read_splits,
        {"train": ["train"], "test": ["test"]},
        save_folder,
        cache_folder,
        options={"data_folder": os.path.abspath(data_folder)},
        sample_rate=sample_rate,
        skip_bad_clips=skip_bad_clips,
        audio_format=audio_format,
        num_workers=num_workers,
    )
