"""Strict loading: the one place where a checkpoint must fit exactly.

Every strict load of the package goes through :func:`load_strict`: any
missing, unexpected or misshapen key is a :class:`CheckpointMismatchError`
naming them all. The ``Pretrainer`` hooks :func:`load_module_strict` and
:func:`load_label_encoder_strict` are what the ``hyperparams.yaml`` of a
pretrained folder names (``speechbrain_passt.weights.strict.…``):
SpeechBrain's default transfer only warns on missing keys and skips a
missing label file.

Authors
 * speechbrain-passt developers 2026
"""

import os

from speechbrain_passt.weights.errors import CheckpointMismatchError
from speechbrain_passt.weights.state_dict import read_state_dict

__all__ = [
    "CheckpointMismatchError",
    "load_label_encoder_strict",
    "load_module_strict",
    "load_strict",
]


def load_strict(module, state_dict, what):
    """Load a state dict; any missing, unexpected or misshapen key is an error.

    Arguments
    ---------
    module : torch.nn.Module
        Module to load into.
    state_dict : dict
        Parameters to load.
    what : str
        Name of the module in error messages.

    Raises
    ------
    CheckpointMismatchError
        Naming every missing, unexpected and misshapen key.

    Example
    -------
    >>> import torch
    >>> layer = torch.nn.Linear(2, 3)
    >>> load_strict(layer, {"weight": torch.zeros(3, 2)}, "layer")
    Traceback (most recent call last):
    ...
    speechbrain_passt.weights.errors.CheckpointMismatchError: layer: missing keys: ['bias']
    """
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    misshapen = sorted(
        f"{key}: checkpoint {tuple(state_dict[key].shape)}, model "
        f"{tuple(expected[key].shape)}"
        for key in set(expected) & set(state_dict)
        if state_dict[key].shape != expected[key].shape
    )
    problems = []
    if missing:
        problems.append(f"missing keys: {missing}")
    if unexpected:
        problems.append(f"unexpected keys: {unexpected}")
    if misshapen:
        problems.append(f"shape mismatches: {misshapen}")
    if problems:
        raise CheckpointMismatchError(f"{what}: " + "; ".join(problems))
    module.load_state_dict(state_dict, strict=True)


def load_module_strict(module, path):
    """``Pretrainer`` hook: load a module's ``.ckpt`` strictly.

    SpeechBrain's default transfer only logs missing or unexpected keys; a
    converted PaSST must match exactly.

    Arguments
    ---------
    module : torch.nn.Module
        Module to load into.
    path : str or os.PathLike
        Its state dict file.

    Raises
    ------
    CheckpointMismatchError
        When the file does not fit ``module`` (see :func:`load_strict`) or
        cannot be read with ``weights_only=True``.

    Example
    -------
    >>> import torch
    >>> path = getfixture("tmpdir") / "layer.ckpt"
    >>> torch.save(torch.nn.Linear(2, 3).state_dict(), path)
    >>> load_module_strict(torch.nn.Linear(2, 3), path)
    """
    load_strict(module, read_state_dict(path), os.fspath(path))


def load_label_encoder_strict(label_encoder, path):
    """``Pretrainer`` hook: load a ``CategoricalEncoder``; a missing file is
    an error (SpeechBrain's default hook skips it silently).

    Arguments
    ---------
    label_encoder : speechbrain.dataio.encoder.CategoricalEncoder
        Encoder to fill.
    path : str or os.PathLike
        Its ``label_encoder.txt``.

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.

    Example
    -------
    >>> from speechbrain.dataio.encoder import CategoricalEncoder
    >>> load_label_encoder_strict(CategoricalEncoder(), "missing.txt")
    Traceback (most recent call last):
    ...
    FileNotFoundError: label encoder file not found: missing.txt
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"label encoder file not found: {path}")
    label_encoder.load(path)
