"""Training and inference throughput of the PaSST variants of Table 1.

For each variant (B, U, S, S-N, S-L at full width: 768 wide, 12 heads; depth
7 for -L) it measures, on random 10 s log-mel input (1000 frames, 128 bins):

* training throughput: spectrograms/s of one step (forward + backward + AdamW
  step of encoder and head, BCE loss on random multi-hot targets);
* training memory per sample: the slope of the peak memory between two batch
  sizes (CPU: peak resident set size of a fresh process per measurement;
  CUDA: peak allocated memory);
* eval throughput: spectrograms/s of encoder + head under inference mode.

In the same run it measures the machine's fp32 matmul peak (large square
matrices) and prints each variant's achieved GFLOP/s as a fraction of it.
FLOPs count the patch convolution, the transformer blocks (projections, MLP
and attention at the variant's sequence length) and the head; a training step
counts three times the forward FLOPs (forward, input and weight gradients),
except for the patch convolution, which needs no input gradient (twice).

Run (CPU, the numbers in benchmarks/README.md):

    python benchmarks/throughput.py --device cpu --threads 2

``--compile-eval`` also times inference through ``torch.compile`` (inductor
with ``freezing``: weights folded as constants, GELU and bias fused into the
oneDNN matmuls); compilation happens during the warm-up and is not timed.

``--compile-train`` prints a second table: the training step of each variant
side by side in five settings, each in a fresh process with the same seed,
weights and input: eager with the default (foreach) AdamW, eager with the
fused AdamW, compiled (the recipe's ``compile_training``: encoder and head
through ``torch.compile``, static shapes) with the fused AdamW, and both
again under bf16 autocast (SpeechBrain's ``--precision=bf16``). The first
warm-up steps compile (not timed; the compile time is printed):

    python benchmarks/throughput.py --device cpu --threads 2 \\
        --variants PaSST-S --batch-sizes 1 2 --compile-train --rounds 2

On CUDA, bf16 autocast is used:

    python benchmarks/throughput.py --device cuda --batch-sizes 12 24

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import json
import multiprocessing
import resource
import statistics
import sys
import time

import torch

VARIANTS = {
    "PaSST-B": dict(stride=10, depth=12, patchout={}),
    "PaSST-U": dict(stride=10, depth=12, patchout={"u_patchout": 400}),
    "PaSST-S": dict(
        stride=10, depth=12, patchout={"s_patchout_t": 40, "s_patchout_f": 4}
    ),
    "PaSST-S-N": dict(
        stride=16, depth=12, patchout={"s_patchout_t": 20, "s_patchout_f": 2}
    ),
    "PaSST-S-L": dict(
        stride=10, depth=7, patchout={"s_patchout_t": 40, "s_patchout_f": 4}
    ),
}
FRAMES, N_MELS, EMBED, HEADS, CLASSES, PATCH = 1000, 128, 768, 12, 527, 16


def grid(stride):
    """Patch grid (frequency, time) of a 10 s input."""
    return (N_MELS - PATCH) // stride + 1, (FRAMES - PATCH) // stride + 1


def sequence_length(variant, training):
    """Tokens entering the first block (C and D included)."""
    spec = VARIANTS[variant]
    n_freq, n_time = grid(spec["stride"])
    if training:
        n_freq -= spec["patchout"].get("s_patchout_f", 0)
        n_time -= spec["patchout"].get("s_patchout_t", 0)
    patches = n_freq * n_time
    if training:
        patches -= spec["patchout"].get("u_patchout", 0)
    return 2 + patches


def forward_flops(variant, training):
    """Forward FLOPs per sample: (patch convolution, everything else)."""
    spec = VARIANTS[variant]
    n_freq, n_time = grid(spec["stride"])
    conv = 2 * EMBED * PATCH * PATCH * n_freq * n_time
    tokens = sequence_length(variant, training)
    # qkv (3 E^2), projection (E^2), MLP (8 E^2) multiply-adds per token,
    # plus Q K^T and A V (2 N E each) per token.
    per_block = 2 * tokens * 12 * EMBED**2 + 4 * tokens**2 * EMBED
    head = 2 * EMBED * CLASSES
    return conv, spec["depth"] * per_block + head


def step_flops(variant, training):
    """FLOPs per sample of one training step or one inference."""
    conv, rest = forward_flops(variant, training)
    if training:
        return 2 * conv + 3 * rest
    return conv + rest


def matmul_peak(device, sizes=(2048, 3072, 4096), repeats=5):
    """Best fp32 GFLOP/s over large square matmuls."""
    best = 0.0
    for n in sizes:
        a = torch.randn(n, n, device=device)
        b = torch.randn(n, n, device=device)
        for _ in range(2):
            a @ b
        times = []
        for _ in range(repeats):
            _sync(device)
            start = time.perf_counter()
            a @ b
            _sync(device)
            times.append(time.perf_counter() - start)
        best = max(best, 2 * n**3 / min(times) / 1e9)
    return best


def _sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _build(variant, device):
    from speechbrain_passt import PaSST, PaSSTHead

    spec = VARIANTS[variant]
    encoder = PaSST(
        fstride=spec["stride"],
        tstride=spec["stride"],
        depth=spec["depth"],
        embed_dim=EMBED,
        num_heads=HEADS,
        **spec["patchout"],
    ).to(device)
    head = PaSSTHead(EMBED, CLASSES).to(device)
    return encoder, head


# Settings of --compile-train: (name, compiled, fused AdamW, bf16).
TRAIN_SETTINGS = (
    ("eager", False, False, False),
    ("eager, fused AdamW", False, True, False),
    ("compiled, fused AdamW", True, True, False),
    ("eager, fused AdamW, bf16", False, True, True),
    ("compiled, fused AdamW, bf16", True, True, True),
)


def _autocast(device, bf16=None):
    """bf16 autocast (default: on CUDA only) or a disabled context."""
    kind = "cuda" if device.startswith("cuda") else "cpu"
    if bf16 is None:
        bf16 = kind == "cuda"
    return torch.autocast(kind, dtype=torch.bfloat16, enabled=bf16)


def measure(
    variant,
    device,
    batch,
    mode,
    warmup,
    repeats,
    seed,
    threads,
    compile=False,
    fused=False,
    bf16=None,
):
    """Time one variant in one mode; returns seconds per step and memory."""
    from speechbrain_passt.training.step import (
        compile_training_forward,
        run_training_forward,
    )

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    encoder, head = _build(variant, device)
    x = torch.randn(batch, FRAMES, N_MELS, device=device)
    compile_seconds = None
    if mode == "train":
        params = [*encoder.parameters(), *head.parameters()]
        optimizer = torch.optim.AdamW(
            params, lr=1e-5, weight_decay=1e-4, fused=fused or None
        )
        targets = (torch.rand(batch, CLASSES, device=device) < 0.01).float()
        encoder.train()
        head.train()
        compiled = None
        if compile:
            from torch._functorch import config as functorch_config
            from torch._inductor import config as inductor_config

            # Time a cold compilation, not a hit of an earlier run's cache.
            inductor_config.fx_graph_cache = False
            functorch_config.enable_autograd_cache = False
            modules = {"embedding_model": encoder, "classifier": head}
            compiled = compile_training_forward(modules)

        def step():
            with _autocast(device, bf16):
                logits = run_training_forward(encoder, head, x, None, compiled)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits.float(), targets
            )
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    else:
        encoder.eval()
        head.eval()
        model = torch.nn.Sequential(encoder, head)
        if compile:
            from torch._inductor import config as inductor_config

            inductor_config.freezing = True
            model = torch.compile(model)

        def step():
            with torch.inference_mode(), _autocast(device):
                model(x)

    start = time.perf_counter()
    for _ in range(warmup):
        step()
    if compile:
        _sync(device)
        # The warm-up holds the compilation (the first step).
        compile_seconds = time.perf_counter() - start
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - start)
    if device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated()
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "seconds": statistics.median(times),
        "peak_bytes": peak,
        "compile_seconds": compile_seconds,
    }


def _worker(queue, args):
    queue.put(measure(*args))


def measure_isolated(*args):
    """Run :func:`measure` in a fresh process (clean peak memory)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_worker, args=(queue, args))
    process.start()
    result = queue.get()
    process.join()
    return result


