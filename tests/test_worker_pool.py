"""A clip that kills its worker process is reported for that clip while
the preparation goes on (issue 10, point 2)."""

import multiprocessing
import os
import signal

import pytest
import torch
from speechbrain.dataio import audio_io

from speechbrain_passt.data import audio_cache
from speechbrain_passt.data.clip_checks import Clip
from speechbrain_passt.data.worker_pool import map_surviving_crashes


def _square_or_die(job):
    """Square a number; ``"exit"`` ends the process, ``"kill"`` SIGKILLs
    it (as the out-of-memory killer does)."""
    if job == "exit":
        os._exit(3)
    if job == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    return job * job


def _crashed(job):
    return f"crashed: {job}"


@pytest.mark.parametrize("deadly", ["exit", "kill"])
@pytest.mark.parametrize("chunksize", [1, 3])
def test_a_job_that_kills_its_worker_is_named(deadly, chunksize):
    jobs = [1, 2, deadly, 3, 4, 5, 6, 7]
    results = map_surviving_crashes(
        _square_or_die, jobs, 2, _crashed, chunksize=chunksize
    )
    assert results == [1, 4, f"crashed: {deadly}", 9, 16, 25, 36, 49]


def test_two_deadly_jobs_and_errors_stay_with_their_job():
    jobs = ["kill", 2, "exit", 3]
    results = map_surviving_crashes(_square_or_die, jobs, 2, _crashed)
    assert results == ["crashed: kill", 4, "crashed: exit", 9]


def _cache_or_die(source, target, sample_rate):
    """cache_clip, but reading ``deadly.wav`` kills the worker."""
    if os.path.basename(source) == "deadly.wav":
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_cache_clip(source, target, sample_rate)


_real_cache_clip = audio_cache.cache_clip


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="the patched reader reaches the workers by fork",
)
def test_cache_pool_reports_the_clip_whose_worker_died(tmp_path, monkeypatch):
    clips = []
    for name in ("a", "deadly", "b", "c"):
        path = tmp_path / f"{name}.wav"
        audio_io.save(str(path), torch.zeros(1, 800), 8000)
        clips.append(Clip(name, path, name))
    clips.append(Clip("gone", tmp_path / "gone.wav", "gone"))
    monkeypatch.setattr(audio_cache, "cache_clip", _cache_or_die)
    frames, problems, written = audio_cache.resample_to_cache(
        clips, tmp_path / "cache", num_workers=2
    )
    assert frames == {"a": 3200, "b": 3200, "c": 3200}
    # A clip cached in the round that broke is found cached when re-run.
    assert 1 <= written <= 3
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        "a.wav",
        "b.wav",
        "c.wav",
    ]
    assert [(p.clip_id, p.reason) for p in problems] == [
        ("deadly", "unreadable"),
        ("gone", "missing"),
    ]
    assert problems[0].path == str(tmp_path / "deadly.wav")
    assert "worker process died" in str(problems[0])
