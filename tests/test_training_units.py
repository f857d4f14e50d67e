"""Unit tests of the training pieces: augmentations, objectives, metrics,
schedule, class-balanced sampling, SWA, checkpoint hygiene and the
hyperparameter base files."""

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from speechbrain.dataio.sampler import DistributedSamplerWrapper
from speechbrain.utils.checkpoints import Checkpointer

from speechbrain_passt.training import (
    BatchMixup,
    ClipLoader,
    ExpWarmupLinearDecay,
    StochasticWeightAveraging,
    class_balanced_sampler,
    class_balanced_weights,
    compute_loss,
    exp_warmup_linear_decay,
    mean_average_precision,
    mean_roc_auc,
    random_gain,
    random_roll,
)
from speechbrain_passt.training.brain import set_aside_incomplete_checkpoints

# ---------------------------------------------------------------- augment


def test_random_gain_integer_db_in_range():
    torch.manual_seed(0)
    gains = {
        round(20 * math.log10(random_gain(torch.ones(3))[0].item()), 6)
        for _ in range(400)
    }
    assert gains == set(range(-7, 7))  # integers -7 .. +6, all reached
    assert torch.equal(random_gain(torch.ones(3), max_db=0), torch.ones(3))


def test_random_roll_is_circular_and_bounded():
    torch.manual_seed(0)
    wav = torch.arange(1000.0)
    shifts = set()
    for _ in range(3000):
        rolled = random_roll(wav, max_shift=50)
        shift = -int(rolled[0].item()) % 1000
        shift = shift if shift < 500 else shift - 1000
        assert torch.equal(rolled, torch.roll(wav, shift))
        shifts.add(shift)
    assert shifts == set(range(-50, 51))


def test_mixup_keeps_label_mass_and_mixes_alike():
    torch.manual_seed(0)
    mixup = BatchMixup(alpha=0.3)
    x = torch.arange(8.0)[:, None].repeat(1, 5)  # row i holds value i
    targets = torch.eye(8)
    out, lens, mixed, mask = mixup(x, torch.ones(8), targets)
    assert mask is None
    assert torch.allclose(mixed.sum(dim=1), torch.ones(8))
    # The inputs were mixed with the same weights as the targets.
    expected = (mixed * torch.arange(8.0)).sum(dim=1)
    assert torch.allclose(out[:, 0], expected, atol=1e-5)
    assert (mixed.max(dim=1).values >= 0.5).all()  # lam = max(l, 1 - l)
    assert torch.equal(lens, torch.ones(8))


def test_mixup_prob_zero_is_identity_and_prob_half_mixes_some():
    x, targets = torch.rand(64, 10), torch.eye(64)
    out, _, mixed, _ = BatchMixup(alpha=2.0, prob=0.0)(
        x, torch.ones(64), targets
    )
    assert torch.equal(out, x) and torch.equal(mixed, targets)
    torch.manual_seed(1)
    _, lam = BatchMixup(alpha=2.0, prob=0.5).draw(4000)
    assert 0.45 < (lam < 1).float().mean() < 0.55
    assert lam.min() >= 0.5


def test_waveform_mixup_centers_valid_samples():
    torch.manual_seed(0)
    wavs = torch.zeros(4, 100)
    wavs[:, :50] = 1.0  # offset, half padded
    lens = torch.tensor([0.5, 0.5, 0.5, 0.5])
    out, new_lens, _, _ = BatchMixup(alpha=2.0, prob=1.0, center=True)(
        wavs, lens, torch.eye(4)
    )
    assert torch.allclose(out[:, :50].mean(dim=1), torch.zeros(4), atol=1e-6)
    assert torch.equal(out[:, 50:], torch.zeros(4, 50))
    assert torch.equal(new_lens, lens)


