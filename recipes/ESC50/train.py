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
import tempfile

import speechbrain as sb
from esc50_prepare import prepare_esc50
from speechbrain.utils.distributed import if_main_process, run_on_main

from speechbrain_passt.synthetic import generate_synthetic_esc50
from speechbrain_passt.training import ClipLoader, PaSSTBrain, one_hot
from speechbrain_passt.training.hparams import load_hparams

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
    datasets : dict
        ``train`` and ``test`` DynamicItemDatasets with ``sig`` and
        ``target``.
    labels : list of str
        Class names in target order.
    """
    with open(files["labels"]) as fin:
        labels = json.load(fin)
    num_classes = hparams["num_classes"]
    if len(labels) > num_classes:
        raise ValueError(
            f"the metadata has {len(labels)} classes but num_classes is "
            f"{num_classes}"
        )
    labels += [f"class_{i}" for i in range(len(labels), num_classes)]
    loaders = {
        "train": ClipLoader(
            hparams["sample_rate"],
            hparams["clip_seconds"],
            gain_db=hparams["gain_db"],
            roll_samples=hparams["roll_samples"],
        ),
        "test": ClipLoader(hparams["sample_rate"], hparams["clip_seconds"]),
    }
    datasets = {}
    for split, loader in loaders.items():

        @sb.utils.data_pipeline.takes("wav")
        @sb.utils.data_pipeline.provides("sig")
        def audio_pipeline(wav, loader=loader):
            return loader(wav)

        @sb.utils.data_pipeline.takes("class_id")
        @sb.utils.data_pipeline.provides("target")
        def target_pipeline(class_id):
            return one_hot(class_id, num_classes)

        datasets[split] = sb.dataio.dataset.DynamicItemDataset.from_json(
            json_path=files[split],
            replacements={"data_root": hparams["cache_folder"]},
            dynamic_items=[audio_pipeline, target_pipeline],
            output_keys=["id", "sig", "target"],
        )
    return datasets, labels


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
    files = {
        name: os.path.join(hparams["save_folder"], f"{name}.json")
        for name in ("train", "test", "labels")
    }
    run_on_main(
        prepare_esc50,
        kwargs={
            "data_folder": hparams["data_folder"],
            "save_folder": hparams["save_folder"],
            "cache_folder": hparams["cache_folder"],
            "fold": hparams["fold"],
            "sample_rate": hparams["sample_rate"],
            "skip_bad_clips": hparams["skip_bad_clips"],
        },
    )
    datasets, labels = dataio_prep(hparams, files)
    brain = PaSSTBrain(
        modules=hparams["modules"],
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=hparams["checkpointer"],
    )
    brain.fit(
        hparams["epoch_counter"],
        datasets["train"],
        datasets["test"],
        train_loader_kwargs=hparams["train_dataloader_opts"],
        valid_loader_kwargs=hparams["test_dataloader_opts"],
    )
    brain.evaluate(
        datasets["test"],
        progressbar=True,
        test_loader_kwargs=hparams["test_dataloader_opts"],
    )
    run_on_main(
        brain.export_pretrained, args=[hparams["export_folder"], labels]
    )
    return {
        "fold": int(hparams["fold"]),
        "accuracy": brain.test_stats["accuracy"],
        "loss": brain.test_stats["loss"],
        "model": os.path.abspath(hparams["export_folder"]),
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
    hparams_file, run_opts, overrides = sb.parse_arguments(argv)
    sb.utils.distributed.ddp_init_group(run_opts)
    hparams, text = load_hparams(hparams_file, overrides)

    # Save the merged (variant + base) file, so the experiment folder holds
    # every setting.
    with tempfile.TemporaryDirectory() as tmp:
        merged = os.path.join(tmp, os.path.basename(hparams_file))
        with open(merged, "w") as fout:
            fout.write(text)
        sb.create_experiment_directory(
            experiment_directory=hparams["output_folder"],
            hyperparams_to_save=merged,
            overrides=overrides,
        )

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
            fold_overrides = dict(_as_dict(overrides), fold=each)
            fold_hparams, _ = load_hparams(hparams_file, fold_overrides)
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


def _as_dict(overrides):
    """Command-line overrides (a YAML string from sb.parse_arguments) as a
    dict."""
    if not overrides:
        return {}
    if isinstance(overrides, dict):
        return overrides
    import ruamel.yaml

    return dict(ruamel.yaml.YAML().load(overrides) or {})


if __name__ == "__main__":
    main(sys.argv[1:])
