"""CPU tagging: a batched encoder pass against one window per pass, the
passes side by side on the cores (``speechbrain_passt.inference.core_parallel``).

For PaSST-S and PaSST-S-N (full width, random weights), each precision
and several window lengths, times ``PaSSTClassifier`` on a batch of 8
clips (one window each) in two ways, in turns in one process:

* ``batched``: one encoder pass over the 8 windows (fp32, bf16); for int8
  on an x86 CPU, which needs one window per pass, the 8 passes one after
  the other on all threads;
* ``per core``: one window per pass, the passes side by side, one per
  core with one intra-op thread each (what the classifier does on a CPU
  for int8 and for windows of at least ``MIN_TOKENS_PER_CORE`` tokens).

Both give the same scores (printed: max |logit difference|). The ways are
forced by setting ``core_parallel.MIN_TOKENS_PER_CORE`` (0 or never) and,
for the int8 one-after-the-other row, one worker in ``map_on_cores``.

With ``--files``, it times ``PaSSTClassifier.tag_files`` (what
``passt-tag`` runs) on ``--batch`` WAV files of each length instead: one
file at a time on all threads against one file per core::

    PYTHONPATH=. python benchmarks/core_parallel.py
    PYTHONPATH=. python benchmarks/core_parallel.py --files

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import functools
import pathlib
import shutil
import statistics
import tempfile
import time

import soundfile
import torch

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.inference import (
    PaSSTClassifier,
    classifier,
    core_parallel,
    runner,
)
from speechbrain_passt.inference.int8 import uses_onednn_int8

RATE = 32000
STRIDES = {"PaSST-S": 10, "PaSST-S-N": 16}


def tagger(variant, precision, batch):
    """Our classifier on a full-width PaSST with random weights."""
    torch.manual_seed(0)
    stride = STRIDES[variant]
    encoder = PaSST(fstride=stride, tstride=stride).eval()
    head = PaSSTHead(768, 527).eval()
    labels = [f"class {i}" for i in range(527)]
    return PaSSTClassifier.from_modules(
        encoder,
        head,
        labels,
        run_opts={"device": "cpu"},
        window_batch_size=batch,
        precision=precision,
    )


SPREAD = runner.map_on_cores  # the library's, before any patching
SPREAD_FILES = classifier.imap_on_cores


def run_as(way, model, clips):
    """Logits of ``clips`` with the passes run ``way``."""
    spread = SPREAD
    per_core = way == "per core"
    core_parallel.MIN_TOKENS_PER_CORE = 0 if per_core else 10**9
    runner.map_on_cores = (
        spread if per_core else functools.partial(spread, workers=1)
    )
    try:
        return model(clips)
    finally:
        runner.map_on_cores = spread


def tag_files_as(way, model, clips):
    """All scores of the files ``clips``, tagged ``way`` by ``tag_files``."""
    if way == "per core":
        classifier.imap_on_cores = SPREAD_FILES
    else:
        classifier.imap_on_cores = lambda f, items, _: SPREAD_FILES(f, items, 1)
    try:
        results = [r for _, r in model.tag_files(clips, top_k=1)]
    finally:
        classifier.imap_on_cores = SPREAD_FILES
    return torch.stack([r.all_scores for r in results])


def write_files(folder, count, seconds, gen):
    """``count`` WAV files of noise, ``seconds`` long, at 32 kHz."""
    paths = []
    for index in range(count):
        wave = 0.1 * torch.randn(int(seconds * RATE), generator=gen)
        path = pathlib.Path(folder) / f"{seconds:g}s_{index}.wav"
        soundfile.write(path, wave.numpy(), RATE)
        paths.append(str(path))
    return paths


def main(argv=None):
    """Print one row per variant, precision and window length."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(STRIDES))
    parser.add_argument("--precisions", nargs="+",
                        default=["fp32", "bf16", "int8"])  # fmt: skip
    parser.add_argument("--seconds", nargs="+", type=float,
                        default=[10.0, 5.0, 3.0, 1.0])  # fmt: skip
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--files", action="store_true",
                        help="time tag_files on WAV files instead")  # fmt: skip
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp()
    threshold = core_parallel.MIN_TOKENS_PER_CORE
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"MIN_TOKENS_PER_CORE {threshold}")  # fmt: skip
    gen = torch.Generator().manual_seed(0)
    for variant in args.variants:
        for precision in args.precisions:
            model = tagger(variant, precision, args.batch)
            for seconds in args.seconds:
                if args.files:
                    clips = write_files(folder, args.batch, seconds, gen)
                    run = functools.partial(tag_files_as, model=model)
                else:
                    clips = 0.1 * torch.randn(
                        args.batch, int(seconds * RATE), generator=gen
                    )
                    run = functools.partial(run_as, model=model)
                ways = ("batched", "per core")
                logits = {way: run(way, clips=clips) for way in ways}
                times = {way: [] for way in ways}
                for _ in range(args.repeats):
                    for way in ways:
                        start = time.perf_counter()
                        run(way, clips=clips)
                        times[way].append(time.perf_counter() - start)
                rates = {
                    way: args.batch / statistics.median(spent)
                    for way, spent in times.items()
                }
                diff = (logits["batched"] - logits["per core"]).abs().max()
                first = "batched"
                if args.files:
                    first = "files one at a time"
                elif precision == "int8" and uses_onednn_int8("cpu"):
                    first = "one after the other"
                print(f"| {variant} | {precision} | {seconds:g} s | "
                      f"{first} {rates['batched']:.3f} | per core "
                      f"{rates['per core']:.3f} | "
                      f"x{rates['per core'] / rates['batched']:.2f} | "
                      f"{diff:.1e} |", flush=True)  # fmt: skip
    core_parallel.MIN_TOKENS_PER_CORE = threshold
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
