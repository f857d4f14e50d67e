"""Windows of long audio, as pure functions (no model).

PaSST takes at most ``max_input_frames()`` frames in one pass (10.05 s for
the released 10 s models). Longer clips are cut into windows of at most
that length (:class:`WindowPlan`, :func:`cut_windows`):

* For tags and clip embeddings, windows of exactly that length start every
  ``hop`` samples, the last one aligned to the end of the clip so that
  every window is full (:func:`window_starts`).
* For frame embeddings, windows start on the clip's patch-column grid
  (:class:`ColumnGrid`: one column every ``tstride`` frames from sample
  0, 0.1 s for the released models), so that every window's columns are
  columns of that one grid; the clip has ``ColumnGrid.count(samples)``
  columns whatever the hop, and each overlap is cut in its middle
  (:class:`~speechbrain_passt.inference.streaming.ColumnStitcher`).

A clip shorter than one patch is zero-padded to one patch (:func:`pad_to`).
The front-end runs per window (STFT edges depend on the true length); the
spectrograms are padded into one batch with relative lengths
(:func:`pad_features`), which the encoder uses to mask the padded patches
out of the attention. Window outputs go back to their clips as means
(:func:`clip_means`).

:class:`~speechbrain_passt.inference.PaSSTClassifier` and
:func:`~speechbrain_passt.training.evaluation.predict_dataset` share these;
:mod:`~speechbrain_passt.inference.streaming` plans the same windows block
by block for long files.

Authors
 * speechbrain-passt developers 2026
"""

import torch

from speechbrain_passt.inference.checks import check_finite, clip_sizes


def window_starts(size, window, hop):
    """Start of each window of a clip; the last window ends at the clip's
    end.

    Arguments
    ---------
    size : int
        Clip length, in samples.
    window : int
        Window length, in samples.
    hop : int
        Hop between window starts, in samples.

    Returns
    -------
    list of int
        Window starts, in samples (``[0]`` when the clip fits one window).

    Example
    -------
    >>> window_starts(10, 4, 3)  # the last window ends at sample 10
    [0, 3, 6]
    >>> window_starts(11, 4, 3)
    [0, 3, 6, 7]
    >>> window_starts(3, 4, 2)
    [0]
    """
    if size <= window:
        return [0]
    starts = list(range(0, size - window, hop))
    starts.append(size - window)
    return starts


def hop_samples(hop, sample_rate, window):
    """A hop in seconds as samples, checked to lie in one window.

    Arguments
    ---------
    hop : float or None
        Hop in seconds; None for half a window.
    sample_rate : int
        Sample rate in Hz.
    window : int
        Window length, in samples.

    Returns
    -------
    int
        The hop, in samples, in ``[1, window]``.

    Raises
    ------
    ValueError
        A hop that rounds to no sample or is longer than a window.

    Example
    -------
    >>> hop_samples(None, 100, 50), hop_samples(0.1, 100, 50)
    (25, 10)
    >>> hop_samples(1.0, 100, 50)
    Traceback (most recent call last):
    ...
    ValueError: hop must be in (0, 0.500] seconds (one window), got 1.0
    """
    if hop is None:
        hop = window / sample_rate / 2
    samples = round(hop * sample_rate)
    if not 1 <= samples <= window:
        raise ValueError(
            f"hop must be in (0, {window / sample_rate:.3f}] seconds (one "
            f"window), got {hop}"
        )
    return samples


def pad_to(wave, min_samples):
    """Zero-pad a waveform shorter than ``min_samples`` at its end.

    Arguments
    ---------
    wave : torch.Tensor
        ``[samples]`` waveform.
    min_samples : int
        Shortest length wanted (one patch of frames, for PaSST).

    Returns
    -------
    torch.Tensor
        ``[max(samples, min_samples)]``; ``wave`` itself when long enough.

    Example
    -------
    >>> pad_to(torch.ones(2), 4).tolist(), pad_to(torch.ones(5), 4).shape
    ([1.0, 1.0, 0.0, 0.0], torch.Size([5]))
    """
    if wave.shape[0] >= min_samples:
        return wave
    return torch.nn.functional.pad(wave, (0, min_samples - wave.shape[0]))


