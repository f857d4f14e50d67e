"""``passt-export``: write a pretrained PaSST as an ONNX graph.

Usage::

    passt-export MODEL OUT.onnx [--precision fp32|int8] [--savedir DIR]

``MODEL`` is a pretrained folder (as ``passt-convert`` writes), a released
checkpoint's name (``passt-s``: downloaded and converted once) or a hub id.
The graph takes ``waveform [batch, samples]`` (float32, mono, at the model's
rate; equal-length clips from one patch to the time encoding's length) and
returns ``logits [batch, classes]`` and ``embedding [batch, embed_dim]``;
the labels and the input range are in its metadata
(:mod:`speechbrain_passt.inference.onnx_export`). ``--precision int8``
quantises the weight products with ONNX Runtime
(:func:`~speechbrain_passt.inference.onnx_export.quantize_onnx_int8`):
the fastest CPU path
measured in ``benchmarks/cpu_inference.py``. Tag with it:
``passt-tag --onnx OUT.onnx FILE...``. The exit status is 0 on success, 2 if
the model could not be loaded, 1 if the export failed.

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import sys

from speechbrain_passt.inference import PaSSTClassifier
from speechbrain_passt.inference.onnx_export import export_onnx


def build_parser():
    """The ``passt-export`` argument parser.

    Returns
    -------
    argparse.ArgumentParser
        The parser.

    Example
    -------
    >>> args = build_parser().parse_args(["pretrained/passt_s", "m.onnx"])
    >>> args.model, args.out, args.precision, args.savedir
    ('pretrained/passt_s', 'm.onnx', 'fp32', None)
    """
    parser = argparse.ArgumentParser(
        prog="passt-export",
        description="Export a pretrained PaSST (front-end, encoder and "
        "head) to ONNX: waveforms in, logits and clip embeddings out.",
    )
    parser.add_argument(
        "model",
        help="pretrained folder, released checkpoint name (passt-s, ...) or "
        "hub id",
    )
    parser.add_argument("out", help="the .onnx file to write")
    parser.add_argument(
        "--precision",
        choices=("fp32", "int8"),
        default="fp32",
        help="int8: weight products quantised by ONNX Runtime (front-end "
        "and attention stay fp32); about 2x fp32 on CPUs with VNNI",
    )
    parser.add_argument(
        "--savedir",
        default=None,
        help="where to keep the model files of a hub id",
    )
    return parser


def main(argv=None):
    """Run ``passt-export``.

    Arguments
    ---------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 if the export failed, 2 if the model could not be
        loaded.

    Example
    -------
    >>> main(["./no/such/model", str(getfixture("tmpdir") / "m.onnx")])
    2
    """
    args = build_parser().parse_args(argv)
    try:
        model = PaSSTClassifier.from_hparams(
            args.model, savedir=args.savedir, run_opts={"device": "cpu"}
        )
    except Exception as error:  # any loading problem ends the run
        print(
            f"passt-export: cannot load the model {args.model}: {error}",
            file=sys.stderr,
        )
        return 2
    try:
        path = export_onnx(model, args.out, precision=args.precision)
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        print(f"passt-export: export failed: {error}", file=sys.stderr)
        return 1
    print(
        f"wrote {path} ({args.precision}): waveform [batch, samples] at {model.sample_rate} Hz "
        f"({model.min_samples} to {model.window_samples} samples) -> logits "
        f"[batch, {len(model.labels)}], embedding [batch, "
        f"{model.mods.embedding_model.embed_dim}]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
