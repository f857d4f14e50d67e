"""Pretrained PaSST tagging and embeddings: windows of long audio, result
types and the :class:`PaSSTClassifier` interface."""

from speechbrain_passt.inference.classifier import (
    AudioReadError,
    FrameEmbeddings,
    PaSSTClassifier,
    TaggingResult,
    Timeline,
)

__all__ = [
    "AudioReadError",
    "FrameEmbeddings",
    "PaSSTClassifier",
    "TaggingResult",
    "Timeline",
]
