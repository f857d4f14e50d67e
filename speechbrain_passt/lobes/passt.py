"""The PaSST encoder and its classifier head.

PaSST (Koutini et al., "Efficient Training of Audio Transformers with
Patchout", Interspeech 2022, https://arxiv.org/abs/2110.05069) cuts a log-mel
spectrogram into overlapping 16x16 patches, adds separate frequency and time
positional encodings, prepends a classification (C) and a distillation (D)
token and runs pre-norm transformer blocks (timm's ViT ``Block``, which uses
torch's scaled dot-product attention). In training, Patchout drops whole time
columns and frequency rows of the patch grid (structured) and/or single
patches (unstructured); the clip embedding is the mean of the C and D token
outputs. Parameter names equal the original checkpoints' names.

In eval mode the encoder equals the original implementation to float
tolerance. Deliberate differences from the original implementation:

* Patchout is drawn per item (the original draws one set of kept rows,
  columns and patches for the whole batch). Each item sees the same
  distribution; the batch sees more variety. Kept patches keep their order.
* In training, the crop of the time encoding for a short input starts at a
  random offset drawn per item (the original draws one per batch).
* An input longer than the time encoding is a ``ValueError`` (the original
  crops it silently, or fails with a shape error in the hear21passt copy).
* Optional relative ``lengths`` mask the patches of padded frames out of the
  attention, so a padded item gives the same embedding as the item alone.
* No prints and no warnings (the original prints shapes on the first call and
  warns on every 1000-frame input).

Authors
 * speechbrain-passt developers 2026
"""

from functools import partial

import torch
from timm.layers import trunc_normal_
from timm.models.vision_transformer import Block

from speechbrain_passt.lobes.head import PaSSTHead, init_vit_layer
from speechbrain_passt.lobes.patches import PatchEmbed, patchout_positions

__all__ = ["PaSST", "PaSSTHead", "PatchEmbed"]


