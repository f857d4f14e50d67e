"""Windows of a clip that arrives block by block, and frame stitching.

:class:`StreamWindows` plans the windows of a
:class:`~speechbrain_passt.inference.windows.WindowPlan` while the samples
arrive (e.g. from :func:`speechbrain_passt.data.audio.iter_audio_blocks`):
a window is given out as soon as it is certain, and only the samples that
later windows may still need are kept (about one window plus one block), so
memory does not grow with the clip's length. The windows are those of
``plan.starts(size)`` on the whole clip, with the same samples.

:func:`release_free_memory` returns the heap's free pages to the system
between blocks, so that fragmentation does not grow the resident memory.

:class:`ColumnStitcher` joins the frame columns of a clip's windows, which
lie on one :class:`~speechbrain_passt.inference.windows.ColumnGrid`: each
overlap between consecutive windows is cut in its middle, so a column comes
from the window in which it lies furthest from an edge.

Authors
 * speechbrain-passt developers 2026
"""

import ctypes
import functools

import torch

from speechbrain_passt.inference.windows import WindowPlan  # noqa: F401


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


def release_free_memory():
    """Give the memory the allocator holds free back to the system.

    Tagging a long file allocates and frees large temporaries (waveform
    blocks, spectrograms, tokens) between small outputs that stay; glibc's
    heap then keeps freed pages it cannot return from its top, and the
    resident memory of ``passt-tag`` on a 3-hour file grew by 0.1-0.7 GB,
    varying between runs. ``malloc_trim(0)`` returns every free page (about
    10 ms); elsewhere than glibc this does nothing.

    Returns
    -------
    bool
        Whether memory was trimmed (glibc only).

    Example
    -------
    >>> release_free_memory() in (True, False)
    True
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


class StreamWindows:
    """The windows of one clip, planned while its samples arrive.

    Arguments
    ---------
    plan : WindowPlan
        Where the windows lie.

    Example
    -------
    >>> stream = StreamWindows(WindowPlan(4, 3))
    >>> [start for start, _ in stream.push(torch.arange(6.0))]
    [0]
    >>> [(start, w.tolist()) for start, w in stream.push(torch.arange(6.0, 11))]
    [(3, [3.0, 4.0, 5.0, 6.0]), (6, [6.0, 7.0, 8.0, 9.0])]
    >>> [start for start, _ in stream.finish()], stream.size
    ([7], 11)
    """

    def __init__(self, plan):
        self.plan = plan
        self.buffer = torch.zeros(0)
        self.offset = 0  # sample index of buffer[0] in the clip
        self.received = 0
        self.next_index = 0  # next regular window
        self.size = None

    def push(self, block):
        """Add the next samples; return the windows now certain.

        Arguments
        ---------
        block : torch.Tensor
            ``[samples]`` the next samples of the clip (may be empty).

        Returns
        -------
        list of tuple
            ``(start sample, waveform [samples])`` per window, in order.
        """
        self.buffer = torch.cat((self.buffer, block.to(self.buffer.dtype)))
        self.received += len(block)
        windows = []
        while self.plan.is_regular(self.next_index, self.received):
            start = self.next_index * self.plan.step * self.plan.unit
            windows.append(self._window(start, start + self.plan.window))
            self.next_index += 1
        # Later windows start at the next regular start or, for the last
        # one, at most one window before the clip's end.
        keep = min(
            self.next_index * self.plan.step * self.plan.unit,
            max(0, self.received - self.plan.window),
        )
        if keep > self.offset:
            self.buffer = self.buffer[keep - self.offset :].clone()
            self.offset = keep
        return windows

    def finish(self):
        """End of the clip: return the remaining windows.

        Returns
        -------
        list of tuple
            ``(start sample, waveform [samples])`` per window, in order;
            :attr:`size` is the clip's length in samples.

        Raises
        ------
        ValueError
            No samples were pushed.
        """
        size = self.size = self.received
        if size == 0:
            raise ValueError("the clip has no samples")
        starts = self.plan.starts(size)
        done = self.next_index
        return [
            self._window(start, self.plan.end(start, size))
            for start in starts[done:]
        ]

    def _window(self, start, end):
        """Samples ``start`` to ``end`` of the clip (a view)."""
        if start < self.offset:
            raise RuntimeError(
                f"window at sample {start} was dropped from the buffer "
                f"(kept from {self.offset})"
            )
        return start, self.buffer[start - self.offset : end - self.offset]


class ColumnStitcher:
    """Join the frame columns of one clip's windows on a column grid.

    Windows must come in order of their start; consecutive windows must
    overlap or touch.

    Example
    -------
    >>> stitcher = ColumnStitcher()
    >>> stitcher.add(0, torch.zeros(4, 1))  # columns 0-3
    >>> stitcher.add(2, torch.ones(4, 1))  # columns 2-5: cut at 3
    >>> stitcher.finish()[:, 0].tolist()
    [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    """

    def __init__(self):
        self.parts = []
        self.pending = None  # (first column, embeddings) of the last window
        self.next_column = 0  # first column not yet kept

    def add(self, first, embeddings):
        """Add a window's columns.

        Arguments
        ---------
        first : int
            Grid index of the window's first column.
        embeddings : torch.Tensor
            ``[columns, dim]`` the window's column embeddings.

        Raises
        ------
        ValueError
            A window out of order or after a gap.
        """
        if self.pending is not None:
            start, values = self.pending
            end = start + len(values)
            if not start < first <= end:
                raise ValueError(
                    f"window columns {first}.. do not follow {start}-{end}"
                )
            # Column j lies further from an edge in the earlier window
            # exactly when j < (end + first) / 2.
            cut = max((end + first) // 2, self.next_column)
            # A copy, so that the window batch it came from can be freed.
            kept = values[self.next_column - start : cut - start].clone()
            self.parts.append(kept)
            self.next_column = cut
        elif first != 0:
            raise ValueError(f"the first window starts at column {first}")
        self.pending = (first, embeddings)

    def finish(self):
        """The stitched columns.

        Returns
        -------
        torch.Tensor
            ``[columns, dim]``, one per grid column from column 0.
        """
        start, values = self.pending
        self.parts.append(values[self.next_column - start :])
        return torch.cat(self.parts)
