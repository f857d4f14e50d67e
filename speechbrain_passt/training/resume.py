"""Resuming safely: checkpoints that a killed save left incomplete.

Authors
 * speechbrain-passt developers 2026
"""

import logging
import os
import zipfile

from speechbrain_passt.weights import load_pretrained_weights

logger = logging.getLogger(__name__)


def load_unless_resuming(checkpointer, encoder, head, source):
    """Initialise an encoder and head from pretrained weights, unless the
    run resumes from a checkpoint (whose weights replace them anyway).

    Arguments
    ---------
    checkpointer : speechbrain.utils.checkpoints.Checkpointer or None
        The run's checkpointer.
    encoder : PaSST
        The encoder (unwrapped).
    head : PaSSTHead
        The head (unwrapped).
    source : str, os.PathLike or None
        None or "" (nothing to load), or anything
        :func:`~speechbrain_passt.weights.load_pretrained_weights` accepts.

    Returns
    -------
    bool
        Whether weights were loaded.

    Example
    -------
    >>> load_unless_resuming(None, None, None, None)
    False
    """
    if source is None or source == "":
        return False
    if checkpointer is not None and checkpointer.find_checkpoint() is not None:
        logger.info(
            "Not loading %s: resuming from %s",
            source,
            checkpointer.checkpoints_dir,
        )
        return False
    load_pretrained_weights(encoder, head, source)
    logger.info("Initialised the encoder and head from %s", source)
    return True


def set_aside_incomplete_checkpoints(checkpointer):
    """Rename checkpoints that a killed save left incomplete.

    SpeechBrain writes ``CKPT.yaml`` before the parameter files, so a
    process killed while saving leaves a checkpoint that looks complete but
    misses files (or holds a truncated one), and resuming from it fails.
    Such folders get the prefix ``INCOMPLETE-`` (kept for inspection, no
    longer listed as checkpoints): the newest checkpoint when it misses a
    recoverable's file, any checkpoint with an empty or truncated file.

    Arguments
    ---------
    checkpointer : speechbrain.utils.checkpoints.Checkpointer
        The checkpointer, with all its recoverables registered.

    Returns
    -------
    list of pathlib.Path
        The folders set aside.

    Example
    -------
    >>> import torch
    >>> from speechbrain.utils.checkpoints import Checkpointer
    >>> layer = torch.nn.Linear(2, 2)
    >>> ckpt = Checkpointer(getfixture("tmpdir"), {"layer": layer})
    >>> saved = ckpt.save_checkpoint()
    >>> (saved.path / "layer.ckpt").unlink()
    >>> [p.name.split("+")[0] for p in set_aside_incomplete_checkpoints(ckpt)]
    ['INCOMPLETE-CKPT']
    >>> ckpt.list_checkpoints()
    []
    """
    set_aside = []
    checkpoints = sorted(
        checkpointer.list_checkpoints(), key=lambda c: c.meta["unixtime"]
    )
    for index, ckpt in enumerate(checkpoints):
        newest = index == len(checkpoints) - 1
        problem = _checkpoint_problem(ckpt, checkpointer.recoverables, newest)
        if problem is None:
            continue
        target = ckpt.path.with_name("INCOMPLETE-" + ckpt.path.name)
        os.replace(ckpt.path, target)
        logger.warning(
            "Set aside incomplete checkpoint %s (%s)", target, problem
        )
        set_aside.append(target)
    return set_aside


def _checkpoint_problem(ckpt, recoverables, newest):
    """Why a checkpoint is incomplete, or None. Files can only be missing
    from the newest checkpoint (older ones were complete when it was
    started); elsewhere a missing file is left for SpeechBrain to report.
    SpeechBrain tolerates missing data loader positions."""
    for name in recoverables:
        path = ckpt.paramfiles.get(name)
        if path is None or not path.is_file():
            if newest and "dataloader" not in name:
                return f"missing {name}.ckpt"
            continue
        if path.stat().st_size == 0:
            return f"empty {name}.ckpt"
        with open(path, "rb") as fin:
            is_zip = fin.read(2) == b"PK"
        if is_zip and not zipfile.is_zipfile(path):
            return f"truncated {name}.ckpt"
    return None
