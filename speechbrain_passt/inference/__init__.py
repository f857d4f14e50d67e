"""Pretrained PaSST tagging and embeddings: windows of long audio
(:mod:`~speechbrain_passt.inference.windows`), planned block by block for
files (:mod:`~speechbrain_passt.inference.streaming`), checks of the input
(:mod:`~speechbrain_passt.inference.checks`), result types
(:mod:`~speechbrain_passt.inference.results`) and the
:class:`PaSSTClassifier` interface."""

from speechbrain_passt.data.audio import AudioReadError
from speechbrain_passt.inference.classifier import PaSSTClassifier
from speechbrain_passt.inference.results import (
    FrameEmbeddings,
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
