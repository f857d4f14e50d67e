#!/usr/bin/env python3
"""Fine-tune PaSST on FSD50K (sound event tagging, 200 classes).

Trains on random 10 s crops of the dev ``train`` split, validates every
epoch on the first 10 s of the dev ``val`` clips, keeps the checkpoint with
the best validation mAP, and reports that checkpoint's mAP on the ``eval``
split on whole clips: a clip longer than the encoder's time encoding is cut
into windows of exactly that length every half window (the last one ending
at the clip's end) and its logits are the mean of its windows' logits.

> python recipes/FSD50K/train.py hparams/fsd50k/passt_s.yaml \\
      --data_folder /data/FSD50K

Authors
 * speechbrain-passt developers 2026
"""

import sys

import torch
from fsd50k_prepare import prepare_fsd50k
from speechbrain.utils.distributed import if_main_process

from speechbrain_passt.training import mean_average_precision, mean_roc_auc
from speechbrain_passt.training.evaluation import predict_dataset
from speechbrain_passt.training.recipe import (
    clip_datasets,
    clip_loader,
    finish,
    log_test_stats,
    multi_label_target,
    prepare_dataset_once,
    read_labels_for,
    setup_experiment,
    train_brain,
)


def dataio_prep(hparams, files):
    """Datasets of the train, val and eval splits.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters.
    files : dict
        Manifests written by ``prepare_fsd50k``.

    Returns
    -------
    dict
        ``train`` (random 10 s crops, augmented), ``valid`` (first 10 s)
        and ``eval`` (whole clips) DynamicItemDatasets with ``sig`` and
        ``target``.
    """
    loaders = {
        "train": clip_loader(hparams, augment=True, crop="random"),
        "valid": clip_loader(hparams),
        "eval": clip_loader(hparams, clip_seconds=None),
    }
    return clip_datasets(
        hparams,
        files,
        loaders,
        multi_label_target(hparams["num_classes"]),
        ["target"],
    )


def evaluate_whole_clips(brain, hparams, data):
    """mAP of the selected checkpoint on whole clips.

    Arguments
    ---------
    brain : PaSSTBrain
        The trained Brain.
    hparams : dict
        Loaded hyperparameters.
    data : DynamicItemDataset
        Whole-clip dataset with ``target``.

    Returns
    -------
    dict
        ``mAP``, ``mAP_classes``, ``roc_auc`` and ``roc_auc_classes``.
    """
    brain.on_evaluate_start()  # loads the best-validation checkpoint
    encoder, head = brain.inference_modules()
    out = predict_dataset(
        encoder,
        head,
        brain.modules.compute_features,
        data,
        keys=["target"],
        batch_size=hparams["whole_clip_batch_size"],
        device=brain.device,
    )
    scores = torch.sigmoid(out["logits"])
    mean_ap, ap_classes = mean_average_precision(scores, out["target"])
    auc, auc_classes = mean_roc_auc(scores, out["target"])
    return {
        "mAP": mean_ap,
        "mAP_classes": float(ap_classes),
        "roc_auc": auc,
        "roc_auc_classes": float(auc_classes),
    }


def main(argv):
    """Run the recipe.

    Arguments
    ---------
    argv : list of str
        ``hparams_file`` followed by SpeechBrain options and overrides.

    Returns
    -------
    dict
        The eval results.
    """
    hparams, run_opts = setup_experiment(argv, __file__)
    files = prepare_dataset_once(
        prepare_fsd50k, hparams, num_workers=hparams["prepare_workers"]
    )
    labels = read_labels_for(hparams, files)
    datasets = dataio_prep(hparams, files)
    brain = train_brain(hparams, run_opts, datasets["train"], datasets["valid"])
    results = {}
    if if_main_process():
        results = evaluate_whole_clips(brain, hparams, datasets["eval"])
        log_test_stats(brain, hparams, results)
    return finish(brain, hparams, labels, results)


if __name__ == "__main__":
    main(sys.argv[1:])
