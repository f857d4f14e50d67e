"""Adapting ImageNet DeiT weights to a PaSST encoder.

The paper trains its AudioSet models from DeiT-B distilled at 384 px
(timm's ``deit_base_distilled_patch16_384``: 24 x 24 patch grid, C and D
tokens). The adaptation follows the original code exactly:

* the C and D positional embeddings are kept as PaSST's ``new_pos_embed``;
* the 24 x 24 grid of positional embeddings is resized to the PaSST patch
  grid (frequency x time) with bicubic interpolation (``F.interpolate``,
  ``align_corners=False``, no anti-aliasing, as the original; timm's
  ``resample_abs_pos_embed`` anti-aliases by default), then averaged over
  time into the frequency encoding and over frequency into the time encoding;
* the RGB patch kernel is summed over its input channels (timm's
  ``adapt_input_conv``);
* the classifier heads (``head``, ``head_dist``) are dropped: the PaSST head
  starts from a fresh initialisation.

:func:`load_imagenet_deit` builds a PaSST from these weights (any strides,
time-encoding length and, with fewer blocks, depth); the weights come from a
local file, the DeiT release file in torch hub's cache, or timm
(:func:`read_imagenet_state_dict`).

Authors
 * speechbrain-passt developers 2026
"""

import math

import torch.nn.functional as F
from timm.models import adapt_input_conv

from speechbrain_passt.lobes.passt import PaSST, PaSSTHead
from speechbrain_passt.weights.depth import match_depth
from speechbrain_passt.weights.registry import (
    IMAGENET_NAMES,
    CheckpointUnavailableError,
    cache_dir,
)
from speechbrain_passt.weights.state_dict import read_state_dict, shape_config
from speechbrain_passt.weights.strict import (
    CheckpointMismatchError,
    load_strict,
)

__all__ = [
    "DEIT_FILENAME",
    "DEIT_NAME",
    "DEIT_URL",
    "adapt_imagenet_state_dict",
    "is_imagenet_name",
    "is_imagenet_state_dict",
    "load_imagenet_deit",
    "load_imagenet_into",
    "read_imagenet_state_dict",
]

DEIT_NAME = "deit_base_distilled_patch16_384"
DEIT_URL = (
    "https://dl.fbaipublicfiles.com/deit/"
    "deit_base_distilled_patch16_384-d0272ac0.pth"
)
DEIT_FILENAME = DEIT_URL.rsplit("/", 1)[-1]
NUM_PREFIX_TOKENS = 2  # C (class) and D (distillation) tokens


def is_imagenet_state_dict(state_dict):
    """Whether a state dict is a (timm or DeiT release) ViT, not a PaSST.

    Arguments
    ---------
    state_dict : dict
        Parameter name to tensor.

    Returns
    -------
    bool
        True when it has a 2-D grid ``pos_embed`` and no PaSST encodings.

    Example
    -------
    >>> import torch
    >>> is_imagenet_state_dict({"pos_embed": torch.zeros(1, 6, 8)})
    True
    """
    return "pos_embed" in state_dict and "time_new_pos_embed" not in state_dict


