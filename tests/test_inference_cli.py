"""Tests of the ``passt-tag`` command, offline, on a tiny random PaSST.

Authors
 * speechbrain-passt developers 2026
"""

import json

import huggingface_hub
import numpy as np
import pytest
import soundfile
import torch

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.cli.tag import main
from speechbrain_passt.inference import PaSSTClassifier
from speechbrain_passt.weights import export_pretrained_folder

LABELS = ["dog", "rain", "siren", "speech", "music", "engine"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    torch.manual_seed(1)
    encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200)
    head = PaSSTHead(32, len(LABELS))
    torch.nn.init.normal_(head.linear.weight, std=1.0)
    out = tmp_path_factory.mktemp("cli") / "model"
    return export_pretrained_folder(encoder.eval(), head.eval(), LABELS, out)


@pytest.fixture(scope="module")
def audio_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audio")
    gen = np.random.default_rng(0)
    paths = []
    for name, seconds, rate in (("a.wav", 1.0, 32000), ("b.flac", 5.0, 16000)):
        data = 0.3 * gen.standard_normal(int(seconds * rate))
        path = folder / name
        soundfile.write(str(path), data.astype(np.float32), rate)
        paths.append(str(path))
    return paths


def test_text_output(model_dir, audio_files, capsys):
    code = main([*audio_files, "--model", str(model_dir), "--top-k", "3"])
    out = capsys.readouterr().out
    assert code == 0
    tagger = PaSSTClassifier.from_hparams(model_dir, run_opts={"device": "cpu"})
    expected = tagger.tag_file(audio_files[0], top_k=3)
    lines = out.splitlines()
    assert lines[0] == f"{audio_files[0]} (1.00 s)"
    assert lines[1].split(maxsplit=1) == [
        f"{expected.scores[0]:.4f}",
        expected.labels[0],
    ]
    assert [line.split(maxsplit=1)[1] for line in lines[1:4]] == (
        expected.labels
    )
    assert lines[4] == f"{audio_files[1]} (5.00 s)"
    assert len(lines) == 8 and "timeline" not in out


def test_json_output_with_timeline(model_dir, audio_files, capsys):
    args = [*audio_files, "--model", str(model_dir), "--json", "--timeline"]
    code = main([*args, "--top-k", "2", "--hop", "1.0"])
    records = [
        json.loads(line) for line in capsys.readouterr().out.split("\n")[:-1]
    ]
    assert code == 0 and len(records) == 2
    short, long = records
    assert short["file"] == audio_files[0]
    assert short["duration"] == pytest.approx(1.0)
    assert len(short["tags"]) == 2 and short["tags"][0]["label"] in LABELS
    assert len(short["timeline"]) == 1
    # 5 s with 2.15 s windows every 1 s: starts 0, 1, 2, 2.85.
    starts = [window["start"] for window in long["timeline"]]
    assert starts == pytest.approx([0.0, 1.0, 2.0, 2.85])
    assert long["timeline"][-1]["end"] == pytest.approx(5.0)
    assert all(len(window["tags"]) == 2 for window in long["timeline"])


def test_unreadable_file_does_not_stop_others(
    model_dir, audio_files, tmp_path, capsys
):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"not audio at all")
    missing = str(tmp_path / "missing.mp3")
    files = [str(corrupt), audio_files[0], missing]
    code = main([*files, "--model", str(model_dir), "--json"])
    captured = capsys.readouterr()
    assert code == 1
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["file"] for r in records] == [audio_files[0]]
    assert "corrupt.wav" in captured.err and "missing.mp3" in captured.err
    assert "2 of 3 files failed" in captured.err


