"""Released PaSST checkpoints as pretrained folders, converted once.

:func:`convert_checkpoint` turns weights in the original layout (a released
checkpoint's name or file, an original state dict, a Lightning checkpoint)
into a SpeechBrain pretrained folder with its model card; ``passt-convert``
runs it. :func:`release_folder` gives the pretrained folder of a registry
name (``passt-s``, a hear21passt alias, an original file name): the release
file is downloaded once into torch hub's cache
(:func:`~speechbrain_passt.weights.registry.fetch_checkpoint`), converted
once into ``torch.hub.get_dir()/speechbrain_passt/<record name>/`` (written
in a temporary folder, then renamed: a crash leaves no half folder) and
reused offline. :data:`DEFAULT_CHECKPOINT` is the model ``passt-tag`` uses
without ``--model``: the paper's PaSST-S (SWA, mAP .476).

Authors
 * speechbrain-passt developers 2026
"""

import logging
import os
import shutil
import tempfile
from pathlib import Path

import torch

from speechbrain_passt.data.labels import (
    audioset_labels,
    placeholder_labels,
    read_labels,
)
from speechbrain_passt.weights import (
    export_pretrained_folder,
    load_original_checkpoint,
)
from speechbrain_passt.weights.model_card import write_model_card
from speechbrain_passt.weights.pretrained_folder import HPARAMS_FILE
from speechbrain_passt.weights.registry import (
    fetch_checkpoint,
    find_checkpoint,
    get_checkpoint,
)

logger = logging.getLogger(__name__)
AUDIOSET_CLASSES = 527
DEFAULT_CHECKPOINT = "passt_s_swa_p16_128_ap476"


def release_cache_dir():
    """Folder of the converted releases: torch hub's ``speechbrain_passt``.

    Returns
    -------
    pathlib.Path
        ``torch.hub.get_dir()/speechbrain_passt``.

    Example
    -------
    >>> release_cache_dir().name
    'speechbrain_passt'
    """
    return Path(torch.hub.get_dir()) / "speechbrain_passt"


def checkpoint_labels(labels_path, num_classes, info):
    """Class names of a converted head.

    Arguments
    ---------
    labels_path : str or os.PathLike or None
        A text file (one name per line) or a csv the package reads
        (:func:`~speechbrain_passt.data.labels.read_labels`).
    num_classes : int
        Outputs of the head.
    info : speechbrain_passt.weights.registry.CheckpointInfo or None
        The registry record, when known.

    Returns
    -------
    list of str
        The file's names; else the AudioSet list for 527 AudioSet classes;
        else ``class_0`` .. ``class_<N-1>`` (with a warning).

    Raises
    ------
    ValueError
        A file whose number of names differs from ``num_classes``.

    Example
    -------
    >>> checkpoint_labels(None, 527, None)[:2]
    ['Speech', 'Male speech, man speaking']
    """
    if labels_path is not None:
        labels = read_labels(labels_path)
        if len(labels) != num_classes:
            raise ValueError(
                f"{labels_path} has {len(labels)} labels but the head has "
                f"{num_classes} classes"
            )
        return labels
    audioset = info.label_set == "audioset" if info else None
    if num_classes == AUDIOSET_CLASSES and audioset is not False:
        return audioset_labels()
    logger.warning(
        "no labels for a head with %d classes: naming them class_0 .. class_%d",
        num_classes,
        num_classes - 1,
    )
    return placeholder_labels(num_classes)


