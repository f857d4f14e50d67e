"""Reading PaSST state dicts and inferring the configuration they fit.

Sources read here:

* a released checkpoint's name, alias or file name (see
  :mod:`speechbrain_passt.weights.registry`), fetched into torch hub's cache
  (:func:`resolve_source`);
* a plain state dict (file or dict), a DeiT-style ``{"model": ...}`` dict, or a
  PyTorch Lightning checkpoint of the original training code
  (``{"state_dict": {"net.…": …, "net_swa.…": …}}``; ``lightning_prefix``
  picks the plain or the SWA-averaged network).

Files are read with ``torch.load(..., weights_only=True)``. The original
checkpoints hold the encoder's parameters (the same names as
:class:`PaSST`), ``head.0.*`` (the head's LayerNorm), ``head.1.*`` (its
Linear) and ``head_dist.*`` (a second Linear that is stored but never used):
:func:`split_state_dict` separates them. What the shapes cannot tell
(strides, number of heads) comes from the caller (strides default to 10) and
is checked against the positional encodings (:func:`infer_config`).

Authors
 * speechbrain-passt developers 2026
"""

import os

import torch

from speechbrain_passt.weights.errors import CheckpointMismatchError
from speechbrain_passt.weights.registry import (
    IMAGENET_NAMES,
    checkpoint_names,
    fetch_checkpoint,
    find_checkpoint,
)

__all__ = [
    "HEAD_KEYS",
    "infer_config",
    "num_blocks",
    "read_state_dict",
    "resolve_source",
    "shape_config",
    "split_state_dict",
]

HEAD_KEYS = {
    "head.0.weight": "norm.weight",
    "head.0.bias": "norm.bias",
    "head.1.weight": "linear.weight",
    "head.1.bias": "linear.bias",
}
UNUSED_PREFIXES = ("head_dist.",)
# Lengths of the time encodings of the released models (``input_tdim``);
# inferring max_frames prefers them over ``positions * tstride``.
KNOWN_MAX_FRAMES = (998, 2000, 3000, 3200)


def read_state_dict(source, lightning_prefix=None):
    """Read a state dict from a file (``weights_only=True``) or a dict.

    Unwraps DeiT-style ``{"model": ...}`` dicts, Lightning checkpoints
    (``{"state_dict": ...}``, keeping the keys under ``lightning_prefix``)
    and the ``module.`` prefix of DistributedDataParallel.

    Arguments
    ---------
    source : str, os.PathLike or dict
        A checkpoint file or an already loaded checkpoint.
    lightning_prefix : str, optional (default: None)
        Sub-module of a Lightning checkpoint to keep: ``"net"`` (the default
        for Lightning checkpoints) or ``"net_swa"`` (the SWA average). Giving
        it for a checkpoint that is not a Lightning one is an error.

    Returns
    -------
    dict
        Parameter name to tensor.

    Example
    -------
    >>> path = getfixture("tmpdir") / "w.pt"
    >>> torch.save({"a": torch.zeros(2)}, path)
    >>> read_state_dict(path)["a"].shape
    torch.Size([2])
    >>> lightning = {
    ...     "state_dict": {
    ...         "net.a": torch.ones(1),
    ...         "net_swa.a": 2 * torch.ones(1),
    ...     }
    ... }
    >>> read_state_dict(lightning, lightning_prefix="net_swa")
    {'a': tensor([2.])}
    """
    if isinstance(source, dict):
        what, state = "state dict", source
    else:
        what = os.fspath(source)
        if not os.path.isfile(what):
            raise FileNotFoundError(f"checkpoint file not found: {what}")
        try:
            state = torch.load(what, map_location="cpu", weights_only=True)
        except Exception as error:
            raise CheckpointMismatchError(
                f"could not read checkpoint {what} with weights_only=True "
                f"(truncated, corrupt, not a PyTorch file, or a Lightning "
                f"checkpoint holding arbitrary objects: if you trust it, "
                f"save torch.load(path, weights_only=False)['state_dict'] "
                f"and load that): {error}"
            ) from error
        if not isinstance(state, dict):
            raise CheckpointMismatchError(
                f"{what} holds a {type(state).__name__}, not a state dict"
            )
    return _unwrap(state, what, lightning_prefix)


