"""Random access to the clips of indexed tar shards.

:class:`ShardReader` reads the index that
:func:`~speechbrain_passt.data.shards.write_shards` writes and gives any
clip by its key (binary search in the sorted keys, then one ``os.pread``
of the member's bytes) or by the path a manifest names under the shard
folder, decoded with the checks of the files path. Each process opens its
own file handles (at most ``max_open`` shards at a time) when it first
reads; the index arrays are plain numpy arrays, shared by forked
DataLoader workers without copies.

Authors
 * speechbrain-passt developers 2026
"""

import io
import os
from collections import OrderedDict

import numpy as np
import torch

from speechbrain_passt.data.audio import (
    UNREADABLE,
    AudioReadError,
    MissingAudioError,
    decode_blocks,
)
from speechbrain_passt.data.shards import INDEX_NAME, REPORT_NAME


class ShardReader:
    """Reads clips from indexed tar shards, by key or by manifest path.

    Arguments
    ---------
    shard_folder : str or os.PathLike
        The folder of :func:`~speechbrain_passt.data.shards.write_shards`.
    max_open : int, optional (default: 64)
        Shard files kept open per process.

    Raises
    ------
    FileNotFoundError
        No index in ``shard_folder``.

    Example
    -------
    >>> import json, soundfile
    >>> from speechbrain_passt.data.shards import write_shards
    >>> tmp = getfixture("tmp_path")
    >>> (tmp / "cache" / "e").mkdir(parents=True)
    >>> soundfile.write(tmp / "cache" / "e" / "Ya.flac", np.ones(80), 8000)
    >>> entries = {"a": {"wav": "{data_root}/e/Ya.flac"}}
    >>> _ = (tmp / "eval.json").write_text(json.dumps(entries))
    >>> _ = write_shards({"eval": tmp / "eval.json"}, tmp / "cache", tmp)
    >>> reader = ShardReader(tmp)
    >>> len(reader), reader.read("e/Ya", 16000).shape
    (1, torch.Size([160]))
    >>> reader(str(tmp / "e" / "Ya.flac"), 8000).shape
    torch.Size([80])
    """

    def __init__(self, shard_folder, max_open=64):
        self.folder = os.path.abspath(shard_folder)
        self.max_open = max_open
        if not os.path.isfile(os.path.join(self.folder, INDEX_NAME)):
            raise FileNotFoundError(
                f"no shard index {INDEX_NAME} in {self.folder}; write the "
                "shards first (speechbrain_passt.data.shards.write_shards)"
            )
        self._index = None
        self._files = OrderedDict()

    def __getstate__(self):
        """What a pickled copy (a spawned worker) gets: no open files; the
        index is loaded again when first used.

        Returns
        -------
        dict
            The attributes, without file handles and index.
        """
        return {**self.__dict__, "_index": None, "_files": OrderedDict()}

    def __del__(self):
        """Close the shard files this process opened."""
        for fd in getattr(self, "_files", {}).values():
            os.close(fd)

    @property
    def index(self):
        """The index arrays (``keys``, ``shard``, ``offset``, ``size``,
        ``shards``), loaded on first use.

        Returns
        -------
        dict
            Name -> numpy array.
        """
        if self._index is None:
            path = os.path.join(self.folder, INDEX_NAME)
            with np.load(path, allow_pickle=False) as saved:
                self._index = {name: saved[name] for name in saved.files}
        return self._index

    def __len__(self):
        """The number of clips in the shards.

        Returns
        -------
        int
            Indexed clips.
        """
        return len(self.index["keys"])

    def locate(self, key):
        """Where a clip's audio member lies.

        Arguments
        ---------
        key : str
            The clip's key (its cache name, e.g. ``eval_segments/Y<YTID>``).

        Returns
        -------
        tuple
            ``(shard path, byte offset, size in bytes)``.

        Raises
        ------
        MissingAudioError
            The key is not in the index (the clip was missing from the
            cache when the shards were written).
        """
        keys = self.index["keys"]
        wanted = key.encode()
        row = int(np.searchsorted(keys, wanted))
        if row == len(keys) or keys[row] != wanted:
            raise MissingAudioError(
                f"{key} in {self.folder}",
                f"not in the shards; see {REPORT_NAME}",
            )
        shard = self.index["shards"][self.index["shard"][row]]
        return (
            os.path.join(self.folder, str(shard)),
            int(self.index["offset"][row]),
            int(self.index["size"][row]),
        )

    def _open(self, path, name):
        """A file descriptor of a shard (least recently used closed)."""
        fd = self._files.pop(path, None)
        if fd is None:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError as error:
                raise MissingAudioError(name, "its shard is missing") from error
            if len(self._files) >= self.max_open:
                os.close(self._files.popitem(last=False)[1])
        self._files[path] = fd
        return fd

    def read_bytes(self, key):
        """The encoded audio of a clip, as stored.

        Arguments
        ---------
        key : str
            The clip's key.

        Returns
        -------
        tuple
            ``(bytes, name)``; ``name`` says where the clip lies, for
            messages.

        Raises
        ------
        AudioReadError
            A key that is not in the index, a missing or truncated shard.
        """
        path, offset, size = self.locate(key)
        name = f"{key} in {path}"
        fd = self._open(path, name)
        try:
            data = os.pread(fd, size, offset)
        except OSError as error:
            raise AudioReadError(name, UNREADABLE, str(error)) from error
        if len(data) != size:
            raise AudioReadError(name, UNREADABLE, "the shard is truncated")
        return data, name

    def read(self, key, sample_rate):
        """A clip as a mono waveform at ``sample_rate``.

        Arguments
        ---------
        key : str
            The clip's key.
        sample_rate : int
            The wanted rate in Hz.

        Returns
        -------
        torch.Tensor
            ``[samples]`` float32, the samples
            :func:`~speechbrain_passt.data.audio.read_audio` gives for the
            cached file.

        Raises
        ------
        AudioReadError
            Missing, undecodable, empty or non-finite audio, as for files.
        """
        data, name = self.read_bytes(key)
        blocks = decode_blocks(io.BytesIO(data), sample_rate, name=name)
        return torch.cat(list(blocks))

    def key_of(self, path):
        """The key of a manifest path under the shard folder.

        Arguments
        ---------
        path : str or os.PathLike
            ``<shard folder>/<cache name>.<ext>`` (a manifest's ``wav``
            with ``{data_root}`` replaced by the shard folder).

        Returns
        -------
        str
            The key (``<cache name>``).

        Raises
        ------
        ValueError
            A path outside the shard folder.
        """
        relative = os.path.relpath(os.fspath(path), self.folder)
        if relative.startswith(os.pardir):
            raise ValueError(
                f"{path} is not under the shard folder {self.folder}: give "
                "the shard folder as the manifests' data_root"
            )
        return os.path.splitext(relative.replace(os.sep, "/"))[0]

    def __call__(self, path, sample_rate):
        """Read a clip by its manifest path, as ``read_audio(path,
        sample_rate)`` reads a file (a ClipLoader ``reader``).

        Arguments
        ---------
        path : str or os.PathLike
            See :meth:`key_of`.
        sample_rate : int
            The wanted rate in Hz.

        Returns
        -------
        torch.Tensor
            ``[samples]`` float32.
        """
        return self.read(self.key_of(path), sample_rate)
