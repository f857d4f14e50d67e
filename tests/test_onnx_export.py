"""ONNX export of a tiny random PaSST: ``passt-export`` on a pretrained
folder, the graph in ONNX Runtime against the torch model, and
``passt-tag --onnx``. One export for the whole module (a few seconds).

Authors
 * speechbrain-passt developers 2026
"""

import json

import numpy as np
import pytest
import soundfile
import torch

pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")

from speechbrain_passt import PaSST, PaSSTHead  # noqa: E402
from speechbrain_passt.cli import export, tag  # noqa: E402
from speechbrain_passt.inference import PaSSTClassifier  # noqa: E402
from speechbrain_passt.inference.onnx_export import (  # noqa: E402
    TaggingGraph,
    export_onnx,
)
from speechbrain_passt.inference.onnx_tagger import OnnxTagger  # noqa: E402
from speechbrain_passt.weights import export_pretrained_folder  # noqa: E402

LABELS = ["dog", "rain", "siren", "speech", "music"]
TOLERANCE = 1e-4  # max |onnx - torch| / max |torch|, per output


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny pretrained folder, its torch model and its ONNX file."""
    torch.manual_seed(0)
    encoder = PaSST(embed_dim=32, depth=2, num_heads=2, max_frames=200)
    head = PaSSTHead(32, len(LABELS))
    torch.nn.init.normal_(head.linear.weight, std=1.0)
    folder = tmp_path_factory.mktemp("onnx")
    model_dir = export_pretrained_folder(
        encoder.eval(), head.eval(), LABELS, folder / "model"
    )
    out = folder / "model.onnx"
    assert export.main([str(model_dir), str(out)]) == 0
    model = PaSSTClassifier.from_hparams(model_dir, run_opts={"device": "cpu"})
    return model, out


def relative_difference(actual, expected):
    """Max absolute difference relative to the reference's max magnitude."""
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def test_graph_matches_torch(exported):
    model, path = exported
    graph = TaggingGraph(
        model.mods.compute_features,
        model.mods.embedding_model,
        model.mods.classifier,
    ).eval()
    session = ort.InferenceSession(str(path))
    assert [i.shape for i in session.get_inputs()] == [["batch", "samples"]]
    gen = torch.Generator().manual_seed(0)
    worst = 0.0
    # Shortest input, a short clip and the longest input (the time encoding).
    for samples in (model.min_samples, 8000, model.window_samples):
        for batch in (1, 3):
            wavs = 0.1 * torch.randn(batch, samples, generator=gen)
            with torch.no_grad():
                expected = graph(wavs)
            outputs = session.run(None, {"waveform": wavs.numpy()})
            for actual, reference in zip(outputs, expected, strict=True):
                assert actual.shape == tuple(reference.shape)
                worst = max(
                    worst, relative_difference(actual, reference.numpy())
                )
    print(f"max relative difference onnx vs torch: {worst:.2e}")
    assert worst <= TOLERANCE


def test_metadata(exported):
    model, path = exported
    tagger = OnnxTagger(path)
    assert tagger.labels == LABELS
    assert tagger.multi_label is True
    assert tagger.sample_rate == model.sample_rate == 32000
    assert (tagger.min_samples, tagger.window_samples) == (4801, 68800)
    with pytest.raises(ValueError, match="4801 to 68800 samples"):
        tagger.run(torch.zeros(1, 68801))


def test_tagger_matches_classifier(exported):
    """Clips of different lengths in one padded batch, one longer than a
    window: ONNX tags equal the torch classifier's."""
    model, path = exported
    tagger = OnnxTagger(path, window_batch_size=2)
    gen = torch.Generator().manual_seed(1)
    wavs = 0.1 * torch.randn(3, 150000, generator=gen)
    wav_lens = torch.tensor([1.0, 0.2, 0.02])  # 150000, 30000, 3000 samples
    expected = model.tag_batch(wavs, wav_lens, top_k=3)
    actual = tagger.tag_batch(wavs, wav_lens, top_k=3)
    for ours, theirs in zip(actual, expected, strict=True):
        assert ours.labels == theirs.labels
        assert ours.duration == theirs.duration
        assert torch.equal(ours.timeline.starts, theirs.timeline.starts)
        diff = relative_difference(
            ours.timeline.logits.numpy(), theirs.timeline.logits.numpy()
        )
        assert diff <= TOLERANCE
    assert len(actual[0].timeline.starts) == 4  # a long clip: 4 windows


def test_onnx_tagger_has_speechbrain_classify(exported):
    """OnnxTagger answers classify_batch as PaSSTClassifier does."""
    model, path = exported
    tagger = OnnxTagger(path)
    wavs = 0.1 * torch.randn(
        2, 40000, generator=torch.Generator().manual_seed(2)
    )
    out_prob, score, index, text_lab = tagger.classify_batch(wavs)
    expected = model.classify_batch(wavs)
    assert out_prob.shape == (2, len(LABELS))
    assert torch.allclose(out_prob, expected[0], atol=1e-4)
    assert index.tolist() == expected[2].tolist()
    assert text_lab == expected[3]


def test_passt_tag_onnx(exported, tmp_path, capsys):
    model, path = exported
    audio = tmp_path / "clip.wav"
    data = 0.3 * np.random.default_rng(0).standard_normal(48000)
    soundfile.write(str(audio), data.astype(np.float32), 16000)
    missing = str(tmp_path / "missing.wav")
    code = tag.main(
        [str(audio), missing, "--onnx", str(path), "--json", "--top-k", "2"]
    )
    captured = capsys.readouterr()
    assert code == 1  # the missing file
    assert "missing.wav" in captured.err
    record = json.loads(captured.out.splitlines()[0])
    expected = model.tag_file(audio, top_k=2)
    assert [t["label"] for t in record["tags"]] == expected.labels
    np.testing.assert_allclose(
        [t["score"] for t in record["tags"]], expected.scores, atol=1e-5
    )


def test_export_refuses_a_quantized_model(tmp_path):
    model = PaSSTClassifier.from_modules(
        PaSST(embed_dim=32, depth=1, num_heads=2),
        PaSSTHead(32, 2),
        ["a", "b"],
        quantize=True,
    )
    with pytest.raises(ValueError, match="fp32"):
        export_onnx(model, tmp_path / "q.onnx")
