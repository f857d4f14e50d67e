"""Prepare scripts of the AudioSet, OpenMIC, DCASE20 and FSD50K recipes on
fake datasets in each official layout, clean and with one missing and one
corrupt clip."""

import json
import shutil

import pytest
from fake_datasets import (
    AUDIOSET_SPLITS,
    DCASE_SCENES,
    OPENMIC_CLASSES,
    make_audioset,
    make_dcase20,
    make_fsd50k,
    make_openmic,
    non_finite,
)
from recipe_modules import load_recipe_module, run_doctests
from speechbrain.dataio import audio_io

from speechbrain_passt.data.clip_checks import BadClipsError
from speechbrain_passt.data.labels import audioset_labels

PREPARE = {
    "Audioset": ("audioset_prepare", "prepare_audioset", make_audioset),
    "OpenMIC": ("openmic_prepare", "prepare_openmic", make_openmic),
    "DCASE20": ("dcase20_prepare", "prepare_dcase20", make_dcase20),
    "FSD50K": ("fsd50k_prepare", "prepare_fsd50k", make_fsd50k),
}


def _prepare(dataset, data, tmp_path, **kw):
    script, function, _ = PREPARE[dataset]
    module = load_recipe_module(dataset, script)
    return getattr(module, function)(
        data, tmp_path / "save", tmp_path / "cache", **kw
    )


def _load(path):
    return json.loads(open(path).read())


def _check_cached(entries, cache):
    for entry in entries.values():
        path = entry["wav"].replace("{data_root}", str(cache))
        info = audio_io.info(path)
        assert info.sample_rate == 32000 and info.num_channels == 1
        assert entry["duration"] == pytest.approx(info.num_frames / 32000)


@pytest.mark.parametrize("dataset", sorted(PREPARE))
def test_prepare_doctests(dataset, request):
    module = load_recipe_module(dataset, PREPARE[dataset][0])
    result = run_doctests(module, request)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("dataset", sorted(PREPARE))
def test_missing_and_corrupt_clips(dataset, tmp_path):
    """Both bad files are listed and counted; skipping carries on."""
    data = tmp_path / "data"
    info = PREPARE[dataset][2](data, bad=True)
    with pytest.raises(BadClipsError) as error:
        _prepare(dataset, data, tmp_path)
    message = str(error.value)
    assert f"missing: {info['missing']}" in message
    assert f"unreadable: {info['corrupt']}" in message
    assert "1 unreadable" in message and "skip_bad_clips" in message
    # AudioSet also skips (and counts) its never-downloaded clip.
    missing = 2 if dataset == "Audioset" else 1
    assert f"{missing} missing" in message
    listed = (tmp_path / "save" / "bad_clips.txt").read_text()
    assert str(info["missing"]) in listed and str(info["corrupt"]) in listed
    assert not (tmp_path / "save" / "train.json").exists()

    files = _prepare(dataset, data, tmp_path, skip_bad_clips=True)
    counts = files["counts"]
    assert sum(c["missing"] for c in counts.values()) == missing
    assert sum(c["unreadable"] for c in counts.values()) == 1
    kept = {}
    for name, path in files.items():
        if name not in ("labels", "counts"):
            kept.update(_load(path))
    assert sum(c["kept"] for c in counts.values()) == len(kept)
    assert sum(c["total"] for c in counts.values()) == len(kept) + missing + 1
    stems = {
        entry["wav"].rsplit("/", 1)[1].split(".")[0] for entry in kept.values()
    }
    assert info["missing"].stem not in stems
    assert info["corrupt"].stem not in stems
    _check_cached(kept, tmp_path / "cache")


