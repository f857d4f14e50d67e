"""One model pass over a batch of windows.

The front-end runs per window, on the window's own samples (its STFT edges
depend on the true length); the spectrograms are padded into one batch and
the encoder gets their relative lengths, which mask the padded patches out
of the attention, so every window gives what it would alone.

Authors
 * speechbrain-passt developers 2026
"""

import contextlib

import torch  # noqa: F401 (doctests)

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
