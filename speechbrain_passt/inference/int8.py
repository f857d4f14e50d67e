"""int8 Linear layers for inference: int8 weights, inputs quantised on the fly.

Weights are symmetric int8 with one scale per output channel. Two kernels
compute the product:

* **x86 CPUs** (oneDNN): ``torch.ops.onednn.qlinear_prepack`` and
  ``torch.ops.onednn.qlinear_pointwise``, the operators that torch's x86
  quantisation backend (PT2E ``X86InductorQuantizer`` with inductor) lowers
  int8 Linear layers to. The input is quantised to uint8 with one scale and
  zero point per clip (per tensor over the clip's tokens, asymmetric, as
  ONNX Runtime's and ``torch.ao``'s dynamic quantisation do per call), the
  weights are packed once for the VNNI/AMX kernels, and the output is
  rescaled to float32 in the product's epilogue together with the bias and,
  for an MLP's first layer, the GELU (:func:`to_int8` fuses it). No int32
  intermediate is written, which halves the memory traffic of the earlier
  ``torch._int_mm`` path on this machine's wide layers.
* **elsewhere** (CUDA, other CPUs): ``torch._int_mm`` (cuBLAS int8, oneDNN)
  with symmetric int8 inputs, one scale per token.

Either way a clip's result does not depend on the other clips in its batch.
``torch._int_mm`` and the oneDNN operators exist, with the same signatures,
on every supported torch (2.7 to 2.14); ``torch.ao.quantization``'s
``quantize_dynamic`` is deprecated, and torchao's eager int8 path was no
faster than fp32 here.

Authors
 * speechbrain-passt developers 2026
"""

import copy
import functools
import platform

import torch
from timm.layers import Mlp

# Largest symmetric int8 value (weights, and inputs on the _int_mm path).
_QMAX = 127.0
# Rows per int8 product on the _int_mm path in eager CPU mode.
ROW_BLOCK = 512
ACTIVATIONS = (None, "gelu")


@functools.lru_cache(maxsize=1)
def onednn_int8_available():
    """Whether this torch has oneDNN's int8 Linear for an x86 CPU.

    Returns
    -------
    bool
        True on x86-64 builds with oneDNN (``torch.backends.mkldnn``).

    Example
    -------
    >>> isinstance(onednn_int8_available(), bool)
    True
    """
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    if not torch.backends.mkldnn.is_available():
        return False
    try:
        return hasattr(torch.ops.onednn, "qlinear_pointwise")
    except (AttributeError, RuntimeError):
        return False


def uses_onednn_int8(device):
    """Whether int8 layers on ``device`` run oneDNN's kernels eagerly.

    There, the classifier runs one window per encoder pass: one input
    scale per clip needs one product per clip anyway, and a 10 s clip's
    largest layer output (1190 tokens x 3072 float32, 15 MB) stays in the
    cache where a batch of 8 does not (PaSST-S on this project's 2-core
    EPYC: 0.66 s per clip one at a time, 0.78 s in batches of 8). The
    passes of a batch run side by side, one per core
    (:func:`~speechbrain_passt.inference.core_parallel.map_on_cores`).
    The encoder is not compiled: ``torch.compile`` can only break its
    graph at each oneDNN layer, and recompiles per block (slower than
    eager here).

    Arguments
    ---------
    device : torch.device or str
        Where the model runs.

    Returns
    -------
    bool
        True on an x86 CPU with oneDNN.

    Example
    -------
    >>> uses_onednn_int8("cpu") == onednn_int8_available()
    True
    """
    return torch.device(device).type == "cpu" and onednn_int8_available()


