"""The one audio reader: any rate, any channels, block-wise, bad files."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import soundfile
import torch

from speechbrain_passt.data.audio import (
    EMPTY,
    NON_FINITE,
    UNREADABLE,
    AudioReadError,
    MissingAudioError,
    iter_audio_blocks,
    read_audio,
    resample,
)

RATE = 32000
# Drift-corrected and old-equipment rates whose ratio to 32 kHz has a huge
# numerator and denominator (torchaudio's kernel grows with them).
ODD_RATES = [8001, 11127, 16001, 22254, 44101, 47999]
RATES = [1000, 8000, 16000, 44100, 48000, 96000, 384000, *ODD_RATES]


def write_tone(path, rate, seconds, freq=440.0, channels=1):
    """A sine (same on every channel) written as float wav."""
    t = np.arange(int(rate * seconds)) / rate
    tone = 0.5 * np.sin(2 * np.pi * freq * t)
    soundfile.write(path, np.stack([tone] * channels, axis=1), rate)
    return tone


@pytest.mark.parametrize("rate", RATES)
def test_any_rate_gives_the_same_tone_at_32k(rate, tmp_path):
    path = tmp_path / f"tone_{rate}.wav"
    freq = min(440.0, rate / 8)
    write_tone(path, rate, 0.5, freq=freq, channels=2)
    wav = read_audio(path, RATE)
    assert wav.dtype == torch.float32
    assert abs(len(wav) - int(rate * 0.5) * RATE / rate) <= 1
    t = np.arange(len(wav)) / RATE
    expected = 0.5 * np.sin(2 * np.pi * freq * t)
    middle = slice(len(wav) // 5, 4 * len(wav) // 5)  # away from the edges
    assert np.abs(wav.numpy()[middle] - expected[middle]).max() < 2e-3


def test_blocks_join_to_the_whole_file_whatever_their_size(tmp_path):
    path = tmp_path / "noise.flac"
    rng = np.random.default_rng(0)
    soundfile.write(path, 0.1 * rng.standard_normal((44101 * 3, 2)), 44101)
    whole = read_audio(path, RATE)
    for seconds in (0.05, 0.7, 100.0):
        blocks = list(iter_audio_blocks(path, RATE, block_seconds=seconds))
        assert torch.allclose(torch.cat(blocks), whole, atol=1e-6)


def test_odd_rate_needs_little_memory():
    """0.5 s at 8001 Hz took 9 GB with torchaudio's kernel; under a limit of
    1 GB more than the process already holds it must pass."""
    code = textwrap.dedent(
        """
        import resource, tempfile, numpy as np, soundfile, torch
        from speechbrain_passt.data.audio import read_audio
        path = tempfile.mktemp(suffix=".wav")
        soundfile.write(path, np.zeros(4000), 8001)
        with open("/proc/self/status") as f:
            vm = [l for l in f if l.startswith("VmSize")][0].split()[1]
        limit = int(vm) * 1024 + 2**30
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        print(read_audio(path, 32000).shape[0])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert abs(int(result.stdout.strip()) - 15996) <= 2


def test_non_finite_sample_in_a_late_block_names_the_file(tmp_path):
    path = tmp_path / "nan.wav"
    audio = np.zeros(RATE * 3, dtype=np.float32)
    audio[RATE * 2 + 5] = np.nan
    soundfile.write(path, audio, RATE, subtype="FLOAT")
    with pytest.raises(AudioReadError) as info:
        read_audio(path, RATE)
    assert info.value.reason == NON_FINITE and str(path) in str(info.value)
    blocks = iter_audio_blocks(path, RATE, block_seconds=1.0)
    assert len(next(blocks)) > 0  # the first block is good
    with pytest.raises(AudioReadError):
        list(blocks)


def test_bad_files_have_their_reason(tmp_path):
    with pytest.raises(MissingAudioError):
        read_audio(tmp_path / "none.wav", RATE)
    (tmp_path / "junk.wav").write_bytes(b"RIFF not really")
    with pytest.raises(AudioReadError) as info:
        read_audio(tmp_path / "junk.wav", RATE)
    assert info.value.reason == UNREADABLE
    soundfile.write(tmp_path / "empty.wav", np.zeros(0), RATE)
    with pytest.raises(AudioReadError) as info:
        read_audio(tmp_path / "empty.wav", RATE)
    assert info.value.reason == EMPTY
    soundfile.write(tmp_path / "slow.wav", np.zeros(100), 500)
    with pytest.raises(AudioReadError, match="outside 1000"):
        read_audio(tmp_path / "slow.wav", RATE)


def test_resample_tensor_matches_the_reader(tmp_path):
    path = tmp_path / "tone.wav"
    tone = write_tone(path, 22254, 1.0)
    from_file = read_audio(path, RATE)
    from_tensor = resample(torch.tensor(tone, dtype=torch.float32), 22254, RATE)
    assert from_tensor.shape == from_file.shape
    assert torch.allclose(from_tensor, from_file, atol=1e-4)
