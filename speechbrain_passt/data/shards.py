"""WebDataset tar shards of a prepared dataset, read by clip at random.

Two million cached clips are two million files: slow to list, copy and
open on the shared or network file systems of clusters. :func:`write_shards`
packs the clips that the prepared manifests list into WebDataset tar shards
(``<manifest>-000000.tar``, ``clips_per_shard`` clips each, written with
``webdataset.TarWriter``): per clip the cached file's bytes unchanged (FLAC
or WAV as prepared, so the decoded samples are those of the files) and a
JSON member with the manifest's fields and id. Members are keyed by the
clip's cache name, the manifest's ``wav`` without ``{data_root}/`` and the
extension (e.g. ``eval_segments/Y--4gqARaEJE``: one key per clip).

``shards_index.npz`` records, per key, the shard, the byte offset of the
audio member's data and its size. :class:`ShardReader` is a map-style reader
over it: a binary search finds the member, one ``os.pread`` reads it, and
:func:`~speechbrain_passt.data.audio.decode_blocks` decodes it with the
checks of the files path. So a dataset over the shards is the same
``DynamicItemDataset`` over the same manifests, with the same indices: the
class-balanced sampler, its DDP split, its epochs and a mid-epoch resume
(which skips sampler indices) draw exactly the clips they draw over files.
Streaming a shard's members in order (plain webdataset) would need a
shuffle buffer and could not draw without replacement over the whole set.

A clip missing from the cache when the shards are written is left out,
counted and listed in ``shards_report.json``; reading it (or a member that
fails to decode, or lies in a missing or truncated shard) raises the
:class:`~speechbrain_passt.data.audio.AudioReadError` kinds that the files
path raises, so a training loader skips and counts it the same way. Once
the shards are written, the cache may be deleted: a later preparation with
the same options and :func:`write_shards` of the same manifests find their
work done.

Authors
 * speechbrain-passt developers 2026
"""

import hashlib
import json
import logging
import os
import tarfile
from pathlib import Path

import numpy as np
import webdataset

from speechbrain_passt.data.audio import (
    MISSING,
    UNREADABLE,
)
from speechbrain_passt.data.manifests import write_manifest
from speechbrain_passt.data.worker_pool import map_surviving_crashes

logger = logging.getLogger(__name__)

INDEX_NAME = "shards_index.npz"
REPORT_NAME = "shards_report.json"
DATA_ROOT = "{data_root}/"
AUDIO_EXTENSIONS = ("flac", "wav")


def member_key(wav):
    """The shard key of a manifest's ``wav`` field.

    Arguments
    ---------
    wav : str
        ``{data_root}/<cache name>.<flac|wav>``.

    Returns
    -------
    key : str
        The cache name (WebDataset's ``__key__``).
    extension : str
        The audio member's extension.

    Raises
    ------
    ValueError
        Not under ``{data_root}``, or a name WebDataset cannot key (a dot
        in the file name's stem).

    Example
    -------
    >>> member_key("{data_root}/eval_segments/Y--4gqARaEJE.flac")
    ('eval_segments/Y--4gqARaEJE', 'flac')
    """
    name = wav[len(DATA_ROOT) :] if wav.startswith(DATA_ROOT) else None
    key, dot, extension = (name or "").rpartition(".")
    if not dot or "." in key.rpartition("/")[2] or extension == "":
        raise ValueError(
            f"cannot shard {wav!r}: expected {DATA_ROOT}<name>.<ext> with "
            "no other dot in the file name (WebDataset keys end at a dot)"
        )
    return key, extension


