"""Knowledge distillation: train a PaSST student on labels and a teacher.

The loss follows EfficientAT (``ex_audioset.py`` of fschmid56/EfficientAT,
Schmid, Koutini and Widmer, ICASSP 2023), the PaSST authors' own KD code
(the PaSST repository releases KD-trained weights, ``passt-s-kd-ap.486``,
but not the code that trained them). For a clip with student logits ``z``,
(mixed) labels ``y`` and teacher logits ``t`` over ``C`` classes::

    s          = sigmoid(t / T)                      (soft targets)
    label_loss = mean_c BCE(z_c, y_c)
    kd_loss    = mean_c BCE(z_c, s_c)                (z is not divided by T)
    loss       = lambda * label_loss + (1 - lambda) * kd_loss

averaged over the batch, with ``lambda = kd_lambda`` (EfficientAT: 0.1)
and ``T = kd_temperature`` (EfficientAT: 1). A clip without teacher logits
(not in the file) gets ``label_loss`` alone, and is counted in the log.

Mixup: the soft targets are mixed exactly like the labels. They travel as
extra columns of the target matrix through both of the Brain's mixups
(waveforms, then spectrograms) and get each item's ``lam`` and partner, so
``s_mix = lam * s_i + (1 - lam) * s_j``; as BCE is linear in its target,
this equals EfficientAT's ``lam * BCE(z, s_i) + (1 - lam) * BCE(z, s_j)``
for its spectrogram mixup (its waveform mixup, inside the dataset, keeps
the first clip's teacher row only). A mixed clip whose partner has no
teacher logits falls back to the label loss.

The teacher is either precomputed logits (:class:`PrecomputedTeacher`,
files of :mod:`~speechbrain_passt.training.teacher_logits`; EfficientAT's
setting: one prediction per clip, made on the clean clip) or a model run
online (:class:`OnlineTeacher`: a registry name, checkpoint file or
pretrained folder; frozen, eval mode, no gradients). The online teacher
sees the same clips as the student *before* mixup (after the loader's
random gain and roll, without mixup, SpecAugment or Patchout), so both
kinds of teacher give the same soft targets: a clean-clip prediction,
mixed like the labels.

Authors
 * speechbrain-passt developers 2026
"""

import logging
import os

import torch

from speechbrain_passt.training.teachers import (
    OnlineTeacher,
    PrecomputedTeacher,
)

logger = logging.getLogger(__name__)

TEACHER_FILE_EXTENSIONS = (".npz", ".npy", ".jsonl", ".json")
# A mixed item keeps the teacher loss only when both clips had logits.
PRESENT = 1.0 - 1e-6


