"""OpenMIC-2018 targets and masks through the two mixup levels, checked
against values computed by hand from the original's rules
(kkoutini/PaSST ``openmic/dataset.py`` ``MixupDataset`` and
``ex_openmic.py`` ``training_step``):

1. waveform mixup: each clip's raw relevances are multiplied by its own
   mask, mixed with the clip's weight ``lam``, and the mix gets the union
   (elementwise maximum) of both masks; clips left unmixed keep theirs;
2. the mixed relevances are binarised at 0.5, so targets stay 0/1;
3. spectrogram mixup mixes those 0/1 targets (soft targets) and each clip
   keeps its own mask in the loss.
"""

import pytest
import speechbrain as sb
import torch
from speechbrain.dataio.batch import PaddedBatch

from speechbrain_passt import PaSST, PaSSTFbank, PaSSTHead
from speechbrain_passt.training import BatchMixup, PaSSTBrain
from speechbrain_passt.training.objectives import (
    compute_loss,
    threshold_targets,
)

# Two clips, four instruments. Unannotated pairs have relevance 0.5, as in
# openmic-2018.npz.
RELEVANCE = torch.tensor([[0.9, 0.1, 0.5, 0.8], [0.5, 0.95, 0.7, 0.2]])
MASK = torch.tensor([[1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 1.0]])
SWAP = torch.tensor([1, 0])  # each clip's partner is the other one


def fixed_draw(mixup, lam):
    """Make ``mixup`` mix each clip with the other one with weights
    ``lam``."""
    mixup.draw = lambda batch_size, device=None: (SWAP, torch.tensor(lam))
    return mixup


def test_waveform_mixup_masks_relevances_and_unites_masks():
    mixup = fixed_draw(BatchMixup(2.0, union_mask=True), [0.7, 0.6])
    _, _, targets, mask = mixup(
        torch.rand(2, 8), torch.ones(2), RELEVANCE, MASK
    )
    # A: 0.7 * [.9, .1, 0, .8] + 0.3 * [0, .95, .7, .2] (B's masked)
    # B: 0.6 * [0, .95, .7, .2] + 0.4 * [.9, .1, 0, .8] (A's masked)
    expected = torch.tensor(
        [[0.63, 0.355, 0.21, 0.62], [0.36, 0.61, 0.42, 0.44]]
    )
    assert torch.allclose(targets, expected)
    assert torch.equal(mask, torch.ones(2, 4))
    # Thresholded after mixing: 0/1 targets, not soft ones.
    assert threshold_targets(targets, 0.5).tolist() == [
        [1.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 0.0, 0.0],
    ]


def test_waveform_mixup_leaves_unmixed_clips_raw():
    mixup = fixed_draw(BatchMixup(2.0, union_mask=True), [1.0, 1.0])
    _, _, targets, mask = mixup(
        torch.rand(2, 8), torch.ones(2), RELEVANCE, MASK
    )
    assert torch.equal(targets, RELEVANCE) and torch.equal(mask, MASK)


def test_spectrogram_mixup_keeps_each_clips_own_mask():
    targets = torch.tensor([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    mixup = fixed_draw(BatchMixup(0.3), [0.8, 0.9])
    _, _, mixed, mask = mixup(torch.rand(2, 5, 4), torch.ones(2), targets, MASK)
    expected = torch.tensor([[0.8, 0.2, 0.2, 0.8], [0.1, 0.9, 0.9, 0.1]])
    assert torch.allclose(mixed, expected)
    assert torch.equal(mask, MASK)


def make_brain():
    encoder = PaSST(
        n_mels=32,
        max_frames=64,
        fstride=16,
        tstride=16,
        embed_dim=16,
        depth=1,
        num_heads=2,
    )
    hparams = {
        "target_kind": "masked_multi_label",
        "target_threshold": 0.5,
        # A mixed with B (lam 0.7); B left unmixed (lam 1).
        "wav_mixup": fixed_draw(
            BatchMixup(2.0, 0.5, center=True, union_mask=True), [0.7, 1.0]
        ),
        "spec_mixup": fixed_draw(BatchMixup(0.3), [0.8, 0.9]),
    }
    modules = {
        "compute_features": PaSSTFbank(n_mels=32),
        "embedding_model": encoder,
        "classifier": PaSSTHead(16, 4),
    }
    return PaSSTBrain(modules, hparams=hparams, run_opts={"device": "cpu"})


def make_batch():
    torch.manual_seed(0)
    return PaddedBatch(
        [
            {"id": str(i), "sig": torch.randn(8000), "target": t, "mask": m}
            for i, (t, m) in enumerate(zip(RELEVANCE, MASK, strict=True))
        ]
    )


def test_brain_mixes_thresholds_and_mixes_again_as_the_original():
    brain = make_brain()
    out = brain.compute_forward(make_batch(), sb.Stage.TRAIN)
    # Waveform level: A = 0.7 * A + 0.3 * B (masked) -> [.63, .355, .21,
    # .62] -> [1, 0, 0, 1], mask [1, 1, 1, 1]; B unmixed: [.5, .95, .7, .2]
    # -> [0, 1, 1, 0], mask [0, 1, 1, 1].
    # Spectrogram level: A = 0.8 * A + 0.2 * B, B = 0.9 * B + 0.1 * A, each
    # with its own mask.
    expected = torch.tensor([[0.8, 0.2, 0.2, 0.8], [0.1, 0.9, 0.9, 0.1]])
    assert torch.allclose(out["targets"], expected)
    assert out["mask"].tolist() == [[1.0] * 4, [0.0, 1.0, 1.0, 1.0]]
    # The loss weights each clip's entries by its own mask (mean over all).
    loss = brain.compute_objectives(out, None, sb.Stage.TRAIN)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(
        out["logits"], expected, reduction="none"
    )
    assert loss.item() == pytest.approx((bce * out["mask"]).mean().item())
    assert loss.item() == pytest.approx(
        compute_loss(
            "masked_multi_label", out["logits"], expected, out["mask"]
        ).item()
    )


def test_brain_thresholds_relevances_when_evaluating():
    brain = make_brain()
    out = brain.compute_forward(make_batch(), sb.Stage.VALID)
    assert out["targets"].tolist() == [
        [1.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 1.0, 0.0],
    ]
    assert torch.equal(out["mask"], MASK)