def test_masked_mixup_max_mask_and_masked_targets():
    torch.manual_seed(3)
    targets = torch.tensor([[1.0, 1.0], [0.0, 1.0]])
    mask = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    mixup = BatchMixup(alpha=2.0, prob=1.0, union_mask=True)
    x = torch.rand(2, 4)
    torch.manual_seed(3)
    perm, lam = mixup.draw(2)
    torch.manual_seed(3)
    _, _, mixed, new_mask = mixup(x, torch.ones(2), targets, mask)
    own = targets * mask
    lam = lam[:, None]
    assert torch.allclose(mixed, lam * own + (1 - lam) * own[perm])
    assert torch.equal(new_mask, torch.maximum(mask, mask[perm]))


def test_clip_loader_pads_downmixes_and_resamples(tmp_path):
    from speechbrain.dataio import audio_io

    path = str(tmp_path / "a.wav")
    audio_io.save(path, torch.ones(2, 1600) * 0.5, 16000)
    wav = ClipLoader(sample_rate=32000, clip_seconds=0.2)(path)
    assert wav.shape == (6400,)
    assert torch.allclose(wav[100:3000], torch.full((2900,), 0.5), atol=0.02)
    assert torch.equal(wav[3300:], torch.zeros(3100))
    with pytest.raises(RuntimeError, match="missing.wav"):
        ClipLoader()(str(tmp_path / "missing.wav"))


# ------------------------------------------------------------- objectives


def test_single_label_loss_with_mixed_targets_is_mixed_ce():
    logits = torch.randn(3, 5)
    y1, y2 = torch.eye(5)[[0, 1, 2]], torch.eye(5)[[4, 3, 2]]
    lam = 0.7
    ce = torch.nn.functional.cross_entropy
    expected = lam * ce(logits, y1.argmax(1)) + (1 - lam) * ce(
        logits, y2.argmax(1)
    )
    got = compute_loss("single_label", logits, lam * y1 + (1 - lam) * y2)
    assert torch.allclose(got, expected)


def test_masked_loss_ignores_masked_entries():
    logits = torch.randn(2, 3)
    targets = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    mask = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    changed = logits.clone()
    changed[mask == 0] += 100.0
    a = compute_loss("masked_multi_label", logits, targets, mask)
    b = compute_loss("masked_multi_label", changed, targets, mask)
    assert torch.allclose(a, b)
    with pytest.raises(ValueError, match="target_kind"):
        compute_loss("regression", logits, targets)
    with pytest.raises(ValueError, match="do not match"):
        compute_loss("multi_label", logits, targets[:, :2])


# ---------------------------------------------------------------- metrics


def test_map_and_auc_equal_sklearn_on_known_vectors():
    rng = np.random.default_rng(0)
    targets = (rng.random((40, 6)) < 0.3).astype(float)
    targets[0] = 1.0  # every class has a positive
    targets[1] = 0.0  # ... and a negative
    scores = rng.random((40, 6)) + 0.5 * targets
    mAP, used = mean_average_precision(scores, targets)
    assert used == 6
    assert mAP == pytest.approx(
        average_precision_score(targets, scores, average="macro")
    )
    auc, _ = mean_roc_auc(scores, targets)
    assert auc == pytest.approx(roc_auc_score(targets, scores, average="macro"))


def test_masked_map_equals_sklearn_with_sample_weight():
    rng = np.random.default_rng(1)
    targets = (rng.random((30, 4)) < 0.5).astype(float)
    mask = (rng.random((30, 4)) < 0.6).astype(float)
    targets[:2], mask[:2] = [[1] * 4, [0] * 4], 1.0
    scores = rng.random((30, 4))
    expected = np.mean(
        [
            average_precision_score(
                targets[:, c], scores[:, c], sample_weight=mask[:, c]
            )
            for c in range(4)
        ]
    )
    assert mean_average_precision(scores, targets, mask)[0] == pytest.approx(
        expected
    )


def test_map_skips_classes_without_positives():
    targets = np.array([[1, 0], [0, 0], [1, 0]])
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.3]])
    assert mean_average_precision(scores, targets) == (1.0, 1)


# --------------------------------------------------------------- schedule


