"""Inputs users bring that used to fail (issue 10): bad relative lengths,
non-finite audio, long files, the frame grid, missing model folders.

Offline, on tiny random PaSSTs: ``max_frames=200`` gives windows of 2.15 s
(20 columns), so the issue's 300 s / 10.05 s cases scale to 64 s / 2.15 s.

Authors
 * speechbrain-passt developers 2026
"""

import shutil

import huggingface_hub
import numpy as np
import pytest
import soundfile
import torch
from speechbrain.dataio.dataset import DynamicItemDataset

from speechbrain_passt import PaSST, PaSSTFbank, PaSSTHead
from speechbrain_passt.inference import AudioReadError, PaSSTClassifier
from speechbrain_passt.inference.loading import local_folder
from speechbrain_passt.training.evaluation import predict_dataset
from speechbrain_passt.weights import export_pretrained_folder

RATE = 32000
LABELS = [f"class {i}" for i in range(6)]
CPU = {"device": "cpu"}


def make_tagger(max_frames=200, seed=0, **kwargs):
    torch.manual_seed(seed)
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=max_frames)
    head = PaSSTHead(32, len(LABELS))
    torch.nn.init.normal_(head.linear.weight, std=1.0)
    return PaSSTClassifier.from_modules(
        encoder.eval(), head.eval(), LABELS, **kwargs
    )


@pytest.fixture(scope="module")
def tagger():
    return make_tagger()


def noise(seconds, rate=RATE, seed=0):
    gen = np.random.default_rng(seed)
    return (0.1 * gen.standard_normal(round(seconds * rate))).astype(np.float32)


def write(path, data, rate=RATE, subtype=None):
    soundfile.write(str(path), data, rate, subtype=subtype)
    return str(path)


# 3. Relative lengths outside (0, 1] or of the wrong shape -------------------

ENTRY_POINTS = [
    "forward",
    "classify_batch",
    "tag_batch",
    "encode_batch",
    "encode_frames",
]


def call(tagger, name, wavs, wav_lens):
    if name == "forward":
        return tagger(wavs, wav_lens)
    return getattr(tagger, name)(wavs, wav_lens)


@pytest.mark.parametrize("name", ENTRY_POINTS)
@pytest.mark.parametrize(
    "wav_lens, match",
    [
        ([10.0], r"wav_lens\[0\] = 10.0; sample counts\?"),  # the issue's
        ([48000.0], r"wav_lens\[0\] = 48000.0"),  # samples as lengths
        ([0.0], r"wav_lens\[0\] = 0.0"),
        ([-0.5], r"wav_lens\[0\] = -0.5"),
        ([float("nan")], r"wav_lens\[0\] = nan"),
        ([1.0, 1.0], r"shape \[batch\] = \(1,\).*\(2,\)"),
        ([[1.0]], r"shape \[batch\] = \(1,\).*\(1, 1\)"),
        (torch.tensor([True]), "real numbers"),
        ("1.0", "wav_lens must be"),
    ],
)
def test_bad_relative_lengths_are_named(tagger, name, wav_lens, match):
    wavs = torch.from_numpy(noise(3.0))[None]
    with pytest.raises(ValueError, match="wav_lens") as error:
        call(tagger, name, wavs, wav_lens)
    assert error.match(match)


def test_good_relative_lengths(tagger):
    wavs = torch.from_numpy(noise(3.0))[None].repeat(2, 1)
    as_list = tagger.tag_batch(wavs, [1.0, 0.5])
    as_tensor = tagger.tag_batch(wavs, torch.tensor([1.0, 0.5]))
    assert as_list[1].duration == pytest.approx(1.5)
    assert torch.equal(as_list[1].logits, as_tensor[1].logits)
    with pytest.raises(ValueError, match="wav_lens"):
        tagger.quantization_keeps_top_k(wavs, [2.0, 1.0])


# 4. Non-finite audio ---------------------------------------------------------


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_nan_sample_names_the_clip(tagger, name):
    wavs = torch.from_numpy(noise(2.0))[None].repeat(2, 1)
    wavs[1, 1000] = float("nan")  # the input, in clip 1
    with pytest.raises(ValueError, match=r"clip 1 .*wavs\[1\].* sample 1000"):
        call(tagger, name, wavs, None)
    wavs[1, 1000] = 0.0
    wavs[0, 5] = -float("inf")
    with pytest.raises(ValueError, match=r"clip 0 .*NaN or inf"):
        call(tagger, name, wavs, None)


