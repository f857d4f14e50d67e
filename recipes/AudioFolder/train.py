#!/usr/bin/env python3
"""Fine-tune PaSST on your own labelled audio.

The data folder holds class folders (``<class>/<file>``, optionally under
``train/``, ``valid/`` and ``test/``) or a ``metadata.csv`` with
``file_name`` and ``label`` columns, as Hugging Face's ``audiofolder``
loader reads them (see README.md). The number of classes and whether the
task is single-label (cross-entropy, accuracy) or multi-label (BCE, mAP)
come from the data; missing splits are drawn from the training clips.

Trains on random 10 s crops, validates every epoch on the first 10 s of the
validation clips, keeps the checkpoint with the best validation score,
tests it on whole test clips (longer ones in windows, as the exported model
tags them) and exports it as a pretrained folder for ``passt-tag``.

> python recipes/AudioFolder/train.py hparams/audiofolder/passt_s.yaml \\
      --data_folder /data/my_sounds

Authors
 * speechbrain-passt developers 2026
"""

import os
import sys
import warnings

import speechbrain as sb
from audiofolder_prepare import prepare_audiofolder
from hyperpyyaml import load_hyperpyyaml
from speechbrain.utils.distributed import if_main_process, run_on_main

from speechbrain_passt.data.labels import read_labels
from speechbrain_passt.training import ClipMetrics, PaSSTBrain
from speechbrain_passt.training.datasets import (
    class_labels,
    clip_datasets,
    clip_loader,
    multi_label_target,
    single_label_target,
)
from speechbrain_passt.training.evaluation import predict_dataset
from speechbrain_passt.training.export import export_trained_model
from speechbrain_passt.training.hparams_loading import (
    load_recipe_hparams,
    overrides_dict,
)
from speechbrain_passt.training.plots import write_recipe_figures
from speechbrain_passt.training.results import brain_results, write_results

DATA_HELP = (
    "your labelled audio: one subfolder per class (optionally under train/ "
    "valid/ test/) or a metadata.csv with file_name and label columns (see "
    "recipes/AudioFolder/README.md)"
)


def load_hparams(hparams_file, overrides, data=None):
    """Load the yaml, with the command-line overrides and, once the data is
    prepared, the class count and target kind it gives.

    Arguments
    ---------
    hparams_file : str
        The recipe's yaml.
    overrides : str
        The command-line overrides (YAML text from ``sb.parse_arguments``).
    data : dict, optional
        ``num_classes`` and ``target_kind`` of the prepared data.

    Returns
    -------
    dict
        The hyperparameters.
    """
    overrides = overrides_dict(overrides)
    overrides.update(data or {})
    with warnings.catch_warnings():
        # num_classes: 0 builds an empty head until the data is read.
        warnings.filterwarnings("ignore", "Initializing zero-element")
        with open(hparams_file, encoding="utf-8") as fin:
            return load_hyperpyyaml(fin, overrides)


def dataio_prep(hparams, files):
    """Datasets of the train, valid and test splits.

    Arguments
    ---------
    hparams : dict
        Loaded hyperparameters (with the data's ``num_classes`` and
        ``target_kind``).
    files : dict
        Manifests written by ``prepare_audiofolder``.

    Returns
    -------
    dict
        ``train`` (random crops, augmented), ``valid`` and ``test_crop``
        (first ``clip_seconds``) and ``test`` (whole clips)
        DynamicItemDatasets with ``sig`` and ``target``.
    """
    files = dict(files, test_crop=files["test"])
    loaders = {
        "train": clip_loader(
            hparams, augment=True, crop="random", skip_bad=True
        ),
        "valid": clip_loader(hparams),
        "test_crop": clip_loader(hparams),
        "test": clip_loader(hparams, clip_seconds=None),
    }
    if hparams["target_kind"] == "single_label":
        target = single_label_target(hparams["num_classes"])
    else:
        target = multi_label_target(hparams["num_classes"])
    return clip_datasets(
        hparams["cache_folder"], files, loaders, target, ["target"]
    )


def evaluate_whole_clips(brain, hparams, data):
    """Accuracy (single-label) or mAP (multi-label) of the selected
    checkpoint on whole clips, for the live model and the SWA average.

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
        ``accuracy``, or ``mAP``, ``roc_auc`` and ``mAP_classes``, of the
        live model, and the same keys prefixed ``swa_`` when the SWA
        average holds weights.
    """
    brain.on_evaluate_start()  # loads the best-validation checkpoint
    results = {}
    for prefix, (encoder, head) in brain.evaluated_models().items():
        out = predict_dataset(
            encoder,
            head,
            brain.modules.compute_features,
            data,
            keys=["target"],
            batch_size=hparams["whole_clip_batch_size"],
            device=brain.device,
        )
        metrics = ClipMetrics(brain.target_kind)
        metrics.append(out["logits"], out["target"])
        for key, value in metrics.summarize().items():
            results[prefix + key] = value
    return results


if __name__ == "__main__":
    hparams_file, run_opts, overrides = sb.parse_arguments(sys.argv[1:])
    sb.utils.distributed.ddp_init_group(run_opts)
    # One line and exit 2 when --data_folder is not given or not a folder.
    hparams = load_recipe_hparams(
        hparams_file, overrides, DATA_HELP, loader=load_hparams
    )
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
        "valid_ratio": hparams["valid_ratio"],
        "test_ratio": hparams["test_ratio"],
        "split_seed": hparams["split_seed"],
        "target_kind": hparams["target_kind"],
        "skip_bad_clips": hparams["skip_bad_clips"],
        "num_workers": hparams["prepare_workers"],
    }
    run_on_main(prepare_audiofolder, kwargs=prepare_kwargs)
    files = prepare_audiofolder(**prepare_kwargs)

    # The head's size and the loss follow the data: load the yaml again
    # with them (num_classes: 0 and target_kind: auto mean "from the data").
    data = {
        "num_classes": len(read_labels(files["labels"])),
        "target_kind": files["target_kind"],
    }
    if hparams["num_classes"] not in (0, data["num_classes"]):
        raise ValueError(
            f"num_classes is {hparams['num_classes']} but the data has "
            f"{data['num_classes']} classes ({files['labels']}); use 0"
        )
    if any(hparams[key] != value for key, value in data.items()):
        hparams = load_hparams(hparams_file, overrides, data)
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
        datasets["valid"],
        train_loader_kwargs=hparams["train_dataloader_opts"],
        valid_loader_kwargs=hparams["valid_dataloader_opts"],
    )

    # The selected checkpoint on the test clips' first clip_seconds, then on
    # whole clips (the reported numbers).
    brain.evaluate(
        datasets["test_crop"],
        test_loader_kwargs=hparams["test_dataloader_opts"],
    )
    results = {
        k if k == "exported_model" else "crop_" + k: v
        for k, v in brain_results(brain).items()
    }
    run_on_main(
        write_recipe_figures,
        args=[brain, hparams["train_log"], hparams["output_folder"], labels],
    )
    if if_main_process():
        results.update(evaluate_whole_clips(brain, hparams, datasets["test"]))
        hparams["train_logger"].log_stats(
            stats_meta={"Epoch loaded": hparams["epoch_counter"].current},
            test_stats={k: v for k, v in results.items() if "crop" not in k},
        )
    run_on_main(
        export_trained_model,
        args=[brain, hparams["export_folder"], labels],
    )
    results.update(data, model=os.path.abspath(hparams["export_folder"]))
    write_results(results, hparams["output_folder"])
