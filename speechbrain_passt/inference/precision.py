"""Inference precision of the encoder and head: fp32, bf16, int8 or auto.

The front-end always runs in fp32, as in training. The encoder and head run
in one of:

* ``"fp32"``: as trained.
* ``"bf16"``: under ``torch.autocast`` with bfloat16 (CPU or CUDA); fast
  where the hardware has native bf16 (AVX512-BF16, AMX, recent GPUs).
* ``"int8"``: every Linear layer (nearly all of PaSST's compute) becomes an
  :class:`~speechbrain_passt.inference.int8.Int8Linear`: weights stored in
  int8 with one scale per output channel, inputs quantised on the fly (one
  scale per clip on x86 CPUs, in oneDNN's int8 Linear with the bias and
  the MLP's GELU fused; one per token in ``torch._int_mm`` elsewhere, int8
  tensor cores on CUDA). See :mod:`~speechbrain_passt.inference.int8`.
* ``"auto"``: the fastest of the precisions the device supports
  (:func:`supported_precisions`) whose probabilities on a short built-in
  probe stay within 0.02 of fp32 with the same top-5 labels
  (:mod:`~speechbrain_passt.inference.auto_precision`); the choice is
  cached per model and device and logged.

Authors
 * speechbrain-passt developers 2026
"""

import functools

import torch

from speechbrain_passt.inference.int8 import Int8Linear, to_int8

__all__ = [
    "PRECISIONS",
    "Int8Linear",
    "bf16_autocast",
    "check_precision",
    "compile_eval",
    "cpu_flags",
    "supported_precisions",
    "to_int8",
]

PRECISIONS = ("fp32", "bf16", "int8", "auto")


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


def compile_eval(module):
    """``torch.compile`` a module for inference (inductor, default mode).

    Without freezing: ``options={"freezing": True}`` is silently ignored
    (torch 2.7 to 2.14: the weights stay graph inputs), and freezing
    switched on in inductor's config fails once the batch size changes
    (oneDNN's frozen convolution under dynamic shapes: "expected size
    768==768, stride 1==1188"), while it gained 1-7% on PaSST-S where it
    worked. The first call of a shape compiles (minutes on a small CPU);
    after the first change of shape, sizes are dynamic and later shapes
    reuse the graph. :class:`Int8Linear`'s oneDNN products stay outside
    the graph (``torch.compiler.disable``).

    Arguments
    ---------
    module : torch.nn.Module
        A module in eval mode.

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
    return torch.compile(module)


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