def _unwrap(state, what, lightning_prefix):
    """Unwrap Lightning / ``{"model": ...}`` / DDP layouts; check tensors."""
    if isinstance(state.get("state_dict"), dict):
        prefix = (lightning_prefix or "net") + "."
        inner = state["state_dict"]
        state = {
            key[len(prefix) :]: value
            for key, value in inner.items()
            if key.startswith(prefix)
        }
        if not state:
            found = sorted({key.split(".")[0] for key in inner})
            raise CheckpointMismatchError(
                f"{what}: Lightning checkpoint without keys under "
                f"{prefix!r}; its top-level modules are {found}"
            )
    elif lightning_prefix is not None:
        raise CheckpointMismatchError(
            f"{what}: lightning_prefix={lightning_prefix!r} given, but this is "
            "not a Lightning checkpoint (no 'state_dict' entry)"
        )
    elif isinstance(state.get("model"), dict):
        state = state["model"]
    if state and all(key.startswith("module.") for key in state):
        state = {key[len("module.") :]: value for key, value in state.items()}
    bad = [key for key, value in state.items() if not torch.is_tensor(value)]
    if bad:
        raise CheckpointMismatchError(
            f"{what}: entries that are not tensors: {sorted(bad)[:10]}"
        )
    return state


def resolve_source(source):
    """Find the file of a source and its registry record.

    Arguments
    ---------
    source : str, os.PathLike or dict
        A file (a released file name is recognised), a released
        checkpoint's name or alias (fetched into the cache), or a dict.

    Returns
    -------
    source : str, pathlib.Path or dict
        What :func:`read_state_dict` reads.
    info : speechbrain_passt.weights.registry.CheckpointInfo or None
        The registry record, when known.

    Example
    -------
    >>> resolve_source({})
    ({}, None)
    >>> resolve_source("no/such/file.pt")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no/such/file.pt: no such file, nor the name of ...
    """
    if isinstance(source, dict):
        return source, None
    path = os.fspath(source)
    if os.path.exists(path):
        return path, find_checkpoint(path)
    if os.sep not in path and "/" not in path:
        info = find_checkpoint(path)
        if info is not None:
            return fetch_checkpoint(info.name), info
    raise FileNotFoundError(
        f"{path}: no such file, nor the name of a released checkpoint "
        f"({', '.join(checkpoint_names())}) or of ImageNet DeiT "
        f"({', '.join(IMAGENET_NAMES)})"
    )


def num_blocks(state_dict):
    """Number of transformer blocks (``blocks.N.*`` keys) of a state dict.

    Arguments
    ---------
    state_dict : dict
        An encoder state dict (PaSST, original or DeiT layout).

    Returns
    -------
    int
        One more than the highest block index (0 without blocks).

    Example
    -------
    >>> num_blocks({"blocks.0.w": 0, "blocks.2.w": 0, "norm.w": 0})
    3
    """
    return 1 + max(
        (
            int(key.split(".")[1])
            for key in state_dict
            if key.startswith("blocks.")
        ),
        default=-1,
    )