class Int8Linear(torch.nn.Module):
    """A Linear layer (optionally followed by GELU) with int8 weights.

    Arguments
    ---------
    linear : torch.nn.Linear
        The layer to quantise (left unchanged).
    activation : str, optional
        ``"gelu"`` (exact, erf form, as ``torch.nn.GELU()``) applied to the
        output; fused into the product on the oneDNN path. Default: none.

    Raises
    ------
    ValueError
        An activation other than ``None`` or ``"gelu"``.

    Example
    -------
    >>> linear = torch.nn.Linear(64, 32)
    >>> x = torch.randn(3, 5, 64)
    >>> y = Int8Linear(linear)(x)
    >>> y.shape, bool((y - linear(x)).abs().max() < 0.05)
    (torch.Size([3, 5, 32]), True)
    >>> gelu = Int8Linear(linear, activation="gelu")(x)
    >>> bool((gelu - torch.nn.functional.gelu(linear(x))).abs().max() < 0.05)
    True
    """

    def __init__(self, linear, activation=None):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be None or 'gelu'; got {activation!r}"
            )
        weight = linear.weight.detach().float()
        scale = weight.abs().amax(1).clamp_min(1e-12) / _QMAX
        self.register_buffer(
            "weight",
            torch.round(weight / scale[:, None]).to(torch.int8).contiguous(),
        )
        self.register_buffer("weight_scale", scale.contiguous())
        bias = linear.bias
        self.register_buffer(
            "bias", None if bias is None else bias.detach().float().clone()
        )
        self.in_features = linear.in_features
        self.out_features = linear.out_features
        self.activation = activation
        self._packed = None  # oneDNN's packed weights, made on first use

    def extra_repr(self):
        """The sizes and the fused activation."""
        return (
            f"in_features={self.in_features}, "
            f"out_features={self.out_features}, activation={self.activation}"
        )

    def __getstate__(self):
        # Packed oneDNN tensors cannot be copied or pickled: made again.
        state = self.__dict__.copy()
        state["_packed"] = None
        return state

    def _apply(self, fn, *args, **kwargs):
        self._packed = None  # the weights may move or change
        return super()._apply(fn, *args, **kwargs)

    def forward(self, x):
        """Apply the layer.

        Arguments
        ---------
        x : torch.Tensor
            ``[..., in_features]``; with three or more dimensions the first
            one indexes clips (one input scale each on the oneDNN path).

        Returns
        -------
        torch.Tensor
            ``[..., out_features]``, in ``x``'s dtype.
        """
        if x.dim() >= 3 and uses_onednn_int8(x.device):
            clips = x.reshape(x.shape[0], -1, self.in_features)
            out = self._onednn(clips.float())
        else:
            out = self._int_mm(x.reshape(-1, self.in_features))
            if self.activation == "gelu":
                out = torch.nn.functional.gelu(out)
        return out.reshape(*x.shape[:-1], self.out_features).to(x.dtype)

    @torch.compiler.disable
    def _onednn(self, clips):
        """``[clips, rows, in]`` float32 -> ``[clips, rows, out]`` float32
        (opaque to torch.compile: packed weights and per-clip scales)."""
        if self._packed is None:
            self._packed = torch.ops.onednn.qlinear_prepack(self.weight, None)
        post_op = "none" if self.activation is None else self.activation
        algorithm = "none" if self.activation == "gelu" else ""
        outs = []
        for clip in clips:
            low, high = (v.item() for v in torch.aminmax(clip))
            low, high = min(low, 0.0), max(high, 0.0)
            scale = (high - low) / 255.0 or 1.0
            zero_point = min(max(round(-low / scale), 0), 255)
            q = torch.quantize_per_tensor(clip, scale, zero_point, torch.quint8)
            # Arguments: the uint8 input, its scale and zero point; the packed
            # weights, their scales and zero points (none: symmetric); the
            # bias; the output's scale and zero point (unused for a float
            # output) and dtype; the post-op, its arguments and algorithm
            # ("none": the exact, erf GELU).
            outs.append(
                torch.ops.onednn.qlinear_pointwise(
                    uint8_view(q),
                    scale,
                    zero_point,
                    self._packed,
                    self.weight_scale,
                    None,
                    self.bias,
                    1.0,
                    0,
                    torch.float32,
                    post_op,
                    [],
                    algorithm,
                )
            )
        return outs[0].unsqueeze(0) if len(outs) == 1 else torch.stack(outs)

    def _int_mm(self, rows):
        """``[n, in]`` -> ``[n, out]`` float32 with ``torch._int_mm``."""
        count = rows.shape[0]
        out = torch.empty(
            count, self.out_features, dtype=torch.float32, device=rows.device
        )
        # Eager on the CPU: blocks of rows, so that the quantisation's
        # temporaries stay in the cache (fresh 100 MB buffers per layer cost
        # more page faults than the int8 product saves). One block on CUDA
        # and under torch.compile, which fuses these steps itself.
        step = count
        if not rows.is_cuda and not torch.compiler.is_compiling():
            step = ROW_BLOCK
        for start in range(0, count, step):
            self._rows(rows[start : start + step], out[start : start + step])
        return out

    def _rows(self, rows, out):
        """``out = rows @ weight.T + bias`` for ``[n, in]`` float rows."""
        rows = rows.float()
        scale = rows.abs().amax(1, keepdim=True).clamp_min_(1e-12) / _QMAX
        q = torch.div(rows, scale).round_().clamp_(-_QMAX, _QMAX)
        q = q.to(torch.int8)
        count = q.shape[0]
        if q.is_cuda and count <= 16:  # cuBLAS int8 needs more than 16 rows
            q = torch.nn.functional.pad(q, (0, 0, 0, 17 - count))
        product = torch._int_mm(q, self.weight.t())[:count]
        torch.mul(product, scale, out=out)
        out.mul_(self.weight_scale)
        if self.bias is not None:
            out.add_(self.bias)


