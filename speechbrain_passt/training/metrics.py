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

from speechbrain_passt.training.objectives import (
    check_target_kind,
    compute_loss,
)


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


class StageMetrics:
    """Loss and clip metrics of one validation or test stage, for the live
    model and, when validating with an SWA average, for the average too.

    Arguments
    ---------
    target_kind : str
        One of ``TARGET_KINDS`` (picks the metrics, see :class:`ClipMetrics`).

    Example
    -------
    >>> stage = StageMetrics("single_label")
    >>> logits, targets = torch.tensor([[2.0, 0.0]]), torch.tensor([[1.0, 0]])
    >>> stage.append(logits, targets)
    >>> stage.append_swa(logits, targets)
    >>> sorted(stage.summarize(0.5))
    ['accuracy', 'loss', 'swa_accuracy', 'swa_loss']
    """

    def __init__(self, target_kind):
        self.target_kind = target_kind
        self.live = ClipMetrics(target_kind)
        self.swa = ClipMetrics(target_kind)
        self.swa_loss_sum, self.swa_batches = 0.0, 0

    def append(self, logits, targets, mask=None):
        """Add a batch of the live model.

        Arguments
        ---------
        logits : torch.Tensor
            ``[batch, classes]``.
        targets : torch.Tensor
            ``[batch, classes]`` float.
        mask : torch.Tensor, optional
            ``[batch, classes]``, 1 where a label is known.
        """
        self.live.append(logits, targets, mask)

    def append_swa(self, logits, targets, mask=None):
        """Add a batch of the SWA average (its loss is tracked here; the
        live model's loss is SpeechBrain's stage loss).

        Arguments
        ---------
        logits : torch.Tensor
            ``[batch, classes]``.
        targets : torch.Tensor
            ``[batch, classes]`` float.
        mask : torch.Tensor, optional
            ``[batch, classes]``, 1 where a label is known.
        """
        loss = compute_loss(self.target_kind, logits, targets, mask)
        self.swa_loss_sum += float(loss)
        self.swa_batches += 1
        self.swa.append(logits, targets, mask)

    def append_predictions(self, predictions):
        """Add a batch of :meth:`PaSSTBrain.compute_forward` outputs: the
        live ``logits`` and, when present, the ``swa_logits``.

        Arguments
        ---------
        predictions : dict
            ``logits``, ``targets``, ``mask`` and optionally
            ``swa_logits``.
        """
        targets, mask = predictions["targets"], predictions["mask"]
        self.append(predictions["logits"], targets, mask)
        if "swa_logits" in predictions:
            self.append_swa(predictions["swa_logits"], targets, mask)

    def summarize(self, stage_loss):
        """The stage's statistics (``swa_`` keys when SWA batches came).

        Arguments
        ---------
        stage_loss : float
            SpeechBrain's average loss of the stage (live model).

        Returns
        -------
        dict
            Statistic name -> float.
        """
        stats = {"loss": float(stage_loss), **self.live.summarize()}
        if self.swa_batches:
            stats["swa_loss"] = self.swa_loss_sum / self.swa_batches
            for key, value in self.swa.summarize().items():
                stats["swa_" + key] = value
        return {key: float(value) for key, value in stats.items()}
