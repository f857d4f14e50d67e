"""PaSSTBrain: the SpeechBrain ``Brain`` every PaSST recipe trains with.

A training step follows the original recipes (see
:func:`~speechbrain_passt.training.step.forward_batch`): waveform mixup,
log-mel front-end with SpecAugment, spectrogram mixup, encoder with Patchout,
head, loss. Validation and test evaluate the live model and, once it holds
weights, the SWA average, and report both (``accuracy`` / ``swa_accuracy``,
``mAP`` / ``swa_mAP``); the checkpointer keeps the best checkpoint by the
task's metric (or the last one), and ``evaluate`` loads it.

Deliberate differences from the original implementation are listed in the
modules that implement each piece (``augment``, ``schedule``, ``swa``).

Authors
 * speechbrain-passt developers 2026
"""

import logging

import speechbrain as sb
from speechbrain.utils.distributed import run_on_main

from speechbrain_passt.training.metrics import ClipMetrics, StageMetrics
from speechbrain_passt.training.objectives import check_target_kind
from speechbrain_passt.training.resume import (
    load_unless_resuming,
    set_aside_incomplete_checkpoints,
)
from speechbrain_passt.training.step import (
    batch_loss,
    compile_training_forward,
    forward_batch,
    unwrap_module,
)
from speechbrain_passt.training.swa import StochasticWeightAveraging