class Distillation:
    """The teacher's soft targets and the mixed loss, for PaSSTBrain.

    The Brain calls :meth:`attach` before mixup (the soft targets and a
    presence column become extra target columns), :meth:`detach` after it,
    and :meth:`loss` instead of the label loss; :meth:`epoch_stats` logs
    and resets the epoch's counts.

    Arguments
    ---------
    teacher : callable
        ``(ids, wavs, lengths) -> (logits [batch, classes], present
        [batch])``: a :class:`PrecomputedTeacher` or :class:`OnlineTeacher`.
    kd_lambda : float, optional (default: 0.1)
        Weight of the label loss, in ``[0, 1]``.
    kd_temperature : float, optional (default: 1.0)
        Temperature of the teacher's soft targets (> 0).

    Example
    -------
    >>> import numpy as np
    >>> kd = Distillation(PrecomputedTeacher(["a"], np.zeros((1, 2))), 0.5)
    >>> targets = kd.attach(torch.ones(2, 2), ["a", "b"], torch.zeros(2, 8))
    >>> labels, soft = kd.detach(targets)
    >>> soft.tolist()
    [[0.5, 0.5, 1.0], [0.0, 0.0, 0.0]]
    >>> round(kd.loss(torch.zeros(2, 2), labels, soft).item(), 4)
    0.6931
    >>> kd.epoch_stats()
    {'label_loss': 0.6931, 'kd_loss': 0.6931}
    """

    def __init__(self, teacher, kd_lambda=0.1, kd_temperature=1.0):
        if not 0.0 <= kd_lambda <= 1.0:
            raise ValueError(f"kd_lambda must be in [0, 1], got {kd_lambda}")
        if kd_temperature <= 0:
            raise ValueError(f"kd_temperature must be > 0: {kd_temperature}")
        self.teacher = teacher
        self.kd_lambda = float(kd_lambda)
        self.kd_temperature = float(kd_temperature)
        self._reset()

    def _reset(self):
        """Zero the epoch's sums and counts."""
        self.sums = {"label_loss": 0.0, "kd_loss": 0.0}
        self.steps = 0
        self.clips = 0
        self.without_teacher = 0

    def to(self, device):
        """Move an online teacher to the student's device.

        Arguments
        ---------
        device : str or torch.device
            The device.

        Returns
        -------
        Distillation
            self.
        """
        if hasattr(self.teacher, "to"):
            self.teacher.to(device)
        return self

    def check(self, target_kind, target_threshold=None):
        """Raise unless the task is one that distillation supports.

        Arguments
        ---------
        target_kind : str
            Must be ``multi_label`` (the sigmoid soft targets of AudioSet).
        target_threshold : float, optional
            Must be None (thresholding would binarise the soft targets).
        """
        if target_kind != "multi_label" or target_threshold is not None:
            raise ValueError(
                "knowledge distillation needs target_kind multi_label and "
                "no target_threshold"
            )

    def attach(self, targets, ids, wavs, lengths=None):
        """Append the soft targets and the presence column to the labels.

        Arguments
        ---------
        targets : torch.Tensor
            ``[batch, classes]`` labels.
        ids : list of str
            The batch's clip ids.
        wavs : torch.Tensor
            ``[batch, samples]`` waveforms before mixup.
        lengths : torch.Tensor, optional
            ``[batch]`` relative lengths.

        Returns
        -------
        torch.Tensor
            ``[batch, 2 * classes + 1]``: labels, ``sigmoid(t / T)`` (0
            without teacher logits) and 1 / 0 for present / missing.
        """
        logits, present = self.teacher(ids, wavs, lengths)
        if logits.shape != targets.shape:
            raise ValueError(
                f"teacher logits {tuple(logits.shape)} do not match the "
                f"targets {tuple(targets.shape)}"
            )
        present = present.to(targets.device)
        soft = torch.sigmoid(logits.to(targets.device) / self.kd_temperature)
        soft = soft * present[:, None]
        self.clips += len(ids)
        self.without_teacher += int((~present).sum())
        columns = (targets, soft.to(targets.dtype), present[:, None])
        return torch.cat([c.to(targets.dtype) for c in columns], dim=1)

    @staticmethod
    def detach(targets):
        """Split mixed targets into labels and soft targets.

        Arguments
        ---------
        targets : torch.Tensor
            ``[batch, 2 * classes + 1]`` from :meth:`attach` (mixed).

        Returns
        -------
        labels : torch.Tensor
            ``[batch, classes]``.
        soft : torch.Tensor
            ``[batch, classes + 1]``: soft targets and the (mixed) presence.
        """
        classes = (targets.shape[1] - 1) // 2
        return targets[:, :classes], targets[:, classes:]

    def loss(self, logits, labels, soft):
        """``lambda * label_loss + (1 - lambda) * kd_loss`` per clip,
        the label loss alone for clips without teacher.

        Arguments
        ---------
        logits : torch.Tensor
            ``[batch, classes]`` student logits.
        labels : torch.Tensor
            ``[batch, classes]`` (mixed) labels.
        soft : torch.Tensor
            ``[batch, classes + 1]`` from :meth:`detach`.

        Returns
        -------
        torch.Tensor
            The batch mean (scalar).
        """
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        logits = logits.float()
        label_loss = bce(logits, labels.float(), reduction="none").mean(1)
        kd_loss = bce(logits, soft[:, :-1].float(), reduction="none").mean(1)
        with_teacher = (soft[:, -1] >= PRESENT).float()
        mixed = self.kd_lambda * label_loss + (1 - self.kd_lambda) * kd_loss
        loss = with_teacher * mixed + (1.0 - with_teacher) * label_loss
        # Tensors: no device sync per step.
        self.sums["label_loss"] += label_loss.detach().mean()
        self.sums["kd_loss"] += kd_loss.detach().mean()
        self.steps += 1
        return loss.mean()

    def epoch_stats(self):
        """The epoch's mean label and KD losses; logs the clips without
        teacher logits, then starts a new epoch.

        Returns
        -------
        dict
            ``label_loss`` and ``kd_loss`` (batch means, 4 decimals).
        """
        if self.without_teacher:
            logger.warning(
                "KD: %d of %d training clips had no teacher logits and "
                "were trained on their labels only",
                self.without_teacher,
                self.clips,
            )
        steps = max(self.steps, 1)
        stats = {k: round(float(v) / steps, 4) for k, v in self.sums.items()}
        self._reset()
        return stats


def is_teacher_file(source):
    """Whether a teacher is a logits file (else a model run online).

    Arguments
    ---------
    source : str or os.PathLike
        The ``kd_teacher`` value.

    Returns
    -------
    bool
        True for ``.npz``, ``.npy``, ``.jsonl`` and ``.json`` files.

    Example
    -------
    >>> is_teacher_file("logits.npz"), is_teacher_file("passt-s-kd")
    (True, False)
    """
    return os.fspath(source).lower().endswith(TEACHER_FILE_EXTENSIONS)


def make_distillation(hparams, labels, train_ids=None):
    """The recipe's :class:`Distillation`, or None without a teacher.

    Arguments
    ---------
    hparams : dict
        ``kd_teacher`` (null: no distillation; a logits file; or a
        registry name, checkpoint file or pretrained folder run online),
        ``kd_teacher_ids``, ``kd_lambda`` and ``kd_temperature``.
    labels : list of str
        The student's class names, in head order.
    train_ids : iterable of str, optional
        The training manifest's clip ids: the number without teacher
        logits is logged.

    Returns
    -------
    Distillation or None
        The distillation.

    Example
    -------
    >>> make_distillation({"kd_teacher": None}, ["dog"]) is None
    True
    """
    source = hparams["kd_teacher"]
    if source is None or source == "":
        return None
    if is_teacher_file(source):
        teacher = PrecomputedTeacher.from_file(
            source, hparams["kd_teacher_ids"], labels
        )
        if teacher.num_classes != len(labels):
            raise ValueError(
                f"{source}: {teacher.num_classes} classes, the student "
                f"{len(labels)}"
            )
        if train_ids is not None:
            train_ids = list(train_ids)
            logger.info(
                "KD: teacher logits for %d of %d training clips (%s)",
                len(train_ids) - teacher.missing(train_ids),
                len(train_ids),
                source,
            )
    else:
        teacher = OnlineTeacher.from_source(source, labels)
        logger.info("KD: teacher %s, run online", source)
    return Distillation(
        teacher, hparams["kd_lambda"], hparams["kd_temperature"]
    )