class PaSST(torch.nn.Module):
    """The PaSST encoder: spectrogram to clip embedding.

    Arguments
    ---------
    n_mels : int, optional (default: 128)
        Number of mel bins of the input.
    max_frames : int, optional (default: 998)
        Frames the time encoding is sized for; it has
        ``max_frames // tstride`` positions (99 for the released 10 s
        models, which accept inputs up to 1000 frames).
    patch_size : int, optional (default: 16)
        Side of the square patches.
    fstride : int, optional (default: 10)
        Patch stride along frequency (16: no overlap, the paper's -N models).
    tstride : int, optional (default: 10)
        Patch stride along time.
    in_channels : int, optional (default: 1)
        Input channels.
    embed_dim : int, optional (default: 768)
        Token width.
    depth : int, optional (default: 12)
        Number of transformer blocks.
    num_heads : int, optional (default: 12)
        Attention heads per block.
    mlp_ratio : float, optional (default: 4.0)
        Hidden width of the MLP relative to ``embed_dim``.
    qkv_bias : bool, optional (default: True)
        Bias in the query/key/value projection.
    drop_rate : float, optional (default: 0.0)
        Dropout after the positional encodings, in the MLP and after the
        attention projection.
    attn_drop_rate : float, optional (default: 0.0)
        Dropout on the attention weights.
    drop_path_rate : float, optional (default: 0.0)
        Stochastic depth, rising linearly from 0 to this over the blocks.
    s_patchout_t : int, optional (default: 0)
        Structured Patchout: time columns of the patch grid dropped per item
        in training.
    s_patchout_f : int, optional (default: 0)
        Structured Patchout: frequency rows dropped per item in training.
    u_patchout : int, optional (default: 0)
        Unstructured Patchout: patches dropped per item in training, after
        the structured Patchout.

    Example
    -------
    >>> encoder = PaSST(embed_dim=64, depth=2, num_heads=4, s_patchout_t=3)
    >>> x = torch.rand(2, 300, 128)
    >>> encoder(x).shape
    torch.Size([2, 1, 64])
    >>> encoder.grid_size
    (12, 99)
    """

    def __init__(
        self,
        n_mels=128,
        max_frames=998,
        patch_size=16,
        fstride=10,
        tstride=10,
        in_channels=1,
        embed_dim=768,
        depth=12,
        num_heads=12,
        mlp_ratio=4.0,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.0,
        s_patchout_t=0,
        s_patchout_f=0,
        u_patchout=0,
    ):
        super().__init__()
        for name, value in (
            ("s_patchout_t", s_patchout_t),
            ("s_patchout_f", s_patchout_f),
            ("u_patchout", u_patchout),
        ):
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if (n_mels - patch_size) // fstride + 1 != n_mels // fstride:
            # The original sizes the frequency encoding n_mels // fstride.
            raise ValueError(
                f"n_mels={n_mels} with fstride={fstride} gives "
                f"{(n_mels - patch_size) // fstride + 1} frequency patches "
                f"but a frequency encoding of {n_mels // fstride}"
            )
        if max_frames < patch_size:
            raise ValueError(
                f"max_frames={max_frames} is shorter than one patch "
                f"({patch_size} frames)"
            )
        self.n_mels = n_mels
        self.max_frames = max_frames
        self.patch_size = patch_size
        self.fstride = fstride
        self.tstride = tstride
        self.embed_dim = embed_dim
        self.s_patchout_t = s_patchout_t
        self.s_patchout_f = s_patchout_f
        self.u_patchout = u_patchout
        self.grid_size = (n_mels // fstride, max_frames // tstride)
        n_freq, n_time = self.grid_size

        # Registration order follows the original checkpoints.
        self.cls_token = torch.nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.dist_token = torch.nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.new_pos_embed = torch.nn.Parameter(torch.zeros(1, 2, embed_dim))
        self.freq_new_pos_embed = torch.nn.Parameter(
            torch.zeros(1, embed_dim, n_freq, 1)
        )
        self.time_new_pos_embed = torch.nn.Parameter(
            torch.zeros(1, embed_dim, 1, n_time)
        )
        self.patch_embed = PatchEmbed(
            patch_size, fstride, tstride, in_channels, embed_dim
        )
        self.pos_drop = torch.nn.Dropout(drop_rate)
        drop_paths = [
            drop_path_rate * i / max(depth - 1, 1) for i in range(depth)
        ]
        self.blocks = torch.nn.Sequential(
            *(
                Block(
                    dim=embed_dim,
                    num_heads=num_heads,
                    mlp_ratio=mlp_ratio,
                    qkv_bias=qkv_bias,
                    proj_drop=drop_rate,
                    attn_drop=attn_drop_rate,
                    drop_path=drop_path,
                    norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
                    act_layer=torch.nn.GELU,
                )
                for drop_path in drop_paths
            )
        )
        self.norm = torch.nn.LayerNorm(embed_dim, eps=1e-6)
        self.reset_parameters()

    def reset_parameters(self):
        """Initialise as the original: truncated normal (std 0.02) for the
        tokens, positional encodings and Linear weights, zero biases, unit
        LayerNorms; the patch convolution keeps PyTorch's default."""
        for param in (
            self.cls_token,
            self.dist_token,
            self.new_pos_embed,
            self.freq_new_pos_embed,
            self.time_new_pos_embed,
        ):
            trunc_normal_(param, std=0.02)
        for module in self.blocks.modules():
            init_vit_layer(module)
        init_vit_layer(self.norm)

    @property
    def num_time_positions(self):
        """Number of time positions of the time encoding."""
        return self.time_new_pos_embed.shape[-1]

    def max_input_frames(self):
        """Longest input, in frames, whose patches fit the time encoding.

        Returns
        -------
        int
            ``(time positions - 1) * tstride + patch_size + tstride - 1``.

        Example
        -------
        >>> PaSST(embed_dim=32, depth=1, num_heads=2).max_input_frames()
        1005
        """
        last_start = (self.num_time_positions - 1) * self.tstride
        return last_start + self.patch_size + self.tstride - 1

    def forward(self, x, lengths=None):
        """Encode spectrograms into clip embeddings.

        Arguments
        ---------
        x : torch.Tensor
            Log-mel spectrograms ``[batch, frames, n_mels]``.
        lengths : torch.Tensor, optional
            Relative lengths ``[batch]`` in (0, 1]; patches that cover padded
            frames are left out of the attention.

        Returns
        -------
        torch.Tensor
            Clip embeddings ``[batch, 1, embed_dim]``: the mean of the C and D
            token outputs.
        """
        tokens, _ = self.encode_tokens(x, lengths)
        return tokens[:, :2].mean(dim=1, keepdim=True)

    def forward_frames(self, x, lengths=None):
        """Encode spectrograms into clip embeddings and one embedding per
        time column of the patch grid.

        Arguments
        ---------
        x : torch.Tensor
            Log-mel spectrograms ``[batch, frames, n_mels]``.
        lengths : torch.Tensor, optional
            Relative lengths ``[batch]`` in (0, 1]; patches that cover padded
            frames are left out of the attention.

        Returns
        -------
        embeddings : torch.Tensor
            Clip embeddings ``[batch, 1, embed_dim]``, as :meth:`forward`.
        frames : torch.Tensor
            ``[batch, time_patches, embed_dim]``: the mean over the frequency
            rows of each time column of the patch grid. Column ``t`` covers
            frames ``t * tstride`` to ``t * tstride + patch_size - 1``
            (centres: :meth:`column_centres`).
        columns : torch.Tensor
            ``[batch]`` (long) columns of each item that cover its own
            frames (the later ones cover padding only).

        Raises
        ------
        ValueError
            In training with Patchout, which leaves holes in the grid.

        Example
        -------
        >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2).eval()
        >>> x = torch.rand(2, 100, 128)
        >>> clip, frames, columns = encoder.forward_frames(
        ...     x, torch.tensor([1.0, 0.5])
        ... )
        >>> clip.shape, frames.shape, columns.tolist()
        (torch.Size([2, 1, 32]), torch.Size([2, 9, 32]), [9, 4])
        """
        tokens, positions = self.encode_tokens(x, lengths)
        batch, frames = x.shape[0], x.shape[1]
        n_freq = self.grid_size[0]
        n_time = (frames - self.patch_size) // self.tstride + 1
        if positions.shape[1] != n_freq * n_time:
            raise ValueError(
                "forward_frames needs the whole patch grid: call it in eval "
                "mode or without Patchout"
            )
        # Patch tokens are in frequency-major order: [F * T] -> [F, T].
        grid = tokens[:, 2:].reshape(batch, n_freq, n_time, -1)
        if lengths is None:
            columns = torch.full((batch,), n_time, device=x.device)
        else:
            columns = self._valid_columns(lengths, frames).to(x.device)
        embeddings = tokens[:, :2].mean(dim=1, keepdim=True)
        return embeddings, grid.mean(dim=1), columns

    def column_centres(self, count):
        """Centre of each of the first ``count`` time columns of the patch
        grid, in frames.

        Arguments
        ---------
        count : int
            Number of columns.

        Returns
        -------
        torch.Tensor
            ``[count]`` float64: ``t * tstride + patch_size / 2``.

        Example
        -------
        >>> PaSST(embed_dim=32, depth=1, num_heads=2).column_centres(3)
        tensor([ 8., 18., 28.], dtype=torch.float64)
        """
        first_frames = torch.arange(count, dtype=torch.float64) * self.tstride
        return first_frames + self.patch_size / 2

    def encode_tokens(self, x, lengths=None):
        """Run the encoder and return every output token.

        Arguments
        ---------
        x : torch.Tensor
            Log-mel spectrograms ``[batch, frames, n_mels]``.
        lengths : torch.Tensor, optional
            Relative lengths ``[batch]`` in (0, 1].

        Returns
        -------
        tokens : torch.Tensor
            ``[batch, 2 + patches, embed_dim]`` after the final norm: C, D,
            then the kept patches in frequency-major order.
        positions : torch.Tensor
            ``[batch, patches]`` index ``f * time_patches + t`` of each patch
            token in the (frequency, time) patch grid.

        Example
        -------
        >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2).eval()
        >>> tokens, positions = encoder.encode_tokens(torch.rand(1, 100, 128))
        >>> tokens.shape, positions.shape
        (torch.Size([1, 110, 32]), torch.Size([1, 108]))
        """
        batch, frames = self._check_input(x)
        grid = self.patch_embed(x.transpose(1, 2).unsqueeze(1))
        n_freq, n_time = grid.shape[2], grid.shape[3]
        grid = grid + self._time_encoding(batch, n_time)
        grid = grid + self.freq_new_pos_embed
        patches = grid.flatten(2).transpose(1, 2)  # [batch, F * T, embed_dim]

        drops = (self.s_patchout_t, self.s_patchout_f, self.u_patchout)
        positions = None
        if self.training and any(drops):
            positions = patchout_positions(
                batch, n_freq, n_time, *drops, x.device
            )
        if positions is None:
            positions = torch.arange(n_freq * n_time, device=x.device)
            positions = positions.expand(batch, -1)
        else:
            index = positions.unsqueeze(-1).expand(-1, -1, patches.shape[-1])
            patches = torch.gather(patches, 1, index)

        attn_mask = None
        if lengths is not None:
            attn_mask = self._padding_mask(lengths, frames, positions, n_time)

        cls = self.cls_token + self.new_pos_embed[:, :1]
        dist = self.dist_token + self.new_pos_embed[:, 1:]
        tokens = torch.cat(
            (cls.expand(batch, -1, -1), dist.expand(batch, -1, -1), patches),
            dim=1,
        )
        tokens = self.pos_drop(tokens)
        for block in self.blocks:
            tokens = block(tokens, attn_mask=attn_mask)
        return self.norm(tokens), positions

    def _check_input(self, x):
        if x.dim() != 3:
            raise ValueError(
                "PaSST expects spectrograms [batch, frames, n_mels], got "
                f"shape {tuple(x.shape)}"
            )
        batch, frames, n_mels = x.shape
        if n_mels != self.n_mels:
            raise ValueError(
                f"PaSST was built for n_mels={self.n_mels}, got input with "
                f"{n_mels} mel bins"
            )
        if frames < self.patch_size:
            raise ValueError(
                f"input has {frames} frames; PaSST needs at least one patch "
                f"({self.patch_size} frames)"
            )
        if frames > self.max_input_frames():
            n_time = (frames - self.patch_size) // self.tstride + 1
            raise ValueError(
                f"input has {frames} frames ({n_time} time patches) but the "
                f"time encoding has {self.num_time_positions} positions (at "
                f"most {self.max_input_frames()} frames); cut the input into "
                "windows or use a model with a longer time encoding"
            )
        return batch, frames

    def _time_encoding(self, batch, n_time):
        """The time encoding cropped to ``n_time`` columns."""
        available = self.num_time_positions - n_time
        if not self.training or available == 0:
            return self.time_new_pos_embed[..., :n_time]
        device = self.time_new_pos_embed.device
        offsets = torch.randint(available + 1, (batch, 1), device=device)
        columns = offsets + torch.arange(n_time, device=device)
        table = self.time_new_pos_embed[0, :, 0]  # [embed_dim, positions]
        return table[:, columns].permute(1, 0, 2).unsqueeze(2)

    def _padding_mask(self, lengths, frames, positions, n_time):
        """Attention mask [batch, 1, 1, tokens]: False for padded patches."""
        valid_cols = self._valid_columns(lengths, frames).to(positions.device)
        if bool((valid_cols >= n_time).all()):
            return None
        valid = (positions % n_time) < valid_cols.unsqueeze(1)
        tokens = torch.cat((valid.new_ones(valid.shape[0], 2), valid), dim=1)
        return tokens[:, None, None, :]

    def _valid_columns(self, lengths, frames):
        """Time columns ``[batch]`` that cover each item's own frames."""
        valid_frames = torch.round(lengths.float() * frames).long()
        valid_cols = (valid_frames - self.patch_size) // self.tstride + 1
        return valid_cols.clamp(min=1)
