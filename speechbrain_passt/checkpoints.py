"""Loading PaSST weights in the original checkpoint layout.

The original checkpoints are plain state dicts of the whole network: the
encoder's parameters (the same names as :class:`PaSST`), ``head.0.*`` (the
head's LayerNorm), ``head.1.*`` (its Linear) and ``head_dist.*`` (a second
Linear that is stored but never used). The configuration is inferred from the
tensor shapes; what shapes cannot tell (the strides, the number of heads) is
taken from the caller and checked against the shapes.

Authors
 * speechbrain-passt developers 2026
"""

import os

import torch

from speechbrain_passt.lobes.passt import PaSST, PaSSTHead

HEAD_KEYS = {
    "head.0.weight": "norm.weight",
    "head.0.bias": "norm.bias",
    "head.1.weight": "linear.weight",
    "head.1.bias": "linear.bias",
}
UNUSED_PREFIXES = ("head_dist.",)


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the requested model configuration."""


def read_state_dict(source):
    """Read a state dict from a path (``weights_only=True``) or pass one on.

    Arguments
    ---------
    source : str, os.PathLike or dict
        A checkpoint file or an already loaded state dict.

    Returns
    -------
    dict
        Parameter name to tensor.

    Example
    -------
    >>> path = getfixture("tmpdir") / "w.pt"
    >>> torch.save({"a": torch.zeros(2)}, path)
    >>> read_state_dict(path)["a"].shape
    torch.Size([2])
    """
    if isinstance(source, dict):
        state = source
    else:
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"checkpoint file not found: {path}")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:
            raise CheckpointMismatchError(
                f"could not read checkpoint {path} (truncated, corrupt or "
                f"not a PyTorch file): {error}"
            ) from error
        if not isinstance(state, dict):
            raise CheckpointMismatchError(
                f"{path} holds a {type(state).__name__}, not a state dict"
            )
    bad = [key for key, value in state.items() if not torch.is_tensor(value)]
    if bad:
        raise CheckpointMismatchError(
            f"state dict entries that are not tensors: {sorted(bad)[:10]}"
        )
    return state


def infer_config(state_dict, **config):
    """Infer the :class:`PaSST` / :class:`PaSSTHead` configuration.

    Widths, depth, grid sizes and class count come from the shapes; the
    strides default to 10 and ``num_heads`` to ``embed_dim // 64``. The given
    ``config`` overrides the defaults and is checked against the shapes.

    Arguments
    ---------
    state_dict : dict
        State dict in the original layout.
    **config
        Keyword arguments of :class:`PaSST`, plus ``num_classes``.

    Returns
    -------
    dict
        Keyword arguments for :class:`PaSST` with ``num_classes`` added.

    Example
    -------
    >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2, fstride=16)
    >>> config = infer_config(encoder.state_dict(), fstride=16, num_heads=2)
    >>> config["depth"], config["max_frames"], config["fstride"]
    (1, 990, 16)
    """
    _require(state_dict, ("cls_token", "freq_new_pos_embed"))
    _require(state_dict, ("time_new_pos_embed", "patch_embed.proj.weight"))
    embed_dim = state_dict["cls_token"].shape[-1]
    conv = state_dict["patch_embed.proj.weight"]
    n_freq = state_dict["freq_new_pos_embed"].shape[2]
    n_time = state_dict["time_new_pos_embed"].shape[-1]
    depth = 1 + max(
        (
            int(key.split(".")[1])
            for key in state_dict
            if key.startswith("blocks.")
        ),
        default=-1,
    )
    fc1 = state_dict.get("blocks.0.mlp.fc1.weight")
    result = dict(
        n_mels=128,
        patch_size=conv.shape[-1],
        fstride=10,
        tstride=10,
        in_channels=conv.shape[1],
        embed_dim=embed_dim,
        depth=depth,
        num_heads=max(embed_dim // 64, 1),
        mlp_ratio=fc1.shape[0] / embed_dim if fc1 is not None else 4.0,
        qkv_bias="blocks.0.attn.qkv.bias" in state_dict,
    )
    if "head.1.weight" in state_dict:
        result["num_classes"] = state_dict["head.1.weight"].shape[0]
    result.update(config)
    if "max_frames" not in config:
        result["max_frames"] = n_time * result["tstride"]
    _check_grid(result, n_freq, n_time)
    return result


def _check_grid(config, n_freq, n_time):
    """Check the strides and frames against the positional encodings."""
    n_mels, fstride = config["n_mels"], config["fstride"]
    expected_f = n_mels // fstride
    if expected_f != n_freq:
        fitting = [s for s in range(1, 33) if n_mels // s == n_freq]
        raise CheckpointMismatchError(
            f"the checkpoint's frequency encoding has {n_freq} positions but "
            f"fstride={fstride} with n_mels={n_mels} gives {expected_f}; "
            f"strides that fit: {fitting}"
        )
    expected_t = config["max_frames"] // config["tstride"]
    if expected_t != n_time:
        raise CheckpointMismatchError(
            f"the checkpoint's time encoding has {n_time} positions but "
            f"max_frames={config['max_frames']} with tstride="
            f"{config['tstride']} gives {expected_t}; the checkpoint fits "
            f"max_frames in [{n_time * config['tstride']}, "
            f"{(n_time + 1) * config['tstride'] - 1}]"
        )


def split_state_dict(state_dict):
    """Split an original state dict into encoder and head state dicts.

    Arguments
    ---------
    state_dict : dict
        State dict in the original layout.

    Returns
    -------
    encoder_state : dict
        Keys of :class:`PaSST`.
    head_state : dict
        Keys of :class:`PaSSTHead` (``norm.*``, ``linear.*``).
    """
    encoder_state, head_state = {}, {}
    for key, value in state_dict.items():
        if key in HEAD_KEYS:
            head_state[HEAD_KEYS[key]] = value
        elif not key.startswith(UNUSED_PREFIXES):
            encoder_state[key] = value
    return encoder_state, head_state


def load_strict(module, state_dict, what):
    """Load a state dict; any missing, unexpected or misshapen key is an error.

    Arguments
    ---------
    module : torch.nn.Module
        Module to load into.
    state_dict : dict
        Parameters to load.
    what : str
        Name of the module in error messages.

    Example
    -------
    >>> layer = torch.nn.Linear(2, 3)
    >>> load_strict(layer, {"weight": torch.zeros(3, 2)}, "layer")
    Traceback (most recent call last):
    ...
    speechbrain_passt.checkpoints.CheckpointMismatchError: layer: missing keys: ['bias']
    """
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    misshapen = sorted(
        f"{key}: checkpoint {tuple(state_dict[key].shape)}, model "
        f"{tuple(expected[key].shape)}"
        for key in set(expected) & set(state_dict)
        if state_dict[key].shape != expected[key].shape
    )
    problems = []
    if missing:
        problems.append(f"missing keys: {missing}")
    if unexpected:
        problems.append(f"unexpected keys: {unexpected}")
    if misshapen:
        problems.append(f"shape mismatches: {misshapen}")
    if problems:
        raise CheckpointMismatchError(f"{what}: " + "; ".join(problems))
    module.load_state_dict(state_dict, strict=True)


def load_original_checkpoint(source, **config):
    """Build an encoder and a head from a checkpoint in the original layout.

    Arguments
    ---------
    source : str, os.PathLike or dict
        A checkpoint file or a state dict, as saved by the original code.
    **config
        :class:`PaSST` arguments (``fstride``, ``tstride``, ``num_heads``,
        ``max_frames``, Patchout, dropout, ...). Shape-derived values are
        inferred; the strides default to 10 and are checked against the
        positional encodings.

    Returns
    -------
    encoder : PaSST
        The encoder, in eval mode.
    head : PaSSTHead
        The classifier head, in eval mode.

    Example
    -------
    >>> path = "tests/golden/small_s16.pt"
    >>> encoder, head = load_original_checkpoint(
    ...     path, fstride=16, tstride=16, num_heads=4
    ... )
    >>> encoder.grid_size, head.num_classes
    ((8, 62), 7)
    """
    state_dict = read_state_dict(source)
    config = infer_config(state_dict, **config)
    num_classes = config.pop("num_classes", None)
    if num_classes is None:
        raise CheckpointMismatchError(
            "the checkpoint has no head (head.1.weight); pass num_classes"
        )
    encoder_state, head_state = split_state_dict(state_dict)
    encoder = PaSST(**config)
    head = PaSSTHead(config["embed_dim"], num_classes)
    load_strict(encoder, encoder_state, "encoder")
    load_strict(head, head_state, "head")
    return encoder.eval(), head.eval()


def _require(state_dict, keys):
    missing = [key for key in keys if key not in state_dict]
    if missing:
        raise CheckpointMismatchError(
            f"not a PaSST checkpoint in the original layout: missing {missing}"
        )


def load_pretrained_weights(encoder, head, source):
    """Initialise an existing encoder and head from pretrained weights.

    The encoder must match the checkpoint exactly (strict). The head's
    LayerNorm is always loaded; its Linear only when the number of classes
    matches, otherwise it is re-initialised, as the original fine-tuning does.

    Arguments
    ---------
    encoder : PaSST
        Encoder to load into.
    head : PaSSTHead or None
        Head to load into (skipped when None).
    source : str, os.PathLike or dict
        A SpeechBrain pretrained folder (``embedding_model.ckpt`` and
        ``classifier.ckpt``), a checkpoint file or a state dict in the
        original layout.

    Returns
    -------
    bool
        Whether the head's Linear was loaded (False: re-initialised).

    Example
    -------
    >>> encoder = PaSST(
    ...     fstride=16, tstride=16, embed_dim=96, depth=3, num_heads=4
    ... )
    >>> head = PaSSTHead(96, 5)
    >>> load_pretrained_weights(encoder, head, "tests/golden/small_s16.pt")
    False
    """
    if not isinstance(source, dict) and os.path.isdir(os.fspath(source)):
        folder = os.fspath(source)
        encoder_state = read_state_dict(
            os.path.join(folder, "embedding_model.ckpt")
        )
        head_path = os.path.join(folder, "classifier.ckpt")
        head_state = read_state_dict(head_path) if head is not None else {}
    else:
        encoder_state, head_state = split_state_dict(read_state_dict(source))
    load_strict(encoder, encoder_state, "encoder")
    if head is None:
        return False
    norm_state = {
        key[len("norm.") :]: value
        for key, value in head_state.items()
        if key.startswith("norm.")
    }
    load_strict(head.norm, norm_state, "head LayerNorm")
    linear_state = {
        key[len("linear.") :]: value
        for key, value in head_state.items()
        if key.startswith("linear.")
    }
    if linear_state.get("weight") is not None and (
        linear_state["weight"].shape == head.linear.weight.shape
    ):
        load_strict(head.linear, linear_state, "head Linear")
        return True
    head.reset_classifier()
    return False


# TEMPORARY (issue 4, training): a minimal exporter in the agreed folder
# format so the training recipes can be tested before the weights issue's
# ``export_pretrained_folder`` is merged. Keep the weights issue's version.
def export_pretrained_folder(
    encoder, head, labels, out_dir, multi_label=True, fbank_kwargs=None
):
    """Write a SpeechBrain pretrained folder (temporary minimal version).

    Arguments
    ---------
    encoder : PaSST
        The encoder (``embedding_model.ckpt``).
    head : PaSSTHead
        The head (``classifier.ckpt``).
    labels : list of str
        Display names in head output order (``label_encoder.txt``).
    out_dir : str or os.PathLike
        The folder (created).
    multi_label : bool, optional (default: True)
        Sigmoid (True) or softmax (False) head.
    fbank_kwargs : dict, optional
        :class:`PaSSTFbank` arguments the model was trained with.

    Returns
    -------
    pathlib.Path
        The folder's absolute path.

    Example
    -------
    >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2)
    >>> folder = export_pretrained_folder(
    ...     encoder, PaSSTHead(32, 2), ["cat", "dog"], getfixture("tmpdir")
    ... )
    >>> sorted(path.name for path in folder.iterdir())
    ['classifier.ckpt', 'embedding_model.ckpt', 'hyperparams.yaml', 'label_encoder.txt']
    """
    from pathlib import Path

    from speechbrain.dataio.encoder import CategoricalEncoder

    labels = [str(label) for label in labels]
    if len(labels) != head.num_classes:
        raise ValueError(
            f"{len(labels)} labels for a head with {head.num_classes} classes"
        )
    folder = Path(out_dir).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    for module, name in ((encoder, "embedding_model"), (head, "classifier")):
        state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
        torch.save(state, folder / f"{name}.ckpt")
    label_encoder = CategoricalEncoder()
    label_encoder.update_from_iterable(labels)
    label_encoder.save(folder / "label_encoder.txt")
    fbank = dict(fbank_kwargs or {})
    sample_rate = fbank.pop("sample_rate", 32000)

    def block(mapping):
        return "".join(f"    {k}: {v!r}\n" for k, v in mapping.items())

    enc = {
        "n_mels": encoder.n_mels,
        "max_frames": encoder.max_frames,
        "patch_size": encoder.patch_size,
        "fstride": encoder.fstride,
        "tstride": encoder.tstride,
        "embed_dim": encoder.embed_dim,
        "depth": len(encoder.blocks),
        "num_heads": encoder.blocks[0].attn.num_heads,
    }
    text = f"""pretrained_path: {str(folder)!r}
sample_rate: {sample_rate}
multi_label: {bool(multi_label)}
compute_features: !new:speechbrain_passt.PaSSTFbank
    sample_rate: !ref <sample_rate>
{block(fbank)}embedding_model: !new:speechbrain_passt.PaSST
{block(enc)}classifier: !new:speechbrain_passt.PaSSTHead
    embed_dim: {encoder.embed_dim}
    num_classes: {head.num_classes}
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
        embedding_model: !ref <pretrained_path>/embedding_model.ckpt
        classifier: !ref <pretrained_path>/classifier.ckpt
        label_encoder: !ref <pretrained_path>/label_encoder.txt
"""
    (folder / "hyperparams.yaml").write_text(text, encoding="utf-8")
    return folder
