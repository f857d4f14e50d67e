"""Tests of the pretrained tagging interface, offline, on a tiny random PaSST.

The model has a short time encoding (max_frames 200: windows of 2.15 s) so
that long audio is cheap to test.

Authors
 * speechbrain-passt developers 2026
"""

import shutil

import numpy as np
import pytest
import soundfile
import torch

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.inference import AudioReadError, PaSSTClassifier
from speechbrain_passt.weights import (
    CheckpointMismatchError,
    export_pretrained_folder,
)

RATE = 32000
LABELS = [f"class {i}" for i in range(10)]
CPU = {"device": "cpu"}


def make_modules(seed=0):
    torch.manual_seed(seed)
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200)
    head = PaSSTHead(32, len(LABELS))
    # Spread the random logits so that the rankings are not ties.
    torch.nn.init.normal_(head.linear.weight, std=1.0)
    return encoder.eval(), head.eval()


@pytest.fixture(scope="module")
def tiny_pretrained_folder(tmp_path_factory):
    encoder, head = make_modules()
    out = tmp_path_factory.mktemp("model") / "tiny_passt"
    return export_pretrained_folder(encoder, head, LABELS, out)


@pytest.fixture(scope="module")
def tagger(tiny_pretrained_folder):
    return PaSSTClassifier.from_hparams(tiny_pretrained_folder, run_opts=CPU)


def signal(seconds, rate=RATE, seed=0, noise=True):
    """A deterministic test sound: two tones with a decaying noise burst."""
    gen = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * rate))) / rate
    tones = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(
        2 * np.pi * (1500 + 300 * seed) * t
    )
    burst = 0.2 * gen.standard_normal(t.size) * np.exp(-3 * (t % 1.0))
    return (tones + burst * noise).astype(np.float32)


def write(path, data, rate=RATE, subtype=None):
    soundfile.write(str(path), data, rate, subtype=subtype)
    return str(path)


# Loading ---------------------------------------------------------------------


def test_from_hparams_local_folder(tagger):
    encoder, head = make_modules()
    assert tagger.labels == LABELS
    assert tagger.hparams.multi_label is True
    for module, reference in (
        (tagger.mods.embedding_model, encoder),
        (tagger.mods.classifier, head),
    ):
        loaded = module.state_dict()
        for key, value in reference.state_dict().items():
            assert torch.equal(loaded[key], value), key
    assert not any(p.requires_grad for p in tagger.mods.parameters())
    assert tagger.window_samples == 215 * 320


def test_moved_folder_and_savedir(tiny_pretrained_folder, tmp_path, tagger):
    first = tmp_path / "first"
    shutil.copytree(tiny_pretrained_folder, first)
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    shutil.move(str(first), str(moved))  # yaml still names the old place
    loaded = PaSSTClassifier.from_hparams(
        str(moved), savedir=str(tmp_path / "save"), run_opts=CPU
    )
    assert (tmp_path / "save" / "embedding_model.ckpt").exists()
    wav = torch.from_numpy(signal(1.0)).unsqueeze(0)
    assert torch.allclose(loaded(wav), tagger(wav))


def test_relative_folder(tiny_pretrained_folder, monkeypatch):
    monkeypatch.chdir(tiny_pretrained_folder.parent)
    loaded = PaSSTClassifier.from_hparams(
        f"./{tiny_pretrained_folder.name}", run_opts=CPU
    )
    assert loaded.labels == LABELS


