"""The AudioFolder recipe on real clips (ESC-50 and SpeechBrain samples) in
both data layouts: class folders with and without split folders, and
``metadata.csv`` single- and multi-label; bad rows are reported by row.

The class-folder run with split folders is the CSV row's
(``tests/test_recipes_datasets.py``); the multi-label ``metadata.csv`` run
below fine-tunes end to end and tags a clip with the exported model through
``passt-tag``."""

import json
import shutil

import numpy as np
import pytest
import soundfile
from audiofolder_data import (
    CLIPS,
    ESC50,
    SB,
    make_class_folders,
    make_metadata,
    write_metadata,
)
from recipe_modules import load_recipe_module, run_doctests
from recipe_rows import check_ok, read_rows, run_row

from speechbrain_passt.cli import tag
from speechbrain_passt.data.clip_checks import BadClipsError

prepare = load_recipe_module("AudioFolder", "audiofolder_prepare")
layout = load_recipe_module("AudioFolder", "audiofolder_layout")


def _prepare(data, tmp_path, **kwargs):
    kwargs.setdefault("valid_ratio", 0.25)
    kwargs.setdefault("test_ratio", 0.25)
    return prepare.prepare_audiofolder(
        data, tmp_path / "save", tmp_path / "cache", **kwargs
    )


def _manifest(files, split):
    return json.loads(files[split].read_text())


@pytest.mark.parametrize("module", [prepare, layout])
def test_doctests(module, request):
    result = run_doctests(module, request)
    assert result.failed == 0 and result.attempted > 0


def test_class_folders_without_splits_draw_stratified_splits(tmp_path):
    data = make_class_folders(tmp_path / "data", splits=False)
    files = _prepare(data, tmp_path)
    assert files["target_kind"] == "single_label"
    assert files["info"]["drawn_splits"] == ["test", "valid"]
    labels = json.loads(files["labels"].read_text())
    assert labels == ["environment", "room_impulse", "speech"]
    splits = {s: _manifest(files, s) for s in ("train", "valid", "test")}
    assert [len(splits[s]) for s in splits] == [8, 4, 4]
    for entries in splits.values():  # stratified: every class in each
        assert {e["class_id"] for e in entries.values()} == {0, 1, 2}
    assert set().union(*splits.values()) == {
        f"{label}/{path.name}" for path, (label, _) in CLIPS.items()
    }
    # Any format, rate and channel count: the 4-channel 16 kHz FLAC and the
    # 44.1 kHz wavs are cached as 32 kHz mono.
    noise = splits_entry(splits, "environment/noise_0.70225_-0.70225_0.11704")
    cached = tmp_path / "cache" / noise["wav"].split("}/")[1]
    info = soundfile.info(cached)
    assert (info.samplerate, info.channels, info.duration) == (32000, 1, 10)
    # Same data and seed: same splits, nothing prepared again.
    again = _prepare(data, tmp_path)
    assert _manifest(again, "test") == splits["test"]
    # Another seed draws other splits.
    other = _prepare(data, tmp_path / "seed", split_seed=7)
    assert set(_manifest(other, "test")) != set(splits["test"])


def splits_entry(splits, prefix):
    """The manifest entry whose id starts with ``prefix``."""
    for entries in splits.values():
        for clip_id, entry in entries.items():
            if clip_id.startswith(prefix):
                return entry
    raise KeyError(prefix)


def test_metadata_per_split_single_label(tmp_path):
    data = make_metadata(tmp_path / "data", multi_label=False, per_split=True)
    files = _prepare(data, tmp_path)
    assert files["target_kind"] == "single_label"
    assert files["info"] == {
        "layout": "metadata.csv",
        "target_kind": "single_label",
        "classes": 3,
        "drawn_splits": ["valid"],
        "bad_rows": 0,
    }
    test = _manifest(files, "test")
    assert sorted(test) == [
        "test/clips/5-156999-C-19.wav",
        "test/clips/rir4.wav",
        "test/clips/spk2_snt3.wav",
    ]
    entry = test["test/clips/rir4.wav"]
    assert entry["labels"] == ["room_impulse"] and entry["class_id"] == 1
    assert entry["row"] == "test/metadata.csv, row 3"


def test_metadata_multi_label_and_separators(tmp_path):
    data = make_metadata(tmp_path / "data")
    files = _prepare(data, tmp_path)
    assert files["target_kind"] == "multi_label"
    assert len(json.loads(files["labels"].read_text())) == 10
    entries = {}
    for split in ("train", "valid", "test"):
        entries.update(_manifest(files, split))
    dog = entries["clips/1-100032-A-0.wav"]
    assert dog["labels"] == ["dog", "animal"]
    assert dog["class_ids"] == [0, 2]  # animal, dog
    # ";" separates when any cell holds one: commas stay in the names.
    rows = [("clips/a.wav", "Male speech, man speaking;Speech")]
    write_metadata(tmp_path / "semi" / "metadata.csv", rows + [("b", "x")])
    read = layout.read_metadata_csv(
        tmp_path / "semi" / "metadata.csv", tmp_path / "semi"
    )
    assert read[0].labels == ["Male speech, man speaking", "Speech"]
    # single_label cannot be forced on multi-label rows.
    with pytest.raises(ValueError, match="several labels"):
        _prepare(data, tmp_path / "forced", target_kind="single_label")


