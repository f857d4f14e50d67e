"""Tests of the inference precisions (fp32, bf16, int8, auto) on a tiny
random PaSST, in the classifier and in ``passt-tag --precision``.

Authors
 * speechbrain-passt developers 2026
"""

import json
import re

import numpy as np
import pytest
import soundfile
import torch

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.cli.tag import main
from speechbrain_passt.inference import PaSSTClassifier
from speechbrain_passt.inference.precision import (
    Int8Linear,
    supported_precisions,
)
from speechbrain_passt.weights import export_pretrained_folder

LABELS = ["dog", "rain", "siren", "speech", "music", "engine", "bird"]
CPU = {"device": "cpu"}
# Largest |probability difference| to fp32 per precision (tiny model).
TOLERANCE = {"fp32": 1e-6, "bf16": 0.02, "int8": 0.02}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    torch.manual_seed(3)
    encoder = PaSST(embed_dim=64, depth=2, num_heads=2, max_frames=200)
    head = PaSSTHead(64, len(LABELS))
    out = tmp_path_factory.mktemp("precision") / "model"
    return export_pretrained_folder(encoder.eval(), head.eval(), LABELS, out)


@pytest.fixture(scope="module")
def clips():
    gen = torch.Generator().manual_seed(0)
    return 0.3 * torch.randn(3, 48000, generator=gen)


def scores(tagger, clips):
    return torch.stack([r.all_scores for r in tagger.tag_batch(clips, top_k=3)])


@pytest.mark.parametrize("precision", ["fp32", "bf16", "int8"])
def test_precision_agrees_with_fp32(folder, clips, precision):
    reference = scores(
        PaSSTClassifier.from_hparams(folder, run_opts=CPU), clips
    )
    tagger = PaSSTClassifier.from_hparams(
        folder, run_opts=CPU, precision=precision
    )
    assert tagger.precision == precision
    new = scores(tagger, clips)
    assert (new - reference).abs().max() <= TOLERANCE[precision]
    via_run_opts = PaSSTClassifier.from_hparams(
        folder, run_opts={**CPU, "precision": precision}
    )
    assert via_run_opts.precision == precision


def test_int8_replaces_the_linear_layers(folder):
    tagger = PaSSTClassifier.from_hparams(folder, run_opts=CPU, quantize=True)
    assert tagger.precision == "int8" and tagger.quantized
    assert isinstance(
        tagger.mods.embedding_model.blocks[0].attn.qkv, Int8Linear
    )
    with pytest.raises(ValueError, match="already int8"):
        tagger.set_precision("fp32")


def test_auto_picks_a_valid_precision(folder, clips, caplog):
    caplog.set_level("INFO")
    tagger = PaSSTClassifier.from_hparams(
        folder, run_opts=CPU, precision="auto"
    )
    assert tagger.precision in supported_precisions("cpu")
    assert "precision auto" in caplog.text
    caplog.clear()
    again = PaSSTClassifier.from_hparams(folder, run_opts=CPU, precision="auto")
    assert again.precision == tagger.precision
    assert "precision auto" not in caplog.text  # cached
    scores(again, clips)


def test_bad_precision_names_the_argument(folder):
    with pytest.raises(ValueError, match="precision must be one of"):
        PaSSTClassifier.from_hparams(folder, run_opts=CPU, precision="fp16")
    with pytest.raises(ValueError, match="quantize=True"):
        PaSSTClassifier.from_hparams(
            folder, run_opts=CPU, quantize=True, precision="bf16"
        )


def test_compiled_fp32_agrees(folder, clips):
    pytest.importorskip("torch._inductor")
    reference = scores(
        PaSSTClassifier.from_hparams(folder, run_opts=CPU), clips
    )
    tagger = PaSSTClassifier.from_hparams(folder, run_opts=CPU, compile=True)
    assert tagger.compiled
    assert torch.allclose(scores(tagger, clips), reference, atol=1e-4)


def test_cli_precision_flag(folder, tmp_path, capsys):
    path = tmp_path / "clip.wav"
    data = 0.3 * np.random.default_rng(0).standard_normal(32000)
    soundfile.write(str(path), data.astype(np.float32), 32000)
    for precision in ("bf16", "int8", "auto"):
        args = [str(path), "--model", str(folder), "--json"]
        assert main([*args, "--precision", precision]) == 0
        captured = capsys.readouterr()
        record = json.loads(captured.out)
        assert len(record["tags"]) == 5
        if precision == "auto":  # the choice is said on stderr
            assert re.search(r"precision auto: (fp32|bf16|int8)", captured.err)
    assert main([str(path), "--model", str(folder), "--precision", "x"]) != 0
    assert "--precision must be one of" in capsys.readouterr().err


def test_int8_on_an_x86_cpu_runs_one_window_per_pass(
    folder, clips, monkeypatch
):
    """oneDNN int8: one window per encoder pass, not compiled; a clip's
    scores do not depend on the clips beside it."""
    from speechbrain_passt.inference import windowed
    from speechbrain_passt.inference.int8 import uses_onednn_int8

    calls = []
    run = windowed.run_in_batches

    def spy(*args, **kwargs):
        calls.append((args[4], kwargs["one_pass_per_window"]))
        return run(*args, **kwargs)

    monkeypatch.setattr(windowed, "run_in_batches", spy)
    fp32 = PaSSTClassifier.from_hparams(folder, run_opts=CPU)
    scores(fp32, clips)
    tagger = PaSSTClassifier.from_hparams(
        folder, run_opts=CPU, precision="int8", compile=True
    )
    batched = scores(tagger, clips)
    size = fp32.window_batch_size
    assert calls == [(size, False), (size, uses_onednn_int8("cpu"))]
    assert tagger.compiled == (not uses_onednn_int8("cpu"))
    alone = scores(tagger, clips[1:2])
    assert torch.allclose(batched[1], alone[0], atol=1e-6)
