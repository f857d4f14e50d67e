"""The one audio reader of the package.

Preparation (the 32 kHz cache), the training loaders and inference all read
audio through :func:`read_audio`: decode with SpeechBrain's ``audio_io``
(libsndfile formats, mp3 included), reject files without samples or with
non-finite samples, average the channels to mono and resample to the
model's rate. Every failure is an :class:`AudioReadError` that names the
file and says why (``reason``), so a batch job can report the file and go
on.

Authors
 * speechbrain-passt developers 2026
"""

import os

import torch
import torchaudio
from speechbrain.dataio import audio_io

MISSING = "missing"
UNREADABLE = "unreadable"
EMPTY = "empty"
NON_FINITE = "non-finite"
REASONS = (MISSING, UNREADABLE, EMPTY, NON_FINITE)


class AudioReadError(RuntimeError):
    """An audio file that cannot be used, with the file and the reason.

    Arguments
    ---------
    path : str or os.PathLike
        The file.
    reason : str
        One of :data:`REASONS`.
    detail : str, optional
        What the decoder said.

    Example
    -------
    >>> str(AudioReadError("a.wav", EMPTY))
    'audio file a.wav: empty (no samples)'
    """

    MESSAGES = {
        MISSING: "not found",
        UNREADABLE: "could not be decoded",
        EMPTY: "empty (no samples)",
        NON_FINITE: "holds NaN or inf samples",
    }

    def __init__(self, path, reason, detail=""):
        self.path = os.fspath(path)
        self.reason = reason
        self.detail = detail
        message = f"audio file {self.path}: {self.MESSAGES[reason]}"
        super().__init__(message + (f" ({detail})" if detail else ""))


class MissingAudioError(AudioReadError, FileNotFoundError):
    """A file that does not exist (also a ``FileNotFoundError``).

    Arguments
    ---------
    path : str or os.PathLike
        The file.
    detail : str, optional
        E.g. that the path is a folder.

    Example
    -------
    >>> isinstance(MissingAudioError("a.wav"), FileNotFoundError)
    True
    """

    def __init__(self, path, detail=""):
        super().__init__(path, MISSING, detail)


def error_detail(error):
    """The innermost message of a decoder error, on one line.

    Arguments
    ---------
    error : BaseException
        The error.

    Returns
    -------
    str
        Its cause's message (or the cause's type name when empty).

    Example
    -------
    >>> error_detail(ValueError("bad\\n header"))
    'bad header'
    """
    cause = error.__cause__ or error
    return " ".join(str(cause).split()) or type(cause).__name__


def check_audio_file(path):
    """Check that a file exists and its header names samples, without
    decoding it.

    Arguments
    ---------
    path : str or os.PathLike
        The file.

    Returns
    -------
    tuple
        ``(sample_rate, num_frames, num_channels)``.

    Raises
    ------
    AudioReadError
        Missing, unreadable header or no samples.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> audio_io.save(str(tmp / "ok.wav"), torch.zeros(2, 800), 8000)
    >>> check_audio_file(tmp / "ok.wav")
    (8000, 800, 2)
    >>> check_audio_file(tmp / "none.wav")
    Traceback (most recent call last):
    ...
    speechbrain_passt.data.audio.MissingAudioError: audio file ...: not found
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        detail = "it is a folder" if os.path.isdir(path) else ""
        raise MissingAudioError(path, detail)
    try:
        info = audio_io.info(path)
    except Exception as error:
        raise AudioReadError(path, UNREADABLE, error_detail(error)) from error
    if info.num_frames <= 0 or info.num_channels <= 0:
        raise AudioReadError(path, EMPTY)
    return info.sample_rate, info.num_frames, info.num_channels


def decode_audio(path):
    """Decode a whole file as float32 ``[channels, samples]``.

    Arguments
    ---------
    path : str or os.PathLike
        The file.

    Returns
    -------
    signal : torch.Tensor
        ``[channels, samples]`` float32, finite, at least one sample.
    sample_rate : int
        The file's rate in Hz.

    Raises
    ------
    AudioReadError
        Missing, undecodable, empty or non-finite audio.

    Example
    -------
    >>> path = getfixture("tmpdir") / "a.wav"
    >>> audio_io.save(str(path), torch.zeros(2, 800), 8000)
    >>> signal, rate = decode_audio(path)
    >>> tuple(signal.shape), rate
    ((2, 800), 8000)
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        detail = "it is a folder" if os.path.isdir(path) else ""
        raise MissingAudioError(path, detail)
    try:
        signal, rate = audio_io.load(path, dtype=torch.float32)
    except Exception as error:
        raise AudioReadError(path, UNREADABLE, error_detail(error)) from error
    signal = torch.as_tensor(signal, dtype=torch.float32)
    if signal.dim() == 1:
        signal = signal.unsqueeze(0)
    if signal.numel() == 0:
        raise AudioReadError(path, EMPTY)
    if not torch.isfinite(signal).all():
        raise AudioReadError(path, NON_FINITE)
    return signal, int(rate)


_RESAMPLERS = {}


def resample(wav, orig_rate, new_rate):
    """Resample the last axis of a waveform (torchaudio's windowed sinc).

    Arguments
    ---------
    wav : torch.Tensor
        ``[..., samples]`` float.
    orig_rate : int
        Its rate in Hz.
    new_rate : int
        The wanted rate in Hz.

    Returns
    -------
    torch.Tensor
        ``[..., new_samples]``; ``wav`` itself when the rates are equal.

    Example
    -------
    >>> resample(torch.zeros(2, 441), 44100, 32000).shape
    torch.Size([2, 320])
    """
    orig_rate, new_rate = int(orig_rate), int(new_rate)
    if orig_rate == new_rate:
        return wav
    key = (orig_rate, new_rate)
    if key not in _RESAMPLERS:
        _RESAMPLERS[key] = torchaudio.transforms.Resample(orig_rate, new_rate)
    return _RESAMPLERS[key](wav)


def read_audio(path, sample_rate):
    """Read a file as a mono waveform at ``sample_rate``.

    Arguments
    ---------
    path : str or os.PathLike
        Any format SpeechBrain's ``audio_io`` decodes, any rate, any
        number of channels (averaged).
    sample_rate : int
        The wanted rate in Hz.

    Returns
    -------
    torch.Tensor
        ``[samples]`` float32.

    Raises
    ------
    AudioReadError
        Missing, undecodable, empty or non-finite audio (the message names
        the file).

    Example
    -------
    >>> path = getfixture("tmpdir") / "a.wav"
    >>> audio_io.save(str(path), torch.zeros(2, 1600), 16000)
    >>> read_audio(path, 32000).shape
    torch.Size([3200])
    >>> _ = (getfixture("tmpdir") / "bad.wav").write_binary(b"not audio")
    >>> read_audio(getfixture("tmpdir") / "bad.wav", 32000)
    Traceback (most recent call last):
    ...
    speechbrain_passt.data.audio.AudioReadError: audio file ...bad.wav: could not be decoded ...
    """
    signal, rate = decode_audio(path)
    return resample(signal.mean(dim=0), rate, sample_rate)
