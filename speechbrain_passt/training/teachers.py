"""Teachers of knowledge distillation: logits looked up by clip id, or a
pretrained PaSST run on the training clips.

Both are callables ``(ids, wavs, lengths) -> (logits [batch, classes],
present [batch])`` used by
:class:`~speechbrain_passt.training.distillation.Distillation` (see there
for the loss, and why the online teacher sees the clips before mixup).

Authors
 * speechbrain-passt developers 2026
"""

import os

import torch

from speechbrain_passt.inference import PaSSTClassifier
from speechbrain_passt.training.teacher_logits import read_teacher_logits
from speechbrain_passt.weights import load_original_checkpoint


class PrecomputedTeacher:
    """Teacher logits looked up by clip id.

    Arguments
    ---------
    ids : list of str
        Clip ids, one per row.
    logits : numpy.ndarray
        ``[clips, classes]`` (may be memory-mapped).

    Example
    -------
    >>> import numpy as np
    >>> teacher = PrecomputedTeacher(["a", "b"], np.eye(2, 3))
    >>> logits, present = teacher(["b", "x"], None, None)
    >>> logits.tolist(), present.tolist()
    ([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]], [True, False])
    """

    def __init__(self, ids, logits):
        self.rows = {name: row for row, name in enumerate(ids)}
        self.logits = logits
        self.num_classes = logits.shape[1]

    @classmethod
    def from_file(cls, path, ids_path=None, labels=None):
        """Read a teacher-logits file.

        Arguments
        ---------
        path : str or os.PathLike
            See :func:`~speechbrain_passt.training.teacher_logits.read_teacher_logits`.
        ids_path : str or os.PathLike, optional
            Ids of a ``.npy`` file's rows.
        labels : list of str, optional
            Class names (for ``passt-tag --json`` lines).

        Returns
        -------
        PrecomputedTeacher
            The teacher.
        """
        return cls(*read_teacher_logits(path, ids_path, labels))

    def missing(self, ids):
        """How many of ``ids`` have no logits.

        Arguments
        ---------
        ids : iterable of str
            Clip ids (e.g. a training manifest's).

        Returns
        -------
        int
            The number without a row.
        """
        return sum(name not in self.rows for name in ids)

    def __call__(self, ids, wavs, lengths):
        """Logits of a batch's clips.

        Arguments
        ---------
        ids : list of str
            The batch's clip ids.
        wavs : torch.Tensor or None
            ``[batch, samples]`` (only its device is used).
        lengths : torch.Tensor or None
            Unused.

        Returns
        -------
        logits : torch.Tensor
            ``[batch, classes]`` float (zeros where missing).
        present : torch.Tensor
            ``[batch]`` bool: whether the clip has logits.
        """
        rows = [self.rows.get(name) for name in ids]
        logits = torch.zeros(len(ids), self.num_classes)
        found = [i for i, row in enumerate(rows) if row is not None]
        if found:
            table = self.logits[[rows[i] for i in found]]
            logits[found] = torch.as_tensor(table, dtype=torch.float32)
        present = torch.tensor([row is not None for row in rows])
        device = None if wavs is None else wavs.device
        return logits.to(device), present.to(device)


class OnlineTeacher:
    """A pretrained PaSST run on the training clips (frozen, eval mode).

    Arguments
    ---------
    classifier : PaSSTClassifier
        The teacher (its ``forward(wavs, lengths)`` gives ``[batch, 1,
        classes]`` logits under inference mode).

    Example
    -------
    >>> from speechbrain_passt import PaSST, PaSSTHead
    >>> teacher = OnlineTeacher(
    ...     PaSSTClassifier.from_modules(
    ...         PaSST(embed_dim=8, depth=1, num_heads=2),
    ...         PaSSTHead(8, 3),
    ...         ["a", "b", "c"],
    ...     )
    ... )
    >>> logits, present = teacher(["x"], torch.rand(1, 16000), torch.ones(1))
    >>> logits.shape, present.tolist()
    (torch.Size([1, 3]), [True])
    """

    def __init__(self, classifier):
        self.classifier = classifier

    @classmethod
    def from_source(cls, source, labels):
        """Load a teacher from a pretrained folder, a registry name or a
        checkpoint file.

        Arguments
        ---------
        source : str or os.PathLike
            A pretrained folder (``hyperparams.yaml`` inside; its class
            names must equal ``labels``), or anything
            :func:`~speechbrain_passt.weights.load_original_checkpoint`
            loads (a released checkpoint's registry name, a file).
        labels : list of str
            The student's class names, in head order.

        Returns
        -------
        OnlineTeacher
            The teacher, on the CPU (see :meth:`to`).

        Raises
        ------
        ValueError
            The teacher's classes differ from the student's.
        """
        if os.path.isdir(os.fspath(source)):
            classifier = PaSSTClassifier.from_hparams(
                os.fspath(source), run_opts={"device": "cpu"}
            )
            if list(classifier.labels) != list(labels):
                raise ValueError(
                    f"the teacher {source} has other classes (or another "
                    "order) than the student's labels"
                )
        else:
            encoder, head = load_original_checkpoint(source)
            if head.num_classes != len(labels):
                raise ValueError(
                    f"the teacher {source} has {head.num_classes} classes, "
                    f"the student {len(labels)}"
                )
            classifier = PaSSTClassifier.from_modules(encoder, head, labels)
        return cls(classifier)

    def to(self, device):
        """Move the teacher to the student's device.

        Arguments
        ---------
        device : str or torch.device
            The device.

        Returns
        -------
        OnlineTeacher
            self.
        """
        self.classifier.mods.to(device)
        self.classifier.device = str(device)
        self.classifier.device_type = torch.device(device).type
        return self

    def __call__(self, ids, wavs, lengths):
        """Logits of a batch's clips.

        Arguments
        ---------
        ids : list of str
            Unused (every clip has logits).
        wavs : torch.Tensor
            ``[batch, samples]`` waveforms (before mixup).
        lengths : torch.Tensor
            ``[batch]`` relative lengths.

        Returns
        -------
        logits : torch.Tensor
            ``[batch, classes]`` float.
        present : torch.Tensor
            ``[batch]`` bool, all True.
        """
        logits = self.classifier(wavs, lengths).squeeze(1)
        # Inference-mode tensors cannot be saved for the student's backward.
        logits = logits.float().clone()
        present = torch.ones(len(logits), dtype=torch.bool)
        return logits, present.to(logits.device)
