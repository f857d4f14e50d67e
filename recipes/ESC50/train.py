#!/usr/bin/env python3
"""Fine-tune PaSST on ESC-50 (5-fold cross-validation) with PaSSTBrain.

Train on four folds and test on the held-out one (``--fold N``), or run all
five folds and report the mean and standard deviation (``--fold all``). At
the end, the tested model is exported as a SpeechBrain pretrained folder.

> python recipes/ESC50/train.py hparams/esc50/passt_s.yaml \\
      --data_folder /data/ESC-50-master

The demo trains a small PaSST from scratch on a synthetic set in the
ESC-50 layout, generated on the fly (no download):

> python recipes/ESC50/train.py hparams/esc50/demo.yaml

Authors
 * speechbrain-passt developers 2026
"""

import os
import statistics
import sys

import ruamel.yaml
import speechbrain as sb
from esc50_passt_prepare import prepare_esc50_passt
from hyperpyyaml import load_hyperpyyaml
from speechbrain.utils.distributed import if_main_process, run_on_main

from speechbrain_passt.data.synthetic import generate_synthetic_esc50
from speechbrain_passt.training import PaSSTBrain
from speechbrain_passt.training.datasets import (
    class_labels,
    clip_datasets,
    clip_loader,
    single_label_target,
)
from speechbrain_passt.training.export import export_trained_model
from speechbrain_passt.training.results import write_results

FOLDS = (1, 2, 3, 4, 5)


def dataio_prep(hparams, files):
    """Build the train and test datasets of one fold.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters.
    files : dict
        Manifests written by ``prepare_esc50_passt``.

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
        hparams["cache_folder"],
        files,
        loaders,
        single_label_target(hparams["num_classes"]),
        ["target"],
    )


def load_fold_hparams(hparams_file, overrides, fold):
    """Load the yaml again for one fold of ``--fold all``: each fold gets
    its own folders (``fold_folder`` follows ``fold``) and fresh modules.

    Arguments
    ---------
    hparams_file : str
        The recipe's yaml.
    overrides : str
        The command-line overrides (YAML text from ``sb.parse_arguments``).
    fold : int
        The held-out fold.

    Returns
    -------
    dict
        The hyperparameters of that fold.
    """
    overrides = dict(ruamel.yaml.YAML(typ="safe").load(overrides) or {})
    overrides["fold"] = fold
    with open(hparams_file, encoding="utf-8") as fin:
        return load_hyperpyyaml(fin, overrides)


if __name__ == "__main__":
    hparams_file, run_opts, overrides = sb.parse_arguments(sys.argv[1:])
    sb.utils.distributed.ddp_init_group(run_opts)
    with open(hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, overrides)
    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )
    if hparams["synthetic_data"] is not None:  # the demo's generated set
        run_on_main(
            generate_synthetic_esc50,
            args=[hparams["data_folder"]],
            kwargs=hparams["synthetic_data"],
        )
    if hparams["fold"] != "all" and hparams["fold"] not in FOLDS:
        raise ValueError(f"--fold must be 1..5 or all, got {hparams['fold']}")

    cross_validation = hparams["fold"] == "all"
    results = []
    for fold in FOLDS if cross_validation else [hparams["fold"]]:
        if cross_validation:
            hparams = load_fold_hparams(hparams_file, overrides, fold)
        os.makedirs(hparams["fold_folder"], exist_ok=True)

        # Data preparation, on the main process only; the second call
        # finds it done and returns the manifests at once.
        prepare_kwargs = {
            "data_folder": hparams["data_folder"],
            "save_folder": hparams["save_folder"],
            "cache_folder": hparams["cache_folder"],
            "fold": hparams["fold"],
            "sample_rate": hparams["sample_rate"],
            "skip_bad_clips": hparams["skip_bad_clips"],
        }
        run_on_main(prepare_esc50_passt, kwargs=prepare_kwargs)
        files = prepare_esc50_passt(**prepare_kwargs)
        # The metadata names the targets up to the highest one it uses.
        labels = class_labels(files["labels"], hparams["num_classes"], True)
        datasets = dataio_prep(hparams, files)

        brain = PaSSTBrain(
            modules=hparams["modules"],
            opt_class=hparams["opt_class"],
            hparams=hparams,
            run_opts=run_opts,
            checkpointer=hparams["checkpointer"],
        )
        brain.load_pretrained(hparams["pretrained"])
        # No validation split: the held-out fold is evaluated every epoch.
        brain.fit(
            hparams["epoch_counter"],
            datasets["train"],
            datasets["test"],
            train_loader_kwargs=hparams["train_dataloader_opts"],
            valid_loader_kwargs=hparams["test_dataloader_opts"],
        )
        brain.evaluate(
            datasets["test"],
            test_loader_kwargs=hparams["test_dataloader_opts"],
        )
        run_on_main(
            export_trained_model,
            args=[brain, hparams["export_folder"], labels],
        )
        results.append(
            {
                "fold": int(fold),
                "accuracy": brain.test_stats["accuracy"],
                "loss": brain.test_stats["loss"],
                "model": os.path.abspath(hparams["export_folder"]),
            }
        )

    accuracies = [r["accuracy"] for r in results]
    write_results(
        {
            "folds": results,
            "accuracy_mean": statistics.mean(accuracies),
            "accuracy_std": (
                statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
            ),
        },
        hparams["output_folder"],
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
                f"{100 * statistics.mean(accuracies):.2f} +- "
                f"{100 * statistics.stdev(accuracies):.2f}%"
            )
