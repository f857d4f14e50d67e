"""Training objectives of PaSST for the three kinds of targets.

* ``single_label`` (ESC-50, DCASE scenes): cross-entropy with soft (mixed)
  targets, which equals the original ``lam * CE(y) + (1 - lam) * CE(y[perm])``.
* ``multi_label`` (AudioSet, FSD50K): binary cross-entropy with logits,
  averaged over every entry.
* ``masked_multi_label`` (OpenMIC-2018): binary cross-entropy weighted by a
  0/1 label mask and averaged over every entry, masked ones included (as the
  original).

Authors
 * speechbrain-passt developers 2026
"""

import torch

TARGET_KINDS = ("single_label", "multi_label", "masked_multi_label")


def check_target_kind(target_kind):
    """Raise a clear error for an unknown target kind.

    Arguments
    ---------
    target_kind : str
        One of :data:`TARGET_KINDS`.

    Returns
    -------
    str
        ``target_kind``, unchanged.

    Example
    -------
    >>> check_target_kind("multi_label")
    'multi_label'
    """
    if target_kind not in TARGET_KINDS:
        raise ValueError(
            f"target_kind must be one of {TARGET_KINDS}, got {target_kind!r}"
        )
    return target_kind


def single_label_loss(logits, targets):
    """Cross-entropy with soft targets.

    Arguments
    ---------
    logits : torch.Tensor
        ``[batch, classes]``.
    targets : torch.Tensor
        Class probabilities ``[batch, classes]`` (one-hot or mixed).

    Returns
    -------
    torch.Tensor
        Mean loss (scalar).

    Example
    -------
    >>> logits = torch.tensor([[2.0, 0.0]])
    >>> round(single_label_loss(logits, torch.tensor([[1.0, 0.0]])).item(), 4)
    0.1269
    """
    return torch.nn.functional.cross_entropy(logits.float(), targets.float())


def multi_label_loss(logits, targets):
    """Binary cross-entropy with logits, mean over batch and classes.

    Arguments
    ---------
    logits : torch.Tensor
        ``[batch, classes]``.
    targets : torch.Tensor
        Multi-hot or mixed targets ``[batch, classes]`` in ``[0, 1]``.

    Returns
    -------
    torch.Tensor
        Mean loss (scalar).

    Example
    -------
    >>> round(multi_label_loss(torch.zeros(1, 2), torch.ones(1, 2)).item(), 4)
    0.6931
    """
    return torch.nn.functional.binary_cross_entropy_with_logits(
        logits.float(), targets.float()
    )


def masked_multi_label_loss(logits, targets, mask):
    """Binary cross-entropy weighted by a label mask.

    Arguments
    ---------
    logits : torch.Tensor
        ``[batch, classes]``.
    targets : torch.Tensor
        Targets ``[batch, classes]`` in ``[0, 1]``.
    mask : torch.Tensor
        ``[batch, classes]``: 1 where the label is known, 0 elsewhere.

    Returns
    -------
    torch.Tensor
        ``mean(mask * bce)`` over all entries (scalar).

    Example
    -------
    >>> logits, targets = torch.zeros(1, 2), torch.ones(1, 2)
    >>> mask = torch.tensor([[1.0, 0.0]])
    >>> round(masked_multi_label_loss(logits, targets, mask).item(), 4)
    0.3466
    """
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        logits.float(), targets.float(), reduction="none"
    )
    return (loss * mask.float()).mean()


def threshold_targets(targets, threshold=None):
    """Binarise targets: 1 where above ``threshold``, else 0.

    OpenMIC-2018 gives each (clip, instrument) an aggregated relevance in
    ``[0, 1]``; the original (``ex_openmic.py`` of kkoutini/PaSST) trains
    and evaluates on ``relevance > 0.5``, taken after its waveform mixup
    has mixed the (masked) relevances, so mixed clips keep 0/1 targets.

    Arguments
    ---------
    targets : torch.Tensor
        ``[batch, classes]`` float targets or relevances.
    threshold : float, optional
        None keeps the targets as they are.

    Returns
    -------
    torch.Tensor
        ``[batch, classes]`` float.

    Example
    -------
    >>> threshold_targets(torch.tensor([[0.9, 0.5, 0.2]]), 0.5)
    tensor([[1., 0., 0.]])
    """
    if threshold is None:
        return targets
    return (targets > threshold).to(targets.dtype)


def compute_loss(target_kind, logits, targets, mask=None):
    """The loss of a target kind.

    Arguments
    ---------
    target_kind : str
        One of :data:`TARGET_KINDS`.
    logits : torch.Tensor
        ``[batch, classes]``.
    targets : torch.Tensor
        ``[batch, classes]`` float targets.
    mask : torch.Tensor, optional
        ``[batch, classes]`` label mask, required for
        ``masked_multi_label``.

    Returns
    -------
    torch.Tensor
        Scalar loss.

    Example
    -------
    >>> loss = compute_loss("single_label", torch.zeros(2, 3), torch.eye(3)[:2])
    >>> round(loss.item(), 4)
    1.0986
    """
    check_target_kind(target_kind)
    if targets.shape != logits.shape:
        raise ValueError(
            f"targets {tuple(targets.shape)} do not match logits "
            f"{tuple(logits.shape)}: give [batch, classes] float targets"
        )
    if target_kind == "single_label":
        return single_label_loss(logits, targets)
    if target_kind == "multi_label":
        return multi_label_loss(logits, targets)
    if mask is None:
        raise ValueError("masked_multi_label needs a label mask")
    return masked_multi_label_loss(logits, targets, mask)


def batch_targets(batch, target_kind):
    """The targets (and the label mask) of a batch, checked.

    Arguments
    ---------
    batch : speechbrain.dataio.batch.PaddedBatch
        Provides ``target`` (``[batch, classes]`` float) and, for
        ``masked_multi_label``, ``mask``.
    target_kind : str
        One of :data:`TARGET_KINDS`.

    Returns
    -------
    targets : torch.Tensor
        ``[batch, classes]`` float.
    mask : torch.Tensor or None
        ``[batch, classes]`` float for ``masked_multi_label``, else None.

    Raises
    ------
    ValueError
        A missing key or a target of the wrong shape or type.

    Example
    -------
    >>> from speechbrain.dataio.batch import PaddedBatch
    >>> batch = PaddedBatch([{"target": torch.tensor([0.0, 1.0])}])
    >>> batch_targets(batch, "single_label")
    (tensor([[0., 1.]]), None)
    """
    if not hasattr(batch, "target"):
        raise ValueError(
            "PaSSTBrain batches need a 'target' key ([batch, classes] "
            "float); add it to the dataset's output keys"
        )
    targets, _ = batch.target
    if targets.dim() != 2 or not targets.is_floating_point():
        raise ValueError(
            "batch.target must be [batch, classes] float (one-hot or "
            f"multi-hot), got {tuple(targets.shape)} {targets.dtype}"
        )
    mask = None
    if target_kind == "masked_multi_label":
        if not hasattr(batch, "mask"):
            raise ValueError("masked_multi_label batches need a 'mask' key")
        mask, _ = batch.mask
        mask = mask.float()
    return targets, mask
