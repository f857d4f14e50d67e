"""ImageNet DeiT initialisation, offline: a randomly initialised timm
``deit_base_distilled_patch16_384`` stands in for the released weights."""

import urllib.error

import pytest
import timm
import torch
from timm.layers import resample_abs_pos_embed

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.weights import (
    PASST_L_BLOCKS,
    CheckpointUnavailableError,
    load_imagenet_deit,
    load_original_checkpoint,
    load_pretrained_weights,
)
from speechbrain_passt.weights.imagenet import DEIT_FILENAME, DEIT_NAME


@pytest.fixture(scope="module")
def deit(tmp_path_factory):
    """The DeiT state dict and a file in the DeiT release layout."""
    torch.manual_seed(0)
    model = timm.create_model(DEIT_NAME, pretrained=False)
    state = {key: value.detach() for key, value in model.state_dict().items()}
    path = tmp_path_factory.mktemp("deit") / DEIT_FILENAME
    torch.save({"model": state}, path)
    return state, path


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("offline test")

    monkeypatch.setattr(timm, "create_model", refuse)
    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)
    return tmp_path / "hub"


def expected_encodings(pos_embed, grid_size):
    """Direct computation: timm's resampling without anti-aliasing (as the
    original's F.interpolate), then the two means, laid out as PaSST's."""
    resized = resample_abs_pos_embed(
        pos_embed,
        new_size=list(grid_size),
        num_prefix_tokens=2,
        antialias=False,
        align_corners=False,
    )
    grid = resized[:, 2:].reshape(1, *grid_size, -1)  # [1, F, T, D]
    freq = grid.mean(dim=2).permute(0, 2, 1)[..., None]  # [1, D, F, 1]
    time = grid.mean(dim=1).permute(0, 2, 1)[:, :, None]  # [1, D, 1, T]
    return resized[:, :2], freq, time


def check_adapted(encoder, state, blocks=range(12)):
    prefix, freq, time = expected_encodings(
        state["pos_embed"], encoder.grid_size
    )
    assert torch.equal(encoder.new_pos_embed, prefix)
    assert torch.equal(encoder.new_pos_embed, state["pos_embed"][:, :2])
    torch.testing.assert_close(
        encoder.freq_new_pos_embed, freq, atol=1e-6, rtol=0
    )
    torch.testing.assert_close(
        encoder.time_new_pos_embed, time, atol=1e-6, rtol=0
    )
    rgb = state["patch_embed.proj.weight"]
    kernel = rgb[:, 0:1] + rgb[:, 1:2] + rgb[:, 2:3]
    torch.testing.assert_close(
        encoder.patch_embed.proj.weight, kernel, atol=1e-6, rtol=0
    )
    for key in (
        "cls_token",
        "dist_token",
        "patch_embed.proj.bias",
        "norm.weight",
    ):
        assert torch.equal(encoder.state_dict()[key], state[key]), key
    for new, old in enumerate(blocks):
        for name in ("attn.qkv.weight", "mlp.fc2.bias", "norm1.weight"):
            assert torch.equal(
                encoder.state_dict()[f"blocks.{new}.{name}"],
                state[f"blocks.{old}.{name}"],
            )


def test_default_passt_s_from_imagenet_file(deit):
    state, path = deit
    encoder, head = load_imagenet_deit(path, s_patchout_t=40, s_patchout_f=4)
    assert encoder.grid_size == (12, 99) and len(encoder.blocks) == 12
    assert encoder.s_patchout_t == 40
    check_adapted(encoder, state)
    assert head.num_classes == 527
    assert torch.equal(head.norm.weight, torch.ones(768))
    assert torch.count_nonzero(head.linear.bias) == 0


def test_other_strides_frames_and_passt_l(deit):
    state, path = deit
    encoder, head = load_imagenet_deit(
        state, fstride=16, tstride=12, max_frames=2000, depth=7, num_classes=50
    )
    assert encoder.grid_size == (8, 166) and len(encoder.blocks) == 7
    assert head.num_classes == 50
    check_adapted(encoder, state, blocks=PASST_L_BLOCKS)


def test_pretrained_weights_adapt_imagenet_to_an_encoder(deit):
    state, path = deit
    encoder = PaSST(fstride=14, tstride=14)
    head = PaSSTHead(768, 200)
    with torch.no_grad():
        head.norm.weight.fill_(3.0)
    assert not load_pretrained_weights(encoder, head, path)
    check_adapted(encoder, state)
    assert torch.equal(head.norm.weight, torch.ones(768))


def test_imagenet_by_name_from_the_cache(deit, offline):
    state, path = deit
    cache = offline / "checkpoints"
    cache.mkdir(parents=True)
    (cache / DEIT_FILENAME).symlink_to(path)
    encoder, _ = load_original_checkpoint("imagenet", fstride=12, tstride=12)
    assert encoder.grid_size == (10, 83)
    check_adapted(encoder, state)


def test_imagenet_offline_names_the_file():
    with pytest.raises(CheckpointUnavailableError, match=DEIT_FILENAME):
        load_imagenet_deit(None)