def adapt_imagenet_state_dict(state_dict, grid_size, in_channels=1):
    """Turn a distilled DeiT state dict into a PaSST encoder state dict.

    Arguments
    ---------
    state_dict : dict
        DeiT parameters (``cls_token``, ``dist_token``, ``pos_embed``
        ``[1, 2 + G * G, D]``, ``patch_embed.proj.*``, ``blocks.*``,
        ``norm.*``, ``head*``).
    grid_size : tuple of int
        PaSST patch grid ``(frequency, time)`` (``PaSST.grid_size``).
    in_channels : int, optional (default: 1)
        Input channels of the PaSST patch embedding.

    Returns
    -------
    dict
        Keys of :class:`speechbrain_passt.PaSST` (no head).

    Example
    -------
    >>> import torch
    >>> deit = {
    ...     "cls_token": torch.zeros(1, 1, 8),
    ...     "dist_token": torch.zeros(1, 1, 8),
    ...     "pos_embed": torch.rand(1, 2 + 9, 8),
    ...     "patch_embed.proj.weight": torch.rand(8, 3, 16, 16),
    ...     "head.weight": torch.rand(1000, 8),
    ... }
    >>> passt = adapt_imagenet_state_dict(deit, (12, 99))
    >>> passt["freq_new_pos_embed"].shape, passt["time_new_pos_embed"].shape
    (torch.Size([1, 8, 12, 1]), torch.Size([1, 8, 1, 99]))
    >>> passt["patch_embed.proj.weight"].shape, "head.weight" in passt
    (torch.Size([8, 1, 16, 16]), False)
    """
    for key in ("pos_embed", "dist_token", "patch_embed.proj.weight"):
        if key not in state_dict:
            raise ValueError(
                f"not a distilled DeiT state dict: no {key!r} (PaSST starts "
                f"from {DEIT_NAME}, which has C and D tokens)"
            )
    pos_embed = state_dict["pos_embed"]
    embed_dim = pos_embed.shape[-1]
    n_grid = pos_embed.shape[1] - NUM_PREFIX_TOKENS
    side = math.isqrt(n_grid)
    if side * side != n_grid:
        raise ValueError(
            f"pos_embed has {n_grid} grid positions after the C and D tokens, "
            "not a square grid"
        )
    grid = pos_embed[:, NUM_PREFIX_TOKENS:].float()
    grid = grid.reshape(1, side, side, embed_dim).permute(0, 3, 1, 2)
    grid = F.interpolate(
        grid, size=tuple(grid_size), mode="bicubic", align_corners=False
    )
    adapted = {
        key: value
        for key, value in state_dict.items()
        if key != "pos_embed" and not key.startswith(("head.", "head_dist."))
    }
    adapted["new_pos_embed"] = pos_embed[:, :NUM_PREFIX_TOKENS]
    adapted["freq_new_pos_embed"] = grid.mean(dim=3, keepdim=True).to(
        pos_embed.dtype
    )
    adapted["time_new_pos_embed"] = grid.mean(dim=2, keepdim=True).to(
        pos_embed.dtype
    )
    adapted["patch_embed.proj.weight"] = adapt_input_conv(
        in_channels, state_dict["patch_embed.proj.weight"]
    )
    return adapted


def is_imagenet_name(source):
    """Whether ``source`` names the ImageNet start point (not a file).

    Arguments
    ---------
    source : object
        A source as the loaders take it.

    Returns
    -------
    bool
        True for the names in
        :data:`speechbrain_passt.weights.registry.IMAGENET_NAMES` (any case,
        surrounding spaces ignored).

    Example
    -------
    >>> is_imagenet_name(" ImageNet "), is_imagenet_name("passt-s")
    (True, False)
    """
    return isinstance(source, str) and source.strip().lower() in IMAGENET_NAMES


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
    >>> import torch
    >>> deit = {"model": {"pos_embed": torch.zeros(1, 6, 8)}}
    >>> list(read_imagenet_state_dict(deit))
    ['pos_embed']
    """
    if source is None or is_imagenet_name(source):
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
    >>> import torch
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
    state = match_depth(
        state, config.get("depth"), keep_blocks, "the ImageNet model"
    )
    built = shape_config(state)
    built.update(config)
    encoder = PaSST(**built)
    adapted = adapt_imagenet_state_dict(
        state, encoder.grid_size, encoder.patch_embed.proj.in_channels
    )
    load_strict(encoder, adapted, "encoder (from ImageNet DeiT)")
    head = PaSSTHead(encoder.embed_dim, num_classes)
    return encoder.eval(), head.eval()


def load_imagenet_into(encoder, head, state, keep_blocks):
    """Load ImageNet DeiT weights into an existing encoder; reset the head.

    The weights are reduced to the encoder's depth (see
    :func:`~speechbrain_passt.weights.depth.match_depth`) and adapted to its
    patch grid and input channels; the head (LayerNorm and Linear) starts
    fresh, as in the paper.

    Arguments
    ---------
    encoder : PaSST
        Encoder to load into (strictly).
    head : PaSSTHead or None
        Head to re-initialise (skipped when None).
    state : dict
        DeiT state dict (see :func:`read_imagenet_state_dict`).
    keep_blocks : sequence of int or None
        Blocks of a deeper source to keep.

    Returns
    -------
    bool
        False: the head's Linear was not loaded (as
        :func:`~speechbrain_passt.weights.original.load_pretrained_weights`
        reports).

    Example
    -------
    >>> import torch
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
    >>> encoder = PaSST(embed_dim=32, depth=2, num_heads=2)
    >>> load_imagenet_into(encoder, PaSSTHead(32, 3), deit, None)
    False
    >>> torch.equal(encoder.cls_token, deit["cls_token"])
    True
    """
    state = match_depth(
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
