"""Windows of long audio, as pure functions (no model).

PaSST takes at most ``max_input_frames()`` frames in one pass (10.05 s for
the released 10 s models). Longer clips are cut into windows of exactly that
length, every ``hop`` samples, with the last window aligned to the end of
the clip so that every window is full (:func:`window_starts`,
:func:`cut_windows`). A clip shorter than one patch is zero-padded to one
patch (:func:`pad_to`). The front-end runs per window (STFT edges depend on
the true length); the spectrograms are padded into one batch with relative
lengths (:func:`pad_features`), which the encoder uses to mask the padded
patches out of the attention. Window outputs go back to their clips as
stacks (:func:`group_by_clip`) or means (:func:`clip_means`); the frame
columns of overlapping windows are stitched with each overlap cut in its
middle (:func:`stitch_columns`).

:class:`~speechbrain_passt.inference.PaSSTClassifier` and
:func:`~speechbrain_passt.training.evaluation.predict_dataset` share these.

Authors
 * speechbrain-passt developers 2026
"""

import torch


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


def cut_windows(wavs, wav_lens, window, hop):
    """Cut a batch of padded waveforms into windows.

    Arguments
    ---------
    wavs : torch.Tensor
        ``[batch, samples]`` mono waveforms.
    wav_lens : torch.Tensor or None
        ``[batch]`` relative lengths (None: every clip is whole).
    window : int
        Window length, in samples.
    hop : int
        Hop between windows, in samples.

    Returns
    -------
    sizes : list of int
        Length of each clip, in samples.
    windows : list of tuple
        ``(clip index, start sample, waveform [samples])`` per window, clip
        by clip; a window is shorter than ``window`` only when its clip is.

    Raises
    ------
    ValueError
        ``wavs`` not 2-D, or an empty clip.

    Example
    -------
    >>> sizes, windows = cut_windows(
    ...     torch.zeros(2, 10), torch.tensor([1.0, 0.3]), window=4, hop=3
    ... )
    >>> sizes, [(i, start, len(w)) for i, start, w in windows]
    ([10, 3], [(0, 0, 4), (0, 3, 4), (0, 6, 4), (1, 0, 3)])
    """
    if wavs.dim() != 2:
        raise ValueError(
            f"wavs must be [batch, samples] mono waveforms, got shape "
            f"{tuple(wavs.shape)}"
        )
    total = wavs.shape[1]
    if wav_lens is None:
        sizes = [total] * wavs.shape[0]
    else:
        sizes = torch.round(wav_lens.float() * total).long().tolist()
    windows = []
    for index, size in enumerate(sizes):
        if size < 1:
            raise ValueError(f"clip {index} of the batch is empty")
        for start in window_starts(size, window, hop):
            end = min(start + window, size)
            windows.append((index, start, wavs[index, start:end]))
    return sizes, windows


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


def group_by_clip(owners, values, count):
    """Gather the outputs of each clip's windows.

    Arguments
    ---------
    owners : list of int
        Clip index of each window.
    values : sequence
        One output per window.
    count : int
        Number of clips.

    Returns
    -------
    list of list
        Per clip, its windows' outputs in window order.

    Example
    -------
    >>> group_by_clip([0, 0, 1], ["a", "b", "c"], 2)
    [['a', 'b'], ['c']]
    """
    groups = [[] for _ in range(count)]
    for owner, value in zip(owners, values, strict=True):
        groups[owner].append(value)
    return groups


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
    return torch.stack(
        [
            torch.stack(group).mean(0)
            for group in group_by_clip(owners, values, count)
        ]
    )


def stitch_columns(starts, ends, times, embeddings):
    """Join the frame columns of a clip's overlapping windows.

    Each overlap between consecutive windows is cut at its middle: a time
    is taken from the window in which it lies furthest from an edge.

    Arguments
    ---------
    starts : torch.Tensor
        ``[windows]`` window starts, in seconds, ascending.
    ends : torch.Tensor
        ``[windows]`` window ends, in seconds.
    times : list of torch.Tensor
        Per window, ``[columns_k]`` centre time of each column, in seconds
        from the clip's start.
    embeddings : list of torch.Tensor
        Per window, ``[columns_k, dim]`` the column embeddings.

    Returns
    -------
    embeddings : torch.Tensor
        ``[columns, dim]`` in time order.
    times : torch.Tensor
        ``[columns]`` their centre times, in seconds.

    Example
    -------
    >>> emb, t = stitch_columns(
    ...     torch.tensor([0.0, 2.0]),
    ...     torch.tensor([4.0, 6.0]),
    ...     [torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 4.0, 5.0])],
    ...     [torch.zeros(3, 1), torch.ones(3, 1)],
    ... )
    >>> t.tolist(), emb[:, 0].tolist()  # overlap 2-4 s cut at 3 s
    ([1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.0, 1.0, 1.0, 1.0])
    """
    count = len(times)
    kept_times, kept_embeddings = [], []
    for k, (stamps, values) in enumerate(zip(times, embeddings, strict=True)):
        keep = torch.ones_like(stamps, dtype=torch.bool)
        if k > 0:
            keep &= stamps >= (starts[k] + ends[k - 1]) / 2
        if k < count - 1:
            keep &= stamps < (starts[k + 1] + ends[k]) / 2
        kept_times.append(stamps[keep])
        kept_embeddings.append(values[keep])
    return torch.cat(kept_embeddings), torch.cat(kept_times)


def window_bounds(windows, count, sample_rate):
    """Start and end of each clip's windows, in seconds.

    Arguments
    ---------
    windows : list of tuple
        ``(clip index, start sample, waveform)`` as from
        :func:`cut_windows`.
    count : int
        Number of clips.
    sample_rate : int
        Sample rate in Hz.

    Returns
    -------
    list of tuple
        Per clip, ``(starts [windows], ends [windows])`` float64 tensors.

    Example
    -------
    >>> _, windows = cut_windows(torch.zeros(1, 10), None, window=4, hop=3)
    >>> starts, ends = window_bounds(windows, 1, sample_rate=2)[0]
    >>> starts.tolist(), ends.tolist()
    ([0.0, 1.5, 3.0], [2.0, 3.5, 5.0])
    """
    groups = group_by_clip(
        [owner for owner, _, _ in windows],
        [(start, start + len(wave)) for _, start, wave in windows],
        count,
    )
    return [
        (
            torch.tensor(
                [s / sample_rate for s, _ in group], dtype=torch.float64
            ),
            torch.tensor(
                [e / sample_rate for _, e in group], dtype=torch.float64
            ),
        )
        for group in groups
    ]
