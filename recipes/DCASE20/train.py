#!/usr/bin/env python3
"""Fine-tune PaSST on DCASE2020 Task 1A (acoustic scenes across devices).

Trains on the official fold-1 training split (devices a, b, c, s1-s3),
validates and tests on ``fold1_evaluate`` (all nine devices) and reports
the accuracy overall, per device, and over the devices seen (a, b, c,
s1-s3) and unseen (s4-s6) in training.

> python recipes/DCASE20/train.py hparams/dcase20/passt_s.yaml \\
      --data_folder /data/TAU-urban-acoustic-scenes-2020-mobile-development

Authors
 * speechbrain-passt developers 2026
"""

import json
import os
import sys

from dcase20_prepare import prepare_dcase20
from speechbrain.utils.distributed import if_main_process

from speechbrain_passt.training.evaluation import (
    group_accuracy,
    predict_dataset,
)
from speechbrain_passt.training.recipe import (
    clip_datasets,
    clip_loader,
    evaluate_test,
    finish,
    log_test_stats,
    prepare_dataset_once,
    read_labels_for,
    setup_experiment,
    single_label_target,
    train_brain,
)

SEEN_DEVICES = ["a", "b", "c", "s1", "s2", "s3"]
UNSEEN_DEVICES = ["s4", "s5", "s6"]


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
        "train": clip_loader(hparams, augment=True),
        "test": clip_loader(hparams),
    }
    return clip_datasets(
        hparams,
        files,
        loaders,
        single_label_target(hparams["num_classes"]),
        ["target", "device"],
    )


def device_accuracy(brain, hparams, data):
    """Accuracy of the tested model per device and for seen / unseen ones.

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
        ``accuracy_<device>``.
    """
    encoder, head = brain.inference_modules()
    out = predict_dataset(
        encoder,
        head,
        brain.modules.compute_features,
        data,
        keys=["target", "device"],
        batch_size=hparams["eval_batch_size"],
        device=brain.device,
    )
    return group_accuracy(
        out["logits"],
        out["target"],
        out["device"],
        {"seen": SEEN_DEVICES, "unseen": UNSEEN_DEVICES},
    )


def main(argv):
    """Run the recipe.

    Arguments
    ---------
    argv : list of str
        ``hparams_file`` followed by SpeechBrain options and overrides.

    Returns
    -------
    dict
        The test results.
    """
    hparams, run_opts = setup_experiment(argv, __file__)
    files = prepare_dataset_once(
        prepare_dcase20, hparams, num_workers=hparams["prepare_workers"]
    )
    labels = read_labels_for(hparams, files)
    datasets = dataio_prep(hparams, files)
    brain = train_brain(hparams, run_opts, datasets["train"], datasets["test"])
    results = evaluate_test(brain, hparams, datasets["test"])
    if if_main_process():
        by_device = device_accuracy(brain, hparams, datasets["test"])
        log_test_stats(brain, hparams, by_device)
        path = os.path.join(hparams["output_folder"], "device_accuracy.json")
        with open(path, "w", encoding="utf-8") as fout:
            json.dump(by_device, fout, indent=1)
        results.update(by_device)
    return finish(brain, hparams, labels, results)


if __name__ == "__main__":
    main(sys.argv[1:])
