"""Tests of the PaSST front-end."""

import pytest
import torch

from speechbrain_passt import PaSSTFbank


def test_eval_matches_original_frontend(golden_wave, golden_mel):
    fbank = PaSSTFbank().eval()
    out = fbank(golden_wave)
    assert out.shape == (2, 1000, 128)
    assert (out - golden_mel).abs().max() <= 1e-4


def test_frame_count_formula():
    fbank = PaSSTFbank().eval()
    for samples in (320000, 160000, 5120, 1001, 514):
        out = fbank(torch.randn(1, samples))
        assert out.shape[1] == fbank.num_frames(samples)
    assert fbank.num_frames(320000) == 1000
    assert fbank.num_frames(5120) == 16


def test_eval_is_deterministic_and_draws_no_random_numbers(golden_wave):
    fbank = PaSSTFbank(freq_mask_width=48, time_mask_width=192).eval()
    state = torch.random.get_rng_state()
    first = fbank(golden_wave)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(first, fbank(golden_wave))


def test_training_jitters_the_mel_bank(golden_wave, golden_mel):
    fbank = PaSSTFbank().train()
    torch.manual_seed(0)
    outs = [fbank(golden_wave[:1]) for _ in range(3)]
    assert not torch.allclose(outs[0], golden_mel[:1], atol=1e-3)
    assert not torch.allclose(outs[0], outs[1])
    # Without jitter, training mode equals eval mode.
    plain = PaSSTFbank(fmin_aug_range=1, fmax_aug_range=1, f_max=15000)
    assert torch.allclose(plain.train()(golden_wave), golden_mel, atol=1e-4)


def test_specaugment_masks_per_item_in_training_only(golden_wave):
    fbank = PaSSTFbank(
        fmin_aug_range=1,
        fmax_aug_range=1,
        f_max=15000,
        freq_mask_width=48,
        time_mask_width=192,
    )
    wave = golden_wave[:1].repeat(4, 1)
    clean = fbank.eval()(wave)
    torch.manual_seed(1)
    masked = fbank.train()(wave)
    changed = masked != clean
    # Masked cells hold the normalised zero of the log domain: 4.5 / 5.
    assert torch.allclose(masked[changed], torch.tensor(0.9))
    assert any(not torch.equal(changed[0], changed[i]) for i in range(1, 4)), (
        "masks should differ between items"
    )
    # Whole frames (time masks) and whole bins (frequency masks).
    frames_masked = changed.all(dim=2).sum(dim=1)
    bins_masked = changed.all(dim=1).sum(dim=1)
    assert (frames_masked < 192).all() and (bins_masked < 48).all()
    assert (frames_masked + bins_masked > 0).any()


def test_fp32_under_autocast(golden_wave, golden_mel):
    fbank = PaSSTFbank().eval()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = fbank(golden_wave)
    assert out.dtype == torch.float32
    assert (out - golden_mel).abs().max() <= 1e-4


@pytest.mark.parametrize(
    "shape, message",
    [((320000,), "batch, samples"), ((1, 513), "at least 514 samples")],
)
def test_bad_input_shapes(shape, message):
    with pytest.raises(ValueError, match=message):
        PaSSTFbank()(torch.zeros(shape))


def test_bad_arguments():
    with pytest.raises(ValueError, match="fmin_aug_range"):
        PaSSTFbank(fmin_aug_range=0)
    with pytest.raises(ValueError, match="f_max"):
        PaSSTFbank(f_max=20000)
