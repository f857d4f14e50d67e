"""Clip loading for PaSST recipes' dataset pipelines.

:class:`ClipLoader` reads a file with the package's one audio reader
(:func:`speechbrain_passt.data.audio.read_audio`: mono, resampled to the
model rate, finite samples), pads with zeros or truncates to a fixed
length, and, for training, applies the per-clip augmentations of the
original (random gain, then random roll). It runs in the DataLoader
workers.

A clip that cannot be read (NaN or inf samples, undecodable, empty,
missing) raises :class:`~speechbrain_passt.data.audio.AudioReadError`,
which names the file. For training, ``ClipLoader(skip_bad=True)`` instead
logs a warning (the file, the reason and how many clips were skipped so
far) and gives None, and :func:`collate_skipping_bad_clips` leaves such
items out of the batch, so one bad clip neither ends the run nor poisons
a batch with NaN. A recipe turns this on with both::

    clip_loader(hparams, augment=True, skip_bad=True)  # train.py

    train_dataloader_opts:  # the yaml
        collate_fn: !name:speechbrain_passt.training.dataio.collate_skipping_bad_clips

Authors
 * speechbrain-passt developers 2026
"""

import logging

import torch
from speechbrain.dataio.batch import PaddedBatch

from speechbrain_passt.data.audio import AudioReadError, read_audio
from speechbrain_passt.training.augment import random_gain, random_roll

logger = logging.getLogger(__name__)


def pad_or_truncate(wav, num_samples):
    """Zero-pad at the end or cut from the start to ``num_samples``.

    Arguments
    ---------
    wav : torch.Tensor
        ``[samples]``.
    num_samples : int
        Target length.

    Returns
    -------
    torch.Tensor
        ``[num_samples]``.

    Example
    -------
    >>> pad_or_truncate(torch.ones(3), 5)
    tensor([1., 1., 1., 0., 0.])
    >>> pad_or_truncate(torch.arange(5.0), 2)
    tensor([0., 1.])
    """
    if wav.shape[-1] >= num_samples:
        return wav[..., :num_samples]
    return torch.nn.functional.pad(wav, (0, num_samples - wav.shape[-1]))


def random_crop(wav, num_samples, generator=None):
    """Cut a random window of ``num_samples``; zero-pad shorter clips.

    Arguments
    ---------
    wav : torch.Tensor
        ``[samples]``.
    num_samples : int
        Target length.
    generator : torch.Generator, optional
        Random source.

    Returns
    -------
    torch.Tensor
        ``[num_samples]``.

    Example
    -------
    >>> crop = random_crop(torch.arange(10.0), 4)
    >>> crop.shape, bool((crop[1:] - crop[:-1] == 1).all())
    (torch.Size([4]), True)
    >>> random_crop(torch.ones(2), 3)
    tensor([1., 1., 0.])
    """
    excess = wav.shape[-1] - num_samples
    if excess <= 0:
        return pad_or_truncate(wav, num_samples)
    start = int(torch.randint(excess + 1, (1,), generator=generator))
    return wav[..., start : start + num_samples]


def one_hot(index, num_classes):
    """A float one-hot target vector.

    Arguments
    ---------
    index : int
        Class index.
    num_classes : int
        Number of classes.

    Returns
    -------
    torch.Tensor
        ``[num_classes]``.

    Example
    -------
    >>> one_hot(1, 3)
    tensor([0., 1., 0.])
    """
    if not 0 <= int(index) < num_classes:
        raise ValueError(f"class index {index} not in [0, {num_classes})")
    target = torch.zeros(num_classes)
    target[int(index)] = 1.0
    return target


def multi_hot(indices, num_classes):
    """A float multi-hot target vector.

    Arguments
    ---------
    indices : iterable of int
        Positive class indices.
    num_classes : int
        Number of classes.

    Returns
    -------
    torch.Tensor
        ``[num_classes]``.

    Example
    -------
    >>> multi_hot([0, 2], 3)
    tensor([1., 0., 1.])
    """
    target = torch.zeros(num_classes)
    for index in indices:
        target += one_hot(index, num_classes)
    return target.clamp(max=1.0)


