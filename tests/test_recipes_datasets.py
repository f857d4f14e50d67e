"""The AudioSet, OpenMIC, DCASE20 and FSD50K recipes end to end on fake data
in each official layout (``--debug``, tiny model), and the AudioFolder
recipe on real clips in class folders, driven by the rows of
``tests/recipes/<Dataset>.csv``; every yaml of these recipes loads."""

import json
import math
import os
import shutil
import subprocess
import sys

import pytest
from audiofolder_data import make_class_folders
from fake_datasets import MAKERS, make_dcase20
from recipe_rows import ROOT, check_ok, expected_files, read_rows, run_row

DATASETS = ["Audioset", "OpenMIC", "DCASE20", "FSD50K", "AudioFolder"]
FAKE = ROOT / "tests" / "tmp" / "fake"
# The metric each recipe reports (results.json).
MAIN_METRIC = {
    "Audioset": "mAP",
    "OpenMIC": "mAP",
    "DCASE20": "accuracy",
    "FSD50K": "mAP",
    "AudioFolder": "accuracy",
}


@pytest.fixture(scope="module")
def fake_data():
    """Each fake dataset where the CSV rows expect it (tests/tmp/fake), and
    real clips in class folders under split folders for AudioFolder."""
    for name, make in {**MAKERS, "AudioFolder": make_class_folders}.items():
        shutil.rmtree(FAKE / name, ignore_errors=True)
        make(FAKE / name)
    return FAKE


def _first_row(dataset):
    """The PaSST-S row (the variants differ only in keys the tiny flags
    replace; every yaml is loaded in test_every_yaml_loads)."""
    return read_rows(dataset)[0]


def _check_outputs(row, out):
    missing = [f for f in expected_files(row) if not (out / f).is_file()]
    assert not missing, f"{row['Hparam_file']}: missing outputs {missing}"
    results = json.loads((out / "results.json").read_text())
    # The live model and the SWA average (the exported one) are both
    # tested (the rows start SWA at epoch 1).
    for prefix in ("", "swa_"):
        value = results[prefix + MAIN_METRIC[row["Dataset"]]]
        assert isinstance(value, float) and math.isfinite(value)
    assert results["exported_model"] == "swa"
    log = (out / "train_log.txt").read_text()
    assert "epoch: 2" in log and "Epoch loaded" in log
    return results


@pytest.mark.parametrize("dataset", DATASETS)
def test_recipe_runs_end_to_end(dataset, fake_data, tmp_path):
    row = _first_row(dataset)
    assert row["Hparam_file"].endswith("passt_s.yaml")
    out = tmp_path / "out"
    result = run_row(row, out)
    check_ok(result)
    results = _check_outputs(row, out)
    assert results["model"] == str(out / "pretrained_model")
    # The merged yaml (variant + base) is saved with the run.
    assert "target_kind:" in (out / "hyperparams.yaml").read_text()

    if dataset == "DCASE20":
        devices = json.loads((out / "device_accuracy.json").read_text())
        expected = {"accuracy", "accuracy_seen", "accuracy_unseen"}
        expected |= {f"accuracy_{d}" for d in ("a", "b", "c")}
        expected |= {f"accuracy_s{i}" for i in range(1, 7)}
        assert set(devices) == expected | {"swa_" + k for k in expected}
        for key in ("accuracy", "swa_accuracy"):
            assert devices[key] == pytest.approx(results[key])
    if dataset == "FSD50K":
        # Eval clips of 2.5 s are longer than the tiny model's time
        # encoding (about 1 s): they ran as windows.
        assert "test mAP" in (out / "train_log.txt").read_text()
        # The original's protocol (a 10 s crop) beside the whole clips.
        for key in ("crop10s_mAP", "crop10s_swa_mAP", "swa_mAP"):
            assert math.isfinite(results[key])
    if dataset == "AudioFolder":
        # Three class folders, train/ and validation/ given, test drawn.
        assert results["target_kind"] == "single_label"
        assert results["num_classes"] == 3
        info = json.loads((out / "save" / "dataset.json").read_text())
        assert info["drawn_splits"] == ["test"]
    if dataset == "Audioset":
        # Evaluation only, from the exported folder: same eval mAP.
        again = run_row(
            row,
            tmp_path / "eval_only",
            ["--test_only", f"--pretrained={out / 'pretrained_model'}"],
        )
        check_ok(again)
        evaluated = json.loads(
            (tmp_path / "eval_only" / "results.json").read_text()
        )
        assert "model" not in evaluated
        # The exported model is the SWA average: evaluated as it is, it
        # gives the first run's swa_mAP.
        assert evaluated["exported_model"] == "live"
        assert evaluated["mAP"] == pytest.approx(results["swa_mAP"], abs=1e-6)


