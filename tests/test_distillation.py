"""Knowledge distillation: the teacher-logits files (npz, npy + ids as
EfficientAT ships them, JSON lines, passt-tag --json output), the loss
(EfficientAT's formula), mixup of the soft targets exactly as the labels,
the fallback for clips without teacher logits, an online teacher in
PaSSTBrain (bf16 too), and the recipe's KD variant."""

import json
import logging
import math

import numpy as np
import pytest
import torch
from test_training_brain import make_brain, make_dataset, make_hparams

from speechbrain_passt import PaSST, PaSSTHead
from speechbrain_passt.cli.tag import main as tag_main
from speechbrain_passt.cli.teacher_logits import main as teacher_logits_main
from speechbrain_passt.inference import PaSSTClassifier
from speechbrain_passt.training import BatchMixup
from speechbrain_passt.training.distillation import (
    Distillation,
    make_distillation,
)
from speechbrain_passt.training.teacher_logits import (
    clip_id,
    read_teacher_logits,
    write_teacher_logits,
)
from speechbrain_passt.training.teachers import (
    OnlineTeacher,
    PrecomputedTeacher,
)
from speechbrain_passt.weights import export_pretrained_folder

bce = torch.nn.functional.binary_cross_entropy_with_logits


def efficientat_loss(z, y, t, kd_lambda, temperature, perm=None, lam=None):
    """ex_audioset.py of EfficientAT, written out (its spectrogram mixup:
    teacher rows of both clips, weighted by lam)."""
    soft = torch.sigmoid(t / temperature)
    label_loss = bce(z, y, reduction="none").mean()
    if perm is None:
        kd_loss = bce(z, soft, reduction="none").mean()
    else:
        kd_loss = (
            bce(z, soft, reduction="none").mean(dim=1) * lam
            + bce(z, soft[perm], reduction="none").mean(dim=1) * (1 - lam)
        ).mean()
    return kd_lambda * label_loss + (1 - kd_lambda) * kd_loss


def test_loss_is_efficientats_formula():
    torch.manual_seed(0)
    z, t = torch.randn(4, 5), torch.randn(4, 5)
    y = (torch.rand(4, 5) < 0.3).float()
    ids = ["a", "b", "c", "d"]
    kd = Distillation(PrecomputedTeacher(ids, t.numpy()), 0.3, 2.0)
    labels, soft = kd.detach(kd.attach(y, ids, torch.zeros(4, 8)))
    assert torch.equal(labels, y)
    expected = efficientat_loss(z, y, t, 0.3, 2.0)
    assert kd.loss(z, labels, soft).item() == pytest.approx(expected.item())
    stats = kd.epoch_stats()
    assert stats["label_loss"] == pytest.approx(bce(z, y).item(), abs=1e-4)


@pytest.mark.parametrize("center", [False, True])
def test_soft_targets_are_mixed_exactly_as_the_labels(center, monkeypatch):
    """Both mixups mix the attached columns with the labels' own lam and
    partner; the loss then equals EfficientAT's mixup form."""
    torch.manual_seed(0)
    perm, lam = torch.tensor([2, 0, 1, 3]), torch.tensor([0.7, 0.6, 1, 0.9])
    mixup = BatchMixup(alpha=0.3, center=center)
    monkeypatch.setattr(mixup, "draw", lambda n, device=None: (perm, lam))
    z, t = torch.randn(4, 5), torch.randn(4, 5)
    y = (torch.rand(4, 5) < 0.3).float()
    ids = list("abcd")
    kd = Distillation(PrecomputedTeacher(ids, t.numpy()), 0.1, 1.0)
    wavs = torch.randn(4, 16)
    _, _, mixed, _ = mixup(wavs, torch.ones(4), kd.attach(y, ids, wavs))
    labels, soft = kd.detach(mixed)
    _, _, labels_alone, _ = mixup(wavs, torch.ones(4), y)
    assert torch.allclose(labels, labels_alone)
    s = torch.sigmoid(t)
    lam_ = lam[:, None]
    assert torch.allclose(soft[:, :-1], lam_ * s + (1 - lam_) * s[perm])
    assert torch.allclose(soft[:, -1], torch.ones(4))
    expected = efficientat_loss(z, labels, t, 0.1, 1.0, perm, lam)
    assert kd.loss(z, labels, soft).item() == pytest.approx(expected.item())


