"""Model passes over windows: one batch (:func:`run_windows`), or a stream
of windows in batches (:func:`run_in_batches`).

The front-end runs per window, on the window's own samples (its STFT edges
depend on the true length); the spectrograms are padded into one batch and
the encoder gets their relative lengths, which mask the padded patches out
of the attention, so every window gives what it would alone. Outputs that
are not finite stop the run with the clip named
(:func:`~speechbrain_passt.inference.checks.check_outputs`).

Authors
 * speechbrain-passt developers 2026
"""

import contextlib

import torch

from speechbrain_passt.inference.checks import check_outputs
from speechbrain_passt.inference.core_parallel import (
    map_on_cores,
    passes_per_core,
)
from speechbrain_passt.inference.windows import pad_features, pad_to
from speechbrain_passt.lobes.features import PaSSTFbank  # noqa: F401
from speechbrain_passt.lobes.passt import PaSST, PaSSTHead  # noqa: F401


def run_windows(
    compute_features, encoder, head, waves, frames=False, autocast=None
):
    """Logits, clip embeddings and optionally frame columns of windows.

    Arguments
    ---------
    compute_features : PaSSTFbank
        The front-end.
    encoder : PaSST
        The encoder (in eval mode for frame columns).
    head : PaSSTHead
        The classifier head.
    waves : list of torch.Tensor
        ``[samples_i]`` mono windows on the modules' device, each at most
        ``encoder.max_input_frames()`` frames long; shorter than one patch
        is zero-padded to one patch.
    frames : bool, optional (default: False)
        Also return the frame columns
        (:meth:`~speechbrain_passt.PaSST.forward_frames`).
    autocast : contextlib.AbstractContextManager, optional
        Context for the encoder and head (e.g. bf16 autocast on CUDA).

    Returns
    -------
    list of tuple
        Per window, on the CPU in float32: ``(logits [classes], embedding
        [embed_dim], columns)``; ``columns`` is ``(centre times [T] in
        seconds from the window's start (float64), embeddings [T,
        embed_dim])``, or None without ``frames``.

    Example
    -------
    >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2).eval()
    >>> out = run_windows(
    ...     PaSSTFbank(),
    ...     encoder,
    ...     PaSSTHead(32, 3),
    ...     [torch.randn(32000), torch.randn(100)],
    ...     frames=True,
    ... )
    >>> logits, embedding, (times, columns) = out[0]
    >>> logits.shape, embedding.shape, columns.shape, times[:2].tolist()
    (torch.Size([3]), torch.Size([32]), torch.Size([9, 32]), [0.08, 0.18])
    >>> out[1][2][1].shape  # padded to one patch: one column
    torch.Size([1, 32])
    """
    hop_length = compute_features.hop_length
    min_samples = (encoder.patch_size - 1) * hop_length + 1
    feats = [
        compute_features(pad_to(wave, min_samples)[None])[0] for wave in waves
    ]
    batch, lengths = pad_features(feats)
    lengths = lengths.to(batch.device)
    with autocast or contextlib.nullcontext():
        if frames:
            embeddings, pooled, counts = encoder.forward_frames(batch, lengths)
        else:
            embeddings = encoder(batch, lengths)
        logits = head(embeddings)
    logits = logits[:, 0].float().cpu()
    embeddings = embeddings[:, 0].float().cpu()
    columns = [None] * len(waves)
    if frames:
        hop_seconds = hop_length / compute_features.sample_rate
        pooled = pooled.float().cpu()
        columns = [
            (encoder.column_centres(count) * hop_seconds, pooled[i, :count])
            for i, count in enumerate(counts.tolist())
        ]
    return list(zip(logits, embeddings, columns, strict=True))


def run_in_batches(
    compute_features,
    encoder,
    head,
    windows,
    batch_size=8,
    frames=False,
    bf16=False,
    names=None,
    cpu_bf16=False,
    one_pass_per_window=False,
):
    """Run a stream of windows, ``batch_size`` at a time.

    Windows are taken from ``windows`` only as a batch needs them, so a
    generator that reads a file block by block is read as the model runs.

    Arguments
    ---------
    compute_features : PaSSTFbank
        The front-end.
    encoder : PaSST
        The encoder (in eval mode for frame columns).
    head : PaSSTHead
        The classifier head.
    windows : iterable of tuple
        ``(clip index, start sample, waveform [samples])``; each waveform
        is moved to the encoder's device.
    batch_size : int, optional (default: 8)
        Windows per encoder pass.
    frames : bool, optional (default: False)
        Also compute the frame columns.
    bf16 : bool, optional (default: False)
        Run the encoder and head under bf16 autocast on CUDA.
    cpu_bf16 : bool, optional (default: False)
        With ``bf16``, also on the CPU.
    names : sequence of str, optional
        How to name each clip in errors (default: its batch index).
    one_pass_per_window : bool, optional (default: False)
        The encoder needs one window per pass (int8 on an x86 CPU, where
        each clip has its own input scales). On a CPU, such passes, and
        those of long windows, run side by side on the cores unless the
        encoder is compiled
        (:func:`~speechbrain_passt.inference.core_parallel.passes_per_core`).

    Yields
    ------
    window : tuple
        ``(clip index, start sample, waveform)`` as given.
    output : tuple
        Its ``(logits, embedding, columns)`` (see :func:`run_windows`).

    Raises
    ------
    ValueError
        A window whose outputs are not finite (the clip is named).

    Example
    -------
    >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2).eval()
    >>> windows = ((0, start, torch.randn(8000)) for start in range(3))
    >>> out = list(
    ...     run_in_batches(
    ...         PaSSTFbank(), encoder, PaSSTHead(32, 3), windows, batch_size=2
    ...     )
    ... )
    >>> len(out), out[2][0][1], out[2][1][0].shape
    (3, 2, torch.Size([3]))
    """
    device = next(encoder.parameters()).device
    # A window's time patches: one per tstride frames.
    tokens_per_sample = compute_features.hop_length * encoder.tstride
    chunk = []

    def run(waves):
        """The outputs of one encoder pass over ``waves``."""
        autocast = None
        if bf16 and (device.type == "cuda" or cpu_bf16):
            autocast = torch.autocast(device.type, dtype=torch.bfloat16)
        return run_windows(
            compute_features, encoder, head, waves, frames, autocast
        )

    def flush():
        """Run the gathered windows; return them with their outputs."""
        waves = [wave.to(device, torch.float32) for _, _, wave in chunk]
        longest = max(len(wave) for wave in waves)
        tokens = encoder.grid_size[0] * longest // tokens_per_sample
        if passes_per_core(device, tokens, one_pass_per_window, encoder):
            passes = map_on_cores(lambda wave: run([wave]), waves)
            outputs = [out for (out,) in passes]
        elif one_pass_per_window:
            outputs = [out for wave in waves for out in run([wave])]
        else:
            outputs = run(waves)
        check_outputs(outputs, chunk, compute_features.sample_rate, names)
        return list(zip(chunk, outputs, strict=True))

    for window in windows:
        chunk.append(window)
        if len(chunk) == batch_size:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()
