"""The PaSST classifier head: LayerNorm + Linear on the clip embedding.

Authors
 * speechbrain-passt developers 2026
"""

import math

import torch
from timm.layers import trunc_normal_


class PaSSTHead(torch.nn.Module):
    """Classifier head of PaSST: LayerNorm (eps 1e-5) then Linear.

    Arguments
    ---------
    embed_dim : int, optional (default: 768)
        Width of the clip embedding.
    num_classes : int, optional (default: 527)
        Number of output classes.
    prior : float, optional
        Initial probability of every class: the Linear's bias starts at
        ``log(prior / (1 - prior))`` (the prior initialisation of Lin et
        al., "Focal Loss for Dense Object Detection", 2017, Sec. 4.1). For
        training a many-class sigmoid head from scratch, so the first epochs
        are not spent pushing every unused output down. None (default):
        zero bias, as the original.

    Example
    -------
    >>> head = PaSSTHead(64, 10)
    >>> head(torch.rand(2, 1, 64)).shape
    torch.Size([2, 1, 10])
    >>> PaSSTHead(8, 3, prior=0.5).linear.bias.tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(self, embed_dim=768, num_classes=527, prior=None):
        super().__init__()
        if prior is not None and not 0.0 < prior < 1.0:
            raise ValueError(f"prior must be in (0, 1), got {prior}")
        self.prior = prior
        self.norm = torch.nn.LayerNorm(embed_dim, eps=1e-5)
        self.linear = torch.nn.Linear(embed_dim, num_classes)
        self.reset_classifier()

    @property
    def num_classes(self):
        """Number of output classes."""
        return self.linear.out_features

    def reset_classifier(self):
        """Re-initialise the Linear layer as the original (truncated normal,
        std 0.02, zero bias, or the ``prior`` bias); the LayerNorm is kept."""
        init_vit_layer(self.linear)
        if self.prior is not None:
            with torch.no_grad():
                self.linear.bias.fill_(math.log(self.prior / (1 - self.prior)))

    def forward(self, x):
        """Map clip embeddings to logits.

        Arguments
        ---------
        x : torch.Tensor
            Clip embeddings ``[batch, 1, embed_dim]``.

        Returns
        -------
        torch.Tensor
            Logits ``[batch, 1, num_classes]``.
        """
        return self.linear(self.norm(x))


def init_vit_layer(module):
    """Initialise a Linear or LayerNorm as timm's ViT does (truncated
    normal weights with std 0.02 and zero bias; unit LayerNorm).

    Arguments
    ---------
    module : torch.nn.Module
        Any module; only Linear and LayerNorm are changed.

    Example
    -------
    >>> layer = torch.nn.Linear(4, 2)
    >>> init_vit_layer(layer)
    >>> layer.bias.tolist()
    [0.0, 0.0]
    """
    if isinstance(module, torch.nn.Linear):
        trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            torch.nn.init.zeros_(module.bias)
    elif isinstance(module, torch.nn.LayerNorm):
        torch.nn.init.ones_(module.weight)
        torch.nn.init.zeros_(module.bias)
