"""Class-balanced sampling for long-tailed multi-label data (AudioSet).

Each clip's weight is the sum, over its positive classes, of
``scale / (count + offset)`` where ``count`` is the number of training clips
of that class (the original: scale 1000, offset 100). An epoch draws
``num_samples`` clips without replacement with SpeechBrain's
``ReproducibleWeightedRandomSampler``, reseeded with ``seed + epoch``.

The draw changes every epoch only if ``set_epoch`` is called: SpeechBrain
does it for its own samplers and under DDP (where it wraps any sampler in a
``DistributedSamplerWrapper`` that gives each rank its share of one draw);
:class:`~speechbrain_passt.training.brain.PaSSTBrain` registers a user
sampler so that a single process gets a new draw each epoch too.

Authors
 * speechbrain-passt developers 2026
"""

import torch
from speechbrain.dataio.sampler import ReproducibleWeightedRandomSampler


def class_balanced_weights(
    labels, offset=100.0, scale=1000.0, num_classes=None
):
    """Per-clip sampling weights from a label matrix or label lists.

    Arguments
    ---------
    labels : torch.Tensor or list of list of int
        ``[clips, classes]`` multi-hot (nonzero = positive), or each clip's
        positive class indices (the memory-light form for AudioSet's two
        million clips), in the dataset's index order.
    offset : float, optional (default: 100.0)
        Added to every class count.
    scale : float, optional (default: 1000.0)
        Numerator of the class weight.
    num_classes : int, optional
        Number of classes, for label lists (default: the largest index + 1).

    Returns
    -------
    torch.Tensor
        ``[clips]`` float64 weights.

    Example
    -------
    >>> labels = torch.tensor([[1, 0], [1, 1]])
    >>> class_balanced_weights(labels, offset=0.0, scale=1.0)
    tensor([0.5000, 1.5000], dtype=torch.float64)
    >>> class_balanced_weights([[0], [0, 1]], offset=0.0, scale=1.0)
    tensor([0.5000, 1.5000], dtype=torch.float64)
    """
    if isinstance(labels, (list, tuple)):
        return _weights_from_lists(labels, offset, scale, num_classes)
    labels = torch.as_tensor(labels)
    if labels.dim() != 2:
        raise ValueError(
            f"labels must be [clips, classes], got shape {tuple(labels.shape)}"
        )
    positive = (labels != 0).double()
    counts = positive.sum(dim=0)
    return positive @ (scale / (counts + offset))


def _weights_from_lists(labels, offset, scale, num_classes):
    """The same weights from per-clip class lists, without a dense matrix."""
    lists = [sorted({int(c) for c in clip}) for clip in labels]
    flat = torch.tensor([c for clip in lists for c in clip], dtype=torch.long)
    if flat.numel() and int(flat.min()) < 0:
        raise ValueError("class indices must be >= 0")
    size = num_classes if num_classes is not None else int(flat.max()) + 1
    if flat.numel() and int(flat.max()) >= size:
        raise ValueError(f"class index {int(flat.max())} >= num_classes={size}")
    counts = torch.bincount(flat, minlength=size).double()
    class_weight = scale / (counts + offset)
    owner = torch.repeat_interleave(
        torch.arange(len(lists)), torch.tensor([len(c) for c in lists])
    )
    weights = torch.zeros(len(lists), dtype=torch.float64)
    return weights.index_add_(0, owner, class_weight[flat])


def class_balanced_sampler(
    labels,
    num_samples,
    offset=100.0,
    scale=1000.0,
    seed=129491412,
    num_classes=None,
):
    """A class-balanced sampler drawing without replacement.

    Arguments
    ---------
    labels : torch.Tensor or list of list of int
        ``[clips, classes]`` multi-hot, or each clip's class indices, in
        the dataset's index order.
    num_samples : int
        Clips per epoch (100000 for AudioSet in the original).
    offset : float, optional (default: 100.0)
        See :func:`class_balanced_weights`.
    scale : float, optional (default: 1000.0)
        See :func:`class_balanced_weights`.
    seed : int, optional (default: 129491412)
        Base seed; epoch ``e`` draws with ``seed + e``.
    num_classes : int, optional
        Number of classes, for label lists.

    Returns
    -------
    ReproducibleWeightedRandomSampler
        Pass it as the training loader's ``sampler``.

    Example
    -------
    >>> labels = torch.tensor([[1, 0], [1, 0], [0, 1]])
    >>> sampler = class_balanced_sampler(labels, num_samples=2)
    >>> sampler.set_epoch(1)
    >>> len(set(sampler))
    2
    """
    weights = class_balanced_weights(labels, offset, scale, num_classes)
    drawable = int((weights > 0).sum())
    if num_samples > drawable:
        raise ValueError(
            f"num_samples={num_samples} exceeds the {drawable} clips with at "
            "least one positive label (sampling is without replacement)"
        )
    return ReproducibleWeightedRandomSampler(
        weights, num_samples=num_samples, replacement=False, seed=seed
    )
