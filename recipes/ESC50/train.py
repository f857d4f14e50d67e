#!/usr/bin/env python3
"""Fine-tune PaSST on ESC-50 (5-fold cross-validation) with PaSSTBrain.

Train on four folds and test on the held-out one (``--fold N``), or run all
five folds and report the mean and standard deviation (``--fold all``).
Every fold tests the live model and the SWA average (``accuracy`` and
``swa_accuracy`` in ``results.json``); the SWA average is the reported and
exported model (``exported_model``; the live one when SWA is off or never
started). Several seeds: ``passt-seeds`` (see the README).

> python recipes/ESC50/train.py hparams/esc50/passt_s.yaml \\
      --data_folder /data/ESC-50-master

The demo trains a small PaSST from scratch on a synthetic set in the
ESC-50 layout, generated on the fly (no download):

> python recipes/ESC50/train.py hparams/esc50/demo.yaml

Authors
 * speechbrain-passt developers 2026
"""

import os
import sys

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
from speechbrain_passt.training.hparams_loading import (
    load_recipe_hparams,
    overrides_dict,
)
from speechbrain_passt.training.plots import write_recipe_figures
from speechbrain_passt.training.results import (
    brain_results,
    mean_and_std,
    write_results,
)

FOLDS = (1, 2, 3, 4, 5)


DATA_HELP = (
    "the folder of your ESC-50 download (see recipes/ESC50/README.md for "
    "the download steps); to try the recipe without data, run the demo: "
    "python recipes/ESC50/train.py hparams/esc50/demo.yaml"
)


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
        "train": clip_loader(hparams, augment=True, skip_bad=True),
        "test": clip_loader(hparams),
    }
    return clip_datasets(
        hparams["cache_folder"],
        files,
        loaders,
        single_label_target(hparams["num_classes"]),
        ["target"],
    )


def exported_key(results):
    """The accuracy key of the exported model (``swa_accuracy`` or
    ``accuracy``) in a fold's results or the summary.

    Arguments
    ---------
    results : dict
        Has ``exported_model`` (``swa`` or ``live``).

    Returns
    -------
    str
    """
    return "swa_accuracy" if results["exported_model"] == "swa" else "accuracy"


def describe_models(fold):
    """Which model the printed accuracy is, and the other one's accuracy.

    Arguments
    ---------
    fold : dict
        A fold's results.

    Returns
    -------
    str
        E.g. ``SWA average, exported; live model 97.22%``.
    """
    if fold["exported_model"] == "swa":
        return (
            f"SWA average, exported; live model {100 * fold['accuracy']:.2f}%"
        )
    if "swa_accuracy" in fold:
        return f"live model, exported; SWA average {100 * fold['swa_accuracy']:.2f}%"
    return "live model, exported; no SWA average"


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
    overrides = overrides_dict(overrides)
    overrides["fold"] = fold
    with open(hparams_file, encoding="utf-8") as fin:
        return load_hyperpyyaml(fin, overrides)


if __name__ == "__main__":
    hparams_file, run_opts, overrides = sb.parse_arguments(sys.argv[1:])
    sb.utils.distributed.ddp_init_group(run_opts)
    # One line and exit 2 when --data_folder is not given or not a folder.
    hparams = load_recipe_hparams(hparams_file, overrides, DATA_HELP)
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
        run_on_main(
            write_recipe_figures,
            args=[brain, hparams["train_log"], hparams["fold_folder"], labels],
        )
        results.append(
            {
                "fold": int(fold),
                **brain_results(brain),
                "model": os.path.abspath(hparams["export_folder"]),
            }
        )

    # Live model and SWA average (where every fold has one).
    summary = {"folds": results}
    for key in ("accuracy", "swa_accuracy"):
        if all(key in r for r in results):
            mean, std = mean_and_std([r[key] for r in results])
            summary[f"{key}_mean"], summary[f"{key}_std"] = mean, std
    summary["exported_model"] = results[-1]["exported_model"]
    write_results(summary, hparams["output_folder"])
    if if_main_process():
        for r in results:
            print(
                f"Fold {r['fold']}: test accuracy "
                f"{100 * r[exported_key(r)]:.2f}% ({describe_models(r)})"
                f" | trained model: {r['model']}"
            )
        if len(results) > 1:
            key = exported_key(summary)
            print(
                f"{len(results)}-fold cross-validation accuracy "
                f"({summary['exported_model']} model): "
                f"{100 * summary[key + '_mean']:.2f} +- "
                f"{100 * summary[key + '_std']:.2f}%"
            )