@pytest.mark.parametrize(
    "epoch, expected",
    [
        (0, math.exp(-5 * 0.9**2)),  # clipped to 0.5 epoch
        (1, math.exp(-5 * 0.8**2)),
        (4, math.exp(-5 * 0.2**2)),
        (5, 1.0),
        (50, 1.0),
        (75, 0.01 + 0.99 * 25 / 50),
        (99, 0.01 + 0.99 * 1 / 50),
        (100, 0.01),
        (129, 0.01),
    ],
)
def test_schedule_equals_formula(epoch, expected):
    assert exp_warmup_linear_decay(epoch) == pytest.approx(expected)
    # SpeechBrain's epochs are 1-based.
    assert ExpWarmupLinearDecay()(epoch + 1) == pytest.approx(expected)


def test_schedule_known_values_of_the_original():
    values = [round(exp_warmup_linear_decay(e), 4) for e in range(5)]
    assert values == [0.0174, 0.0408, 0.1653, 0.4493, 0.8187]


# --------------------------------------------------------------- sampling


def test_class_balanced_weights_equal_formula():
    labels = torch.tensor(
        [[1, 0, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 0, 0]]
    )
    counts = [3, 1, 2]
    w = [1000 / (c + 100) for c in counts]
    expected = [w[0], w[0] + w[1], w[2], w[0] + w[2], 0.0]
    got = class_balanced_weights(labels)
    assert torch.allclose(got, torch.tensor(expected, dtype=torch.float64))


def test_balanced_sampler_new_draw_each_epoch_without_replacement():
    labels = torch.eye(4).repeat(10, 1)
    sampler = class_balanced_sampler(labels, num_samples=20)
    sampler.set_epoch(1)
    first = list(sampler)
    assert len(first) == 20 and len(set(first)) == 20
    assert list(sampler) == first  # same epoch, same draw
    sampler.set_epoch(2)
    assert list(sampler) != first
    with pytest.raises(ValueError, match="exceeds"):
        class_balanced_sampler(labels, num_samples=41)


def test_balanced_sampler_under_ddp_splits_one_draw():
    labels = torch.eye(3).repeat(8, 1)
    shares = []
    for rank in (0, 1):
        sampler = class_balanced_sampler(labels, num_samples=12)
        wrapped = DistributedSamplerWrapper(
            sampler, num_replicas=2, rank=rank, shuffle=False
        )
        wrapped.set_epoch(3)
        shares.append(list(wrapped))
    sampler = class_balanced_sampler(labels, num_samples=12)
    sampler.set_epoch(3)
    assert set(shares[0]).isdisjoint(shares[1])
    assert sorted(shares[0] + shares[1]) == sorted(sampler)


# -------------------------------------------------------------------- SWA


def test_swa_averages_the_chosen_epochs():
    layer = torch.nn.Linear(1, 1, bias=False)
    swa = StochasticWeightAveraging(
        torch.nn.ModuleDict({"classifier": layer}), start_epoch=2, frequency=2
    )
    updated = []
    for epoch in range(1, 8):
        layer.weight.data.fill_(float(epoch))
        if swa.maybe_update(epoch):
            updated.append(epoch)
    assert updated == [2, 4, 6]
    assert swa.module("classifier").weight.item() == pytest.approx(4.0)
    assert "live" not in dict(swa.named_children())
    assert all(not k.startswith("live") for k in swa.state_dict())


# ------------------------------------------------------------- checkpoints


def test_set_aside_truncated_and_incomplete_checkpoints(tmp_path):
    layer, other = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    ckpt = Checkpointer(tmp_path, {"layer": layer, "other": other})
    good = ckpt.save_checkpoint(name="good")
    truncated = ckpt.save_checkpoint(name="truncated")
    data = (truncated.path / "layer.ckpt").read_bytes()
    (truncated.path / "layer.ckpt").write_bytes(data[: len(data) // 2])
    newest = ckpt.save_checkpoint(name="newest")
    (newest.path / "other.ckpt").unlink()
    aside = set_aside_incomplete_checkpoints(ckpt)
    assert sorted(p.name for p in aside) == [
        "INCOMPLETE-CKPT+newest",
        "INCOMPLETE-CKPT+truncated",
    ]
    assert [c.path for c in ckpt.list_checkpoints()] == [good.path]
    assert ckpt.recover_if_possible().path == good.path
