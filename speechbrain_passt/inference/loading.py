"""Checks of a pretrained folder as :class:`PaSSTClassifier` loads it.

:func:`local_folder` tells a local folder (used in place, offline) from a
hub id; :func:`check_parts` fails early on a folder whose parts do not fit
together; :func:`load_unhooked_strictly` makes sure every module's weights
were loaded strictly, once.

Authors
 * speechbrain-passt developers 2026
"""

import os
import pathlib

import torch

from speechbrain_passt.lobes.passt import PaSST
from speechbrain_passt.weights import load_module_strict


def local_folder(source, hparams_file="hyperparams.yaml"):
    """The absolute local folder ``source`` names, or None for a hub id.

    Arguments
    ---------
    source : str or os.PathLike or speechbrain.utils.fetching.FetchSource
        A pretrained folder or a hub id (``owner/name``).
    hparams_file : str, optional (default: "hyperparams.yaml")
        The yaml a local folder must hold.

    Returns
    -------
    pathlib.Path or None
        The resolved folder, or None when ``source`` is a hub id.

    Raises
    ------
    FileNotFoundError
        A path-like ``source`` that does not exist, or a folder without
        ``hparams_file``.
    NotADirectoryError
        ``source`` is a file.

    Example
    -------
    >>> local_folder("speechbrain/some-model") is None
    True
    >>> local_folder("./no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: pretrained folder not found: ./no/such/folder
    """
    if not isinstance(source, (str, os.PathLike)):
        return None  # e.g. a speechbrain FetchSource
    text = os.fspath(source)
    path = pathlib.Path(text).expanduser()
    if path.is_dir():
        folder = path.resolve()
        if not (folder / hparams_file).is_file():
            raise FileNotFoundError(
                f"{folder} is not a pretrained folder: {hparams_file} is "
                "missing"
            )
        return folder
    if path.exists():
        raise NotADirectoryError(
            f"{text} is a file; pass the pretrained folder that holds "
            "hyperparams.yaml"
        )
    # "owner/name" is a hub id; anything more path-like must exist here.
    looks_local = (
        text.startswith((".", "/", "~")) or text.count("/") > 1 or "\\" in text
    )
    if looks_local:
        raise FileNotFoundError(f"pretrained folder not found: {text}")
    return None


def check_parts(mods, hparams, audio_normalizer):
    """Fail early on a folder whose parts do not fit together.

    Arguments
    ---------
    mods : torch.nn.ModuleDict
        ``compute_features``, ``embedding_model`` and ``classifier``.
    hparams : types.SimpleNamespace
        The folder's hparams: ``label_encoder`` and optionally
        ``sample_rate``.
    audio_normalizer : speechbrain.dataio.preprocess.AudioNormalizer
        The folder's normaliser.

    Raises
    ------
    TypeError
        ``embedding_model`` is not a :class:`~speechbrain_passt.PaSST`.
    ValueError
        Sample rates, mel bins or label counts that disagree.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> from speechbrain.dataio.encoder import CategoricalEncoder
    >>> from speechbrain.dataio.preprocess import AudioNormalizer
    >>> from speechbrain_passt import PaSSTFbank, PaSSTHead
    >>> mods = torch.nn.ModuleDict(
    ...     {
    ...         "compute_features": PaSSTFbank(),
    ...         "embedding_model": PaSST(embed_dim=32, depth=1, num_heads=2),
    ...         "classifier": PaSSTHead(32, 3),
    ...     }
    ... )
    >>> labels = CategoricalEncoder()
    >>> labels.update_from_iterable(["a", "b"])
    >>> check_parts(
    ...     mods, SimpleNamespace(label_encoder=labels), AudioNormalizer(32000)
    ... )
    Traceback (most recent call last):
    ...
    ValueError: the label encoder has 2 labels but the head has 3 outputs ...
    """
    fbank = mods.compute_features
    encoder = mods.embedding_model
    if not isinstance(encoder, PaSST):
        raise TypeError(
            f"embedding_model must be a PaSST, got {type(encoder).__name__}"
        )
    rate = fbank.sample_rate
    normalizer_rate = getattr(audio_normalizer, "sample_rate", None)
    if normalizer_rate != rate:
        raise ValueError(
            f"audio_normalizer resamples to {normalizer_rate} Hz but the "
            f"front-end expects {rate} Hz; set audio_normalizer's "
            "sample_rate in hyperparams.yaml"
        )
    declared = getattr(hparams, "sample_rate", rate)
    if declared != rate:
        raise ValueError(
            f"hyperparams sample_rate={declared} but the front-end "
            f"expects {rate} Hz"
        )
    if fbank.n_mels != encoder.n_mels:
        raise ValueError(
            f"front-end gives {fbank.n_mels} mel bins, encoder expects "
            f"{encoder.n_mels}"
        )
    num_classes = mods.classifier.linear.out_features
    num_labels = len(hparams.label_encoder)
    if num_labels != num_classes:
        raise ValueError(
            f"the label encoder has {num_labels} labels but the head has "
            f"{num_classes} outputs (label_encoder.txt missing or from "
            "another model?)"
        )


def load_unhooked_strictly(pretrainer):
    """Strictly load the modules a ``Pretrainer`` loaded without the strict
    hook.

    Exported folders name :func:`~speechbrain_passt.weights.load_module_strict`
    as the hook of each module, so their weights were checked as they
    loaded and nothing happens here. A yaml without it got SpeechBrain's
    default transfer, which only logs missing keys (random weights would
    stay): such modules are loaded again through the strict hook.

    Arguments
    ---------
    pretrainer : speechbrain.utils.parameter_transfer.Pretrainer
        The folder's pretrainer, after ``collect_files`` (its ``paths`` are
        local files).

    Raises
    ------
    speechbrain_passt.weights.CheckpointMismatchError
        A file whose keys or shapes do not fit its module.

    Example
    -------
    >>> from speechbrain.utils.parameter_transfer import Pretrainer
    >>> path = getfixture("tmpdir") / "layer.ckpt"
    >>> torch.save({"weight": torch.zeros(3, 2)}, path)
    >>> pretrainer = Pretrainer(
    ...     loadables={"layer": torch.nn.Linear(2, 3)},
    ...     paths={"layer": str(path)},
    ... )
    >>> load_unhooked_strictly(pretrainer)
    Traceback (most recent call last):
    ...
    speechbrain_passt.weights...CheckpointMismatchError: ...missing keys: ['bias']
    """
    for name, module in pretrainer.loadables.items():
        if not isinstance(module, torch.nn.Module) or name not in (
            pretrainer.paths
        ):
            continue
        hook = pretrainer.custom_hooks.get(name)
        if getattr(hook, "func", hook) is not load_module_strict:
            load_module_strict(module, pretrainer.paths[name])
