"""Export a PaSST model to a SpeechBrain pretrained folder.

The folder holds ``hyperparams.yaml`` (inference only: front-end, encoder,
head, a 32 kHz ``audio_normalizer``, the label encoder and a ``Pretrainer``
whose paths start at the overridable ``pretrained_path``), one ``.ckpt`` per
module and ``label_encoder.txt`` in head output order. It loads with
SpeechBrain's ``Pretrainer`` (``collect_files`` + ``load_collected``) or an
inference class's ``from_hparams``, offline from a local directory.

The yaml's ``Pretrainer`` loads the two modules and the label encoder through
strict hooks (:func:`speechbrain_passt.weights.strict.load_module_strict`,
:func:`speechbrain_passt.weights.strict.load_label_encoder_strict`):
SpeechBrain's default transfer only warns on missing keys and skips a missing
label file. Folders written by version 0.1 name the hooks
``speechbrain_passt.checkpoints.…``, which still resolve.

Authors
 * speechbrain-passt developers 2026
"""

import json
from pathlib import Path

import torch
from speechbrain.dataio.encoder import CategoricalEncoder

from speechbrain_passt.lobes.features import PaSSTFbank

HPARAMS_FILE = "hyperparams.yaml"
ENCODER_FILE = "embedding_model.ckpt"
HEAD_FILE = "classifier.ckpt"
LABELS_FILE = "label_encoder.txt"
FBANK_KEYS = (
    "sample_rate",
    "n_fft",
    "win_length",
    "hop_length",
    "n_mels",
    "f_min",
    "f_max",
)


def encoder_config(encoder):
    """The constructor arguments that rebuild an encoder for inference.

    Arguments
    ---------
    encoder : speechbrain_passt.PaSST
        The encoder.

    Returns
    -------
    dict
        Shape-defining :class:`speechbrain_passt.PaSST` arguments (Patchout
        and dropout are training-only and left out).

    Example
    -------
    >>> from speechbrain_passt import PaSST
    >>> config = encoder_config(PaSST(embed_dim=32, depth=2, num_heads=2))
    >>> config["depth"], config["num_heads"], config["max_frames"]
    (2, 2, 998)
    """
    conv = encoder.patch_embed.proj
    block = encoder.blocks[0]
    return dict(
        n_mels=encoder.n_mels,
        max_frames=encoder.max_frames,
        patch_size=encoder.patch_size,
        fstride=encoder.fstride,
        tstride=encoder.tstride,
        in_channels=conv.in_channels,
        embed_dim=encoder.embed_dim,
        depth=len(encoder.blocks),
        num_heads=block.attn.num_heads,
        mlp_ratio=block.mlp.fc1.out_features / encoder.embed_dim,
        qkv_bias=block.attn.qkv.bias is not None,
    )


def fbank_config(fbank_kwargs=None):
    """The front-end arguments written to ``hyperparams.yaml``.

    Arguments
    ---------
    fbank_kwargs : dict, optional
        :class:`speechbrain_passt.PaSSTFbank` arguments (e.g.
        ``hop_length``); the rest are its defaults.

    Returns
    -------
    dict
        Sample rate, FFT and mel settings (``f_max`` resolved), plus every
        given argument.

    Example
    -------
    >>> fbank_config({"hop_length": 160})["hop_length"]
    160
    >>> fbank_config()["f_max"]
    15000
    """
    fbank_kwargs = dict(fbank_kwargs or {})
    fbank = PaSSTFbank(**fbank_kwargs)
    config = {key: getattr(fbank, key) for key in FBANK_KEYS}
    config.update(
        (key, value)
        for key, value in fbank_kwargs.items()
        if key not in config or value is not None
    )
    return config


