"""Export a pretrained PaSST to ONNX, front-end included.

The graph takes waveforms and returns logits and clip embeddings: it holds
the front-end (pre-emphasis, the STFT, the mel bank, the log and the
normalisation of :class:`~speechbrain_passt.PaSSTFbank`), the encoder and
the head, in eval mode. It is written by torch's dynamo-based exporter
(``torch.onnx.export(..., dynamo=True)``, which needs ``onnxscript``); the
STFT becomes ONNX's ``STFT`` operator (opset 17 or later).

* Input ``waveform``: ``[batch, samples]`` float32 mono at the model's
  sample rate; both axes are dynamic. ``samples`` lies between one patch of
  frames (``min_samples``, 4801 at 32 kHz: pad shorter clips with zeros at
  the end) and the time encoding's length (``max_samples``, 321600 = 10.05
  s for the released models: cut longer clips into windows). Every clip of
  a batch has the same length: the graph takes no relative lengths, so pad
  a batch only if the padding is part of the clips.
* Outputs ``logits`` ``[batch, classes]`` (before the sigmoid or softmax)
  and ``embedding`` ``[batch, embed_dim]`` (mean of the C and D tokens).
* Metadata (``metadata_props``): ``labels`` (a JSON list, in logit
  order), ``multi_label`` (``"true"``: sigmoid scores, ``"false"``:
  softmax), ``sample_rate``, ``min_samples``, ``max_samples`` and
  ``precision`` (``fp32`` or ``int8``, see below), so that
  :class:`~speechbrain_passt.inference.onnx_tagger.OnnxTagger` needs
  nothing else.

int8 graphs (:func:`quantize_onnx_int8`, ``export_onnx(...,
precision="int8")``) come from ONNX Runtime's dynamic quantisation
(``onnxruntime.quantization.quantize_dynamic``): every ``MatMul`` whose
second input is a weight (the encoder's qkv, projection and MLP layers and
the head, nearly all of PaSST's compute) gets int8 weights, one scale per
output channel, and inputs quantised to uint8 at run time, one scale per
tensor; ONNX Runtime fuses each into a ``DynamicQuantizeMatMul`` (its MLAS
kernels use AVX512-VNNI / AMX where the CPU has them). Left in float32:
the front-end (the STFT, and the mel bank, whose constant is the *first*
input of its product), as in training; the patch convolution (its dynamic
``ConvInteger`` has no fast CPU kernel); the attention's two products of
activations (``QK^T`` and ``AV``): quantising the softmax probabilities
per tensor to 8 bits moved the probabilities of a random PaSST-S by up to
0.24, against 0.012 with them in float. This is the same split as
``precision="int8"`` of
:class:`~speechbrain_passt.inference.PaSSTClassifier` (int8 Linear
layers, float attention), by ONNX Runtime's kernels instead of torch's.

Authors
 * speechbrain-passt developers 2026
"""

import contextlib
import copy
import importlib.util
import json
import logging
import os
import pathlib
import re
import tempfile

import torch

from speechbrain_passt.inference.classifier import PaSSTClassifier
from speechbrain_passt.lobes.passt import (  # PaSST, PaSSTHead: doctests
    PaSST,  # noqa: F401
    PaSSTHead,  # noqa: F401
)

INSTALL_HINT = "pip install 'speechbrain-passt[onnx]'"
# Loggers that report the exporter's internals (operator schemas of other
# libraries, shape guards) as warnings; quiet while exporting.
NOISY_LOGGERS = (
    "torch.onnx._internal.exporter._schemas",
    "torch.fx.experimental.symbolic_shapes",
)


class TaggingGraph(torch.nn.Module):
    """Front-end, encoder and head as one module: waveforms to logits and
    clip embeddings, the form that is exported.

    Arguments
    ---------
    compute_features : PaSSTFbank
        The front-end.
    encoder : PaSST
        The encoder.
    head : PaSSTHead
        The classifier head.

    Example
    -------
    >>> from speechbrain_passt import PaSSTFbank
    >>> graph = TaggingGraph(
    ...     PaSSTFbank(),
    ...     PaSST(embed_dim=32, depth=1, num_heads=2),
    ...     PaSSTHead(32, 3),
    ... ).eval()
    >>> logits, embedding = graph(torch.randn(2, 32000))
    >>> logits.shape, embedding.shape
    (torch.Size([2, 3]), torch.Size([2, 32]))
    """

    def __init__(self, compute_features, encoder, head):
        super().__init__()
        self.compute_features = compute_features
        self.encoder = encoder
        self.head = head

    def forward(self, waveform):
        """Tag equal-length clips.

        Arguments
        ---------
        waveform : torch.Tensor
            ``[batch, samples]`` mono waveforms.

        Returns
        -------
        logits : torch.Tensor
            ``[batch, classes]``.
        embedding : torch.Tensor
            ``[batch, embed_dim]``.
        """
        embedding = self.encoder(self.compute_features(waveform))
        return self.head(embedding)[:, 0], embedding[:, 0]


