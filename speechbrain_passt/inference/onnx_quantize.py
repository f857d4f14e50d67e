"""int8 ONNX graphs for CPU tagging: ONNX Runtime's dynamic quantisation.

:func:`quantize_onnx_int8` rewrites an exported graph
(:func:`~speechbrain_passt.inference.onnx_export.export_onnx`) with
``onnxruntime.quantization.quantize_dynamic``: every ``MatMul`` whose second
input is a weight (the encoder's qkv, projection and MLP layers and the
head, nearly all of PaSST's compute) gets int8 weights, one scale per
output channel, and inputs quantised to uint8 at run time, one scale per
tensor; ONNX Runtime fuses each into a ``DynamicQuantizeMatMul`` (its MLAS
kernels use AVX512-VNNI / AMX where the CPU has them). Left in float32:

* the front-end (the STFT, and the mel bank, whose constant is the
  *first* input of its product), as in training;
* the patch convolution (its dynamic ``ConvInteger`` has no fast CPU
  kernel);
* the attention's two products of activations (``QK^T`` and ``AV``):
  quantising the softmax probabilities per tensor to 8 bits moved the
  probabilities of a random PaSST-S by up to 0.24, against 0.012 with
  them in float.

This is the same split as ``precision="int8"`` of
:class:`~speechbrain_passt.inference.PaSSTClassifier` (int8 Linear layers,
float attention), by ONNX Runtime's kernels instead of torch's.

Authors
 * speechbrain-passt developers 2026
"""

import importlib.util
import logging
import os
import pathlib
import tempfile

INSTALL_HINT = "pip install 'speechbrain-passt[onnx]'"
# The graph's metadata key that names its precision.
PRECISION_KEY = "precision"


def quantize_onnx_int8(source, target):
    """Write an int8 copy of an exported PaSST graph.

    Arguments
    ---------
    source : str or os.PathLike
        An fp32 graph written by
        :func:`~speechbrain_passt.inference.onnx_export.export_onnx`.
    target : str or os.PathLike
        The ``.onnx`` file to write (may equal ``source``).

    Returns
    -------
    pathlib.Path
        ``target``; its metadata keeps the source's (labels, rates) and
        adds ``precision: int8``.

    Raises
    ------
    ImportError
        ``onnxruntime`` is not installed.
    FileNotFoundError
        ``source`` does not exist.

    Example
    -------
    >>> import pytest
    >>> _ = pytest.importorskip("onnxruntime")
    >>> _ = pytest.importorskip("onnxscript")
    >>> from speechbrain_passt import PaSST, PaSSTHead
    >>> from speechbrain_passt.inference import PaSSTClassifier
    >>> from speechbrain_passt.inference.onnx_export import export_onnx
    >>> tagger = PaSSTClassifier.from_modules(
    ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
    ...     PaSSTHead(32, 3),
    ...     ["dog", "cat", "rain"],
    ... )
    >>> fp32 = export_onnx(tagger, getfixture("tmpdir") / "fp32.onnx")
    >>> int8 = quantize_onnx_int8(fp32, getfixture("tmpdir") / "int8.onnx")
    >>> import onnx
    >>> graph = onnx.load(str(int8))
    >>> {p.key: p.value for p in graph.metadata_props}["precision"]
    'int8'
    """
    if importlib.util.find_spec("onnxruntime") is None:
        raise ImportError(f"int8 ONNX graphs need onnxruntime: {INSTALL_HINT}")
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source, target = pathlib.Path(source), pathlib.Path(target)
    if not source.is_file():
        raise FileNotFoundError(f"no ONNX graph at {source}")
    metadata = {
        prop.key: prop.value
        for prop in onnx.load(
            str(source), load_external_data=False
        ).metadata_props
    }
    folder = target.parent if str(target.parent) else pathlib.Path(".")
    handle, scratch = tempfile.mkstemp(suffix=".onnx", dir=folder)
    os.close(handle)
    root = logging.getLogger()
    level = root.level
    # quantize_dynamic warns on the root logger that the graph was not
    # "pre-processed" (shape inference and fusions): ONNX Runtime does
    # those itself when it loads the graph.
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(source),
            scratch,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            weight_type=QuantType.QInt8,
            extra_options={"MatMulConstBOnly": True},
        )
        graph = onnx.load(scratch)
        del graph.metadata_props[:]
        metadata[PRECISION_KEY] = "int8"
        onnx.helper.set_model_props(graph, metadata)
        onnx.save(graph, str(target))
    finally:
        root.setLevel(level)
        if os.path.exists(scratch):
            os.remove(scratch)
    return target
