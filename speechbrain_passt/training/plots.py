"""Figures a recipe writes next to its results (matplotlib, no display).

* :func:`plot_training_curves`: loss, main metric and learning rate per
  epoch, read from SpeechBrain's ``train_log.txt`` (so a resumed run's
  earlier epochs are included).
* :func:`plot_confusion_matrix`: single-label test results (sklearn's
  ``ConfusionMatrixDisplay``), rows normalised.
* :func:`plot_class_ap`: multi-label test results, average precision per
  class that has positives, sorted.

Authors
 * speechbrain-passt developers 2026
"""

import re
from pathlib import Path

import matplotlib
import numpy as np
import torch
from sklearn.metrics import ConfusionMatrixDisplay, average_precision_score

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf"


def read_train_log(path):
    """Per-epoch statistics from a SpeechBrain ``FileTrainLogger`` file.

    Arguments
    ---------
    path : str or os.PathLike
        ``train_log.txt`` (lines such as ``epoch: 2, lr: 1e-05 - train
        loss: 0.5 - valid loss: 0.4, valid mAP: 0.3``).

    Returns
    -------
    dict
        Statistic name (``lr``, ``train loss``, ``valid mAP``, ...) ->
        list of ``(epoch, value)``; test lines are left out.

    Example
    -------
    >>> path = getfixture("tmpdir") / "train_log.txt"
    >>> _ = path.write_text(
    ...     "epoch: 1, lr: 1.00e-05 - train loss: 5.00e-01 - valid loss: "
    ...     "4.00e-01, valid accuracy: 7.50e-01\\n"
    ...     "Epoch loaded: 1 - test loss: 4.00e-01\\n",
    ...     "utf-8",
    ... )
    >>> read_train_log(path)["valid accuracy"]
    [(1, 0.75)]
    """
    stats = {}
    with open(path, encoding="utf-8") as fin:
        for line in fin:
            if not line.startswith("epoch:"):
                continue
            epoch = None
            for part in re.split(r" - |, ", line.strip()):
                key, _, value = part.rpartition(": ")
                if not re.fullmatch(NUMBER, value):
                    continue
                if key == "epoch":
                    epoch = int(float(value))
                elif epoch is not None:
                    stats.setdefault(key, []).append((epoch, float(value)))
    return stats


