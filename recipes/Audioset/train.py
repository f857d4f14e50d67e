#!/usr/bin/env python3
"""Train PaSST on AudioSet (Table 1 of the paper), fine-tune a released
checkpoint, or evaluate one.

Trains on balanced + unbalanced AudioSet with class-balanced sampling
(``epoch_samples`` clips drawn per epoch without replacement), evaluates
the mAP on ``eval_segments`` every epoch, tests the final live model and
SWA average (``mAP`` and ``swa_mAP``) and exports the SWA average as a
pretrained folder.

> python recipes/Audioset/train.py hparams/passt_s.yaml \\
      --data_folder /data/audioset

Fine-tune from a released checkpoint: add ``--pretrained=passt-s`` (a
registry name, a checkpoint file or a pretrained folder). Evaluation only:
``--test_only --pretrained=<checkpoint>`` reports its eval mAP. Knowledge
distillation: ``hparams/passt_s_kd.yaml`` or ``--kd_teacher=<teacher>``
(logits by clip id, or a model run online; see README.md).

Authors
 * speechbrain-passt developers 2026
"""

import json
import os
import sys

import speechbrain as sb
from audioset_prepare import prepare_audioset
from speechbrain.utils.distributed import run_on_main

from speechbrain_passt.data.synthetic_audioset import (
    generate_synthetic_audioset,
)
from speechbrain_passt.training import PaSSTBrain, class_balanced_sampler
from speechbrain_passt.training.data_format import prepare_audio_source
from speechbrain_passt.training.datasets import (
    class_labels,
    clip_datasets,
    clip_loader,
    multi_label_target,
)
from speechbrain_passt.training.distillation import make_distillation
from speechbrain_passt.training.export import export_trained_model
from speechbrain_passt.training.hparams_loading import load_recipe_hparams
from speechbrain_passt.training.plots import write_recipe_figures
from speechbrain_passt.training.results import brain_results, write_results

DATA_HELP = (
    "the folder of your AudioSet download (segment csvs and audios/, see "
    "recipes/Audioset/README.md for the download steps); to try the recipe "
    "without data, run the demo: python recipes/Audioset/train.py "
    "hparams/demo.yaml"
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
        "train": clip_loader(hparams, augment=True, skip_bad=True),
        "eval": clip_loader(hparams),
    }
    # The same manifests either way; only where the clips' bytes come from
    # differs (data_format: files or shards).
    root, loaders = prepare_audio_source(hparams, files, loaders)
    return clip_datasets(
        root,
        files,
        loaders,
        multi_label_target(num_classes),
        ["target"],
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
            generate_synthetic_audioset,
            args=[hparams["data_folder"]],
            kwargs=hparams["synthetic_data"],
        )

    # Data preparation, on the main process only; the second call finds it
    # done and returns the manifests at once.
    prepare_kwargs = {
        "data_folder": hparams["data_folder"],
        "save_folder": hparams["save_folder"],
        "cache_folder": hparams["cache_folder"],
        "sample_rate": hparams["sample_rate"],
        "use_unbalanced": hparams["use_unbalanced"],
        "audio_folder": hparams["audio_folder"],
        "skip_missing": hparams["skip_missing"],
        "skip_bad_clips": hparams["skip_bad_clips"],
        "audio_format": hparams["cache_format"],
        "num_workers": hparams["prepare_workers"],
    }
    run_on_main(prepare_audioset, kwargs=prepare_kwargs)
    files = prepare_audioset(**prepare_kwargs)
    labels = class_labels(files["labels"], hparams["num_classes"])
    datasets = dataio_prep(hparams, files, len(labels))
    if not run_opts.get("test_only"):  # null kd_teacher: no distillation
        hparams["distillation"] = make_distillation(
            hparams, labels, datasets["train"].data_ids
        )

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
        datasets["eval"],
        train_loader_kwargs=balanced_loader_options(
            hparams, files["train"], len(labels)
        ),
        valid_loader_kwargs=hparams["valid_dataloader_opts"],
    )
    brain.evaluate(
        datasets["eval"], test_loader_kwargs=hparams["test_dataloader_opts"]
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
