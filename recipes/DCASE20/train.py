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

import speechbrain as sb
from dcase20_prepare import prepare_dcase20
from speechbrain.utils.distributed import if_main_process

from speechbrain_passt.evaluation import group_accuracy, predict_dataset
from speechbrain_passt.training import ClipLoader, one_hot
from speechbrain_passt.training.recipe import (
    evaluate_test,
    finish,
    fit,
    log_test_stats,
    make_brain,
    manifest_dataset,
    prepare_once,
    read_labels_for,
    setup_experiment,
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
    num_classes = hparams["num_classes"]
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

        datasets[split] = manifest_dataset(
            files[split],
            hparams["cache_folder"],
            [audio_pipeline, target_pipeline],
            ["id", "sig", "target", "device"],
        )
    return datasets


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
    files = prepare_once(
        prepare_dcase20,
        data_folder=hparams["data_folder"],
        save_folder=hparams["save_folder"],
        cache_folder=hparams["cache_folder"],
        sample_rate=hparams["sample_rate"],
        skip_bad_clips=hparams["skip_bad_clips"],
        num_workers=hparams["prepare_workers"],
    )
    labels = read_labels_for(hparams, files)
    datasets = dataio_prep(hparams, files)
    brain = make_brain(hparams, run_opts)
    fit(brain, hparams, datasets["train"], datasets["test"])
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