def compile_train_rows(args):
    """Measure :data:`TRAIN_SETTINGS` for each variant.

    Arguments
    ---------
    args : argparse.Namespace
        Parsed options (device, variants, batch sizes, warm-up, ...).

    Returns
    -------
    list of dict
        One row per variant and setting.
    """
    batch = args.batch_sizes[1]
    warmup = max(args.warmup, 2)
    best = {}
    # Rounds over all settings, best of them: a burst of other work on a
    # shared machine slows one round of one setting, not all of them.
    for _ in range(args.rounds):
        for variant in args.variants:
            for setting in TRAIN_SETTINGS:
                result = _measure_setting(args, variant, batch, warmup, setting)
                key = (variant, setting[0])
                if key not in best:
                    best[key] = result
                elif result["seconds"] < best[key]["seconds"]:
                    best[key] = dict(
                        result, compile_seconds=best[key]["compile_seconds"]
                    )
    rows = []
    for variant in args.variants:
        base = None
        for name, *_ in TRAIN_SETTINGS:
            result = best[(variant, name)]
            rate = batch / result["seconds"]
            base = base or rate
            rows.append(
                {
                    "variant": variant,
                    "setting": name,
                    "train_per_s": rate,
                    "speedup": rate / base,
                    "train_gflops": rate * step_flops(variant, True) / 1e9,
                    "compile_seconds": result["compile_seconds"],
                    "peak_gib": result["peak_bytes"] / 2**30,
                }
            )
    return rows


