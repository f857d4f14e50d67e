"""Shared dataset preparation: clip checks, the resampled-audio cache,
manifests and the preparation itself (speechbrain_passt.data)."""

import json

import numpy as np
import pytest
import soundfile
import torch
from fake_datasets import non_finite
from speechbrain.dataio import audio_io
from speechbrain.dataio.dataset import DynamicItemDataset

from speechbrain_passt.data.audio import (
    EMPTY,
    MISSING,
    NON_FINITE,
    UNREADABLE,
    read_audio,
)
from speechbrain_passt.data.audio_cache import cache_clip, cache_path
from speechbrain_passt.data.clip_checks import ALL_PROBLEMS, BadClipsError, Clip
from speechbrain_passt.data.manifests import write_manifest
from speechbrain_passt.data.preparation import prepare_clips, prepare_dataset


def _tone(path, rate=44100, seconds=0.5, channels=2):
    t = np.arange(int(rate * seconds)) / rate
    wave = 0.5 * np.sin(2 * np.pi * 440 * t)
    soundfile.write(str(path), np.stack([wave] * channels, 1), rate)
    return path


def _decode_error_flac(path):
    """A FLAC whose header reads fine but whose frames do not decode."""
    _tone(path.with_suffix(".flac"))
    data = bytearray(path.with_suffix(".flac").read_bytes())
    third = len(data) // 3
    data[third : third + 2000] = b"\xff" * 2000
    path.with_suffix(".flac").write_bytes(bytes(data))
    return path.with_suffix(".flac")


def _clips(tmp_path):
    ok = _tone(tmp_path / "ok.wav")
    empty = tmp_path / "empty.wav"
    soundfile.write(str(empty), np.zeros((0, 1)), 16000)
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(b"ID3 but not really" * 10)
    broken = _decode_error_flac(tmp_path / "broken")
    return [
        Clip("ok", ok, "c/ok", {"class_id": 1}),
        Clip("gone", tmp_path / "gone.wav", "c/gone"),
        Clip("empty", empty, "c/empty"),
        Clip("garbage", garbage, "c/garbage"),
        Clip("broken", broken, "c/broken"),
    ]


def test_every_kind_of_bad_clip_is_reported(tmp_path):
    clips = _clips(tmp_path)
    with pytest.raises(BadClipsError) as error:
        prepare_clips(clips, tmp_path / "cache", what="Toy", hint="use X")
    # The header check catches three; the decode failure comes only when
    # decoding, and is listed in the same way.
    reasons = {p.clip_id: p.reason for p in error.value.problems}
    assert reasons == {"gone": MISSING, "empty": EMPTY, "garbage": UNREADABLE}
    assert "Toy: 3 of 5 clips" in str(error.value)
    assert str(error.value).endswith("use X")

    entries, report = prepare_clips(
        clips,
        tmp_path / "cache",
        skip=ALL_PROBLEMS,
        report_file=tmp_path / "bad.txt",
    )
    assert list(entries) == ["ok"]
    assert report.counts() == {
        MISSING: 1,
        UNREADABLE: 2,
        EMPTY: 1,
        NON_FINITE: 0,
    }
    listed = (tmp_path / "bad.txt").read_text().splitlines()
    assert len(listed) == 4
    assert any(
        line.startswith(f"unreadable: {clips[4].source}") for line in listed
    )


def test_decode_failure_alone_raises(tmp_path):
    broken = _decode_error_flac(tmp_path / "broken")
    clip = Clip("broken", broken, "broken")
    with pytest.raises(BadClipsError, match="1 unreadable"):
        prepare_clips([clip], tmp_path / "cache")


def test_non_finite_clip_is_reported_like_the_others(tmp_path):
    """The header check passes; the reader finds the NaN when caching."""
    nan = non_finite(tmp_path / "nan.wav")
    clips = [
        Clip("ok", _tone(tmp_path / "ok.wav"), "ok"),
        Clip("nan", nan, "nan"),
        Clip("gone", tmp_path / "gone.wav", "gone"),
    ]
    with pytest.raises(BadClipsError, match="1 non-finite") as error:
        prepare_clips(clips, tmp_path / "cache", skip=[MISSING])
    assert [p.reason for p in error.value.problems] == [MISSING, NON_FINITE]
    assert f"non-finite: {nan}" in str(error.value)
    assert not cache_path(tmp_path / "cache", clips[1]).exists()

    entries, report = prepare_clips(
        clips, tmp_path / "cache", skip=ALL_PROBLEMS
    )
    assert list(entries) == ["ok"]
    assert report.counts()[NON_FINITE] == 1 and report.counts()[MISSING] == 1