def test_audioset(tmp_path):
    data = tmp_path / "data"
    info = make_audioset(data)
    files = _prepare("Audioset", data, tmp_path)
    counts = files["counts"]
    assert counts["balanced"] == {
        "total": 6,
        "kept": 6,
        "missing": 0,
        "unreadable": 0,
        "empty": 0,
        "non-finite": 0,
    }
    assert counts["unbalanced"]["missing"] == 1
    assert (
        counts["unbalanced"]["kept"]
        == AUDIOSET_SPLITS["unbalanced_train_segments"] - 1
    )
    train, evals = _load(files["train"]), _load(files["eval"])
    assert len(train) == 11 and len(evals) == 4
    assert info["not_downloaded"] not in train
    assert _load(files["labels"]) == audioset_labels()
    # Row 0 of the balanced csv: classes 0 and 1 (mids in the csv order).
    first = train["-ba00_x0"]
    assert first["class_ids"] == [0, 1] and first["subset"] == "balanced"
    assert {e["subset"] for e in train.values()} == {"balanced", "unbalanced"}
    _check_cached({**train, **evals}, tmp_path / "cache")
    assert next(iter(evals.values()))["wav"].endswith(".flac")

    # Balanced only; missing clips an error when not skipped.
    files = _prepare("Audioset", data, tmp_path / "b", use_unbalanced=False)
    assert len(_load(files["train"])) == 6
    with pytest.raises(BadClipsError, match="1 missing"):
        _prepare("Audioset", data, tmp_path / "c", skip_missing=False)


def test_audioset_rejects_unknown_mid(tmp_path):
    data = tmp_path / "data"
    make_audioset(data)
    csv_path = data / "metadata" / "eval_segments.csv"
    csv_path.write_text(csv_path.read_text() + 'zzz, 0.0, 10.0, "/m/nope"\n')
    with pytest.raises(ValueError, match="eval_segments.csv, line 8.*/m/nope"):
        _prepare("Audioset", data, tmp_path)


def test_openmic(tmp_path):
    data = tmp_path / "data"
    info = make_openmic(data)
    files = _prepare("OpenMIC", data, tmp_path)
    train, test = _load(files["train"]), _load(files["test"])
    assert list(train) == info["keys"][0] and list(test) == info["keys"][1]
    assert _load(files["labels"]) == OPENMIC_CLASSES
    key = info["keys"][0][1]
    entry = train[key]
    assert entry["annotated"] == info["y_mask"][1].astype(int).tolist()
    assert entry["relevance"] == pytest.approx(info["y_true"][1].tolist())
    assert entry["wav"] == "{data_root}/" + f"{key[:3]}/{key}.wav"
    _check_cached({**train, **test}, tmp_path / "cache")


def test_openmic_unknown_key(tmp_path):
    data = tmp_path / "data"
    make_openmic(data)
    part = data / "partitions" / "split01_test.csv"
    part.write_text(part.read_text() + "999999_0\n")
    with pytest.raises(ValueError, match="999999_0"):
        _prepare("OpenMIC", data, tmp_path)


def test_dcase20(tmp_path):
    data = tmp_path / "data"
    info = make_dcase20(data)
    files = _prepare("DCASE20", data, tmp_path)
    train, test = _load(files["train"]), _load(files["test"])
    assert len(train) == len(info["train"]) and len(test) == len(
        info["evaluate"]
    )
    assert _load(files["labels"]) == DCASE_SCENES
    assert {e["device"] for e in train.values()} == {
        "a",
        "b",
        "c",
        "s1",
        "s2",
        "s3",
    }
    assert {e["device"] for e in test.values()} >= {"s4", "s5", "s6"}
    entry = test["bus-helsinki-1-80-s6"]
    assert entry["class_id"] == 1 and entry["scene"] == "bus"
    assert entry["city"] == "helsinki" and entry["device"] == "s6"
    _check_cached({**train, **test}, tmp_path / "cache")


def test_dcase20_device_mismatch(tmp_path):
    data = tmp_path / "data"
    make_dcase20(data)
    meta = data / "meta.csv"
    lines = meta.read_text().splitlines()
    lines[1] = lines[1].rsplit("\t", 1)[0] + "\ts4"
    meta.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="device 's4'"):
        _prepare("DCASE20", data, tmp_path)


