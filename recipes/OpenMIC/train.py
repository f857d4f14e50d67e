#!/usr/bin/env python3
"""Fine-tune PaSST on OpenMIC-2018 (instrument tagging, partial labels).

Targets are the relevances binarised at 0.5, with a mask of the annotated
instruments: the loss is BCE weighted by the mask, waveform mixup carries
the masks, and the metric is the masked mAP. Trains on split01_train and
validates and tests on split01_test, as the original recipe.

> python recipes/OpenMIC/train.py hparams/openmic/passt_s.yaml \\
      --data_folder /data/openmic-2018

Authors
 * speechbrain-passt developers 2026
"""

import sys

import speechbrain as sb
import torch
from openmic_prepare import prepare_openmic

from speechbrain_passt.training.recipe import (
    clip_datasets,
    clip_loader,
    evaluate_test,
    finish,
    prepare_dataset_once,
    read_labels_for,
    setup_experiment,
    train_brain,
)


def dataio_prep(hparams, files):
    """Datasets of the training and test splits.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters.
    files : dict
        Manifests written by ``prepare_openmic``.

    Returns
    -------
    dict
        ``train`` and ``test`` DynamicItemDatasets with ``sig``, ``target``
        (relevance > 0.5) and ``mask`` (1 where annotated).
    """
    threshold = hparams["relevance_threshold"]

    @sb.utils.data_pipeline.takes("relevance", "annotated")
    @sb.utils.data_pipeline.provides("target", "mask")
    def label_pipeline(relevance, annotated):
        yield (torch.tensor(relevance) > threshold).float()
        yield torch.tensor(annotated, dtype=torch.float32)

    loaders = {
        "train": clip_loader(hparams, augment=True),
        "test": clip_loader(hparams),
    }
    return clip_datasets(
        hparams, files, loaders, label_pipeline, ["target", "mask"]
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
        prepare_openmic, hparams, num_workers=hparams["prepare_workers"]
    )
    labels = read_labels_for(hparams, files)
    datasets = dataio_prep(hparams, files)
    brain = train_brain(hparams, run_opts, datasets["train"], datasets["test"])
    results = evaluate_test(brain, hparams, datasets["test"])
    return finish(brain, hparams, labels, results)


if __name__ == "__main__":
    main(sys.argv[1:])
