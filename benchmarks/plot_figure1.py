#!/usr/bin/env python3
"""Draw the paper's Figure 1 for a measured machine: training throughput
(spectrograms/s) against training memory per sample, one point per PaSST
variant, from the JSON that ``throughput.py --json`` writes, beside the
paper's Titan RTX figures (Table 1).

> python benchmarks/plot_figure1.py benchmarks/results/throughput_cpu_run2.json \\
      --out benchmarks/figure1_cpu.png

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Table 1 of the paper (Titan RTX): spectrograms/s and GB per sample.
PAPER = {
    "PaSST-B": (23.1, 2.33),
    "PaSST-U": (43.2, 1.14),
    "PaSST-S": (88.7, 0.513),
    "PaSST-S-L": (148.6, 0.311),
    "PaSST-S-N": (184.2, 0.202),
}


def main(argv=None):
    """Read the measured JSON files and write the figure.

    Arguments
    ---------
    argv : list of str, optional
        Command line (``sys.argv[1:]`` by default).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="+", help="throughput.py --json files")
    parser.add_argument("--out", default="benchmarks/figure1.png")
    args = parser.parse_args(argv)
    panels = [json.load(open(path)) for path in args.results]
    fig, axes = plt.subplots(
        1, len(panels) + 1, figsize=(5 * (len(panels) + 1), 4)
    )
    series = [("Titan RTX (paper, Table 1)", PAPER)] + [
        (
            result["device"],
            {
                row["variant"]: (row["train_per_s"], row["mem_per_sample_gib"])
                for row in result["rows"]
            },
        )
        for result in panels
    ]
    for axis, (title, points) in zip(axes, series, strict=True):
        for variant, (speed, memory) in points.items():
            colour = f"C{list(PAPER).index(variant) % 10}"
            axis.scatter(memory, speed, s=40, color=colour)
            axis.annotate(
                variant,
                (memory, speed),
                fontsize=8,
                xytext=(4, 4),
                textcoords="offset points",
            )
        axis.set_xlabel("training memory per sample (GiB)")
        axis.set_ylabel("training throughput (spectrograms/s)")
        axis.set_title(title, fontsize=9, wrap=True)
        axis.grid(alpha=0.3)
    fig.suptitle("PaSST variants: speed vs memory (Figure 1 of the paper)")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
