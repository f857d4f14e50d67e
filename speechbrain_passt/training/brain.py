"""PaSSTBrain: the SpeechBrain ``Brain`` every PaSST recipe trains with.

One training step follows the original recipes: waveform mixup -> log-mel
front-end (mel-bank jitter and SpecAugment in training mode) -> spectrogram
mixup -> encoder (Patchout in training mode) -> head -> loss with the mixed
targets. Validation evaluates the live model and, once it holds weights,
the SWA average, and logs both; the checkpointer keeps the best checkpoint
by the task's metric (or the last one), and ``evaluate`` loads it.

Deliberate differences from the original implementation are listed in the
modules that implement each piece (``augment``, ``schedule``, ``swa``).

Authors
 * speechbrain-passt developers 2026
"""

import logging
import os
import zipfile

import speechbrain as sb
import torch
from speechbrain.utils.distributed import run_on_main

from speechbrain_passt.training.metrics import ClipMetrics
from speechbrain_passt.training.objectives import (
    check_target_kind,
    compute_loss,
)
from speechbrain_passt.training.swa import StochasticWeightAveraging
from speechbrain_passt.weights import load_pretrained_weights

logger = logging.getLogger(__name__)

FBANK_EXPORT_ATTRIBUTES = (
    "sample_rate",
    "n_fft",
    "win_length",
    "hop_length",
    "n_mels",
    "f_min",
    "f_max",
    "preemphasis",
    "log_offset",
    "norm_shift",
    "norm_scale",
)


