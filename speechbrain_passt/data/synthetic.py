"""A deterministic synthetic sound-classification set in the ESC-50 layout.

It lets the demo (and the tests) run the real ESC-50 recipe without a
download: ``audio/{fold}-{clip}-A-{target}.wav`` files and a
``meta/esc50.csv`` with the official columns, five folds with the same
number of clips per class in each. Every clip holds one synthesised event
of its class (tones, chirps, noise colours, click trains, AM / FM sounds,
harmonic complexes, ...) at a random onset, duration, pitch and gain, over
a random background noise. The same ``seed`` always gives the same files.

Authors
 * speechbrain-passt developers 2026
"""

import csv
import json
from pathlib import Path

import numpy as np
import soundfile

ESC50_COLUMNS = (
    "filename",
    "fold",
    "target",
    "category",
    "esc10",
    "src_file",
    "take",
)


def _dyad(rng, t, sr):
    low = rng.uniform(300, 2000)
    high = low * rng.uniform(1.25, 2.0)
    return np.sin(2 * np.pi * low * t) + np.sin(2 * np.pi * high * t)


def _sweep(t, f0, f1):
    duration = max(t[-1], 1e-3)
    rate = np.log(f1 / f0) / duration
    return np.sin(2 * np.pi * f0 * (np.exp(rate * t) - 1) / rate)


def _rising_chirp(rng, t, sr):
    f0 = rng.uniform(200, 1000)
    return _sweep(t, f0, f0 * rng.uniform(3, 8))


def _falling_chirp(rng, t, sr):
    f0 = rng.uniform(2000, 6000)
    return _sweep(t, f0, f0 / rng.uniform(3, 8))


