"""The PaSST classifier head: LayerNorm + Linear on the clip embedding.

Authors
 * speechbrain-passt developers 2026
"""

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

    Example
    -------
    >>> head = PaSSTHead(64, 10)
    >>> head(torch.rand(2, 1, 64)).shape
    torch.Size([2, 1, 10])
    """

    def __init__(self, embed_dim=768, num_classes=527):
        super().__init__()
        self.norm = torch.nn.LayerNorm(embed_dim, eps=1e-5)
        self.linear = torch.nn.Linear(embed_dim, num_classes)
        self.reset_classifier()

    @property
    def num_classes(self):
        """Number of output classes."""
        return self.linear.out_features

    def reset_classifier(self):
        """Re-initialise the Linear layer as the original (truncated normal,
        std 0.02, zero bias); the LayerNorm is kept."""
        init_vit_layer(self.linear)

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
