"""int8 ONNX graphs (``passt-export --precision int8``): which products are
quantised, the metadata, the agreement with the fp32 torch model and
``passt-tag --onnx`` on the int8 file.

Authors
 * speechbrain-passt developers 2026
"""

import collections
import json
import pathlib

import numpy as np
import pytest
import soundfile
import torch

pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from speechbrain_passt import PaSST, PaSSTHead  # noqa: E402
from speechbrain_passt.cli import export, tag  # noqa: E402
from speechbrain_passt.data.audio import read_audio  # noqa: E402
from speechbrain_passt.inference import PaSSTClassifier  # noqa: E402
from speechbrain_passt.inference.onnx_export import (  # noqa: E402
    export_onnx,
    quantize_onnx_int8,
)
from speechbrain_passt.inference.onnx_tagger import OnnxTagger  # noqa: E402
from speechbrain_passt.weights import export_pretrained_folder  # noqa: E402

LABELS = ["dog", "rain", "siren", "speech", "music", "engine"]
DEPTH = 2
RECORDINGS = pathlib.Path(__file__).parent / "data" / "esc50_mini" / "audio"
# max |probability - fp32's| for this small random model, whose head is
# drawn wide (std 0.5: logits of several units, so probabilities move with
# every rounding): 0.033 on the recordings, 0.037 on noise when written.
# The 0.02 for full-size PaSST-S and -S-N is measured by
# benchmarks/cpu_inference.py (0.012 to 0.018 there); quantising the
# attention's products as well gives 0.24 on PaSST-S.
MAX_PROB_DIFF = 0.05


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A small pretrained folder, its fp32 torch model and int8 graph."""
    torch.manual_seed(0)
    encoder = PaSST(embed_dim=64, depth=DEPTH, num_heads=4, max_frames=200)
    head = PaSSTHead(64, len(LABELS))
    torch.nn.init.normal_(head.linear.weight, std=0.5)
    folder = tmp_path_factory.mktemp("onnx_int8")
    model_dir = export_pretrained_folder(
        encoder.eval(), head.eval(), LABELS, folder / "model"
    )
    out = folder / "model_int8.onnx"
    code = export.main([str(model_dir), str(out), "--precision", "int8"])
    assert code == 0
    model = PaSSTClassifier.from_hparams(model_dir, run_opts={"device": "cpu"})
    return model, out


def test_only_weight_products_are_int8(exported):
    """Each Linear (qkv, projection, two MLP layers per block, the head)
    becomes an integer product; the mel bank, the attention's products and
    the patch convolution stay float."""
    _, path = exported
    graph = onnx.load(str(path))
    ops = collections.Counter(node.op_type for node in graph.graph.node)
    assert ops["MatMulInteger"] == 4 * DEPTH + 1
    assert ops["MatMul"] == 2 * DEPTH + 1  # QK^T and AV per block, mel bank
    assert ops["STFT"] == 1 and ops["Conv"] == 1
    assert "ConvInteger" not in ops
    meta = {prop.key: prop.value for prop in graph.metadata_props}
    assert meta["precision"] == "int8"
    assert json.loads(meta["labels"]) == LABELS
    assert meta["sample_rate"] == "32000"


def _max_prob_diff(model, session, clip):
    """max |probability| difference of the int8 graph to fp32 torch."""
    wav = clip[: model.window_samples][None]
    expected = model(wav)[:, 0].sigmoid().numpy()
    logits = session.run(["logits"], {"waveform": wav.numpy()})[0]
    actual = torch.from_numpy(logits).sigmoid().numpy()
    return float(np.abs(actual - expected).max())


def test_int8_probabilities_near_fp32(exported):
    """Real recordings (the ESC-50 mini clips) and white noise."""
    model, path = exported
    session = ort.InferenceSession(str(path))
    recordings = sorted(RECORDINGS.glob("*.wav"))
    assert len(recordings) >= 5
    real = max(
        _max_prob_diff(model, session, read_audio(path, 32000))
        for path in recordings
    )
    gen = torch.Generator().manual_seed(0)
    noise = max(
        _max_prob_diff(model, session, scale * torch.randn(n, generator=gen))
        for scale, n in ((0.1, model.window_samples), (0.3, 8000))
    )
    print(f"max |int8 onnx - fp32 torch| probability: recordings {real:.4f}"
          f", noise {noise:.4f}")  # fmt: skip
    assert 0 < real <= MAX_PROB_DIFF  # > 0: quantised, not a copy of fp32
    assert noise <= MAX_PROB_DIFF


def test_passt_tag_with_the_int8_graph(exported, tmp_path, capsys):
    model, path = exported
    audio = tmp_path / "clip.wav"
    data = 0.3 * np.random.default_rng(0).standard_normal(48000)
    soundfile.write(str(audio), data.astype(np.float32), 16000)
    assert tag.main([str(audio), "--onnx", str(path), "--json"]) == 0
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    scores = {t["label"]: t["score"] for t in record["tags"]}
    expected = model.tag_file(audio, top_k=len(LABELS))
    for label, score in zip(expected.labels, expected.scores, strict=True):
        assert abs(scores.get(label, 0.0) - score) <= MAX_PROB_DIFF + 1e-6
    assert OnnxTagger(path).labels == LABELS


def test_quantize_an_exported_graph_and_errors(exported, tmp_path):
    model, _ = exported
    fp32 = export_onnx(model, tmp_path / "fp32.onnx")
    meta = {p.key: p.value for p in onnx.load(str(fp32)).metadata_props}
    assert meta["precision"] == "fp32"
    int8 = quantize_onnx_int8(fp32, tmp_path / "int8.onnx")
    assert int8.stat().st_size < fp32.stat().st_size
    assert list(tmp_path.glob("tmp*.onnx")) == []  # no scratch file left
    with pytest.raises(ValueError, match="fp32 or int8"):
        export_onnx(model, tmp_path / "x.onnx", precision="bf16")
    with pytest.raises(FileNotFoundError, match="no ONNX graph"):
        quantize_onnx_int8(tmp_path / "missing.onnx", tmp_path / "y.onnx")
