"""One batch of PaSSTBrain: augmentation, features, model and loss; the
model part optionally compiled.

:func:`forward_batch` is the Brain's forward: in training, waveform mixup
-> target threshold -> log-mel front-end (mel jitter and SpecAugment) ->
spectrogram mixup -> encoder (Patchout) and head; with knowledge
distillation the teacher's soft targets ride along the labels through both
mixups (:mod:`~speechbrain_passt.training.distillation`).
:func:`batch_loss` is the loss of the target kind, or the distillation
loss.

:class:`TrainingForward` runs encoder and head on (mixed) spectrograms and is
what ``compile_training: True`` compiles with ``torch.compile``
(:func:`compile_training_forward`). Patchout keeps the sequence length fixed
per variant (PaSST-S: 474 tokens for every 10 s clip), so the graph is
compiled with static shapes (``dynamic=False``): one graph per training
batch size (the last, smaller batch of an epoch adds one), with forward
and backward fused by inductor.

Why not SpeechBrain's ``--compile`` run option: it replaces each module
(``compute_features``, ``embedding_model``, ``classifier``) by its compiled
wrapper for every stage, so validation and test would also run through
inductor's kernels (not the eager path whose outputs the golden tests pin),
each eval shape (1190 tokens, the eval batch size, the last eval batch)
would add a compilation, and the exported state dicts would carry the
wrappers' ``_orig_mod.`` prefix. ``compile_training`` compiles the
training step only and leaves evaluation, checkpoints and export eager and
unchanged. (:func:`unwrap_module` sees through ``--compile``'s wrappers,
so that option still exports correctly.) Under DDP the compiled graph calls
the DDP-wrapped modules; dynamo breaks the graph around DDP's hooks, and the
gradients are still reduced (two CPU processes with gloo keep identical
weights).

The other two speed-ups need no code here: the fused AdamW kernel is the
yaml's ``fused_adamw`` (``torch.optim.AdamW(fused=True)``: CUDA, and CPU
since torch 2.4), and bf16 autocast is SpeechBrain's ``--precision=bf16``.

Authors
 * speechbrain-passt developers 2026
"""

import logging

import torch

from speechbrain_passt.training.objectives import (
    batch_targets,
    compute_loss,
    threshold_targets,
)

logger = logging.getLogger(__name__)


class TrainingForward(torch.nn.Module):
    """Encoder and head on spectrograms: the compiled part of a step.

    Arguments
    ---------
    encoder : torch.nn.Module
        The :class:`~speechbrain_passt.lobes.passt.PaSST` encoder (or its
        DDP wrapper).
    head : torch.nn.Module
        The :class:`~speechbrain_passt.lobes.head.PaSSTHead` (or its DDP
        wrapper).

    Example
    -------
    >>> from speechbrain_passt import PaSST, PaSSTHead
    >>> forward = TrainingForward(
    ...     PaSST(embed_dim=8, depth=1, num_heads=2), PaSSTHead(8, 3)
    ... )
    >>> forward(torch.rand(2, 100, 128), torch.ones(2)).shape
    torch.Size([2, 3])
    """

    def __init__(self, encoder, head):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, feats, lengths=None):
        """Logits of a batch of spectrograms.

        Arguments
        ---------
        feats : torch.Tensor
            Log-mel spectrograms ``[batch, frames, n_mels]``.
        lengths : torch.Tensor, optional
            Relative lengths ``[batch]``; None: every item is whole.

        Returns
        -------
        torch.Tensor
            ``[batch, classes]`` logits.
        """
        return self.head(self.encoder(feats, lengths)).squeeze(1)


def compile_training_forward(modules):
    """Compile :class:`TrainingForward` with static shapes.

    Arguments
    ---------
    modules : dict or torch.nn.ModuleDict
        ``embedding_model`` and ``classifier`` (their parameters are
        shared, not copied).

    Returns
    -------
    callable
        ``(feats, lengths) -> logits`` compiled by ``torch.compile``
        (inductor; compilation happens at the first call).

    Example
    -------
    >>> from speechbrain_passt import PaSST, PaSSTHead
    >>> compiled = compile_training_forward(
    ...     {
    ...         "embedding_model": PaSST(embed_dim=8, depth=1, num_heads=2),
    ...         "classifier": PaSSTHead(8, 3),
    ...     }
    ... )
    >>> callable(compiled)
    True
    """
    forward = TrainingForward(modules["embedding_model"], modules["classifier"])
    return torch.compile(forward, dynamic=False)


def run_training_forward(encoder, head, feats, lengths, compiled=None):
    """Logits of the training step, through the compiled graph if any.

    Whole items (every relative length 1, as AudioSet's padded 10 s clips)
    are passed to the compiled graph without lengths: the encoder then
    builds no padding mask, the same result as with all-ones lengths,
    and the graph avoids the data-dependent check that would split it.

    Arguments
    ---------
    encoder : torch.nn.Module
        The encoder.
    head : torch.nn.Module
        The head.
    feats : torch.Tensor
        ``[batch, frames, n_mels]`` spectrograms.
    lengths : torch.Tensor or None
        ``[batch]`` relative lengths.
    compiled : callable, optional
        From :func:`compile_training_forward`; None runs eagerly.

    Returns
    -------
    torch.Tensor
        ``[batch, classes]`` logits.

    Example
    -------
    >>> from speechbrain_passt import PaSST, PaSSTHead
    >>> encoder = PaSST(embed_dim=8, depth=1, num_heads=2)
    >>> head = PaSSTHead(8, 3)
    >>> feats = torch.rand(2, 100, 128)
    >>> run_training_forward(encoder, head, feats, torch.ones(2)).shape
    torch.Size([2, 3])
    """
    if compiled is None:
        return head(encoder(feats, lengths)).squeeze(1)
    if lengths is not None and bool((lengths >= 1.0).all()):
        lengths = None
    return compiled(feats, lengths)


