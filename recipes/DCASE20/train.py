#!/usr/bin/env python3
"""Fine-tune PaSST on DCASE2020 Task 1A (acoustic scenes across devices).

Trains on the official fold-1 training split (devices a, b, c, s1-s3),
validates and tests on ``fold1_evaluate`` (all nine devices) and reports
the accuracy overall, per device, and over the devices seen (a, b, c,
s1-s3) and unseen (s4-s6) in training, of the live model and of the SWA
average (``swa_`` keys; the exported model).

> python recipes/DCASE20/train.py hparams/dcase20/passt_s.yaml \\
      --data_folder /data/TAU-urban-acoustic-scenes-2020-mobile-development

Authors
 * speechbrain-passt developers 2026
"""

import json
import os
import sys

import speechbrain as sb
from dcase20_prepare import prepare_dcase20
from speechbrain.utils.distributed import if_main_process, run_on_main

from speechbrain_passt.training import PaSSTBrain
from speechbrain_passt.training.datasets import (
    class_labels,
    clip_datasets,
    clip_loader,
    single_label_target,
)
from speechbrain_passt.training.evaluation import (
    group_accuracy,
    predict_dataset,
)
from speechbrain_passt.training.export import export_trained_model
from speechbrain_passt.training.hparams_loading import load_recipe_hparams
from speechbrain_passt.training.plots import write_recipe_figures
from speechbrain_passt.training.results import brain_results, write_results

SEEN_DEVICES = ["a", "b", "c", "s1", "s2", "s3"]
UNSEEN_DEVICES = ["s4", "s5", "s6"]


DATA_HELP = (
    "the folder of the TAU Urban Acoustic Scenes 2020 Mobile development "
    "set (see recipes/DCASE20/README.md for the download steps)"
)


def dataio_prep(hparams, files):
    """Datasets of the training and evaluation splits.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters.
    files : dict
        Manifests written by ``prepare_dcase20``.

    Returns
    -------
    dict
        ``train`` and ``test`` DynamicItemDatasets with ``sig``, ``target``
        and ``device``.
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
        ["target", "device"],
    )


def device_accuracy(brain, hparams, data):
    """Accuracy per device and for seen / unseen ones, of the live model
    and of the SWA average.

    Arguments
    ---------
    brain : PaSSTBrain
        The tested Brain (its selected checkpoint is loaded).
    hparams : dict
        Loaded hyperparameters.
    data : DynamicItemDataset
        The evaluation split.

    Returns
    -------
    dict
        ``accuracy``, ``accuracy_seen``, ``accuracy_unseen`` and
        ``accuracy_<device>`` of the live model, and the same keys
        prefixed ``swa_`` when the SWA average holds weights.
    """
    results = {}
    for prefix, (encoder, head) in brain.evaluated_models().items():
        out = predict_dataset(
            encoder,
            head,
            brain.modules.compute_features,
            data,
            keys=["target", "device"],
            batch_size=hparams["eval_batch_size"],
            device=brain.device,
        )
        groups = {"seen": SEEN_DEVICES, "unseen": UNSEEN_DEVICES}
        accuracy = group_accuracy(
            out["logits"], out["target"], out["device"], groups
        )
        results.update({prefix + k: v for k, v in accuracy.items()})
    return results


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

    # Data preparation, on the main process only; the second call finds it
    # done and returns the manifests at once.
    prepare_kwargs = {
        "data_folder": hparams["data_folder"],
        "save_folder": hparams["save_folder"],
        "cache_folder": hparams["cache_folder"],
        "sample_rate": hparams["sample_rate"],
        "skip_bad_clips": hparams["skip_bad_clips"],
        "num_workers": hparams["prepare_workers"],
    }
    run_on_main(prepare_dcase20, kwargs=prepare_kwargs)
    files = prepare_dcase20(**prepare_kwargs)
    labels = class_labels(files["labels"], hparams["num_classes"])
    datasets = dataio_prep(hparams, files)

    brain = PaSSTBrain(
        modules=hparams["modules"],
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=hparams["checkpointer"],
    )
    brain.load_pretrained(hparams["pretrained"])
    brain.fit(
        hparams["epoch_counter"],
        datasets["train"],
        datasets["test"],
        train_loader_kwargs=hparams["train_dataloader_opts"],
        valid_loader_kwargs=hparams["valid_dataloader_opts"],
    )
    brain.evaluate(
        datasets["test"], test_loader_kwargs=hparams["test_dataloader_opts"]
    )
    results = brain_results(brain)
    if if_main_process():
        by_device = device_accuracy(brain, hparams, datasets["test"])
        hparams["train_logger"].log_stats(
            stats_meta={"Epoch loaded": hparams["epoch_counter"].current},
            test_stats=by_device,
        )
        path = os.path.join(hparams["output_folder"], "device_accuracy.json")
        with open(path, "w", encoding="utf-8") as fout:
            json.dump(by_device, fout, indent=1)
        results.update(by_device)
    if not brain.test_only:  # --test_only evaluates `pretrained` as it is
        run_on_main(
            export_trained_model,
            args=[brain, hparams["export_folder"], labels],
        )
        results["model"] = os.path.abspath(hparams["export_folder"])
    run_on_main(
        write_recipe_figures,
        args=[brain, hparams["train_log"], hparams["output_folder"], labels],
    )
    write_results(results, hparams["output_folder"])