def export_onnx(model, path, savedir=None, precision="fp32"):
    """Write a pretrained PaSST as an ONNX graph from waveforms to logits
    and clip embeddings (see the module's description).

    Arguments
    ---------
    model : PaSSTPretrained or str or os.PathLike
        A loaded model (e.g. a
        :class:`~speechbrain_passt.inference.PaSSTClassifier`, not
        quantised), or a pretrained folder or hub id to load on the CPU.
    path : str or os.PathLike
        The ``.onnx`` file to write.
    savedir : str, optional
        Where to keep the files of a hub id.
    precision : str, optional (default: "fp32")
        ``"fp32"``, or ``"int8"``: the weight products quantised by ONNX
        Runtime (:func:`quantize_onnx_int8`; needs ``onnxruntime``),
        front-end and attention in float32.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ImportError
        ``onnxscript`` (the exporter's translator) is not installed.
    ValueError
        A quantised model (int8 Linear layers do not export: export the
        fp32 model with ``precision="int8"``), or another ``precision``.

    Example
    -------
    >>> import pytest
    >>> _ = pytest.importorskip("onnxscript")
    >>> tagger = PaSSTClassifier.from_modules(
    ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
    ...     PaSSTHead(32, 3),
    ...     ["dog", "cat", "rain"],
    ... )
    >>> path = export_onnx(tagger, getfixture("tmpdir") / "tiny.onnx")
    >>> path.suffix
    '.onnx'
    """
    if precision not in ("fp32", "int8"):
        raise ValueError(f"precision must be fp32 or int8; got {precision!r}")
    if importlib.util.find_spec("onnxscript") is None:
        raise ImportError(f"ONNX export needs onnxscript: {INSTALL_HINT}")
    if isinstance(model, str | os.PathLike):
        model = PaSSTClassifier.from_hparams(
            str(model), savedir=savedir, run_opts={"device": "cpu"}
        )
    if model.quantized:
        raise ValueError(
            "export the fp32 model: int8 layers do not export "
            "(precision='int8' quantises the exported graph)"
        )
    # A CPU copy in eval mode; the caller's model stays where it is.
    graph = TaggingGraph(
        model.mods.compute_features,
        model.mods.embedding_model,
        model.mods.classifier,
    )
    graph = copy.deepcopy(graph).cpu().eval()
    samples = max(model.min_samples, min(model.window_samples, 32000))
    dynamic = torch.export.Dim.DYNAMIC
    with _quiet(NOISY_LOGGERS):
        program = torch.onnx.export(
            graph,
            (torch.randn(2, samples),),
            None,
            dynamo=True,
            dynamic_shapes=({0: dynamic, 1: dynamic},),
            input_names=["waveform"],
            output_names=["logits", "embedding"],
            verbose=False,
        )
    _name_dims(program.model, ["batch", "samples"])
    program.model.metadata_props.update(
        {
            "labels": json.dumps(model.labels),
            "multi_label": json.dumps(bool(model.hparams.multi_label)),
            "sample_rate": str(model.sample_rate),
            "min_samples": str(model.min_samples),
            "max_samples": str(model.window_samples),
            "precision": "fp32",
        }
    )
    path = pathlib.Path(path)
    program.save(str(path))
    if precision == "int8":
        quantize_onnx_int8(path, path)
    return path


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
        ``target``; its metadata keeps the source's (labels, rates) with
        ``precision: int8``.

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
    handle, scratch = tempfile.mkstemp(suffix=".onnx", dir=target.parent)
    os.close(handle)
    try:
        # quantize_dynamic warns on the root logger ("") that the graph was
        # not "pre-processed" (shape inference and fusions): ONNX Runtime
        # does those itself when it loads the graph.
        with _quiet([""]):
            quantize_dynamic(
                str(source),
                scratch,
                op_types_to_quantize=["MatMul"],
                per_channel=True,
                weight_type=QuantType.QInt8,
                extra_options={"MatMulConstBOnly": True},
            )
        graph = onnx.load(scratch)  # the source's metadata is kept
        metadata = {prop.key: prop.value for prop in graph.metadata_props}
        metadata["precision"] = "int8"
        del graph.metadata_props[:]
        onnx.helper.set_model_props(graph, metadata)
        onnx.save(graph, str(target))
    finally:
        os.remove(scratch)
    return target


def _name_dims(onnx_model, names):
    """Rename the symbolic dims of the first input (``s51``, ...) to
    ``names`` everywhere in the graph, derived dims included."""
    import onnx_ir as ir  # comes with onnxscript

    graph = onnx_model.graph
    symbols = {
        str(dim.value): name
        for dim, name in zip(graph.inputs[0].shape, names, strict=True)
        if isinstance(dim, ir.SymbolicDim)
    }
    if not symbols:
        return
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, symbols)) + r")\b")
    values = list(graph.inputs) + [
        value for node in graph for value in node.outputs
    ]
    for value in values:
        if value.shape is None:
            continue
        dims = [
            ir.SymbolicDim(pattern.sub(lambda m: symbols[m[1]], dim.value))
            if isinstance(dim, ir.SymbolicDim) and dim.value is not None
            else dim
            for dim in value.shape
        ]
        value.shape = ir.Shape(dims)


@contextlib.contextmanager
def _quiet(names):
    """Raise the given loggers to ERROR for the duration."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
