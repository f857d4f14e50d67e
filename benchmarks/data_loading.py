"""Data loading throughput of the AudioSet recipe: files vs indexed shards.

Builds, in a scratch folder, what ``audioset_prepare.py`` leaves for
training, at the paper's clip length: a 32 kHz mono FLAC cache
(``unbalanced_train_segments/Y<id>.flac``, 16-bit, as ``cache_format:
flac`` writes it) of ``--clips`` synthetic 10 s clips and its
``train.json`` manifest with AudioSet class indices. The clips are random
rolls and gains of a pool of mixtures of the demo set's synthetic sound
events (:func:`~speechbrain_passt.data.synthetic_audioset.mixture`).
It then packs the cache into indexed tar shards
(:func:`~speechbrain_passt.data.shards.write_shards`) and measures:

* clips per second of one DataLoader worker, files vs shards: the recipe's
  training dataset (``clip_datasets`` over the manifest; ``ClipLoader`` with
  decode, fit to 10 s, random gain and roll) read in the order of one
  epoch of the class-balanced sampler (random access), one worker process,
  batches of 12 collated with ``PaddedBatch``; the first batch (worker
  start) is not timed. Formats alternate over ``--rounds``; the best round
  of each is kept (other jobs share the machine);
* bytes on disk per clip (apparent size and allocated blocks) of the cache
  and of the shards;
* per codec, on ``--codec-clips`` of the clips encoded in memory: bytes per
  clip, decode time per clip through the package's decoder, and whether
  the decoded samples equal the 16-bit PCM ones (lossless);
* the DataLoader workers one GPU needs to feed PaSST-S at the paper's 88.7
  spectrograms/s and at 1,500/s: target / (clips/s of one worker).

The page cache holds the freshly written data, so this measures the CPU
cost of loading (decode, crop, gain, roll, open/seek/read), not a network
file system's latency, where one open per clip (files) against one pread
in an open shard (shards) matters most.

Run (the numbers in benchmarks/README.md):

    PYTHONPATH=. python benchmarks/data_loading.py --clips 2000

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import io
import json
import math
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile
import torch
from speechbrain.dataio.batch import PaddedBatch

from speechbrain_passt.data.audio import decode_blocks
from speechbrain_passt.data.labels import read_audioset_classes
from speechbrain_passt.data.manifests import write_manifest
from speechbrain_passt.data.synthetic import SOUND_CLASSES
from speechbrain_passt.data.synthetic_audioset import AUDIOSET_NAMES, mixture
from speechbrain_passt.training import class_balanced_sampler
from speechbrain_passt.training.data_format import prepare_audio_source
from speechbrain_passt.training.datasets import (
    clip_datasets,
    clip_loader,
    multi_label_target,
)

RATE, NUM_CLASSES = 32000, 527
TARGETS = {"paper, 88.7 spectrograms/s": 88.7, "1,500 spectrograms/s": 1500.0}
HPARAMS = {
    "sample_rate": RATE,
    "clip_seconds": 10.0,
    "gain_db": 7,
    "roll_samples": 50,
    "batch_size": 12,
}
CACHE_FORMATS = ("flac", "wav")  # the recipe's cache_format choices
# (name, soundfile format, subtype, extra write options)
CODECS = [
    ("WAV PCM-16", "WAV", "PCM_16", {}),
    ("FLAC 16-bit (default level)", "FLAC", "PCM_16", {}),
    ("FLAC 16-bit (max level)", "FLAC", "PCM_16", {"compression_level": 1.0}),
    ("Ogg Vorbis (default quality)", "OGG", "VORBIS", {}),
    ("Ogg Opus", "OGG", "OPUS", {}),
    ("MP3 (default bitrate)", "MP3", "MPEG_LAYER_III", {}),
]


def make_prepared_sets(folder, clips, seconds, pool_size, seed=0):
    """Caches and ``train.json`` as the AudioSet prepare leaves them, one
    per cache format (the same samples in each).

    Returns
    -------
    dict
        ``cache format -> (files, cache folder)``: ``files`` holds the
        ``train`` manifest path.
    """
    rng = np.random.default_rng(seed)
    mids, _ = read_audioset_classes()
    index_of = {mid: i for i, mid in enumerate(mids)}
    names = list(SOUND_CLASSES)
    pool = []
    for i in range(pool_size):
        others = [n for n in names if n != names[i % len(names)]]
        chosen = [names[i % len(names)]]
        chosen += list(rng.choice(others, rng.integers(0, 3), replace=False))
        classes = sorted(index_of[AUDIOSET_NAMES[n]] for n in chosen)
        pool.append((mixture(chosen, rng, RATE, seconds), classes))
    sets, entries = {}, {ext: {} for ext in CACHE_FORMATS}
    for ext in CACHE_FORMATS:
        cache = Path(folder) / ext / "cache"
        (cache / "unbalanced_train_segments").mkdir(parents=True)
        sets[ext] = cache
    for i in range(clips):
        wave, classes = pool[i % pool_size]
        wave = np.roll(wave, rng.integers(len(wave))) * rng.uniform(0.3, 1)
        ytid = f"bm{i:09d}"
        for ext in CACHE_FORMATS:
            name = f"unbalanced_train_segments/Y{ytid}.{ext}"
            soundfile.write(sets[ext] / name, wave, RATE, subtype="PCM_16")
            entries[ext][ytid] = {
                "wav": "{data_root}/" + name,
                "duration": seconds,
                "class_ids": classes,
                "subset": "unbalanced",
            }
    return {
        ext: (
            {
                "train": write_manifest(
                    entries[ext], sets[ext].parent / "train.json"
                )
            },
            sets[ext],
        )
        for ext in CACHE_FORMATS
    }


def disk_bytes(paths):
    """Apparent and allocated bytes of files."""
    apparent = allocated = 0
    for path in paths:
        stat = os.stat(path)
        apparent += stat.st_size
        allocated += stat.st_blocks * 512
    return apparent, allocated


def clips_per_second(dataset, order, batch_size):
    """Clips/s of one DataLoader worker over ``order`` (first batch not
    timed)."""
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=order,
        num_workers=1,
        collate_fn=PaddedBatch,
    )
    batches = iter(loader)
    next(batches)
    start, count = time.perf_counter(), 0
    for batch in batches:
        count += len(batch.id)
    return count / (time.perf_counter() - start)


def codec_table(cache, count):
    """Bytes, decode seconds per clip and losslessness per codec."""
    files = sorted((cache / "unbalanced_train_segments").glob("*.flac"))
    pcm = [soundfile.read(f, dtype="int16")[0] for f in files[:count]]
    rows = []
    for name, fmt, subtype, options in CODECS:
        sizes, seconds, lossless = [], 0.0, True
        try:
            for samples in pcm:
                data = io.BytesIO()
                soundfile.write(
                    data, samples, RATE, subtype, format=fmt, **options
                )
                sizes.append(len(data.getvalue()))
                data.seek(0)
                start = time.perf_counter()
                wave = torch.cat(list(decode_blocks(data, RATE, name=name)))
                seconds += time.perf_counter() - start
                reference = torch.from_numpy(samples / 32768.0).float()
                lossless &= wave.shape == reference.shape and bool(
                    torch.equal(wave, reference)
                )
        except Exception as error:  # e.g. Opus has no 32 kHz mode
            detail = " ".join(str(error).split()).rpartition("Error : ")[2]
            rows.append({"codec": name, "error": detail})
            continue
        rows.append(
            {
                "codec": name,
                "kb_per_clip": sum(sizes) / len(sizes) / 1000,
                "decode_ms_per_clip": 1000 * seconds / len(pcm),
                "lossless": lossless,
            }
        )
    return rows


def machine():
    """CPU, cores, load, versions."""
    cpu = platform.processor()
    with open("/proc/cpuinfo") as fin:
        for line in fin:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_1min": os.getloadavg()[0],
        "torch": torch.__version__,
        "libsndfile": soundfile.__libsndfile_version__,
    }


def main(argv=None):
    """Run the benchmark and print the tables (markdown) and JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--pool", type=int, default=48)
    parser.add_argument("--reads", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--codec-clips", type=int, default=40)
    parser.add_argument("--clips-per-shard", type=int, default=1000)
    parser.add_argument("--folder", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    folder = Path(args.folder or tempfile.mkdtemp(prefix="data_loading_"))
    result = {"machine": machine(), "args": vars(args)}
    start = time.perf_counter()
    prepared = make_prepared_sets(folder, args.clips, args.seconds, args.pool)
    result["generate_s"] = time.perf_counter() - start
    datasets, bytes_per_clip = {}, {}
    for ext, (files, cache) in prepared.items():
        hparams = dict(HPARAMS, clip_seconds=args.seconds, cache_folder=cache)
        hparams.update(
            shard_folder=cache.parent / "shards",
            clips_per_shard=args.clips_per_shard,
        )
        for data_format in ("files", "shards"):
            start = time.perf_counter()
            loaders = {"train": clip_loader(hparams, augment=True)}
            root, loaders = prepare_audio_source(
                dict(hparams, data_format=data_format), files, loaders
            )
            result[f"{data_format}_{ext}_setup_s"] = time.perf_counter() - start
            datasets[(data_format, ext)] = clip_datasets(
                root,
                files,
                loaders,
                multi_label_target(NUM_CLASSES),
                ["target"],
            )["train"]
        cached = sorted(cache.rglob(f"*.{ext}"))
        shards = sorted((cache.parent / "shards").glob("*.tar"))
        bytes_per_clip[f"files {ext}"] = [
            b / len(cached) for b in disk_bytes(cached)
        ]
        bytes_per_clip[f"shards {ext}"] = [
            b / len(cached) for b in disk_bytes(shards)
        ]
    entries = json.loads(prepared["flac"][0]["train"].read_text())
    sampler = class_balanced_sampler(
        [e["class_ids"] for e in entries.values()],
        min(args.reads, len(entries)),
        num_classes=NUM_CLASSES,
    )
    sampler.set_epoch(1)
    order = list(sampler)
    rates = {f"{f} {ext}": [] for f, ext in datasets}
    for _ in range(args.rounds):
        for (data_format, ext), dataset in datasets.items():
            rates[f"{data_format} {ext}"].append(
                clips_per_second(dataset, order, HPARAMS["batch_size"])
            )
    result["clips_per_s_rounds"] = rates
    result["bytes_per_clip"] = bytes_per_clip
    result["codecs"] = codec_table(prepared["flac"][1], args.codec_clips)
    result["machine"]["load_1min_end"] = os.getloadavg()[0]
    report(result)
    if args.folder is None:
        shutil.rmtree(folder)


def report(result):
    """Print the markdown tables and the JSON."""
    print(
        "| data format, cache codec | clips/s per worker (best of rounds) | rounds | "
        "bytes per clip (apparent / allocated) | workers at "
        + " | workers at ".join(TARGETS)
        + " |"
    )
    print("|---" * (4 + len(TARGETS)) + "|")
    for data_format, rounds in result["clips_per_s_rounds"].items():
        best = max(rounds)
        apparent, allocated = result["bytes_per_clip"][data_format]
        needed = [str(math.ceil(t / best)) for t in TARGETS.values()]
        print(
            f"| {data_format} | {best:.1f} | "
            + ", ".join(f"{r:.1f}" for r in rounds)
            + f" | {apparent / 1000:.0f} kB / {allocated / 1000:.0f} kB | "
            + " | ".join(needed)
            + " |"
        )
    print()
    print("| codec | kB per 10 s clip | decode ms per clip | lossless |")
    print("|---|---|---|---|")
    for row in result["codecs"]:
        if "error" in row:
            print(f"| {row['codec']} | not written: {row['error']} | | |")
            continue
        print(
            f"| {row['codec']} | {row['kb_per_clip']:.0f} | "
            f"{row['decode_ms_per_clip']:.1f} | {row['lossless']} |"
        )
    print()
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