def test_clips_without_teacher_logits_get_the_label_loss(caplog):
    torch.manual_seed(0)
    z, y = torch.randn(3, 2), torch.ones(3, 2)
    t = torch.randn(2, 2)
    kd = Distillation(PrecomputedTeacher(["a", "b"], t.numpy()), 0.5)
    targets = kd.attach(y, ["a", "x", "b"], torch.zeros(3, 4))
    # Clip 0 is mixed with clip 1, which has no logits: label loss only,
    # as for clip 1 itself; clip 2 keeps the distillation loss.
    perm, lam = torch.tensor([1, 1, 2]), torch.tensor([0.8, 1.0, 1.0])
    mixup = BatchMixup(alpha=0.3)
    mixup.draw = lambda n, device=None: (perm, lam)
    _, _, targets, _ = mixup(torch.zeros(3, 4), torch.ones(3), targets)
    labels, soft = kd.detach(targets)
    label_loss = bce(z, labels, reduction="none").mean(dim=1)
    kd_loss = bce(z[2], torch.sigmoid(t[1])).item()
    expected = (label_loss[0] + label_loss[1]).item()
    expected += 0.5 * label_loss[2].item() + 0.5 * kd_loss
    assert kd.loss(z, labels, soft).item() == pytest.approx(expected / 3)
    with caplog.at_level(logging.WARNING):
        kd.epoch_stats()
    assert "1 of 3 training clips had no teacher logits" in caplog.text
    assert kd.clips == 0  # a new epoch


def test_distillation_needs_multi_label(tmp_path):
    kd = Distillation(PrecomputedTeacher(["a"], np.zeros((1, 3))))
    with pytest.raises(ValueError, match="multi_label"):
        make_brain(make_hparams("single_label", tmp_path, distillation=kd))
    with pytest.raises(ValueError, match="kd_lambda"):
        Distillation(kd.teacher, kd_lambda=1.5)


def test_teacher_logits_files(tmp_path):
    logits = np.arange(6, dtype=np.float32).reshape(3, 2)
    # EfficientAT's layout: a .npy aligned with the hdf5 files' audio
    # names (balanced "Y<YTID>.mp3", unbalanced "<part>/Y<YTID>.mp3").
    np.save(tmp_path / "ensemble.npy", logits)
    names = ["Y--4gqARaEJE.mp3", "00/Y-0Abc_12345.mp3", "YYYYYYYYYYYY.mp3"]
    (tmp_path / "ensemble.ids.txt").write_text("\n".join(names) + "\n")
    ids, read = read_teacher_logits(tmp_path / "ensemble.npy")
    assert ids == ["--4gqARaEJE", "-0Abc_12345", "YYYYYYYYYYY"]
    assert isinstance(read, np.memmap) and np.array_equal(read, logits)
    # Ids elsewhere (kd_teacher_ids), as a JSON list.
    (tmp_path / "ids.json").write_text(json.dumps(names))
    assert (
        read_teacher_logits(tmp_path / "ensemble.npy", tmp_path / "ids.json")[0]
        == ids
    )
    for name in ("t.npz", "t2.npy"):
        write_teacher_logits(tmp_path / name, ids, logits)
        again = read_teacher_logits(tmp_path / name)
        assert again[0] == ids and np.array_equal(again[1], logits)
    lines = [
        json.dumps({"id": i, "logits": r.tolist()})
        for i, r in zip(ids, logits, strict=True)
    ]
    (tmp_path / "t.jsonl").write_text("\n".join(lines))
    assert np.array_equal(read_teacher_logits(tmp_path / "t.jsonl")[1], logits)
    with pytest.raises(ValueError, match="more than once"):
        write_teacher_logits(tmp_path / "d.npz", ["a", "a"], np.zeros((2, 2)))
        read_teacher_logits(tmp_path / "d.npz")
    with pytest.raises(ValueError, match="clip ids"):
        np.save(tmp_path / "alone.npy", logits)
        read_teacher_logits(tmp_path / "alone.npy")
    teacher = PrecomputedTeacher(*read_teacher_logits(tmp_path / "t.npz"))
    assert teacher.missing(["--4gqARaEJE", "nope"]) == 1
    assert clip_id("audios/eval_segments/Yab.wav") == "ab"


def tiny_classifier_folder(folder, labels):
    torch.manual_seed(0)
    encoder = PaSST(embed_dim=16, depth=1, num_heads=2, max_frames=100)
    head = PaSSTHead(16, len(labels))
    return export_pretrained_folder(encoder, head, labels, folder)


