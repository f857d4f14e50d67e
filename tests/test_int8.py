"""Tests of the int8 Linear layers (oneDNN and ``torch._int_mm`` paths),
the GELU fusion of :func:`to_int8` and ``compile_eval``.

Authors
 * speechbrain-passt developers 2026
"""

import copy
import pickle

import pytest
import torch
from timm.layers import Mlp

from speechbrain_passt.inference import int8 as int8_module
from speechbrain_passt.inference.int8 import (
    Int8Linear,
    onednn_int8_available,
    to_int8,
)
from speechbrain_passt.inference.precision import compile_eval

needs_onednn = pytest.mark.skipif(
    not onednn_int8_available(), reason="oneDNN int8 needs an x86 CPU"
)


@pytest.fixture
def int_mm_only(monkeypatch):
    """Force the ``torch._int_mm`` path (as on CUDA or other CPUs)."""
    monkeypatch.setattr(int8_module, "onednn_int8_available", lambda: False)


def relative_error(new, reference):
    return ((new - reference).norm() / reference.norm()).item()


@pytest.mark.parametrize("path", ["onednn", "int_mm"])
@pytest.mark.parametrize("activation", [None, "gelu"])
def test_int8_linear_matches_float(request, path, activation):
    if path == "onednn" and not onednn_int8_available():
        pytest.skip("oneDNN int8 needs an x86 CPU")
    if path == "int_mm":
        request.getfixturevalue("int_mm_only")
    torch.manual_seed(0)
    linear = torch.nn.Linear(96, 64)
    x = torch.randn(3, 50, 96)
    reference = linear(x)
    if activation == "gelu":
        reference = torch.nn.functional.gelu(reference)
    with torch.inference_mode():
        out = Int8Linear(linear, activation=activation)(x)
    assert out.shape == (3, 50, 64) and out.dtype == torch.float32
    assert relative_error(out, reference) < 0.02


@needs_onednn
def test_a_clip_does_not_depend_on_its_batch():
    """One input scale per clip: a quiet clip gives the same output alone
    and beside a clip 1000 times louder (one scale per batch would not)."""
    torch.manual_seed(0)
    layer = Int8Linear(torch.nn.Linear(64, 32))
    quiet = torch.randn(1, 40, 64)
    loud = 1000 * torch.randn(1, 40, 64)
    with torch.inference_mode():
        alone = layer(quiet)
        batched = layer(torch.cat([loud, quiet]))[1:]
    assert torch.allclose(alone, batched, rtol=1e-5, atol=1e-6)


def test_int_mm_row_blocks_give_the_unblocked_result(int_mm_only, monkeypatch):
    """The eager CPU ``_int_mm`` path quantises blocks of rows; its scales
    are per row, so any block size gives the same numbers."""
    torch.manual_seed(0)
    linear = torch.nn.Linear(48, 40)
    rows = 3 * int8_module.ROW_BLOCK + 17
    x = torch.randn(2, rows // 2 + 1, 48)
    layer = Int8Linear(linear)
    blocked = layer(x)
    monkeypatch.setattr(int8_module, "ROW_BLOCK", 10**9)
    whole = layer(x)
    assert torch.equal(blocked, whole)
    assert (whole - linear(x)).abs().max() < 0.05
    assert layer(x.bfloat16()).dtype == torch.bfloat16


def test_two_dimensional_input_and_dtype():
    torch.manual_seed(0)
    linear = torch.nn.Linear(32, 16)
    x = torch.randn(5, 32)
    layer = Int8Linear(linear)
    assert relative_error(layer(x), linear(x)) < 0.02
    assert layer(torch.randn(2, 3, 32).bfloat16()).dtype == torch.bfloat16


def test_copies_and_pickles_after_use():
    """oneDNN's packed weights cannot be copied: they are made again."""
    torch.manual_seed(0)
    layer = Int8Linear(torch.nn.Linear(32, 16))
    x = torch.randn(2, 4, 32)
    first = layer(x)
    for clone in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
        assert torch.equal(clone(x), first)
    assert torch.equal(layer.to(torch.device("cpu"))(x), first)


def test_bad_activation_names_it():
    with pytest.raises(ValueError, match="activation must be None or 'gelu'"):
        Int8Linear(torch.nn.Linear(8, 8), activation="relu")


def test_to_int8_moves_the_mlp_gelu_into_fc1():
    torch.manual_seed(0)
    net = torch.nn.Sequential(Mlp(32, 64), Mlp(32, 64, act_layer=torch.nn.ReLU))
    net.append(Mlp(32, 64, act_layer=lambda: torch.nn.GELU("tanh")))
    quantised = to_int8(net)
    fused, relu, tanh = quantised
    assert fused.fc1.activation == "gelu"
    assert isinstance(fused.act, torch.nn.Identity)
    assert relu.fc1.activation is None and isinstance(relu.act, torch.nn.ReLU)
    assert tanh.fc1.activation is None and type(tanh.act) is torch.nn.GELU
    assert isinstance(net[0].act, torch.nn.GELU)  # the original is unchanged
    x = torch.randn(2, 10, 32)
    with torch.inference_mode():
        assert relative_error(quantised(x), net(x)) < 0.05


def test_compile_eval_takes_new_batch_sizes_and_lengths():
    """Compiled, the encoder takes a new batch size and length after its
    first call (frozen oneDNN convolutions failed there)."""
    pytest.importorskip("torch._inductor")
    from speechbrain_passt import PaSST

    torch.manual_seed(0)
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200)
    compiled = compile_eval(encoder.eval())
    with torch.inference_mode():
        for batch, frames in ((1, 200), (3, 200), (2, 150)):
            x = torch.randn(batch, frames, 128)
            assert torch.allclose(compiled(x), encoder(x), atol=1e-4)
