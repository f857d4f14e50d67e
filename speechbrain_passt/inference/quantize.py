"""Dynamic int8 quantisation for CPU tagging.

The Linear layers of the encoder and head (nearly all of PaSST's compute)
are quantised with ``torch.ao.quantization.quantize_dynamic``: weights
stored in int8, activations quantised on the fly. It is an opt-in of
:class:`~speechbrain_passt.inference.PaSSTClassifier` (``quantize=True`` or
:meth:`~speechbrain_passt.inference.PaSSTClassifier.quantize`); check it on
your own clips with
:meth:`~speechbrain_passt.inference.PaSSTClassifier.quantization_keeps_top_k`
(which uses :func:`same_top_k`).

Authors
 * speechbrain-passt developers 2026
"""

import warnings

import torch

# The modules of a PaSSTClassifier whose Linear layers are quantised.
QUANTIZED_MODULES = ("embedding_model", "classifier")


def quantize_linear_int8(module):
    """A copy of a module with its Linear layers dynamically quantised.

    Arguments
    ---------
    module : torch.nn.Module
        A module on the CPU (left unchanged).

    Returns
    -------
    torch.nn.Module
        The quantised copy (int8 weights, CPU only).

    Example
    -------
    >>> quantized = quantize_linear_int8(
    ...     torch.nn.Sequential(torch.nn.Linear(4, 2))
    ... )
    >>> "quantized" in type(quantized[0]).__module__
    True
    """
    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated from torch 2.9 on (its
        # replacement lives in torchao, not a dependency here).
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.ao.quantization.quantize_dynamic(
            module, {torch.nn.Linear}, dtype=torch.qint8
        )


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
