"""Real clips arranged in the AudioFolder recipe's data layouts.

Sixteen real recordings: the five ESC-50 clips of ``tests/data/esc50_mini``
(44.1 kHz mono wav) and eleven of SpeechBrain's test samples in
``tests/data/sb_samples`` (16 kHz speech and room impulse responses, a
4-channel FLAC noise). Each helper copies them into one layout.

Authors
 * speechbrain-passt developers 2026
"""

import csv
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ESC50 = ROOT / "tests" / "data" / "esc50_mini" / "audio"
SB = ROOT / "tests" / "data" / "sb_samples"

# file -> (class for the single-label layouts, tags for multi-label)
CLIPS = {
    **{
        SB / f"spk{s}_snt{n}.wav": ("speech", ["speech"])
        for s in (1, 2)
        for n in (1, 2, 3)
    },
    **{
        SB / f"rir{n}.wav": ("room_impulse", ["impulse", "reverberation"])
        for n in (1, 2, 3, 4)
    },
    ESC50 / "1-100032-A-0.wav": ("environment", ["dog", "animal"]),
    ESC50 / "2-100648-A-43.wav": ("environment", ["car_horn", "vehicle"]),
    **{
        ESC50 / f"{name}.wav": ("environment", ["thunderstorm", "weather"])
        for name in ("3-103051-C-19", "4-156993-A-19", "5-156999-C-19")
    },
    SB / "noise_0.70225_-0.70225_0.11704.flac": ("environment", ["noise"]),
}
# One clip per class given as the validation split.
VALIDATION = {"spk2_snt3.wav", "rir4.wav", "5-156999-C-19.wav"}


def make_class_folders(root, splits=True):
    """``<class>/<file>``, under ``train/`` and ``validation/`` (no
    ``test/``: it is drawn) when ``splits``.

    Arguments
    ---------
    root : pathlib.Path
        The data folder to write.
    splits : bool, optional (default: True)
        Put the class folders under split folders.

    Returns
    -------
    pathlib.Path
        ``root``.
    """
    for source, (label, _) in CLIPS.items():
        folder = Path(root)
        if splits:
            folder /= "validation" if source.name in VALIDATION else "train"
        (folder / label).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, folder / label / source.name)
    return Path(root)


def write_metadata(path, rows):
    """Write a ``metadata.csv`` (``file_name``, ``label``, ``note``).

    Arguments
    ---------
    path : pathlib.Path
        The csv.
    rows : list of tuple
        ``(file_name, label cell)``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fout:
        writer = csv.writer(fout)
        writer.writerow(["file_name", "label", "note"])
        writer.writerows((name, cell, "real clip") for name, cell in rows)


def make_metadata(root, multi_label=True, per_split=False):
    """Clips under ``clips/`` with a ``metadata.csv``.

    Arguments
    ---------
    root : pathlib.Path
        The data folder to write.
    multi_label : bool, optional (default: True)
        Label cells hold the tags, comma-separated (quoted cells); else
        the class.
    per_split : bool, optional (default: False)
        One csv in ``train/`` and one in ``test/`` (the clips of
        :data:`VALIDATION` are the test split), else one at the top.

    Returns
    -------
    pathlib.Path
        ``root``.
    """
    rows = {"": [], "train": [], "test": []}
    for source, (label, tags) in CLIPS.items():
        split = ""
        if per_split:
            split = "test" if source.name in VALIDATION else "train"
        clips = Path(root) / split / "clips"
        clips.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, clips / source.name)
        cell = ",".join(tags) if multi_label else label
        rows[split].append((f"clips/{source.name}", cell))
    for split, members in rows.items():
        if members:
            write_metadata(Path(root) / split / "metadata.csv", members)
    return Path(root)
