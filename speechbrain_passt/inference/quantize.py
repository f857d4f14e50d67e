"""Dynamic int8 quantisation for CPU tagging.

The Linear layers of the encoder and head (nearly all of PaSST's compute)
are quantised with :func:`~speechbrain_passt.inference.int8.to_int8`:
weights stored in int8, activations quantised on the fly (no deprecated
``torch.ao.quantization`` API). It is ``precision="int8"`` of
:class:`~speechbrain_passt.inference.PaSSTClassifier` (alias:
``quantize=True`` or
:meth:`~speechbrain_passt.inference.PaSSTClassifier.quantize`); check it on
your own clips with
:meth:`~speechbrain_passt.inference.PaSSTClassifier.quantization_keeps_top_k`
(which uses :func:`same_top_k`).

Authors
 * speechbrain-passt developers 2026
"""

import torch  # noqa: F401 (doctests)

from speechbrain_passt.inference.int8 import to_int8

# The modules of a PaSSTClassifier whose Linear layers are quantised.
QUANTIZED_MODULES = ("embedding_model", "classifier")


def quantize_linear_int8(module):
    """A copy of a module with its Linear layers dynamically quantised.

    Arguments
    ---------
    module : torch.nn.Module
        A module on the CPU or CUDA (left unchanged).

    Returns
    -------
    torch.nn.Module
        The quantised copy (int8 weights).

    Example
    -------
    >>> quantized = quantize_linear_int8(
    ...     torch.nn.Sequential(torch.nn.Linear(8, 8))
    ... )
    >>> type(quantized[0]).__name__
    'Int8Linear'
    """
    return to_int8(module)


def same_top_k(reference, candidate):
    """Whether every clip keeps its set of top labels.

    Arguments
    ---------
    reference : list of TaggingResult
        Results of the fp32 model.
    candidate : list of TaggingResult
        Results of the quantised model, for the same clips and ``top_k``.

    Returns
    -------
    bool
        True if each clip's label sets are equal (order aside).

    Example
    -------
    >>> from types import SimpleNamespace as Result
    >>> same_top_k([Result(labels=["a", "b"])], [Result(labels=["b", "a"])])
    True
    >>> same_top_k([Result(labels=["a", "b"])], [Result(labels=["a", "c"])])
    False
    """
    return all(
        set(ref.labels) == set(new.labels)
        for ref, new in zip(reference, candidate, strict=True)
    )