def test_passt_tag_json_gives_the_teacher_logits(tmp_path, capsys):
    """passt-tag --json --top-k <classes> prints every class's sigmoid
    score (6 decimals): read back as logits, they match the model's."""
    from speechbrain.dataio import audio_io

    labels = ["dog", "cat", "rain", "wind"]
    folder = tiny_classifier_folder(tmp_path / "model", labels)
    wavs = []
    for name in ("Yclip_one.wav", "Yclip_two.wav"):
        wav = torch.randn(1, 32000) * 0.1
        audio_io.save(str(tmp_path / name), wav, 32000)
        wavs.append(wav[0])
    files = [str(tmp_path / "Yclip_one.wav"), str(tmp_path / "Yclip_two.wav")]
    assert (
        tag_main([*files, "--model", str(folder), "--json", "--top-k", "4"])
        == 0
    )
    (tmp_path / "tags.jsonl").write_text(capsys.readouterr().out)
    ids, logits = read_teacher_logits(tmp_path / "tags.jsonl", labels=labels)
    assert ids == ["clip_one", "clip_two"]
    model = PaSSTClassifier.from_hparams(
        str(folder), run_opts={"device": "cpu"}
    )
    expected = model(torch.stack(wavs)).squeeze(1)
    assert np.allclose(logits, expected.numpy(), atol=1e-4)
    # The command converts it too; too few tags are refused.
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    args = ["--labels", str(tmp_path / "labels.json")]
    out = tmp_path / "teacher.npz"
    teacher_logits_main(
        [
            "--from_tags",
            str(tmp_path / "tags.jsonl"),
            *args,
            "--output",
            str(out),
        ]
    )
    assert read_teacher_logits(out)[0] == ids
    assert (
        tag_main([files[0], "--model", str(folder), "--json", "--top-k", "2"])
        == 0
    )
    (tmp_path / "top2.jsonl").write_text(capsys.readouterr().out)
    with pytest.raises(ValueError, match="--top-k 4"):
        read_teacher_logits(tmp_path / "top2.jsonl", labels=labels)


def test_online_teacher_in_the_brain_bf16(tmp_path):
    """A pretrained folder as teacher, run on the clips in the training
    step (under bf16 autocast); its classes must be the student's."""
    labels = ["c0", "c1", "c2"]
    folder = tiny_classifier_folder(tmp_path / "teacher", labels)
    with pytest.raises(ValueError, match="other classes"):
        OnlineTeacher.from_source(folder, ["a", "b", "c"])
    kd = make_distillation(
        dict(
            kd_teacher=str(folder),
            kd_teacher_ids=None,
            kd_lambda=0.5,
            kd_temperature=2.0,
        ),
        labels,
    )
    assert isinstance(kd.teacher, OnlineTeacher)
    hparams = make_hparams("multi_label", tmp_path, epochs=1, distillation=kd)
    modules = {
        k: hparams[k]
        for k in ("compute_features", "embedding_model", "classifier")
    }
    from speechbrain_passt.training import PaSSTBrain

    brain = PaSSTBrain(
        modules,
        opt_class=lambda params: torch.optim.AdamW(params, lr=1e-3, fused=True),
        hparams=hparams,
        run_opts={"device": "cpu", "precision": "bf16"},
        checkpointer=hparams["checkpointer"],
    )
    brain.fit(
        hparams["epoch_counter"],
        make_dataset("multi_label", items=8),
        make_dataset("multi_label", items=4, seed=1),
        train_loader_kwargs={"batch_size": 4},
        valid_loader_kwargs={"batch_size": 4},
    )
    stats = brain.train_stats
    assert {"loss", "label_loss", "kd_loss"} <= set(stats)
    assert all(math.isfinite(v) for v in stats.values())
    # 0.5 * label + 0.5 * kd, batch for batch.
    mixed = 0.5 * stats["label_loss"] + 0.5 * stats["kd_loss"]
    assert stats["loss"] == pytest.approx(mixed, abs=2e-3)
    assert not any(
        p.requires_grad for p in kd.teacher.classifier.mods.parameters()
    )


def test_make_distillation_checks_the_file(tmp_path, caplog):
    write_teacher_logits(tmp_path / "t.npz", ["a", "b"], np.zeros((2, 3)))
    hparams = dict(
        kd_teacher=str(tmp_path / "t.npz"),
        kd_teacher_ids=None,
        kd_lambda=0.1,
        kd_temperature=1.0,
    )
    with caplog.at_level(logging.INFO):
        kd = make_distillation(hparams, ["x", "y", "z"], ["a", "c", "d"])
    assert "teacher logits for 1 of 3 training clips" in caplog.text
    assert kd.kd_lambda == 0.1
    with pytest.raises(ValueError, match="3 classes, the student 2"):
        make_distillation(hparams, ["x", "y"])
    assert make_distillation(dict(hparams, kd_teacher=None), ["x"]) is None
