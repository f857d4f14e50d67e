"""Learning-rate schedule of PaSST: exponential warm-up, then linear decay
to a floor.

The factor multiplying the peak learning rate after ``e`` completed epochs
(``e = 0`` for the first epoch) is ``warmup(e) * decay(e)`` with

* ``warmup(e) = exp(-5 (1 - c / W)^2)``, ``c = clip(e, 0.5, W)``, for
  ``e < W``; 1 afterwards (``W = warmup_epochs``);
* ``decay(e) = 1`` for ``e <= S``; ``f + (1 - f) (L - e + S) / L`` for
  ``S < e < S + L``; ``f`` afterwards (``S = decay_start``,
  ``L = decay_epochs``, ``f = floor``).

The original steps it once per epoch (a ``LambdaLR`` with Lightning's
default interval); :class:`~speechbrain_passt.training.brain.PaSSTBrain`
does the same, at the start of each training epoch. SpeechBrain counts
epochs from 1, so epoch ``n`` uses ``e = n - 1``.

Authors
 * speechbrain-passt developers 2026
"""

import math


def exp_warmup_linear_decay(
    epoch, warmup_epochs=5, decay_start=50, decay_epochs=50, floor=0.01
):
    """Learning-rate factor after ``epoch`` completed epochs.

    Arguments
    ---------
    epoch : int
        Completed epochs (0 for the first epoch).
    warmup_epochs : int, optional (default: 5)
        Length of the exponential warm-up; 0 disables it.
    decay_start : int, optional (default: 50)
        Last epoch at the full learning rate.
    decay_epochs : int, optional (default: 50)
        Length of the linear decay; 0 disables it.
    floor : float, optional (default: 0.01)
        Final factor.

    Returns
    -------
    float
        The factor.

    Example
    -------
    >>> round(exp_warmup_linear_decay(0), 4)
    0.0174
    >>> exp_warmup_linear_decay(10), exp_warmup_linear_decay(200)
    (1.0, 0.01)
    """
    warmup = 1.0
    if warmup_epochs > 0 and epoch < warmup_epochs:
        progress = min(max(epoch, 0.5), warmup_epochs) / warmup_epochs
        warmup = math.exp(-5.0 * (1.0 - progress) ** 2)
    decay = 1.0
    if decay_epochs > 0 and epoch > decay_start:
        if epoch < decay_start + decay_epochs:
            remaining = (decay_epochs - epoch + decay_start) / decay_epochs
            decay = floor + (1.0 - floor) * remaining
        else:
            decay = floor
    return warmup * decay


class ExpWarmupLinearDecay:
    """Per-epoch learning-rate factor for SpeechBrain's 1-based epochs.

    Arguments
    ---------
    warmup_epochs : int, optional (default: 5)
        Length of the exponential warm-up.
    decay_start : int, optional (default: 50)
        Last (0-based) epoch at the full learning rate.
    decay_epochs : int, optional (default: 50)
        Length of the linear decay.
    floor : float, optional (default: 0.01)
        Final factor.

    Example
    -------
    >>> schedule = ExpWarmupLinearDecay(warmup_epochs=5)
    >>> round(schedule(1), 4), schedule(6)
    (0.0174, 1.0)
    """

    def __init__(
        self, warmup_epochs=5, decay_start=50, decay_epochs=50, floor=0.01
    ):
        if warmup_epochs < 0 or decay_start < 0 or decay_epochs < 0:
            raise ValueError(
                "warmup_epochs, decay_start and decay_epochs must be >= 0"
            )
        if not 0.0 <= floor <= 1.0:
            raise ValueError(f"floor must be in [0, 1], got {floor}")
        self.warmup_epochs = warmup_epochs
        self.decay_start = decay_start
        self.decay_epochs = decay_epochs
        self.floor = floor

    def __call__(self, epoch):
        """Factor for SpeechBrain epoch ``epoch`` (1-based).

        Arguments
        ---------
        epoch : int
            The epoch about to be trained, from 1.

        Returns
        -------
        float
            Learning-rate factor.
        """
        return exp_warmup_linear_decay(
            epoch - 1,
            self.warmup_epochs,
            self.decay_start,
            self.decay_epochs,
            self.floor,
        )
