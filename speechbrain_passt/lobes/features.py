"""The PaSST front-end: a 32 kHz waveform to a normalised log-mel spectrogram.

Reproduces the front-end the released PaSST models were trained with
(Koutini et al., Interspeech 2022, https://arxiv.org/abs/2110.05069):
pre-emphasis, a 1024-point STFT of 800-sample symmetric Hann windows every
320 samples, 128 Kaldi mel bins between 0 and 15 kHz, ``ln(x + 1e-5)`` and
the "fast normalisation" ``(x + 4.5) / 5``. In eval mode the output equals the
original implementation to float tolerance.

Deliberate differences from the original implementation:

* The mel bank is built once, as a buffer, instead of at every call; in
  training a jittered bank (one fmin / fmax draw per batch, as the original)
  is built on the input's device.
* Eval mode draws no random numbers (the original draws and discards them).
* SpecAugment masks are drawn per item (what torchaudio >= 2.1 does with the
  original call); torchaudio < 2.1 shared one mask across the batch.
* The output is ``[batch, time, n_mels]`` (SpeechBrain's layout) rather than
  ``[batch, n_mels, time]``.

Authors
 * speechbrain-passt developers 2026
"""

import torch
import torchaudio
from speechbrain.utils.autocast import fwd_default_precision
from torchaudio.compliance.kaldi import get_mel_banks


