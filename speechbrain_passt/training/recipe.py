"""Plumbing shared by the recipes' ``train.py`` scripts.

A recipe's ``train.py`` keeps only what is specific to its dataset (calling
its prepare script, its data pipelines, its final metrics); the steps every
recipe takes in the same way live here: parse the command line and load the
(variant) yaml, create the experiment folder, run the preparation once
under DDP, build datasets from the prepared manifests, train with
:class:`~speechbrain_passt.training.brain.PaSSTBrain`, test, export the
tested model as a pretrained folder, and write the results. A recipe that
runs several experiments from one command line (ESC-50's folds) reloads
its yaml per run with :func:`reload_hparams`.

Authors
 * speechbrain-passt developers 2026
"""

import copy
import json
import logging
import os
import shutil
import tempfile

import ruamel.yaml
import speechbrain as sb
from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain.utils.data_pipeline import provides, takes
from speechbrain.utils.distributed import if_main_process, run_on_main

from speechbrain_passt.data.labels import placeholder_labels, read_labels
from speechbrain_passt.training.brain import PaSSTBrain
from speechbrain_passt.training.dataio import ClipLoader, multi_hot, one_hot
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


def reload_hparams(argv, **changes):
    """Load a recipe's yaml again with some command-line overrides changed.

    For recipes that run several experiments from one command line (one
    per ESC-50 fold): each run gets its own folders through the yaml's
    ``!ref`` s.

    Arguments
    ---------
    argv : list of str
        The command line given to :func:`setup_experiment`.
    **changes
        Overrides replacing (or adding to) those of ``argv``.

    Returns
    -------
    dict
        The loaded hyperparameters.

    Example
    -------
    >>> path = getfixture("tmpdir") / "h.yaml"
    >>> _ = path.write_text("fold: 1\\nout: !ref f<fold>\\nlr: 1\\n", "utf-8")
    >>> hparams = reload_hparams([str(path), "--lr=2", "--fold=1"], fold=3)
    >>> hparams["out"], hparams["lr"]
    ('f3', 2)
    """
    hparams_file, _, overrides = sb.parse_arguments(argv)
    if isinstance(overrides, str):  # sb.parse_arguments gives YAML text
        overrides = ruamel.yaml.YAML().load(overrides)
    hparams, _ = load_hparams(hparams_file, dict(overrides or {}, **changes))
    return hparams


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


def prepare_dataset_once(prepare, hparams, **options):
    """Run a recipe's prepare function once with the settings every recipe
    passes from its yaml (see :func:`prepare_once`).

    Arguments
    ---------
    prepare : callable
        A recipe's ``prepare_<dataset>`` function.
    hparams : dict
        Provides ``data_folder``, ``save_folder``, ``cache_folder``,
        ``sample_rate`` and ``skip_bad_clips``.
    **options
        The dataset's own arguments of ``prepare``.

    Returns
    -------
    dict
        What ``prepare`` returns (manifest paths, ``labels``, ``counts``).

    Example
    -------
    >>> keys = [
    ...     "data_folder",
    ...     "save_folder",
    ...     "cache_folder",
    ...     "sample_rate",
    ...     "skip_bad_clips",
    ... ]
    >>> files = prepare_dataset_once(
    ...     lambda **kw: kw, dict.fromkeys(keys, 0), fold=2
    ... )
    >>> sorted(files)[:2], files["fold"]
    (['cache_folder', 'data_folder'], 2)
    """
    return prepare_once(
        prepare,
        data_folder=hparams["data_folder"],
        save_folder=hparams["save_folder"],
        cache_folder=hparams["cache_folder"],
        sample_rate=hparams["sample_rate"],
        skip_bad_clips=hparams["skip_bad_clips"],
        **options,
    )