def export_pretrained_folder(
    encoder, head, labels, out_dir, multi_label=True, fbank_kwargs=None
):
    """Write a SpeechBrain pretrained folder for a PaSST model.

    Arguments
    ---------
    encoder : speechbrain_passt.PaSST
        The encoder (saved as ``embedding_model.ckpt``).
    head : speechbrain_passt.PaSSTHead
        The head (saved as ``classifier.ckpt``).
    labels : list of str
        Display names in head output order (``label_encoder.txt``).
    out_dir : str or os.PathLike
        The folder; created if needed; existing files are overwritten.
    multi_label : bool, optional (default: True)
        True for multi-label heads (AudioSet, FSD50K, OpenMIC: sigmoid),
        False for single-label ones (ESC-50: softmax).
    fbank_kwargs : dict, optional
        :class:`speechbrain_passt.PaSSTFbank` arguments the model was trained
        with (e.g. ``{"hop_length": 100}``); defaults otherwise.

    Returns
    -------
    pathlib.Path
        The folder's absolute path (the default ``pretrained_path``).

    Example
    -------
    >>> from speechbrain_passt import PaSST, PaSSTHead
    >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2)
    >>> folder = export_pretrained_folder(
    ...     encoder, PaSSTHead(32, 2), ["cat", "dog"], getfixture("tmpdir")
    ... )
    >>> sorted(path.name for path in folder.iterdir())
    ['classifier.ckpt', 'embedding_model.ckpt', 'hyperparams.yaml', 'label_encoder.txt']
    """
    labels = [str(label) for label in labels]
    if len(labels) != head.num_classes:
        raise ValueError(
            f"{len(labels)} labels for a head with {head.num_classes} classes"
        )
    if len(set(labels)) != len(labels):
        raise ValueError("labels must be unique (label_encoder.txt)")
    if head.norm.normalized_shape[0] != encoder.embed_dim:
        raise ValueError(
            f"head width {head.norm.normalized_shape[0]} != encoder width "
            f"{encoder.embed_dim}"
        )
    fbank = fbank_config(fbank_kwargs)
    if fbank["n_mels"] != encoder.n_mels:
        raise ValueError(
            f"front-end n_mels={fbank['n_mels']} but the encoder expects "
            f"{encoder.n_mels}"
        )
    folder = Path(out_dir).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(_cpu_state(encoder), folder / ENCODER_FILE)
    torch.save(_cpu_state(head), folder / HEAD_FILE)
    label_encoder = CategoricalEncoder()
    label_encoder.update_from_iterable(labels)
    label_encoder.save(folder / LABELS_FILE)
    text = _hparams_text(
        folder,
        multi_label=multi_label,
        fbank=fbank,
        encoder=encoder_config(encoder),
        head=dict(embed_dim=encoder.embed_dim, num_classes=head.num_classes),
    )
    (folder / HPARAMS_FILE).write_text(text, encoding="utf-8")
    return folder


def _cpu_state(module):
    """A detached CPU copy of ``module``'s state dict (what is saved)."""
    return {
        key: value.detach().cpu().clone()
        for key, value in module.state_dict().items()
    }


def _yaml_value(value):
    """``value`` as a YAML scalar (bools as HyperPyYAML writes them)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid YAML scalar


def _yaml_mapping(mapping, indent="    "):
    """``mapping`` as indented ``key: value`` YAML lines."""
    return "".join(
        f"{indent}{key}: {_yaml_value(value)}\n"
        for key, value in mapping.items()
    )


def _hparams_text(folder, multi_label, fbank, encoder, head):
    """The text of ``hyperparams.yaml``; hooks named at their home."""
    fbank = dict(fbank)
    sample_rate = fbank.pop("sample_rate")
    hooks = "speechbrain_passt.weights.strict"
    return f"""\
# PaSST for inference: a SpeechBrain pretrained folder written by
# speechbrain_passt.weights.export_pretrained_folder. Override
# pretrained_path when the folder moves.

pretrained_path: {_yaml_value(str(folder))}
sample_rate: {sample_rate}
multi_label: {_yaml_value(bool(multi_label))}

compute_features: !new:speechbrain_passt.PaSSTFbank
    sample_rate: !ref <sample_rate>
{_yaml_mapping(fbank)}
embedding_model: !new:speechbrain_passt.PaSST
{_yaml_mapping(encoder)}
classifier: !new:speechbrain_passt.PaSSTHead
{_yaml_mapping(head)}
audio_normalizer: !new:speechbrain.dataio.preprocess.AudioNormalizer
    sample_rate: !ref <sample_rate>

label_encoder: !new:speechbrain.dataio.encoder.CategoricalEncoder

modules:
    compute_features: !ref <compute_features>
    embedding_model: !ref <embedding_model>
    classifier: !ref <classifier>

pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables:
        embedding_model: !ref <embedding_model>
        classifier: !ref <classifier>
        label_encoder: !ref <label_encoder>
    paths:
        embedding_model: !ref <pretrained_path>/{ENCODER_FILE}
        classifier: !ref <pretrained_path>/{HEAD_FILE}
        label_encoder: !ref <pretrained_path>/{LABELS_FILE}
    custom_hooks:
        embedding_model: !name:{hooks}.load_module_strict
        classifier: !name:{hooks}.load_module_strict
        label_encoder: !name:{hooks}.load_label_encoder_strict
"""
