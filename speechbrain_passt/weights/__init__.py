"""PaSST weights: the registry of released checkpoints, reading and strict
loading of state dicts, depth reduction, the ImageNet DeiT adaptation and
the SpeechBrain pretrained-folder format.

One job per module: :mod:`~speechbrain_passt.weights.registry` (released
checkpoints), :mod:`~speechbrain_passt.weights.state_dict` (reading,
configuration inference), :mod:`~speechbrain_passt.weights.strict` (strict
loading and the ``Pretrainer`` hooks), :mod:`~speechbrain_passt.weights.depth`
(PaSST-L), :mod:`~speechbrain_passt.weights.imagenet` (DeiT start point),
:mod:`~speechbrain_passt.weights.original` (the loading entry points) and
:mod:`~speechbrain_passt.weights.pretrained_folder` (export). Other layers
import from this package only.
"""

from speechbrain_passt.weights.depth import (
    PASST_L_BLOCKS,
    every_other_block,
    reduce_depth,
)
from speechbrain_passt.weights.imagenet import load_imagenet_deit
from speechbrain_passt.weights.original import (
    load_original_checkpoint,
    load_pretrained_weights,
)
from speechbrain_passt.weights.pretrained_folder import (
    encoder_config,
    export_pretrained_folder,
)
from speechbrain_passt.weights.registry import CheckpointUnavailableError
from speechbrain_passt.weights.state_dict import (
    HEAD_KEYS,
    infer_config,
    read_state_dict,
    resolve_source,
    split_state_dict,
)
from speechbrain_passt.weights.strict import (
    CheckpointMismatchError,
    load_label_encoder_strict,
    load_module_strict,
    load_strict,
)

__all__ = [
    "HEAD_KEYS",
    "PASST_L_BLOCKS",
    "CheckpointMismatchError",
    "CheckpointUnavailableError",
    "encoder_config",
    "every_other_block",
    "export_pretrained_folder",
    "infer_config",
    "load_imagenet_deit",
    "load_label_encoder_strict",
    "load_module_strict",
    "load_original_checkpoint",
    "load_pretrained_weights",
    "load_strict",
    "read_state_dict",
    "reduce_depth",
    "resolve_source",
    "split_state_dict",
]
