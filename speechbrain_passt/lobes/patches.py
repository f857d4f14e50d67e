"""The patch grid of PaSST: overlapping patch embedding and Patchout.

Patchout (Koutini et al., Interspeech 2022, Sec. 2.2) drops, in training,
whole time columns and frequency rows of the patch grid (structured) and/or
single patches (unstructured), which shortens the sequence. Deliberate
difference from the original implementation: the kept rows, columns and
patches are drawn per item (the original draws one set for the batch); each
item sees the same distribution and kept patches keep their order.

Authors
 * speechbrain-passt developers 2026
"""

import torch


class PatchEmbed(torch.nn.Module):
    """Overlapping patch embedding: one strided convolution.

    Arguments
    ---------
    patch_size : int
        Side of the square patches.
    fstride : int
        Stride along frequency.
    tstride : int
        Stride along time.
    in_channels : int
        Number of input channels.
    embed_dim : int
        Output channels (token width).

    Example
    -------
    >>> embed = PatchEmbed(16, 10, 10, 1, 32)
    >>> embed(torch.rand(2, 1, 128, 100)).shape
    torch.Size([2, 32, 12, 9])
    """

    def __init__(self, patch_size, fstride, tstride, in_channels, embed_dim):
        super().__init__()
        self.proj = torch.nn.Conv2d(
            in_channels,
            embed_dim,
            kernel_size=patch_size,
            stride=(fstride, tstride),
        )

    def forward(self, x):
        """Embed patches.

        Arguments
        ---------
        x : torch.Tensor
            Spectrograms ``[batch, channels, n_mels, frames]``.

        Returns
        -------
        torch.Tensor
            Patch grid ``[batch, embed_dim, freq_patches, time_patches]``.
        """
        return self.proj(x)


def patchout_positions(batch, n_freq, n_time, drop_t, drop_f, drop_u, device):
    """Grid indices of the patches that Patchout keeps, per item.

    Arguments
    ---------
    batch : int
        Number of items.
    n_freq : int
        Rows (frequency) of the patch grid.
    n_time : int
        Columns (time) of the patch grid.
    drop_t : int
        Time columns dropped per item (``s_patchout_t``).
    drop_f : int
        Frequency rows dropped per item (``s_patchout_f``).
    drop_u : int
        Single patches dropped per item after that (``u_patchout``).
    device : torch.device
        Where the indices live.

    Returns
    -------
    torch.Tensor
        ``[batch, kept]`` long, row-major grid indices (``row * n_time +
        column``), sorted.

    Raises
    ------
    ValueError
        When a setting would drop every row, column or patch.

    Example
    -------
    >>> positions = patchout_positions(2, 12, 99, 40, 4, 0, "cpu")
    >>> positions.shape  # (12 - 4) * (99 - 40) patches kept of 1188
    torch.Size([2, 472])
    >>> patchout_positions(1, 12, 99, 0, 0, 100, "cpu").shape
    torch.Size([1, 1088])
    """
    for name, drop, total in (
        ("s_patchout_t", drop_t, n_time),
        ("s_patchout_f", drop_f, n_freq),
    ):
        if drop >= total:
            raise ValueError(
                f"{name}={drop} would drop every one of the {total} "
                "rows/columns of this input's patch grid"
            )
    times = random_sorted_subset(batch, n_time, n_time - drop_t, device)
    freqs = random_sorted_subset(batch, n_freq, n_freq - drop_f, device)
    positions = (freqs.unsqueeze(2) * n_time + times.unsqueeze(1)).flatten(1)
    if drop_u > 0:
        count = positions.shape[1]
        if drop_u >= count:
            raise ValueError(
                f"u_patchout={drop_u} would drop every one of the {count} "
                "patches left after structured Patchout"
            )
        keep = random_sorted_subset(batch, count, count - drop_u, device)
        positions = torch.gather(positions, 1, keep)
    return positions


def random_sorted_subset(batch, total, keep, device):
    """Per item, ``keep`` distinct sorted indices drawn from ``range(total)``.

    Arguments
    ---------
    batch : int
        Number of items.
    total : int
        Size of the range.
    keep : int
        Indices per item.
    device : torch.device
        Where the indices live.

    Returns
    -------
    torch.Tensor
        ``[batch, keep]`` long, increasing along the last axis.

    Example
    -------
    >>> subset = random_sorted_subset(3, 10, 4, "cpu")
    >>> subset.shape, bool((subset.diff(dim=1) > 0).all())
    (torch.Size([3, 4]), True)
    """
    scores = torch.rand(batch, total, device=device)
    return scores.argsort(dim=1)[:, :keep].sort(dim=1).values
