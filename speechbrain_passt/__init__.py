"""PaSST (Patchout audio spectrogram transformer) for SpeechBrain.

Authors
 * speechbrain-passt developers 2026
"""

from speechbrain_passt.lobes.features import PaSSTFbank
from speechbrain_passt.lobes.passt import PaSST, PaSSTHead
from speechbrain_passt.weights import load_original_checkpoint

__all__ = ["PaSST", "PaSSTFbank", "PaSSTHead", "load_original_checkpoint"]
__version__ = "0.1.0"