def test_missing_folder_is_not_a_hub_lookup(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        PaSSTClassifier.from_hparams(str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="hyperparams.yaml"):
        PaSSTClassifier.from_hparams(tmp_path)


def test_mismatched_checkpoint(tiny_pretrained_folder, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_pretrained_folder, broken)
    state = torch.load(broken / "embedding_model.ckpt", weights_only=True)
    del state["norm.weight"]
    torch.save(state, broken / "embedding_model.ckpt")
    with pytest.raises(CheckpointMismatchError, match="norm.weight"):
        PaSSTClassifier.from_hparams(broken, run_opts=CPU)


def test_folder_without_strict_hooks_is_still_strict(
    tiny_pretrained_folder, tmp_path
):
    # A hand-written yaml without the strict hooks: SpeechBrain's default
    # transfer only logs missing keys, so the loader checks them itself.
    plain = tmp_path / "plain"
    shutil.copytree(tiny_pretrained_folder, plain)
    yaml = (plain / "hyperparams.yaml").read_text()
    yaml = yaml[: yaml.index("    custom_hooks:")]
    (plain / "hyperparams.yaml").write_text(yaml)
    assert PaSSTClassifier.from_hparams(plain, run_opts=CPU).labels == LABELS
    state = torch.load(plain / "embedding_model.ckpt", weights_only=True)
    del state["norm.weight"]
    torch.save(state, plain / "embedding_model.ckpt")
    with pytest.raises(CheckpointMismatchError, match="norm.weight"):
        PaSSTClassifier.from_hparams(plain, run_opts=CPU)


def test_missing_or_mismatched_labels(tiny_pretrained_folder, tmp_path):
    broken = tmp_path / "labels"
    shutil.copytree(tiny_pretrained_folder, broken)
    (broken / "label_encoder.txt").unlink()
    with pytest.raises(FileNotFoundError, match="label_encoder.txt"):
        PaSSTClassifier.from_hparams(broken, run_opts=CPU)
    # A label file of the wrong size is caught too.
    shutil.copytree(tiny_pretrained_folder, tmp_path / "few")
    short = tmp_path / "short"
    export_pretrained_folder(
        PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        PaSSTHead(32, 3),
        ["a", "b", "c"],
        short,
    )
    shutil.copy(short / "label_encoder.txt", tmp_path / "few")
    with pytest.raises(ValueError, match="3 labels but the head has 10"):
        PaSSTClassifier.from_hparams(tmp_path / "few", run_opts=CPU)


def test_single_label_softmax(tiny_pretrained_folder):
    single = PaSSTClassifier.from_hparams(
        tiny_pretrained_folder, overrides={"multi_label": False}, run_opts=CPU
    )
    result = single.tag_batch(torch.from_numpy(signal(1.0))[None])[0]
    assert result.all_scores.sum().item() == pytest.approx(1.0, abs=1e-5)
    expected = torch.softmax(result.logits, -1)
    assert torch.allclose(result.all_scores, expected)


# Audio input ------------------------------------------------------------------


def test_tag_file_top_k(tagger, tmp_path):
    path = write(tmp_path / "clip.wav", signal(1.5))
    result = tagger.tag_file(path, top_k=3)
    assert len(result.labels) == 3 and result.all_scores.shape == (10,)
    order = result.all_scores.argsort(descending=True)[:3].tolist()
    assert result.indices == order
    assert result.labels == [LABELS[i] for i in order]
    assert result.scores == pytest.approx(result.all_scores[order].tolist())
    assert torch.allclose(result.all_scores, torch.sigmoid(result.logits))
    assert result.duration == pytest.approx(1.5)


@pytest.mark.parametrize("rate", [16000, 44100])
def test_any_sample_rate(tagger, tmp_path, rate):
    # Tones only: the noise burst would differ in band between the rates.
    data = signal(1.5, rate=rate, noise=False)
    path = write(tmp_path / f"clip{rate}.wav", data, rate)
    wav = tagger.load_audio(path)
    assert wav.dim() == 1 and wav.shape[0] == pytest.approx(48000, abs=1)
    result = tagger.tag_file(path)
    assert result.duration == pytest.approx(1.5, abs=1e-4)
    # The resampled file scores like the same sound made at 32 kHz.
    native = signal(1.5, noise=False)
    native = tagger.tag_file(write(tmp_path / "n.wav", native))
    assert torch.allclose(result.all_scores, native.all_scores, atol=0.02)


def test_stereo_is_downmixed(tagger, tmp_path):
    mono = signal(1.0)
    left, right = mono * 1.5, mono * 0.5
    stereo = np.stack([left, right], axis=1)
    path = write(tmp_path / "stereo.wav", stereo, subtype="FLOAT")
    wav = tagger.load_audio(path)
    assert torch.allclose(wav.cpu(), torch.from_numpy(mono), atol=1e-6)


def test_8bit_and_mp3(tagger, tmp_path):
    data = signal(1.0)
    reference = tagger.tag_file(write(tmp_path / "ref.wav", data))
    for name, fmt_subtype in (("u8.wav", "PCM_U8"), ("clip.mp3", None)):
        path = write(tmp_path / name, data, subtype=fmt_subtype)
        result = tagger.tag_file(path)
        assert result.duration == pytest.approx(1.0, abs=0.1)
        assert torch.allclose(
            result.all_scores, reference.all_scores, atol=0.05
        ), name


def test_unreadable_files_name_the_file(tagger, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        tagger.tag_file(tmp_path / "missing.wav")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF not really audio")
    with pytest.raises(AudioReadError, match="corrupt.wav"):
        tagger.tag_file(corrupt)
    empty = write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32))
    with pytest.raises(AudioReadError, match="no samples"):
        tagger.tag_file(empty)


