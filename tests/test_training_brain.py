"""PaSSTBrain on tiny in-memory data: each target kind trains (loss
decreases), SWA is evaluated beside the live model and checkpointed, the
best checkpoint is chosen by the task metric, and a user sampler gets a new
draw every epoch on one process."""

import pytest
import torch
from speechbrain.dataio.dataset import DynamicItemDataset
from speechbrain.utils.checkpoints import Checkpointer
from speechbrain.utils.epoch_loop import EpochCounter

from speechbrain_passt import PaSST, PaSSTFbank, PaSSTHead
from speechbrain_passt.training import (
    BatchMixup,
    ExpWarmupLinearDecay,
    PaSSTBrain,
    class_balanced_sampler,
    exp_warmup_linear_decay,
)

SAMPLE_RATE = 32000
NUM_CLASSES = 3


def make_dataset(kind, items=24, seconds=0.5, seed=0):
    """Tones whose pitch gives the class(es); masks for OpenMIC-style data."""
    generator = torch.Generator().manual_seed(seed)
    t = torch.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    data = {}
    for i in range(items):
        if kind == "single_label":
            classes = [i % NUM_CLASSES]
        else:
            classes = [c for c in range(NUM_CLASSES) if (i >> c) & 1] or [0]
        wav = sum(torch.sin(2 * torch.pi * 600 * 2**c * t) for c in classes)
        wav = wav + 0.05 * torch.randn(len(t), generator=generator)
        target = torch.zeros(NUM_CLASSES)
        target[classes] = 1.0
        mask = torch.ones(NUM_CLASSES)
        mask[i % NUM_CLASSES] = float(i % 2)
        data[f"utt{i}"] = {"sig": wav.float(), "target": target, "mask": mask}
    keys = ["id", "sig", "target", "mask"]
    return DynamicItemDataset(data, output_keys=keys)


def make_hparams(kind, tmp_path, epochs=2, **extra):
    features = PaSSTFbank(n_mels=32, freq_mask_width=4, time_mask_width=8)
    encoder = PaSST(
        n_mels=32,
        max_frames=64,
        fstride=16,
        tstride=16,
        embed_dim=32,
        depth=1,
        num_heads=2,
        s_patchout_t=1,
    )
    counter = EpochCounter(epochs)
    head = PaSSTHead(32, NUM_CLASSES)
    hparams = {
        "target_kind": kind,
        "compute_features": features,
        "embedding_model": encoder,
        "classifier": head,
        "wav_mixup": BatchMixup(alpha=2.0, prob=0.5, center=True),
        "spec_mixup": BatchMixup(alpha=0.3),
        "lr_schedule": ExpWarmupLinearDecay(0, 50, 50, 0.01),
        "swa_start_epoch": 2,
        "swa_frequency": 1,
        "epoch_counter": counter,
        "checkpointer": Checkpointer(
            tmp_path / "save",
            {
                "embedding_model": encoder,
                "classifier": head,
                "counter": counter,
            },
        ),
    }
    hparams.update(extra)
    return hparams


def make_brain(hparams):
    modules = {
        name: hparams[name]
        for name in ("compute_features", "embedding_model", "classifier")
    }
    return PaSSTBrain(
        modules,
        opt_class=lambda params: torch.optim.AdamW(params, lr=3e-3),
        hparams=hparams,
        run_opts={"device": "cpu", "max_grad_norm": float("inf")},
        checkpointer=hparams["checkpointer"],
    )


class LossRecorder(PaSSTBrain):
    def on_stage_end(self, stage, stage_loss, epoch=None):
        self.history = getattr(self, "history", []) + [(stage, stage_loss)]
        super().on_stage_end(stage, stage_loss, epoch)


