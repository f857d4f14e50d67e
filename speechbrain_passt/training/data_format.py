"""The recipes' ``data_format`` switch: clips read from files or shards.

``files`` (the default) reads each clip from the prepared cache folder.
``shards`` packs the cache once into indexed WebDataset tar shards
(:func:`~speechbrain_passt.data.shards.write_shards`, on the main process)
and gives the loaders a
:class:`~speechbrain_passt.data.shard_reader.ShardReader`. Either way the
datasets are built over the same manifests, so their items, labels, index
order, sampler, DDP split and metrics are the same; only where a clip's
bytes come from differs. A recipe's ``dataio_prep`` calls::

    root, loaders = prepare_audio_source(hparams, files, loaders)
    return clip_datasets(root, files, loaders, ...)

Authors
 * speechbrain-passt developers 2026
"""

import copy

from speechbrain.utils.distributed import run_on_main

from speechbrain_passt.data.shard_reader import ShardReader
from speechbrain_passt.data.shards import write_shards

DATA_FORMATS = ("files", "shards")
CLIPS_PER_SHARD = 1000


def prepare_audio_source(hparams, files, loaders):
    """The folder that stands for the manifests' ``{data_root}`` and the
    loaders that read from it, for the yaml's ``data_format``.

    Arguments
    ---------
    hparams : dict
        Provides ``cache_folder``, ``data_format`` (``files`` or
        ``shards``) and, for shards, ``shard_folder``, ``clips_per_shard``
        and ``prepare_workers`` (processes writing shards).
    files : dict
        The prepare script's result (``split -> manifest``).
    loaders : dict
        ``split -> ClipLoader``; the shards hold the clips of these
        splits' manifests.

    Returns
    -------
    root : str
        The cache folder (files) or the shard folder (shards).
    loaders : dict
        ``loaders`` (files), or copies reading from the shards.

    Raises
    ------
    ValueError
        An unknown ``data_format``.

    Example
    -------
    >>> import json, soundfile, numpy
    >>> from speechbrain_passt.training.dataio import ClipLoader
    >>> tmp = getfixture("tmp_path")
    >>> (tmp / "cache" / "e").mkdir(parents=True)
    >>> soundfile.write(tmp / "cache/e/Ya.flac", numpy.ones(80), 8000)
    >>> entries = {"a": {"wav": "{data_root}/e/Ya.flac"}}
    >>> _ = (tmp / "eval.json").write_text(json.dumps(entries))
    >>> hparams = {"cache_folder": str(tmp / "cache"), "data_format": "shards"}
    >>> hparams.update(shard_folder=str(tmp / "sh"), clips_per_shard=1000)
    >>> hparams["prepare_workers"] = 0
    >>> root, loaders = prepare_audio_source(
    ...     hparams, {"eval": tmp / "eval.json"}, {"eval": ClipLoader(8000)}
    ... )
    >>> loaders["eval"](f"{root}/e/Ya.flac").shape
    torch.Size([80])
    """
    data_format = hparams["data_format"]
    if data_format not in DATA_FORMATS:
        raise ValueError(
            f"data_format must be one of {DATA_FORMATS}, got {data_format!r}"
        )
    if data_format == "files":
        return str(hparams["cache_folder"]), loaders
    kwargs = {
        "manifests": {split: files[split] for split in loaders},
        "cache_folder": hparams["cache_folder"],
        "shard_folder": hparams["shard_folder"],
        "clips_per_shard": hparams["clips_per_shard"],
        "num_workers": hparams["prepare_workers"],
    }
    run_on_main(write_shards, kwargs=kwargs)
    reader = ShardReader(hparams["shard_folder"])
    shard_loaders = {}
    for split, loader in loaders.items():
        shard_loaders[split] = copy.copy(loader)
        shard_loaders[split].reader = reader
    return str(hparams["shard_folder"]), shard_loaders