def test_bad_clips_stop_the_recipe_unless_skipped(tmp_path):
    data = tmp_path / "dcase"
    info = make_dcase20(data, bad=True)
    row = _first_row("DCASE20")
    failed = run_row(row, tmp_path / "a", [f"--data_folder={data}"])
    assert failed.returncode != 0
    output = failed.stdout + failed.stderr  # SpeechBrain logs to stdout
    assert "BadClipsError" in output
    assert f"missing: {info['missing']}" in output
    assert f"unreadable: {info['corrupt']}" in output
    assert "1 missing, 1 unreadable" in output

    out = tmp_path / "b"
    result = run_row(
        row, out, [f"--data_folder={data}", "--skip_bad_clips=True"]
    )
    check_ok(result)
    counts = json.loads((out / "save" / "prepare_report.json").read_text())
    assert counts["train"]["missing"] == 1
    assert counts["test"]["unreadable"] == 1
    _check_outputs(row, out)


def _all_yamls():
    rows = [row for dataset in DATASETS for row in read_rows(dataset)]
    return [row["Hparam_file"] for row in rows]


def test_every_yaml_has_a_row():
    """SpeechBrain's test_recipe_list: every yaml is in a CSV."""
    listed = set(_all_yamls())
    listed |= {row["Hparam_file"] for row in read_rows("ESC50")}
    on_disk = {"hparams/" + p.name for p in (ROOT / "hparams").glob("*.yaml")}
    for folder in ("openmic", "dcase20", "fsd50k", "esc50", "audiofolder"):
        on_disk |= {
            f"hparams/{folder}/{p.name}"
            for p in (ROOT / "hparams" / folder).glob("*.yaml")
        }
    assert on_disk == listed


def test_openmic_targets_and_masks(tmp_path):
    """The dataset gives the raw relevances (the Brain binarises them after
    waveform mixup, tests/test_training_openmic_mixup.py) and the mask of
    the annotated instruments."""
    from fake_datasets import make_openmic
    from recipe_modules import load_recipe_module

    info = make_openmic(tmp_path / "data", num_train=2, num_test=1)
    prepare = load_recipe_module("OpenMIC", "openmic_prepare")
    files = prepare.prepare_openmic(
        tmp_path / "data", tmp_path / "save", tmp_path / "cache"
    )
    train = load_recipe_module("OpenMIC", "train")
    hparams = {
        "sample_rate": 32000,
        "clip_seconds": 1.0,
        "gain_db": 0,
        "roll_samples": 0,
        "cache_folder": str(tmp_path / "cache"),
    }
    item = train.dataio_prep(hparams, files)["train"][1]
    relevance, annotated = info["y_true"][1], info["y_mask"][1]
    assert item["target"].tolist() == pytest.approx(relevance.tolist())
    assert item["mask"].tolist() == annotated.astype(float).tolist()
    assert (item["target"] > 0.5).sum() == 1 and item["mask"].sum() == 2
    assert item["sig"].shape == (32000,)