def plan_shards(manifests, clips_per_shard=1000):
    """Which clips go into which shard: manifest order, in chunks.

    Arguments
    ---------
    manifests : dict
        ``name -> manifest path`` (prepared JSON manifests); a clip listed
        twice is stored once.
    clips_per_shard : int, optional (default: 1000)
        Clips per shard (1000 clips of 10 s FLAC: about 0.3-0.6 GB).

    Returns
    -------
    list of tuple
        ``(shard name, [(key, extension, fields), ...])``; ``fields`` are
        the manifest's, with ``id`` and without ``wav``.

    Example
    -------
    >>> path = getfixture("tmp_path") / "eval.json"
    >>> _ = path.write_text('{"a": {"wav": "{data_root}/e/Ya.flac"}}')
    >>> plan_shards({"eval": path})
    [('eval-000000.tar', [('e/Ya', 'flac', {'id': 'a'})])]
    """
    plan, seen = [], set()
    for name, path in manifests.items():
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
        members = []
        for clip_id, entry in entries.items():
            key, extension = member_key(entry["wav"])
            if key in seen:
                continue
            seen.add(key)
            fields = {k: v for k, v in entry.items() if k != "wav"}
            members.append((key, extension, {"id": clip_id, **fields}))
        for start in range(0, len(members), clips_per_shard):
            number = start // clips_per_shard
            chunk = members[start : start + clips_per_shard]
            plan.append((f"{name}-{number:06d}.tar", chunk))
    return plan


def index_shard(path):
    """The audio members of a tar shard, found from its headers.

    Arguments
    ---------
    path : str or os.PathLike
        An uncompressed tar shard.

    Returns
    -------
    list of tuple
        ``(key, data offset in bytes, size in bytes)`` in shard order.

    Example
    -------
    >>> path = str(getfixture("tmp_path") / "s.tar")
    >>> with webdataset.TarWriter(path) as sink:
    ...     _ = sink.write({"__key__": "e/Ya", "flac": b"xyz", "json": {}})
    >>> index_shard(path)
    [('e/Ya', 1536, 3)]
    """
    found = []
    with tarfile.open(path, "r:") as tar:
        for info in tar:
            key, _, extension = info.name.rpartition(".")
            if info.isfile() and extension in AUDIO_EXTENSIONS:
                found.append((key, info.offset_data, info.size))
    return found


def _write_shard(job):
    """Write one shard (kept when a complete one holds the same clips).

    Arguments
    ---------
    job : tuple
        ``(cache folder, shard path, members)`` of :func:`plan_shards`.

    Returns
    -------
    problems : list of tuple
        ``(key, reason)`` of clips not written (missing from the cache).
    entries : list of tuple
        :func:`index_shard` of the shard.
    """
    cache, target, members = job
    present, problems = [], []
    for key, extension, fields in members:
        source = os.path.join(cache, f"{key}.{extension}")
        if os.path.isfile(source):
            present.append((key, extension, fields, source))
        else:
            problems.append((key, MISSING))
    wanted = [member[0] for member in present]
    if os.path.isfile(target):  # an earlier, interrupted run wrote it
        try:
            entries = index_shard(target)
            if [entry[0] for entry in entries] == wanted:
                return problems, entries
        except tarfile.TarError:
            pass
    partial = os.path.join(
        os.path.dirname(target), f".{os.path.basename(target)}.partial"
    )
    # A fixed mtime: the same clips give byte-identical shards.
    with webdataset.TarWriter(partial, mtime=0) as sink:
        for key, extension, fields, source in present:
            with open(source, "rb") as fin:
                data = fin.read()
            sink.write({"__key__": key, extension: data, "json": fields})
    os.replace(partial, target)
    return problems, index_shard(target)


def _shard_crashed(job):
    """Every clip of a shard whose writer process died is unreadable.

    Arguments
    ---------
    job : tuple
        ``(cache folder, shard path, members)``.

    Returns
    -------
    tuple
        ``(problems, [])`` as :func:`_write_shard` returns.
    """
    return [(member[0], UNREADABLE) for member in job[2]], []


