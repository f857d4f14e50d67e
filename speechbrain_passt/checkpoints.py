"""Loading hooks named by pretrained folders written by version 0.1.

Folders exported before the package was split into layers name
``speechbrain_passt.checkpoints.load_module_strict`` (and the label-encoder
hook) in their ``hyperparams.yaml``; this module keeps those names so such
folders load unchanged. The hooks live in
:mod:`speechbrain_passt.weights.strict`; new folders name them there, and
new code imports from :mod:`speechbrain_passt.weights`.
"""

from speechbrain_passt.weights.strict import (
    load_label_encoder_strict,
    load_module_strict,
)

__all__ = ["load_label_encoder_strict", "load_module_strict"]