def test_bad_arguments(tagger):
    with pytest.raises(ValueError, match="batch, samples"):
        tagger.tag_batch(torch.zeros(1, 2, 100))
    with pytest.raises(ValueError, match="hop"):
        tagger.tag_batch(torch.zeros(1, 100), hop=5.0)
    with pytest.raises(ValueError, match="top_k"):
        tagger.tag_batch(torch.zeros(1, 100), top_k=0)


# Length ---------------------------------------------------------------------


def test_very_short_file_is_padded(tagger, tmp_path):
    path = write(tmp_path / "short.wav", signal(0.1))
    result = tagger.tag_file(path)
    assert result.timeline.scores.shape == (1, 10)
    assert result.timeline.ends.tolist() == pytest.approx([0.1])
    # Padding with silence to one patch is what runs.
    padded = torch.zeros(1, tagger.min_samples)
    padded[0, :3200] = tagger.load_audio(path)
    alone = tagger.tag_batch(padded)[0]
    assert torch.allclose(result.logits, alone.logits, atol=1e-5)
    frames = tagger.encode_file(path, frame_level=True)
    assert frames.embeddings.shape == (1, 1, 32)
    one_sample = tagger.tag_batch(torch.ones(1, 1))[0]
    assert torch.isfinite(one_sample.logits).all()


def test_long_file_timeline(tagger, tmp_path):
    path = write(tmp_path / "long.wav", signal(60.0))
    window = tagger.window_seconds  # 2.15 s
    result = tagger.tag_file(path, hop=1.0)
    timeline = result.timeline
    count = int(np.ceil((60.0 - window) / 1.0)) + 1
    assert timeline.scores.shape == (count, 10)
    assert timeline.starts[:-1].tolist() == pytest.approx(range(count - 1))
    assert timeline.starts[-1].item() == pytest.approx(60.0 - window)
    assert (timeline.ends - timeline.starts).tolist() == pytest.approx(
        [window] * count
    )
    assert result.duration == pytest.approx(60.0)
    # Clip logits: the mean of the windows' logits, each as if run alone.
    wav = tagger.load_audio(path)
    start = 7 * RATE
    window_alone = tagger.tag_batch(
        wav[start : start + tagger.window_samples][None]
    )[0]
    assert torch.allclose(
        timeline.scores[7], window_alone.all_scores, atol=1e-5
    )
    assert torch.allclose(result.logits, timeline.logits.mean(0))
    assert torch.allclose(timeline.scores, torch.sigmoid(timeline.logits))
    # The default hop is half a window.
    default = tagger.tag_file(path)
    assert default.timeline.starts[1].item() == pytest.approx(window / 2)


