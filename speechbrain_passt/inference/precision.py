"""Inference precision of the encoder and head: fp32, bf16, int8 or auto.

The front-end always runs in fp32, as in training. The encoder and head run
in one of:

* ``"fp32"``: as trained.
* ``"bf16"``: under ``torch.autocast`` with bfloat16 (CPU or CUDA); fast
  where the hardware has native bf16 (AVX512-BF16, AMX, recent GPUs).
* ``"int8"``: every Linear layer (nearly all of PaSST's compute) becomes an
  :class:`Int8Linear`: weights stored in int8 with one scale per output
  channel, activations quantised on the fly with one scale per token, the
  product in ``torch._int_mm`` (oneDNN VNNI/AMX kernels on the CPU, int8
  tensor cores on CUDA). ``torch._int_mm`` is the kernel torchao's
  ``Int8DynamicActivationInt8WeightConfig`` lowers to; it works in eager
  mode on every supported torch (2.7 to 2.14), while
  ``torch.ao.quantization.quantize_dynamic`` is deprecated and torchao's
  eager int8 path is no faster than fp32 on the CPU.
* ``"auto"``: the fastest of the precisions the device supports
  (:func:`supported_precisions`) whose probabilities on a short built-in
  probe stay within 0.02 of fp32 with the same top-5 labels
  (:mod:`~speechbrain_passt.inference.auto_precision`); the choice is
  cached per model and device and logged.

Authors
 * speechbrain-passt developers 2026
"""

import copy
import functools

import torch

PRECISIONS = ("fp32", "bf16", "int8", "auto")
# Largest int8 scale denominator (symmetric, -127..127).
_QMAX = 127.0
# Rows per int8 product in eager CPU mode (see Int8Linear.forward).
ROW_BLOCK = 512


def check_precision(precision, name="precision"):
    """Return ``precision`` if it is one of :data:`PRECISIONS`.

    Arguments
    ---------
    precision : str
        The value to check.
    name : str, optional (default: "precision")
        The argument's name, for the error message.

    Returns
    -------
    str
        ``precision``.

    Raises
    ------
    ValueError
        Any other value; the message names the argument.

    Example
    -------
    >>> check_precision("bf16")
    'bf16'
    >>> check_precision("fp16")
    Traceback (most recent call last):
    ...
    ValueError: precision must be one of fp32, bf16, int8, auto; got 'fp16'
    """
    if precision not in PRECISIONS:
        raise ValueError(
            f"{name} must be one of {', '.join(PRECISIONS)}; got {precision!r}"
        )
    return precision


