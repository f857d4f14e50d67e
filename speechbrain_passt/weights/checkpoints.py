"""Loading PaSST weights: released checkpoints, ImageNet DeiT, PaSST-L.

The original checkpoints are plain state dicts of the whole network: the
encoder's parameters (the same names as :class:`PaSST`), ``head.0.*`` (the
head's LayerNorm), ``head.1.*`` (its Linear) and ``head_dist.*`` (a second
Linear that is stored but never used). Sources accepted everywhere here:

* a released checkpoint's name, alias or file name (see
  :mod:`speechbrain_passt.weights.registry`), fetched into torch hub's cache;
* a plain state dict (file or dict), a DeiT-style ``{"model": ...}`` dict, or a
  PyTorch Lightning checkpoint of the original training code
  (``{"state_dict": {"net.…": …, "net_swa.…": …}}``; ``lightning_prefix``
  picks the plain or the SWA-averaged network);
* ImageNet DeiT-B distilled weights (timm's or the DeiT release layout, or
  the names ``"imagenet"`` / ``"deit_base_distilled_patch16_384"``), adapted
  as in :mod:`speechbrain_passt.weights.imagenet`.

The configuration comes from the registry (by name or file name) or from the
tensor shapes; what shapes cannot tell (strides, number of heads) comes from
the caller (strides default to 10) and is checked against the positional
encodings. Files are read with ``torch.load(..., weights_only=True)``.

Authors
 * speechbrain-passt developers 2026
"""

import copy
import logging
import os

import torch

from speechbrain_passt.lobes.passt import PaSST, PaSSTHead
from speechbrain_passt.weights.imagenet import (
    DEIT_FILENAME,
    DEIT_NAME,
    DEIT_URL,
    adapt_imagenet_state_dict,
    is_imagenet_state_dict,
)
from speechbrain_passt.weights.pretrained_folder import (
    encoder_config,
    export_pretrained_folder,
)
from speechbrain_passt.weights.registry import (
    IMAGENET_NAMES,
    CheckpointUnavailableError,
    cache_dir,
    checkpoint_names,
    fetch_checkpoint,
    find_checkpoint,
)

__all__ = [
    "CheckpointMismatchError",
    "CheckpointUnavailableError",
    "PASST_L_BLOCKS",
    "encoder_config",
    "every_other_block",
    "export_pretrained_folder",
    "infer_config",
    "load_imagenet_deit",
    "load_original_checkpoint",
    "load_pretrained_weights",
    "load_strict",
    "read_state_dict",
    "reduce_depth",
    "resolve_source",
    "split_state_dict",
]

