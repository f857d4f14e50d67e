"""Checks of a pretrained folder as :class:`PaSSTClassifier` loads it.

:func:`local_folder` tells a local folder (used in place, offline) from a
released checkpoint's name (converted once into a cached folder,
:func:`~speechbrain_passt.inference.release.release_folder`) and from a hub
id, and reports a missing folder at once, without retries over the
network; :func:`expand_path` expands ``~`` and environment variables;
:func:`check_parts` fails early on a folder whose parts do not fit
together; :func:`load_unhooked_strictly` makes sure every module's weights
were loaded strictly, once.

Authors
 * speechbrain-passt developers 2026
"""

import os
import pathlib
import re

import torch

from speechbrain_passt.inference.release import release_folder
from speechbrain_passt.lobes.passt import PaSST
from speechbrain_passt.weights import load_module_strict
from speechbrain_passt.weights.registry import find_checkpoint


def expand_path(path):
    """Expand ``~`` and environment variables in a path argument.

    Arguments
    ---------
    path : str or os.PathLike
        A path as a user typed it (``~/models``, ``$DATA/a.wav``).

    Returns
    -------
    str
        The expanded path (unknown variables stay as they are).

    Example
    -------
    >>> getfixture("monkeypatch").setenv("AUDIO", "/data")
    >>> expand_path("$AUDIO/a.wav"), expand_path("${AUDIO}/b.wav")
    ('/data/a.wav', '/data/b.wav')
    """
    return os.path.expandvars(os.path.expanduser(os.fspath(path)))


HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def is_hub_id(text):
    """Whether ``text`` has the form of a hub id (``owner/name``).

    Arguments
    ---------
    text : str
        A model argument.

    Returns
    -------
    bool
        True for ``owner/name`` without ``..`` or a trailing ``.``.

    Example
    -------
    >>> is_hub_id("speechbrain/passt"), is_hub_id("./passt"), is_hub_id("a/b/c")
    (True, False, False)
    """
    return bool(HUB_ID.fullmatch(text)) and ".." not in text


def hub_model_status(repo_id, filename, savedir=None):
    """Whether a hub id can give ``filename``, with at most one request.

    A copy in ``savedir`` or in the hub cache answers without the network;
    otherwise one HEAD request without retries asks the hub (none when
    ``HF_HUB_OFFLINE`` is set).

    Arguments
    ---------
    repo_id : str
        ``owner/name``.
    filename : str
        The file the model needs (its ``hyperparams.yaml``).
    savedir : str or os.PathLike, optional
        Where SpeechBrain keeps the model's files.

    Returns
    -------
    str or None
        None when the model is available; else why not.

    Example
    -------
    >>> getfixture("monkeypatch").setenv("HF_HUB_OFFLINE", "1")
    >>> hub_model_status("nobody/nothing", "hyperparams.yaml")
    'it is not in the hub cache and HF_HUB_OFFLINE is set'
    """
    import huggingface_hub
    from huggingface_hub.errors import GatedRepoError

    if savedir is not None and (pathlib.Path(savedir) / filename).is_file():
        return None
    try:
        cached = huggingface_hub.try_to_load_from_cache(repo_id, filename)
    except Exception:  # e.g. a name the hub library rejects
        cached = None
    if isinstance(cached, str):
        return None
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return "it is not in the hub cache and HF_HUB_OFFLINE is set"
    try:
        found = huggingface_hub.file_exists(repo_id, filename)
    except GatedRepoError:
        return None  # SpeechBrain's download reports the access problem
    except Exception as error:
        return f"the hub could not be reached ({error_summary(error)})"
    if not found:
        return f"the hub has no model {repo_id} with {filename}"
    return None


def error_summary(error):
    """The first line of an error's message, or its type name.

    Arguments
    ---------
    error : BaseException
        The error.

    Returns
    -------
    str
        A short description.

    Example
    -------
    >>> error_summary(OSError("no route\\nmore"))
    'no route'
    """
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def local_folder(source, hparams_file="hyperparams.yaml", savedir=None):
    """The absolute local folder ``source`` names, or None for a hub id.

    ``~`` and environment variables are expanded. A path that exists is a
    local folder. A released checkpoint's name, alias or file name (or such
    a file) gives its pretrained folder in torch hub's cache, downloaded
    and converted on first use
    (:func:`~speechbrain_passt.inference.release.release_folder`). Another
    name that does not exist is a hub id only in the form ``owner/name``
    and only when the hub has it (at most one request, see
    :func:`hub_model_status`); anything else is reported at once, without
    network.

    Arguments
    ---------
    source : str or os.PathLike or speechbrain.utils.fetching.FetchSource
        A pretrained folder or a hub id (``owner/name``).
    hparams_file : str, optional (default: "hyperparams.yaml")
        The yaml a local folder must hold.
    savedir : str or os.PathLike, optional
        Where the files of a hub id are kept (a copy there counts).

    Returns
    -------
    pathlib.Path or None
        The resolved folder, or None for a hub id, a URL or a
        ``FetchSource``.

    Raises
    ------
    FileNotFoundError
        "no such folder": a ``source`` that does not exist and is no hub
        model, or a folder without ``hparams_file``.
    NotADirectoryError
        ``source`` is a file (not a released one).
    speechbrain_passt.weights.CheckpointUnavailableError
        A released checkpoint neither cached nor downloadable; the message
        names the file, its URL and the folder to put it in.

    Example
    -------
    >>> local_folder("./no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no such folder: ./no/such/folder (relative to ...)
    """
    if not isinstance(source, (str, os.PathLike)):
        return None  # e.g. a speechbrain FetchSource
    text = expand_path(source)
    if text.startswith(("http://", "https://")):
        return None
    path = pathlib.Path(text)
    if path.is_dir():
        folder = path.resolve()
        if not (folder / hparams_file).is_file():
            raise FileNotFoundError(
                f"{folder} is not a pretrained folder: {hparams_file} is "
                "missing"
            )
        return folder
    if path.exists():
        if find_checkpoint(text) is not None:
            # A release file downloaded by hand: convert it once.
            return release_folder(text, checkpoint_file=path)
        raise NotADirectoryError(
            f"{text} is a file; pass the pretrained folder that holds "
            f"{hparams_file}, or convert the checkpoint first "
            f"(passt-convert {text} DIR)"
        )
    if "/" not in text and os.sep not in text:  # a name, not a path
        checkpoint = find_checkpoint(text)
        if checkpoint is not None:
            return release_folder(checkpoint.name)
    missing = f"no such folder: {text} (relative to {os.getcwd()})"
    if is_hub_id(text):
        reason = hub_model_status(text, hparams_file, savedir)
        if reason is None:
            return None
        raise FileNotFoundError(f"{missing}; as a hub id: {reason}")
    raise FileNotFoundError(missing)


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
