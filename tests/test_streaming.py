"""Tests of block-by-block window planning and of frame stitching.

Authors
 * speechbrain-passt developers 2026
"""

import pytest
import torch

from speechbrain_passt.inference.streaming import ColumnStitcher, StreamWindows
from speechbrain_passt.inference.windows import ColumnGrid, WindowPlan

# A small geometry with the released models' rules: hop 4 samples, 4-frame
# patches every 2 frames, windows of 41 frames (19 columns).
GRID = ColumnGrid(hop_length=4, tstride=2, patch_size=4, sample_rate=100)
WINDOW = 41 * 4


def plans():
    return [
        WindowPlan(WINDOW, WINDOW // 2),
        WindowPlan(WINDOW, 7),
        WindowPlan(WINDOW, WINDOW),
        WindowPlan(WINDOW, WINDOW // 2, GRID),
        WindowPlan(WINDOW, 20, GRID),
        WindowPlan(WINDOW, WINDOW, GRID),
    ]


def streamed(plan, clip, block):
    stream = StreamWindows(plan)
    windows, longest = [], 0
    for first in range(0, len(clip), block):
        windows += stream.push(clip[first : first + block])
        longest = max(longest, len(stream.buffer))
    windows += stream.finish()
    assert stream.size == len(clip)
    return windows, longest


@pytest.mark.parametrize("plan", plans())
@pytest.mark.parametrize("size", [1, 13, WINDOW, WINDOW + 1, 1000, 2345])
@pytest.mark.parametrize("block", [1, 17, 100, 5000])
def test_stream_gives_the_windows_of_the_whole_clip(plan, size, block):
    clip = torch.arange(float(size))
    windows, longest = streamed(plan, clip, block)
    starts = plan.starts(size)
    assert [start for start, _ in windows] == starts
    for start, wave in windows:
        assert torch.equal(wave, clip[start : plan.end(start, size)])
    # Memory: about one window plus one block, whatever the clip's length.
    assert longest <= WINDOW + block + plan.step * plan.unit


def test_stream_memory_does_not_grow_with_the_clip():
    plan = WindowPlan(WINDOW, WINDOW // 2, GRID)
    sizes = []
    for size in (2_000, 200_000):
        _, longest = streamed(plan, torch.zeros(size), 50)
        sizes.append(longest)
    assert sizes[0] == sizes[1]


def test_stream_without_samples():
    stream = StreamWindows(WindowPlan(4, 2))
    assert stream.push(torch.zeros(0)) == []
    with pytest.raises(ValueError, match="no samples"):
        stream.finish()


def reference_stitch(firsts, counts):
    """Owner window of each column: the one where it is furthest from an
    edge (ties to the later window)."""
    owners = []
    for column in range(firsts[-1] + counts[-1]):
        best = None
        for k, (first, count) in enumerate(zip(firsts, counts, strict=True)):
            if first <= column < first + count:
                margin = min(column - first, first + count - 1 - column)
                if best is None or margin >= best[0]:
                    best = (margin, k)
        owners.append(best[1])
    return owners


@pytest.mark.parametrize(
    "firsts, counts",
    [
        ([0], [7]),
        ([0, 5, 10, 12], [10, 10, 10, 10]),  # half overlaps, a late last
        ([0, 10], [10, 10]),  # touching
        ([0, 1, 2, 3], [10, 10, 10, 10]),  # hop of one column
        ([0, 9, 18, 19], [10, 10, 10, 10]),
    ],
)
def test_stitch_takes_each_column_where_it_is_furthest_from_an_edge(
    firsts, counts
):
    stitcher = ColumnStitcher()
    for k, (first, count) in enumerate(zip(firsts, counts, strict=True)):
        stitcher.add(first, torch.full((count, 1), float(k)))
    owners = stitcher.finish()[:, 0].long().tolist()
    assert len(owners) == firsts[-1] + counts[-1]
    for column, owner in enumerate(owners):
        first, count = firsts[owner], counts[owner]
        assert first <= column < first + count
    # Away from ties, the owner is the window with the largest margin.
    expected = reference_stitch(firsts, counts)
    for column, (got, want) in enumerate(zip(owners, expected, strict=True)):
        if got != want:
            a, b = firsts[got], firsts[want]
            margin_got = min(column - a, a + counts[got] - 1 - column)
            margin_want = min(column - b, b + counts[want] - 1 - column)
            assert margin_got == margin_want


def test_stitch_errors():
    stitcher = ColumnStitcher()
    with pytest.raises(ValueError, match="first window"):
        stitcher.add(3, torch.zeros(4, 1))
    stitcher.add(0, torch.zeros(4, 1))
    with pytest.raises(ValueError, match="do not follow"):
        stitcher.add(5, torch.zeros(4, 1))  # a gap at column 4
