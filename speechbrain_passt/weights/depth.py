"""Reducing the depth of a PaSST: PaSST-L and deeper sources.

PaSST-L keeps 7 of the 12 blocks of PaSST-S (:data:`PASST_L_BLOCKS`, see
:func:`every_other_block`); :func:`reduce_depth` does it on state dicts and
encoders, and :func:`match_depth` is how the loaders fit a deeper source to
the depth they are asked for.

Authors
 * speechbrain-passt developers 2026
"""

import copy
import logging

import torch

from speechbrain_passt.weights.errors import CheckpointMismatchError
from speechbrain_passt.weights.state_dict import num_blocks

__all__ = [
    "PASST_L_BLOCKS",
    "every_other_block",
    "match_depth",
    "reduce_depth",
]

logger = logging.getLogger(__name__)

# PaSST-L: the first block, every other block from the second, the last.
PASST_L_BLOCKS = (0, 1, 3, 5, 7, 9, 11)


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
    >>> from speechbrain_passt import PaSST
    >>> encoder = PaSST(embed_dim=32, depth=4, num_heads=2)
    >>> len(reduce_depth(encoder, keep=every_other_block(4)).blocks)
    3
    """
    keep = tuple(int(index) for index in keep)
    is_dict = isinstance(state_dict_or_encoder, dict)
    if is_dict:
        depth = num_blocks(state_dict_or_encoder)
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


def match_depth(state_dict, depth, keep_blocks, what):
    """Reduce ``state_dict`` to ``depth`` blocks when asked or unambiguous.

    Arguments
    ---------
    state_dict : dict
        An encoder state dict (PaSST, original or DeiT layout).
    depth : int or None
        Blocks wanted (None: as many as the source has).
    keep_blocks : sequence of int or None
        Blocks to keep (see :func:`reduce_depth`); when given, ``depth`` is
        not consulted. None: all blocks when the depths agree, else
        :func:`every_other_block` when it gives ``depth``.
    what : str
        Name of the source in messages.

    Returns
    -------
    dict
        The state dict with ``depth`` blocks (the same object when nothing
        is removed).

    Raises
    ------
    CheckpointMismatchError
        When the depths differ and :func:`every_other_block` does not give
        ``depth`` (and ``keep_blocks`` is None).

    Example
    -------
    >>> state = {f"blocks.{i}.w": torch.tensor([i]) for i in range(12)}
    >>> sorted(match_depth(state, 7, None, "source"))[-1]
    'blocks.6.w'
    >>> match_depth(state, 5, None, "source")
    Traceback (most recent call last):
    ...
    speechbrain_passt.weights.errors.CheckpointMismatchError: source has 12 blocks but 5 are expected; pass keep_blocks to choose which to keep
    """
    source_depth = num_blocks(state_dict)
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