class PaSSTBrain(sb.Brain):
    """Trains and evaluates a PaSST classifier.

    The dataset's batches must provide:

    * ``batch.sig``: ``(wavs [batch, samples], relative lengths [batch])`` at
      the front-end's sample rate (use
      :class:`~speechbrain_passt.training.dataio.ClipLoader`);
    * ``batch.target``: ``([batch, classes] float, _)``: one-hot for
      ``single_label``, multi-hot (or soft) for the multi-label kinds;
    * ``batch.mask``: ``([batch, classes] 0/1 float, _)`` for
      ``masked_multi_label`` only (1 where the label is known).

    ``modules`` must hold ``compute_features``
    (:class:`~speechbrain_passt.lobes.features.PaSSTFbank`),
    ``embedding_model`` (:class:`~speechbrain_passt.lobes.passt.PaSST`) and
    ``classifier`` (:class:`~speechbrain_passt.lobes.passt.PaSSTHead`).
    The hyperparameters it reads (see :data:`HPARAMS`):

    * ``target_kind``: ``single_label`` (cross-entropy, accuracy),
      ``multi_label`` (BCE, macro mAP and ROC-AUC) or
      ``masked_multi_label`` (BCE weighted by the mask, masked mAP / AUC);
    * ``wav_mixup`` / ``spec_mixup``: a
      :class:`~speechbrain_passt.training.augment.BatchMixup` or null (off);
    * ``lr_schedule``: a callable ``epoch -> factor`` of the optimizer's
      learning rate (e.g.
      :class:`~speechbrain_passt.training.schedule.ExpWarmupLinearDecay`),
      applied at the start of every training epoch; null = constant;
    * ``swa_start_epoch`` (null = no SWA), ``swa_frequency``: SWA updates;
    * ``evaluate_with_swa``: test (and export) with the SWA weights;
    * ``select_best``: keep and evaluate the best checkpoint by the main
      metric (``accuracy`` or ``mAP``, prefixed ``swa_`` when evaluating
      with SWA); False = the last one;
    * ``pretrained``: initial weights (null = from scratch; else anything
      :func:`~speechbrain_passt.weights.checkpoints.load_pretrained_weights` takes,
      e.g. a converted checkpoint, a pretrained folder or ``imagenet``);
    * ``train_logger`` and ``epoch_counter``, as in every recipe.

    Other settings come from SpeechBrain's run options (``precision``,
    ``max_grad_norm``, ``ckpt_interval_minutes``, ...). A sampler given in
    the training loader options gets ``set_epoch`` every epoch, also on a
    single process.

    Arguments
    ---------
    *args
        Passed to ``speechbrain.Brain``.
    **kwargs
        Passed to ``speechbrain.Brain``.

    Example
    -------
    >>> from speechbrain_passt import PaSST, PaSSTFbank, PaSSTHead
    >>> modules = {
    ...     "compute_features": PaSSTFbank(n_mels=32),
    ...     "embedding_model": PaSST(
    ...         n_mels=32,
    ...         fstride=16,
    ...         tstride=16,
    ...         max_frames=64,
    ...         embed_dim=16,
    ...         depth=1,
    ...         num_heads=2,
    ...     ),
    ...     "classifier": PaSSTHead(16, 3),
    ... }
    >>> brain = PaSSTBrain(modules, hparams={"target_kind": "single_label"})
    >>> brain.selection_key
    'accuracy'
    """

    HPARAMS = (
        "target_kind",
        "wav_mixup",
        "spec_mixup",
        "lr_schedule",
        "swa_start_epoch",
        "swa_frequency",
        "evaluate_with_swa",
        "select_best",
        "pretrained",
        "train_logger",
        "epoch_counter",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("compute_features", "embedding_model", "classifier"):
            if name not in self.modules:
                raise ValueError(f"PaSSTBrain needs modules['{name}']")
        self.target_kind = check_target_kind(self._hparam("target_kind"))
        load_initial_weights(
            self.modules.embedding_model,
            self.modules.classifier,
            self._hparam("pretrained", None),
        )
        self.swa = None
        start = self._hparam("swa_start_epoch", None)
        if start is not None:
            live = torch.nn.ModuleDict(
                {
                    "embedding_model": self.modules.embedding_model,
                    "classifier": self.modules.classifier,
                }
            )
            self.swa = StochasticWeightAveraging(
                live, start, self._hparam("swa_frequency", 1)
            ).eval()
            if self.checkpointer is not None:
                self.checkpointer.add_recoverable("swa", self.swa)
        self.evaluate_with_swa = bool(
            self._hparam("evaluate_with_swa", self.swa is not None)
        )
        if self.evaluate_with_swa and self.swa is None:
            raise ValueError("evaluate_with_swa needs swa_start_epoch")
        self.main_key = ClipMetrics(self.target_kind).main_key
        self.selection_key = None
        if self._hparam("select_best", True):
            prefix = "swa_" if self.evaluate_with_swa else ""
            self.selection_key = prefix + self.main_key
        self.base_lrs = None
        self.train_stats = None
        self.valid_stats = None
        self.test_stats = None

    def _hparam(self, name, default=...):
        if self.hparams is not None and hasattr(self.hparams, name):
            return getattr(self.hparams, name)
        if default is ...:
            raise ValueError(f"PaSSTBrain needs the hyperparameter '{name}'")
        return default

    def compute_forward(self, batch, stage):
        """Augment (training), extract features and classify.

        Arguments
        ---------
        batch : speechbrain.dataio.batch.PaddedBatch
            See the class docstring for the keys.
        stage : speechbrain.Stage
            TRAIN, VALID or TEST.

        Returns
        -------
        dict
            ``logits`` ``[batch, classes]``, the (mixed) ``targets`` and
            ``mask``, and ``swa_logits`` when validating with an SWA
            average.
        """
        batch = batch.to(self.device)
        wavs, lens = batch.sig
        targets, mask = self._targets(batch)
        train = stage == sb.Stage.TRAIN
        wav_mixup = self._hparam("wav_mixup", None)
        if train and wav_mixup is not None:
            wavs, lens, targets, mask = wav_mixup(wavs, lens, targets, mask)
        feats = self.modules.compute_features(wavs)
        spec_mixup = self._hparam("spec_mixup", None)
        if train and spec_mixup is not None:
            feats, lens, targets, mask = spec_mixup(feats, lens, targets, mask)
        out = {"targets": targets, "mask": mask}
        use_swa = self.swa is not None and self.swa.num_averaged > 0
        if stage == sb.Stage.TEST and self.evaluate_with_swa and use_swa:
            out["logits"] = self._classify_swa(feats, lens)
        else:
            embeddings = self.modules.embedding_model(feats, lens)
            out["logits"] = self.modules.classifier(embeddings).squeeze(1)
        if stage == sb.Stage.VALID and use_swa:
            out["swa_logits"] = self._classify_swa(feats, lens)
        return out

    def _classify_swa(self, feats, lens):
        embeddings = self.swa.module("embedding_model")(feats, lens)
        return self.swa.module("classifier")(embeddings).squeeze(1)

    def _targets(self, batch):
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
        if self.target_kind == "masked_multi_label":
            if not hasattr(batch, "mask"):
                raise ValueError("masked_multi_label batches need a 'mask' key")
            mask, _ = batch.mask
            mask = mask.float()
        return targets, mask

    def compute_objectives(self, predictions, batch, stage):
        """Loss of the target kind; metrics outside training.

        Arguments
        ---------
        predictions : dict
            Output of :meth:`compute_forward`.
        batch : speechbrain.dataio.batch.PaddedBatch
            The batch.
        stage : speechbrain.Stage
            TRAIN, VALID or TEST.

        Returns
        -------
        torch.Tensor
            Scalar loss.
        """
        targets, mask = predictions["targets"], predictions["mask"]
        loss = compute_loss(
            self.target_kind, predictions["logits"], targets, mask
        )
        if stage != sb.Stage.TRAIN:
            self.metrics.append(predictions["logits"], targets, mask)
            if "swa_logits" in predictions:
                swa_loss = compute_loss(
                    self.target_kind, predictions["swa_logits"], targets, mask
                )
                self.swa_loss_sum += float(swa_loss)
                self.swa_batches += 1
                self.swa_metrics.append(
                    predictions["swa_logits"], targets, mask
                )
        return loss

    def init_optimizers(self):
        """Create the optimizer, remember its peak learning rates and set
        aside incomplete checkpoints (a run killed while saving) before
        SpeechBrain recovers the latest one."""
        super().init_optimizers()
        if self.optimizer is not None:
            self.base_lrs = [g["lr"] for g in self.optimizer.param_groups]
        if self.checkpointer is not None:
            run_on_main(
                set_aside_incomplete_checkpoints,
                args=[self.checkpointer],
            )

    def make_dataloader(
        self, dataset, stage, ckpt_prefix="dataloader-", **loader_kwargs
    ):
        """SpeechBrain's loader, plus ``set_epoch`` for a user sampler on a
        single process (SpeechBrain only does it under DDP).

        Arguments
        ---------
        dataset : Dataset
            The dataset.
        stage : speechbrain.Stage
            The stage.
        ckpt_prefix : str, optional (default: "dataloader-")
            Checkpoint name prefix of the loader.
        **loader_kwargs
            DataLoader options.

        Returns
        -------
        DataLoader
        """
        sampler = loader_kwargs.get("sampler")
        loader = super().make_dataloader(
            dataset, stage, ckpt_prefix, **loader_kwargs
        )
        if (
            stage == sb.Stage.TRAIN
            and self.train_sampler is None
            and hasattr(sampler, "set_epoch")
        ):
            self.train_sampler = sampler
        return loader

    def on_stage_start(self, stage, epoch=None):
        """Set the epoch's learning rate (training) or reset the metrics.

        Arguments
        ---------
        stage : speechbrain.Stage
            The stage.
        epoch : int, optional
            The (1-based) epoch.
        """
        if stage == sb.Stage.TRAIN:
            schedule = self._hparam("lr_schedule", None)
            if schedule is not None and self.base_lrs is not None:
                factor = float(schedule(epoch))
                for group, base in zip(
                    self.optimizer.param_groups, self.base_lrs, strict=True
                ):
                    group["lr"] = base * factor
            return
        self.metrics = ClipMetrics(self.target_kind)
        self.swa_metrics = ClipMetrics(self.target_kind)
        self.swa_loss_sum, self.swa_batches = 0.0, 0
        if self.swa is not None:
            self.swa.eval()

    def _stage_stats(self, stage_loss):
        stats = {"loss": float(stage_loss), **self.metrics.summarize()}
        if self.swa_batches:
            stats["swa_loss"] = self.swa_loss_sum / self.swa_batches
            for key, value in self.swa_metrics.summarize().items():
                stats["swa_" + key] = value
        return {key: float(value) for key, value in stats.items()}

    def on_stage_end(self, stage, stage_loss, epoch=None):
        """Update SWA after training; log, checkpoint and report.

        Arguments
        ---------
        stage : speechbrain.Stage
            The stage.
        stage_loss : float
            Average loss of the stage.
        epoch : int, optional
            The (1-based) epoch.
        """
        if stage == sb.Stage.TRAIN:
            self.train_stats = {"loss": float(stage_loss)}
            if self.swa is not None and self.swa.maybe_update(epoch):
                logger.info(
                    "SWA: added epoch %d (%d snapshots)",
                    epoch,
                    self.swa.num_averaged,
                )
            return
        stats = self._stage_stats(stage_loss)
        train_logger = self._hparam("train_logger", None)
        if stage == sb.Stage.VALID:
            self.valid_stats = stats
            if train_logger is not None:
                lr = self.optimizer.param_groups[0]["lr"]
                train_logger.log_stats(
                    stats_meta={"epoch": epoch, "lr": lr},
                    train_stats=self.train_stats,
                    valid_stats=stats,
                )
            if self.checkpointer is not None:
                keys = [self.selection_key] if self.selection_key else []
                self.checkpointer.save_and_keep_only(
                    meta=dict(stats, epoch=float(epoch)),
                    max_keys=keys,
                    num_to_keep=1,
                )
        elif stage == sb.Stage.TEST:
            self.test_stats = stats
            if train_logger is not None:
                counter = self._hparam("epoch_counter", None)
                loaded = counter.current if counter is not None else epoch
                train_logger.log_stats(
                    stats_meta={"Epoch loaded": loaded},
                    test_stats=stats,
                )

    def on_evaluate_start(self, max_key=None, min_key=None):
        """Load the checkpoint to evaluate: the best by
        :attr:`selection_key` unless a key is given, else the latest.

        Arguments
        ---------
        max_key : str, optional
            Metric to maximise when choosing the checkpoint.
        min_key : str, optional
            Metric to minimise when choosing the checkpoint.
        """
        if max_key is None and min_key is None:
            max_key = self.selection_key
        super().on_evaluate_start(max_key=max_key, min_key=min_key)
        if self.evaluate_with_swa and self.swa.num_averaged == 0:
            logger.warning(
                "evaluate_with_swa is set but the SWA average is empty "
                "(training stopped before swa_start_epoch): evaluating the "
                "live model"
            )

    def inference_modules(self):
        """The encoder and head used for testing and export.

        Returns
        -------
        encoder : PaSST
            The SWA average when evaluating with SWA and it holds weights,
            else the live encoder (unwrapped from DDP).
        head : PaSSTHead
            The matching head.
        """
        if self.evaluate_with_swa and self.swa.num_averaged > 0:
            return (
                self.swa.module("embedding_model"),
                self.swa.module("classifier"),
            )
        return (
            _unwrap(self.modules.embedding_model),
            _unwrap(self.modules.classifier),
        )

    def export_pretrained(self, out_dir, labels):
        """Export the evaluated model as a SpeechBrain pretrained folder.

        Arguments
        ---------
        out_dir : str or os.PathLike
            Destination folder.
        labels : list of str
            Display names in head output order.

        Returns
        -------
        pathlib.Path
            The folder (from
            :func:`~speechbrain_passt.weights.checkpoints.export_pretrained_folder`).
        """
        from speechbrain_passt.weights import (
            export_pretrained_folder,
        )

        encoder, head = self.inference_modules()
        fbank = self.modules.compute_features
        fbank_kwargs = {
            name: getattr(fbank, name)
            for name in FBANK_EXPORT_ATTRIBUTES
            if hasattr(fbank, name)
        }
        return export_pretrained_folder(
            encoder,
            head,
            list(labels),
            out_dir,
            multi_label=self.target_kind != "single_label",
            fbank_kwargs=fbank_kwargs,
        )


def load_initial_weights(encoder, head, pretrained):
    """Initialise a model for training from a ``pretrained`` setting.

    Arguments
    ---------
    encoder : PaSST
        The encoder.
    head : PaSSTHead
        The head (its Linear is re-initialised when the class count
        differs).
    pretrained : str, os.PathLike or None
        None or "" (from scratch), or anything
        :func:`~speechbrain_passt.weights.checkpoints.load_pretrained_weights`
        accepts: a SpeechBrain pretrained folder, an original-layout
        checkpoint file and, with the weights registry, a released
        checkpoint's name or ``imagenet`` (DeiT weights adapted to the
        encoder's grid).

    Returns
    -------
    bool
        Whether any weights were loaded.

    Example
    -------
    >>> load_initial_weights(None, None, None)
    False
    """
    if pretrained is None or pretrained == "":
        return False
    load_pretrained_weights(_unwrap(encoder), _unwrap(head), pretrained)
    logger.info("Initialised the encoder and head from %s", pretrained)
    return True


def set_aside_incomplete_checkpoints(checkpointer):
    """Rename checkpoints that a killed save left incomplete.

    SpeechBrain writes ``CKPT.yaml`` before the parameter files, so a
    process killed while saving leaves a checkpoint that looks complete but
    misses files (or holds a truncated one), and resuming from it fails.
    Such folders get the prefix ``INCOMPLETE-`` (kept for inspection, no
    longer listed as checkpoints): the newest checkpoint when it misses a
    recoverable's file, any checkpoint with an empty or truncated file.

    Arguments
    ---------
    checkpointer : speechbrain.utils.checkpoints.Checkpointer
        The checkpointer, with all its recoverables registered.

    Returns
    -------
    list of pathlib.Path
        The folders set aside.

    Example
    -------
    >>> from speechbrain.utils.checkpoints import Checkpointer
    >>> layer = torch.nn.Linear(2, 2)
    >>> ckpt = Checkpointer(getfixture("tmpdir"), {"layer": layer})
    >>> saved = ckpt.save_checkpoint()
    >>> (saved.path / "layer.ckpt").unlink()
    >>> [p.name.split("+")[0] for p in set_aside_incomplete_checkpoints(ckpt)]
    ['INCOMPLETE-CKPT']
    >>> ckpt.list_checkpoints()
    []
    """
    set_aside = []
    checkpoints = sorted(
        checkpointer.list_checkpoints(), key=lambda c: c.meta["unixtime"]
    )
    for index, ckpt in enumerate(checkpoints):
        newest = index == len(checkpoints) - 1
        problem = _checkpoint_problem(ckpt, checkpointer.recoverables, newest)
        if problem is None:
            continue
        target = ckpt.path.with_name("INCOMPLETE-" + ckpt.path.name)
        os.replace(ckpt.path, target)
        logger.warning(
            "Set aside incomplete checkpoint %s (%s)", target, problem
        )
        set_aside.append(target)
    return set_aside


def _checkpoint_problem(ckpt, recoverables, newest):
    """Why a checkpoint is incomplete, or None. Files can only be missing
    from the newest checkpoint (older ones were complete when it was
    started); elsewhere a missing file is left for SpeechBrain to report.
    SpeechBrain tolerates missing data loader positions."""
    for name in recoverables:
        path = ckpt.paramfiles.get(name)
        if path is None or not path.is_file():
            if newest and "dataloader" not in name:
                return f"missing {name}.ckpt"
            continue
        if path.stat().st_size == 0:
            return f"empty {name}.ckpt"
        with open(path, "rb") as fin:
            is_zip = fin.read(2) == b"PK"
        if is_zip and not zipfile.is_zipfile(path):
            return f"truncated {name}.ckpt"
    return None


def _unwrap(module):
    """The module inside a DDP / DataParallel wrapper."""
    return getattr(module, "module", module)
