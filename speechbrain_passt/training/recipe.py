"""Plumbing shared by the recipes' ``train.py`` scripts.

A recipe's ``train.py`` keeps only what is specific to its dataset (calling
its prepare script, its data pipelines, its final metrics); the steps every
recipe takes in the same way live here: parse the command line and load the
(variant) yaml, create the experiment folder, run the preparation once
under DDP, build datasets from the prepared manifests, train with
:class:`~speechbrain_passt.training.brain.PaSSTBrain`, test, export the
tested model as a pretrained folder, and write the results.

Authors
 * speechbrain-passt developers 2026
"""

import json
import logging
import os
import shutil
import tempfile

import speechbrain as sb
from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain.utils.distributed import if_main_process, run_on_main

from speechbrain_passt.preparation import read_label_file
from speechbrain_passt.training.brain import PaSSTBrain
from speechbrain_passt.training.hparams import load_hparams

logger = logging.getLogger(__name__)


def setup_experiment(argv, script=None):
    """Parse a recipe's command line, load its yaml, make its folder.

    The experiment folder receives the merged yaml (variant + base), so it
    holds every setting of the run, and a copy of the recipe's script.

    Arguments
    ---------
    argv : list of str
        ``hparams_file`` followed by SpeechBrain options and overrides.
    script : str, optional
        The recipe's ``train.py`` (``__file__``), copied to the folder.

    Returns
    -------
    hparams : dict
        The loaded hyperparameters.
    run_opts : dict
        SpeechBrain run options.

    Example
    -------
    >>> # (SpeechBrain's folder creation also sets up logging; skip it here.)
    >>> getfixture("monkeypatch").setattr(
    ...     sb,
    ...     "create_experiment_directory",
    ...     lambda experiment_directory, **kw: os.makedirs(
    ...         experiment_directory
    ...     ),
    ... )
    >>> tmp = getfixture("tmpdir")
    >>> _ = (tmp / "h.yaml").write_text(
    ...     "output_folder: out\\nlr: 1\\n", "utf-8"
    ... )
    >>> hparams, run_opts = setup_experiment(
    ...     [str(tmp / "h.yaml"), f"--output_folder={tmp / 'out'}", "--lr=2"]
    ... )
    >>> hparams["lr"], (tmp / "out").isdir()
    (2, True)
    """
    hparams_file, run_opts, overrides = sb.parse_arguments(argv)
    sb.utils.distributed.ddp_init_group(run_opts)
    hparams, text = load_hparams(hparams_file, overrides)
    with tempfile.TemporaryDirectory() as tmp:
        merged = os.path.join(tmp, os.path.basename(hparams_file))
        with open(merged, "w", encoding="utf-8") as fout:
            fout.write(text)
        sb.create_experiment_directory(
            experiment_directory=hparams["output_folder"],
            hyperparams_to_save=merged,
            overrides=overrides,
        )
    if if_main_process():
        # SpeechBrain copies the calling file, which is this module.
        out = hparams["output_folder"]
        copied = os.path.join(out, os.path.basename(__file__))
        if os.path.isfile(copied):
            os.remove(copied)
        if script is not None:
            shutil.copy(script, out)
    return hparams, run_opts


def prepare_once(prepare, **kwargs):
    """Run a prepare function on the main process, then read its result on
    every process (the second call finds the work done and returns at once).

    Arguments
    ---------
    prepare : callable
        A recipe's ``prepare_<dataset>`` function.
    **kwargs
        Its arguments.

    Returns
    -------
    dict
        What ``prepare`` returns (manifest paths, ``labels``, ``counts``).

    Example
    -------
    >>> calls = []
    >>> prepare_once(lambda **kw: calls.append(kw) or kw, a=1)
    {'a': 1}
    >>> len(calls)
    2
    """
    run_on_main(prepare, kwargs=kwargs)
    return prepare(**kwargs)


def read_labels_for(hparams, files):
    """The prepared class names, checked against the head's size.

    Arguments
    ---------
    hparams : dict
        Provides ``num_classes``.
    files : dict
        The prepare script's result (``labels``: a JSON list).

    Returns
    -------
    list of str
        Class names in head output order.

    Example
    -------
    >>> path = getfixture("tmpdir") / "labels.json"
    >>> _ = path.write_text('["dog", "cat"]', "utf-8")
    >>> read_labels_for({"num_classes": 2}, {"labels": path})
    ['dog', 'cat']
    >>> read_labels_for({"num_classes": 3}, {"labels": path})
    Traceback (most recent call last):
    ...
    ValueError: the data has 2 classes ... num_classes is 3; set --num_classes
    """
    labels = read_label_file(files["labels"])
    if len(labels) != hparams["num_classes"]:
        raise ValueError(
            f"the data has {len(labels)} classes ({files['labels']}) but "
            f"num_classes is {hparams['num_classes']}; set --num_classes"
        )
    return labels


