"""Training-time augmentations of PaSST: mixup, random gain and random roll.

Two kinds, by where they run:

* Per clip, in the dataset pipeline (CPU workers): :func:`random_gain`
  (integer dB in ``[-7, +6]``) and :func:`random_roll` (circular shift by up
  to +-50 samples). The original applies both to every training clip.
* Per batch, on the training device: :class:`BatchMixup`, used twice by
  :class:`~speechbrain_passt.training.brain.PaSSTBrain`: on waveforms (p 0.5
  per item, Beta(2, 2), zero-mean waves) and on log-mel spectrograms
  (Beta(0.3)). SpecAugment lives in
  :class:`~speechbrain_passt.lobes.features.PaSSTFbank`.

Deliberate differences from the original implementation:

* Waveform mixup partners are drawn from the batch (a random permutation)
  instead of from the whole dataset; each item still mixes with probability
  ``prob`` and a uniformly random partner (possibly itself, as the original
  spectrogram mixup allows).
* Zero-mean centring uses the valid (unpadded) samples of each wave, so
  padding stays zero.

Masked targets (OpenMIC-2018) follow the original's two levels
(``openmic/dataset.py`` ``MixupDataset`` and ``ex_openmic.py``
``training_step`` of kkoutini/PaSST):

* waveform mixup (``union_mask=True``): each mixed item's raw relevances are
  multiplied by its own mask before mixing and the mixed mask is the
  elementwise maximum of both masks; the Brain then binarises the mixed
  relevances (``target_threshold``), so the targets stay 0/1;
* spectrogram mixup (``union_mask=False``, the default): the (0/1) targets
  are mixed as they are and each item keeps its own mask.

Authors
 * speechbrain-passt developers 2026
"""

import torch


def random_gain(wav, max_db=7):
    """Scale a clip by a random integer gain in ``[-max_db, max_db - 1]`` dB.

    Arguments
    ---------
    wav : torch.Tensor
        One waveform ``[samples]`` (or any shape: one gain for all of it).
    max_db : int, optional (default: 7)
        Gain range; 0 disables the augmentation.

    Returns
    -------
    torch.Tensor
        The scaled waveform.

    Example
    -------
    >>> import math
    >>> wav = torch.ones(4)
    >>> gain = random_gain(wav)[0].item()
    >>> round(20 * math.log10(gain)) in range(-7, 7)
    True
    """
    if max_db <= 0:
        return wav
    gain_db = torch.randint(-max_db, max_db, ()).item()
    return wav * 10.0 ** (gain_db / 20.0)


def random_roll(wav, max_shift=50):
    """Roll a clip circularly in time by an integer in ``[-max_shift,
    max_shift]`` samples.

    Arguments
    ---------
    wav : torch.Tensor
        One waveform ``[samples]`` (the last dimension is time).
    max_shift : int, optional (default: 50)
        Largest shift in samples; 0 disables the augmentation.

    Returns
    -------
    torch.Tensor
        The rolled waveform.

    Example
    -------
    >>> wav = torch.arange(200.0)
    >>> rolled = random_roll(wav, max_shift=5)
    >>> shift = int(rolled.argmin())
    >>> shift in set(range(0, 6)) | set(range(195, 200))
    True
    """
    if max_shift <= 0:
        return wav
    shift = torch.randint(-max_shift, max_shift + 1, ()).item()
    return torch.roll(wav, shifts=shift, dims=-1)