def test_non_finite_padding_is_ignored(tagger):
    wavs = torch.from_numpy(noise(2.0))[None].repeat(2, 1)
    wavs[1, RATE:] = float("nan")  # after clip 1's end
    result = tagger.tag_batch(wavs, [1.0, 0.5])
    assert all(torch.isfinite(r.all_scores).all() for r in result)


def test_float64_samples_that_overflow_float32(tagger):
    wavs = torch.zeros(1, RATE, dtype=torch.float64)
    wavs[0, 7] = 1e300  # finite in float64, inf as the model's float32
    with pytest.raises(ValueError, match="sample 7"):
        tagger.tag_batch(wavs)


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_huge_finite_samples_give_no_nan_scores(tagger, name):
    wavs = 1e25 * torch.from_numpy(noise(2.0))[None]  # overflows the STFT
    with pytest.raises(ValueError, match="non-finite outputs.*scale"):
        call(tagger, name, wavs, None)


def test_non_finite_files_are_named(tagger, tmp_path):
    data = noise(2.0)
    data[1000] = np.nan
    path = write(tmp_path / "nan.wav", data, subtype="FLOAT")
    with pytest.raises(AudioReadError, match="nan.wav.*NaN or inf"):
        tagger.tag_file(path)
    data[1000] = np.inf
    path = write(tmp_path / "inf.wav", data, subtype="DOUBLE")
    with pytest.raises(AudioReadError, match="inf.wav.*NaN or inf"):
        tagger.encode_file(path, frame_level=True)
    loud = write(tmp_path / "loud.wav", 1e30 * noise(2.0), subtype="FLOAT")
    with pytest.raises(ValueError, match="loud.wav gives non-finite"):
        tagger.tag_file(loud)


def dataset(waves):
    data = DynamicItemDataset({key: {} for key in waves})
    data.add_dynamic_item(lambda id: waves[id], "id", "sig")
    data.set_output_keys(["id", "sig"])
    return data


def test_whole_clip_evaluation_names_the_item():
    torch.manual_seed(0)
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=100)
    modules = (encoder, PaSSTHead(32, 4), PaSSTFbank())
    bad = torch.randn(RATE)
    bad[123] = float("nan")
    waves = {"ok": torch.randn(2 * RATE), "clip-7": bad}
    with pytest.raises(ValueError, match=r"item 'clip-7' .*sample 123"):
        predict_dataset(*modules, dataset(waves), batch_size=2)
    loud = {"ok": torch.randn(RATE), "loud": 1e25 * torch.randn(RATE)}
    with pytest.raises(ValueError, match="item 'loud' gives non-finite"):
        predict_dataset(*modules, dataset(loud), batch_size=1)
    assert encoder.training  # its mode is restored after the error


# 5. Long files block by block ------------------------------------------------


@pytest.mark.parametrize("rate", [32000, 44100])
def test_file_blocks_equal_the_whole_file(rate, tmp_path):
    tagger = make_tagger(window_batch_size=3)
    path = write(tmp_path / "clip.wav", noise(5.3, rate), rate)  # 4 windows
    whole = tagger.load_audio(path)[None]
    tagger.block_seconds = 0.37  # many small blocks, cut anywhere
    for hop in (None, 1.0):
        streamed = tagger.tag_file(path, top_k=3, hop=hop)
        expected = tagger.tag_batch(whole, top_k=3, hop=hop)[0]
        assert streamed.duration == expected.duration
        assert streamed.labels == expected.labels
        assert torch.equal(streamed.timeline.starts, expected.timeline.starts)
        assert torch.equal(streamed.timeline.ends, expected.timeline.ends)
        torch.testing.assert_close(
            streamed.timeline.logits, expected.timeline.logits
        )
        torch.testing.assert_close(
            tagger.encode_file(path, hop=hop),
            tagger.encode_batch(whole, hop=hop),
        )
        frames = tagger.encode_file(path, frame_level=True, hop=hop)
        reference = tagger.encode_frames(whole, hop=hop)
        assert torch.equal(frames.times, reference.times)
        torch.testing.assert_close(frames.embeddings, reference.embeddings)


# 6. Frame embeddings on one grid ---------------------------------------------


def grid_count(samples):
    frames = 1 + (max(samples, 4801) - 1) // 320
    return (frames - 16) // 10 + 1


