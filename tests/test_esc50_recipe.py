"""The ESC-50 recipe: data preparation on the official layout, the recipe
end to end (--debug, tiny model), the demo path (shortened), resuming after
a real SIGKILL, and DDP with two processes on CPU."""

import csv
import doctest
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import soundfile

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes" / "ESC50"
MINI = ROOT / "tests" / "data" / "esc50_mini"
sys.path.insert(0, str(RECIPE))

import esc50_passt_prepare  # noqa: E402

from speechbrain_passt.data.clip_checks import Clip, find_problems  # noqa: E402
from speechbrain_passt.data.synthetic import generate_synthetic_esc50  # noqa: E402

TINY_MODEL = [
    "--pretrained=null",
    "--embed_dim=32",
    "--depth=1",
    "--num_heads=2",
    "--num_workers=0",
    "--device=cpu",
]


def run_recipe(hparams, args, timeout=240, env_extra=None, launcher=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(RECIPE)])
    env["OMP_NUM_THREADS"] = "1"
    env.update(env_extra or {})
    command = (launcher or [sys.executable]) + [
        str(RECIPE / "train.py"),
        str(ROOT / "hparams" / "esc50" / hparams),
        *args,
    ]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check_ok(result):
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]


@pytest.fixture(scope="module")
def small_synthetic(tmp_path_factory):
    """30 one-second clips of 3 classes at 32 kHz, in the ESC-50 layout."""
    folder = tmp_path_factory.mktemp("synthetic")
    return generate_synthetic_esc50(
        folder,
        num_classes=3,
        clips_per_class=10,
        sample_rate=32000,
        clip_seconds=1.0,
    )


# ------------------------------------------------------------- preparation


