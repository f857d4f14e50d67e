"""Clip loading for PaSST recipes' dataset pipelines.

:class:`ClipLoader` reads a file with the package's one audio reader
(:func:`speechbrain_passt.data.audio.read_audio`: mono, resampled to the
model rate, finite samples), pads with zeros or truncates to a fixed
length, and, for training, applies the per-clip augmentations of the
original (random gain, then random roll). It runs in the DataLoader
workers.

Authors
 * speechbrain-passt developers 2026
"""

import torch

from speechbrain_passt.data.audio import read_audio
from speechbrain_passt.training.augment import random_gain, random_roll


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

    def read(self, path):
        """Read a file as a mono waveform at ``sample_rate``.

        Arguments
        ---------
        path : str
            Audio file.

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
        return read_audio(path, self.sample_rate)

    def __call__(self, path):
        """Read, fit to length and augment one clip.

        Arguments
        ---------
        path : str
            Audio file.

        Returns
        -------
        torch.Tensor
            ``[samples]``.
        """
        wav = self.read(path)
        wav = random_gain(wav, self.gain_db)
        if self.num_samples is not None and self.crop == "random":
            wav = random_crop(wav, self.num_samples)
        elif self.num_samples is not None:
            wav = pad_or_truncate(wav, self.num_samples)
        return random_roll(wav, self.roll_samples)