def pad_features(feats):
    """Pad spectrograms of different lengths into one batch.

    Arguments
    ---------
    feats : list of torch.Tensor
        ``[frames_i, n_mels]`` spectrograms.

    Returns
    -------
    batch : torch.Tensor
        ``[len(feats), max frames, n_mels]``, zero-padded at the end.
    lengths : torch.Tensor
        ``[len(feats)]`` relative lengths (``frames_i / max frames``), on
        the CPU.

    Example
    -------
    >>> batch, lengths = pad_features([torch.ones(4, 2), torch.ones(2, 2)])
    >>> batch.shape, lengths.tolist()
    (torch.Size([2, 4, 2]), [1.0, 0.5])
    """
    num_frames = torch.tensor([f.shape[0] for f in feats])
    batch = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True)
    return batch, num_frames / batch.shape[1]


def clip_means(owners, values, count):
    """Mean of each clip's window outputs (logits or embeddings).

    Arguments
    ---------
    owners : list of int
        Clip index of each window.
    values : sequence of torch.Tensor
        One output per window (same shape each).
    count : int
        Number of clips; each owns at least one window.

    Returns
    -------
    torch.Tensor
        ``[count, ...]`` the mean over each clip's windows.

    Example
    -------
    >>> clip_means([0, 0, 1], torch.tensor([[1.0], [3.0], [5.0]]), 2)
    tensor([[2.],
            [5.]])
    """
    groups = [[] for _ in range(count)]
    for owner, value in zip(owners, values, strict=True):
        groups[owner].append(value)
    return torch.stack([torch.stack(group).mean(0) for group in groups])


class ColumnGrid:
    """The time columns of the patch grid of a whole clip.

    Column ``j`` covers spectrogram frames ``j * tstride`` to ``j * tstride
    + patch_size - 1`` of the clip (frame ``k`` is centred on sample ``k *
    hop_length``), whatever window computes it: windows that start on a
    multiple of :attr:`stride` samples give columns of this one grid.

    Arguments
    ---------
    hop_length : int
        Hop of the front-end, in samples.
    tstride : int
        Patch stride along time, in frames.
    patch_size : int
        Patch side, in frames.
    sample_rate : int
        Sample rate in Hz.

    Example
    -------
    >>> grid = ColumnGrid(320, 10, 16, 32000)  # the released models
    >>> grid.stride, grid.count(32000), grid.count(300 * 32000)
    (3200, 9, 2999)
    >>> grid.times(0, 3).tolist()
    [0.08, 0.18, 0.28]
    """

    def __init__(self, hop_length, tstride, patch_size, sample_rate):
        self.hop_length = hop_length
        self.tstride = tstride
        self.patch_size = patch_size
        self.sample_rate = sample_rate
        self.stride = tstride * hop_length
        # Shorter clips are zero-padded to one patch of frames.
        self.min_samples = (patch_size - 1) * hop_length + 1

    def count(self, size):
        """Number of columns of a clip, from its length alone.

        Arguments
        ---------
        size : int
            Clip length, in samples (>= 1).

        Returns
        -------
        int
            Columns (at least 1: a short clip is padded to one patch).
        """
        frames = 1 + (max(size, self.min_samples) - 1) // self.hop_length
        return (frames - self.patch_size) // self.tstride + 1

    def times(self, first, count):
        """Centre times of columns ``first`` to ``first + count - 1``.

        Arguments
        ---------
        first : int
            Index of the first column.
        count : int
            Number of columns.

        Returns
        -------
        torch.Tensor
            ``[count]`` float64 seconds from the clip's start: the centre
            ``(j * tstride + patch_size / 2) * hop_length / sample_rate``
            of the frames column ``j`` covers.
        """
        index = torch.arange(first, first + count, dtype=torch.float64)
        frames = index * self.tstride + self.patch_size / 2
        return frames * self.hop_length / self.sample_rate


