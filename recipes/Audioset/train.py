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

import speechbrain as sb
from audioset_prepare import prepare_audioset

from speechbrain_passt.training import (
    ClipLoader,
    class_balanced_sampler,
    multi_hot,
)
from speechbrain_passt.training.recipe import (
    evaluate_test,
    finish,
    fit,
    make_brain,
    manifest_dataset,
    prepare_once,
    read_labels_for,
    setup_experiment,
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
        "train": ClipLoader(
            hparams["sample_rate"],
            hparams["clip_seconds"],
            gain_db=hparams["gain_db"],
            roll_samples=hparams["roll_samples"],
        ),
        "eval": ClipLoader(hparams["sample_rate"], hparams["clip_seconds"]),
    }
    datasets = {}
    for split, loader in loaders.items():

        @sb.utils.data_pipeline.takes("wav")
        @sb.utils.data_pipeline.provides("sig")
        def audio_pipeline(wav, loader=loader):
            return loader(wav)

        @sb.utils.data_pipeline.takes("class_ids")
        @sb.utils.data_pipeline.provides("target")
        def target_pipeline(class_ids):
            return multi_hot(class_ids, num_classes)

        datasets[split] = manifest_dataset(
            files[split],
            hparams["cache_folder"],
            [audio_pipeline, target_pipeline],
            ["id", "sig", "target"],
        )
    return datasets


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
    files = prepare_once(
        prepare_audioset,
        data_folder=hparams["data_folder"],
        save_folder=hparams["save_folder"],
        cache_folder=hparams["cache_folder"],
        sample_rate=hparams["sample_rate"],
        use_unbalanced=hparams["use_unbalanced"],
        audio_folder=hparams["audio_folder"],
        skip_missing=hparams["skip_missing"],
        skip_bad_clips=hparams["skip_bad_clips"],
        audio_format=hparams["cache_format"],
        num_workers=hparams["prepare_workers"],
    )
    labels = read_labels_for(hparams, files)
    datasets = dataio_prep(hparams, files, len(labels))
    brain = make_brain(hparams, run_opts)
    fit(
        brain,
        hparams,
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
