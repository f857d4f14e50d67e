#!/usr/bin/env python3
"""Train PaSST on AudioSet (Table 1 of the paper), fine-tune a released
checkpoint, or evaluate one.

Trains on balanced + unbalanced AudioSet with class-balanced sampling
(``epoch_samples`` clips drawn per epoch without replacement), evaluates
the mAP on ``eval_segments`` every epoch, tests the final (SWA) model and
exports it as a pretrained folder.

> python recipes/Audioset/train.py hparams/passt_s.yaml \\
      --data_folder /data/audioset

Fine-tune from a released checkpoint: add ``--pretrained=passt-s`` (a
registry name, a checkpoint file or a pretrained folder). Evaluation only:
``--test_only --pretrained=<checkpoint>`` reports its eval mAP.

Authors
 * speechbrain-passt developers 2026
"""

import json
import sys

from audioset_prepare import prepare_audioset

from speechbrain_passt.training import class_balanced_sampler
from speechbrain_passt.training.recipe import (
    clip_datasets,
    clip_loader,
    evaluate_test,
    finish,
    multi_label_target,
    prepare_dataset_once,
    read_labels_for,
    setup_experiment,
    train_brain,
)


def dataio_prep(hparams, files, num_classes):
    """Datasets of the training and eval sets.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters.
    files : dict
        Manifests written by ``prepare_audioset``.
    num_classes : int
        Number of classes (527).

    Returns
    -------
    dict
        ``train`` and ``eval`` DynamicItemDatasets with ``sig`` and
        ``target``.
    """
    loaders = {
        "train": clip_loader(hparams, augment=True),
        "eval": clip_loader(hparams),
    }
    return clip_datasets(
        hparams, files, loaders, multi_label_target(num_classes), ["target"]
    )


def balanced_loader_options(hparams, manifest, num_classes):
    """Training loader options with the class-balanced sampler.

    Arguments
    ---------
    hparams : dict
        Provides ``train_dataloader_opts``, ``epoch_samples`` and ``seed``.
    manifest : str
        The training manifest (its order is the dataset's index order).
    num_classes : int
        Number of classes.

    Returns
    -------
    dict
        Loader options whose ``sampler`` draws ``epoch_samples`` clips per
        epoch (at most the number of training clips).
    """
    with open(manifest, encoding="utf-8") as fin:
        class_ids = [entry["class_ids"] for entry in json.load(fin).values()]
    samples = min(hparams["epoch_samples"], len(class_ids))
    sampler = class_balanced_sampler(
        class_ids, samples, seed=hparams["seed"], num_classes=num_classes
    )
    options = dict(hparams["train_dataloader_opts"], sampler=sampler)
    options.pop("shuffle", None)
    return options


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
        prepare_audioset,
        hparams,
        use_unbalanced=hparams["use_unbalanced"],
        audio_folder=hparams["audio_folder"],
        skip_missing=hparams["skip_missing"],
        audio_format=hparams["cache_format"],
        num_workers=hparams["prepare_workers"],
    )
    labels = read_labels_for(hparams, files)
    datasets = dataio_prep(hparams, files, len(labels))
    brain = train_brain(
        hparams,
        run_opts,
        datasets["train"],
        datasets["eval"],
        train_loader_kwargs=balanced_loader_options(
            hparams, files["train"], len(labels)
        ),
    )
    results = evaluate_test(brain, hparams, datasets["eval"])
    return finish(brain, hparams, labels, results)


if __name__ == "__main__":
    main(sys.argv[1:])
