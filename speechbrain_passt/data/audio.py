"""The one audio reader of the package.

Preparation (the 32 kHz cache), the training loaders and inference all read
audio through this module: decode with soundfile (libsndfile: wav, flac,
ogg, mp3, ...; SpeechBrain's ``audio_io`` uses the same library), reject
files without samples or with non-finite samples, average the channels to
mono and resample to the model's rate. Every failure is an
:class:`AudioReadError` that names the file and says why (``reason``), so a
batch job can report the file and go on.

Reading is block by block (:func:`iter_audio_blocks`): decode a block,
check it, downmix it and feed it to a streaming resampler, so memory is
bounded by the block length, not the file length. :func:`read_audio` joins
the blocks of the same stream, so whole-file and block-wise reading give
the same samples.

Resampling uses libsoxr (the ``soxr`` package, "HQ" quality: a bounded
polyphase windowed-sinc filter) for every pair of rates. torchaudio's
``Resample`` builds a kernel whose size grows with
``rate / gcd(rate, 32000)``: 0.5 s at 8001 Hz took 9 GB and 39 s, while
libsoxr's cost per second of audio is bounded for any ratio. (The original
PaSST resampled its datasets once with ffmpeg; no resampler is part of the
exactness tests.)

Authors
 * speechbrain-passt developers 2026
"""

import os

import numpy as np
import soundfile
import soxr
import torch
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


MIN_RATE, MAX_RATE = 1000, 384000
BLOCK_SECONDS = 30.0
RESAMPLE_QUALITY = "HQ"


def check_rates(orig_rate, new_rate):
    """Check a pair of sample rates for resampling.

    Arguments
    ---------
    orig_rate : int
        Rate of the audio in Hz.
    new_rate : int
        Wanted rate in Hz.

    Raises
    ------
    ValueError
        A rate outside 1 kHz .. 384 kHz.

    Example
    -------
    >>> check_rates(44100, 32000)
    >>> check_rates(100, 32000)
    Traceback (most recent call last):
    ...
    ValueError: sample rate 100 Hz is outside 1000 .. 384000 Hz
    """
    for rate in (orig_rate, new_rate):
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ValueError(
                f"sample rate {rate} Hz is outside {MIN_RATE} .. {MAX_RATE} Hz"
            )


class StreamResampler:
    """Resample consecutive blocks of one mono signal with bounded memory.

    Wraps ``soxr.ResampleStream``: the output of all blocks together equals
    resampling the whole signal at once, whatever the block sizes.

    Arguments
    ---------
    orig_rate : int
        Input rate in Hz (1 kHz .. 384 kHz).
    new_rate : int
        Output rate in Hz (1 kHz .. 384 kHz).

    Example
    -------
    >>> stream = StreamResampler(8001, 32000)
    >>> parts = [stream(torch.zeros(8001)), stream.flush()]
    >>> sum(len(part) for part in parts)
    32000
    """

    def __init__(self, orig_rate, new_rate):
        self.orig_rate, self.new_rate = int(orig_rate), int(new_rate)
        check_rates(self.orig_rate, self.new_rate)
        self.stream = None
        if self.orig_rate != self.new_rate:
            self.stream = soxr.ResampleStream(
                self.orig_rate,
                self.new_rate,
                1,
                dtype="float32",
                quality=RESAMPLE_QUALITY,
            )

    def __call__(self, block, last=False):
        """Resample the next block.

        Arguments
        ---------
        block : torch.Tensor
            ``[samples]`` float32, the next samples of the signal.
        last : bool, optional (default: False)
            Whether this is the final block (flushes the filter).

        Returns
        -------
        torch.Tensor
            ``[new_samples]`` float32 (may be empty).
        """
        if self.stream is None:
            return block.to(torch.float32)
        samples = np.ascontiguousarray(block.numpy(), dtype=np.float32)
        out = self.stream.resample_chunk(samples, last=last)
        return torch.from_numpy(np.ascontiguousarray(out))

    def flush(self):
        """The filter's last samples, after the final block.

        Returns
        -------
        torch.Tensor
            ``[samples]`` float32.
        """
        return self(torch.zeros(0), last=True)