logger = logging.getLogger(__name__)

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
# PaSST-L: the first block, every other block from the second, the last.
PASST_L_BLOCKS = (0, 1, 3, 5, 7, 9, 11)


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the requested model configuration."""


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


def _is_imagenet_name(source):
    return isinstance(source, str) and source.strip().lower() in IMAGENET_NAMES


def _num_blocks(state_dict):
    return 1 + max(
        (
            int(key.split(".")[1])
            for key in state_dict
            if key.startswith("blocks.")
        ),
        default=-1,
    )


def _shape_config(state_dict):
    """What the shapes of an encoder state dict (PaSST or DeiT) tell."""
    embed_dim = state_dict["cls_token"].shape[-1]
    fc1 = state_dict.get("blocks.0.mlp.fc1.weight")
    return dict(
        patch_size=state_dict["patch_embed.proj.weight"].shape[-1],
        embed_dim=embed_dim,
        depth=_num_blocks(state_dict),
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
    >>> encoder = PaSST(
    ...     embed_dim=32, depth=1, num_heads=2, fstride=16, tstride=16
    ... )
    >>> config = infer_config(encoder.state_dict(), fstride=16, num_heads=2)
    >>> config["depth"], config["max_frames"], config["fstride"]
    (1, 998, 16)
    >>> infer_config(encoder.state_dict(), fstride=10)
    Traceback (most recent call last):
    ...
    speechbrain_passt.weights.checkpoints.CheckpointMismatchError: the checkpoint's frequency encoding has 8 positions but fstride=10 with n_mels=128 gives 12; strides that fit: [15, 16]
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
        **_shape_config(state_dict),
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

    Example
    -------
    >>> layer = torch.nn.Linear(2, 3)
    >>> load_strict(layer, {"weight": torch.zeros(3, 2)}, "layer")
    Traceback (most recent call last):
    ...
    speechbrain_passt.weights.checkpoints.CheckpointMismatchError: layer: missing keys: ['bias']
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

    Example
    -------
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


def every_other_block(depth):
    """Blocks kept when removing every other block (PaSST-L).

    Keeps the first block, then every other block starting at the second,
    and always the last one: for 12 blocks ``(0, 1, 3, 5, 7, 9, 11)`` (7
    blocks, :data:`PASST_L_BLOCKS`). This is the original code's
    ``lighten_model(cut_depth=-2)``; the original does not record which
    selection made its released PaSST-L (``cut_depth=5``, keeping blocks 0
    and 6 to 11, also gives 7), so this package documents its choice: the
    paper's "every other block" with both ends kept.

    Arguments
    ---------
    depth : int
        Blocks of the source model.

    Returns
    -------
    tuple of int
        Kept block indices, ascending.

    Example
    -------
    >>> every_other_block(12)
    (0, 1, 3, 5, 7, 9, 11)
    >>> every_other_block(4)
    (0, 1, 3)
    """
    if depth < 2:
        return tuple(range(depth))
    return (0, *range(1, depth - 1, 2), depth - 1)


def reduce_depth(state_dict_or_encoder, keep=PASST_L_BLOCKS):
    """Keep a subset of the transformer blocks, re-indexed from 0.

    Works on encoder state dicts (PaSST, original checkpoint or ImageNet
    DeiT layout: every key but ``blocks.N.*`` is kept) and on encoders.

    Arguments
    ---------
    state_dict_or_encoder : dict or PaSST
        The source; not modified.
    keep : sequence of int, optional (default: PASST_L_BLOCKS)
        Indices of the blocks to keep, ascending; the default makes PaSST-L
        (7 blocks) from a 12-block model, see :func:`every_other_block`.

    Returns
    -------
    dict or PaSST
        A new state dict (``blocks.0`` .. ``blocks.{len(keep) - 1}``) or a
        new encoder holding copies of the kept blocks (their stochastic
        depth rates stay those of the source positions).

    Example
    -------
    >>> state = {f"blocks.{i}.w": torch.tensor([i]) for i in range(12)}
    >>> small = reduce_depth(state)
    >>> [int(small[f"blocks.{i}.w"]) for i in range(7)]
    [0, 1, 3, 5, 7, 9, 11]
    >>> encoder = PaSST(embed_dim=32, depth=4, num_heads=2)
    >>> len(reduce_depth(encoder, keep=every_other_block(4)).blocks)
    3
    """
    keep = tuple(int(index) for index in keep)
    is_dict = isinstance(state_dict_or_encoder, dict)
    if is_dict:
        depth = _num_blocks(state_dict_or_encoder)
    else:
        depth = len(state_dict_or_encoder.blocks)
    if (
        not keep
        or list(keep) != sorted(set(keep))
        or keep[0] < 0
        or keep[-1] >= depth
    ):
        raise ValueError(
            f"keep={keep} must be distinct ascending block indices in "
            f"[0, {depth - 1}] (the source has {depth} blocks)"
        )
    if not is_dict:
        encoder = copy.deepcopy(state_dict_or_encoder)
        encoder.blocks = torch.nn.Sequential(
            *(encoder.blocks[index] for index in keep)
        )
        return encoder
    position = {old: new for new, old in enumerate(keep)}
    reduced = {}
    for key, value in state_dict_or_encoder.items():
        if not key.startswith("blocks."):
            reduced[key] = value
            continue
        _, index, rest = key.split(".", 2)
        if int(index) in position:
            reduced[f"blocks.{position[int(index)]}.{rest}"] = value
    return reduced


def _match_depth(state_dict, depth, keep_blocks, what):
    """Reduce ``state_dict`` to ``depth`` blocks when asked or unambiguous."""
    source_depth = _num_blocks(state_dict)
    if keep_blocks is not None:
        return reduce_depth(state_dict, keep_blocks)
    if depth is None or depth == source_depth:
        return state_dict
    keep = every_other_block(source_depth)
    if len(keep) != depth:
        raise CheckpointMismatchError(
            f"{what} has {source_depth} blocks but {depth} are expected; "
            "pass keep_blocks to choose which to keep"
        )
    logger.info(
        "%s: keeping blocks %s of %d (every other block)",
        what,
        keep,
        source_depth,
    )
    return reduce_depth(state_dict, keep)


def read_imagenet_state_dict(source=None):
    """ImageNet DeiT-B distilled (384 px) weights, in the DeiT layout.

    Arguments
    ---------
    source : str, os.PathLike, dict or None, optional
        A local file (timm's state dict or the DeiT release's
        ``{"model": ...}``) or dict. None or one of the names ``"imagenet"``,
        ``"deit_base_distilled_patch16_384"``, ``"passt_deit_bd_p16_384"``:
        the DeiT release file in torch hub's cache if present, else timm's
        pretrained weights (downloaded by timm: needs the network once).

    Returns
    -------
    dict
        The state dict (``pos_embed``, ``cls_token``, ``dist_token``, ...).

    Example
    -------
    >>> deit = {"model": {"pos_embed": torch.zeros(1, 6, 8)}}
    >>> list(read_imagenet_state_dict(deit))
    ['pos_embed']
    """
    if source is None or _is_imagenet_name(source):
        cached = cache_dir() / DEIT_FILENAME
        if cached.is_file():
            return read_imagenet_state_dict(cached)
        import timm

        try:
            model = timm.create_model(DEIT_NAME, pretrained=True)
        except Exception as error:
            raise CheckpointUnavailableError(
                f"could not fetch the ImageNet weights of {DEIT_NAME} through "
                f"timm ({error}); offline, download {DEIT_URL} and place it "
                f"in {cache_dir()} (file {DEIT_FILENAME}), or pass a local "
                "file"
            ) from error
        return model.state_dict()
    state = read_state_dict(source)
    if not is_imagenet_state_dict(state):
        raise CheckpointMismatchError(
            f"{source if not isinstance(source, dict) else 'state dict'} is "
            "not an ImageNet ViT/DeiT state dict (no 'pos_embed')"
        )
    return state


def load_imagenet_deit(
    source=None, *, num_classes=527, keep_blocks=None, **config
):
    """Build a PaSST from ImageNet DeiT-B distilled weights, as the paper.

    See :mod:`speechbrain_passt.weights.imagenet` for the adaptation. Any strides,
    time-encoding length and (with fewer blocks) depth can be built.

    Arguments
    ---------
    source : str, os.PathLike, dict or None, optional
        See :func:`read_imagenet_state_dict` (None: cache, then timm's hub).
    num_classes : int, optional (default: 527)
        Classes of the new, freshly initialised head.
    keep_blocks : sequence of int, optional
        Blocks to keep (see :func:`reduce_depth`). By default all; with a
        smaller ``depth`` in ``config``, :func:`every_other_block` when it
        gives that depth (12 -> 7: PaSST-L).
    **config
        :class:`PaSST` arguments (``fstride``, ``tstride``, ``max_frames``,
        ``depth``, Patchout, dropout, ...); widths come from the weights.

    Returns
    -------
    encoder : PaSST
        The adapted encoder, in eval mode.
    head : PaSSTHead
        A new head, in eval mode.

    Example
    -------
    >>> deit = {
    ...     "cls_token": torch.rand(1, 1, 32),
    ...     "dist_token": torch.rand(1, 1, 32),
    ...     "pos_embed": torch.rand(1, 2 + 4, 32),
    ...     "patch_embed.proj.weight": torch.rand(32, 3, 16, 16),
    ...     "patch_embed.proj.bias": torch.rand(32),
    ...     "norm.weight": torch.rand(32),
    ...     "norm.bias": torch.rand(32),
    ... }
    >>> deit.update(
    ...     PaSST(embed_dim=32, depth=2, num_heads=2).blocks.state_dict(
    ...         prefix="blocks."
    ...     )
    ... )
    >>> encoder, head = load_imagenet_deit(
    ...     deit, num_heads=2, fstride=16, tstride=16
    ... )
    >>> encoder.grid_size, len(encoder.blocks), head.num_classes
    ((8, 62), 2, 527)
    """
    state = read_imagenet_state_dict(source)
    state = _match_depth(
        state, config.get("depth"), keep_blocks, "the ImageNet model"
    )
    built = _shape_config(state)
    built.update(config)
    encoder = PaSST(**built)
    adapted = adapt_imagenet_state_dict(
        state, encoder.grid_size, encoder.patch_embed.proj.in_channels
    )
    load_strict(encoder, adapted, "encoder (from ImageNet DeiT)")
    head = PaSSTHead(encoder.embed_dim, num_classes)
    return encoder.eval(), head.eval()


def load_original_checkpoint(source, *, lightning_prefix=None, **config):
    """Build an encoder and a head from released or original-layout weights.

    Arguments
    ---------
    source : str, os.PathLike or dict
        A released checkpoint's name or alias (fetched into torch hub's
        cache; offline, the error names the file to place and where), a file
        or dict in the original layout, a ``{"model": ...}`` dict, a
        Lightning checkpoint of the original training code, or ImageNet DeiT
        weights (then as :func:`load_imagenet_deit`).
    lightning_prefix : str, optional
        For Lightning checkpoints: ``"net"`` (default) or ``"net_swa"``.
    **config
        :class:`PaSST` arguments (``fstride``, ``tstride``, ``num_heads``,
        ``max_frames``, Patchout, dropout, ...) and ``num_classes``. The
        registry supplies the released checkpoints' values (also for a file
        with a released name); shape-derived values are inferred; strides
        default to 10 and are checked against the positional encodings.
        A ``num_classes`` other than the checkpoint's keeps the head's
        LayerNorm and re-initialises its Linear, as the original fine-tuning.

    Returns
    -------
    encoder : PaSST
        The encoder, in eval mode.
    head : PaSSTHead
        The classifier head, in eval mode.

    Example
    -------
    >>> path = "tests/golden/small_s16.pt"
    >>> encoder, head = load_original_checkpoint(
    ...     path, fstride=16, tstride=16, num_heads=4
    ... )
    >>> encoder.grid_size, head.num_classes
    ((8, 62), 7)
    """
    if _is_imagenet_name(source):
        return load_imagenet_deit(source, **config)
    path, info = resolve_source(source)
    state_dict = read_state_dict(path, lightning_prefix)
    if is_imagenet_state_dict(state_dict):
        return load_imagenet_deit(state_dict, **config)
    what = "state dict" if isinstance(path, dict) else os.fspath(path)
    if info is not None:
        config = {**info.model_config(), **config}
        what = f"{what} ({info.name})"
    try:
        config = infer_config(state_dict, **config)
    except CheckpointMismatchError as error:
        raise CheckpointMismatchError(f"{what}: {error}") from error
    num_classes = config.pop("num_classes", None)
    if num_classes is None:
        raise CheckpointMismatchError(
            f"{what} has no head (head.1.weight); pass num_classes"
        )
    encoder_state, head_state = split_state_dict(state_dict)
    encoder = PaSST(**config)
    load_strict(encoder, encoder_state, "encoder")
    head = PaSSTHead(config["embed_dim"], num_classes)
    _load_head(head, head_state)
    return encoder.eval(), head.eval()


def _require(state_dict, keys):
    missing = [key for key in keys if key not in state_dict]
    if missing:
        raise CheckpointMismatchError(
            f"not a PaSST checkpoint in the original layout: missing {missing}"
        )


def _load_head(head, head_state):
    """LayerNorm strictly when present; Linear only when the shapes match."""
    norm_state = _sub_state(head_state, "norm.")
    if norm_state:
        load_strict(head.norm, norm_state, "head LayerNorm")
    linear_state = _sub_state(head_state, "linear.")
    weight = linear_state.get("weight")
    if weight is not None and weight.shape == head.linear.weight.shape:
        load_strict(head.linear, linear_state, "head Linear")
        return True
    head.reset_classifier()
    return False


def _sub_state(state, prefix):
    return {
        key[len(prefix) :]: value
        for key, value in state.items()
        if key.startswith(prefix)
    }


def load_pretrained_weights(
    encoder, head, source, *, lightning_prefix=None, keep_blocks=None
):
    """Initialise an existing encoder and head from pretrained weights.

    What the training recipes call with their ``pretrained`` value. The
    encoder must match the weights exactly (strict), except that a deeper
    source is reduced to the encoder's depth (``keep_blocks``, by default
    :func:`every_other_block` when that gives the encoder's depth). The
    head's LayerNorm is loaded when the source has one; its Linear only when
    the number of classes matches, otherwise it is re-initialised, as the
    original fine-tuning does. ImageNet weights are adapted to the encoder's
    grid; its head starts fresh.

    Arguments
    ---------
    encoder : PaSST
        Encoder to load into.
    head : PaSSTHead or None
        Head to load into (skipped when None).
    source : str, os.PathLike or dict
        A SpeechBrain pretrained folder (``embedding_model.ckpt`` and
        ``classifier.ckpt``), or anything :func:`load_original_checkpoint`
        takes (released name, file, dict, Lightning checkpoint, ImageNet).
    lightning_prefix : str, optional
        For Lightning checkpoints: ``"net"`` (default) or ``"net_swa"``.
    keep_blocks : sequence of int, optional
        Blocks of a deeper source to keep (see :func:`reduce_depth`).

    Returns
    -------
    bool
        Whether the head's Linear was loaded (False: re-initialised).

    Example
    -------
    >>> encoder = PaSST(
    ...     fstride=16, tstride=16, embed_dim=96, depth=3, num_heads=4
    ... )
    >>> head = PaSSTHead(96, 5)
    >>> load_pretrained_weights(encoder, head, "tests/golden/small_s16.pt")
    False
    """
    depth = len(encoder.blocks)
    if _is_imagenet_name(source):
        state = read_imagenet_state_dict(source)
        return _load_imagenet_into(encoder, head, state, keep_blocks)
    if not isinstance(source, dict) and os.path.isdir(os.fspath(source)):
        folder = os.fspath(source)
        encoder_state = read_state_dict(
            os.path.join(folder, "embedding_model.ckpt")
        )
        head_path = os.path.join(folder, "classifier.ckpt")
        head_state = read_state_dict(head_path) if head is not None else {}
        what = folder
    else:
        path, info = resolve_source(source)
        state = read_state_dict(path, lightning_prefix)
        if is_imagenet_state_dict(state):
            return _load_imagenet_into(encoder, head, state, keep_blocks)
        what = "state dict" if isinstance(path, dict) else os.fspath(path)
        strides = (encoder.fstride, encoder.tstride)
        if info is not None and strides != (info.fstride, info.tstride):
            raise CheckpointMismatchError(
                f"{what} ({info.name}) was trained with strides "
                f"{(info.fstride, info.tstride)}, the encoder has {strides}"
            )
        encoder_state, head_state = split_state_dict(state)
    encoder_state = _match_depth(encoder_state, depth, keep_blocks, what)
    load_strict(encoder, encoder_state, f"encoder from {what}")
    if head is None:
        return False
    return _load_head(head, head_state)


def _load_imagenet_into(encoder, head, state, keep_blocks):
    state = _match_depth(
        state, len(encoder.blocks), keep_blocks, "the ImageNet model"
    )
    adapted = adapt_imagenet_state_dict(
        state, encoder.grid_size, encoder.patch_embed.proj.in_channels
    )
    load_strict(encoder, adapted, "encoder (from ImageNet DeiT)")
    if head is not None:
        head.norm.reset_parameters()
        head.reset_classifier()
    return False