def test_bad_model_and_arguments(tmp_path, audio_files, capsys, monkeypatch):
    missing = str(tmp_path / "no_model")
    assert main([audio_files[0], "--model", missing]) == 2
    assert "no_model" in capsys.readouterr().err
    # No --model: the paper's PaSST-S; offline without its release file,
    # one message names the file, its URL and the folder to put it in.
    monkeypatch.delenv("PASST_MODEL", raising=False)
    hub = tmp_path / "hub"
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))
    attempts = []

    def offline(url, *args, **kwargs):
        """One refused download."""
        attempts.append(url)
        raise OSError("offline")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    assert main([audio_files[0]]) == 2
    err = capsys.readouterr().err
    assert "passt-s-f128-p16-s10-ap.476-swa.pt" in err
    assert "github.com/kkoutini/PaSST/releases/download/" in err
    assert str(hub / "checkpoints") in err
    assert len(attempts) == 1  # at once, no retries


def test_mixed_list_tags_every_good_file_and_names_every_bad_one(
    model_dir, audio_files, tmp_path, capsys
):
    # The list: good files, an 8001 Hz file, an empty file, a NaN
    # file and a long file (here 2 minutes of silent 16 kHz FLAC, four
    # read blocks; the 3-hour case is measured in benchmarks/).
    odd_rate = tmp_path / "odd_rate.wav"
    soundfile.write(str(odd_rate), 0.1 * np.ones(4000, np.float32), 8001)
    empty = tmp_path / "empty.wav"
    soundfile.write(str(empty), np.zeros(0, np.float32), 16000)
    zero_bytes = tmp_path / "zero_bytes.flac"
    zero_bytes.write_bytes(b"")
    nan = np.zeros(16000, np.float32)
    nan[100] = np.nan
    nan_file = tmp_path / "nan.wav"
    soundfile.write(str(nan_file), nan, 16000, subtype="FLOAT")
    long_file = tmp_path / "long.flac"
    soundfile.write(str(long_file), np.zeros(120 * 16000, np.int16), 16000)
    files = [
        audio_files[0],
        str(odd_rate),
        str(empty),
        str(nan_file),
        str(long_file),
        str(zero_bytes),
        audio_files[1],
    ]
    code = main([*files, "--model", str(model_dir), "--json"])
    captured = capsys.readouterr()
    assert code == 1
    records = [json.loads(line) for line in captured.out.splitlines()]
    good = [audio_files[0], str(odd_rate), str(long_file), audio_files[1]]
    assert [r["file"] for r in records] == good
    durations = [r["duration"] for r in records]
    assert durations == pytest.approx([1.0, 4000 / 8001, 120.0, 5.0], abs=1e-3)
    for record in records:
        scores = [tag["score"] for tag in record["tags"]]
        assert len(scores) == 5 and all(np.isfinite(scores))
    errors = captured.err.splitlines()
    for bad, why in (
        (empty, "empty"),
        (nan_file, "NaN or inf"),
        (zero_bytes, "could not be decoded"),
    ):
        assert any(str(bad) in line and why in line for line in errors), bad
    assert "3 of 7 files failed" in captured.err


def test_paths_are_expanded_and_missing_models_reported_at_once(
    model_dir, audio_files, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("MODEL_HOME", str(model_dir.parent))
    monkeypatch.setenv("HOME", str(tmp_path))
    copy = tmp_path / "a.wav"
    copy.write_bytes(open(audio_files[0], "rb").read())
    args = [
        "~/a.wav",
        "$HOME/a.wav",
        "--model",
        f"$MODEL_HOME/{model_dir.name}",
    ]
    assert main([*args, "--json"]) == 0
    records = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["file"] for line in records] == args[:2]
    # The README's spelling, run from another folder, with the hub
    # unreachable: one request, no retries, "no such folder".
    calls = []

    def unreachable(repo_id, filename, **kwargs):
        calls.append(repo_id)
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(huggingface_hub, "file_exists", unreachable)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["a.wav", "--model", "pretrained/passt_s"]) == 2
    err = capsys.readouterr().err
    assert "no such folder: pretrained/passt_s" in err
    assert calls == ["pretrained/passt_s"]