def read_labels_for(hparams, files, pad=False):
    """The prepared class names, checked against the head's size.

    Arguments
    ---------
    hparams : dict
        Provides ``num_classes``.
    files : dict
        The prepare script's result (``labels``: a JSON list).
    pad : bool, optional (default: False)
        Accept fewer names than the head has classes and name the missing
        ones ``class_<index>`` (ESC-50's metadata names only the targets up
        to the highest one it uses).

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
    >>> read_labels_for({"num_classes": 3}, {"labels": path}, pad=True)
    ['dog', 'cat', 'class_2']
    """
    labels = read_labels(files["labels"])
    num_classes = hparams["num_classes"]
    if len(labels) > num_classes or (len(labels) < num_classes and not pad):
        raise ValueError(
            f"the data has {len(labels)} classes ({files['labels']}) but "
            f"num_classes is {num_classes}; set --num_classes"
        )
    return labels + placeholder_labels(num_classes)[len(labels) :]


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


def clip_loader(hparams, augment=False, **options):
    """A :class:`ClipLoader` at the recipe's sample rate and clip length.

    Arguments
    ---------
    hparams : dict
        Provides ``sample_rate``, ``clip_seconds`` and, with ``augment``,
        ``gain_db`` and ``roll_samples``.
    augment : bool, optional (default: False)
        Apply the training augmentations (random gain and roll).
    **options
        Other :class:`ClipLoader` arguments, overriding the above (e.g.
        ``crop="random"``, or ``clip_seconds=None`` for whole clips).

    Returns
    -------
    ClipLoader
        The loader.

    Example
    -------
    >>> hparams = {"sample_rate": 16000, "clip_seconds": 2.0}
    >>> hparams.update(gain_db=7, roll_samples=50)
    >>> loader = clip_loader(hparams, augment=True)
    >>> loader.num_samples, loader.gain_db, loader.roll_samples
    (32000, 7, 50)
    >>> clip_loader(hparams, clip_seconds=None).num_samples is None
    True
    """
    kwargs = {"clip_seconds": hparams["clip_seconds"]}
    if augment:
        kwargs["gain_db"] = hparams["gain_db"]
        kwargs["roll_samples"] = hparams["roll_samples"]
    kwargs.update(options)
    return ClipLoader(hparams["sample_rate"], **kwargs)


def single_label_target(num_classes):
    """A pipeline making a one-hot ``target`` of the manifest's
    ``class_id``.

    Arguments
    ---------
    num_classes : int
        Number of classes.

    Returns
    -------
    DynamicItem
        ``class_id -> target``.

    Example
    -------
    >>> single_label_target(3)(1)
    tensor([0., 1., 0.])
    """

    @takes("class_id")
    @provides("target")
    def target_pipeline(class_id):
        return one_hot(class_id, num_classes)

    return target_pipeline


def multi_label_target(num_classes):
    """A pipeline making a multi-hot ``target`` of the manifest's
    ``class_ids``.

    Arguments
    ---------
    num_classes : int
        Number of classes.

    Returns
    -------
    DynamicItem
        ``class_ids -> target``.

    Example
    -------
    >>> multi_label_target(3)([0, 2])
    tensor([1., 0., 1.])
    """

    @takes("class_ids")
    @provides("target")
    def target_pipeline(class_ids):
        return multi_hot(class_ids, num_classes)

    return target_pipeline