def forward_batch(modules, hparams, batch, target_kind, train, compiled=None):
    """Augment (training), extract features and classify one batch.

    Arguments
    ---------
    modules : torch.nn.ModuleDict
        ``compute_features``, ``embedding_model`` and ``classifier``.
    hparams : object
        Attributes ``wav_mixup``, ``spec_mixup``, ``target_threshold``
        and ``distillation`` (see
        :class:`~speechbrain_passt.training.brain.PaSSTBrain`).
    batch : speechbrain.dataio.batch.PaddedBatch
        ``id``, ``sig``, ``target`` (and ``mask``), on the model's device.
    target_kind : str
        One of :data:`~speechbrain_passt.training.objectives.TARGET_KINDS`.
    train : bool
        Training (augmentations, Patchout, distillation) or evaluation.
    compiled : callable, optional
        From :func:`compile_training_forward`, used in training only.

    Returns
    -------
    dict
        ``logits`` ``[batch, classes]``, the (mixed) ``targets`` and
        ``mask``, the ``feats`` and ``lens`` given to the encoder and, in
        training with distillation, ``kd_targets`` ``[batch, classes + 1]``
        (see :meth:`~speechbrain_passt.training.distillation.Distillation.detach`).

    Example
    -------
    >>> from types import SimpleNamespace
    >>> from speechbrain.dataio.batch import PaddedBatch
    >>> from speechbrain_passt import PaSST, PaSSTFbank, PaSSTHead
    >>> modules = torch.nn.ModuleDict(
    ...     dict(
    ...         compute_features=PaSSTFbank(),
    ...         embedding_model=PaSST(embed_dim=8, depth=1, num_heads=2),
    ...         classifier=PaSSTHead(8, 2),
    ...     )
    ... )
    >>> hparams = SimpleNamespace(
    ...     wav_mixup=None,
    ...     spec_mixup=None,
    ...     target_threshold=None,
    ...     distillation=None,
    ... )
    >>> batch = PaddedBatch(
    ...     [{"id": "a", "sig": torch.rand(16000), "target": torch.ones(2)}]
    ... )
    >>> out = forward_batch(modules, hparams, batch, "multi_label", False)
    >>> out["logits"].shape, out["feats"].shape
    (torch.Size([1, 2]), torch.Size([1, 50, 128]))
    """
    wavs, lens = batch.sig
    targets, mask = batch_targets(batch, target_kind)
    kd = hparams.distillation if train else None
    if kd is not None:  # soft targets, mixed as the labels
        targets = kd.attach(targets, batch.id, wavs, lens)
    if train and hparams.wav_mixup is not None:
        wavs, lens, targets, mask = hparams.wav_mixup(wavs, lens, targets, mask)
    # After waveform mixup, as the original OpenMIC recipe.
    targets = threshold_targets(targets, hparams.target_threshold)
    feats = modules.compute_features(wavs)
    if train and hparams.spec_mixup is not None:
        feats, lens, targets, mask = hparams.spec_mixup(
            feats, lens, targets, mask
        )
    logits = run_training_forward(
        modules.embedding_model,
        modules.classifier,
        feats,
        lens,
        compiled if train else None,
    )
    out = {"logits": logits, "mask": mask, "feats": feats, "lens": lens}
    if kd is not None:
        targets, out["kd_targets"] = kd.detach(targets)
    out["targets"] = targets
    return out


def batch_loss(predictions, target_kind, distillation=None):
    """The loss of a batch: distillation's when the batch has
    ``kd_targets``, else the target kind's.

    Arguments
    ---------
    predictions : dict
        From :func:`forward_batch`.
    target_kind : str
        The target kind.
    distillation : Distillation, optional
        Needed when ``kd_targets`` are present.

    Returns
    -------
    torch.Tensor
        Scalar loss.

    Example
    -------
    >>> predictions = dict(
    ...     logits=torch.zeros(1, 2), targets=torch.ones(1, 2), mask=None
    ... )
    >>> round(batch_loss(predictions, "multi_label").item(), 4)
    0.6931
    """
    logits, targets = predictions["logits"], predictions["targets"]
    if "kd_targets" in predictions:
        return distillation.loss(logits, targets, predictions["kd_targets"])
    return compute_loss(target_kind, logits, targets, predictions["mask"])


def unwrap_module(module):
    """The module inside DDP / DataParallel and ``torch.compile`` wrappers.

    Arguments
    ---------
    module : torch.nn.Module
        A module, possibly wrapped (e.g. by SpeechBrain's ``--compile``).

    Returns
    -------
    torch.nn.Module
        The innermost module, whose state dict has the plain keys.

    Example
    -------
    >>> linear = torch.nn.Linear(2, 2)
    >>> unwrap_module(torch.compile(linear)) is linear
    True
    """
    while True:
        inner = getattr(module, "_orig_mod", None)
        if inner is None:
            inner = getattr(module, "module", None)
        if not isinstance(inner, torch.nn.Module):
            return module
        module = inner
