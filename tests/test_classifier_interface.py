"""SpeechBrain's classifier interface: code written for SpeechBrain's
``AudioClassifier`` runs unchanged on :class:`PaSSTClassifier`.

Authors
 * speechbrain-passt developers 2026
"""

import pytest
import torch
from speechbrain.dataio import audio_io

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.inference import PaSSTClassifier
from speechbrain_passt.weights import export_pretrained_folder

LABELS = ["dog", "cat", "rain", "speech"]


def make_folder(out, multi_label):
    torch.manual_seed(0)
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200)
    head = PaSSTHead(32, len(LABELS))
    torch.nn.init.normal_(head.linear.weight, std=1.0)
    return export_pretrained_folder(
        encoder, head, LABELS, out, multi_label=multi_label
    )


def speechbrain_style_usage(classifier, path, wavs):
    """Written as SpeechBrain's AudioClassifier docs show it."""
    out_prob, score, index, text_lab = classifier.classify_file(path)
    file_answer = (out_prob, score, index, text_lab)
    out_prob, score, index, text_lab = classifier.classify_batch(wavs)
    # The lines of AudioClassifier.classify_batch after the classifier:
    best, best_index = torch.max(out_prob, dim=-1)
    decoded = classifier.hparams.label_encoder.decode_torch(best_index)
    assert torch.equal(score, best) and torch.equal(index, best_index)
    assert text_lab == decoded
    return file_answer, (out_prob, score, index, text_lab)


@pytest.mark.parametrize("multi_label", [True, False])
def test_classify_returns_audioclassifier_tuple(tmp_path, multi_label):
    folder = make_folder(tmp_path / "model", multi_label)
    classifier = PaSSTClassifier.from_hparams(
        str(folder), run_opts={"device": "cpu"}
    )
    path = str(tmp_path / "clip.wav")
    audio_io.save(path, 0.1 * torch.randn(1, 48000), 16000)
    wavs = 0.1 * torch.randn(3, 80000)  # longer than one window
    wav_lens = torch.tensor([1.0, 0.5, 0.1])
    file_answer, batch_answer = speechbrain_style_usage(classifier, path, wavs)

    out_prob, score, index, text_lab = file_answer
    assert out_prob.shape == (1, len(LABELS))
    assert score.shape == index.shape == (1,)
    assert index.dtype == torch.int64
    assert isinstance(text_lab, list) and text_lab[0] in LABELS

    out_prob, score, index, text_lab = batch_answer
    assert out_prob.shape == (3, len(LABELS))
    assert score.shape == index.shape == (3,)
    assert len(text_lab) == 3 and all(isinstance(t, str) for t in text_lab)

    # Scores: sigmoid of the clip logits (multi-label) or softmax.
    out_prob, _, _, _ = classifier.classify_batch(wavs, wav_lens)
    logits = classifier(wavs, wav_lens).squeeze(1)
    expected = logits.sigmoid() if multi_label else logits.softmax(-1)
    assert torch.allclose(out_prob, expected, atol=1e-6)
    if not multi_label:
        assert torch.allclose(out_prob.sum(-1), torch.ones(3), atol=1e-5)

    # The rich per-clip results stay with tag_batch / tag_file.
    results = classifier.tag_batch(wavs, wav_lens, top_k=2)
    assert [r.labels[0] for r in results] == classifier.classify_batch(
        wavs, wav_lens
    )[3]
    assert classifier.tag_file(path, top_k=2).duration == pytest.approx(3.0)
