"""Write teacher logits for knowledge distillation (``kd_teacher``).

Run a teacher over a prepared manifest (the recipe's ``save/train.json``)::

    python -m speechbrain_passt.cli.teacher_logits \\
        --model passt_s_kd_p16_128_ap486 --manifest results/.../save/train.json \\
        --cache_folder /data/audioset/audio_32k \\
        --labels results/.../save/labels.json --output teacher_logits.npy

``--model`` is a registry name, a checkpoint file or a pretrained folder;
each clip is read as the recipe's evaluation loader reads it (32 kHz, cut or
padded to ``--clip_seconds``) and the teacher's clip logits are written
with the manifest's ids: ``.npz`` (ids and logits in one file) or ``.npy``
(logits, memory-mapped when read, and ``<name>.ids.txt``; best for the 2 M
clips of full AudioSet). Several teachers make an ensemble: write each
one's logits and average them (e.g. with numpy).

Or convert the output of ``passt-tag --json --top-k <classes>`` (one JSON
line per file, scores of every class)::

    passt-tag audios/*/Y*.wav --model DIR --json --top-k 527 > tags.jsonl
    python -m speechbrain_passt.cli.teacher_logits --from_tags tags.jsonl \\
        --labels results/.../save/labels.json --output teacher_logits.npz

(the recipe also reads ``tags.jsonl`` itself as ``kd_teacher``).

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import json
import sys

import torch
from tqdm import tqdm

from speechbrain_passt.data.labels import read_labels
from speechbrain_passt.training.dataio import ClipLoader
from speechbrain_passt.training.teacher_logits import (
    read_teacher_logits,
    write_teacher_logits,
)
from speechbrain_passt.training.teachers import OnlineTeacher


def build_parser():
    """The argument parser.

    Returns
    -------
    argparse.ArgumentParser
        The parser.

    Example
    -------
    >>> args = build_parser().parse_args(
    ...     ["--from_tags", "t.jsonl", "--labels", "l.json", "--output", "o"]
    ... )
    >>> args.from_tags, args.batch_size
    ('t.jsonl', 16)
    """
    parser = argparse.ArgumentParser(
        prog="python -m speechbrain_passt.cli.teacher_logits",
        description="Write teacher logits (clip id -> logits) for "
        "knowledge distillation.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--model", help="registry name, checkpoint file or pretrained folder"
    )
    source.add_argument(
        "--from_tags", help="JSON Lines of passt-tag --json --top-k <classes>"
    )
    parser.add_argument(
        "--labels",
        required=True,
        help="class names in head order (the recipe's save/labels.json)",
    )
    parser.add_argument("--output", required=True, help=".npz or .npy")
    parser.add_argument("--manifest", help="prepared manifest (with --model)")
    parser.add_argument(
        "--cache_folder", help="{data_root} of the manifest (with --model)"
    )
    parser.add_argument("--sample_rate", type=int, default=32000)
    parser.add_argument("--clip_seconds", type=float, default=10.0)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    return parser


def manifest_paths(manifest, cache_folder):
    """Clip ids and audio paths of a prepared manifest.

    Arguments
    ---------
    manifest : str or os.PathLike
        JSON manifest (``id -> {"wav": "{data_root}/...", ...}``).
    cache_folder : str
        Replaces ``{data_root}``.

    Returns
    -------
    list of tuple
        ``(id, path)`` in manifest order.

    Example
    -------
    >>> path = getfixture("tmpdir") / "m.json"
    >>> _ = path.write_text('{"a": {"wav": "{data_root}/a.wav"}}', "utf-8")
    >>> manifest_paths(path, "/cache")
    [('a', '/cache/a.wav')]
    """
    with open(manifest, encoding="utf-8") as fin:
        entries = json.load(fin)
    return [
        (name, entry["wav"].replace("{data_root}", str(cache_folder)))
        for name, entry in entries.items()
    ]


def run_teacher(teacher, clips, loader, batch_size=16, device="cpu"):
    """Clip logits of a teacher over clips.

    Arguments
    ---------
    teacher : OnlineTeacher
        The teacher.
    clips : list of tuple
        ``(id, path)``, as :func:`manifest_paths` gives.
    loader : ClipLoader
        Reads each clip (no augmentation).
    batch_size : int, optional (default: 16)
        Clips per forward.
    device : str, optional (default: "cpu")
        Where the teacher runs.

    Returns
    -------
    torch.Tensor
        ``[clips, classes]`` logits, in the order of ``clips``.
    """
    teacher.to(device)
    rows = []
    for first in tqdm(range(0, len(clips), batch_size), file=sys.stderr):
        chunk = clips[first : first + batch_size]
        wavs = torch.stack([loader(path) for _, path in chunk]).to(device)
        ids = [name for name, _ in chunk]
        logits, _ = teacher(ids, wavs, torch.ones(len(chunk), device=device))
        rows.append(logits.cpu())
    return torch.cat(rows)


def main(argv=None):
    """Run the command.

    Arguments
    ---------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    labels = read_labels(args.labels)
    if args.from_tags:
        ids, logits = read_teacher_logits(args.from_tags, labels=labels)
    else:
        if not args.manifest or not args.cache_folder:
            parser.error("--model needs --manifest and --cache_folder")
        clips = manifest_paths(args.manifest, args.cache_folder)
        teacher = OnlineTeacher.from_source(args.model, labels)
        loader = ClipLoader(args.sample_rate, args.clip_seconds)
        logits = run_teacher(
            teacher, clips, loader, args.batch_size, args.device
        )
        ids = [name for name, _ in clips]
    write_teacher_logits(args.output, ids, logits)
    print(f"{args.output}: logits of {len(ids)} clips", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
