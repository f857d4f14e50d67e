"""A training loader skips and counts a clip it cannot read (NaN or inf
samples, undecodable, missing) instead of poisoning or ending the batch;
evaluation still stops on it, naming the file (issue 10, point 4)."""

import json
import logging

import numpy as np
import pytest
import soundfile
import speechbrain as sb
import torch
from fake_datasets import corrupt, non_finite, write_clip
from hyperpyyaml import load_hyperpyyaml

from speechbrain_passt.data.audio import AudioReadError
from speechbrain_passt.training.dataio import (
    ClipLoader,
    collate_skipping_bad_clips,
)
from speechbrain_passt.training.datasets import (
    clip_datasets,
    single_label_target,
)

YAML_LINE = (
    "collate_fn: !name:speechbrain_passt.training.dataio."
    "collate_skipping_bad_clips"
)


def _issue_nan_clip(path):
    """The issue's input: a 2 s clip with ``w[0, 1000] = nan``."""
    wav = np.random.default_rng(0).uniform(-0.5, 0.5, (32000 * 2, 1))
    wav[1000, 0] = np.nan
    soundfile.write(str(path), wav.astype(np.float32), 32000, "FLOAT")


def _dataset(tmp_path, bad, skip_bad=True):
    """A training set of four good clips, each but the last followed by
    one of the ``bad`` ones."""
    manifest, bad = {}, list(bad.items())
    for i in range(4):
        write_clip(tmp_path / f"good{i}.wav", 0.5, 32000, 440.0, seed=i)
        manifest[f"good{i}"] = {"wav": f"{{data_root}}/good{i}.wav"}
        if i < len(bad):
            name, make = bad[i]
            make(tmp_path / f"{name}.wav")
            manifest[name] = {"wav": f"{{data_root}}/{name}.wav"}
    for entry in manifest.values():
        entry["class_id"] = 1
    (tmp_path / "train.json").write_text(json.dumps(manifest))
    return clip_datasets(
        str(tmp_path),
        {"train": tmp_path / "train.json"},
        {"train": ClipLoader(32000, 0.5, gain_db=7, skip_bad=skip_bad)},
        single_label_target(2),
        ["target"],
    )["train"]


def _all_items(loader):
    return [item for batch in loader for item in batch.id]


def test_issue_nan_clip_is_skipped_and_counted(tmp_path, caplog):
    data = _dataset(tmp_path, {"nan": _issue_nan_clip})
    loader = torch.utils.data.DataLoader(
        data, batch_size=5, collate_fn=collate_skipping_bad_clips
    )
    with caplog.at_level(logging.WARNING):
        (batch,) = list(loader)
    assert batch.id == ["good0", "good1", "good2", "good3"]
    assert batch.sig.data.shape == (4, 16000)
    assert torch.isfinite(batch.sig.data).all()
    assert batch.target.data.shape == (4, 2)
    nan_file = tmp_path / "nan.wav"
    assert (
        f"audio file {nan_file}: holds NaN or inf samples: clip skipped "
        "(1 skipped so far)" in caplog.text
    )
    assert "left 1 unreadable clip(s) out of a batch of 5: nan" in caplog.text


def test_a_training_run_goes_on_after_the_bad_clip(tmp_path, caplog):
    """All epochs of a shuffled loader see every good clip."""
    data = _dataset(tmp_path, {"nan": _issue_nan_clip})
    loader = torch.utils.data.DataLoader(
        data,
        batch_size=3,  # 3 + 2: the bad clip never fills a batch alone
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
        collate_fn=collate_skipping_bad_clips,
    )
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            assert sorted(_all_items(loader)) == [f"good{i}" for i in range(4)]
    assert "(2 skipped so far)" in caplog.text


def test_every_kind_of_unreadable_clip_is_counted(tmp_path, caplog):
    """Inf, undecodable and missing files, over several batches."""
    bad = {
        "inf": non_finite,
        "corrupt": lambda path: (
            write_clip(path, 0.5, 32000, 440.0, seed=9),
            corrupt(path),
        ),
        "missing": lambda path: None,
    }
    data = _dataset(tmp_path, bad)
    loader = torch.utils.data.DataLoader(
        data, batch_size=3, collate_fn=collate_skipping_bad_clips
    )
    with caplog.at_level(logging.WARNING):
        ids = _all_items(loader)
    assert ids == ["good0", "good1", "good2", "good3"]
    assert "inf.wav: holds NaN or inf samples" in caplog.text
    assert "corrupt.wav: could not be decoded" in caplog.text
    assert "missing.wav: not found: clip skipped (3 skipped so far)" in (
        caplog.text
    )


def test_the_recipe_yaml_line_turns_it_on(tmp_path):
    """``collate_fn: !name:...`` in train_dataloader_opts, through
    SpeechBrain's make_dataloader, also with a worker process."""
    opts = load_hyperpyyaml(
        "train_dataloader_opts:\n"
        "    batch_size: 5\n"
        "    num_workers: 1\n"
        f"    {YAML_LINE}\n"
    )["train_dataloader_opts"]
    data = _dataset(tmp_path, {"nan": _issue_nan_clip})
    loader = sb.dataio.dataloader.make_dataloader(data, **opts)
    assert _all_items(loader) == ["good0", "good1", "good2", "good3"]


def test_a_batch_of_only_bad_clips_is_a_clear_error(tmp_path):
    data = _dataset(tmp_path, {"nan": _issue_nan_clip, "inf": non_finite})
    items = [data[1], data[3]]
    with pytest.raises(RuntimeError, match="no clip of this batch.*nan, inf"):
        collate_skipping_bad_clips(items)


def test_without_skip_bad_the_file_is_named(tmp_path):
    """Evaluation loaders (skip_bad off) stop on the bad clip."""
    data = _dataset(tmp_path, {"nan": _issue_nan_clip}, skip_bad=False)
    loader = torch.utils.data.DataLoader(
        data, batch_size=5, collate_fn=collate_skipping_bad_clips
    )
    with pytest.raises(AudioReadError, match="nan.wav: holds NaN or inf"):
        list(loader)
