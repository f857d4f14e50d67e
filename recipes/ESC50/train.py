#!/usr/bin/env python3
"""Fine-tune PaSST on ESC-50 (5-fold cross-validation) with PaSSTBrain.

Train on four folds and test on the held-out one (``--fold N``), or run all
five folds and report the mean and standard deviation (``--fold all``). At
the end, the evaluated model is exported as a SpeechBrain pretrained folder.

> python recipes/ESC50/train.py hparams/esc50/passt_s.yaml \\
      --data_folder /data/ESC-50-master --pretrained <AudioSet PaSST-S>

The demo trains a small PaSST from scratch on a synthetic set in the
ESC-50 layout, generated on the fly (no download):

> python recipes/ESC50/train.py hparams/esc50/demo.yaml

Authors
 * speechbrain-passt developers 2026
"""

import json
import os
import statistics
import sys

from esc50_prepare import prepare_esc50
from speechbrain.utils.distributed import if_main_process, run_on_main

from speechbrain_passt.data.synthetic import generate_synthetic_esc50
from speechbrain_passt.training.recipe import (
    clip_datasets,
    clip_loader,
    evaluate_test,
    export_model,
    prepare_dataset_once,
    read_labels_for,
    reload_hparams,
    setup_experiment,
    single_label_target,
    train_brain,
)

FOLDS = (1, 2, 3, 4, 5)


def dataio_prep(hparams, files):
    """Build the train and test datasets of one fold.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters.
    files : dict
        Manifests written by ``prepare_esc50``.

    Returns
    -------
    dict
        ``train`` and ``test`` DynamicItemDatasets with ``sig`` and
        ``target``.
    """
    loaders = {
        "train": clip_loader(hparams, augment=True),
        "test": clip_loader(hparams),
    }
    return clip_datasets(
        hparams,
        files,
        loaders,
        single_label_target(hparams["num_classes"]),
        ["target"],
    )


def run_fold(hparams, run_opts):
    """Prepare, train, test and export one fold.

    Arguments
    ---------
    hparams : dict
        Hyperparameters loaded for this fold.
    run_opts : dict
        SpeechBrain run options.

    Returns
    -------
    dict
        Test statistics (``accuracy``, ``loss``) and the export folder.
    """
    os.makedirs(hparams["fold_folder"], exist_ok=True)
    files = prepare_dataset_once(prepare_esc50, hparams, fold=hparams["fold"])
    # The metadata names the targets up to the highest one it uses.
    labels = read_labels_for(hparams, files, pad=True)
    datasets = dataio_prep(hparams, files)
    # No validation split: the held-out fold is evaluated every epoch.
    brain = train_brain(
        hparams,
        run_opts,
        datasets["train"],
        datasets["test"],
        valid_loader_kwargs=hparams["test_dataloader_opts"],
    )
    stats = evaluate_test(brain, hparams, datasets["test"], progressbar=True)
    return {
        "fold": int(hparams["fold"]),
        "accuracy": stats["accuracy"],
        "loss": stats["loss"],
        "model": export_model(brain, hparams, labels),
    }


def summarize(results, out_file):
    """Mean and standard deviation of the test accuracy over folds.

    Arguments
    ---------
    results : list of dict
        Outputs of :func:`run_fold`.
    out_file : str
        JSON file for the summary.

    Returns
    -------
    dict
        ``folds``, ``accuracy_mean``, ``accuracy_std`` (sample standard
        deviation, 0 for one fold).
    """
    accuracies = [r["accuracy"] for r in results]
    summary = {
        "folds": results,
        "accuracy_mean": statistics.mean(accuracies),
        "accuracy_std": (
            statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
        ),
    }
    if if_main_process():
        with open(out_file, "w") as fout:
            json.dump(summary, fout, indent=1)
    return summary


def main(argv):
    """Run the recipe from command-line arguments.

    Arguments
    ---------
    argv : list of str
        ``hparams_file`` followed by SpeechBrain options and overrides.

    Returns
    -------
    dict
        The cross-validation summary.
    """
    hparams, run_opts = setup_experiment(argv, __file__)
    if hparams["synthetic_data"] is not None:
        run_on_main(
            generate_synthetic_esc50,
            args=[hparams["data_folder"]],
            kwargs=hparams["synthetic_data"],
        )

    fold = hparams["fold"]
    if fold == "all":
        results = []
        for each in FOLDS:
            fold_hparams = reload_hparams(argv, fold=each)
            results.append(run_fold(fold_hparams, run_opts))
    elif fold in FOLDS:
        results = [run_fold(hparams, run_opts)]
    else:
        raise ValueError(f"--fold must be 1..5 or all, got {fold!r}")

    summary = summarize(
        results, os.path.join(hparams["output_folder"], "results.json")
    )
    if if_main_process():
        for r in results:
            print(
                f"Fold {r['fold']}: test accuracy {100 * r['accuracy']:.2f}%"
                f" | trained model: {r['model']}"
            )
        if len(results) > 1:
            print(
                f"{len(results)}-fold cross-validation accuracy: "
                f"{100 * summary['accuracy_mean']:.2f} +- "
                f"{100 * summary['accuracy_std']:.2f}%"
            )
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