def plot_training_curves(train_log, path, title=None):
    """Loss, metrics and learning rate per epoch, in three panels.

    Arguments
    ---------
    train_log : str or os.PathLike
        SpeechBrain's ``train_log.txt`` of the run.
    path : str or os.PathLike
        The PNG to write.
    title : str, optional
        Figure title.

    Returns
    -------
    str
        ``path``.

    Example
    -------
    >>> log = getfixture("tmpdir") / "train_log.txt"
    >>> _ = log.write_text(
    ...     "epoch: 1, lr: 1.00e-05 - train loss: 5.00e-01 - valid loss: "
    ...     "4.00e-01, valid mAP: 3.00e-01\\n",
    ...     "utf-8",
    ... )
    >>> import os
    >>> os.path.isfile(plot_training_curves(log, str(log) + ".png"))
    True
    """
    stats = read_train_log(train_log)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    panels = (
        ("loss", [k for k in stats if k.endswith("loss")], "log"),
        (
            "metric",
            [k for k in stats if not k.endswith("loss") and k != "lr"],
            "linear",
        ),
        ("learning rate", [k for k in stats if k == "lr"], "log"),
    )
    for axis, (name, keys, scale) in zip(axes, panels, strict=True):
        for key in keys:
            if key.endswith("_classes"):
                continue
            epochs, values = zip(*stats[key], strict=True)
            axis.plot(epochs, values, marker="o", markersize=3, label=key)
        axis.set_xlabel("epoch")
        axis.set_title(name)
        if keys and scale == "log":
            axis.set_yscale("log")
        if keys:
            axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def plot_confusion_matrix(scores, targets, labels, path, title=None):
    """Row-normalised confusion matrix of single-label results.

    Arguments
    ---------
    scores : numpy.ndarray or torch.Tensor
        ``[clips, classes]`` logits or probabilities.
    targets : numpy.ndarray or torch.Tensor
        ``[clips, classes]`` one-hot targets.
    labels : list of str
        Class names in head order.
    path : str or os.PathLike
        The PNG to write.
    title : str, optional
        Figure title.

    Returns
    -------
    str
        ``path``.

    Example
    -------
    >>> scores = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> targets = np.array([[1, 0], [0, 1], [0, 1]])
    >>> out = getfixture("tmpdir") / "cm.png"
    >>> plot_confusion_matrix(scores, targets, ["a", "b"], out) == str(out)
    True
    """
    truth = np.asarray(targets).argmax(axis=1)
    predicted = np.asarray(scores).argmax(axis=1)
    # Only the classes that occur, so 50 (or 527) classes stay readable.
    used = np.unique(np.concatenate([truth, predicted]))
    size = max(4.0, 0.32 * len(used) + 2.0)
    fig, axis = plt.subplots(figsize=(size, size))
    ConfusionMatrixDisplay.from_predictions(
        truth,
        predicted,
        labels=used,
        display_labels=[labels[i] for i in used],
        normalize="true",
        values_format=".2f",
        include_values=len(used) <= 20,
        xticks_rotation="vertical",
        cmap="Blues",
        colorbar=False,
        ax=axis,
    )
    axis.set_title(title or "confusion matrix (rows: true class)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def plot_class_ap(scores, targets, labels, path, mask=None, title=None):
    """Average precision per class (classes with positives), sorted.

    Arguments
    ---------
    scores : numpy.ndarray or torch.Tensor
        ``[clips, classes]`` scores.
    targets : numpy.ndarray or torch.Tensor
        ``[clips, classes]`` multi-hot targets (> 0.5 is positive).
    labels : list of str
        Class names in head order.
    path : str or os.PathLike
        The PNG to write.
    mask : numpy.ndarray or torch.Tensor, optional
        ``[clips, classes]`` label mask (OpenMIC).
    title : str, optional
        Figure title.

    Returns
    -------
    str
        ``path``.

    Example
    -------
    >>> scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.3]])
    >>> targets = np.array([[1, 0], [0, 1], [1, 1]])
    >>> out = getfixture("tmpdir") / "ap.png"
    >>> plot_class_ap(scores, targets, ["a", "b"], out) == str(out)
    True
    """
    scores, targets = np.asarray(scores), np.asarray(targets) > 0.5
    weights = None if mask is None else np.asarray(mask)
    per_class = []
    for index, name in enumerate(labels):
        weight = None if weights is None else weights[:, index]
        positives = (
            targets[:, index]
            if weight is None
            else (targets[:, index] & (weight > 0))
        )
        if positives.any():
            ap = average_precision_score(
                targets[:, index], scores[:, index], sample_weight=weight
            )
            per_class.append((ap, name))
    per_class.sort()
    height = max(3.0, 0.22 * len(per_class) + 1.0)
    fig, axis = plt.subplots(figsize=(7, height))
    axis.barh([name for _, name in per_class], [ap for ap, _ in per_class])
    mean = np.mean([ap for ap, _ in per_class]) if per_class else float("nan")
    axis.axvline(mean, color="black", linestyle="--", label=f"mAP {mean:.3f}")
    axis.set_xlim(0, 1)
    axis.set_xlabel("average precision")
    axis.tick_params(axis="y", labelsize=7)
    axis.legend(loc="lower right")
    axis.set_title(title or "average precision per class")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def write_recipe_figures(brain, train_log, folder, labels):
    """The figures every recipe writes next to its ``results.json``:
    ``training_curves.png`` and, from the exported model's test
    predictions, ``confusion_matrix.png`` (single-label) or
    ``class_ap.png`` (multi-label). Call it on the main process after
    ``brain.evaluate``.

    Arguments
    ---------
    brain : PaSSTBrain
        The tested Brain (its ``stage_metrics`` hold the test predictions).
    train_log : str or os.PathLike
        The run's ``train_log.txt``.
    folder : str or os.PathLike
        Where the PNG files go (the experiment folder).
    labels : list of str
        Class names in head order.

    Returns
    -------
    list of str
        The files written.
    """
    folder = Path(folder)
    written = []
    if Path(train_log).is_file():
        written.append(
            plot_training_curves(train_log, folder / "training_curves.png")
        )
    stage = getattr(brain, "stage_metrics", None)
    if stage is None:
        return written
    metrics = stage.swa if brain.exported_model == "swa" else stage.live
    if not metrics.scores:
        return written
    scores = torch.cat(metrics.scores)
    targets = torch.cat(metrics.targets)
    which = f"{brain.exported_model} model, test set"
    if brain.target_kind == "single_label":
        written.append(
            plot_confusion_matrix(
                scores,
                targets,
                labels,
                folder / "confusion_matrix.png",
                title=f"confusion matrix ({which}; rows: true class)",
            )
        )
    else:
        mask = torch.cat(metrics.masks) if metrics.masks else None
        written.append(
            plot_class_ap(
                torch.sigmoid(scores),
                targets,
                labels,
                folder / "class_ap.png",
                mask=mask,
                title=f"average precision per class ({which})",
            )
        )
    return written
