"""CPU tagging speed of PaSST-S: fp32 against dynamic int8 quantisation.

Builds a full-width PaSST-S (embed 768, depth 12, 12 heads, stride 10, 527
classes) with random weights (speed does not depend on the weights), tags
one 10 s clip at 32 kHz with :class:`PaSSTClassifier` after a warm-up, and
prints clips per second for fp32 and for int8 Linear layers, plus whether
the top-5 labels agree (random weights: only a sanity check; check real
weights with ``PaSSTClassifier.quantization_keeps_top_k``)::

    PYTHONPATH=. python benchmarks/inference_quant.py [--runs 5] [--threads N]

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import time

import torch

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.inference import PaSSTClassifier


def clips_per_second(tagger, wav, runs, warmup):
    """Timed clips over elapsed seconds, after a warm-up.

    Arguments
    ---------
    tagger : PaSSTClassifier
        The model.
    wav : torch.Tensor
        ``[1, samples]`` clip.
    runs : int
        Timed runs.
    warmup : int
        Untimed runs first.

    Returns
    -------
    float
        Clips per second.
    """
    for _ in range(warmup):
        tagger.tag_batch(wav)
    start = time.perf_counter()
    for _ in range(runs):
        tagger.tag_batch(wav)
    return runs / (time.perf_counter() - start)


def main():
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    encoder = PaSST().eval()
    head = PaSSTHead(768, 527).eval()
    labels = [f"class {i}" for i in range(527)]
    tagger = PaSSTClassifier.from_modules(
        encoder, head, labels, run_opts={"device": "cpu"}
    )
    wav = 0.1 * torch.randn(
        1, 320000, generator=torch.Generator().manual_seed(0)
    )

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    keeps = tagger.quantization_keeps_top_k(wav, top_k=5)
    fp32 = clips_per_second(tagger, wav, args.runs, args.warmup)
    tagger.quantize()
    int8 = clips_per_second(tagger, wav, args.runs, args.warmup)
    print(f"fp32: {fp32:.3f} clips/s ({1 / fp32:.2f} s per 10 s clip)")
    print(f"int8: {int8:.3f} clips/s ({1 / int8:.2f} s per 10 s clip)")
    print(f"speed-up: {int8 / fp32:.2f}x; top-5 kept (random weights): {keeps}")


if __name__ == "__main__":
    main()