@functools.lru_cache(maxsize=1)
def cpu_flags():
    """The CPU's feature flags (``/proc/cpuinfo``; empty elsewhere).

    Returns
    -------
    frozenset of str
        E.g. ``{"avx512_bf16", "avx512_vnni", ...}``.

    Example
    -------
    >>> isinstance(cpu_flags(), frozenset)
    True
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def supported_precisions(device):
    """Precisions with native hardware support on ``device``, fp32 first.

    bf16 on a CPU with AVX512-BF16 or AMX-BF16, int8 on a CPU with VNNI
    (AVX512 or AVX) or AMX-INT8; on CUDA, bf16 where the card supports it
    and int8 (tensor cores) from compute capability 7.5 on.

    Arguments
    ---------
    device : torch.device or str
        The model's device.

    Returns
    -------
    list of str
        A subset of ``["fp32", "bf16", "int8"]``.

    Example
    -------
    >>> supported_precisions("cpu")[0]
    'fp32'
    """
    device = torch.device(device)
    found = ["fp32"]
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            found.append("bf16")
        if torch.cuda.get_device_capability(device) >= (7, 5):
            found.append("int8")
        return found
    flags = cpu_flags()
    if flags & {"avx512_bf16", "amx_bf16"}:
        found.append("bf16")
    if flags & {"avx512_vnni", "avx_vnni", "amx_int8"}:
        found.append("int8")
    return found


class Int8Linear(torch.nn.Module):
    """A Linear layer with int8 weights and dynamically quantised inputs.

    Weights: symmetric int8, one scale per output channel. Inputs: symmetric
    int8, one scale per row (token), computed at each call. The int8 product
    accumulates in int32 (``torch._int_mm``) and is rescaled to float32.

    Arguments
    ---------
    linear : torch.nn.Linear
        The layer to quantise (left unchanged).

    Example
    -------
    >>> linear = torch.nn.Linear(64, 32)
    >>> x = torch.randn(3, 5, 64)
    >>> y = Int8Linear(linear)(x)
    >>> y.shape, bool((y - linear(x)).abs().max() < 0.05)
    (torch.Size([3, 5, 32]), True)
    """

    def __init__(self, linear):
        super().__init__()
        weight = linear.weight.detach().float()
        scale = weight.abs().amax(1, keepdim=True).clamp_min(1e-12) / _QMAX
        self.register_buffer(
            "weight", torch.round(weight / scale).to(torch.int8).contiguous()
        )
        self.register_buffer("weight_scale", scale.t().contiguous())
        bias = linear.bias
        self.register_buffer(
            "bias", None if bias is None else bias.detach().float().clone()
        )
        self.in_features = linear.in_features
        self.out_features = linear.out_features

    def forward(self, x):
        """Apply the layer.

        Arguments
        ---------
        x : torch.Tensor
            ``[..., in_features]``.

        Returns
        -------
        torch.Tensor
            ``[..., out_features]``, in ``x``'s dtype.
        """
        rows = x.reshape(-1, self.in_features)
        count = rows.shape[0]
        out = torch.empty(
            count, self.out_features, dtype=torch.float32, device=x.device
        )
        # Eager on the CPU: blocks of rows, so that the quantisation's
        # temporaries stay in the cache and in malloc's heap (a batch of 8
        # PaSST-S clips has 9520 rows: fresh 100 MB buffers per layer cost
        # more page faults than the int8 product saves). One block on CUDA
        # and under torch.compile, which fuses these steps itself.
        step = count
        if not x.is_cuda and not torch.compiler.is_compiling():
            step = ROW_BLOCK
        for start in range(0, count, step):
            self._rows(rows[start : start + step], out[start : start + step])
        return out.reshape(*x.shape[:-1], self.out_features).to(x.dtype)

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


def to_int8(module):
    """A copy of ``module`` with its Linear layers as :class:`Int8Linear`.

    Layers whose sizes are not multiples of 8 (a classifier's label count)
    stay in float: cuBLAS int8 needs such sizes, and they are a negligible
    share of the compute.

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
    for name, child in list(module.named_modules()):
        if isinstance(child, torch.nn.Linear) and _fits(child):
            parent_name, _, attr = name.rpartition(".")
            parent = module.get_submodule(parent_name)
            setattr(parent, attr, Int8Linear(child))
    return module


def _fits(linear):
    """Whether a Linear layer's sizes suit int8 kernels (multiples of 8)."""
    return linear.in_features % 8 == 0 and linear.out_features % 8 == 0


def compile_eval(module):
    """``torch.compile`` a module for inference (inductor, with freezing).

    Freezing folds the (frozen) weights into the graph as constants, which
    lets inductor pre-pack them for oneDNN on the CPU. The first call of
    each input shape compiles (minutes on a small CPU).

    Arguments
    ---------
    module : torch.nn.Module
        A module in eval mode with frozen parameters.

    Returns
    -------
    torch.nn.Module
        The compiled module (attributes reach the original).

    Example
    -------
    >>> compiled = compile_eval(torch.nn.Linear(4, 2).eval())
    >>> compiled.in_features
    4
    """
    return torch.compile(module, options={"freezing": True})


def bf16_autocast(device, enabled=True):
    """bf16 autocast on ``device``'s type, or a no-op context.

    Arguments
    ---------
    device : torch.device
        Where the encoder runs.
    enabled : bool, optional (default: True)
        False gives a disabled context (fp32).

    Returns
    -------
    torch.autocast
        The context.

    Example
    -------
    >>> with bf16_autocast(torch.device("cpu")):
    ...     out = torch.nn.Linear(4, 2)(torch.randn(1, 4))
    >>> out.dtype
    torch.bfloat16
    """
    return torch.autocast(
        torch.device(device).type, dtype=torch.bfloat16, enabled=enabled
    )
