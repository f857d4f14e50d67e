"""Clip-level evaluation metrics: accuracy, macro mAP and ROC-AUC.

Average precision and ROC-AUC come from scikit-learn, one class at a time,
and are averaged over classes (macro). A class whose (weighted) targets hold
no positive has no average precision and is left out of the mAP, and a class
without both positives and negatives is left out of the ROC-AUC; the number
of classes used is reported beside each metric. With a label mask (OpenMIC)
each class uses only its labelled clips (``sample_weight=mask``).

Authors
 * speechbrain-passt developers 2026
"""

import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

from speechbrain_passt.training.objectives import check_target_kind


def accuracy(scores, targets):
    """Fraction of clips whose top-scoring class is the target class.

    Arguments
    ---------
    scores : torch.Tensor or numpy.ndarray
        ``[clips, classes]`` logits or probabilities.
    targets : torch.Tensor or numpy.ndarray
        ``[clips, classes]`` one-hot targets.

    Returns
    -------
    float
        Accuracy in ``[0, 1]``.

    Example
    -------
    >>> accuracy(torch.tensor([[0.9, 0.1], [0.8, 0.2]]), torch.eye(2))
    0.5
    """
    scores, targets = _numpy(scores), _numpy(targets)
    return float((scores.argmax(axis=1) == targets.argmax(axis=1)).mean())


def _per_class(metric, scores, targets, mask, need_negative):
    scores, targets = _numpy(scores), _numpy(targets) > 0.5
    weights = None if mask is None else _numpy(mask)
    values = []
    for c in range(targets.shape[1]):
        w = None if weights is None else weights[:, c]
        kept = slice(None) if w is None else w > 0
        y = targets[kept, c]
        if not y.any() or (need_negative and y.all()):
            continue
        values.append(
            metric(
                targets[:, c],
                scores[:, c],
                sample_weight=None if w is None else w,
            )
        )
    if not values:
        return float("nan"), 0
    return float(np.mean(values)), len(values)


def mean_average_precision(scores, targets, mask=None):
    """Macro average precision over the classes that have positives.

    Arguments
    ---------
    scores : torch.Tensor or numpy.ndarray
        ``[clips, classes]`` scores (logits or probabilities).
    targets : torch.Tensor or numpy.ndarray
        ``[clips, classes]`` targets; values > 0.5 are positive.
    mask : torch.Tensor or numpy.ndarray, optional
        ``[clips, classes]`` 0/1 label mask (sklearn ``sample_weight``).

    Returns
    -------
    mAP : float
        Mean over the used classes (nan when none has a positive).
    classes : int
        Number of classes used.

    Example
    -------
    >>> targets = torch.tensor([[1, 0], [0, 1], [1, 1]])
    >>> scores = torch.tensor([[0.9, 0.2], [0.1, 0.8], [0.3, 0.1]])
    >>> mAP, classes = mean_average_precision(scores, targets)
    >>> round(mAP, 4), classes
    (0.9167, 2)
    """
    return _per_class(average_precision_score, scores, targets, mask, False)


def mean_roc_auc(scores, targets, mask=None):
    """Macro ROC-AUC over the classes with both positives and negatives.

    Arguments
    ---------
    scores : torch.Tensor or numpy.ndarray
        ``[clips, classes]`` scores.
    targets : torch.Tensor or numpy.ndarray
        ``[clips, classes]`` targets; values > 0.5 are positive.
    mask : torch.Tensor or numpy.ndarray, optional
        ``[clips, classes]`` 0/1 label mask.

    Returns
    -------
    auc : float
        Mean over the used classes (nan when none qualifies).
    classes : int
        Number of classes used.

    Example
    -------
    >>> targets = torch.tensor([[1, 0], [0, 1], [1, 1]])
    >>> scores = torch.tensor([[0.9, 0.2], [0.1, 0.8], [0.3, 0.1]])
    >>> mean_roc_auc(scores, targets)
    (0.75, 2)
    """
    return _per_class(roc_auc_score, scores, targets, mask, True)


class ClipMetrics:
    """Accumulates clip scores and targets over a stage and summarises them.

    Arguments
    ---------
    target_kind : str
        ``single_label`` (accuracy), ``multi_label`` (mAP and ROC-AUC) or
        ``masked_multi_label`` (mAP and ROC-AUC weighted by the mask).

    Example
    -------
    >>> metrics = ClipMetrics("single_label")
    >>> metrics.append(torch.tensor([[2.0, 0.0]]), torch.tensor([[1.0, 0.0]]))
    >>> metrics.append(torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 1.0]]))
    >>> metrics.summarize()
    {'accuracy': 0.5}
    """

    def __init__(self, target_kind):
        self.target_kind = check_target_kind(target_kind)
        self.scores, self.targets, self.masks = [], [], []

    @property
    def main_key(self):
        """Name of the metric that selects checkpoints (higher is better)."""
        return "accuracy" if self.target_kind == "single_label" else "mAP"

    def append(self, logits, targets, mask=None):
        """Add a batch.

        Arguments
        ---------
        logits : torch.Tensor
            ``[batch, classes]`` logits.
        targets : torch.Tensor
            ``[batch, classes]`` targets.
        mask : torch.Tensor, optional
            ``[batch, classes]`` label mask.
        """
        self.scores.append(logits.detach().float().cpu())
        self.targets.append(targets.detach().float().cpu())
        if mask is not None:
            self.masks.append(mask.detach().float().cpu())

    def summarize(self):
        """Metrics over everything appended, as plain floats.

        Returns
        -------
        dict
            ``accuracy`` for single-label targets; ``mAP``, ``roc_auc`` and
            ``mAP_classes`` (classes used) for multi-label targets.
        """
        if not self.scores:
            return {}
        scores = torch.cat(self.scores)
        targets = torch.cat(self.targets)
        if self.target_kind == "single_label":
            return {"accuracy": accuracy(scores, targets)}
        mask = torch.cat(self.masks) if self.masks else None
        if self.target_kind == "masked_multi_label" and mask is None:
            raise ValueError("masked_multi_label metrics need the label mask")
        probs = torch.sigmoid(scores)
        mAP, used = mean_average_precision(probs, targets, mask)
        auc, _ = mean_roc_auc(probs, targets, mask)
        return {"mAP": mAP, "roc_auc": auc, "mAP_classes": float(used)}


def _numpy(x):
    if torch.is_tensor(x):
        return x.detach().float().cpu().numpy()
    return np.asarray(x, dtype=np.float64)