def test_audioset_sampler_options(tmp_path):
    """The training loader draws epoch_samples clips, class-balanced."""
    from recipe_modules import load_recipe_module

    from speechbrain_passt.training import class_balanced_weights

    manifest = tmp_path / "train.json"
    labels = {"a": [0], "b": [0], "c": [0, 1], "d": [2]}
    manifest.write_text(
        json.dumps({k: {"class_ids": v} for k, v in labels.items()})
    )
    train = load_recipe_module("Audioset", "train")
    hparams = {
        "train_dataloader_opts": {"batch_size": 2, "shuffle": True},
        "epoch_samples": 3,
        "seed": 1,
    }
    options = train.balanced_loader_options(hparams, manifest, 3)
    assert "shuffle" not in options and options["batch_size"] == 2
    sampler = options["sampler"]
    assert sampler.num_samples == 3 and not sampler.replacement
    expected = class_balanced_weights([[0], [0], [0, 1], [2]])
    assert sampler.weights.tolist() == expected.tolist()
    # More samples per epoch than clips: every clip once.
    hparams["epoch_samples"] = 100
    assert (
        len(
            list(train.balanced_loader_options(hparams, manifest, 3)["sampler"])
        )
        == 4
    )


def test_audioset_demo_row_runs_and_its_export_tags(tmp_path):
    """The main job's embedded default, at test scale: generates the
    AudioSet-layout set, trains, tests and exports a folder passt-tag
    uses."""
    from speechbrain_passt.cli.tag import main as tag_main

    row = [r for r in read_rows("Audioset") if "demo" in r["Hparam_file"]][0]
    out = tmp_path / "out"
    data = tmp_path / "demo_data"
    check_ok(run_row(row, out, [f"--data_folder={data}"]))
    results = json.loads((out / "results.json").read_text())
    assert 0.0 <= results["mAP"] <= 1.0
    head = (data / "metadata" / "eval_segments.csv").read_text().splitlines()
    assert head[0].startswith("#") and '"/m/' in head[3]
    clip = next((data / "audios" / "eval_segments").glob("Y*.wav"))
    assert tag_main([str(clip), "--model", str(out / "pretrained_model")]) == 0

    # The same run reading the clips from indexed WebDataset shards gives
    # the same results (issue 14: same manifests, sampler and metrics).
    sharded = tmp_path / "out_shards"
    check_ok(
        run_row(
            row,
            sharded,
            [
                f"--data_folder={data}",
                "--data_format=shards",
                "--clips_per_shard=5",
            ],
        )
    )
    shard_results = json.loads((sharded / "results.json").read_text())
    assert list((data / "shards_32k").glob("*.tar"))
    for key in ("mAP", "swa_mAP", "loss"):
        assert shard_results[key] == pytest.approx(results[key], abs=1e-6)


# Every recipe's real yaml, without data: (recipe folder, yaml, README text).
NO_DATA_CASES = [
    ("Audioset", "hparams/passt_s.yaml", "hparams/demo.yaml"),
    ("ESC50", "hparams/esc50/passt_s.yaml", "hparams/esc50/demo.yaml"),
    ("OpenMIC", "hparams/openmic/passt_s.yaml", "recipes/OpenMIC/README.md"),
    ("DCASE20", "hparams/dcase20/passt_s.yaml", "recipes/DCASE20/README.md"),
    ("FSD50K", "hparams/fsd50k/passt_s.yaml", "recipes/FSD50K/README.md"),
    ("AudioFolder", "hparams/audiofolder/passt_s.yaml", "metadata.csv"),
]


@pytest.mark.parametrize("recipe, yaml, hint", NO_DATA_CASES)
def test_recipe_without_data_folder_says_what_is_missing(
    recipe, yaml, hint, tmp_path
):
    """No --data_folder, or one that does not exist: one line naming the
    yaml and what the folder holds, exit 2, no experiment folder."""
    script = str(ROOT / "recipes" / recipe / "train.py")
    missing = str(tmp_path / "no_such_folder")
    for extra, said in (([], "--data_folder is missing"),
                        ([f"--data_folder={missing}"], "is not a folder")):  # fmt: skip
        result = subprocess.run(
            [sys.executable, script, str(ROOT / yaml), *extra],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert result.returncode == 2, result.stderr[-2000:]
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and said in lines[0]
        assert yaml in lines[0] and hint in lines[0]
        assert list(tmp_path.iterdir()) == []  # nothing written