def _measure_setting(args, variant, batch, warmup, setting):
    """One :data:`TRAIN_SETTINGS` entry in a fresh process."""
    name, compiled, fused, bf16 = setting
    result = measure_isolated(
        variant,
        args.device,
        batch,
        "train",
        warmup,
        args.repeats,
        args.seed,
        args.threads,
        compiled,
        fused,
        bf16,
    )
    print(f"measured {variant}: {name}", file=sys.stderr, flush=True)
    return result


def print_compile_train_table(rows, args, peak):
    """Print the rows of :func:`compile_train_rows` as a markdown table.

    Arguments
    ---------
    rows : list of dict
        The measurements.
    args : argparse.Namespace
        Parsed options.
    peak : float
        The fp32 matmul peak of the run, GFLOP/s.
    """
    batch, warmup = args.batch_sizes[1], max(args.warmup, 2)
    print(
        f"Training step, batch {batch}; median of {args.repeats} after "
        f"{warmup} warm-up steps (compilation inside them), best of "
        f"{args.rounds} rounds; seed {args.seed}; fresh process per "
        "setting; compile time of the first round, cold inductor cache\n"
    )
    print(
        "| variant | setting | train spec/s | x eager | train GFLOP/s "
        "| % fp32 peak | compile + warm-up (s) | peak memory (GiB) |"
    )
    print("|---" * 8 + "|")
    for row in rows:
        compile_s = row["compile_seconds"]
        print(
            f"| {row['variant']} | {row['setting']} "
            f"| {row['train_per_s']:.3f} | {row['speedup']:.2f} "
            f"| {row['train_gflops']:.0f} "
            f"| {100 * row['train_gflops'] / peak:.0f}% "
            f"| {'-' if compile_s is None else f'{compile_s:.0f}'} "
            f"| {row['peak_gib']:.2f} |"
        )


