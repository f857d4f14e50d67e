"""Tiny, deterministic fake datasets in each recipe's official layout.

Each generator writes short synthetic clips (a class-dependent tone plus a
little noise, in the dataset's own format and sample rate) and the metadata
files the real download ships, so the prepare scripts and the recipes run
end to end without the data. With ``bad=True`` one listed clip is deleted
and another is overwritten with bytes no decoder reads; the returned dict
names both. :func:`non_finite` writes a clip with NaN and inf samples.

Authors
 * speechbrain-passt developers 2026
"""

import csv
import json
from pathlib import Path

import numpy as np
import soundfile

from speechbrain_passt.data.labels import audioset_csv


def write_clip(path, seconds, sample_rate, freq, seed, channels=1, **kw):
    """Write a tone (plus noise) as an audio file.

    Arguments
    ---------
    path : str or os.PathLike
        Output file; its extension picks the format.
    seconds : float
        Duration.
    sample_rate : int
        Sample rate.
    freq : float
        Tone frequency in Hz.
    seed : int
        Seed of the noise.
    channels : int, optional (default: 1)
        Channel count.
    **kw
        Passed to ``soundfile.write`` (e.g. ``subtype``).

    Returns
    -------
    pathlib.Path
        The file.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    wave = 0.3 * np.sin(2 * np.pi * freq * t) + 0.02 * rng.standard_normal(
        t.shape
    )
    data = np.stack([wave] * channels, axis=1).astype(np.float32)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), data, sample_rate, **kw)
    return path


def corrupt(path):
    """Overwrite a file with bytes that no audio decoder accepts.

    Arguments
    ---------
    path : pathlib.Path
        The file.
    """
    path.write_bytes(b"\x00garbage, not audio\x00" * 8)


def non_finite(path, sample_rate=16000):
    """Write a float wav whose header is fine but which holds NaN and inf.

    Arguments
    ---------
    path : pathlib.Path
        The file (``.wav``: the format that stores float samples).
    sample_rate : int, optional (default: 16000)
        Sample rate.

    Returns
    -------
    pathlib.Path
        The file.
    """
    data = np.zeros((1600, 1), np.float32)
    data[100, 0], data[200, 0] = np.nan, np.inf
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), data, sample_rate, subtype="FLOAT")
    return path


def resave_with_bom_and_crlf(root):
    """Rewrite every csv and json file below ``root`` as a spreadsheet
    program saves it: UTF-8 with a byte-order mark and CRLF line ends.

    Arguments
    ---------
    root : str or os.PathLike
        The dataset folder.

    Returns
    -------
    list of pathlib.Path
        The rewritten files.
    """
    files = sorted(
        p for p in Path(root).rglob("*") if p.suffix in (".csv", ".json")
    )
    for path in files:
        text = path.read_text(encoding="utf-8")
        path.write_bytes(
            b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
        )
    return files


def _spoil(files, bad):
    """Delete ``files[0]`` and corrupt ``files[1]`` when ``bad``."""
    if not bad:
        return {}
    files[0].unlink()
    corrupt(files[1])
    return {"missing": files[0], "corrupt": files[1]}


# --------------------------------------------------------------- AudioSet
AUDIOSET_SPLITS = {
    "balanced_train_segments": 6,
    "unbalanced_train_segments": 6,
    "eval_segments": 4,
}
AUDIOSET_CLASSES = 4  # the first classes of the ontology are used


def make_audioset(root, bad=False, seconds=1.0):
    """AudioSet as users download it (PANNs layout).

    ``metadata/{balanced_train,unbalanced_train,eval}_segments.csv`` (three
    header lines, quoted comma-separated mids) and
    ``class_labels_indices.csv``; ``audios/<split>/Y<YTID>.<ext>`` in wav,
    flac and mp3 at 32 / 44.1 / 48 kHz, the unbalanced split in two part
    folders. One unbalanced clip is listed but was never downloaded.

    Arguments
    ---------
    root : str or os.PathLike
        Output folder.
    bad : bool, optional (default: False)
        Delete one balanced clip, corrupt one eval clip.
    seconds : float, optional (default: 1.0)
        Clip length.

    Returns
    -------
    dict
        ``not_downloaded`` (YTID), ``counts`` (clips listed per csv) and,
        when ``bad``, ``missing`` and ``corrupt`` paths.
    """
    root = Path(root)
    with open(audioset_csv(), newline="") as fin:
        mids = [row["mid"] for row in csv.DictReader(fin)]
    meta = root / "metadata"
    meta.mkdir(parents=True, exist_ok=True)
    (meta / "class_labels_indices.csv").write_text(
        Path(audioset_csv()).read_text()
    )
    formats = [("wav", 32000), ("flac", 44100), ("mp3", 48000)]
    written, counts, not_downloaded = {}, {}, None
    for s, (split, count) in enumerate(AUDIOSET_SPLITS.items()):
        lines = [
            "# Segments csv created Sun Mar  5 10:54:31 2017",
            f"# num_ytids={count}, num_segs={count}, "
            "num_unique_labels=527, num_positive_labels=0",
            "# YTID, start_seconds, end_seconds, positive_labels",
        ]
        files = []
        for i in range(count):
            ytid = f"-{split[:2]}{i:02d}_x{s}"
            first = i % AUDIOSET_CLASSES
            labels = [mids[first]]
            if i % 3 == 0:
                labels.append(mids[(first + 1) % AUDIOSET_CLASSES])
            lines.append(
                f'{ytid}, {10.0 * i:.3f}, {10.0 * i + 10:.3f}, "'
                + ",".join(labels)
                + '"'
            )
            folder = root / "audios" / split
            if split.startswith("unbalanced"):
                folder = folder / f"{split}_part{i % 2:02d}"
                if i == count - 1:
                    not_downloaded = ytid
                    continue
            ext, rate = formats[i % len(formats)]
            files.append(
                write_clip(
                    folder / f"Y{ytid}.{ext}",
                    seconds,
                    rate,
                    220.0 * (first + 1),
                    seed=100 * s + i,
                    channels=1 + i % 2,
                )
            )
        counts[split] = count
        (meta / f"{split}.csv").write_text("\n".join(lines) + "\n")
        written[split] = files
    write_fake_teacher_logits(root)
    info = {"not_downloaded": not_downloaded, "counts": counts}
    info.update(
        _spoil(
            [
                written["balanced_train_segments"][0],
                written["eval_segments"][1],
            ],
            bad,
        )
    )
    return info


def write_fake_teacher_logits(root):
    """``teacher_logits.npz`` (the default ``kd_teacher`` of
    ``hparams/passt_s_kd.yaml``): random logits of every listed training
    clip but the first, which so trains on its labels only.

    Arguments
    ---------
    root : pathlib.Path
        The fake AudioSet folder (its segment csvs are read).
    """
    ids = []
    for split in ("balanced_train_segments", "unbalanced_train_segments"):
        text = (root / "metadata" / f"{split}.csv").read_text()
        ids += [
            line.split(",")[0]
            for line in text.splitlines()
            if line and not line.startswith("#")
        ]
    logits = np.random.default_rng(0).normal(-3.0, 2.0, (len(ids) - 1, 527))
    np.savez(
        root / "teacher_logits.npz",
        ids=np.asarray(ids[1:]),
        logits=logits.astype(np.float32),
    )


# ----------------------------------------------------------------- OpenMIC
OPENMIC_CLASSES = [
    "accordion",
    "banjo",
    "bass",
    "cello",
    "clarinet",
    "cymbals",
    "drums",
    "flute",
    "guitar",
    "mallet_percussion",
    "mandolin",
    "organ",
    "piano",
    "saxophone",
    "synthesizer",
    "trombone",
    "trumpet",
    "ukulele",
    "violin",
    "voice",
]


def make_openmic(root, bad=False, seconds=1.0, num_train=8, num_test=4):
    """OpenMIC-2018 as extracted from ``openmic-2018-v1.0.0.tgz``.

    ``openmic-2018.npz`` (``sample_key`` an object array of str, ``Y_true``
    float64 with 0.5 where unlabelled, ``Y_mask``), ``class-map.json``,
    ``partitions/split01_{train,test}.csv`` (one key per line) and
    ``audio/<key[:3]>/<key>.ogg`` (44.1 kHz stereo Ogg Vorbis). Every clip
    has two annotated instruments: one present, one absent.

    Arguments
    ---------
    root : str or os.PathLike
        Output folder.
    bad : bool, optional (default: False)
        Delete one training clip and corrupt one test clip.
    seconds : float, optional (default: 1.0)
        Clip length.
    num_train, num_test : int, optional
        Clips per partition.

    Returns
    -------
    dict
        ``keys`` (train, test lists), ``y_true``, ``y_mask`` and, when
        ``bad``, ``missing`` and ``corrupt`` paths.
    """
    root = Path(root)
    total = num_train + num_test
    keys = [f"{i:06d}_{3840 * (i + 1)}" for i in range(total)]
    y_true = np.full((total, 20), 0.5, dtype=np.float64)
    y_mask = np.zeros((total, 20), dtype=bool)
    files = []
    for i, key in enumerate(keys):
        present, absent = i % 4, 4 + i % 3
        y_true[i, present], y_mask[i, present] = 0.9, True
        y_true[i, absent], y_mask[i, absent] = 0.1, True
        files.append(
            write_clip(
                root / "audio" / key[:3] / f"{key}.ogg",
                seconds,
                44100,
                220.0 * (present + 1),
                seed=i,
                channels=2,
            )
        )
    # As helper_numpy.py wrote the release: sample_key is np.unique of a
    # pandas column, an object array of str (stored as a pickle).
    np.savez(
        root / "openmic-2018.npz",
        X=np.zeros((total, 10, 128), dtype=np.uint8),
        Y_true=y_true,
        Y_mask=y_mask,
        sample_key=np.array(keys, dtype=object),
    )
    (root / "class-map.json").write_text(
        json.dumps({name: i for i, name in enumerate(OPENMIC_CLASSES)})
    )
    parts = root / "partitions"
    parts.mkdir(exist_ok=True)
    train, test = keys[:num_train], keys[num_train:]
    (parts / "split01_train.csv").write_text("\n".join(train) + "\n")
    (parts / "split01_test.csv").write_text("\n".join(test) + "\n")
    info = {"keys": (train, test), "y_true": y_true, "y_mask": y_mask}
    info.update(_spoil([files[0], files[num_train]], bad))
    return info


# ----------------------------------------------------------------- DCASE20
DCASE_SCENES = [
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
DCASE_SEEN = ["a", "b", "c", "s1", "s2", "s3"]
DCASE_UNSEEN = ["s4", "s5", "s6"]


def make_dcase20(root, bad=False, seconds=1.0, scenes=2):
    """TAU Urban Acoustic Scenes 2020 Mobile, development set.

    ``audio/{scene}-{city}-{location}-{segment}-{device}.wav`` (44.1 kHz,
    24 bit, mono), the tab-separated ``meta.csv`` and
    ``evaluation_setup/fold1_{train,evaluate,test}.csv``. Training clips
    come from the seen devices, evaluation clips from all nine.

    Arguments
    ---------
    root : str or os.PathLike
        Output folder.
    bad : bool, optional (default: False)
        Delete one training clip and corrupt one evaluation clip.
    seconds : float, optional (default: 1.0)
        Clip length.
    scenes : int, optional (default: 2)
        Number of scenes that get clips (all 10 are valid labels).

    Returns
    -------
    dict
        ``train`` and ``evaluate`` file lists and, when ``bad``,
        ``missing`` and ``corrupt`` paths.
    """
    root = Path(root)
    rows, train, evaluate = [], [], []
    for s, scene in enumerate(DCASE_SCENES[:scenes]):
        for d, device in enumerate(DCASE_SEEN + DCASE_UNSEEN):
            # Seen devices: one training clip (barcelona) and one evaluation
            # clip (helsinki); unseen devices: one evaluation clip.
            cities = ["barcelona", "helsinki"] if device in DCASE_SEEN else []
            for k, city in enumerate(cities or ["helsinki"]):
                name = f"audio/{scene}-{city}-{s}-{10 * d + k}-{device}.wav"
                write_clip(
                    root / name,
                    seconds,
                    44100,
                    300.0 * (s + 1),
                    seed=100 * s + 10 * d + k,
                    subtype="PCM_24",
                )
                rows.append((name, scene, f"{city}-{s}", device))
                target = train if city == "barcelona" else evaluate
                target.append((name, scene))
    setup = root / "evaluation_setup"
    setup.mkdir(parents=True, exist_ok=True)
    _write_tsv(
        root / "meta.csv",
        ["filename", "scene_label", "identifier", "source_label"],
        rows,
    )
    _write_tsv(setup / "fold1_train.csv", ["filename", "scene_label"], train)
    _write_tsv(
        setup / "fold1_evaluate.csv", ["filename", "scene_label"], evaluate
    )
    _write_tsv(
        setup / "fold1_test.csv", ["filename"], [(n,) for n, _ in evaluate]
    )
    info = {"train": train, "evaluate": evaluate}
    info.update(
        _spoil([root / train[0][0], root / evaluate[-1][0]], bad),
    )
    return info


def _write_tsv(path, header, rows):
    with open(path, "w", newline="") as fout:
        writer = csv.writer(fout, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


# ------------------------------------------------------------------ FSD50K
FSD50K_VOCABULARY = [
    ("Bark", "/m/05tny_"),
    ("Chirp_and_tweet", "/m/07pggtn"),
    ("Drum", "/m/026t6"),
    ("Guitar", "/m/0342h"),
    ("Speech", "/m/09x0r"),
]


def make_fsd50k(root, bad=False, lengths=(0.6, 1.0, 2.5), num_dev=12):
    """FSD50K as unzipped from Zenodo.

    ``FSD50K.ground_truth/{dev.csv,eval.csv,vocabulary.csv}`` and
    ``FSD50K.{dev,eval}_audio/<fname>.wav`` (44.1 kHz, 16 bit, mono, of
    varying length). Every third dev clip is in the ``val`` split.

    Arguments
    ---------
    root : str or os.PathLike
        Output folder.
    bad : bool, optional (default: False)
        Delete one dev clip and corrupt one eval clip.
    lengths : tuple of float, optional
        Clip lengths in seconds, used in turn.
    num_dev : int, optional (default: 12)
        Dev clips (eval gets a third as many).

    Returns
    -------
    dict
        ``dev`` and ``eval`` rows and, when ``bad``, ``missing`` and
        ``corrupt`` paths.
    """
    root = Path(root)
    truth = root / "FSD50K.ground_truth"
    truth.mkdir(parents=True, exist_ok=True)
    with open(truth / "vocabulary.csv", "w", newline="") as fout:
        writer = csv.writer(fout, lineterminator="\n")
        for i, (label, mid) in enumerate(FSD50K_VOCABULARY):
            writer.writerow([i, label, mid])
    files, rows = {}, {}
    for part, count, offset in (("dev", num_dev, 1000), ("eval", 4, 9000)):
        rows[part], files[part] = [], []
        for i in range(count):
            fname = str(offset + 37 * i)
            first = i % len(FSD50K_VOCABULARY)
            classes = [first]
            if i % 4 == 1:
                classes.append((first + 2) % len(FSD50K_VOCABULARY))
            labels = ",".join(FSD50K_VOCABULARY[c][0] for c in classes)
            mids = ",".join(FSD50K_VOCABULARY[c][1] for c in classes)
            row = [fname, labels, mids]
            if part == "dev":
                row.append("val" if i % 3 == 2 else "train")
            rows[part].append(row)
            files[part].append(
                write_clip(
                    root / f"FSD50K.{part}_audio" / f"{fname}.wav",
                    lengths[i % len(lengths)],
                    44100,
                    200.0 * (first + 1),
                    seed=offset + i,
                )
            )
        header = ["fname", "labels", "mids"] + (
            ["split"] if part == "dev" else []
        )
        with open(truth / f"{part}.csv", "w", newline="") as fout:
            writer = csv.writer(fout, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows[part])
    info = {"dev": rows["dev"], "eval": rows["eval"]}
    info.update(_spoil([files["dev"][0], files["eval"][1]], bad))
    return info


MAKERS = {
    "Audioset": make_audioset,
    "OpenMIC": make_openmic,
    "DCASE20": make_dcase20,
    "FSD50K": make_fsd50k,
}


def main(argv):
    """Write one fake dataset: ``python tests/fake_datasets.py NAME DIR``.

    Arguments
    ---------
    argv : list of str
        The recipe folder name (``Audioset``, ``OpenMIC``, ``DCASE20``,
        ``FSD50K``) and the output folder.
    """
    name, root = argv
    MAKERS[name](root)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
