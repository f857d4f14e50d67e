"""Stochastic weight averaging (SWA) of the encoder and head.

An equal running mean (``torch.optim.swa_utils.AveragedModel``) of the
weights at the end of training epochs ``start_epoch``, ``start_epoch +
frequency``, ... It is an ``nn.Module``, so a SpeechBrain ``Checkpointer``
saves and recovers it like any module.

Deliberate difference from the original implementation: the original
updates the average at the start of each epoch from ``start_epoch`` on
(with the weights of the epoch before), so its average lags one epoch and
never holds the final epoch's weights. Here the weights enter at the end of
the epoch that produced them; ``start_epoch`` counts SpeechBrain's 1-based
epochs. As in the original, the learning rate is not changed by SWA.

Authors
 * speechbrain-passt developers 2026
"""

import torch
from torch.optim.swa_utils import AveragedModel


class StochasticWeightAveraging(torch.nn.Module):
    """Keeps the SWA average of a set of modules.

    Arguments
    ---------
    modules : torch.nn.ModuleDict
        The live modules to average (e.g. ``embedding_model`` and
        ``classifier``); they are referenced, not copied, for updates.
    start_epoch : int
        First (1-based) epoch whose final weights enter the average.
    frequency : int, optional (default: 1)
        Epochs between two updates.

    Example
    -------
    >>> live = torch.nn.ModuleDict({"classifier": torch.nn.Linear(2, 2)})
    >>> swa = StochasticWeightAveraging(live, start_epoch=2)
    >>> swa.maybe_update(1), swa.maybe_update(2), swa.maybe_update(3)
    (False, True, True)
    >>> swa.num_averaged
    2
    """

    def __init__(self, modules, start_epoch, frequency=1):
        super().__init__()
        if start_epoch < 1 or frequency < 1:
            raise ValueError(
                "SWA start_epoch and frequency must be >= 1, got "
                f"{start_epoch} and {frequency}"
            )
        self.start_epoch = int(start_epoch)
        self.frequency = int(frequency)
        self.averaged = AveragedModel(modules)
        # A plain attribute (not a submodule), so the live weights are not
        # saved twice in checkpoints.
        self.__dict__["live"] = modules

    @property
    def num_averaged(self):
        """Number of weight snapshots in the average."""
        return int(self.averaged.n_averaged)

    def is_update_epoch(self, epoch):
        """Whether the weights at the end of ``epoch`` enter the average.

        Arguments
        ---------
        epoch : int
            1-based epoch.

        Returns
        -------
        bool
        """
        offset = epoch - self.start_epoch
        return offset >= 0 and offset % self.frequency == 0

    @torch.no_grad()
    def maybe_update(self, epoch):
        """Add the live weights to the average if ``epoch`` is an update
        epoch.

        Arguments
        ---------
        epoch : int
            The (1-based) epoch that just finished training.

        Returns
        -------
        bool
            Whether the average was updated.
        """
        if not self.is_update_epoch(epoch):
            return False
        self.averaged.update_parameters(self.live)
        return True

    def module(self, name):
        """The averaged copy of one of the live modules.

        Arguments
        ---------
        name : str
            Key of the module in ``modules``.

        Returns
        -------
        torch.nn.Module
        """
        return self.averaged.module[name]

    @classmethod
    def of_encoder_and_head(cls, encoder, head, start_epoch, frequency=1):
        """The average of a PaSST encoder and its head, in eval mode.

        Arguments
        ---------
        encoder : torch.nn.Module
            The live encoder (``embedding_model``).
        head : torch.nn.Module
            The live head (``classifier``).
        start_epoch : int
            First (1-based) epoch whose final weights enter the average.
        frequency : int, optional (default: 1)
            Epochs between two updates.

        Returns
        -------
        StochasticWeightAveraging
            With modules ``embedding_model`` and ``classifier``.
        """
        live = torch.nn.ModuleDict(
            {"embedding_model": encoder, "classifier": head}
        )
        return cls(live, start_epoch, frequency).eval()

    def classify(self, feats, lens=None):
        """Logits of the averaged encoder and head.

        Arguments
        ---------
        feats : torch.Tensor
            ``[batch, frames, n_mels]`` log-mel features.
        lens : torch.Tensor, optional
            ``[batch]`` relative lengths.

        Returns
        -------
        torch.Tensor
            ``[batch, classes]``.
        """
        embeddings = self.module("embedding_model")(feats, lens)
        return self.module("classifier")(embeddings).squeeze(1)