class ClipLoader:
    """Loads fixed-length mono clips at the model's sample rate.

    Arguments
    ---------
    sample_rate : int, optional (default: 32000)
        Output sample rate; other rates are resampled.
    clip_seconds : float, optional (default: None)
        Output length; None keeps each file's length.
    gain_db : int, optional (default: 0)
        Random gain range (7 in the original training sets); 0 = off.
    roll_samples : int, optional (default: 0)
        Random roll range in samples (50 in the original); 0 = off.
    crop : str, optional (default: "start")
        How a longer clip is cut to ``clip_seconds``: ``start`` keeps its
        beginning, ``random`` a random window (FSD50K training).
    skip_bad : bool, optional (default: False)
        Give None (with a warning naming the file, and a count in
        ``skipped``) for a clip that cannot be read, instead of raising;
        for training with :func:`collate_skipping_bad_clips`.
    reader : callable, optional
        ``reader(path, sample_rate) -> [samples]`` float32 tensor, raising
        ``AudioReadError`` for a bad clip; default
        :func:`~speechbrain_passt.data.audio.read_audio` (the file). A
        :class:`~speechbrain_passt.data.shard_reader.ShardReader` reads the
        clip from indexed tar shards instead.

    Example
    -------
    >>> from speechbrain.dataio import audio_io
    >>> path = str(getfixture("tmpdir") / "x.wav")
    >>> audio_io.save(path, torch.rand(2, 8000) - 0.5, 16000)
    >>> loader = ClipLoader(sample_rate=32000, clip_seconds=1.0)
    >>> loader(path).shape
    torch.Size([32000])
    """

    def __init__(
        self,
        sample_rate=32000,
        clip_seconds=None,
        gain_db=0,
        roll_samples=0,
        crop="start",
        skip_bad=False,
        reader=None,
    ):
        if crop not in ("start", "random"):
            raise ValueError(f"crop must be start or random, got {crop!r}")
        self.crop = crop
        self.sample_rate = int(sample_rate)
        self.num_samples = (
            None
            if clip_seconds is None
            else int(round(clip_seconds * sample_rate))
        )
        self.gain_db = gain_db
        self.roll_samples = roll_samples
        self.skip_bad = skip_bad
        self.skipped = 0  # per process: each DataLoader worker counts its own
        self.reader = read_audio if reader is None else reader

    def read(self, path):
        """Read a clip as a mono waveform at ``sample_rate``.

        Arguments
        ---------
        path : str
            Audio file (or, with a shard ``reader``, the clip's path under
            the shard folder).

        Returns
        -------
        torch.Tensor
            ``[samples]`` float32.

        Raises
        ------
        AudioReadError
            Missing, undecodable, empty or non-finite audio; the message
            names the file.
        """
        return self.reader(path, self.sample_rate)

    def __call__(self, path):
        """Read, fit to length and augment one clip.

        Arguments
        ---------
        path : str
            Audio file.

        Returns
        -------
        torch.Tensor or None
            ``[samples]``; None for an unreadable clip with ``skip_bad``.

        Raises
        ------
        AudioReadError
            An unreadable clip (missing, undecodable, empty, NaN or inf
            samples) without ``skip_bad``; the message names the file.
        """
        try:
            wav = self.read(path)
        except AudioReadError as error:
            if not self.skip_bad:
                raise
            self.skipped += 1
            worker = torch.utils.data.get_worker_info()
            where = "" if worker is None else f" in loader worker {worker.id}"
            logger.warning(
                "%s: clip skipped (%d skipped so far%s)",
                error,
                self.skipped,
                where,
            )
            return None
        wav = random_gain(wav, self.gain_db)
        if self.num_samples is not None and self.crop == "random":
            wav = random_crop(wav, self.num_samples)
        elif self.num_samples is not None:
            wav = pad_or_truncate(wav, self.num_samples)
        return random_roll(wav, self.roll_samples)


def collate_skipping_bad_clips(examples, key="sig", **padded_batch_options):
    """SpeechBrain's ``PaddedBatch`` of the examples whose clip was read.

    The collate function for training with ``ClipLoader(skip_bad=True)``:
    items whose ``key`` is None (a clip the loader skipped) are left out,
    and their ids are logged.

    Arguments
    ---------
    examples : list of dict
        The dataset items of one batch.
    key : str, optional (default: "sig")
        The item holding the waveform.
    **padded_batch_options
        Passed to ``speechbrain.dataio.batch.PaddedBatch``.

    Returns
    -------
    PaddedBatch
        The batch of the readable items.

    Raises
    ------
    RuntimeError
        No item of the batch could be read.

    Example
    -------
    >>> items = [
    ...     {"id": "a", "sig": torch.ones(2)},
    ...     {"id": "b", "sig": None},
    ... ]
    >>> batch = collate_skipping_bad_clips(items)
    >>> batch.id, batch.sig.data.shape
    (['a'], torch.Size([1, 2]))
    """
    kept = [example for example in examples if example[key] is not None]
    if len(kept) < len(examples):
        dropped = [
            str(example.get("id", "?"))
            for example in examples
            if example[key] is None
        ]
        logger.warning(
            "left %d unreadable clip(s) out of a batch of %d: %s",
            len(dropped),
            len(examples),
            ", ".join(dropped),
        )
        if not kept:
            raise RuntimeError(
                f"no clip of this batch could be read ({', '.join(dropped)});"
                " see the warnings above for the files and reasons"
            )
    return PaddedBatch(kept, **padded_batch_options)