def test_prepare_doctests(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testmod(
        esc50_passt_prepare, extraglobs={"getfixture": _tmpdir_fixture}
    )
    assert result.failed == 0 and result.attempted > 0


def _tmpdir_fixture(name):
    import tempfile

    assert name == "tmpdir"
    return Path(tempfile.mkdtemp())


def test_prepare_resamples_once_and_writes_fold_manifests(tmp_path):
    cache = tmp_path / "cache"
    files = esc50_passt_prepare.prepare_esc50_passt(
        MINI, tmp_path / "s", cache, fold=3
    )
    train = json.loads(files["train"].read_text())
    test = json.loads(files["test"].read_text())
    assert list(test) == ["3-103051-C-19"]
    assert {entry["fold"] for entry in train.values()} == {1, 2, 4, 5}
    assert test["3-103051-C-19"]["class_id"] == 19
    labels = json.loads(files["labels"].read_text())
    assert labels[0] == "dog" and labels[43] == "car_horn"
    info = soundfile.info(cache / "1-100032-A-0.wav")
    assert info.samplerate == 32000 and info.frames == 160000
    assert files["counts"]["test"]["kept"] == 1
    mtimes = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    # Another fold reuses the cache: nothing is resampled again.
    other = esc50_passt_prepare.prepare_esc50_passt(
        MINI, tmp_path / "s4", cache, fold=4
    )
    assert list(json.loads(other["test"].read_text())) == ["4-156993-A-19"]
    assert mtimes == {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}


def test_prepare_lists_missing_and_unreadable_files(tmp_path):
    data = tmp_path / "esc50"
    shutil.copytree(MINI, data)
    (data / "audio" / "2-100648-A-43.wav").unlink()
    (data / "audio" / "4-156993-A-19.wav").write_bytes(b"not audio")
    with pytest.raises(RuntimeError) as error:
        esc50_passt_prepare.prepare_esc50_passt(
            data, tmp_path / "s", tmp_path / "c"
        )
    message = str(error.value)
    assert "ESC-50: 2 of 5 clips" in message
    assert "missing: " in message and "2-100648-A-43.wav" in message
    assert "unreadable: " in message and "4-156993-A-19.wav" in message
    files = esc50_passt_prepare.prepare_esc50_passt(
        data, tmp_path / "s", tmp_path / "c", fold=3, skip_bad_clips=True
    )
    counts = files["counts"]
    assert counts["train"]["missing"] == counts["train"]["unreadable"] == 1
    assert len(json.loads(files["train"].read_text())) == 2


def test_prepare_rejects_malformed_metadata(tmp_path):
    with pytest.raises(FileNotFoundError, match="meta/esc50.csv"):
        esc50_passt_prepare.read_metadata(tmp_path)
    (tmp_path / "meta").mkdir()
    meta = tmp_path / "meta" / "esc50.csv"
    meta.write_text("filename,fold,target,category\na.wav,one,0,dog\n")
    with pytest.raises(ValueError, match="line 2"):
        esc50_passt_prepare.read_metadata(tmp_path)
    meta.write_text("filename,target\na.wav,0\n")
    with pytest.raises(ValueError, match="missing columns"):
        esc50_passt_prepare.read_metadata(tmp_path)
    with pytest.raises(ValueError, match="fold must be in 1..5"):
        esc50_passt_prepare.prepare_esc50_passt(
            MINI, tmp_path, tmp_path, fold=6
        )


def test_synthetic_set_is_deterministic_and_in_the_official_layout(tmp_path):
    kwargs = dict(num_classes=10, clips_per_class=5, clip_seconds=0.5)
    a = generate_synthetic_esc50(tmp_path / "a", **kwargs)
    b = generate_synthetic_esc50(tmp_path / "b", **kwargs)
    with open(a / "meta" / "esc50.csv") as fin:
        rows = list(csv.DictReader(fin))
    assert list(rows[0]) == list(esc50_passt_prepare.REQUIRED_COLUMNS) + [
        "esc10",
        "src_file",
        "take",
    ]
    assert len({row["category"] for row in rows}) == 10
    assert {row["fold"] for row in rows} == {"1", "2", "3", "4", "5"}
    for row in rows[:10]:
        wav_a, rate = soundfile.read(a / "audio" / row["filename"])
        wav_b, _ = soundfile.read(b / "audio" / row["filename"])
        assert rate == 44100 and (wav_a == wav_b).all()
    clips = [
        Clip(row["filename"], a / "audio" / row["filename"], row["filename"])
        for row in rows
    ]
    assert find_problems(clips) == []


# ------------------------------------------------------------------ recipe


def test_recipe_debug_on_the_official_layout(tmp_path):
    out = tmp_path / "out"
    result = run_recipe(
        "passt_s.yaml",
        [
            f"--data_folder={MINI}",
            f"--cache_folder={tmp_path / 'cache'}",
            f"--output_folder={out}",
            "--fold=5",
            "--batch_size=2",
            "--debug",
            # Fine-tune from an original-layout checkpoint (the golden
            # 2-block model): the encoder and the head's LayerNorm load,
            # the Linear is new (50 classes instead of 11).
            f"--pretrained={ROOT / 'tests' / 'golden' / 'small_s10.pt'}",
            "--embed_dim=96",
            "--depth=2",
            "--num_heads=4",
            "--num_workers=0",
            "--device=cpu",
        ],
    )
    check_ok(result)
    assert (
        "Initialised the encoder and head from" in (out / "log.txt").read_text()
    )
    for name in ("train.py", "log.txt", "env.log", "hyperparams.yaml"):
        assert (out / name).is_file()
    saved = (out / "hyperparams.yaml").read_text()  # base + variant merged
    assert "s_patchout_t: 10" in saved and "freq_mask_width: 48" in saved
    log = (out / "fold_5" / "train_log.txt").read_text()
    assert (
        "epoch: 2" in log and "swa_accuracy" in log and "test accuracy" in log
    )
    exported = out / "fold_5" / "pretrained_model"
    assert (exported / "embedding_model.ckpt").is_file()
    assert "multi_label: False" in (exported / "hyperparams.yaml").read_text()
    summary = json.loads((out / "results.json").read_text())
    fold = summary["folds"][0]
    assert fold["fold"] == 5 and fold["exported_model"] == "swa"
    # Both models are tested; the printed accuracy is the exported one's.
    assert {"accuracy", "swa_accuracy", "loss", "swa_loss"} <= set(fold)
    assert summary["swa_accuracy_mean"] == fold["swa_accuracy"]
    printed = f"Fold 5: test accuracy {100 * fold['swa_accuracy']:.2f}% "
    assert printed + "(SWA average, exported; live model" in result.stdout


def test_recipe_cross_validation_reports_mean_and_std(
    tmp_path, small_synthetic
):
    out = tmp_path / "out"
    result = run_recipe(
        "passt_s_n.yaml",
        [
            f"--data_folder={small_synthetic}",
            f"--cache_folder={tmp_path / 'cache'}",
            f"--output_folder={out}",
            "--fold=all",
            "--num_classes=3",
            "--clip_seconds=1.0",
            "--s_patchout_t=2",
            "--s_patchout_f=1",
            "--time_mask_width=10",
            "--batch_size=4",
            "--debug",
            "--debug_epochs=1",
            "--debug_batches=1",
            *TINY_MODEL,
        ],
    )
    check_ok(result)
    summary = json.loads((out / "results.json").read_text())
    accuracies = [fold["accuracy"] for fold in summary["folds"]]
    assert [fold["fold"] for fold in summary["folds"]] == [1, 2, 3, 4, 5]
    assert summary["accuracy_mean"] == pytest.approx(sum(accuracies) / 5)
    assert "5-fold cross-validation accuracy" in result.stdout
    for fold in range(1, 6):
        assert (out / f"fold_{fold}" / "train_log.txt").is_file()


def test_demo_path_shortened(tmp_path):
    out = tmp_path / "demo"
    result = run_recipe(
        "demo.yaml",
        [
            f"--data_folder={tmp_path / 'data'}",
            f"--output_folder={out}",
            "--synthetic_data={num_classes: 10, clips_per_class: 5, "
            "sample_rate: 32000, clip_seconds: 2.0, seed: 0}",
            "--num_classes=10",
            "--clip_seconds=2.0",
            "--number_of_epochs=2",
            "--device=cpu",
        ],
    )
    check_ok(result)
    assert (tmp_path / "data" / "meta" / "esc50.csv").is_file()
    log = (out / "fold_5" / "train_log.txt").read_text()
    assert "epoch: 2" in log and "test accuracy" in log
    assert "Fold 5: test accuracy" in result.stdout
    assert str(out / "fold_5" / "pretrained_model") in result.stdout
    assert "it/s" in result.stderr  # SpeechBrain's progress bars

    # The exported folder loads with the inference interface and gives the
    # recipe's test accuracy on the held-out fold.
    from speechbrain_passt.inference import PaSSTClassifier

    tagger = PaSSTClassifier.from_hparams(
        str(out / "fold_5" / "pretrained_model"), run_opts={"device": "cpu"}
    )
    with open(tmp_path / "data" / "meta" / "esc50.csv") as fin:
        rows = [row for row in csv.DictReader(fin) if row["fold"] == "5"]
    names = {int(row["target"]): row["category"] for row in rows}
    assert tagger.labels == [names[i] for i in range(10)]
    hits = 0
    for row in rows:
        tags = tagger.tag_file(
            tmp_path / "data" / "audio_32k" / row["filename"], top_k=1
        )
        assert float(tags.all_scores.sum()) == pytest.approx(1.0, abs=1e-4)
        hits += tags.indices[0] == int(row["target"])
    # Two epochs: the SWA average (from epoch 24) is empty, so the live
    # model is the exported one.
    fold = json.loads((out / "results.json").read_text())["folds"][0]
    assert fold["exported_model"] == "live" and "swa_accuracy" not in fold
    assert hits / len(rows) == pytest.approx(fold["accuracy"])


# --------------------------------------------------------- robustness / DDP


def _complete_intra_epoch_checkpoints(save):
    """Intra-epoch checkpoints whose last file (the optimizer's, registered
    last) is fully written: SpeechBrain writes CKPT.yaml first."""
    found = []
    for meta in save.glob("CKPT+*/CKPT.yaml"):
        optimizer = meta.parent / "optimizer.ckpt"
        if (
            "brain_intra_epoch_ckpt" in meta.read_text()
            and optimizer.is_file()
            and zipfile.is_zipfile(optimizer)
        ):
            found.append(meta.parent.name)
    return found


def test_resume_after_sigkill(tmp_path, small_synthetic):
    out = tmp_path / "out"
    args = [
        f"--data_folder={small_synthetic}",
        f"--cache_folder={tmp_path / 'cache'}",
        f"--output_folder={out}",
        "--fold=5",
        "--num_classes=3",
        "--clip_seconds=1.0",
        "--time_mask_width=10",
        "--s_patchout_t=2",
        "--batch_size=1",
        "--number_of_epochs=3",
        "--ckpt_interval_minutes=0",
        "--ckpt_interval_steps=3",
        *TINY_MODEL,
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(RECIPE)])
    env["OMP_NUM_THREADS"] = "1"
    command = [
        sys.executable,
        str(RECIPE / "train.py"),
        str(ROOT / "hparams" / "esc50" / "passt_s.yaml"),
        *args,
    ]
    save = out / "fold_5" / "save"
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 180
    while (
        not _complete_intra_epoch_checkpoints(save) and time.time() < deadline
    ):
        assert process.poll() is None, "the run ended before it was killed"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (out / "results.json").exists()
    before = {p.name for p in save.glob("CKPT+*")}
    assert before

    result = run_recipe("passt_s.yaml", args)
    check_ok(result)
    log = (out / "log.txt").read_text()
    resumed = [
        name
        for name in before
        if f"Loading a checkpoint from {save / name}" in log
    ]
    assert resumed, "the restarted run did not resume from a checkpoint"
    epochs = [
        line.split(",")[0]
        for line in (out / "fold_5" / "train_log.txt").read_text().splitlines()
        if line.startswith("epoch:")
    ]
    assert epochs == ["epoch: 1", "epoch: 2", "epoch: 3"]
    assert json.loads((out / "results.json").read_text())["folds"]


