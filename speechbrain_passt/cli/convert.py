"""Console commands.

``passt-convert NAME_OR_PATH OUT_DIR`` turns a released PaSST checkpoint (by
name, fetched into torch hub's cache, or a downloaded file), an original-layout
state dict, a Lightning checkpoint of the original training code or ImageNet
DeiT weights into a SpeechBrain pretrained folder
(:func:`speechbrain_passt.inference.release.convert_checkpoint`) with a
model card (``README.md``: source, labels, metric, licence, usage)::

    passt-convert passt-s-f128-p16-s10-ap.476-swa.pt pretrained/passt_s
    passt-convert esc50.ckpt out --lightning-prefix net_swa \\
        --labels ESC-50-master/meta/esc50.csv --single-label

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import logging
import sys

from speechbrain_passt.inference.release import convert_checkpoint


def build_parser():
    """The ``passt-convert`` argument parser.

    Returns
    -------
    argparse.ArgumentParser
        The parser.

    Example
    -------
    >>> args = build_parser().parse_args(
    ...     ["passt_20sec", "out", "--stride", "10"]
    ... )
    >>> args.source, args.stride, args.single_label
    ('passt_20sec', 10, False)
    """
    parser = argparse.ArgumentParser(
        prog="passt-convert",
        description=(
            "Convert PaSST weights (a released checkpoint's name or file, an "
            "original state dict, a Lightning checkpoint, ImageNet DeiT) "
            "into a SpeechBrain pretrained folder."
        ),
    )
    parser.add_argument(
        "source", help="released checkpoint name/alias, or a checkpoint file"
    )
    parser.add_argument("out_dir", help="folder to write")
    parser.add_argument(
        "--stride",
        type=int,
        help="patch stride along frequency and time (default: the "
        "registry's for released files, else 10)",
    )
    parser.add_argument("--fstride", type=int, help="frequency stride")
    parser.add_argument("--tstride", type=int, help="time stride")
    parser.add_argument(
        "--max-frames",
        type=int,
        help="frames the time encoding is sized for (default: inferred)",
    )
    parser.add_argument(
        "--num-heads", type=int, help="attention heads (default: width/64)"
    )
    parser.add_argument(
        "--hop-length",
        type=int,
        help="mel hop in samples the model was trained with (default: the "
        "registry's, else 320)",
    )
    parser.add_argument(
        "--lightning-prefix",
        choices=("net", "net_swa"),
        help="Lightning checkpoints: the plain (net, default) or the SWA "
        "(net_swa) network",
    )
    parser.add_argument(
        "--labels",
        help="class names in head order: a text file (one per line) or a "
        "csv (AudioSet class list, ESC-50 meta, FSD50K vocabulary); "
        "default: the AudioSet list for 527 classes",
    )
    parser.add_argument(
        "--single-label",
        action="store_true",
        help="single-label head (softmax, e.g. ESC-50); default multi-label",
    )
    return parser


def convert(args):
    """Run a conversion from parsed arguments.

    Arguments
    ---------
    args : argparse.Namespace
        Arguments of :func:`build_parser`.

    Returns
    -------
    pathlib.Path
        The written folder, with its model card (``README.md``).

    Example
    -------
    >>> args = build_parser().parse_args(
    ...     ["tests/golden/small_s16.pt", str(getfixture("tmpdir"))]
    ...     + ["--stride", "16", "--num-heads", "4"]
    ... )
    >>> (convert(args) / "README.md").is_file()
    True
    """
    config = {}
    if args.stride is not None:
        config["fstride"] = config["tstride"] = args.stride
    if args.fstride is not None:
        config["fstride"] = args.fstride
    if args.tstride is not None:
        config["tstride"] = args.tstride
    if args.max_frames is not None:
        config["max_frames"] = args.max_frames
    if args.num_heads is not None:
        config["num_heads"] = args.num_heads
    return convert_checkpoint(
        args.source,
        args.out_dir,
        labels_path=args.labels,
        multi_label=False if args.single_label else None,
        hop_length=args.hop_length,
        lightning_prefix=args.lightning_prefix,
        **config,
    )


def main(argv=None):
    """Entry point of ``passt-convert``.

    Arguments
    ---------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 on an error (printed to stderr).

    Example
    -------
    >>> main(["no_such_checkpoint", str(getfixture("tmpdir"))])
    1
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    try:
        folder = convert(args)
    except (OSError, ValueError, KeyError) as error:
        print(f"passt-convert: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
