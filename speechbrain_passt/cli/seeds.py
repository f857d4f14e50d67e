"""``passt-seeds``: run a recipe once per seed and report the mean and the
standard deviation of its metrics across seeds.

The paper repeats every experiment three times and reports the average
("Each experiment was repeated three times, and the average results are
reported", Section 4.2 of Koutini et al., Interspeech 2022)::

    passt-seeds recipes/ESC50/train.py hparams/esc50/passt_s.yaml \\
        --seeds 1,2,3 --fold=all --data_folder=/data/ESC-50-master

Each seed runs the recipe in its own process (``--seed=N``) and its own
folder ``<output_folder>/seed_<N>``; the other arguments go to the recipe
unchanged. Every numeric top-level entry of the runs' ``results.json``
(e.g. ``mAP`` and ``swa_mAP``; ``accuracy_mean`` and ``swa_accuracy_mean``
over the five ESC-50 folds) is averaged; the mean, the sample standard
deviation and the values per seed go to ``<output_folder>/results.json``
and the console.

Authors
 * speechbrain-passt developers 2026
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from speechbrain_passt.training.results import aggregate_runs


def parse_seeds(text):
    """Seeds from a comma-separated list.

    Arguments
    ---------
    text : str
        E.g. ``"1,2,3"``.

    Returns
    -------
    list of int
        The seeds, in the given order.

    Raises
    ------
    argparse.ArgumentTypeError
        Not integers, or a seed given twice.

    Example
    -------
    >>> parse_seeds("1, 2,3")
    [1, 2, 3]
    """
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"--seeds takes integers separated by commas, got {text!r}"
        ) from error
    if not seeds or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(
            f"--seeds needs distinct seeds, got {text!r}"
        )
    return seeds


def build_parser():
    """The ``passt-seeds`` argument parser (unknown arguments are the
    recipe's overrides).

    Returns
    -------
    argparse.ArgumentParser
        The parser.

    Example
    -------
    >>> args, rest = build_parser().parse_known_args(
    ...     ["train.py", "a.yaml", "--seeds", "1,2", "--fold=all"]
    ... )
    >>> args.seeds, rest
    ([1, 2], ['--fold=all'])
    """
    parser = argparse.ArgumentParser(
        prog="passt-seeds",
        # "--seed=3" must not pass for an abbreviation of --seeds.
        allow_abbrev=False,
        description=(
            "Run a recipe once per seed (--seed=N, one output folder each) "
            "and write the mean and standard deviation of every numeric "
            "result across seeds. Other arguments go to the recipe."
        ),
    )
    parser.add_argument("recipe", help="the recipe's train.py")
    parser.add_argument("hparams", help="the recipe's yaml file")
    parser.add_argument(
        "--seeds",
        type=parse_seeds,
        default=[1, 2, 3],
        help="comma-separated seeds (default: 1,2,3, as the paper)",
    )
    parser.add_argument(
        "--output_folder",
        default=None,
        help=(
            "folder of the summary; seed N runs in <output_folder>/seed_N "
            "(default: results/seeds/<recipe folder>/<yaml name>)"
        ),
    )
    return parser


def run_seed(recipe, hparams, seed, folder, overrides):
    """Run the recipe once with a seed and an output folder.

    Arguments
    ---------
    recipe : str or os.PathLike
        The recipe's ``train.py``.
    hparams : str or os.PathLike
        Its yaml file.
    seed : int
        Passed as ``--seed``.
    folder : pathlib.Path
        Passed as ``--output_folder``.
    overrides : list of str
        The other recipe arguments.

    Returns
    -------
    dict
        The run's ``results.json``.

    Raises
    ------
    RuntimeError
        The run failed or wrote no ``results.json``.
    """
    command = [
        sys.executable,
        str(recipe),
        str(hparams),
        f"--seed={seed}",
        f"--output_folder={folder}",
        *overrides,
    ]
    print(f"passt-seeds: seed {seed}: {' '.join(command)}", flush=True)
    returncode = subprocess.run(command, check=False).returncode
    path = folder / "results.json"
    if returncode != 0 or not path.is_file():
        raise RuntimeError(
            f"seed {seed}: the recipe failed (exit status {returncode}); "
            f"see {folder / 'log.txt'}"
        )
    with open(path, encoding="utf-8") as fin:
        return json.load(fin)


def main(argv=None):
    """Entry point of ``passt-seeds``.

    Arguments
    ---------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    dict
        The summary written to ``<output_folder>/results.json``.
    """
    parser = build_parser()
    args, overrides = parser.parse_known_args(argv)
    for option in ("--seed", "--output_folder"):
        if any(a == option or a.startswith(option + "=") for a in overrides):
            parser.error(f"{option} is set by passt-seeds")
    output = args.output_folder or os.path.join(
        "results",
        "seeds",
        Path(args.recipe).resolve().parent.name,
        Path(args.hparams).stem,
    )
    output = Path(output).resolve()
    runs = {}
    for seed in args.seeds:
        folder = output / f"seed_{seed}"
        results = run_seed(args.recipe, args.hparams, seed, folder, overrides)
        runs[seed] = (folder, results)
    metrics = aggregate_runs([results for _, results in runs.values()])
    summary = {
        "recipe": str(args.recipe),
        "hparams": str(args.hparams),
        "overrides": overrides,
        "seeds": args.seeds,
        "runs": {str(seed): str(folder) for seed, (folder, _) in runs.items()},
        "metrics": metrics,
    }
    output.mkdir(parents=True, exist_ok=True)
    with open(output / "results.json", "w", encoding="utf-8") as fout:
        json.dump(summary, fout, indent=1)
    seeds = ", ".join(str(seed) for seed in args.seeds)
    print(f"passt-seeds: mean +- std over seeds {seeds}")
    for name, stats in metrics.items():
        print(f"{name}: {stats['mean']:.4f} +- {stats['std']:.4f}")
    print(f"summary: {output / 'results.json'}")
    return summary


if __name__ == "__main__":
    main()
