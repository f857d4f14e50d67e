"""Data preparation for FSD50K (200 classes, multi-label, 0.3-30 s clips).

Reads the folder where the Zenodo zips were unpacked:

* ``FSD50K.ground_truth/vocabulary.csv`` (no header: ``index,label,mid``)
  gives the class order, as in the original recipe;
* ``FSD50K.ground_truth/dev.csv`` (``fname,labels,mids,split``, split
  ``train`` or ``val``) and ``eval.csv`` (``fname,labels,mids``), labels
  comma-separated and already propagated up the ontology;
* ``FSD50K.dev_audio/<fname>.wav`` and ``FSD50K.eval_audio/<fname>.wav``.

Clips keep their full length in the cache (resampled once to 32 kHz mono);
the recipe crops 10 s for training and evaluates whole clips. Missing or
unreadable clips are listed and counted, an error unless
``skip_bad_clips``. Written to ``save_folder``: ``train.json``,
``valid.json``, ``eval.json``, ``labels.json``, ``prepare_report.json``
and, if any, ``bad_clips.txt``.

Authors
 * speechbrain-passt developers 2026
"""

import csv
import os
from pathlib import Path

from speechbrain_passt.data.clip_checks import Clip
from speechbrain_passt.data.labels import read_vocabulary_csv
from speechbrain_passt.data.preparation import prepare_dataset

GROUND_TRUTH = "FSD50K.ground_truth"


def vocabulary_path(data_folder):
    """Where FSD50K keeps its class list (``vocabulary.csv``).

    Arguments
    ---------
    data_folder : str or os.PathLike
        The FSD50K folder.

    Returns
    -------
    pathlib.Path
        The file, read with
        :func:`~speechbrain_passt.data.labels.read_vocabulary_csv`.

    Raises
    ------
    FileNotFoundError
        The ground truth was not unzipped into the folder.

    Example
    -------
    >>> tmp = getfixture("tmp_path")
    >>> _ = (tmp / GROUND_TRUTH).mkdir()
    >>> _ = (tmp / GROUND_TRUTH / "vocabulary.csv").write_text(
    ...     "0,Accelerating_and_revving_and_vroom,/m/07q2z82\\n"
    ...     "1,Accordion,/m/0mkg\\n"
    ... )
    >>> read_vocabulary_csv(vocabulary_path(tmp))
    ['Accelerating_and_revving_and_vroom', 'Accordion']
    """
    path = Path(data_folder) / GROUND_TRUTH / "vocabulary.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"FSD50K vocabulary not found: {path} (unzip "
            "FSD50K.ground_truth.zip into the data folder)"
        )
    return path


def read_ground_truth(path, label_to_index, with_split):
    """Read ``dev.csv`` or ``eval.csv``.

    Arguments
    ---------
    path : str or os.PathLike
        The file.
    label_to_index : dict
        Class name -> index.
    with_split : bool
        Whether the file has the ``split`` column (``dev.csv``).

    Returns
    -------
    list of dict
        ``fname``, ``class_ids`` and (dev) ``split``.

    Example
    -------
    >>> path = getfixture("tmp_path") / "dev.csv"
    >>> _ = path.write_text(
    ...     "fname,labels,mids,split\\n"
    ...     '64760,"Bark,Animal","/m/05tny_,/m/0jbk",train\\n'
    ... )
    >>> read_ground_truth(path, {"Animal": 0, "Bark": 1}, True)
    [{'fname': '64760', 'class_ids': [0, 1], 'split': 'train'}]
    """
    columns = ["fname", "labels"] + (["split"] if with_split else [])
    if not os.path.isfile(path):
        raise FileNotFoundError(f"FSD50K ground truth not found: {path}")
    rows = []
    # utf-8-sig: also read a copy re-saved with a byte-order mark.
    with open(path, newline="", encoding="utf-8-sig") as fin:
        reader = csv.DictReader(fin)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {missing}")
        for row in reader:
            labels = [x.strip() for x in row["labels"].split(",") if x.strip()]
            unknown = [x for x in labels if x not in label_to_index]
            if unknown or not labels:
                raise ValueError(
                    f"{path}, line {reader.line_num}: unknown or no labels "
                    f"{unknown} (not in vocabulary.csv)"
                )
            entry = {
                "fname": row["fname"].strip(),
                "class_ids": sorted({label_to_index[x] for x in labels}),
            }
            if with_split:
                if row["split"] not in ("train", "val"):
                    raise ValueError(
                        f"{path}, line {reader.line_num}: split must be "
                        f"train or val, got {row['split']!r}"
                    )
                entry["split"] = row["split"]
            rows.append(entry)
    return rows


def prepare_fsd50k(
    data_folder,
    save_folder,
    cache_folder,
    sample_rate=32000,
    skip_bad_clips=False,
    audio_format="wav",
    num_workers=0,
):
    """Check, resample and write the FSD50K manifests.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The FSD50K folder (``FSD50K.ground_truth``, ``FSD50K.dev_audio``,
        ``FSD50K.eval_audio``).
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
        Paths of ``train``, ``valid``, ``eval`` and ``labels``, and
        ``counts`` per split.
    """

    def read_splits():
        names = read_vocabulary_csv(vocabulary_path(data_folder))
        index = {name: i for i, name in enumerate(names)}
        truth = Path(data_folder) / GROUND_TRUTH
        splits = {"train": [], "valid": [], "eval": []}
        for part, has_split in (("dev", True), ("eval", False)):
            for row in read_ground_truth(
                truth / f"{part}.csv", index, has_split
            ):
                split = {"train": "train", "val": "valid"}.get(row.get("split"))
                fname = row["fname"]
                splits[split or "eval"].append(
                    Clip(
                        f"{part}_{fname}",
                        Path(data_folder)
                        / f"FSD50K.{part}_audio"
                        / f"{fname}.wav",
                        f"{part}/{fname}",
                        {"class_ids": row["class_ids"]},
                    )
                )
        return splits, names

    return prepare_dataset(
        "FSD50K",
        read_splits,
        {"train": ["train"], "valid": ["valid"], "eval": ["eval"]},
        save_folder,
        cache_folder,
        options={"data_folder": os.path.abspath(data_folder)},
        sample_rate=sample_rate,
        skip_bad_clips=skip_bad_clips,
        audio_format=audio_format,
        num_workers=num_workers,
    )