def test_ddp_two_processes_gloo(tmp_path, small_synthetic):
    out = tmp_path / "out"
    torchrun = [sys.executable, "-m", "torch.distributed.run"]
    result = run_recipe(
        "passt_s.yaml",
        [
            f"--data_folder={small_synthetic}",
            f"--cache_folder={tmp_path / 'cache'}",
            f"--output_folder={out}",
            "--fold=5",
            "--num_classes=3",
            "--clip_seconds=1.0",
            "--time_mask_width=10",
            "--s_patchout_t=2",
            "--batch_size=4",
            "--number_of_epochs=2",
            "--distributed_backend=gloo",
            *TINY_MODEL,
        ],
        launcher=torchrun + ["--standalone", "--nproc_per_node=2"],
    )
    check_ok(result)
    log = (out / "fold_5" / "train_log.txt").read_text()
    assert log.count("epoch: 1,") == 1 and log.count("epoch: 2,") == 1
    assert "test accuracy" in log
    # Each rank trains on its half: 24 clips / 2 ranks / batch 4 = 3 steps.
    assert "3/3" in result.stderr
    assert (out / "fold_5" / "pretrained_model" / "classifier.ckpt").is_file()


# ------------------------------------------------------------ consistency


def test_recipe_csv_lists_every_esc50_yaml():
    with open(ROOT / "tests" / "recipes" / "ESC50.csv", newline="") as fin:
        rows = list(csv.DictReader(fin))
    listed = {row["Hparam_file"] for row in rows}
    runnable = {
        f"hparams/esc50/{path.name}"
        for path in (ROOT / "hparams" / "esc50").glob("*.yaml")
    }
    assert listed == runnable
    for row in rows:
        assert row["test_debug_flags"]
        for column in ("Script_file", "Data_prep_file", "Readme_file"):
            assert (ROOT / row[column]).is_file()
