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

Authors
 * speechbrain-passt developers 2026
"""

import math

import torch.nn.functional as F
from timm.models import adapt_input_conv

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