def shape_config(state_dict):
    """What the shapes of an encoder state dict (PaSST or DeiT) tell.

    Arguments
    ---------
    state_dict : dict
        Encoder parameters (``cls_token``, ``patch_embed.proj.weight``,
        ``blocks.N.*``).

    Returns
    -------
    dict
        :class:`PaSST` arguments: ``patch_size``, ``embed_dim``, ``depth``,
        ``num_heads`` (``embed_dim // 64``), ``mlp_ratio``, ``qkv_bias``.

    Example
    -------
    >>> from speechbrain_passt import PaSST
    >>> encoder = PaSST(embed_dim=32, depth=2, num_heads=2)
    >>> config = shape_config(encoder.state_dict())
    >>> config["embed_dim"], config["depth"], config["mlp_ratio"]
    (32, 2, 4.0)
    """
    embed_dim = state_dict["cls_token"].shape[-1]
    fc1 = state_dict.get("blocks.0.mlp.fc1.weight")
    return dict(
        patch_size=state_dict["patch_embed.proj.weight"].shape[-1],
        embed_dim=embed_dim,
        depth=num_blocks(state_dict),
        num_heads=max(embed_dim // 64, 1),
        mlp_ratio=fc1.shape[0] / embed_dim if fc1 is not None else 4.0,
        qkv_bias="blocks.0.attn.qkv.bias" in state_dict,
    )


def infer_config(state_dict, **config):
    """Infer the :class:`PaSST` / :class:`PaSSTHead` configuration.

    Widths, depth, grid sizes and class count come from the shapes; the
    strides default to 10 and ``num_heads`` to ``embed_dim // 64``;
    ``max_frames`` is the released models' time-encoding length that fits
    (998, 2000, 3000 or 3200 frames), else ``positions * tstride``. The given
    ``config`` overrides the defaults and is checked against the shapes
    (strides, ``max_frames``, ``depth``, ``embed_dim``); ``num_classes`` may
    differ from the checkpoint's (head replacement).

    Arguments
    ---------
    state_dict : dict
        State dict in the original layout.
    **config
        Keyword arguments of :class:`PaSST`, plus ``num_classes``.

    Returns
    -------
    dict
        Keyword arguments for :class:`PaSST` with ``num_classes`` added
        (when known).

    Example
    -------
    >>> from speechbrain_passt import PaSST
    >>> encoder = PaSST(
    ...     embed_dim=32, depth=1, num_heads=2, fstride=16, tstride=16
    ... )
    >>> config = infer_config(encoder.state_dict(), fstride=16, num_heads=2)
    >>> config["depth"], config["max_frames"], config["fstride"]
    (1, 998, 16)
    >>> infer_config(encoder.state_dict(), fstride=10)
    Traceback (most recent call last):
    ...
    speechbrain_passt.weights.errors.CheckpointMismatchError: the checkpoint's frequency encoding has 8 positions but fstride=10 with n_mels=128 gives 12; strides that fit: [15, 16]
    """
    _require(state_dict, ("cls_token", "freq_new_pos_embed"))
    _require(state_dict, ("time_new_pos_embed", "patch_embed.proj.weight"))
    n_freq = state_dict["freq_new_pos_embed"].shape[2]
    n_time = state_dict["time_new_pos_embed"].shape[-1]
    result = dict(
        n_mels=128,
        fstride=10,
        tstride=config.get("fstride", 10),
        in_channels=state_dict["patch_embed.proj.weight"].shape[1],
        **shape_config(state_dict),
    )
    if "head.1.weight" in state_dict:
        result["num_classes"] = state_dict["head.1.weight"].shape[0]
    for key in ("depth", "embed_dim"):
        if key in config and config[key] != result[key]:
            raise CheckpointMismatchError(
                f"the checkpoint has {key}={result[key]}, expected "
                f"{config[key]}"
            )
    result.update(config)
    if "max_frames" not in config:
        fitting = [
            frames
            for frames in KNOWN_MAX_FRAMES
            if frames // result["tstride"] == n_time
        ]
        result["max_frames"] = (
            fitting[0] if fitting else n_time * result["tstride"]
        )
    _check_grid(result, n_freq, n_time)
    return result


def _check_grid(config, n_freq, n_time):
    """Check the strides and frames against the positional encodings."""
    n_mels, fstride = config["n_mels"], config["fstride"]
    expected_f = n_mels // fstride
    if expected_f != n_freq:
        fitting = [s for s in range(1, 33) if n_mels // s == n_freq]
        raise CheckpointMismatchError(
            f"the checkpoint's frequency encoding has {n_freq} positions but "
            f"fstride={fstride} with n_mels={n_mels} gives {expected_f}; "
            f"strides that fit: {fitting}"
        )
    expected_t = config["max_frames"] // config["tstride"]
    if expected_t != n_time:
        raise CheckpointMismatchError(
            f"the checkpoint's time encoding has {n_time} positions but "
            f"max_frames={config['max_frames']} with tstride="
            f"{config['tstride']} gives {expected_t}; the checkpoint fits "
            f"max_frames in [{n_time * config['tstride']}, "
            f"{(n_time + 1) * config['tstride'] - 1}]"
        )


def split_state_dict(state_dict):
    """Split an original state dict into encoder and head state dicts.

    Arguments
    ---------
    state_dict : dict
        State dict in the original layout.

    Returns
    -------
    encoder_state : dict
        Keys of :class:`PaSST`.
    head_state : dict
        Keys of :class:`PaSSTHead` (``norm.*``, ``linear.*``).

    Example
    -------
    >>> encoder_state, head_state = split_state_dict(
    ...     {"norm.bias": torch.zeros(2), "head.0.bias": torch.zeros(2)}
    ... )
    >>> list(encoder_state), list(head_state)
    (['norm.bias'], ['norm.bias'])
    """
    encoder_state, head_state = {}, {}
    for key, value in state_dict.items():
        if key in HEAD_KEYS:
            head_state[HEAD_KEYS[key]] = value
        elif not key.startswith(UNUSED_PREFIXES):
            encoder_state[key] = value
    return encoder_state, head_state


def _require(state_dict, keys):
    """Raise when ``state_dict`` lacks any of ``keys`` (original layout)."""
    missing = [key for key in keys if key not in state_dict]
    if missing:
        raise CheckpointMismatchError(
            f"not a PaSST checkpoint in the original layout: missing {missing}"
        )
