"""Whole-clip predictions (windowed) and grouped accuracy."""

import pytest
import torch
from speechbrain.dataio.dataset import DynamicItemDataset

from speechbrain_passt import PaSST, PaSSTFbank, PaSSTHead
from speechbrain_passt.training.evaluation import (
    group_accuracy,
    predict_dataset,
)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=100)
    return encoder, PaSSTHead(32, 4), PaSSTFbank()


def _direct(model, wave):
    encoder, head, fbank = model
    with torch.no_grad():
        return head(encoder(fbank(wave[None])))[0, 0]


def test_long_clip_is_the_mean_of_its_windows(model):
    encoder, head, fbank = model
    encoder.train()  # each module comes back in its own mode
    fbank.eval()
    window = encoder.max_input_frames() * fbank.hop_length
    torch.manual_seed(1)
    waves = {"short": torch.randn(window // 2), "long": torch.randn(window * 2)}
    data = DynamicItemDataset({k: {} for k in waves})
    data.add_dynamic_item(lambda id: waves[id], "id", "sig")
    data.set_output_keys(["id", "sig"])
    out = predict_dataset(encoder, head, fbank, data, batch_size=2)
    assert encoder.training and not fbank.training
    assert out["id"] == ["short", "long"]

    encoder.eval()
    short = _direct(model, waves["short"])
    # Windows every half window; the last ends at the clip's end.
    starts = [0, window // 2, window]
    long = torch.stack(
        [_direct(model, waves["long"][s : s + window]) for s in starts]
    ).mean(0)
    torch.testing.assert_close(out["logits"][0], short, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(out["logits"][1], long, atol=1e-4, rtol=1e-4)
    # Not simply the first window (which the encoder alone would need).
    first = _direct(model, waves["long"][:window])
    assert not torch.allclose(out["logits"][1], first, atol=1e-3)


def test_group_accuracy_sets():
    scores = torch.eye(3)[[0, 1, 2, 0, 1, 2]]
    targets = torch.tensor([0, 1, 0, 0, 2, 2])
    devices = ["a", "a", "s1", "s4", "s4", "s10"]
    stats = group_accuracy(
        scores, targets, devices, {"seen": ["a", "s1"], "unseen": ["s4"]}
    )
    assert stats["accuracy"] == pytest.approx(4 / 6)
    assert stats["accuracy_a"] == 1.0 and stats["accuracy_s1"] == 0.0
    assert stats["accuracy_seen"] == pytest.approx(2 / 3)
    assert stats["accuracy_unseen"] == pytest.approx(1 / 2)
    assert list(stats)[1:5] == [
        "accuracy_a",
        "accuracy_s1",
        "accuracy_s4",
        "accuracy_s10",
    ]
    with pytest.raises(ValueError, match="one entry per clip"):
        group_accuracy(scores, targets, devices[:2])
