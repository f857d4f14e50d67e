"""``passt-seeds``: the ESC-50 demo recipe run with two seeds at a tiny
scale (3 synthetic classes, 1 s clips, one epoch, a 1-block model), each
seed in its own folder, and the mean and standard deviation across seeds
of every numeric result."""

import json
import os
import statistics
from pathlib import Path

import pytest

from speechbrain_passt.cli import seeds

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def recipe_env(monkeypatch):
    """The package importable by the recipe processes, one thread each."""
    path = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), path]))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.chdir(ROOT)


def test_two_seeds_of_the_demo(tmp_path, recipe_env, capfd):
    out = tmp_path / "seeds"
    summary = seeds.main(
        [
            str(ROOT / "recipes" / "ESC50" / "train.py"),
            str(ROOT / "hparams" / "esc50" / "demo.yaml"),
            "--seeds",
            "1,2",
            f"--output_folder={out}",
            f"--data_folder={tmp_path / 'data'}",
            "--synthetic_data={num_classes: 3, clips_per_class: 5, "
            "sample_rate: 32000, clip_seconds: 1.0, seed: 0}",
            "--num_classes=3",
            "--clip_seconds=1.0",
            "--number_of_epochs=1",
            "--embed_dim=32",
            "--depth=1",
            "--num_heads=2",
            "--device=cpu",
        ]
    )
    runs = {}
    for seed in (1, 2):
        folder = out / f"seed_{seed}"
        assert summary["runs"][str(seed)] == str(folder)
        # The seed reached the run (SpeechBrain saves the merged yaml).
        assert f"\nseed: {seed}\n" in (folder / "hyperparams.yaml").read_text()
        runs[seed] = json.loads((folder / "results.json").read_text())

    written = json.loads((out / "results.json").read_text())
    assert written == summary and summary["seeds"] == [1, 2]
    metrics = summary["metrics"]
    assert {"accuracy_mean", "accuracy_std"} <= set(metrics)
    for name, stats in metrics.items():
        values = [runs[1][name], runs[2][name]]
        assert stats["values"] == pytest.approx(values)
        assert stats["mean"] == pytest.approx(statistics.mean(values))
        assert stats["std"] == pytest.approx(statistics.stdev(values))
    printed = capfd.readouterr().out
    stats = metrics["accuracy_mean"]
    line = f"accuracy_mean: {stats['mean']:.4f} +- {stats['std']:.4f}"
    assert line in printed


def test_rejects_seed_overrides_and_bad_lists(capsys):
    with pytest.raises(SystemExit):
        seeds.main(["train.py", "a.yaml", "--seed=3"])
    assert "--seed is set by passt-seeds" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        seeds.main(["train.py", "a.yaml", "--seeds", "1,1"])
    assert "distinct seeds" in capsys.readouterr().err