def main(argv=None):
    """Run the benchmark and print a markdown table (and optional JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument(
        "--batch-sizes",
        nargs=2,
        type=int,
        default=[2, 4],
        help="two training batch sizes; throughput uses the larger, memory "
        "the slope between them",
    )
    parser.add_argument("--eval-batch-size", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--compile-eval",
        action="store_true",
        help="also time inference compiled with torch.compile (freezing)",
    )
    parser.add_argument(
        "--compile-train",
        action="store_true",
        help="instead of the main table: the training step eager vs "
        "compiled, fused AdamW and bf16 side by side",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="--compile-train: rounds over all settings (best one kept)",
    )
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    device_name = (
        torch.cuda.get_device_name(args.device)
        if args.device.startswith("cuda")
        else f"CPU, {args.threads} threads"
    )
    peak_before = matmul_peak(args.device)
    if args.compile_train:
        rows = compile_train_rows(args)
        peak = max(peak_before, matmul_peak(args.device))
        print(f"Device: {device_name}; torch {torch.__version__}")
        print(f"fp32 matmul peak (large square, this run): {peak:.0f} GFLOP/s")
        print_compile_train_table(rows, args, peak)
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(
                    {"device": device_name, "matmul_peak": peak, "rows": rows},
                    handle,
                    indent=1,
                )
        return
    rows = []
    small, large = args.batch_sizes
    common = (args.warmup, args.repeats, args.seed, args.threads)
    for variant in args.variants:
        train_small = measure_isolated(
            variant, args.device, small, "train", *common
        )
        train = measure_isolated(variant, args.device, large, "train", *common)
        evaluation = measure_isolated(
            variant, args.device, args.eval_batch_size, "eval", *common
        )
        compiled_rate = None
        if args.compile_eval:
            compiled = measure_isolated(
                variant,
                args.device,
                args.eval_batch_size,
                "eval",
                max(args.warmup, 2),
                *common[1:],
                True,
            )
            compiled_rate = args.eval_batch_size / compiled["seconds"]
        mem = (train["peak_bytes"] - train_small["peak_bytes"]) / (
            large - small
        )
        train_rate = large / train["seconds"]
        eval_rate = args.eval_batch_size / evaluation["seconds"]
        rows.append(
            {
                "variant": variant,
                "train_seq": sequence_length(variant, True),
                "train_per_s": train_rate,
                "train_gflops": train_rate * step_flops(variant, True) / 1e9,
                "mem_per_sample_gib": mem / 2**30,
                "eval_per_s": eval_rate,
                "eval_gflops": eval_rate * step_flops(variant, False) / 1e9,
                "compiled_eval_per_s": compiled_rate,
            }
        )
        print(f"measured {variant}", file=sys.stderr, flush=True)
    peak = max(peak_before, matmul_peak(args.device))
    compiled = args.compile_eval

    def compiled_gflops(row):
        flops = step_flops(row["variant"], False)
        return row["compiled_eval_per_s"] * flops / 1e9

    base = rows[0]["train_per_s"] if rows else 1.0

    print(f"\nDevice: {device_name}; torch {torch.__version__}")
    print(f"fp32 matmul peak (large square, this run): {peak:.0f} GFLOP/s")
    print(
        f"Training batch {large} (memory: slope between {small} and "
        f"{large}); eval batch {args.eval_batch_size}; median of "
        f"{args.repeats} after {args.warmup} warm-up; seed {args.seed}\n"
    )
    print(
        "| variant | train seq | train spec/s | x B | train GFLOP/s "
        "| train % peak | train mem/sample (GiB) | eval spec/s "
        "| eval GFLOP/s | eval % peak |"
        + (" compiled eval spec/s | compiled eval % peak |" if compiled else "")
    )
    print("|---" * (12 if compiled else 10) + "|")
    for row in rows:
        print(
            f"| {row['variant']} | {row['train_seq']} "
            f"| {row['train_per_s']:.3f} "
            f"| {row['train_per_s'] / base:.1f} "
            f"| {row['train_gflops']:.0f} "
            f"| {100 * row['train_gflops'] / peak:.0f}% "
            f"| {row['mem_per_sample_gib']:.3f} "
            f"| {row['eval_per_s']:.3f} "
            f"| {row['eval_gflops']:.0f} "
            f"| {100 * row['eval_gflops'] / peak:.0f}% |"
            + (
                f" {row['compiled_eval_per_s']:.3f} "
                f"| {100 * compiled_gflops(row) / peak:.0f}% |"
                if compiled
                else ""
            )
        )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {"device": device_name, "matmul_peak": peak, "rows": rows},
                handle,
                indent=1,
            )


if __name__ == "__main__":
    main()