def test_cache_holds_what_the_one_reader_reads(tmp_path):
    """The cache is read_audio's output (mono, resampled), as stored."""
    source = _tone(tmp_path / "a.wav", rate=44100, seconds=0.3)
    target = tmp_path / "cache" / "a.wav"
    frames, written = cache_clip(source, target, 32000)
    expected = read_audio(source, 32000)
    cached, rate = audio_io.load(str(target))
    assert written and rate == 32000 and frames == expected.shape[0]
    assert torch.allclose(cached[0], expected, atol=1e-4)


def test_cached_clip_is_mono_32k_and_loadable(tmp_path):
    clip = Clip("a", _tone(tmp_path / "a.wav", rate=48000), "x/a", {"k": 1})
    entries, report = prepare_clips([clip], tmp_path / "cache")
    assert report.resampled == 1
    manifest = write_manifest(entries, tmp_path / "m.json")
    data = DynamicItemDataset.from_json(
        manifest, replacements={"data_root": str(tmp_path / "cache")}
    )
    data.set_output_keys(["wav", "duration", "k"])
    item = data[0]
    audio, rate = audio_io.load(item["wav"])
    assert rate == 32000 and audio.shape == (1, 16000)
    assert item["duration"] == pytest.approx(0.5) and item["k"] == 1
    # The tone survives resampling (the cache is not silence or noise).
    spectrum = torch.fft.rfft(audio[0]).abs()
    assert abs(int(spectrum.argmax()) * 2 - 440) <= 2

    # A second run writes nothing; a corrupt cache entry is rewritten.
    assert prepare_clips([clip], tmp_path / "cache")[1].resampled == 0
    cache_path(tmp_path / "cache", clip).write_bytes(b"junk")
    assert prepare_clips([clip], tmp_path / "cache")[1].resampled == 1


def test_workers_give_the_same_result(tmp_path):
    clips = [
        Clip(f"c{i}", _tone(tmp_path / f"{i}.wav", seconds=0.2), f"c{i}")
        for i in range(4)
    ]
    clips.append(Clip("gone", tmp_path / "gone.wav", "gone"))
    serial, _ = prepare_clips(clips, tmp_path / "c0", skip=[MISSING])
    parallel, report = prepare_clips(
        clips, tmp_path / "c1", skip=[MISSING], num_workers=2
    )
    assert parallel == serial and report.counts()[MISSING] == 1


def test_repeated_ids_rejected(tmp_path):
    clip = Clip("a", tmp_path / "a.wav", "a")
    with pytest.raises(ValueError, match="repeated clip ids"):
        prepare_clips([clip, clip], tmp_path / "cache")


def test_long_report_is_truncated(tmp_path):
    clips = [Clip(str(i), tmp_path / f"{i}.wav", str(i)) for i in range(25)]
    with pytest.raises(BadClipsError, match="and 5 more") as error:
        prepare_clips(clips, tmp_path / "cache", report_file=tmp_path / "r")
    assert len(error.value.problems) == 25
    assert len((tmp_path / "r").read_text().splitlines()) == 25


def test_prepare_dataset_manifests_and_rerun(tmp_path):
    calls = []

    def read():
        calls.append(1)
        return (
            {
                "a": [Clip("x", _tone(tmp_path / "x.wav"), "x")],
                "b": [Clip("y", _tone(tmp_path / "y.wav"), "y")],
            },
            ["one", "two"],
        )

    args = ("Toy", read, {"all": ["a", "b"], "b": ["b"]})
    files = prepare_dataset(*args, tmp_path / "s", tmp_path / "c")
    assert list(json.loads(files["all"].read_text())) == ["x", "y"]
    assert json.loads(files["labels"].read_text()) == ["one", "two"]
    assert files["counts"]["a"]["kept"] == 1
    again = prepare_dataset(*args, tmp_path / "s", tmp_path / "c")
    assert len(calls) == 1 and again == files
    prepare_dataset(*args, tmp_path / "s", tmp_path / "c", sample_rate=16000)
    assert len(calls) == 2


def test_prepare_dataset_refuses_empty_manifest(tmp_path):
    def read():
        return {"a": [Clip("x", tmp_path / "gone.wav", "x")]}, ["one"]

    with pytest.raises(ValueError, match="the a manifest would be empty"):
        prepare_dataset(
            "Toy",
            read,
            {"a": ["a"]},
            tmp_path / "s",
            tmp_path / "c",
            skip_missing=True,
        )
