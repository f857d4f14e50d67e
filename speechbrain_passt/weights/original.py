"""Loading PaSST weights: released checkpoints, original files, ImageNet.

The two entry points: :func:`load_original_checkpoint` builds an encoder and
a head from weights, :func:`load_pretrained_weights` fills existing ones
(what the training recipes call). Sources accepted by both:

* a released checkpoint's name, alias or file name (see
  :mod:`speechbrain_passt.weights.registry`), fetched into torch hub's cache;
* a plain state dict (file or dict), a DeiT-style ``{"model": ...}`` dict, or a
  PyTorch Lightning checkpoint of the original training code
  (``{"state_dict": {"net.…": …, "net_swa.…": …}}``; ``lightning_prefix``
  picks the plain or the SWA-averaged network), read as
  :mod:`speechbrain_passt.weights.state_dict` does;
* ImageNet DeiT-B distilled weights (timm's or the DeiT release layout, or
  the names ``"imagenet"`` / ``"deit_base_distilled_patch16_384"``), adapted
  as in :mod:`speechbrain_passt.weights.imagenet`.

The configuration comes from the registry (by name or file name) or from the
tensor shapes; what shapes cannot tell (strides, number of heads) comes from
the caller (strides default to 10) and is checked against the positional
encodings. Every load is strict (:mod:`speechbrain_passt.weights.strict`),
except the head's Linear, which is re-initialised when the number of classes
differs, as the original fine-tuning does.

Authors
 * speechbrain-passt developers 2026
"""

import os

from speechbrain_passt.lobes.passt import PaSST, PaSSTHead
from speechbrain_passt.weights.depth import match_depth
from speechbrain_passt.weights.imagenet import (
    is_imagenet_name,
    is_imagenet_state_dict,
    load_imagenet_deit,
    load_imagenet_into,
    read_imagenet_state_dict,
)
from speechbrain_passt.weights.state_dict import (
    infer_config,
    read_state_dict,
    resolve_source,
    split_state_dict,
)
from speechbrain_passt.weights.strict import (
    CheckpointMismatchError,
    load_strict,
)

__all__ = ["load_original_checkpoint", "load_pretrained_weights"]


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
    if is_imagenet_name(source):
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
    """The entries of ``state`` under ``prefix``, with the prefix removed."""
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
    if is_imagenet_name(source):
        state = read_imagenet_state_dict(source)
        return load_imagenet_into(encoder, head, state, keep_blocks)
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
            return load_imagenet_into(encoder, head, state, keep_blocks)
        what = "state dict" if isinstance(path, dict) else os.fspath(path)
        strides = (encoder.fstride, encoder.tstride)
        if info is not None and strides != (info.fstride, info.tstride):
            raise CheckpointMismatchError(
                f"{what} ({info.name}) was trained with strides "
                f"{(info.fstride, info.tstride)}, the encoder has {strides}"
            )
        encoder_state, head_state = split_state_dict(state)
    encoder_state = match_depth(encoder_state, depth, keep_blocks, what)
    load_strict(encoder, encoder_state, f"encoder from {what}")
    if head is None:
        return False
    return _load_head(head, head_state)
