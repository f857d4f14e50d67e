"""Data preparation for DCASE2020 Task 1A (TAU Urban Acoustic Scenes 2020
Mobile, development set): 10 scenes, 10 s clips, 9 devices.

Reads the folder ``TAU-urban-acoustic-scenes-2020-mobile-development``:

* ``meta.csv`` (tab separated: ``filename scene_label identifier
  source_label``; the source label is the device, ``identifier`` is
  ``<city>-<location>``);
* ``evaluation_setup/fold1_train.csv`` and ``fold1_evaluate.csv`` (tab
  separated: ``filename scene_label``), the official train / test split;
  ``fold1_evaluate`` doubles as validation, as in the challenge baselines;
* ``audio/<scene>-<city>-<location>-<segment>-<device>.wav``.

Scenes are numbered in :data:`SCENES` order (alphabetical). Each entry
keeps its ``device`` (from ``meta.csv``, checked against the file name) and
``city``, so the recipe can report accuracy per device, for the devices
seen in training (a, b, c, s1-s3) and the unseen ones (s4-s6). Missing or
unreadable clips are listed and counted, an error unless
``skip_bad_clips``. Every clip is resampled once to 32 kHz mono into
``cache_folder``. Written to ``save_folder``: ``train.json``,
``test.json``, ``labels.json``, ``prepare_report.json`` and, if any,
``bad_clips.txt``.

Authors
 * speechbrain-passt developers 2026
"""

import csv
import os
from pathlib import Path

from speechbrain_passt.data.clip_checks import Clip
from speechbrain_passt.data.preparation import prepare_dataset

SCENES = [
    "airport",
    "bus",
    "metro",
    "metro_station",
    "park",
    "public_square",
    "shopping_mall",
    "street_pedestrian",
    "street_traffic",
    "tram",
]
DEVICES = ["a", "b", "c", "s1", "s2", "s3", "s4", "s5", "s6"]
SPLIT_FILES = {"train": "fold1_train.csv", "test": "fold1_evaluate.csv"}


def read_tsv(path, columns):
    """Read a tab-separated metadata file with a header.

    Arguments
    ---------
    path : str or os.PathLike
        The file.
    columns : list of str
        Columns that must be present.

    Returns
    -------
    list of dict
        The rows.

    Example
    -------
    >>> path = getfixture("tmp_path") / "f.csv"
    >>> _ = path.write_text("filename\\tscene_label\\naudio/x.wav\\tbus\\n")
    >>> read_tsv(path, ["filename", "scene_label"])
    [{'filename': 'audio/x.wav', 'scene_label': 'bus'}]
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"DCASE2020 metadata not found: {path} (expected the "
            "TAU-urban-acoustic-scenes-2020-mobile-development folder with "
            "meta.csv and evaluation_setup/)"
        )
    # utf-8-sig: also read a copy re-saved with a byte-order mark.
    with open(path, newline="", encoding="utf-8-sig") as fin:
        reader = csv.DictReader(fin, delimiter="\t")
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{path}: missing columns {missing} (is it tab separated?)"
            )
        return [{c: row[c].strip() for c in columns} for row in reader]


def parse_filename(filename):
    """Split an audio file name into its fields.

    Arguments
    ---------
    filename : str
        ``[audio/]<scene>-<city>-<location>-<segment>-<device>.wav``.

    Returns
    -------
    dict
        ``scene``, ``city``, ``location``, ``segment`` and ``device``.

    Example
    -------
    >>> parse_filename("audio/metro_station-paris-1-42-s4.wav")["device"]
    's4'
    """
    parts = Path(filename).stem.split("-")
    if len(parts) != 5:
        raise ValueError(
            f"DCASE2020: unexpected file name {filename} (expected "
            "<scene>-<city>-<location>-<segment>-<device>.wav)"
        )
    fields = ("scene", "city", "location", "segment", "device")
    return dict(zip(fields, parts, strict=True))


def read_meta(data_folder):
    """Read ``meta.csv`` into per-file facts.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The development-set folder.

    Returns
    -------
    dict
        ``filename -> {"scene", "device", "city", "identifier"}``.
    """
    path = Path(data_folder) / "meta.csv"
    rows = read_tsv(
        path, ["filename", "scene_label", "identifier", "source_label"]
    )
    meta = {}
    for row in rows:
        name = row["filename"]
        parsed = parse_filename(name)
        device = row["source_label"]
        if device not in DEVICES or device != parsed["device"]:
            raise ValueError(
                f"{path}: {name} has device {device!r}; expected one of "
                f"{DEVICES} matching the file name"
            )
        if row["scene_label"] not in SCENES:
            raise ValueError(
                f"{path}: {name} has unknown scene {row['scene_label']!r}"
            )
        meta[name] = {
            "scene": row["scene_label"],
            "device": device,
            "city": parsed["city"],
            "identifier": row["identifier"],
        }
    return meta


def prepare_dcase20(
    data_folder,
    save_folder,
    cache_folder,
    sample_rate=32000,
    skip_bad_clips=False,
    audio_format="wav",
    num_workers=0,
):
    """Check, resample and write the DCASE2020 Task 1A manifests.

    Arguments
    ---------
    data_folder : str or os.PathLike
        The ``TAU-urban-acoustic-scenes-2020-mobile-development`` folder.
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
        meta = read_meta(data_folder)
        setup = Path(data_folder) / "evaluation_setup"
        splits = {}
        for split, name in SPLIT_FILES.items():
            clips = []
            for row in read_tsv(setup / name, ["filename", "scene_label"]):
                filename = row["filename"]
                facts = meta.get(filename)
                if facts is None or facts["scene"] != row["scene_label"]:
                    raise ValueError(
                        f"{setup / name}: {filename} ({row['scene_label']}) "
                        "is not in meta.csv or has another scene there"
                    )
                clips.append(
                    Clip(
                        Path(filename).stem,
                        Path(data_folder) / filename,
                        Path(filename).with_suffix("").as_posix(),
                        {"class_id": SCENES.index(facts["scene"]), **facts},
                    )
                )
            splits[split] = clips
        return splits, SCENES

    return prepare_dataset(
        "DCASE2020 Task 1A",
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