def _bad_metadata(tmp_path):
    """A metadata.csv with four bad rows among real clips."""
    data = make_metadata(tmp_path / "data", multi_label=False)
    clips = data / "clips"
    shutil.copy(clips / "rir1.wav", clips / "unlabelled.wav")
    (clips / "broken.wav").write_bytes(b"not audio at all")
    soundfile.write(clips / "silent.wav", np.zeros(0), 16000)
    good = [(f"clips/{p.name}", label) for p, (label, _) in CLIPS.items()]
    write_metadata(
        data / "metadata.csv",
        good[:2]
        + [
            ("clips/nothing.wav", "speech"),
            ("clips/unlabelled.wav", " "),
            ("clips/broken.wav", "speech"),
            ("clips/silent.wav", "speech"),
        ]
        + good[2:],
    )
    return data


def test_bad_rows_are_listed_by_row_and_stop_unless_skipped(tmp_path):
    data = _bad_metadata(tmp_path)
    with pytest.raises(BadClipsError) as error:
        _prepare(data, tmp_path)
    message = str(error.value)
    assert "4 of 20 rows cannot be used (1 missing, 1 no label, " in message
    assert "1 unreadable, 1 empty)" in message
    assert "metadata.csv, row 4: missing (clips/nothing.wav)" in message
    assert "metadata.csv, row 5: no label (clips/unlabelled.wav)" in message
    assert "metadata.csv, row 6: unreadable (clips/broken.wav: " in message
    assert "metadata.csv, row 7: empty (clips/silent.wav)" in message
    assert "skip_bad_clips" in message

    # The recipe stops with the same list.
    row = read_rows("AudioFolder")[0]
    failed = run_row(row, tmp_path / "run", [f"--data_folder={data}"])
    assert failed.returncode != 0
    output = failed.stdout + failed.stderr
    assert "BadClipsError" in output
    assert "metadata.csv, row 4: missing (clips/nothing.wav)" in output

    files = _prepare(data, tmp_path, skip_bad_clips=True)
    listed = (tmp_path / "save" / "bad_rows.txt").read_text().splitlines()
    assert [line.split(":")[0] for line in listed] == [
        f"metadata.csv, row {n}" for n in (4, 5, 6, 7)
    ]
    assert files["info"]["bad_rows"] == 4
    kept = sum(files["counts"][s]["kept"] for s in ("train", "valid", "test"))
    assert kept == 16


def test_bad_files_in_class_folders_are_listed_by_path(tmp_path):
    data = make_class_folders(tmp_path / "data")
    (data / "train" / "speech" / "broken.wav").write_bytes(b"no audio")
    (data / "train" / "stray.flac").write_bytes(b"")
    (data / "train" / "speech" / "notes.txt").write_text("not a clip")
    with pytest.raises(BadClipsError) as error:
        _prepare(data, tmp_path)
    message = str(error.value)
    assert "2 of 18 rows cannot be used (1 unreadable, 1 no label)" in message
    assert "train/stray.flac: no label" in message
    assert "train/speech/broken.wav: unreadable" in message


def test_recipe_fine_tunes_on_multi_label_metadata_and_exports(
    tmp_path, capsys
):
    data = make_metadata(tmp_path / "data")
    row = read_rows("AudioFolder")[0]
    out = tmp_path / "out"
    check_ok(run_row(row, out, [f"--data_folder={data}"]))
    results = json.loads((out / "results.json").read_text())
    assert results["target_kind"] == "multi_label"
    assert results["num_classes"] == 10
    assert 0.0 <= results["mAP"] <= 1.0
    saved = json.loads((out / "save" / "dataset.json").read_text())
    assert saved["drawn_splits"] == ["test", "valid"]
    log = (out / "train_log.txt").read_text()
    assert "epoch: 2" in log and "test mAP" in log
    model = out / "pretrained_model"
    assert "multi_label: True" in (model / "hyperparams.yaml").read_text()

    # passt-tag tags files with the exported folder.
    clip = str(ESC50 / "1-100032-A-0.wav")
    speech = str(SB / "spk1_snt1.wav")
    argv = [clip, speech, "--model", str(model), "--json", "--top-k", "3"]
    assert tag.main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["file"] for r in records] == [clip, speech]
    labels = json.loads((out / "save" / "labels.json").read_text())
    for record in records:
        assert len(record["tags"]) == 3
        assert {t["label"] for t in record["tags"]} <= set(labels)
