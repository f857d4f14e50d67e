#!/usr/bin/env python3
"""Fine-tune PaSST on OpenMIC-2018 (instrument tagging, partial labels).

As the original (``ex_openmic.py`` and ``openmic/dataset.py`` of
kkoutini/PaSST): the dataset gives each clip its raw relevances and the
mask of its annotated instruments; waveform mixup mixes the masked
relevances and the union of the masks, and the Brain then binarises the
(mixed) relevances at ``target_threshold`` (0.5), so the targets stay 0/1;
spectrogram mixup mixes those targets and keeps each clip's own mask. The
loss is BCE weighted by the mask and the metric the masked mAP of the live
model and of the SWA average. Trains on split01_train and validates and
tests on split01_test, as the original recipe.

> python recipes/OpenMIC/train.py hparams/openmic/passt_s.yaml \\
      --data_folder /data/openmic-2018

Authors
 * speechbrain-passt developers 2026
"""

import os
import sys

import speechbrain as sb
import torch
from openmic_prepare import prepare_openmic
from speechbrain.utils.distributed import run_on_main

from speechbrain_passt.training import PaSSTBrain
from speechbrain_passt.training.datasets import (
    class_labels,
    clip_datasets,
    clip_loader,
)
from speechbrain_passt.training.export import export_trained_model
from speechbrain_passt.training.hparams_loading import load_recipe_hparams
from speechbrain_passt.training.plots import write_recipe_figures
from speechbrain_passt.training.results import brain_results, write_results

DATA_HELP = (
    "the folder of your OpenMIC-2018 download (see recipes/OpenMIC/README.md "
    "for the download steps)"
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
        (the raw relevances in [0, 1]; the Brain binarises them at
        ``target_threshold`` after waveform mixup) and ``mask`` (1 where
        annotated).
    """

    @sb.utils.data_pipeline.takes("relevance", "annotated")
    @sb.utils.data_pipeline.provides("target", "mask")
    def label_pipeline(relevance, annotated):
        """Raw relevances and the annotation mask of a clip."""
        yield torch.tensor(relevance, dtype=torch.float32)
        yield torch.tensor(annotated, dtype=torch.float32)

    loaders = {
        "train": clip_loader(hparams, augment=True, skip_bad=True),
        "test": clip_loader(hparams),
    }
    return clip_datasets(
        hparams["cache_folder"],
        files,
        loaders,
        label_pipeline,
        ["target", "mask"],
    )


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
    run_on_main(prepare_openmic, kwargs=prepare_kwargs)
    files = prepare_openmic(**prepare_kwargs)
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