def resample(wav, orig_rate, new_rate):
    """Resample the last axis of a waveform (libsoxr, bounded filter).

    Arguments
    ---------
    wav : torch.Tensor
        ``[..., samples]`` float.
    orig_rate : int
        Its rate in Hz (1 kHz .. 384 kHz).
    new_rate : int
        The wanted rate in Hz (1 kHz .. 384 kHz).

    Returns
    -------
    torch.Tensor
        ``[..., round(samples * new_rate / orig_rate)]`` float32 on the
        input's device; ``wav`` itself when the rates are equal.

    Example
    -------
    >>> resample(torch.zeros(2, 441), 44100, 32000).shape
    torch.Size([2, 320])
    >>> resample(torch.zeros(8001), 8001, 32000).shape
    torch.Size([32000])
    """
    orig_rate, new_rate = int(orig_rate), int(new_rate)
    if orig_rate == new_rate:
        return wav
    check_rates(orig_rate, new_rate)
    flat = wav.detach().to("cpu", torch.float32).reshape(-1, wav.shape[-1])
    # soxr takes [samples, channels].
    out = soxr.resample(
        flat.numpy().T, orig_rate, new_rate, quality=RESAMPLE_QUALITY
    )
    out = torch.from_numpy(np.ascontiguousarray(out.T))
    return out.reshape(*wav.shape[:-1], out.shape[-1]).to(wav.device)


def iter_audio_blocks(path, sample_rate, block_seconds=BLOCK_SECONDS):
    """Read a file block by block as mono float32 at ``sample_rate``.

    Memory is bounded by ``block_seconds``, not by the file's length; the
    blocks joined equal :func:`read_audio` exactly.

    Arguments
    ---------
    path : str or os.PathLike
        Any format libsndfile decodes, any rate from 1 kHz to 384 kHz, any
        number of channels (averaged).
    sample_rate : int
        The wanted rate in Hz.
    block_seconds : float, optional
        Seconds of the file decoded at a time.

    Yields
    ------
    torch.Tensor
        ``[samples]`` float32 blocks at ``sample_rate`` (some may be
        empty).

    Raises
    ------
    AudioReadError
        Missing, undecodable, empty or non-finite audio (raised when the
        first bad block is reached; the message names the file).

    Example
    -------
    >>> path = getfixture("tmpdir") / "a.wav"
    >>> audio_io.save(str(path), torch.zeros(1, 44100), 44100)
    >>> blocks = list(iter_audio_blocks(path, 32000, block_seconds=0.3))
    >>> sum(len(block) for block in blocks)
    32000
    """
    path = os.fspath(path)
    check_audio_file(path)
    yield from decode_blocks(path, sample_rate, block_seconds)


def decode_blocks(source, sample_rate, block_seconds=BLOCK_SECONDS, name=None):
    """Decode audio block by block as mono float32 at ``sample_rate``,
    with the checks of :func:`iter_audio_blocks`.

    Arguments
    ---------
    source : str or os.PathLike or file-like
        A file, or a binary file object holding an encoded file (e.g. a
        member of a tar shard read into ``io.BytesIO``).
    sample_rate : int
        The wanted rate in Hz.
    block_seconds : float, optional
        Seconds decoded at a time.
    name : str, optional
        What error messages call the audio (default: ``source``).

    Yields
    ------
    torch.Tensor
        ``[samples]`` float32 blocks at ``sample_rate``.

    Raises
    ------
    AudioReadError
        Undecodable, empty or non-finite audio (named ``name``).

    Example
    -------
    >>> import io
    >>> data = io.BytesIO()
    >>> soundfile.write(data, np.zeros(1600), 16000, format="FLAC")
    >>> _ = data.seek(0)
    >>> sum(len(b) for b in decode_blocks(data, 32000, name="x.flac"))
    3200
    >>> list(decode_blocks(io.BytesIO(b"junk"), 32000, name="x.flac"))
    Traceback (most recent call last):
    ...
    speechbrain_passt.data.audio.AudioReadError: audio file x.flac: could not be decoded ...
    """
    name = os.fspath(source) if name is None else name
    count = 0
    try:
        with soundfile.SoundFile(source) as audio:
            rate = audio.samplerate
            check_rates(rate, int(sample_rate))
            stream = StreamResampler(rate, sample_rate)
            block_frames = max(1, int(block_seconds * rate))
            while True:
                block = audio.read(
                    block_frames, dtype="float32", always_2d=True
                )
                if len(block) == 0:
                    break
                if not np.isfinite(block).all():
                    raise AudioReadError(name, NON_FINITE)
                count += len(block)
                yield stream(torch.from_numpy(block.mean(axis=1)))
    except AudioReadError:
        raise
    except Exception as error:
        raise AudioReadError(name, UNREADABLE, error_detail(error)) from error
    if count == 0:
        raise AudioReadError(name, EMPTY)
    yield stream.flush()


def read_audio(path, sample_rate):
    """Read a file as a mono waveform at ``sample_rate``.

    Arguments
    ---------
    path : str or os.PathLike
        Any format libsndfile decodes, any rate from 1 kHz to 384 kHz, any
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
    return torch.cat(list(iter_audio_blocks(path, sample_rate)))