@pytest.mark.parametrize("hop", [1.0, None])
@pytest.mark.parametrize("seconds", [64.0, 2.15, 2.16, 5.03])
def test_frames_lie_on_one_grid(tagger, seconds, hop):
    # 64 s in 2.15 s windows stands for the 300 s in 10.05 s ones.
    wav = torch.from_numpy(noise(seconds))[None]
    frames = tagger.encode_frames(wav, hop=hop)
    times = frames.times[0]
    assert len(times) == grid_count(wav.shape[1])  # from the duration alone
    expected = (10 * torch.arange(len(times), dtype=torch.float64) + 8) / 100
    assert torch.equal(times, expected)  # exact, from the column index
    if len(times) > 1:
        steps = times.diff()
        assert torch.allclose(steps, torch.full_like(steps, 0.1), atol=1e-12)


def test_every_frame_is_its_windows_column(tagger):
    # A column of the stitched clip equals that column computed by a window
    # that starts on the grid, alone: the grid is the clip's.
    wav = torch.from_numpy(noise(9.0))[None]
    frames = tagger.encode_frames(wav, hop=1.0)
    window = tagger.window_samples
    for first in (0, 10, 30, 50):  # windows start every 10 columns
        alone = tagger.encode_frames(
            wav[:, first * 3200 : first * 3200 + window]
        )
        middle = slice(first + 5, first + 15)  # kept from this window
        torch.testing.assert_close(
            frames.embeddings[0, middle], alone.embeddings[0, 5:15]
        )


def test_released_geometry_grid(tmp_path):
    # The released models' geometry (10.05 s windows, 99 columns).
    tagger = make_tagger(max_frames=998)
    wav = torch.from_numpy(noise(25.0))[None]
    for hop in (1.0, None):
        times = tagger.encode_frames(wav, hop=hop).times[0]
        assert len(times) == grid_count(25 * RATE) == 249
        assert times[-1].item() == pytest.approx(24.88)


# 7. Model folders --------------------------------------------------------------


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    tagger = make_tagger()
    out = tmp_path_factory.mktemp("model") / "tiny"
    return export_pretrained_folder(
        tagger.mods.embedding_model, tagger.mods.classifier, LABELS, out
    )


@pytest.fixture
def hub_calls(monkeypatch):
    """Count hub requests and answer them as an unreachable hub would."""
    calls = []

    def unreachable(repo_id, filename, **kwargs):
        calls.append(repo_id)
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(huggingface_hub, "file_exists", unreachable)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return calls


def test_missing_folder_in_hub_form_is_reported_at_once(
    tmp_path, monkeypatch, hub_calls
):
    monkeypatch.chdir(tmp_path)  # the README's folder is not here
    with pytest.raises(FileNotFoundError, match="no such folder") as error:
        PaSSTClassifier.from_hparams("pretrained/passt_s", run_opts=CPU)
    assert error.match("pretrained/passt_s") and error.match("reached")
    assert hub_calls == ["pretrained/passt_s"]  # one request, no retries
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="no such folder.*OFFLINE"):
        PaSSTClassifier.from_hparams("someone/other_model")
    assert len(hub_calls) == 1  # offline: no request at all


@pytest.mark.parametrize(
    "source, match",
    [
        ("passt_s", "no such folder: passt_s"),
        ("models/tiny/", "no such folder"),
        ("../models/tiny", "no such folder"),
        ("a/b/c", "no such folder"),
        # Released names: the file, its URL and the folder to put it in.
        ("passt_s_swa_p16_128_ap476", "ap.476-swa.pt.*releases/download"),
        ("passt-s-f128-p16-s10-ap.476-swa.pt", "hub/checkpoints"),
    ],
)
def test_missing_folder_without_network(
    source, match, tmp_path, monkeypatch, hub_calls
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))

    def offline(url, *args, **kwargs):
        """A download attempt without network."""
        raise OSError(f"offline: {url}")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(FileNotFoundError, match=match):
        PaSSTClassifier.from_hparams(source)
    assert hub_calls == []


def test_hub_id_with_a_saved_copy_needs_no_request(tmp_path, hub_calls):
    (tmp_path / "hyperparams.yaml").write_text("{}")
    assert local_folder("owner/model", savedir=tmp_path) is None
    assert hub_calls == []


def test_home_and_variables_are_expanded(model_dir, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(model_dir, home / "models" / "tiny")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MODELS", str(home / "models"))
    for source in ("~/models/tiny", "$MODELS/tiny", "${MODELS}/tiny"):
        loaded = PaSSTClassifier.from_hparams(
            source, savedir="~/save", run_opts=CPU
        )
        assert loaded.labels == LABELS
    assert (home / "save" / "embedding_model.ckpt").exists()
    write(home / "a.wav", noise(1.0))
    assert loaded.tag_file("~/a.wav").duration == pytest.approx(1.0)
    assert loaded.encode_file("$HOME/a.wav").shape == (1, 1, 32)