class BatchMixup(torch.nn.Module):
    """Per-item mixup within a batch, for waveforms or spectrograms.

    Each item is mixed, with probability ``prob``, with a partner from a
    random permutation of the batch: ``x = lam * x + (1 - lam) * x[perm]``
    with ``lam = max(l, 1 - l)``, ``l ~ Beta(alpha, alpha)`` drawn per item.
    Targets are mixed with the same ``lam``, so each row keeps its label mass
    (a one-hot row still sums to 1). Relative lengths become the longer of
    the two items.

    Arguments
    ---------
    alpha : float
        Beta distribution parameter (2.0 for the original waveform mixup,
        0.3 for its spectrogram mixup).
    prob : float, optional (default: 1.0)
        Probability that an item is mixed (0.5 for waveform mixup).
    center : bool, optional (default: False)
        Make both waveforms zero-mean before mixing and re-centre the result
        (the original waveform mixup). Only for ``[batch, samples]`` input.
    union_mask : bool, optional (default: False)
        With a label mask: mask each mixed item's targets by its own mask
        before mixing and give the mix the union of both masks (the
        original OpenMIC waveform mixup). False: mix the targets as they
        are and keep each item's own mask (its spectrogram mixup).

    Example
    -------
    >>> mixup = BatchMixup(alpha=0.3)
    >>> x = torch.rand(4, 10, 8)
    >>> targets = torch.eye(4)
    >>> x, lens, targets, _ = mixup(x, torch.ones(4), targets)
    >>> x.shape, targets.sum(dim=1)
    (torch.Size([4, 10, 8]), tensor([1., 1., 1., 1.]))
    """

    def __init__(self, alpha, prob=1.0, center=False, union_mask=False):
        super().__init__()
        if alpha <= 0:
            raise ValueError(f"mixup alpha must be > 0, got {alpha}")
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"mixup prob must be in [0, 1], got {prob}")
        self.alpha = float(alpha)
        self.prob = float(prob)
        self.center = center
        self.union_mask = union_mask

    def draw(self, batch_size, device=None):
        """Draw the partner permutation and the per-item weights.

        Arguments
        ---------
        batch_size : int
            Number of items.
        device : torch.device, optional
            Where the results live.

        Returns
        -------
        perm : torch.Tensor
            Partner index of each item ``[batch]``.
        lam : torch.Tensor
            Weight of each item's own signal ``[batch]``, in ``[0.5, 1]``;
            exactly 1 for items that are not mixed.

        Example
        -------
        >>> perm, lam = BatchMixup(alpha=2.0, prob=0.0).draw(3)
        >>> lam
        tensor([1., 1., 1.])
        """
        perm = torch.randperm(batch_size)
        beta = torch.distributions.Beta(self.alpha, self.alpha)
        lam = beta.sample((batch_size,))
        lam = torch.maximum(lam, 1.0 - lam)
        chosen = torch.rand(batch_size) < self.prob
        lam = torch.where(chosen, lam, torch.ones_like(lam))
        return perm.to(device), lam.to(device)

    def forward(self, x, lengths, targets, mask=None):
        """Mix the items of a batch and their targets.

        Arguments
        ---------
        x : torch.Tensor
            Waveforms ``[batch, samples]`` or features ``[batch, time, ...]``.
        lengths : torch.Tensor
            Relative lengths ``[batch]``.
        targets : torch.Tensor
            Float targets ``[batch, classes]`` (one-hot or multi-hot).
        mask : torch.Tensor, optional
            Label mask ``[batch, classes]`` (1 where a label is known).

        Returns
        -------
        x : torch.Tensor
            Mixed input, same shape.
        lengths : torch.Tensor
            Relative lengths of the mixed items.
        targets : torch.Tensor
            Mixed targets.
        mask : torch.Tensor or None
            The mask: of the union of both items where mixed with
            ``union_mask``, else unchanged; None without a mask.
        """
        perm, lam = self.draw(x.shape[0], x.device)
        mixed = lam != 1.0
        if self.center:
            if x.dim() != 2:
                raise ValueError(
                    "BatchMixup(center=True) expects waveforms [batch, "
                    f"samples], got shape {tuple(x.shape)}"
                )
            x = torch.where(mixed[:, None], _centered(x, lengths), x)
        lam_x = lam.view(-1, *([1] * (x.dim() - 1))).to(x.dtype)
        out = lam_x * x + (1.0 - lam_x) * x[perm]
        new_lengths = torch.where(
            mixed, torch.maximum(lengths, lengths[perm]), lengths
        )
        if self.center:
            out = torch.where(mixed[:, None], _centered(out, new_lengths), out)
        lam_t = lam[:, None].to(targets.dtype)
        if mask is not None and self.union_mask:
            own = targets * mask
            mixed_targets = lam_t * own + (1.0 - lam_t) * own[perm]
            # Items left unmixed keep their raw targets and mask.
            targets = torch.where(mixed[:, None], mixed_targets, targets)
            mask = torch.where(
                mixed[:, None], torch.maximum(mask, mask[perm]), mask
            )
        else:
            targets = lam_t * targets + (1.0 - lam_t) * targets[perm]
        return out, new_lengths, targets, mask


def _centered(wavs, lengths):
    """Subtract each wave's mean over its valid samples; padding stays 0."""
    samples = wavs.shape[1]
    valid = (
        torch.arange(samples, device=wavs.device)[None, :]
        < (torch.round(lengths * samples)[:, None])
    )
    valid = valid.to(wavs.dtype)
    mean = (wavs * valid).sum(dim=1, keepdim=True) / valid.sum(
        dim=1, keepdim=True
    ).clamp(min=1.0)
    return (wavs - mean) * valid
