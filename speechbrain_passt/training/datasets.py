"""Datasets over the manifests that the recipes' prepare scripts write.

Each split is a SpeechBrain ``DynamicItemDataset`` over a JSON manifest
(``{data_root}`` replaced by the 32 kHz cache folder) with the clip read by
a :class:`~speechbrain_passt.training.dataio.ClipLoader` (``sig``) and the
targets made by a label pipeline.

Authors
 * speechbrain-passt developers 2026
"""

import copy

from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain.utils.data_pipeline import provides, takes

from speechbrain_passt.data.labels import placeholder_labels, read_labels
from speechbrain_passt.training.dataio import ClipLoader, multi_hot, one_hot


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
        ``crop="random"``, ``clip_seconds=None`` for whole clips, or
        ``skip_bad=True`` for a training loader that skips unreadable
        clips, with ``collate_skipping_bad_clips`` as the collate
        function).

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
        """One-hot / multi-hot target of the manifest's class ids."""
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
        """One-hot / multi-hot target of the manifest's class ids."""
        return multi_hot(class_ids, num_classes)

    return target_pipeline


def clip_datasets(cache_folder, files, loaders, label_pipeline, label_keys):
    """One dataset per split over its prepared manifest, with the clip
    (``sig``) read by the split's loader and the labels of
    ``label_pipeline``.

    Arguments
    ---------
    cache_folder : str or os.PathLike
        The 32 kHz audio cache (``{data_root}`` of the manifests).
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
    ...     str(tmp),
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
            """The split's clip, read by its loader."""
            return loader(wav)

        datasets[split] = manifest_dataset(
            files[split],
            cache_folder,
            # A generator pipeline holds its running generator: one per
            # dataset.
            [audio_pipeline, copy.copy(label_pipeline)],
            ["id", "sig", *label_keys],
        )
    return datasets


def class_labels(labels_file, num_classes, pad=False):
    """The prepared class names, checked against the head's size.

    Arguments
    ---------
    labels_file : str or os.PathLike
        The label list written by the prepare script (``labels.json``).
    num_classes : int
        The head's number of classes (``num_classes`` of the yaml).
    pad : bool, optional (default: False)
        Accept fewer names than the head has classes and name the missing
        ones ``class_<index>`` (ESC-50's metadata names only the targets up
        to the highest one it uses).

    Returns
    -------
    list of str
        Class names in head output order.

    Raises
    ------
    ValueError
        The data has more classes than the head (or fewer, without
        ``pad``).

    Example
    -------
    >>> path = getfixture("tmpdir") / "labels.json"
    >>> _ = path.write_text('["dog", "cat"]', "utf-8")
    >>> class_labels(path, 2)
    ['dog', 'cat']
    >>> class_labels(path, 3)
    Traceback (most recent call last):
    ...
    ValueError: the data has 2 classes ... num_classes is 3; set --num_classes
    >>> class_labels(path, 3, pad=True)
    ['dog', 'cat', 'class_2']
    """
    labels = read_labels(labels_file)
    if len(labels) > num_classes or (len(labels) < num_classes and not pad):
        raise ValueError(
            f"the data has {len(labels)} classes ({labels_file}) but "
            f"num_classes is {num_classes}; set --num_classes"
        )
    return labels + placeholder_labels(num_classes)[len(labels) :]