logger = logging.getLogger(__name__)


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
    The hyperparameters it reads as ``self.hparams.<key>`` (those missing
    from ``hparams`` take the values of :attr:`DEFAULT_HPARAMS`):

    * ``target_kind``: ``single_label`` (cross-entropy, accuracy),
      ``multi_label`` (BCE, macro mAP and ROC-AUC) or
      ``masked_multi_label`` (BCE weighted by the mask, masked mAP / AUC);
    * ``wav_mixup`` / ``spec_mixup``: a
      :class:`~speechbrain_passt.training.augment.BatchMixup` or null (off);
    * ``lr_schedule``: a callable ``epoch -> factor`` of the optimizer's
      learning rate (e.g.
      :class:`~speechbrain_passt.training.schedule.ExpWarmupLinearDecay`),
      applied at the start of every training epoch; null = constant;
    * ``target_threshold``: binarise the targets (``> threshold``) after
      waveform mixup (OpenMIC relevances); null = keep them;
    * ``swa_start_epoch`` (null = no SWA), ``swa_frequency``: SWA updates;
    * ``evaluate_with_swa``: the SWA average is :attr:`exported_model`
      (exported, selected on); the test reports both models either way;
    * ``select_best``: keep and evaluate the best checkpoint by the main
      metric (``accuracy`` or ``mAP``, prefixed ``swa_`` when evaluating
      with SWA); False = the last one;
    * ``compile_training``: ``torch.compile`` the training step's encoder
      and head (:mod:`~speechbrain_passt.training.step`);
    * ``distillation``: knowledge distillation (``multi_label`` only), a
      :class:`~speechbrain_passt.training.distillation.Distillation`;
    * ``train_logger`` and ``epoch_counter``, as in every recipe.

    Initial weights are an explicit step before ``fit``
    (:meth:`load_pretrained`). Other settings come from SpeechBrain's run
    options (``precision``, ``max_grad_norm``, ...). A sampler given in the
    training loader options gets ``set_epoch`` every epoch.

    Arguments
    ---------
    modules : dict
        ``compute_features``, ``embedding_model`` and ``classifier``.
    opt_class : callable, optional
        Optimizer factory (``opt_class`` of the yaml).
    hparams : dict, optional
        Must hold ``target_kind``; see above for the others.
    **kwargs
        Passed to ``speechbrain.Brain`` (``run_opts``, ``checkpointer``).

    Raises
    ------
    ValueError
        A module or ``target_kind`` is missing, or ``evaluate_with_swa``
        without ``swa_start_epoch``.

    Example
    -------
    >>> from speechbrain_passt import PaSST, PaSSTFbank, PaSSTHead
    >>> modules = dict(
    ...     compute_features=PaSSTFbank(), classifier=PaSSTHead(8, 3)
    ... )
    >>> modules["embedding_model"] = PaSST(embed_dim=8, depth=1, num_heads=2)
    >>> brain = PaSSTBrain(modules, hparams={"target_kind": "single_label"})
    >>> brain.selection_key, brain.exported_model
    ('accuracy', 'live')
    >>> brain.load_pretrained(None)
    False
    """

    DEFAULT_HPARAMS = {
        "wav_mixup": None,
        "spec_mixup": None,
        "lr_schedule": None,
        "swa_start_epoch": None,
        "swa_frequency": 1,
        "evaluate_with_swa": None,
        "target_threshold": None,
        "select_best": True,
        "train_logger": None,
        "epoch_counter": None,
        "compile_training": False,
        "distillation": None,
    }

    def __init__(self, modules=None, opt_class=None, hparams=None, **kwargs):
        # Every key is an attribute of self.hparams, so the Brain reads
        # them as self.hparams.<key> (a recipe's yaml sets them all).
        hparams = {**self.DEFAULT_HPARAMS, **(hparams or {})}
        if "target_kind" not in hparams:
            raise ValueError(
                "PaSSTBrain needs the hyperparameter 'target_kind'"
            )
        super().__init__(modules, opt_class, hparams, **kwargs)
        for name in ("compute_features", "embedding_model", "classifier"):
            if name not in self.modules:
                raise ValueError(f"PaSSTBrain needs modules['{name}']")
        self.target_kind = check_target_kind(self.hparams.target_kind)
        if self.hparams.distillation is not None:  # multi_label only
            kd = self.hparams.distillation
            kd.check(self.target_kind, self.hparams.target_threshold)
        self.compiled_forward = None
        self.swa = self._make_swa()
        self.evaluate_with_swa = self.hparams.evaluate_with_swa
        if self.evaluate_with_swa is None:
            self.evaluate_with_swa = self.swa is not None
        if self.evaluate_with_swa and self.swa is None:
            raise ValueError("evaluate_with_swa needs swa_start_epoch")
        self.main_key = ClipMetrics(self.target_kind).main_key
        self.selection_key = None
        if self.hparams.select_best:
            prefix = "swa_" if self.evaluate_with_swa else ""
            self.selection_key = prefix + self.main_key
        self.base_lrs = None
        self.train_stats = None
        self.valid_stats = None
        self.test_stats = None

    def _make_swa(self):
        """The SWA average of the encoder and head (registered with the
        checkpointer), or None without ``swa_start_epoch``."""
        if self.hparams.swa_start_epoch is None:
            return None
        swa = StochasticWeightAveraging.of_encoder_and_head(
            self.modules.embedding_model,
            self.modules.classifier,
            self.hparams.swa_start_epoch,
            self.hparams.swa_frequency,
        )
        if self.checkpointer is not None:
            self.checkpointer.add_recoverable("swa", swa)
        return swa

    def load_pretrained(self, source):
        """Initialise the encoder and head before training, unless the run
        resumes from a checkpoint (whose weights replace them anyway).

        Arguments
        ---------
        source : str, os.PathLike or None
            None or "" (train from scratch), or anything
            :func:`~speechbrain_passt.weights.load_pretrained_weights`
            accepts: a SpeechBrain pretrained folder, an original-layout
            checkpoint file, a released checkpoint's registry name or
            ``imagenet`` (DeiT weights adapted to the encoder's grid). The
            head's Linear is re-initialised when its class count differs.

        Returns
        -------
        bool
            Whether weights were loaded.
        """
        loaded = load_unless_resuming(
            self.checkpointer,
            unwrap_module(self.modules.embedding_model),
            unwrap_module(self.modules.classifier),
            source,
        )
        if loaded:  # the average copies the live modules: rebuild it
            self.swa = self._make_swa()
        return loaded

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
            ``logits`` ``[batch, classes]`` of the live model, the (mixed)
            ``targets`` and ``mask``, and ``swa_logits`` outside training
            once the SWA average holds weights.
        """
        train = stage == sb.Stage.TRAIN
        out = forward_batch(
            self.modules,
            self.hparams,
            batch.to(self.device),
            self.target_kind,
            train,
            self.compiled_forward,
        )
        feats, lens = out.pop("feats"), out.pop("lens")
        if not train and self.swa is not None and self.swa.num_averaged:
            out["swa_logits"] = self.swa.classify(feats, lens)
        return out

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
        kd = self.hparams.distillation
        loss = batch_loss(predictions, self.target_kind, kd)
        if stage != sb.Stage.TRAIN:
            self.stage_metrics.append_predictions(predictions)
        return loss

    def on_fit_start(self):
        """SpeechBrain's start of fit, then compile the training step
        (``compile_training``) and move an online teacher to the device."""
        super().on_fit_start()
        if self.hparams.compile_training:
            self.compiled_forward = compile_training_forward(self.modules)
        if self.hparams.distillation is not None:
            self.hparams.distillation.to(self.device)

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
            schedule = self.hparams.lr_schedule
            if schedule is not None and self.base_lrs is not None:
                factor = float(schedule(epoch))
                for group, base in zip(
                    self.optimizer.param_groups, self.base_lrs, strict=True
                ):
                    group["lr"] = base * factor
            return
        self.stage_metrics = StageMetrics(self.target_kind)
        if self.swa is not None:
            self.swa.eval()

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
            kd = self.hparams.distillation  # adds label_loss, kd_loss
            kd_stats = kd.epoch_stats() if kd is not None else {}
            self.train_stats = {"loss": float(stage_loss), **kd_stats}
            if self.swa is not None and self.swa.maybe_update(epoch):
                logger.info(
                    "SWA: added epoch %d (%d snapshots)",
                    epoch,
                    self.swa.num_averaged,
                )
            return
        stats = self.stage_metrics.summarize(stage_loss)
        train_logger = self.hparams.train_logger
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
                counter = self.hparams.epoch_counter
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
                "(training stopped before swa_start_epoch): exporting the "
                "live model"
            )

    @property
    def exported_model(self):
        """``"swa"`` when the SWA average is the recipe's model (exported,
        and the one :attr:`selection_key` selects on), else ``"live"``."""
        swa = self.evaluate_with_swa and self.swa.num_averaged > 0
        return "swa" if swa else "live"

    def evaluated_models(self):
        """Every model the test reports, by its metrics' prefix.

        Returns
        -------
        dict
            ``""`` -> (encoder, head) of the live model (unwrapped from
            DDP) and, once the SWA average holds weights, ``"swa_"`` ->
            the average's.
        """
        names = ("embedding_model", "classifier")
        models = {
            "": tuple(unwrap_module(self.modules[name]) for name in names)
        }
        if self.swa is not None and self.swa.num_averaged > 0:
            models["swa_"] = tuple(self.swa.module(name) for name in names)
        return models

    def inference_modules(self):
        """The encoder and head of :attr:`exported_model` (for export).

        Returns
        -------
        tuple
            ``(encoder, head)``: the SWA average's or the live ones.
        """
        swa = self.exported_model == "swa"
        return self.evaluated_models()["swa_" if swa else ""]