def _coloured_noise(rng, n, exponent):
    """Noise with power spectrum ~ 1 / f^exponent."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(len(spectrum), dtype=np.float64)
    freqs[0] = 1.0
    noise = np.fft.irfft(spectrum / freqs ** (exponent / 2), n)
    return noise / (np.abs(noise).max() + 1e-9)


def _white_noise(rng, t, sr):
    return _coloured_noise(rng, len(t), 0.0)


def _pink_noise(rng, t, sr):
    return _coloured_noise(rng, len(t), 1.0)


def _brown_noise(rng, t, sr):
    return _coloured_noise(rng, len(t), 2.0)


def _click_train(rng, t, sr):
    out = np.zeros(len(t))
    period = int(sr / rng.uniform(4, 25))
    out[:: max(period, 1)] = 1.0
    return out


def _am_tone(rng, t, sr):
    carrier = np.sin(2 * np.pi * rng.uniform(400, 2500) * t)
    return carrier * 0.5 * (1 + np.sin(2 * np.pi * rng.uniform(4, 12) * t))


def _fm_tone(rng, t, sr):
    rate, depth = rng.uniform(2, 5), rng.uniform(300, 800)
    phase = rng.uniform(400, 2500) * t - depth / rate * np.cos(
        2 * np.pi * rate * t
    ) / (2 * np.pi)
    return np.sin(2 * np.pi * phase)


def _harmonic(rng, t, sr):
    f0 = rng.uniform(100, 350)
    count = int(rng.integers(5, 11))
    return sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, count))


def _band_noise(rng, t, sr):
    spectrum = np.fft.rfft(rng.standard_normal(len(t)))
    freqs = np.fft.rfftfreq(len(t), 1 / sr)
    centre = rng.uniform(600, 5000)
    spectrum[np.abs(np.log2(freqs + 1e-9) - np.log2(centre)) > 0.5] = 0
    return np.fft.irfft(spectrum, len(t))


def _tone_pips(rng, t, sr):
    out = np.zeros(len(t))
    pip = int(0.08 * sr)
    gap = int(rng.uniform(0.15, 0.35) * sr)
    for start in range(0, len(t) - pip, pip + gap):
        freq = rng.uniform(500, 4000)
        span = t[start : start + pip] - t[start]
        out[start : start + pip] = np.sin(2 * np.pi * freq * span)
    return out


SOUND_CLASSES = {
    "dyad": _dyad,
    "rising_chirp": _rising_chirp,
    "falling_chirp": _falling_chirp,
    "white_noise": _white_noise,
    "pink_noise": _pink_noise,
    "brown_noise": _brown_noise,
    "click_train": _click_train,
    "am_tone": _am_tone,
    "fm_tone": _fm_tone,
    "harmonic_complex": _harmonic,
    "band_noise": _band_noise,
    "tone_pips": _tone_pips,
}


def synthesize_clip(category, rng, sample_rate=44100, clip_seconds=5.0):
    """One clip: an event of ``category`` over background noise.

    Arguments
    ---------
    category : str
        A key of :data:`SOUND_CLASSES`.
    rng : numpy.random.Generator
        Random source.
    sample_rate : int, optional (default: 44100)
        Sample rate.
    clip_seconds : float, optional (default: 5.0)
        Clip length.

    Returns
    -------
    numpy.ndarray
        ``[samples]`` float32 in ``[-1, 1]``.

    Example
    -------
    >>> clip = synthesize_clip("fm_tone", np.random.default_rng(0), 8000, 1.0)
    >>> clip.shape, bool(np.abs(clip).max() <= 1.0)
    ((8000,), True)
    """
    total = int(round(sample_rate * clip_seconds))
    duration = rng.uniform(0.4, 0.8) * clip_seconds
    length = int(duration * sample_rate)
    onset = int(rng.integers(0, total - length + 1))
    t = np.arange(length) / sample_rate
    event = SOUND_CLASSES[category](rng, t, sample_rate)
    event = event / (np.abs(event).max() + 1e-9)
    ramp = min(int(0.01 * sample_rate), length // 2)
    if ramp > 0:
        fade = np.linspace(0.0, 1.0, ramp)
        event[:ramp] *= fade
        event[length - ramp :] *= fade[::-1]
    clip = np.zeros(total)
    clip[onset : onset + length] = event * 10 ** (rng.uniform(-12, 0) / 20)
    background = _coloured_noise(rng, total, rng.uniform(0.0, 2.0))
    clip += background * 10 ** (rng.uniform(-45, -25) / 20)
    return (clip / max(1.0, np.abs(clip).max())).astype(np.float32)


def generate_synthetic_esc50(
    folder,
    num_classes=12,
    clips_per_class=40,
    sample_rate=44100,
    clip_seconds=5.0,
    seed=0,
):
    """Write the synthetic set in the ESC-50 layout (skipped when present).

    Arguments
    ---------
    folder : str or os.PathLike
        Destination: ``audio/`` and ``meta/esc50.csv`` are created in it.
    num_classes : int, optional (default: 12)
        Number of classes, the first ones of :data:`SOUND_CLASSES`.
    clips_per_class : int, optional (default: 40)
        Clips per class, a multiple of 5 (spread evenly over the folds).
    sample_rate : int, optional (default: 44100)
        Sample rate of the files (ESC-50's).
    clip_seconds : float, optional (default: 5.0)
        Clip length (ESC-50's).
    seed : int, optional (default: 0)
        Seed; the same arguments always give the same files.

    Returns
    -------
    pathlib.Path
        ``folder``.

    Example
    -------
    >>> folder = generate_synthetic_esc50(
    ...     getfixture("tmpdir"),
    ...     num_classes=10,
    ...     clips_per_class=5,
    ...     sample_rate=8000,
    ...     clip_seconds=1.0,
    ... )
    >>> len(list((folder / "audio").iterdir()))
    50
    """
    if not 2 <= num_classes <= len(SOUND_CLASSES):
        raise ValueError(
            f"num_classes must be in [2, {len(SOUND_CLASSES)}], got "
            f"{num_classes}"
        )
    if clips_per_class < 5 or clips_per_class % 5:
        raise ValueError(
            f"clips_per_class must be a positive multiple of 5 (one share "
            f"per fold), got {clips_per_class}"
        )
    folder = Path(folder)
    settings = dict(
        num_classes=num_classes,
        clips_per_class=clips_per_class,
        sample_rate=sample_rate,
        clip_seconds=clip_seconds,
        seed=seed,
    )
    stamp = folder / "meta" / "synthetic.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == settings:
        return folder
    (folder / "audio").mkdir(parents=True, exist_ok=True)
    (folder / "meta").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    categories = list(SOUND_CLASSES)[:num_classes]
    rows = []
    for target, category in enumerate(categories):
        for index in range(clips_per_class):
            fold = index % 5 + 1
            clip_id = 100000 + target * 1000 + index
            name = f"{fold}-{clip_id}-A-{target}.wav"
            clip = synthesize_clip(category, rng, sample_rate, clip_seconds)
            soundfile.write(folder / "audio" / name, clip, sample_rate)
            rows.append((name, fold, target, category, False, clip_id, "A"))
    rows.sort(key=lambda row: (row[1], row[0]))
    with open(folder / "meta" / "esc50.csv", "w", newline="") as fout:
        writer = csv.writer(fout)
        writer.writerow(ESC50_COLUMNS)
        writer.writerows(rows)
    stamp.write_text(json.dumps(settings))
    return folder
