"""Knowledge distillation end to end at the demo's scale: a teacher trained
by the AudioSet recipe on a generated set, its logits written by
``python -m speechbrain_passt.cli.teacher_logits``, and two students trained
from the same start, with and without distillation: the distilled one moves
toward the teacher's predictions and ends closer to them. And the recipe's
KD variant (``hparams/passt_s_kd.yaml``) on the fake AudioSet, whose
teacher file leaves one clip out."""

import json
import re

import numpy as np
from fake_datasets import make_audioset
from recipe_rows import check_ok, read_rows, run_row

from speechbrain_passt.cli.teacher_logits import main as teacher_logits_main
from speechbrain_passt.training.teacher_logits import read_teacher_logits

SYNTHETIC = (
    "{num_classes: 3, clips_per_part: [12, 12, 6], max_labels: 2, "
    "sample_rate: 32000, clip_seconds: 1.0, seed: 0}"
)


def demo_row():
    """The demo row (tiny model, 1 s clips), without ``--debug``."""
    row = dict(
        next(r for r in read_rows("Audioset") if "demo" in r["Hparam_file"])
    )
    row["test_debug_flags"] = row["test_debug_flags"].replace(" --debug", "")
    return row


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def bernoulli_kl(teacher, student):
    """Mean KL(teacher || student) of the per-class sigmoid outputs."""
    p, q = sigmoid(teacher), sigmoid(student)
    return float(
        (p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))).mean()
    )


def test_student_moves_toward_the_teacher(tmp_path):
    data = tmp_path / "data"
    common = [
        f"--data_folder={data}",
        f"--synthetic_data={SYNTHETIC}",
        "--batch_size=4",
        "--epoch_samples=24",
        "--swa_start_epoch=null",
        "--evaluate_with_swa=False",
        "--lr=0.01",
    ]
    row = demo_row()

    def train(name, *extra):
        check_ok(run_row(row, tmp_path / name, [*common, *extra]))
        return tmp_path / name

    def logits_of(folder):
        out = tmp_path / f"{folder.name}.npz"
        teacher_logits_main(
            [
                "--model",
                str(folder / "pretrained_model"),
                "--manifest",
                str(folder / "save" / "train.json"),
                "--cache_folder",
                str(data / "audio_32k"),
                "--labels",
                str(folder / "save" / "labels.json"),
                "--clip_seconds=1.0",
                "--output",
                str(out),
            ]
        )
        return read_teacher_logits(out)

    # A larger teacher than the students (embed 32, 2 blocks).
    teacher = train(
        "teacher",
        "--number_of_epochs=10",
        "--seed=1",
        "--embed_dim=32",
        "--depth=2",
    )
    ids, teacher_logits = logits_of(teacher)
    assert len(ids) == 24
    kd = train(
        "kd",
        "--number_of_epochs=12",
        "--seed=2",
        f"--kd_teacher={tmp_path / 'teacher.npz'}",
    )
    labels_only = train("labels", "--number_of_epochs=12", "--seed=2")

    log = (kd / "train_log.txt").read_text()
    kd_losses = [
        float(v) for v in re.findall(r"train kd_loss: ([0-9.e+-]+)", log)
    ]
    assert len(kd_losses) == 12
    assert kd_losses[-1] < 0.5 * kd_losses[0]  # toward the teacher
    assert "teacher logits for 24 of 24" in (kd / "log.txt").read_text()

    manifest = json.loads((teacher / "save" / "train.json").read_text())
    classes = sorted({c for e in manifest.values() for c in e["class_ids"]})
    distances = {}
    for folder in (kd, labels_only):
        student_ids, logits = logits_of(folder)
        assert student_ids == ids
        distances[folder.name] = (
            bernoulli_kl(teacher_logits, logits),
            np.abs(
                sigmoid(logits[:, classes])
                - sigmoid(teacher_logits[:, classes])
            ).mean(),
        )
    # Over every class, and in probability on the data's classes.
    assert distances["kd"][0] < distances["labels"][0], distances
    assert distances["kd"][1] < distances["labels"][1], distances


def test_kd_variant_runs_on_the_fake_audioset(tmp_path):
    make_audioset(tmp_path / "fake")
    row = next(
        r for r in read_rows("Audioset") if "passt_s_kd" in r["Hparam_file"]
    )
    out = tmp_path / "out"
    check_ok(run_row(row, out, [f"--data_folder={tmp_path / 'fake'}"]))
    log = (out / "log.txt").read_text()
    assert "teacher logits for 10 of 11 training clips" in log
    assert "training clips had no teacher logits" in log
    assert "train kd_loss" in (out / "train_log.txt").read_text()
    assert (out / "pretrained_model" / "embedding_model.ckpt").is_file()
