"""Peak memory of tagging long files: ``passt-tag`` against file duration.

For each duration it writes a 16 kHz mono FLAC (a tone in low noise,
generated block by block), runs ``passt-tag FILE --model DIR --json`` in a
fresh process and reports that process's peak resident set size
(``ru_maxrss`` from ``os.wait4``) and its wall time. ``passt-tag`` reads,
resamples (16 -> 32 kHz) and tags the file block by block, so the peak
should not grow with the duration. ``--whole`` also measures the
whole-file path for comparison (``load_audio`` then ``tag_batch`` on
the whole waveform, what ``passt-tag`` did before), for the durations up to
``--whole-max-minutes``.

The model is a pretrained folder with random weights, written on the fly:

* ``--model narrow`` (default): the released models' geometry (128 mel
  bins, 16x16 patches, strides 10, a 99-column time encoding: 10.05 s
  windows every 5.025 s) but 64 wide and 1 block deep, so that three hours
  of audio run in minutes on a CPU. Memory that grows with the file's
  length shows up the same as with the full model.
* ``--model full``: PaSST-S (768 wide, 12 blocks, 527 classes), for the
  absolute footprint (slow on a CPU: about 2 s per window on 2 cores).

Run (the table in benchmarks/README.md)::

    PYTHONPATH=. python benchmarks/long_file_memory.py --whole

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import soundfile

FILE_RATE = 16000

WHOLE_FILE = """
import sys, torch
from speechbrain_passt.inference import PaSSTClassifier
tagger = PaSSTClassifier.from_hparams(sys.argv[2], run_opts={"device": "cpu"})
wav = tagger.load_audio(sys.argv[1])[None]
print(tagger.tag_batch(wav, top_k=5)[0].labels)
"""


def write_flac(path, seconds, block_seconds=60.0, seed=0):
    """Write a 16 kHz 16-bit FLAC of a 440 Hz tone in low noise.

    Arguments
    ---------
    path : str
        Where to write.
    seconds : float
        Duration.
    block_seconds : float, optional (default: 60.0)
        Seconds generated and written at a time.
    seed : int, optional (default: 0)
        Noise seed.
    """
    gen = np.random.default_rng(seed)
    total = round(seconds * FILE_RATE)
    block = round(block_seconds * FILE_RATE)
    with soundfile.SoundFile(
        path, "w", FILE_RATE, 1, subtype="PCM_16", format="FLAC"
    ) as out:
        for first in range(0, total, block):
            t = np.arange(first, min(first + block, total)) / FILE_RATE
            data = 0.2 * np.sin(2 * np.pi * 440 * t)
            data += 0.01 * gen.standard_normal(len(t))
            out.write(data.astype(np.float32))


def write_model(folder, size):
    """Write a pretrained folder with random weights.

    Arguments
    ---------
    folder : str
        Where to write.
    size : str
        ``"narrow"`` or ``"full"`` (see the module docstring).

    Returns
    -------
    str
        The folder.
    """
    import torch

    from speechbrain_passt import PaSST, PaSSTHead
    from speechbrain_passt.weights import export_pretrained_folder

    torch.manual_seed(0)
    if size == "full":
        encoder = PaSST(s_patchout_t=40, s_patchout_f=4)
        head = PaSSTHead(768, 527)
    else:
        encoder = PaSST(embed_dim=64, depth=1, num_heads=1)
        head = PaSSTHead(64, 527)
    labels = [f"class {i}" for i in range(527)]
    export_pretrained_folder(encoder.eval(), head.eval(), labels, folder)
    return folder


def peak_rss(command, threads):
    """Peak RSS of a fresh process running ``command`` (Linux).

    Arguments
    ---------
    command : list of str
        The command.
    threads : int
        Torch threads (``OMP_NUM_THREADS``).

    Returns
    -------
    tuple
        ``(peak MiB, seconds, stdout)``.
    """
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env)
    out = process.stdout.read().decode()
    # Reap the child ourselves: wait4 gives its own resource usage.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit {process.returncode})")
    return usage.ru_maxrss / 1024, seconds, out  # ru_maxrss is in KiB


def main(argv=None):
    """Run the benchmark and print a Markdown table.

    Arguments
    ---------
    argv : list of str, optional
        Command-line arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--minutes",
        type=float,
        nargs="+",
        default=[1, 30, 90, 180],
        help="file durations in minutes (default: 1 30 90 180)",
    )
    parser.add_argument("--model", choices=["narrow", "full"], default="narrow")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--whole",
        action="store_true",
        help="also measure the whole-file path",
    )
    parser.add_argument("--whole-max-minutes", type=float, default=30)
    parser.add_argument("--workdir", help="folder for the files (default: tmp)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        model = write_model(os.path.join(tmp, "model"), args.model)
        rows = []
        for minutes in args.minutes:
            path = os.path.join(tmp, f"{minutes:g}min.flac")
            write_flac(path, minutes * 60)
            size = os.path.getsize(path) / 2**20
            tag = [sys.executable, "-m", "speechbrain_passt.cli.tag"]
            peak, seconds, out = peak_rss(
                [*tag, path, "--model", model, "--json"], args.threads
            )
            record = json.loads(out)
            row = {
                "minutes": minutes,
                "flac_mib": size,
                "duration_s": record["duration"],
                "peak_mib": peak,
                "seconds": seconds,
            }
            if args.whole and minutes <= args.whole_max_minutes:
                command = [sys.executable, "-c", WHOLE_FILE, path, model]
                row["whole_peak_mib"], row["whole_seconds"], _ = peak_rss(
                    command, args.threads
                )
            os.remove(path)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(
        "| file | FLAC (MiB) | passt-tag peak RSS (MiB) | time (s) | "
        "whole-file peak RSS (MiB) | time (s) |"
    )
    print("|---|---|---|---|---|---|")
    for row in rows:
        whole = ("-", "-")
        if "whole_peak_mib" in row:
            whole = (
                f"{row['whole_peak_mib']:.0f}",
                f"{row['whole_seconds']:.0f}",
            )
        print(
            f"| {row['minutes']:g} min | {row['flac_mib']:.0f} | "
            f"{row['peak_mib']:.0f} | {row['seconds']:.0f} | "
            f"{whole[0]} | {whole[1]} |"
        )


if __name__ == "__main__":
    main()