def test_batch_equals_single(tagger):
    lengths = [0.1, 1.3, 5.0]  # 5 s is longer than one window (2.15 s)
    clips = [torch.from_numpy(signal(s, seed=i)) for i, s in enumerate(lengths)]
    batch = torch.nn.utils.rnn.pad_sequence(clips, batch_first=True)
    wav_lens = torch.tensor([c.shape[0] / batch.shape[1] for c in clips])
    tags = tagger.tag_batch(batch, wav_lens)
    embeddings = tagger.encode_batch(batch, wav_lens)
    frames = tagger.encode_frames(batch, wav_lens)
    for i, clip in enumerate(clips):
        alone = tagger.tag_batch(clip[None])[0]
        assert torch.allclose(tags[i].logits, alone.logits, atol=1e-5)
        assert tags[i].labels == alone.labels
        assert tags[i].timeline.starts.tolist() == pytest.approx(
            alone.timeline.starts.tolist()
        )
        emb_alone = tagger.encode_batch(clip[None])
        assert torch.allclose(embeddings[i], emb_alone[0], atol=1e-5)
        frames_alone = tagger.encode_frames(clip[None])
        valid = frames_alone.embeddings.shape[1]
        assert frames.lengths[i] * frames.embeddings.shape[1] == valid
        assert torch.allclose(
            frames.embeddings[i, :valid], frames_alone.embeddings[0], atol=1e-5
        )
        assert torch.equal(frames.times[i, :valid], frames_alone.times[0])
    # The windows run in several encoder batches: batch size changes nothing.
    small = PaSSTClassifier.from_modules(
        *make_modules(), LABELS, window_batch_size=1
    )
    assert torch.allclose(
        small(batch, wav_lens), tagger(batch, wav_lens), atol=1e-5
    )


def test_frame_embeddings_timestamps(tagger):
    wav = torch.from_numpy(signal(1.0))[None]
    frames = tagger.encode_frames(wav)
    # 1 s: 100 frames -> 9 columns every 10 frames, centred 8 frames in.
    assert frames.embeddings.shape == (1, 9, 32)
    expected = [(10 * t + 8) * 0.01 for t in range(9)]
    assert frames.times[0].tolist() == pytest.approx(expected)
    tokens, _ = tagger.mods.embedding_model.encode_tokens(
        tagger.mods.compute_features(wav)
    )
    columns = tokens[0, 2:].reshape(12, 9, 32).mean(0)
    assert torch.allclose(frames.embeddings[0], columns, atol=1e-6)


def test_long_frame_embeddings_are_stitched(tagger):
    wav = torch.from_numpy(signal(6.0))[None]
    frames = tagger.encode_frames(wav, hop=1.0)
    times = frames.times[0]
    steps = times.diff()
    assert (steps > 0).all()  # monotonic, no duplicated times
    assert steps.max().item() < 0.15  # no holes at window boundaries
    assert times[0].item() == pytest.approx(0.08)
    # One grid from the clip's start: 600 frames, (600 - 16) // 10 + 1 = 59
    # columns every 0.1 s, the last one centred on frame 588.
    assert times.shape == (59,)
    assert torch.allclose(steps, torch.full_like(steps, 0.1), atol=1e-9)
    assert times[-1].item() == pytest.approx(5.88)
    # Times inside the first window's share come from the first window.
    first = tagger.encode_frames(wav[:, : tagger.window_samples])
    share = int((first.times[0] < 1.5).sum())
    assert torch.allclose(
        frames.embeddings[0, :share], first.embeddings[0, :share], atol=1e-5
    )


# Quantisation ---------------------------------------------------------------


def test_quantization_keeps_top5(tiny_pretrained_folder):
    tagger = PaSSTClassifier.from_hparams(tiny_pretrained_folder, run_opts=CPU)
    clips = torch.stack(
        [torch.from_numpy(signal(2.0, seed=s)) for s in range(4)]
    )
    assert tagger.quantization_keeps_top_k(clips, top_k=5)
    assert not tagger.quantized
    reference = tagger.tag_batch(clips)
    tagger.quantize()
    linear = tagger.mods.embedding_model.blocks[0].mlp.fc1
    assert type(linear).__name__ == "Int8Linear"
    for ref, new in zip(reference, tagger.tag_batch(clips), strict=True):
        assert set(ref.labels) == set(new.labels)
        assert torch.allclose(ref.all_scores, new.all_scores, atol=0.05)
