"""Tests of the pure window functions of long audio.

Authors
 * speechbrain-passt developers 2026
"""

import pytest
import torch

from speechbrain_passt.inference.windows import (
    clip_means,
    cut_windows,
    group_by_clip,
    hop_samples,
    pad_features,
    pad_to,
    stitch_columns,
    window_bounds,
    window_starts,
)


@pytest.mark.parametrize(
    "size, window, hop, expected",
    [
        (1, 4, 2, [0]),  # shorter than a window: one window
        (4, 4, 2, [0]),  # exactly one window
        (5, 4, 2, [0, 1]),  # the last window ends at the clip's end
        (8, 4, 2, [0, 2, 4]),  # hop divides: no extra window
        (9, 4, 2, [0, 2, 4, 5]),
        (12, 4, 4, [0, 4, 8]),  # no overlap
        (13, 4, 3, [0, 3, 6, 9]),
    ],
)
def test_window_starts(size, window, hop, expected):
    starts = window_starts(size, window, hop)
    assert starts == expected
    # Every window is full and inside the clip; together they cover it.
    if size >= window:
        assert all(0 <= s <= size - window for s in starts)
        assert starts[-1] + window == size
    assert all(
        b - a <= hop for a, b in zip(starts[:-1], starts[1:], strict=True)
    )


def test_window_starts_of_a_minute():
    # 60 s at 32 kHz in windows of 10.05 s every 5.025 s (the defaults).
    window = 321600
    starts = window_starts(60 * 32000, window, window // 2)
    assert starts[:3] == [0, 160800, 321600]
    assert starts[-1] == 60 * 32000 - window
    assert len(starts) == 11


def test_hop_samples():
    assert hop_samples(None, 32000, 68800) == 34400
    assert hop_samples(1.0, 32000, 68800) == 32000
    assert hop_samples(2.15, 32000, 68800) == 68800
    for bad in (0.0, 1e-6, 2.2):
        with pytest.raises(ValueError, match="hop must be in"):
            hop_samples(bad, 32000, 68800)


def test_cut_windows_with_relative_lengths():
    wavs = torch.arange(20.0).repeat(2, 1)
    sizes, windows = cut_windows(wavs, torch.tensor([1.0, 0.25]), 8, 5)
    assert sizes == [20, 5]
    assert [(i, s, w.shape[0]) for i, s, w in windows] == [
        (0, 0, 8),
        (0, 5, 8),
        (0, 10, 8),
        (0, 12, 8),
        (1, 0, 5),  # a short clip is one window of its own length
    ]
    assert torch.equal(windows[3][2], torch.arange(12.0, 20.0))
    # Without lengths, every clip is whole.
    sizes, _ = cut_windows(wavs, None, 8, 5)
    assert sizes == [20, 20]


def test_cut_windows_errors():
    with pytest.raises(ValueError, match="batch, samples"):
        cut_windows(torch.zeros(1, 2, 10), None, 4, 2)
    with pytest.raises(ValueError, match="clip 1 of the batch is empty"):
        cut_windows(torch.zeros(2, 10), torch.tensor([1.0, 0.01]), 4, 2)


def test_pad_to_and_pad_features():
    wave = torch.ones(3)
    assert torch.equal(pad_to(wave, 5), torch.tensor([1, 1, 1, 0, 0.0]))
    assert pad_to(wave, 3) is wave
    batch, lengths = pad_features([torch.ones(5, 2), torch.ones(2, 2)])
    assert batch.shape == (2, 5, 2)
    assert batch[1, 2:].abs().sum() == 0
    assert lengths.tolist() == pytest.approx([1.0, 0.4])


def test_group_and_mean_by_clip():
    owners = [0, 0, 0, 1, 2, 2]
    values = torch.arange(6.0)[:, None]
    groups = group_by_clip(owners, list(values), 3)
    assert [len(g) for g in groups] == [3, 1, 2]
    means = clip_means(owners, values, 3)
    assert means.shape == (3, 1)
    assert means[:, 0].tolist() == [1.0, 3.0, 4.5]


def test_window_bounds():
    _, windows = cut_windows(torch.zeros(2, 10), torch.tensor([1.0, 0.2]), 4, 3)
    (starts, ends), (short_starts, short_ends) = window_bounds(windows, 2, 2)
    assert starts.dtype == torch.float64
    assert starts.tolist() == [0.0, 1.5, 3.0]
    assert ends.tolist() == [2.0, 3.5, 5.0]
    assert (short_starts.tolist(), short_ends.tolist()) == ([0.0], [1.0])


def test_stitch_cuts_each_overlap_in_the_middle():
    # Windows [0, 4), [2, 6), [3, 7) s, columns every 0.5 s from 0.25 s.
    starts = torch.tensor([0.0, 2.0, 3.0], dtype=torch.float64)
    ends = starts + 4
    times = [
        s + 0.25 + 0.5 * torch.arange(8, dtype=torch.float64) for s in starts
    ]
    embeddings = [torch.full((8, 2), float(k)) for k in range(3)]
    emb, stitched = stitch_columns(starts, ends, times, embeddings)
    # Cuts at (2 + 4) / 2 = 3 s and (3 + 6) / 2 = 4.5 s.
    expected = [0.25 + 0.5 * i for i in range(14)]
    assert stitched.tolist() == expected
    owner = emb[:, 0].tolist()
    assert owner == [0.0] * 6 + [1.0] * 3 + [2.0] * 5
    assert emb.shape == (14, 2)


def test_stitch_of_one_window_keeps_everything():
    times = [torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)]
    emb, stitched = stitch_columns(
        torch.zeros(1), torch.ones(1), times, [torch.ones(3, 4)]
    )
    assert torch.equal(stitched, times[0]) and emb.shape == (3, 4)