class WindowPlan:
    """Where the windows of a clip lie.

    Without a grid (tags, clip embeddings), windows of ``window`` samples
    start every ``hop`` samples and the last one ends at the clip's end
    (:func:`window_starts` in samples). With a :class:`ColumnGrid` (frame
    embeddings), the same rule runs in grid columns: windows hold
    ``grid.count(window)`` columns, start every ``hop`` rounded to whole
    columns (at most one window's columns, so that consecutive windows
    overlap or touch), and the last one ends at the clip's last column.

    Arguments
    ---------
    window : int
        Longest window, in samples.
    hop : int
        Hop between window starts, in samples, in ``[1, window]``.
    grid : ColumnGrid, optional
        Start the windows on this grid.

    Example
    -------
    >>> WindowPlan(4, 3).starts(11)
    [0, 3, 6, 7]
    >>> grid = ColumnGrid(320, 10, 16, 32000)
    >>> plan = WindowPlan(321600, 160800, grid)  # the released models
    >>> plan.span, plan.step, plan.starts(20 * 32000)
    (99, 50, [0, 160000, 320000])
    >>> plan.end(320000, 20 * 32000)  # the last window: columns 100-198
    640000
    """

    def __init__(self, window, hop, grid=None):
        self.window = window
        self.grid = grid
        if grid is None:
            self.unit, self.span, self.step = 1, window, hop
        else:
            self.unit = grid.stride
            self.span = grid.count(window)
            self.step = max(1, min(self.span, round(hop / grid.stride)))

    def units(self, size):
        """A clip's length in plan units (samples or grid columns).

        Arguments
        ---------
        size : int
            Clip length, in samples.

        Returns
        -------
        int
            ``size``, or ``grid.count(size)`` columns.
        """
        return size if self.grid is None else self.grid.count(size)

    def starts(self, size):
        """Start of each window of a clip.

        Arguments
        ---------
        size : int
            Clip length, in samples.

        Returns
        -------
        list of int
            Window starts, in samples.
        """
        units = window_starts(self.units(size), self.span, self.step)
        return [start * self.unit for start in units]

    def end(self, start, size):
        """End of the window that starts at ``start``.

        Arguments
        ---------
        start : int
            Window start, in samples.
        size : int
            Clip length, in samples.

        Returns
        -------
        int
            ``min(start + window, size)``, in samples.
        """
        return min(start + self.window, size)

    def is_regular(self, index, received):
        """Whether window ``index`` precedes the last window of any clip
        that has at least ``received`` samples, and lies in them.

        Arguments
        ---------
        index : int
            Window number (its start is ``index * step`` units).
        received : int
            Samples of the clip known so far.

        Returns
        -------
        bool
            True when the window is certain and its samples are known.
        """
        start = index * self.step
        return (
            start + self.span < self.units(received)
            and start * self.unit + self.window <= received
        )


def cut_windows(wavs, wav_lens, plan, names=None):
    """Cut a batch of padded waveforms into windows.

    Arguments
    ---------
    wavs : torch.Tensor
        ``[batch, samples]`` mono waveforms.
    wav_lens : torch.Tensor or sequence of float or None
        ``[batch]`` relative lengths in (0, 1] (None: every clip is whole).
    plan : WindowPlan
        Where the windows lie.
    names : sequence of str, optional
        How to name each clip in errors (default: its batch index).

    Returns
    -------
    sizes : list of int
        Length of each clip, in samples.
    windows : list of tuple
        ``(clip index, start sample, waveform [samples])`` per window, clip
        by clip; a window is shorter than ``plan.window`` only when its
        clip is, or when the plan has a grid.

    Raises
    ------
    ValueError
        ``wavs`` not 2-D, ``wav_lens`` of the wrong shape or outside
        (0, 1], an empty clip, or NaN or inf samples in a clip.

    Example
    -------
    >>> sizes, windows = cut_windows(
    ...     torch.zeros(2, 10), torch.tensor([1.0, 0.3]), WindowPlan(4, 3)
    ... )
    >>> sizes, [(i, start, len(w)) for i, start, w in windows]
    ([10, 3], [(0, 0, 4), (0, 3, 4), (0, 6, 4), (1, 0, 3)])
    """
    sizes = clip_sizes(wavs, wav_lens, names)
    check_finite(wavs, sizes, names)
    windows = []
    for index, size in enumerate(sizes):
        for start in plan.starts(size):
            end = plan.end(start, size)
            windows.append((index, start, wavs[index, start:end]))
    return sizes, windows
