"""PaSST weights: the registry of released checkpoints, reading and strict
loading of state dicts, depth reduction, the ImageNet DeiT adaptation and
the SpeechBrain pretrained-folder format."""

from speechbrain_passt.weights.checkpoints import (
    HEAD_KEYS,
    PASST_L_BLOCKS,
    CheckpointMismatchError,
    CheckpointUnavailableError,
    encoder_config,
    every_other_block,
    export_pretrained_folder,
    infer_config,
    load_imagenet_deit,
    load_label_encoder_strict,
    load_module_strict,
    load_original_checkpoint,
    load_pretrained_weights,
    load_strict,
    read_state_dict,
    reduce_depth,
    resolve_source,
    split_state_dict,
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