def test_fsd50k(tmp_path):
    data = tmp_path / "data"
    info = make_fsd50k(data)
    files = _prepare("FSD50K", data, tmp_path)
    train = _load(files["train"])
    valid, evals = _load(files["valid"]), _load(files["eval"])
    assert len(train) == 8 and len(valid) == 4 and len(evals) == 4
    assert _load(files["labels"])[0] == "Bark"
    # dev row 1: classes 1 and 3; kept at full length (2.5 s clips too).
    assert train["dev_1037"]["class_ids"] == [1, 3]
    assert max(e["duration"] for e in evals.values()) == pytest.approx(2.5)
    assert info["eval"][0][0] == "9000"
    _check_cached({**train, **valid, **evals}, tmp_path / "cache")


def test_non_finite_clip_in_a_recipe(tmp_path):
    """A clip with NaN samples is listed, counted and skipped by reason."""
    data = tmp_path / "data"
    info = make_dcase20(data)
    nan = non_finite(data / info["evaluate"][0][0], 44100)
    with pytest.raises(BadClipsError) as error:
        _prepare("DCASE20", data, tmp_path)
    assert f"non-finite: {nan}" in str(error.value)
    assert "1 non-finite" in str(error.value)
    files = _prepare("DCASE20", data, tmp_path, skip_bad_clips=True)
    assert files["counts"]["test"]["non-finite"] == 1
    assert nan.stem not in _load(files["test"])


def test_prepare_twice_reuses_the_work(tmp_path):
    data = tmp_path / "data"
    make_dcase20(data)
    first = _prepare("DCASE20", data, tmp_path)
    stamp = first["train"].stat().st_mtime_ns
    second = _prepare("DCASE20", data, tmp_path)
    assert second["train"].stat().st_mtime_ns == stamp
    assert second["counts"] == first["counts"]
    # Another option redoes the manifests but reuses the cached audio.
    third = _prepare("DCASE20", data, tmp_path, skip_bad_clips=True)
    assert third["train"].stat().st_mtime_ns != stamp


def _rename_audioset_clips(data, rename):
    """Rename every downloaded clip with ``rename(ytid, ext) -> name``."""
    for path in sorted((data / "audios").rglob("Y*.*")):
        path.rename(path.with_name(rename(path.stem[1:], path.suffix)))


@pytest.mark.parametrize(
    "rename",
    [
        lambda ytid, ext: f"{ytid}{ext}",  # the issue's: no Y prefix
        lambda ytid, ext: f"{ytid}_0.000_10.000{ext}",  # id_start_end
        lambda ytid, ext: f"Y{ytid}.ogg",  # Y naming, another format
    ],
)
def test_audioset_other_naming_says_what_is_expected(rename, tmp_path, caplog):
    """Clips under another naming: the warning names the expected
    Y<YTID>.<ext> naming and shows a file that was found."""
    data = tmp_path / "data"
    make_audioset(data)
    _rename_audioset_clips(data, rename)
    with pytest.raises(ValueError, match="manifest would be empty"):
        _prepare("Audioset", data, tmp_path)
    warnings = [r.getMessage() for r in caplog.records]
    folder = data / "audios" / "eval_segments"
    found = sorted(folder.iterdir())[0]
    (message,) = [w for w in warnings if f"no file in {folder} " in w]
    assert "Y<YTID>.wav, .flac or .mp3" in message
    assert f"found e.g. {found}" in message
    assert "no audio files found" not in " ".join(warnings)


def test_audioset_missing_or_empty_audio_folder(tmp_path, caplog):
    data = tmp_path / "data"
    make_audioset(data)
    shutil.rmtree(data / "audios" / "eval_segments")
    for path in (data / "audios" / "balanced_train_segments").iterdir():
        path.unlink()
    with pytest.raises(ValueError, match="eval manifest would be empty"):
        _prepare("Audioset", data, tmp_path)
    text = caplog.text
    assert f"{data / 'audios' / 'eval_segments'} does not exist" in text
    assert "balanced_train_segments is empty; expected Y<YTID>" in text
