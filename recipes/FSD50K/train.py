#!/usr/bin/env python3
"""Fine-tune PaSST on FSD50K (sound event tagging, 200 classes).

Trains on random 10 s crops of the dev ``train`` split, validates every
epoch on a 10 s crop of the dev ``val`` clips, keeps the checkpoint with
the best validation mAP, and reports that checkpoint's mAP on the ``eval``
split twice, for the live model and the SWA average (``swa_`` keys):

* ``mAP``: whole clips (this recipe's headline number). A clip longer than
  the encoder's time encoding is cut into windows of exactly that length
  every half window (the last one ending at the clip's end) and its logits
  are the mean of its windows' logits;
* ``crop10s_mAP``: one 10 s crop per clip, the original's protocol
  (``fsd50k/dataset.py`` of kkoutini/PaSST), comparable with Table 2.
  ``eval_crop`` picks the crop of validation and this evaluation: ``start``
  (the first 10 s, deterministic) or ``random`` (a random 10 s, as the
  original).

> python recipes/FSD50K/train.py hparams/fsd50k/passt_s.yaml \\
      --data_folder /data/FSD50K

Authors
 * speechbrain-passt developers 2026
"""

import os
import sys

import speechbrain as sb
import torch
from fsd50k_prepare import prepare_fsd50k
from speechbrain.utils.distributed import if_main_process, run_on_main

from speechbrain_passt.training import (
    PaSSTBrain,
    mean_average_precision,
    mean_roc_auc,
)
from speechbrain_passt.training.datasets import (
    class_labels,
    clip_datasets,
    clip_loader,
    multi_label_target,
)
from speechbrain_passt.training.evaluation import predict_dataset
from speechbrain_passt.training.export import export_trained_model
from speechbrain_passt.training.hparams_loading import load_recipe_hparams
from speechbrain_passt.training.plots import write_recipe_figures
from speechbrain_passt.training.results import write_results

DATA_HELP = (
    "the folder of your FSD50K download (see recipes/FSD50K/README.md for "
    "the download steps)"
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
        ``train`` (random 10 s crops, augmented), ``valid`` and
        ``eval_10s`` (10 s crops, ``eval_crop``) and ``eval`` (whole clips)
        DynamicItemDatasets with ``sig`` and ``target``.
    """
    files = dict(files, eval_10s=files["eval"])
    loaders = {
        "train": clip_loader(
            hparams, augment=True, crop="random", skip_bad=True
        ),
        "valid": clip_loader(hparams, crop=hparams["eval_crop"]),
        "eval_10s": clip_loader(hparams, crop=hparams["eval_crop"]),
        "eval": clip_loader(hparams, clip_seconds=None),
    }
    return clip_datasets(
        hparams["cache_folder"],
        files,
        loaders,
        multi_label_target(hparams["num_classes"]),
        ["target"],
    )


def evaluate_whole_clips(brain, hparams, data):
    """mAP of the selected checkpoint on whole clips, for the live model
    and the SWA average.

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
        ``mAP``, ``mAP_classes``, ``roc_auc`` and ``roc_auc_classes`` of
        the live model, and the same keys prefixed ``swa_`` when the SWA
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
        scores = torch.sigmoid(out["logits"])
        mean_ap, ap_classes = mean_average_precision(scores, out["target"])
        auc, auc_classes = mean_roc_auc(scores, out["target"])
        results[prefix + "mAP"] = mean_ap
        results[prefix + "mAP_classes"] = float(ap_classes)
        results[prefix + "roc_auc"] = auc
        results[prefix + "roc_auc_classes"] = float(auc_classes)
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
    run_on_main(prepare_fsd50k, kwargs=prepare_kwargs)
    files = prepare_fsd50k(**prepare_kwargs)
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
    # The selected checkpoint on a 10 s crop of the eval set (the original's
    # protocol), then on whole clips (the reported mAP).
    brain.evaluate(
        datasets["eval_10s"], test_loader_kwargs=hparams["test_dataloader_opts"]
    )
    results = {"crop10s_" + k: v for k, v in brain.test_stats.items()}
    results["exported_model"] = brain.exported_model
    if if_main_process():
        whole = evaluate_whole_clips(brain, hparams, datasets["eval"])
        hparams["train_logger"].log_stats(
            stats_meta={"Epoch loaded": hparams["epoch_counter"].current},
            test_stats=whole,
        )
        results.update(whole)
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