class PaSSTFbank(torch.nn.Module):
    """Log-mel filterbank features as computed for PaSST.

    A clip of ``S`` samples gives ``1 + (S - 1) // hop_length`` frames, so
    10 s at 32 kHz give 1000 frames.

    Arguments
    ---------
    sample_rate : int, optional (default: 32000)
        Expected sample rate of the input waveform.
    n_fft : int, optional (default: 1024)
        FFT size.
    win_length : int, optional (default: 800)
        Length of the symmetric Hann window, in samples.
    hop_length : int, optional (default: 320)
        Hop between frames, in samples.
    n_mels : int, optional (default: 128)
        Number of Kaldi mel bins.
    f_min : float, optional (default: 0.0)
        Lowest mel-bank frequency in Hz.
    f_max : float, optional (default: None)
        Highest mel-bank frequency in Hz; ``None`` gives
        ``sample_rate / 2 - fmax_aug_range / 2`` (15 kHz with the defaults).
    fmin_aug_range : int, optional (default: 10)
        In training, ``f_min`` is raised by an integer drawn from
        ``[0, fmin_aug_range)``. 1 disables the jitter.
    fmax_aug_range : int, optional (default: 2000)
        In training, ``f_max`` moves by ``fmax_aug_range // 2 - k`` with
        ``k`` drawn from ``[0, fmax_aug_range)``. 1 disables the jitter.
    preemphasis : float, optional (default: 0.97)
        Pre-emphasis coefficient.
    log_offset : float, optional (default: 1e-5)
        Added before the natural logarithm.
    norm_shift : float, optional (default: 4.5)
        Shift of the fast normalisation ``(x + shift) / scale``.
    norm_scale : float, optional (default: 5.0)
        Scale of the fast normalisation.
    freq_mask_width : int, optional (default: 0)
        SpecAugment: maximum width of one frequency mask per item, applied in
        training only, in the log domain before normalisation (as the
        original). 0 disables it.
    time_mask_width : int, optional (default: 0)
        SpecAugment: maximum width of one time mask per item, in frames.
        0 disables it.

    Example
    -------
    >>> fbank = PaSSTFbank()
    >>> wavs = torch.randn(2, 32000)
    >>> fbank(wavs).shape
    torch.Size([2, 100, 128])
    """

    def __init__(
        self,
        sample_rate=32000,
        n_fft=1024,
        win_length=800,
        hop_length=320,
        n_mels=128,
        f_min=0.0,
        f_max=None,
        fmin_aug_range=10,
        fmax_aug_range=2000,
        preemphasis=0.97,
        log_offset=1e-5,
        norm_shift=4.5,
        norm_scale=5.0,
        freq_mask_width=0,
        time_mask_width=0,
    ):
        super().__init__()
        if fmin_aug_range < 1 or fmax_aug_range < 1:
            raise ValueError(
                "fmin_aug_range and fmax_aug_range must be >= 1 (1 disables "
                f"the jitter), got {fmin_aug_range} and {fmax_aug_range}"
            )
        if f_max is None:
            f_max = sample_rate // 2 - fmax_aug_range // 2
        if not 0 <= f_min < f_max <= sample_rate / 2:
            raise ValueError(
                f"need 0 <= f_min < f_max <= sample_rate / 2, got f_min="
                f"{f_min}, f_max={f_max}, sample_rate={sample_rate}"
            )
        self.sample_rate = sample_rate
        self.n_fft = n_fft
        self.win_length = win_length
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.f_min = f_min
        self.f_max = f_max
        self.fmin_aug_range = fmin_aug_range
        self.fmax_aug_range = fmax_aug_range
        self.preemphasis = preemphasis
        self.log_offset = log_offset
        self.norm_shift = norm_shift
        self.norm_scale = norm_scale
        self.register_buffer(
            "window",
            torch.hann_window(win_length, periodic=False),
            persistent=False,
        )
        self.register_buffer(
            "mel_bank", self._mel_bank(f_min, f_max), persistent=False
        )
        self.freq_masking = self.time_masking = None
        if freq_mask_width > 0:
            self.freq_masking = torchaudio.transforms.FrequencyMasking(
                freq_mask_width, iid_masks=True
            )
        if time_mask_width > 0:
            self.time_masking = torchaudio.transforms.TimeMasking(
                time_mask_width, iid_masks=True
            )

    def _mel_bank(self, f_min, f_max, device=None):
        """Kaldi mel bank [n_mels, n_fft // 2 + 1]; the Nyquist bin gets 0."""
        bank, _ = get_mel_banks(
            self.n_mels,
            self.n_fft,
            float(self.sample_rate),
            float(f_min),
            float(f_max),
            100.0,
            -500.0,
            1.0,
        )
        bank = torch.nn.functional.pad(bank, (0, 1))
        return bank.to(device) if device is not None else bank

    def _training_mel_bank(self, device):
        f_min = self.f_min + int(torch.randint(self.fmin_aug_range, ()))
        f_max = (
            self.f_max
            + self.fmax_aug_range // 2
            - int(torch.randint(self.fmax_aug_range, ()))
        )
        if self.fmin_aug_range == 1 and self.fmax_aug_range == 1:
            return self.mel_bank
        return self._mel_bank(f_min, f_max, device)

    def num_frames(self, num_samples):
        """Number of frames produced for a waveform of ``num_samples``.

        Arguments
        ---------
        num_samples : int
            Waveform length in samples.

        Returns
        -------
        int
            Number of spectrogram frames.

        Example
        -------
        >>> PaSSTFbank().num_frames(320000)
        1000
        """
        return 1 + (num_samples - 1) // self.hop_length

    @fwd_default_precision(cast_inputs=torch.float32)
    def forward(self, wavs):
        """Compute the normalised log-mel spectrogram.

        Arguments
        ---------
        wavs : torch.Tensor
            Waveforms ``[batch, samples]`` at ``sample_rate``.

        Returns
        -------
        torch.Tensor
            Features ``[batch, frames, n_mels]``.
        """
        if wavs.dim() != 2:
            raise ValueError(
                f"PaSSTFbank expects waveforms [batch, samples], got shape "
                f"{tuple(wavs.shape)}"
            )
        # The centred STFT reflects n_fft // 2 samples of the pre-emphasised
        # signal (one sample shorter) at each end.
        min_samples = self.n_fft // 2 + 2
        if wavs.shape[1] < min_samples:
            raise ValueError(
                f"PaSSTFbank needs at least {min_samples} samples "
                f"({min_samples / self.sample_rate * 1000:.0f} ms), got "
                f"{wavs.shape[1]}; pad short clips first"
            )
        emphasised = wavs[:, 1:] - self.preemphasis * wavs[:, :-1]
        spec = torch.stft(
            emphasised,
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            win_length=self.win_length,
            window=self.window,
            center=True,
            normalized=False,
            return_complex=True,
        )
        power = spec.real.square() + spec.imag.square()
        bank = (
            self._training_mel_bank(wavs.device)
            if self.training
            else self.mel_bank
        )
        mel = torch.matmul(bank, power)  # [batch, n_mels, frames]
        mel = torch.log(mel + self.log_offset)
        if self.training:
            if self.freq_masking is not None:
                mel = self.freq_masking(mel)
            if self.time_masking is not None:
                mel = self.time_masking(mel)
        mel = (mel + self.norm_shift) / self.norm_scale
        return mel.transpose(1, 2)
