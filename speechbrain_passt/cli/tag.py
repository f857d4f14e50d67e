"""``passt-tag``: tag audio files with a pretrained PaSST from the shell.

Usage::

    passt-tag FILE... [--model MODEL] [--top-k K] [--json] [--timeline]
              [--hop SECONDS] [--device DEVICE] [--quantize]
              [--precision {fp32,bf16,int8,auto}] [--compile]
    passt-tag FILE... --onnx MODEL.onnx [--top-k K] [--json] [--timeline]
              [--hop SECONDS]

Prints the top-k tags of each file (and of each window with
``--timeline``) as text, or as JSON Lines with ``--json`` (one object per
file). ``MODEL`` is a pretrained folder, a released checkpoint's name
(``passt-s``, a hear21passt alias or the release file's name: downloaded
and converted once into torch hub's cache, then used offline) or a hub id;
without ``--model`` and ``$PASST_MODEL``, the paper's PaSST-S (SWA, mAP
.476). Files of any length are read block by block, so memory does not grow
with their length. A file that cannot be tagged (missing, undecodable,
empty, NaN or inf samples, or any other error) gets a message on stderr
that names it and does not stop the others; the exit status is 1 if any
file failed, 2 if the model could not be loaded. ``~`` and environment
variables are expanded in the file names, ``--model`` and ``--savedir``; a
``--model`` that names no folder (and no hub model) is reported at once.

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import collections
import json
import os
import sys

from tqdm import tqdm

from speechbrain_passt.inference import (
    AudioReadError,
    PaSSTClassifier,
    release,
)
from speechbrain_passt.inference.loading import expand_path
from speechbrain_passt.inference.onnx_tagger import OnnxTagger
from speechbrain_passt.inference.precision import check_precision


def build_parser():
    """The argument parser of ``passt-tag``.

    Returns
    -------
    argparse.ArgumentParser
        The parser.

    Example
    -------
    >>> args = build_parser().parse_args(["a.wav", "--model", "m", "--json"])
    >>> args.files, args.model, args.json, args.top_k
    (['a.wav'], 'm', True, 5)
    """
    parser = argparse.ArgumentParser(
        prog="passt-tag",
        description="Tag audio files (any format, rate, channels, length) "
        "with a pretrained PaSST.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="audio files")
    parser.add_argument(
        "--model",
        default=os.environ.get("PASST_MODEL"),
        help="pretrained folder, released checkpoint name (passt-s, ...) "
        "or hub id (default: $PASST_MODEL, else the paper's PaSST-S, "
        f"{release.DEFAULT_CHECKPOINT})",
    )
    parser.add_argument(
        "--top-k", type=int, default=5, help="tags per file (default: 5)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print JSON Lines, one per file"
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="also print the tags of each window of long files",
    )
    parser.add_argument(
        "--hop",
        type=float,
        default=None,
        help="hop between windows of long files, in seconds (default: half "
        "the model's window)",
    )
    parser.add_argument(
        "--device", default="cpu", help="cpu or cuda[:N] (default: cpu)"
    )
    parser.add_argument(
        "--savedir",
        default=None,
        help="where to keep the model files of a hub id",
    )
    parser.add_argument(
        "--quantize",
        action="store_true",
        help="the same as --precision int8",
    )
    parser.add_argument(
        "--precision",
        default=None,
        help="fp32, bf16, int8 or auto (the fastest one this machine "
        "supports whose accuracy check passes) for the encoder and head; "
        "default: fp32 on the CPU, bf16 on CUDA",
    )
    parser.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the encoder and head (pays off on many files)",
    )
    parser.add_argument(
        "--onnx",
        metavar="MODEL.onnx",
        help="tag with a graph written by passt-export, in ONNX Runtime on "
        "the CPU, instead of --model",
    )
    return parser


def load_tagger(args):
    """The tagger the arguments ask for: the ONNX graph of ``--onnx``,
    else the pretrained model of ``--model``.

    Arguments
    ---------
    args : argparse.Namespace
        Parsed arguments of :func:`build_parser`.

    Returns
    -------
    PaSSTClassifier or OnnxTagger
        Either has ``labels`` and ``tag_file(path, top_k)``.

    Raises
    ------
    ValueError
        ``--onnx`` with ``--device`` other than cpu, ``--quantize``,
        ``--precision`` or ``--compile``; a bad ``--precision``.

    Example
    -------
    >>> parser = build_parser()
    >>> load_tagger(
    ...     parser.parse_args(["a.wav", "--onnx", "m.onnx", "--quantize"])
    ... )
    Traceback (most recent call last):
    ...
    ValueError: --onnx (CPU) takes no --device, --quantize, --precision or --compile
    """
    if args.onnx:
        if (
            args.device != "cpu"
            or args.quantize
            or args.precision
            or args.compile
        ):
            raise ValueError(
                "--onnx (CPU) takes no --device, --quantize, --precision "
                "or --compile"
            )
        return OnnxTagger(expand_path(args.onnx), hop=args.hop)
    if args.precision is not None:
        check_precision(args.precision, "--precision")
    tagger = PaSSTClassifier.from_hparams(
        expand_path(args.model),
        savedir=args.savedir and expand_path(args.savedir),
        run_opts={"device": args.device},
        hop=args.hop,
        quantize=args.quantize,
        precision=args.precision,
        compile=args.compile,
    )
    if args.precision == "auto":  # say what was picked (stdout: the tags)
        print(f"precision auto: {tagger.precision}", file=sys.stderr)
    return tagger


def format_text(path, result, label_names, top_k, timeline=False):
    """Human-readable tags of one file.

    Arguments
    ---------
    path : str
        The file, as given.
    result : speechbrain_passt.inference.TaggingResult
        Its tags.
    label_names : list of str
        Every class name, in head order.
    top_k : int
        Tags per window in the timeline.
    timeline : bool, optional (default: False)
        Add one line per window.

    Returns
    -------
    str
        Lines ``score  label``, then ``start-end s  label score, ...``.

    Example
    -------
    >>> import torch
    >>> from speechbrain_passt import PaSST, PaSSTHead
    >>> head = PaSSTHead(32, 1)
    >>> _ = torch.nn.init.zeros_(head.linear.weight)  # every score 0.5
    >>> tagger = PaSSTClassifier.from_modules(
    ...     PaSST(embed_dim=32, depth=1, num_heads=2), head, ["dog"]
    ... )
    >>> result = tagger.tag_batch(torch.zeros(1, 32000))[0]
    >>> print(format_text("dog.wav", result, ["dog"], 1, timeline=True))
    dog.wav (1.00 s)
      0.5000  dog
      timeline:
           0.00-1.00 s  dog 0.500
    """
    summary = result.to_dict(label_names, top_k=top_k, timeline=timeline)
    lines = [f"{path} ({summary['duration']:.2f} s)"]
    lines += [
        f"  {tag['score']:.4f}  {tag['label']}" for tag in summary["tags"]
    ]
    if timeline:
        lines.append("  timeline:")
        for window in summary["timeline"]:
            tags = ", ".join(
                f"{tag['label']} {tag['score']:.3f}" for tag in window["tags"]
            )
            lines.append(
                f"    {window['start']:7.2f}-{window['end']:.2f} s  {tags}"
            )
    return "\n".join(lines)


def describe(error):
    """An error as one line for stderr (its type when unexpected).

    Arguments
    ---------
    error : Exception
        What tagging a file raised.

    Returns
    -------
    str
        The message; errors other than unreadable audio, ``OSError`` and
        ``ValueError`` get their type name in front.

    Example
    -------
    >>> describe(ValueError("bad hop")), describe(MemoryError("no room"))
    ('bad hop', 'MemoryError: no room')
    """
    if isinstance(error, (AudioReadError, OSError, ValueError)):
        return str(error)
    return f"{type(error).__name__}: {error}"


def tag_each(tagger, paths, top_k):
    """``(path, result or exception)`` per file, in order: side by side on
    the CPU's cores for a torch tagger
    (:meth:`~speechbrain_passt.inference.PaSSTClassifier.tag_files`), one
    at a time for ONNX Runtime (which has threads of its own).

    Arguments
    ---------
    tagger : PaSSTClassifier or OnnxTagger
        The loaded model.
    paths : iterable of str
        The files as given (``~`` expanded for reading).
    top_k : int
        Labels per file.

    Yields
    ------
    tuple
        ``(path as given, TaggingResult or the exception it raised)``.

    Example
    -------
    >>> class Echo:
    ...     def tag_file(self, path, top_k):
    ...         if path == "bad":
    ...             raise ValueError("bad file")
    ...         return path * top_k
    >>> [(p, str(r)) for p, r in tag_each(Echo(), ["a", "bad"], 2)]
    [('a', 'aa'), ('bad', 'bad file')]
    """
    if not hasattr(tagger, "tag_files"):
        for path in paths:
            try:
                yield path, tagger.tag_file(expand_path(path), top_k=top_k)
            except Exception as error:  # one bad file must not stop others
                yield path, error
        return
    given = collections.deque()  # taken in order, answered in order

    def expanded():
        """The files to read, noting each as given."""
        for path in paths:
            given.append(path)
            yield expand_path(path)

    for _, result in tagger.tag_files(expanded(), top_k=top_k):
        yield given.popleft(), result


def main(argv=None):
    """Run ``passt-tag``.

    Arguments
    ---------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 if every file was tagged, 1 if any failed, 2 if the model could
        not be loaded.

    Example
    -------
    >>> main(["dog.wav", "--model", "./no/such/model"])
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.model and not args.onnx:
        args.model = release.DEFAULT_CHECKPOINT
    if args.top_k < 1:
        parser.error("--top-k must be >= 1")
    try:
        tagger = load_tagger(args)
    except Exception as error:  # any loading problem ends the run
        print(
            f"passt-tag: cannot load the model {args.onnx or args.model}: "
            f"{error}",
            file=sys.stderr,
        )
        return 2
    names = tagger.labels
    failed = 0
    progress = tqdm(
        args.files,
        unit="file",
        file=sys.stderr,
        disable=True if len(args.files) < 2 else None,
    )
    for path, result in tag_each(tagger, progress, args.top_k):
        if isinstance(result, Exception):  # a bad file: skip it, go on
            error = result
            failed += 1
            tqdm.write(
                f"passt-tag: skipping {path}: {describe(error)}",
                file=sys.stderr,
            )
            continue
        if args.json:
            record = {"file": path}
            record.update(
                result.to_dict(names, top_k=args.top_k, timeline=args.timeline)
            )
            text = json.dumps(record)
        else:
            text = format_text(path, result, names, args.top_k, args.timeline)
        tqdm.write(text, file=sys.stdout)
    if failed:
        print(
            f"passt-tag: {failed} of {len(args.files)} files failed",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
