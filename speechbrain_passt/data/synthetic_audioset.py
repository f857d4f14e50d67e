"""A synthetic multi-label sound set in AudioSet's own layout (the demo).

Each clip holds one to three synthetic sound events (the classes of
:data:`~speechbrain_passt.data.synthetic.SOUND_CLASSES`) one after the
other, each named by the closest real AudioSet class, so the AudioSet recipe runs unchanged on it:
the official segment lists (three ``#`` header lines, ``YTID,
start_seconds, end_seconds, "mid,mid"`` rows with quoted multi-label
lists) for the balanced, unbalanced and eval parts, and the audio as
``audios/<part>/Y<YTID>.wav`` (the PANNs download layout). The 527-class
head and label order are those of every released PaSST model; only the
demo's classes occur.

Authors
 * speechbrain-passt developers 2026
"""

import json
from pathlib import Path

import numpy as np
import soundfile

from speechbrain_passt.data.synthetic import SOUND_CLASSES, synthesize_clip

# Synthetic sound -> the AudioSet class (mid) that names it.
AUDIOSET_NAMES = {
    "dyad": "/m/01v_m0",  # Sine wave
    "rising_chirp": "/m/0hdsk",  # Chirp tone
    "falling_chirp": "/m/07pggtn",  # Chirp, tweet
    "white_noise": "/m/0chx_",  # White noise
    "pink_noise": "/m/0cj0r",  # Pink noise
    "brown_noise": "/m/096m7z",  # Noise
    "click_train": "/m/07qc9xj",  # Clicking
    "am_tone": "/m/07rcgpl",  # Hum
    "fm_tone": "/m/03kmc9",  # Siren
    "harmonic_complex": "/m/0b9m1",  # Harmonic
    "band_noise": "/m/06_y0by",  # Environmental noise
    "tone_pips": "/m/02fs_r",  # Beep, bleep
}
PARTS = (
    "balanced_train_segments",
    "unbalanced_train_segments",
    "eval_segments",
)


def mixture(categories, rng, sample_rate, clip_seconds):
    """One clip holding an event of each category, each in its own stretch
    of time (so a loud noise does not hide a tone, as in real clips whose
    labels mostly name events at different times).

    Arguments
    ---------
    categories : list of str
        Keys of :data:`~speechbrain_passt.data.synthetic.SOUND_CLASSES`.
    rng : numpy.random.Generator
        Random source (order, onsets, lengths, gains, background).
    sample_rate : int
        Rate in Hz.
    clip_seconds : float
        Clip length in seconds.

    Returns
    -------
    numpy.ndarray
        ``[samples]`` float32 in ``[-1, 1]``.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> mixture(["dyad", "tone_pips"], rng, 8000, 1.0).shape
    (8000,)
    """
    total = int(round(sample_rate * clip_seconds))
    bounds = np.linspace(0, total, len(categories) + 1).astype(int)
    order = rng.permutation(len(categories))
    parts = [
        synthesize_clip(
            categories[i], rng, sample_rate, (end - start) / sample_rate
        )[: end - start]
        for i, start, end in zip(order, bounds[:-1], bounds[1:], strict=True)
    ]
    clip = np.concatenate(parts)
    clip = np.pad(clip, (0, total - len(clip)))
    return (clip / max(1.0, float(np.abs(clip).max()))).astype(np.float32)


def generate_synthetic_audioset(
    folder,
    num_classes=12,
    clips_per_part=(240, 480, 240),
    max_labels=3,
    sample_rate=32000,
    clip_seconds=4.0,
    seed=0,
):
    """Write the synthetic set into ``folder`` (once: a stamp file records
    the settings; the same arguments always give the same files).

    Arguments
    ---------
    folder : str or os.PathLike
        The data folder (``metadata/*.csv``, ``audios/<part>/``).
    num_classes : int, optional (default: 12)
        Number of classes, the first ones of ``SOUND_CLASSES``.
    clips_per_part : tuple of int, optional
        Clips of the balanced, unbalanced and eval parts.
    max_labels : int, optional (default: 3)
        Most events (distinct classes) per clip; at least one.
    sample_rate : int, optional (default: 32000)
        Rate of the files in Hz.
    clip_seconds : float, optional (default: 4.0)
        Clip length in seconds.
    seed : int, optional (default: 0)
        Random seed.

    Returns
    -------
    pathlib.Path
        ``folder``.

    Example
    -------
    >>> folder = generate_synthetic_audioset(
    ...     getfixture("tmpdir"), 3, (3, 3, 3), 2, 8000, 0.5
    ... )
    >>> rows = (folder / "metadata" / "eval_segments.csv").read_text()
    >>> rows.splitlines()[0]
    '# Segments csv created by speechbrain_passt (synthetic demo set)'
    >>> sorted(p.name for p in (folder / "audios").iterdir())[:1]
    ['balanced_train_segments']
    """
    folder = Path(folder)
    if not 1 <= num_classes <= len(SOUND_CLASSES):
        raise ValueError(
            f"num_classes must be in [1, {len(SOUND_CLASSES)}], got "
            f"{num_classes}"
        )
    settings = dict(
        num_classes=num_classes,
        clips_per_part=list(clips_per_part),
        max_labels=max_labels,
        sample_rate=sample_rate,
        clip_seconds=clip_seconds,
        seed=seed,
    )
    stamp = folder / "metadata" / "synthetic.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == settings:
        return folder
    rng = np.random.default_rng(seed)
    categories = list(SOUND_CLASSES)[:num_classes]
    (folder / "metadata").mkdir(parents=True, exist_ok=True)
    for part, count in zip(PARTS, clips_per_part, strict=True):
        (folder / "audios" / part).mkdir(parents=True, exist_ok=True)
        rows = []
        for index in range(count):
            # Every class leads equally often; 0-2 other classes join it.
            lead = categories[index % num_classes]
            others = [c for c in categories if c != lead]
            extra = rng.integers(0, min(max_labels, num_classes))
            chosen = [lead, *rng.choice(others, extra, replace=False)]
            ytid = f"{part[:2]}{seed:02d}{index:07d}"
            clip = mixture(chosen, rng, sample_rate, clip_seconds)
            path = folder / "audios" / part / f"Y{ytid}.wav"
            soundfile.write(path, clip, sample_rate)
            mids = ",".join(AUDIOSET_NAMES[c] for c in chosen)
            rows.append((ytid, clip_seconds, mids))
        _write_segments(folder / "metadata" / f"{part}.csv", rows)
    stamp.write_text(json.dumps(settings))
    return folder


def _write_segments(path, rows):
    """A segment list as Google publishes them: three ``#`` lines, then
    ``YTID, start, end, "mid,mid"`` rows (the label list quoted)."""
    with open(path, "w", encoding="utf-8", newline="") as fout:
        fout.write(
            "# Segments csv created by speechbrain_passt (synthetic demo set)\n"
        )
        fout.write(f"# num_ytids={len(rows)}, num_segs={len(rows)}\n")
        fout.write("# YTID, start_seconds, end_seconds, positive_labels\n")
        for ytid, seconds, mids in rows:
            fout.write(f'{ytid}, 0.000, {seconds:.3f}, "{mids}"\n')