@pytest.mark.parametrize(
    "kind", ["single_label", "multi_label", "masked_multi_label"]
)
def test_brain_fits_each_target_kind(kind, tmp_path):
    torch.manual_seed(0)
    hparams = make_hparams(kind, tmp_path)
    modules = {
        name: hparams[name]
        for name in ("compute_features", "embedding_model", "classifier")
    }
    brain = LossRecorder(
        modules,
        opt_class=lambda params: torch.optim.AdamW(params, lr=3e-3),
        hparams=hparams,
        run_opts={"device": "cpu", "max_grad_norm": float("inf")},
        checkpointer=hparams["checkpointer"],
    )
    train, valid = make_dataset(kind), make_dataset(kind, items=9, seed=1)
    loader = {"batch_size": 4, "shuffle": True}
    brain.fit(
        hparams["epoch_counter"],
        train,
        valid,
        train_loader_kwargs=loader,
        valid_loader_kwargs=loader,
    )
    train_losses = [
        loss for stage, loss in brain.history if stage.name == "TRAIN"
    ]
    assert len(train_losses) == 2
    assert train_losses[1] < train_losses[0]

    main = "accuracy" if kind == "single_label" else "mAP"
    assert {main, "loss", "swa_loss", "swa_" + main} <= set(brain.valid_stats)
    assert brain.swa.num_averaged == 1
    ckpt = hparams["checkpointer"].find_checkpoint(max_key="swa_" + main)
    assert ckpt is not None and "swa" in ckpt.paramfiles
    assert all(
        isinstance(v, float) for v in ckpt.meta.values() if v is not True
    )

    # The test reports the live model and the SWA average (the exported
    # one) of the selected checkpoint, here the last epoch's.
    brain.evaluate(valid, test_loader_kwargs={"batch_size": 4})
    assert brain.exported_model == "swa"
    for key in (main, "swa_" + main):
        assert brain.test_stats[key] == pytest.approx(brain.valid_stats[key])
    assert set(brain.evaluated_models()) == {"", "swa_"}
    assert brain.inference_modules()[1] is brain.swa.module("classifier")


def test_brain_schedule_and_user_sampler_epochs(tmp_path):
    torch.manual_seed(0)
    hparams = make_hparams(
        "multi_label",
        tmp_path,
        epochs=3,
        lr_schedule=ExpWarmupLinearDecay(2, 50, 50, 0.01),
        swa_start_epoch=None,
    )
    brain = make_brain(hparams)
    train = make_dataset("multi_label", items=16)
    labels = torch.stack([train[i]["target"] for i in range(len(train))])
    sampler = class_balanced_sampler(labels, num_samples=8)
    lrs = []

    original = brain.on_stage_start

    def record(stage, epoch=None):
        original(stage, epoch)
        if stage.name == "TRAIN":
            lrs.append(brain.optimizer.param_groups[0]["lr"])

    brain.on_stage_start = record
    brain.fit(
        hparams["epoch_counter"],
        train,
        make_dataset("multi_label", items=6, seed=1),
        train_loader_kwargs={"batch_size": 4, "sampler": sampler},
        valid_loader_kwargs={"batch_size": 4},
    )
    assert brain.train_sampler is sampler
    expected = [3e-3 * exp_warmup_linear_decay(e, 2) for e in range(3)]
    assert lrs == pytest.approx(expected)
    assert expected[0] < expected[1] < expected[2] == 3e-3
    # A new class-balanced draw every epoch on a single process.
    assert sampler.epoch == 3


def test_brain_rejects_bad_batches(tmp_path):
    hparams = make_hparams("single_label", tmp_path, swa_start_epoch=None)
    brain = make_brain(hparams)
    data = DynamicItemDataset(
        {"a": {"sig": torch.rand(16000), "target": torch.tensor(1)}},
        output_keys=["id", "sig", "target"],
    )
    with pytest.raises(ValueError, match="batch.target must be"):
        brain.evaluate(data, test_loader_kwargs={"batch_size": 1})
    with pytest.raises(ValueError, match="target_kind"):
        make_brain(make_hparams("regression", tmp_path))


def test_brain_trains_in_bf16(tmp_path):
    torch.manual_seed(0)
    hparams = make_hparams("multi_label", tmp_path, epochs=1)
    brain = PaSSTBrain(
        {
            name: hparams[name]
            for name in ("compute_features", "embedding_model", "classifier")
        },
        opt_class=lambda params: torch.optim.AdamW(params, lr=1e-3),
        hparams=hparams,
        run_opts={"device": "cpu", "precision": "bf16"},
        checkpointer=hparams["checkpointer"],
    )
    brain.fit(
        hparams["epoch_counter"],
        make_dataset("multi_label", items=8),
        make_dataset("multi_label", items=4, seed=1),
        train_loader_kwargs={"batch_size": 4},
        valid_loader_kwargs={"batch_size": 4},
    )
    assert torch.isfinite(torch.tensor(brain.train_stats["loss"]))
    assert 0.0 <= brain.valid_stats["mAP"] <= 1.0
