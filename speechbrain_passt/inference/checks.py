"""Checks of what reaches the tensor API: lengths, samples and outputs.

Relative lengths must be ``[batch]`` values in (0, 1]: a length of 10.0
would read a 3 s clip as 30 s of mostly padding, and sample counts passed
as lengths would plan tens of thousands of windows. NaN or inf samples
would give NaN scores and an arbitrary top-k; finite but huge samples
(e.g. 1e25, audio not scaled to [-1, 1]) overflow the spectrogram and do
the same. Each check raises a ``ValueError`` that names the argument and
the clip (its batch index, or a file or item name).

Authors
 * speechbrain-passt developers 2026
"""

import torch


def clip_name(names, index):
    """How errors name clip ``index`` of a batch.

    Arguments
    ---------
    names : sequence of str or None
        A name per clip, or None for batch indices.
    index : int
        The clip's index in the batch.

    Returns
    -------
    str
        ``names[index]``, or ``"clip <index> of the batch (wavs[<index>])"``.

    Example
    -------
    >>> clip_name(None, 1), clip_name(["item 'a'"], 0)
    ('clip 1 of the batch (wavs[1])', "item 'a'")
    """
    if names is None:
        return f"clip {index} of the batch (wavs[{index}])"
    return names[index]


def relative_lengths(wav_lens, batch):
    """Check relative lengths and return them as a float tensor.

    Arguments
    ---------
    wav_lens : torch.Tensor or sequence of float or None
        ``[batch]`` relative lengths (clip samples / padded samples).
    batch : int
        Clips in the batch.

    Returns
    -------
    torch.Tensor or None
        ``[batch]`` float32 on the CPU, or None when ``wav_lens`` is None.

    Raises
    ------
    ValueError
        ``wav_lens`` that is not ``[batch]`` numbers, or a value outside
        (0, 1] (NaN included).

    Example
    -------
    >>> relative_lengths([1.0, 0.5], 2).tolist()
    [1.0, 0.5]
    >>> relative_lengths([10.0], 1)
    Traceback (most recent call last):
    ...
    ValueError: wav_lens must be relative lengths in (0, 1] ...
    """
    if wav_lens is None:
        return None
    try:
        lens = torch.as_tensor(wav_lens).detach()
    except (TypeError, ValueError, RuntimeError) as error:
        raise ValueError(
            "wav_lens must be a [batch] tensor of relative lengths in "
            f"(0, 1], got {type(wav_lens).__name__}"
        ) from error
    if lens.dtype == torch.bool or lens.is_complex():
        raise ValueError(
            f"wav_lens must hold real numbers in (0, 1], got {lens.dtype}"
        )
    if tuple(lens.shape) != (batch,):
        raise ValueError(
            f"wav_lens must have shape [batch] = ({batch},) (one relative "
            f"length per clip of wavs), got shape {tuple(lens.shape)}"
        )
    lens = lens.to("cpu", torch.float32)
    bad = ~((lens > 0) & (lens <= 1))
    if bad.any():
        index = int(bad.nonzero()[0])
        value = lens[index].item()
        hint = ""
        if value > 1:
            hint = (
                "; sample counts? pass each clip's samples divided by "
                "wavs.shape[1]"
            )
        raise ValueError(
            "wav_lens must be relative lengths in (0, 1] (clip samples / "
            f"wavs.shape[1]), got wav_lens[{index}] = {value}{hint}"
        )
    return lens


def clip_sizes(wavs, wav_lens, names=None):
    """Length of each clip of a padded batch, in samples, after checks.

    Arguments
    ---------
    wavs : torch.Tensor
        ``[batch, samples]`` mono waveforms.
    wav_lens : torch.Tensor or sequence of float or None
        ``[batch]`` relative lengths in (0, 1] (None: every clip is whole).
    names : sequence of str, optional
        How to name each clip in errors (default: its batch index).

    Returns
    -------
    list of int
        ``round(wav_lens[i] * samples)`` per clip.

    Raises
    ------
    ValueError
        ``wavs`` not 2-D, bad ``wav_lens`` or a clip without samples.

    Example
    -------
    >>> clip_sizes(torch.zeros(2, 10), torch.tensor([1.0, 0.25]))
    [10, 2]
    """
    if wavs.dim() != 2:
        raise ValueError(
            f"wavs must be [batch, samples] mono waveforms, got shape "
            f"{tuple(wavs.shape)}"
        )
    total = wavs.shape[1]
    lens = relative_lengths(wav_lens, wavs.shape[0])
    if lens is None:
        sizes = [total] * wavs.shape[0]
    else:
        sizes = torch.round(lens * total).long().tolist()
    for index, size in enumerate(sizes):
        if size < 1:
            raise ValueError(f"{clip_name(names, index)} is empty")
    return sizes


def check_finite(wavs, sizes, names=None):
    """Reject NaN or inf samples inside each clip (padding is ignored).

    Arguments
    ---------
    wavs : torch.Tensor
        ``[batch, samples]`` waveforms (as the model will get them).
    sizes : list of int
        Length of each clip, in samples.
    names : sequence of str, optional
        How to name each clip in errors (default: its batch index).

    Raises
    ------
    ValueError
        Names the first bad clip and its first bad sample.

    Example
    -------
    >>> wavs = torch.zeros(2, 4)
    >>> wavs[1, 2] = float("nan")
    >>> check_finite(wavs, [4, 2])  # NaN in padding: fine
    >>> check_finite(wavs, [4, 4])
    Traceback (most recent call last):
    ...
    ValueError: clip 1 of the batch (wavs[1]) holds NaN or inf samples (first at sample 2)
    """
    bad = ~torch.isfinite(wavs)
    if not bad.any():
        return
    for index, size in enumerate(sizes):
        where = bad[index, :size].nonzero()
        if len(where):
            raise ValueError(
                f"{clip_name(names, index)} holds NaN or inf samples "
                f"(first at sample {int(where[0])})"
            )


def check_outputs(outputs, windows, sample_rate, names=None):
    """Reject windows whose logits or embeddings are not finite.

    Finite samples can still overflow the spectrogram (e.g. audio in int16
    units times 1e30); the message gives the window and its peak.

    Arguments
    ---------
    outputs : list of tuple
        Per window, ``(logits, embedding, columns)`` as from
        :func:`~speechbrain_passt.inference.runner.run_windows`.
    windows : list of tuple
        The matching ``(clip index, start sample, waveform)``.
    sample_rate : int
        Sample rate in Hz (for the window's time).
    names : sequence of str, optional
        How to name each clip in errors (default: its batch index).

    Raises
    ------
    ValueError
        Names the clip, the window's start and the peak sample.

    Example
    -------
    >>> bad = (torch.tensor([float("nan")]), torch.zeros(2), None)
    >>> check_outputs([bad], [(0, 32000, 1e30 * torch.ones(3))], 32000)
    Traceback (most recent call last):
    ...
    ValueError: clip 0 of the batch (wavs[0]) gives non-finite outputs ...
    """
    for (logits, embedding, _), (index, start, wave) in zip(
        outputs, windows, strict=True
    ):
        if torch.isfinite(logits).all() and torch.isfinite(embedding).all():
            continue
        peak = wave.abs().max().item()
        raise ValueError(
            f"{clip_name(names, index)} gives non-finite outputs in its "
            f"window at {start / sample_rate:.2f} s (peak |sample| "
            f"{peak:.3g}); scale the audio to [-1, 1]"
        )