def clip_datasets(hparams, files, loaders, label_pipeline, label_keys):
    """One dataset per split over its prepared manifest, with the clip
    (``sig``) read by the split's loader and the labels of
    ``label_pipeline``.

    Arguments
    ---------
    hparams : dict
        Provides ``cache_folder``.
    files : dict
        The prepare script's result (``split -> manifest``).
    loaders : dict
        ``split -> ClipLoader`` (see :func:`clip_loader`).
    label_pipeline : DynamicItem
        Makes the labels from the manifest's fields (``takes`` /
        ``provides`` decorated; each split gets its own copy).
    label_keys : list of str
        Output keys after ``id`` and ``sig`` (e.g. ``["target"]``).

    Returns
    -------
    dict
        ``split -> DynamicItemDataset``.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> import torch
    >>> from speechbrain.dataio import audio_io
    >>> audio_io.save(str(tmp / "a.wav"), torch.zeros(1, 800), 8000)
    >>> _ = (tmp / "m.json").write_text(
    ...     '{"a": {"wav": "{data_root}/a.wav", "class_id": 1}}', "utf-8"
    ... )
    >>> datasets = clip_datasets(
    ...     {"cache_folder": str(tmp)},
    ...     {"test": tmp / "m.json"},
    ...     {"test": ClipLoader(16000, 0.5)},
    ...     single_label_target(2),
    ...     ["target"],
    ... )
    >>> item = datasets["test"][0]
    >>> item["sig"].shape, item["target"]
    (torch.Size([8000]), tensor([0., 1.]))
    """
    datasets = {}
    for split, loader in loaders.items():

        @takes("wav")
        @provides("sig")
        def audio_pipeline(wav, loader=loader):
            return loader(wav)

        datasets[split] = manifest_dataset(
            files[split],
            hparams["cache_folder"],
            # A generator pipeline holds its running generator: one per
            # dataset.
            [audio_pipeline, copy.copy(label_pipeline)],
            ["id", "sig", *label_keys],
        )
    return datasets


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


def fit(
    brain,
    hparams,
    train_data,
    valid_data,
    train_loader_kwargs=None,
    valid_loader_kwargs=None,
):
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
    valid_loader_kwargs : dict, optional
        Replaces ``valid_dataloader_opts``.
    """
    if valid_loader_kwargs is None:
        valid_loader_kwargs = hparams["valid_dataloader_opts"]
    brain.fit(
        hparams["epoch_counter"],
        train_data,
        valid_data,
        train_loader_kwargs=train_loader_kwargs
        or hparams["train_dataloader_opts"],
        valid_loader_kwargs=valid_loader_kwargs,
    )


def train_brain(hparams, run_opts, train_data, valid_data, **loader_kwargs):
    """Make the recipe's :class:`PaSSTBrain` and :func:`fit` it.

    Arguments
    ---------
    hparams : dict
        See :func:`make_brain` and :func:`fit`.
    run_opts : dict
        SpeechBrain run options.
    train_data : Dataset
        Training set.
    valid_data : Dataset
        Validation set.
    **loader_kwargs
        ``train_loader_kwargs`` / ``valid_loader_kwargs`` of :func:`fit`.

    Returns
    -------
    PaSSTBrain
        The trained Brain.
    """
    brain = make_brain(hparams, run_opts)
    fit(brain, hparams, train_data, valid_data, **loader_kwargs)
    return brain


def evaluate_test(brain, hparams, test_data, progressbar=None):
    """Evaluate the selected checkpoint on a test set.

    Arguments
    ---------
    brain : PaSSTBrain
        The trained Brain.
    hparams : dict
        Provides ``test_dataloader_opts``.
    test_data : Dataset
        Test set.
    progressbar : bool, optional
        Show a progress bar (default: unless ``--noprogressbar``).

    Returns
    -------
    dict
        The test statistics (loss and the task's metrics).
    """
    brain.evaluate(
        test_data,
        progressbar=progressbar,
        test_loader_kwargs=hparams["test_dataloader_opts"],
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


def export_model(brain, hparams, labels):
    """Export the Brain's model as a pretrained folder (main process).

    Arguments
    ---------
    brain : PaSSTBrain
        The tested Brain.
    hparams : dict
        Provides ``export_folder``.
    labels : list of str
        Class names in head output order.

    Returns
    -------
    str
        The exported folder (absolute path).
    """
    run_on_main(
        brain.export_pretrained, args=[hparams["export_folder"], labels]
    )
    return os.path.abspath(hparams["export_folder"])


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
        results = dict(results, model=export_model(brain, hparams, labels))
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