def _digest(manifests, cache_folder, clips_per_shard):
    """What the shards are made of: the manifests' bytes and options."""
    digest = hashlib.sha256()
    record = [os.path.abspath(cache_folder), clips_per_shard, *manifests]
    digest.update(json.dumps(record).encode())
    for path in manifests.values():
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def write_shards(
    manifests, cache_folder, shard_folder, clips_per_shard=1000, num_workers=0
):
    """Pack the cached clips of prepared manifests into indexed shards.

    Nothing is done when the index was written from the same manifests
    and options. A complete shard of an interrupted run that holds the
    planned clips is kept; shards are written under a temporary name and
    renamed, and the index is written last. The record covers the
    manifests, not the cached audio: after re-caching the same clips
    differently, delete the shard folder.

    Arguments
    ---------
    manifests : dict
        ``name -> manifest path`` (e.g. ``train`` and ``eval`` of the
        prepare script's result).
    cache_folder : str or os.PathLike
        The prepared cache (``{data_root}`` of the manifests).
    shard_folder : str or os.PathLike
        Where the shards, ``shards_index.npz`` and ``shards_report.json``
        go.
    clips_per_shard : int, optional (default: 1000)
        Clips per shard.
    num_workers : int, optional (default: 0)
        Processes writing shards in parallel.

    Returns
    -------
    dict
        ``shards`` (count), ``clips`` (indexed), ``missing`` and
        ``unreadable`` (counts of clips left out) and ``left_out`` (their
        keys); the content of ``shards_report.json``.

    Example
    -------
    >>> import soundfile
    >>> tmp = getfixture("tmp_path")
    >>> (tmp / "cache" / "e").mkdir(parents=True)
    >>> soundfile.write(tmp / "cache" / "e" / "Ya.flac", np.zeros(80), 8000)
    >>> _ = (tmp / "eval.json").write_text(
    ...     '{"a": {"wav": "{data_root}/e/Ya.flac"},'
    ...     ' "b": {"wav": "{data_root}/e/Yb.flac"}}'
    ... )
    >>> report = write_shards({"eval": tmp / "eval.json"}, tmp / "cache", tmp)
    >>> report["shards"], report["clips"], report["left_out"]
    (1, 1, ['e/Yb'])
    """
    folder = Path(shard_folder)
    folder.mkdir(parents=True, exist_ok=True)
    digest = _digest(manifests, cache_folder, clips_per_shard)
    index_file, report_file = folder / INDEX_NAME, folder / REPORT_NAME
    if index_file.is_file() and report_file.is_file():
        with np.load(index_file, allow_pickle=False) as saved:
            if str(saved["digest"]) == digest:
                logger.info("Shards in %s are up to date", folder)
                return json.loads(report_file.read_text())
    plan = plan_shards(manifests, clips_per_shard)
    cache = os.fspath(cache_folder)
    jobs = [(cache, os.fspath(folder / name), chunk) for name, chunk in plan]
    if num_workers > 0:
        results = map_surviving_crashes(
            _write_shard, jobs, num_workers, _shard_crashed, chunksize=1
        )
    else:
        results = [_write_shard(job) for job in jobs]
    rows, problems = [], []
    for number, (left_out, entries) in enumerate(results):
        problems += left_out
        rows += [(key, number, offset, size) for key, offset, size in entries]
    rows.sort()
    partial = folder / f".{INDEX_NAME}.partial"
    with open(partial, "wb") as fout:
        np.savez(
            fout,
            keys=np.array([row[0].encode() for row in rows], dtype=bytes),
            shard=np.array([row[1] for row in rows], dtype=np.int32),
            offset=np.array([row[2] for row in rows], dtype=np.int64),
            size=np.array([row[3] for row in rows], dtype=np.int64),
            shards=np.array([name for name, _ in plan], dtype=str),
            digest=np.array(digest),
        )
    os.replace(partial, index_file)
    report = {
        "shards": len(plan),
        "clips": len(rows),
        **{r: sum(p[1] == r for p in problems) for r in (MISSING, UNREADABLE)},
        "left_out": [key for key, _ in problems],
    }
    write_manifest(report, report_file)
    logger.info(
        "Wrote %d clips into %d shards in %s", len(rows), len(plan), folder
    )
    if problems:
        logger.warning(
            "%d clips of the manifests could not be put into the shards "
            "(listed in %s); reading them fails as for missing clips",
            len(problems),
            report_file,
        )
    return report
