"""CPU tagging speed of PaSST-S and PaSST-S-N per precision, side by side
with the original implementation (hear21passt), in one process.

For each variant (full width: 768 wide, 12 heads, depth 12; stride 10 for
S, 16 for S-N) the original model (``hear21passt``: its mel front-end and
PaSST, fp32, eval mode, random initialisation) is converted to ours with
:func:`speechbrain_passt.load_original_checkpoint`, so both hold the same
(random) weights. Timed: clips/s of 10 s clips at 32 kHz, waveform to
logits (front-end included), at batch 1 and 8:

* the original, fp32 eval;
* ours, :class:`~speechbrain_passt.inference.PaSSTClassifier` in fp32,
  bf16 and int8 (``precision=...``), eager and compiled (``compile=True``;
  int8 on an x86 CPU stays eager: see
  :mod:`speechbrain_passt.inference.int8`). A batch of 10 s clips runs one
  clip per encoder pass, the passes side by side on the cores
  (:mod:`speechbrain_passt.inference.core_parallel`);
* ours exported to ONNX
  (:func:`~speechbrain_passt.inference.onnx_export.export_onnx`) in ONNX
  Runtime, fp32 and int8 (``precision="int8"``: the weight products
  quantised by ONNX Runtime, the attention in fp32).

In the same run it measures the peaks of the machine (large matmuls: fp32
and bf16 ``torch.matmul``, int8 the faster of ``torch._int_mm`` and
oneDNN's int8 Linear (x86 CPUs), 3072 x 3072, before and
after the models; the best is kept) and prints each path's GFLOP/s as a
fraction of the peak of its precisions (FLOPs as in
``benchmarks/throughput.py``, inference without Patchout): the time the
path's operations would take at the peaks of the precisions they run in
(int8 paths: the weight products at the int8 peak, the attention's
products and the patch convolution at the fp32 peak) over the measured
time. The int8 rows also give the plain fraction of the int8 peak, as if
every operation ran in int8. Agreement with
our fp32 (max |probability difference| and the mean top-5 overlap) is
measured on real recordings: the ESC-50 mini clips and SpeechBrain's
sample files (``tests/data``), each tiled to 10 s for the timed batches,
and with ``--files`` at native length for the eager paths. The paths
are timed in turns (round robin), so load changes hit them alike. With random
weights the probabilities are close to 0.5 and do not mean anything; the
differences show the numerical error of each precision.

``--device cuda`` runs the same on a GPU (no ONNX Runtime rows; peaks of
the card's fp32, bf16 and int8 matmuls); ``benchmarks/cuda_session.sh``
is the prepared script for a lent GPU machine.

hear21passt is not a dependency of the package: install it beside it, e.g.
``pip install --no-deps --target /work/venvs/bench_extra hear21passt``
(it needs only torch and torchaudio, already there), then::

    PYTHONPATH=.:/work/venvs/bench_extra python benchmarks/cpu_inference.py

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import contextlib
import io
import os
import pathlib
import statistics
import sys
import tempfile
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from throughput import (  # noqa: E402
    EMBED,
    VARIANTS,
    forward_flops,
    sequence_length,
)

from speechbrain_passt import load_original_checkpoint  # noqa: E402
from speechbrain_passt.data.audio import read_audio  # noqa: E402
from speechbrain_passt.inference import PaSSTClassifier  # noqa: E402
from speechbrain_passt.inference.int8 import uses_onednn_int8  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
ARCH = {"PaSST-S": ("passt_s_swa_p16_128_ap476", 10),
        "PaSST-S-N": ("passt_s_p16_s16_128_ap468", 16)}  # fmt: skip
RATE, SECONDS = 32000, 10


def peaks(device="cpu", size=3072, repeats=4):
    """Best GFLOP/s (GOP/s for int8) of large matmuls per precision."""
    out = {}
    a32 = torch.randn(size, size, device=device)
    b32 = torch.randn(size, size, device=device)
    int8 = dict(dtype=torch.int8, device=device)
    a8 = torch.randint(-127, 127, (size, size), **int8)
    b8 = torch.randint(-127, 127, (size, size), **int8).t()
    cases = {
        "fp32": lambda: a32 @ b32,
        "bf16": lambda: a32.bfloat16() @ b32.bfloat16(),
        "int8": lambda: torch._int_mm(a8, b8),
    }
    a16, b16 = a32.bfloat16(), b32.bfloat16()
    cases["bf16"] = lambda: a16 @ b16
    if uses_onednn_int8(device):  # the kernel of our CPU int8 path too
        packed = torch.ops.onednn.qlinear_prepack(b8.t().contiguous(), None)
        u8 = torch.randint(0, 255, (size, size), dtype=torch.uint8)
        scales = torch.full((size,), 1e-3)
        cases["int8 oneDNN"] = lambda: torch.ops.onednn.qlinear_pointwise(
            u8, 1e-3, 128, packed, scales, None, None, 1.0, 0,
            torch.float32, "none", [], "",
        )  # fmt: skip
    for name, run in cases.items():
        run()
        best = min(_seconds(run) for _ in range(repeats))
        out[name] = 2 * size**3 / best / 1e9
    if "int8 oneDNN" in out:  # the machine's int8 peak: the faster kernel
        out["int8"] = max(out["int8"], out.pop("int8 oneDNN"))
    return out


def _seconds(run):
    """Seconds of one call (waiting for the GPU where one is in use)."""
    start = time.perf_counter()
    run()
    if torch.cuda.is_initialized():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def clips_per_second(run, batch, repeats, warmup=1):
    """Clips/s of ``run`` (one batch per call): median of ``repeats``."""
    for _ in range(warmup):
        run()
    return batch / statistics.median(_seconds(run) for _ in range(repeats))


def original_model(variant):
    """hear21passt's mel + PaSST (logits), fp32 eval, random weights."""
    from hear21passt.models.passt import get_model
    from hear21passt.models.preprocess import AugmentMelSTFT
    from hear21passt.wrapper import PasstBasicWrapper

    arch, stride = ARCH[variant]
    mel = AugmentMelSTFT(
        n_mels=128,
        sr=RATE,
        win_length=800,
        hopsize=320,
        n_fft=1024,
        freqm=48,
        timem=192,
        htk=False,
        fmin=0.0,
        fmax=None,
        norm=1,
        fmin_aug_range=10,
        fmax_aug_range=2000,
    )  # fmt: skip (as get_basic_model)
    with contextlib.redirect_stdout(io.StringIO()):
        net = get_model(
            arch=arch, pretrained=False, fstride=stride, tstride=stride
        )
    return PasstBasicWrapper(mel=mel, net=net, mode="logits").eval(), stride


