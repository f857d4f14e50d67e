"""Indexed tar shards (issue 14, point 1): the same waveforms, items,
sampler draws and mid-epoch resume as the files they were written from;
bad or missing members reported like missing clips."""

import json
import os
import pickle
import shutil

import pytest
import soundfile
import torch
from fake_datasets import make_audioset, non_finite, write_clip
from recipe_modules import load_recipe_module
from speechbrain.dataio.batch import PaddedBatch
from speechbrain.dataio.dataloader import SaveableDataLoader
from speechbrain.dataio.sampler import DistributedSamplerWrapper

from speechbrain_passt.data.audio import (
    EMPTY,
    MISSING,
    NON_FINITE,
    UNREADABLE,
    AudioReadError,
    MissingAudioError,
    read_audio,
)
from speechbrain_passt.data.shard_reader import ShardReader
from speechbrain_passt.data.shards import (
    INDEX_NAME,
    REPORT_NAME,
    member_key,
    write_shards,
)
from speechbrain_passt.training import class_balanced_sampler
from speechbrain_passt.training.data_format import prepare_audio_source
from speechbrain_passt.training.datasets import (
    clip_datasets,
    clip_loader,
    multi_label_target,
)

HPARAMS = {
    "sample_rate": 32000,
    "clip_seconds": 1.0,
    "gain_db": 7,
    "roll_samples": 50,
    "seed": 1234,
}
NUM_CLASSES = 527


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """The fake AudioSet prepared (FLAC cache, as the recipe) and sharded
    with two clips per shard, so that clips span several shards."""
    root = tmp_path_factory.mktemp("audioset")
    make_audioset(root / "data", seconds=1.0)
    prepare = load_recipe_module("Audioset", "audioset_prepare")
    files = prepare.prepare_audioset(
        root / "data", root / "save", root / "cache", audio_format="flac"
    )
    hparams = dict(
        HPARAMS,
        cache_folder=str(root / "cache"),
        shard_folder=str(root / "shards"),
        clips_per_shard=2,
        prepare_workers=0,
    )
    return files, hparams


def _datasets(files, hparams, data_format):
    """The recipe's datasets (augmented train, plain eval) in a format."""
    loaders = {
        "train": clip_loader(hparams, augment=True),
        "eval": clip_loader(hparams),
    }
    hparams = dict(hparams, data_format=data_format)
    root, loaders = prepare_audio_source(hparams, files, loaders)
    return clip_datasets(
        root, files, loaders, multi_label_target(NUM_CLASSES), ["target"]
    )


def _entries(manifest):
    return json.loads(open(manifest, encoding="utf-8").read())


def test_shards_hold_every_clip_in_several_shards(prepared):
    files, hparams = prepared
    _datasets(files, hparams, "shards")
    report = json.loads(
        open(os.path.join(hparams["shard_folder"], REPORT_NAME)).read()
    )
    clips = len(_entries(files["train"])) + len(_entries(files["eval"]))
    assert report["clips"] == clips and report["left_out"] == []
    assert report["shards"] == sum(
        (len(_entries(files[s])) + 1) // 2 for s in ("train", "eval")
    )
    assert len(ShardReader(hparams["shard_folder"])) == clips


def test_reading_by_key_gives_the_files_waveforms(prepared):
    files, hparams = prepared
    _datasets(files, hparams, "shards")
    reader = ShardReader(hparams["shard_folder"])
    # A spawned DataLoader worker gets a pickled copy: no open files.
    reader = pickle.loads(pickle.dumps(reader))
    for split in ("train", "eval"):
        for entry in _entries(files[split]).values():
            key, extension = member_key(entry["wav"])
            path = os.path.join(hparams["cache_folder"], f"{key}.{extension}")
            expected = read_audio(path, 32000)
            assert torch.equal(reader.read(key, 32000), expected)
            # Resampled on reading, as read_audio resamples a file.
            assert torch.equal(reader.read(key, 16000), read_audio(path, 16000))


@pytest.mark.parametrize("split", ["train", "eval"])
def test_dataset_items_are_the_same_in_both_formats(prepared, split):
    files, hparams = prepared
    data = {f: _datasets(files, hparams, f)[split] for f in ("files", "shards")}
    assert len(data["files"]) == len(data["shards"])
    for index in range(len(data["files"])):
        items = []
        for data_format in ("files", "shards"):
            torch.manual_seed(index)  # the same gain and roll draws
            items.append(data[data_format][index])
        assert items[0]["id"] == items[1]["id"]
        assert torch.equal(items[0]["sig"], items[1]["sig"])
        assert torch.equal(items[0]["target"], items[1]["target"])


def _sampler(files):
    """The training sampler as recipes/Audioset/train.py builds it."""
    class_ids = [e["class_ids"] for e in _entries(files["train"]).values()]
    return class_balanced_sampler(
        class_ids, 6, seed=HPARAMS["seed"], num_classes=NUM_CLASSES
    )


def test_sampler_draws_the_same_clips_per_epoch_and_rank(prepared):
    files, hparams = prepared
    draws = {}
    for data_format in ("files", "shards"):
        data = _datasets(files, hparams, data_format)["train"]
        ids = data.data_ids
        for rank in (None, 0, 1):
            sampler = _sampler(files)
            if rank is not None:
                sampler = DistributedSamplerWrapper(
                    sampler, num_replicas=2, rank=rank, shuffle=False
                )
            for epoch in (1, 2, 3):
                sampler.set_epoch(epoch)
                drawn = [ids[i] for i in sampler]
                draws.setdefault((rank, epoch), []).append(drawn)
    for (rank, epoch), (files_ids, shards_ids) in draws.items():
        assert files_ids == shards_ids, (rank, epoch)
    # Without replacement: six distinct clips an epoch, new ones each epoch.
    assert len(set(draws[(None, 1)][0])) == 6
    assert draws[(None, 1)][0] != draws[(None, 2)][0]