def manifest_dataset(manifest, cache_folder, dynamic_items, output_keys):
    """A dataset over a prepared JSON manifest.

    Arguments
    ---------
    manifest : str or os.PathLike
        A manifest written by the recipe's prepare script.
    cache_folder : str or os.PathLike
        The resampled-audio cache (replaces ``{data_root}``).
    dynamic_items : list of callable
        Data pipelines (``takes`` / ``provides`` decorated).
    output_keys : list of str
        Keys of each item.

    Returns
    -------
    DynamicItemDataset
        The dataset.

    Example
    -------
    >>> path = getfixture("tmpdir") / "m.json"
    >>> _ = path.write_text('{"a": {"wav": "{data_root}/a.wav"}}', "utf-8")
    >>> data = manifest_dataset(path, "/cache", [], ["id", "wav"])
    >>> data[0]
    {'id': 'a', 'wav': '/cache/a.wav'}
    """
    return DynamicItemDataset.from_json(
        json_path=str(manifest),
        replacements={"data_root": str(cache_folder)},
        dynamic_items=dynamic_items,
        output_keys=output_keys,
    )


def make_brain(hparams, run_opts):
    """A :class:`PaSSTBrain` from a recipe's hyperparameters.

    Arguments
    ---------
    hparams : dict
        Provides ``modules``, ``opt_class``, ``checkpointer`` and the
        hyperparameters PaSSTBrain reads.
    run_opts : dict
        SpeechBrain run options.

    Returns
    -------
    PaSSTBrain
        The Brain (initial weights loaded).
    """
    return PaSSTBrain(
        modules=hparams["modules"],
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=hparams["checkpointer"],
    )


def fit(brain, hparams, train_data, valid_data, train_loader_kwargs=None):
    """Train with the recipe's loader options (skipped by ``--test_only``).

    Arguments
    ---------
    brain : PaSSTBrain
        The Brain.
    hparams : dict
        Provides ``epoch_counter``, ``train_dataloader_opts`` and
        ``valid_dataloader_opts``.
    train_data : Dataset
        Training set.
    valid_data : Dataset
        Validation set.
    train_loader_kwargs : dict, optional
        Replaces ``train_dataloader_opts`` (e.g. with a sampler).
    """
    brain.fit(
        hparams["epoch_counter"],
        train_data,
        valid_data,
        train_loader_kwargs=train_loader_kwargs
        or hparams["train_dataloader_opts"],
        valid_loader_kwargs=hparams["valid_dataloader_opts"],
    )


def evaluate_test(brain, hparams, test_data):
    """Evaluate the selected checkpoint on a test set.

    Arguments
    ---------
    brain : PaSSTBrain
        The trained Brain.
    hparams : dict
        Provides ``test_dataloader_opts``.
    test_data : Dataset
        Test set.

    Returns
    -------
    dict
        The test statistics (loss and the task's metrics).
    """
    brain.evaluate(
        test_data, test_loader_kwargs=hparams["test_dataloader_opts"]
    )
    return dict(brain.test_stats)


def log_test_stats(brain, hparams, stats):
    """Add test statistics computed outside the Brain to the train log.

    Arguments
    ---------
    brain : PaSSTBrain
        The Brain (its epoch counter says which epoch was loaded).
    hparams : dict
        Provides ``train_logger``.
    stats : dict
        Metric name -> float.
    """
    if not if_main_process():
        return
    counter = hparams.get("epoch_counter")
    hparams["train_logger"].log_stats(
        stats_meta={"Epoch loaded": counter.current if counter else None},
        test_stats=stats,
    )


def finish(brain, hparams, labels, results):
    """Export the tested model and write and print the results.

    With ``--test_only`` nothing was trained, so nothing is exported.

    Arguments
    ---------
    brain : PaSSTBrain
        The tested Brain.
    hparams : dict
        Provides ``export_folder`` and ``output_folder``.
    labels : list of str
        Class names in head output order.
    results : dict
        Test metrics (floats) to write to ``<output_folder>/results.json``.

    Returns
    -------
    dict
        ``results`` plus ``model`` (the exported folder, when trained).
    """
    if brain.test_only:
        # Nothing was trained: the evaluated weights came from `pretrained`.
        results = dict(results)
    else:
        run_on_main(
            brain.export_pretrained, args=[hparams["export_folder"], labels]
        )
        model = os.path.abspath(hparams["export_folder"])
        results = dict(results, model=model)
    if if_main_process():
        path = os.path.join(hparams["output_folder"], "results.json")
        with open(path, "w", encoding="utf-8") as fout:
            json.dump(results, fout, indent=1)
        for key, value in results.items():
            if isinstance(value, float):
                print(f"test {key}: {value:.4f}")
        if "model" in results:
            print(f"trained model: {results['model']}")
    return results