def uint8_view(quantized):
    """The uint8 values of a quint8 tensor, without a copy.

    A quint8 tensor stores its values as uint8; ``int_repr()`` copies them
    (1 ms for one clip's 1190 x 3072 MLP activations here, 3% of int8
    PaSST-S's time), this views the same storage as a plain uint8 tensor.

    Arguments
    ---------
    quantized : torch.Tensor
        A quint8 tensor.

    Returns
    -------
    torch.Tensor
        Its values, uint8, sharing its storage.

    Example
    -------
    >>> q = torch.quantize_per_tensor(torch.rand(3, 4), 0.01, 0, torch.quint8)
    >>> torch.equal(uint8_view(q), q.int_repr())
    True
    """
    return torch.empty(0, dtype=torch.uint8, device=quantized.device).set_(
        quantized.untyped_storage(),
        quantized.storage_offset(),
        quantized.shape,
        quantized.stride(),
    )


def to_int8(module):
    """A copy of ``module`` with its Linear layers as :class:`Int8Linear`.

    An MLP's GELU (``fc1 -> act -> fc2`` with ``act`` an exact
    ``torch.nn.GELU``, in timm's ``Mlp``) moves into its first layer,
    where the oneDNN kernel applies it in the product's epilogue. Layers
    whose sizes are not multiples of 8 (a classifier's label count) stay in
    float: int8 kernels need such sizes, and they are a negligible share of
    the compute.

    Arguments
    ---------
    module : torch.nn.Module
        A module on the CPU or CUDA (left unchanged).

    Returns
    -------
    torch.nn.Module
        The int8 copy.

    Example
    -------
    >>> net = torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.Linear(8, 3))
    >>> [type(layer).__name__ for layer in to_int8(net)]
    ['Int8Linear', 'Linear']
    """
    module = copy.deepcopy(module)
    if isinstance(module, torch.nn.Linear):
        return Int8Linear(module) if _fits(module) else module
    for mlp in list(module.modules()):
        if _fusable_mlp(mlp):
            mlp.fc1 = Int8Linear(mlp.fc1, activation="gelu")
            mlp.act = torch.nn.Identity()
    for name, child in list(module.named_modules()):
        if isinstance(child, torch.nn.Linear) and _fits(child):
            parent_name, _, attr = name.rpartition(".")
            parent = module.get_submodule(parent_name)
            setattr(parent, attr, Int8Linear(child))
    return module


def _fits(linear):
    """Whether a Linear layer's sizes suit int8 kernels (multiples of 8)."""
    return linear.in_features % 8 == 0 and linear.out_features % 8 == 0


def _fusable_mlp(module):
    """Whether ``module`` is a timm MLP whose exact GELU can move into fc1
    (its forward applies ``act`` right after ``fc1``)."""
    return (
        isinstance(module, Mlp)
        and isinstance(module.fc1, torch.nn.Linear)
        and _fits(module.fc1)
        and type(module.act) is torch.nn.GELU
        and module.act.approximate == "none"
    )
