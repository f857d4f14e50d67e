"""Class-balanced weights from label lists (AudioSet scale), random crops
of long clips (FSD50K training) and ClipLoader's audio reading."""

import pytest
import torch
from fake_datasets import non_finite
from speechbrain.dataio import audio_io

from speechbrain_passt.data.audio import (
    NON_FINITE,
    AudioReadError,
    MissingAudioError,
    read_audio,
)
from speechbrain_passt.training import ClipLoader
from speechbrain_passt.training.dataio import random_crop
from speechbrain_passt.training.sampling import (
    class_balanced_sampler,
    class_balanced_weights,
)


def test_weights_from_lists_equal_the_dense_formula():
    generator = torch.Generator().manual_seed(0)
    dense = (torch.rand(50, 7, generator=generator) < 0.3).long()
    dense[:, 6] = 0  # a class nobody has
    dense[0] = 0
    dense[0, 2] = 1
    lists = [row.nonzero().flatten().tolist() for row in dense]
    expected = class_balanced_weights(dense)
    got = class_balanced_weights(lists, num_classes=7)
    torch.testing.assert_close(got, expected)
    # The formula itself: sum over positives of 1000 / (count + 100).
    counts = dense.sum(0).double()
    manual = sum(1000.0 / (counts[c] + 100.0) for c in lists[3])
    assert float(got[3]) == pytest.approx(float(manual))
    # A clip without labels is never drawn.
    lists[1] = []
    assert float(class_balanced_weights(lists, num_classes=7)[1]) == 0.0


def test_sampler_from_lists_draws_without_replacement_per_epoch():
    lists = [[0], [0], [0], [1], [1, 2], [2]]
    sampler = class_balanced_sampler(lists, num_samples=4, num_classes=3)
    sampler.set_epoch(0)
    first = list(sampler)
    assert len(first) == len(set(first)) == 4
    draws = set()
    for epoch in range(1, 6):
        sampler.set_epoch(epoch)
        draws.add(tuple(sampler))
    assert len(draws) > 1
    with pytest.raises(ValueError, match="num_classes"):
        class_balanced_weights([[3]], num_classes=3)


def test_random_crop_covers_the_clip():
    wav = torch.arange(100.0)
    starts = {int(random_crop(wav, 30)[0]) for _ in range(200)}
    assert min(starts) >= 0 and max(starts) <= 70 and len(starts) > 20
    crop = random_crop(wav, 30)
    assert torch.equal(crop, wav[int(crop[0]) : int(crop[0]) + 30])
    assert torch.equal(random_crop(torch.ones(3), 5)[3:], torch.zeros(2))


def test_clip_loader_random_crop(tmp_path):
    path = str(tmp_path / "long.wav")
    audio_io.save(path, torch.linspace(-0.5, 0.5, 32000)[None], 32000)
    start = ClipLoader(32000, 0.25)
    random = ClipLoader(32000, 0.25, crop="random")
    assert start(path).shape == random(path).shape == (8000,)
    firsts = {round(float(random(path)[0]), 4) for _ in range(10)}
    assert len(firsts) > 1 and float(start(path)[0]) == pytest.approx(-0.5)
    with pytest.raises(ValueError, match="crop"):
        ClipLoader(crop="middle")


def test_clip_loader_reads_with_the_one_reader(tmp_path):
    """ClipLoader.read is read_audio: same samples, same errors."""
    path = tmp_path / "stereo.wav"
    audio_io.save(str(path), torch.rand(2, 4410) - 0.5, 44100)
    loader = ClipLoader(32000)
    assert torch.equal(loader.read(str(path)), read_audio(path, 32000))
    nan = non_finite(tmp_path / "nan.wav")
    with pytest.raises(AudioReadError, match="nan.wav") as error:
        loader(str(nan))
    assert error.value.reason == NON_FINITE and error.value.path == str(nan)
    with pytest.raises(MissingAudioError, match="gone.wav"):
        loader(str(tmp_path / "gone.wav"))
