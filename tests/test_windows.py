"""Tests of the pure window functions of long audio.

Authors
 * speechbrain-passt developers 2026
"""

import pytest
import torch

from speechbrain_passt.inference.windows import (
    ColumnGrid,
    WindowPlan,
    clip_means,
    cut_windows,
    hop_samples,
    pad_features,
    pad_to,
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
    sizes, windows = cut_windows(
        wavs, torch.tensor([1.0, 0.25]), WindowPlan(8, 5)
    )
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
    sizes, _ = cut_windows(wavs, None, WindowPlan(8, 5))
    assert sizes == [20, 20]


def test_cut_windows_errors():
    plan = WindowPlan(4, 2)
    with pytest.raises(ValueError, match="batch, samples"):
        cut_windows(torch.zeros(1, 2, 10), None, plan)
    with pytest.raises(ValueError, match="clip 1 of the batch .* is empty"):
        cut_windows(torch.zeros(2, 10), torch.tensor([1.0, 0.01]), plan)


def test_pad_to_and_pad_features():
    wave = torch.ones(3)
    assert torch.equal(pad_to(wave, 5), torch.tensor([1, 1, 1, 0, 0.0]))
    assert pad_to(wave, 3) is wave
    batch, lengths = pad_features([torch.ones(5, 2), torch.ones(2, 2)])
    assert batch.shape == (2, 5, 2)
    assert batch[1, 2:].abs().sum() == 0
    assert lengths.tolist() == pytest.approx([1.0, 0.4])


def test_clip_means():
    owners = [0, 0, 0, 1, 2, 2]
    means = clip_means(owners, torch.arange(6.0)[:, None], 3)
    assert means.shape == (3, 1)
    assert means[:, 0].tolist() == [1.0, 3.0, 4.5]


# The column grid of frame embeddings ----------------------------------------

# The released 10 s models: 320-sample hop, 16x16 patches every 10 frames,
# windows of 1005 frames (99 columns).
RELEASED = ColumnGrid(320, 10, 16, 32000)
WINDOW = 1005 * 320


def test_column_count_follows_from_the_duration():
    grid = RELEASED
    assert grid.stride == 3200  # 0.1 s
    # 1 + (S - 1) // 320 frames, then (frames - 16) // 10 + 1 columns.
    assert grid.count(32000) == 9  # 100 frames
    assert grid.count(WINDOW) == 99
    assert grid.count(300 * 32000) == 2999  # the 300 s clip
    assert grid.count(1) == grid.count(4801) == 1  # padded to one patch
    assert grid.count(4801 + 3200) == 2
    times = grid.times(0, 2999)
    assert times[0].item() == pytest.approx(0.08)
    steps = times.diff()
    assert torch.allclose(steps, torch.full_like(steps, 0.1), atol=1e-9)
    assert grid.times(5, 1).item() == pytest.approx(0.58)


@pytest.mark.parametrize("hop", [32000, WINDOW // 2, 3200, WINDOW])
@pytest.mark.parametrize("seconds", [300, 10.05, 10.06, 21.37, 3.0])
def test_frame_windows_lie_on_the_grid(seconds, hop):
    size = round(seconds * 32000)
    plan = WindowPlan(WINDOW, hop, RELEASED)
    starts = plan.starts(size)
    count = RELEASED.count(size)
    columns = []
    for start in starts:
        assert start % RELEASED.stride == 0  # on the clip's grid
        end = plan.end(start, size)
        first = start // RELEASED.stride
        # The window's own columns are the clip's columns from `first`.
        own = RELEASED.count(end - start)
        assert own == min(99, count - first)
        columns.append((first, first + own))
    assert columns[0][0] == 0 and columns[-1][1] == count
    for (_, end), (first, _) in zip(columns[:-1], columns[1:], strict=True):
        assert first <= end  # overlapping or touching: no column missed
    regular = columns[:-1]  # the last window ends at the last column
    steps = {b[0] - a[0] for a, b in zip(regular, regular[1:], strict=False)}
    assert len(steps) <= 1  # a regular hop, in whole columns


def test_frame_hop_is_whole_columns_within_one_window():
    assert WindowPlan(WINDOW, 32000, RELEASED).step == 10
    assert WindowPlan(WINDOW, WINDOW // 2, RELEASED).step == 50
    assert WindowPlan(WINDOW, 1, RELEASED).step == 1
    # A hop of a whole window (100.5 columns) would skip a column.
    assert WindowPlan(WINDOW, WINDOW, RELEASED).step == 99