def _loader(data, files):
    sampler = _sampler(files)
    sampler.set_epoch(2)
    return SaveableDataLoader(
        data, batch_size=2, sampler=sampler, collate_fn=PaddedBatch
    )


def test_mid_epoch_resume_continues_as_with_files(prepared, tmp_path):
    files, hparams = prepared
    rest = {}
    for data_format in ("files", "shards"):
        data = _datasets(files, hparams, data_format)["train"]
        torch.manual_seed(0)
        whole = [batch.id for batch in _loader(data, files)]
        interrupted = _loader(data, files)
        batches = iter(interrupted)
        seen = [next(batches).id]
        interrupted._speechbrain_save(tmp_path / f"{data_format}.ckpt")
        resumed = _loader(data, files)
        resumed._speechbrain_load(tmp_path / f"{data_format}.ckpt", False)
        seen += [batch.id for batch in resumed]
        assert seen == whole
        rest[data_format] = seen
    assert rest["files"] == rest["shards"]


def _shard_one(tmp_path, make):
    """Shards of a one-clip manifest whose cached clip ``make`` writes."""
    cache = tmp_path / "cache"
    (cache / "e").mkdir(parents=True)
    make(cache / "e" / "Ya.wav")
    manifest = {"a": {"wav": "{data_root}/e/Ya.wav", "class_ids": [0]}}
    (tmp_path / "eval.json").write_text(json.dumps(manifest))
    report = write_shards(
        {"eval": tmp_path / "eval.json"}, cache, tmp_path / "shards"
    )
    return report, ShardReader(tmp_path / "shards")


def _raises(reader, reason):
    with pytest.raises(AudioReadError) as caught:
        reader.read("e/Ya", 32000)
    assert caught.value.reason == reason
    return caught.value


def test_clip_missing_from_the_cache_is_counted_and_reads_as_missing(
    tmp_path,
):
    report, reader = _shard_one(tmp_path, lambda path: None)
    assert report["missing"] == 1 and report["left_out"] == ["e/Ya"]
    error = _raises(reader, MISSING)
    assert isinstance(error, MissingAudioError) and REPORT_NAME in str(error)
    # A training loader skips and counts it, as a missing file.
    loader = clip_loader(HPARAMS, augment=True, skip_bad=True, reader=reader)
    assert loader(str(tmp_path / "shards" / "e" / "Ya.wav")) is None
    assert loader.skipped == 1


def test_non_finite_member_is_reported(tmp_path):
    _, reader = _shard_one(tmp_path, lambda path: non_finite(path, 32000))
    assert "e/Ya in " in str(_raises(reader, NON_FINITE))


def test_corrupt_truncated_or_lost_shard_is_reported(tmp_path):
    _, reader = _shard_one(
        tmp_path, lambda path: write_clip(path, 0.5, 32000, 440.0, seed=0)
    )
    shard, offset, size = reader.locate("e/Ya")
    data = bytearray(open(shard, "rb").read())
    data[offset : offset + size] = b"\0" * size  # no header any more
    open(shard, "wb").write(bytes(data))
    assert "could not be decoded" in str(
        _raises(ShardReader(tmp_path / "shards"), UNREADABLE)
    )
    open(shard, "wb").write(bytes(data[: offset + 10]))
    assert "truncated" in str(
        _raises(ShardReader(tmp_path / "shards"), UNREADABLE)
    )
    os.remove(shard)
    assert "shard is missing" in str(
        _raises(ShardReader(tmp_path / "shards"), MISSING)
    )


def test_empty_member_is_reported(tmp_path):
    _, reader = _shard_one(
        tmp_path, lambda path: soundfile.write(path, [], 32000)
    )
    _raises(reader, EMPTY)


def test_written_once_kept_when_complete_and_cache_may_go(prepared, tmp_path):
    files, hparams = prepared
    manifests = {"train": files["train"], "eval": files["eval"]}
    cache, folder = tmp_path / "cache", tmp_path / "shards"
    shutil.copytree(hparams["cache_folder"], cache)
    write_shards(manifests, cache, folder, 3)
    shards = sorted(folder.glob("*.tar"))
    before = {p: p.read_bytes() for p in shards}
    stamps = {p: p.stat().st_mtime_ns for p in shards}
    # An interrupted run: the index and one shard are gone; the complete
    # shards are kept, the lost one is written again, byte for byte.
    (folder / INDEX_NAME).unlink()
    shards[0].unlink()
    write_shards(manifests, cache, folder, 3)
    assert {p: p.read_bytes() for p in shards} == before
    assert all(p.stat().st_mtime_ns == stamps[p] for p in shards[1:])
    # The same manifests and options: nothing to do, even without the
    # cache, and every clip reads from the shards.
    shutil.rmtree(cache)
    stamps = {p: p.stat().st_mtime_ns for p in shards}
    assert write_shards(manifests, cache, folder, 3)["left_out"] == []
    assert {p: p.stat().st_mtime_ns for p in shards} == stamps
    reader = ShardReader(folder)
    for manifest in manifests.values():
        for entry in _entries(manifest).values():
            key = member_key(entry["wav"])[0]
            assert reader.read(key, 32000).numel() == 32000


def test_unknown_data_format_and_files(prepared):
    files, hparams = prepared
    loaders = {"eval": clip_loader(hparams)}
    root, same = prepare_audio_source(
        dict(hparams, data_format="files"), files, loaders
    )
    assert root == hparams["cache_folder"] and same is loaders
    with pytest.raises(ValueError, match="data_format"):
        prepare_audio_source(dict(hparams, data_format="tar"), files, loaders)