def convert_checkpoint(
    source,
    out_dir,
    *,
    labels_path=None,
    multi_label=None,
    hop_length=None,
    lightning_prefix=None,
    **config,
):
    """Convert original-layout weights into a pretrained folder with a
    model card.

    Arguments
    ---------
    source : str or os.PathLike
        A released checkpoint's name, alias or file, or a file in the
        original or Lightning layout
        (:func:`~speechbrain_passt.weights.load_original_checkpoint`).
    out_dir : str or os.PathLike
        The folder to write.
    labels_path : str or os.PathLike, optional
        Class names (see :func:`checkpoint_labels`).
    multi_label : bool, optional
        Default: the registry's, else True.
    hop_length : int, optional
        Mel hop of training, in samples (default: the registry's, else
        the front-end's default).
    lightning_prefix : str, optional
        ``"net"`` or ``"net_swa"`` for Lightning checkpoints.
    **config
        :class:`~speechbrain_passt.PaSST` arguments (strides, ...).

    Returns
    -------
    pathlib.Path
        The written folder (``hyperparams.yaml``, weights, labels,
        ``README.md``).

    Example
    -------
    >>> folder = convert_checkpoint(
    ...     "tests/golden/small_s16.pt",
    ...     getfixture("tmpdir") / "small",
    ...     fstride=16,
    ...     tstride=16,
    ...     num_heads=4,
    ... )
    >>> sorted(path.name for path in folder.iterdir())[:2]
    ['README.md', 'classifier.ckpt']
    """
    info = find_checkpoint(source)
    encoder, head = load_original_checkpoint(
        source, lightning_prefix=lightning_prefix, **config
    )
    labels = checkpoint_labels(labels_path, head.num_classes, info)
    if multi_label is None:
        multi_label = info.multi_label if info is not None else True
    if hop_length is None and info is not None:
        hop_length = info.hop_length
    fbank_kwargs = {} if hop_length is None else {"hop_length": hop_length}
    folder = export_pretrained_folder(
        encoder,
        head,
        labels,
        out_dir,
        multi_label=multi_label,
        fbank_kwargs=fbank_kwargs,
    )
    write_model_card(folder, source, labels, multi_label, info)
    return folder


def release_folder(name, download=True, checkpoint_file=None):
    """The pretrained folder of a released checkpoint, converted once.

    Arguments
    ---------
    name : str
        A registry name, alias or original file name.
    download : bool, optional (default: True)
        Download a release file missing from torch hub's cache (one
        attempt, no retries); False: only use the cache.
    checkpoint_file : str or os.PathLike, optional
        The release file already downloaded elsewhere (used in place of
        the cache's).

    Returns
    -------
    pathlib.Path
        ``torch.hub.get_dir()/speechbrain_passt/<record name>``.

    Raises
    ------
    KeyError
        Not a registry name.
    speechbrain_passt.weights.CheckpointUnavailableError
        The file is neither cached nor downloadable; the message names the
        file, its URL and the folder to put it in.

    Example
    -------
    >>> hub = str(getfixture("tmpdir"))
    >>> getfixture("monkeypatch").setattr(torch.hub, "get_dir", lambda: hub)
    >>> release_folder("passt-s", download=False)
    Traceback (most recent call last):
    ...
    speechbrain_passt.weights.registry.CheckpointUnavailableError: ...
    """
    info = get_checkpoint(name)
    folder = release_cache_dir() / info.name
    if (folder / HPARAMS_FILE).is_file():
        return folder
    if checkpoint_file is None:
        checkpoint_file = fetch_checkpoint(info.name, download=download)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{info.name}-", dir=folder.parent)
    ).absolute()
    try:
        logger.info("converting %s into %s", checkpoint_file, folder)
        convert_checkpoint(checkpoint_file, staging)
        _name_final_folder(staging, folder)
        if folder.exists() and not (folder / HPARAMS_FILE).is_file():
            shutil.rmtree(folder)  # a folder left by something else
        try:
            os.rename(staging, folder)
        except OSError:
            if not (folder / HPARAMS_FILE).is_file():
                raise
            # Another process finished the same conversion first.
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _name_final_folder(staging, folder):
    """Point ``pretrained_path`` and the card's usage at the final folder."""
    for file_name in (HPARAMS_FILE, "README.md"):
        path = staging / file_name
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace(str(staging), str(folder)), encoding="utf-8"
        )