def recordings():
    """Real recordings (ESC-50 mini, SpeechBrain samples), 32 kHz."""
    data = ROOT / "tests" / "data"
    paths = sorted((data / "esc50_mini" / "audio").glob("*.wav"))
    paths += sorted((data / "sb_samples").glob("*.wav"))
    paths += sorted((data / "sb_samples").glob("*.flac"))
    # At most 5 s each (the ESC-50 clip length), to keep the run short.
    return [read_audio(path, RATE)[: 5 * RATE] for path in paths]


def tiled(waves, count):
    """``[count, 10 s]``: recordings repeated to 10 s, cycling."""
    out = []
    for i in range(count):
        wave = waves[i % len(waves)]
        reps = -(-RATE * SECONDS // len(wave))
        out.append(wave.repeat(reps)[: RATE * SECONDS])
    return torch.stack(out)


def agreement(reference, candidate):
    """(max |probability difference|, mean top-5 overlap) of logits."""
    ref, new = reference.float().sigmoid(), candidate.float().sigmoid()
    overlap = [
        len(set(a.tolist()) & set(b.tolist())) / 5
        for a, b in zip(ref.topk(5).indices, new.topk(5).indices, strict=True)
    ]
    return (ref - new).abs().max().item(), statistics.mean(overlap)


def ours(encoder, head, precision, compiled, batch, device="cpu"):
    """Our classifier on the given (shared) modules."""
    import copy

    return PaSSTClassifier.from_modules(
        copy.deepcopy(encoder),
        copy.deepcopy(head),
        [f"class {i}" for i in range(head.num_classes)],
        run_opts={"device": device},
        window_batch_size=batch,
        precision=precision,
        compile=compiled,
    )


def bench_variant(variant, args, waves, peak, rows):
    """Append the table rows of one variant.

    The paths are timed in turns (one call of each per round, ``repeats``
    rounds, median per path), so a change of the machine's load during the
    run hits all of them alike.
    """
    torch.manual_seed(0)
    original, stride = original_model(variant)
    original = original.to(args.device)
    encoder, head = load_original_checkpoint(
        original.net.state_dict(), fstride=stride, tstride=stride
    )
    for size in args.batch_sizes:
        wavs = tiled(waves, size)
        fp32 = ours(encoder, head, "fp32", False, size, args.device)
        reference = fp32(wavs)[:, 0]
        paths = []  # (path, precision, run)
        paths.append(("original (hear21passt)", "fp32",
                      torch.inference_mode()(lambda w=wavs: original(w))))  # fmt: skip
        for compiled in (False, True):
            if compiled and (
                args.no_compile or size not in args.compile_batches
            ):
                continue  # fmt: skip
            for precision in args.precisions:
                tagger = ours(
                    encoder, head, precision, compiled, size, args.device
                )
                if compiled and not tagger.compiled:
                    continue  # left eager (int8 on an x86 CPU): no new row
                name = "ours, compiled" if compiled else "ours, eager"
                paths.append((name, precision,
                              lambda t=tagger, w=wavs: t(w)[:, 0]))  # fmt: skip
                if not compiled and args.files:
                    files_agreement(fp32, lambda w, t=tagger: t(w)[:, 0],
                                    waves, variant, precision)  # fmt: skip
        if not args.no_onnx and args.device == "cpu":
            for precision in ("fp32", "int8"):
                session = onnx_session(fp32, precision)
                if session is None:
                    break
                feed = {"waveform": wavs.numpy()}
                paths.append(("ours, ONNX Runtime", precision,
                              lambda f=feed, s=session: torch.from_numpy(
                                  s.run(["logits"], f)[0])))  # fmt: skip
                if args.files:
                    files_agreement(fp32, lambda w, s=session: torch.from_numpy(
                        s.run(["logits"], {"waveform": w.numpy()})[0]),
                        waves, variant, f"ONNX {precision}")  # fmt: skip
        logits = [run() for _, _, run in paths]  # warm-up (and compile)
        times = [[] for _ in paths]
        for _ in range(args.repeats):
            for index, (_, _, run) in enumerate(paths):
                times[index].append(_seconds(run))
        for (path, precision, _), out, spent in zip(
            paths, logits, times, strict=True
        ):
            rate = size / statistics.median(spent)
            diff, top5 = agreement(reference, out)
            rows.append(dict(variant=variant, path=path, batch=size,
                             rate=rate, precision=precision, diff=diff,
                             top5=top5))  # fmt: skip
            print(rows[-1], flush=True)


def onnx_session(tagger, precision):
    """An ONNX Runtime session of the exported tagger (None without it)."""
    try:
        import onnxruntime
    except ImportError:
        return None
    from speechbrain_passt.inference.onnx_export import export_onnx

    folder = tempfile.mkdtemp()
    path = os.path.join(folder, f"passt_{precision}.onnx")
    export_onnx(tagger, path, precision=precision)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    return onnxruntime.InferenceSession(
        path, options, providers=["CPUExecutionProvider"]
    )


_FILES_DONE = set()


def files_agreement(fp32, logits, waves, variant, precision):
    """Print the agreement on every recording at its native length
    (``logits``: ``[1, samples]`` waveform to ``[1, classes]`` logits)."""
    if (variant, precision) in _FILES_DONE or precision == "fp32":
        return
    _FILES_DONE.add((variant, precision))
    ref = torch.cat([fp32(w[None])[:, 0] for w in waves])
    new = torch.cat([logits(w[None]) for w in waves])
    diff, top5 = agreement(ref, new)
    print(f"FILES {variant} {precision}: {len(waves)} recordings, max |prob "
          f"diff| {diff:.4f}, top-5 overlap {top5:.3f}", flush=True)  # fmt: skip


def peak_fraction(row, peak):
    """(% of the peaks of the path's precisions, % of its own precision's
    peak as if every operation ran in it), for one table row."""
    conv, rest = forward_flops(row["variant"], False)
    attention = attention_flops(row["variant"])
    total = conv + rest
    giga = {name: value * 1e9 for name, value in peak.items()}
    if row["precision"] == "int8":  # weight products int8, the rest fp32
        weights, other = rest - attention, conv + attention
        ideal = weights / giga["int8"] + other / giga["fp32"]
    else:
        ideal = total / giga[row["precision"]]
    achieved = row["rate"] * total  # (FL)OP/s
    return (
        100 * ideal * row["rate"],
        100 * achieved / 1e9 / peak[row["precision"]],
    )


def attention_flops(variant):
    """FLOPs of the attention's two products (Q K^T, A V) per clip."""
    spec = VARIANTS[variant]
    tokens = sequence_length(variant, False)
    return spec["depth"] * 4 * tokens**2 * EMBED


def main(argv=None):
    """Run the benchmark and print the table (markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(ARCH))
    parser.add_argument("--precisions", nargs="+",
                        default=["fp32", "bf16", "int8"])  # fmt: skip
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 8])
    parser.add_argument("--compile-batches", nargs="+", type=int,
                        default=[1, 8])  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="cpu",
                        help="cpu or cuda (no ONNX Runtime rows on cuda)")  # fmt: skip
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--no-onnx", action="store_true")
    parser.add_argument("--files", action="store_true",
                        help="also the agreement on each recording at its "
                        "native length (slow)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    start = time.time()
    load = os.getloadavg()
    peak = peaks(args.device)
    waves = [wave.to(args.device) for wave in recordings()]
    rows = []
    for variant in args.variants:
        bench_variant(variant, args, waves, peak, rows)
    after = peaks(args.device)
    peak = {name: max(peak[name], after[name]) for name in peak}
    for row in rows:  # against the best peak of the run
        row["gops"] = row["rate"] * sum(forward_flops(row["variant"], False))
        row["peak"], row["own_peak"] = peak_fraction(row, peak)
    print(f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average at start {load[0]:.2f}, at end "
          f"{os.getloadavg()[0]:.2f}, {time.time() - start:.0f} s")  # fmt: skip
    print("peaks (3072^2 matmul): " + ", ".join(
        f"{k} {v:.0f} G{'OP' if k == 'int8' else 'FLOP'}/s"
        for k, v in peak.items()))  # fmt: skip
    print("\n| model | path | precision | batch | clips/s | x original "
          "| G(FL)OP/s | % of peak | max abs prob diff | top-5 overlap |")  # fmt: skip
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        base = next(
            r["rate"] for r in rows
            if r["variant"] == row["variant"] and r["batch"] == row["batch"]
            and r["path"].startswith("original")
        )  # fmt: skip
        share = f"{row['peak']:.0f}%"
        if row["precision"] == "int8":  # the plain int8 fraction too
            share += f" ({row['own_peak']:.0f}% of int8)"
        print(f"| {row['variant']} | {row['path']} | {row['precision']} "
              f"| {row['batch']} | {row['rate']:.3f} "
              f"| {row['rate'] / base:.2f} | {row['gops'] / 1e9:.0f} "
              f"| {share} | {row['diff']:.4f} | {row['top5']:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
