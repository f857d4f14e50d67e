"""Strict loading of original-layout checkpoints (the foundation's part)."""

import pytest
import torch

from speechbrain_passt import load_original_checkpoint
from speechbrain_passt.weights import CheckpointMismatchError


@pytest.fixture
def small_s10(golden_dir):
    return torch.load(golden_dir / "small_s10.pt", weights_only=True)


def test_loads_from_state_dict_and_path(small_s10, golden_dir):
    from_dict, _ = load_original_checkpoint(small_s10, num_heads=4)
    from_path, head = load_original_checkpoint(
        golden_dir / "small_s10.pt", num_heads=4
    )
    assert not from_dict.training and not head.training
    assert head.num_classes == 11 and from_path.grid_size == (12, 99)
    for a, b in zip(
        from_dict.parameters(), from_path.parameters(), strict=True
    ):
        assert torch.equal(a, b)


def test_unexpected_and_missing_keys_are_listed(small_s10):
    state = dict(small_s10)
    state["blocks.0.extra"] = torch.zeros(1)
    del state["norm.bias"]
    with pytest.raises(CheckpointMismatchError) as error:
        load_original_checkpoint(state, num_heads=4)
    assert "missing keys: ['norm.bias']" in str(error.value)
    assert "unexpected keys: ['blocks.0.extra']" in str(error.value)


def test_shape_mismatch_is_listed(small_s10):
    state = dict(small_s10)
    state["blocks.1.mlp.fc1.bias"] = torch.zeros(10)
    with pytest.raises(CheckpointMismatchError, match="blocks.1.mlp.fc1.bias"):
        load_original_checkpoint(state, num_heads=4)


def test_wrong_stride_is_an_error(small_s10):
    with pytest.raises(
        CheckpointMismatchError, match=r"strides that fit: \[10\]"
    ):
        load_original_checkpoint(small_s10, fstride=16, num_heads=4)


def test_wrong_frames_is_an_error(small_s10):
    with pytest.raises(CheckpointMismatchError, match="max_frames"):
        load_original_checkpoint(small_s10, max_frames=2000, num_heads=4)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.pt"):
        load_original_checkpoint(tmp_path / "nothere.pt")
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointMismatchError, match="broken.pt"):
        load_original_checkpoint(broken)
