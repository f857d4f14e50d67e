"""Test helper: write a SpeechBrain pretrained folder in the agreed format.

Stands in for ``speechbrain_passt.checkpoints.export_pretrained_folder``
(same signature) until that is merged; the inference tests then import the
real exporter instead.

Authors
 * speechbrain-passt developers 2026
"""

import json
import pathlib

import torch
from speechbrain.dataio.encoder import CategoricalEncoder

HYPERPARAMS = """\
# PaSST tagger: inference only (written by the test helper)
pretrained_path: {pretrained_path}
sample_rate: {sample_rate}
multi_label: {multi_label}

compute_features: !new:speechbrain_passt.PaSSTFbank
{fbank}
embedding_model: !new:speechbrain_passt.PaSST
{encoder}
classifier: !new:speechbrain_passt.PaSSTHead
    embed_dim: {embed_dim}
    num_classes: {num_classes}

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


def _block(values):
    return "".join(f"    {key}: {value}\n" for key, value in values.items())


def write_pretrained_folder(
    encoder, head, labels, out_dir, multi_label=True, fbank_kwargs=None
):
    """Export an encoder, a head and labels as a pretrained folder.

    Arguments
    ---------
    encoder : speechbrain_passt.PaSST
        The encoder.
    head : speechbrain_passt.PaSSTHead
        The head.
    labels : list of str
        Class names in head order.
    out_dir : str or os.PathLike
        Folder to write.
    multi_label : bool, optional (default: True)
        Sigmoid (True) or softmax (False) scores.
    fbank_kwargs : dict, optional
        PaSSTFbank arguments (sample_rate, hop_length, ...).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fbank = {"sample_rate": 32000, "n_mels": encoder.n_mels}
    fbank.update(fbank_kwargs or {})
    block = encoder.blocks[0]
    encoder_args = {
        "n_mels": encoder.n_mels,
        "max_frames": encoder.max_frames,
        "patch_size": encoder.patch_size,
        "fstride": encoder.fstride,
        "tstride": encoder.tstride,
        "embed_dim": encoder.embed_dim,
        "depth": len(encoder.blocks),
        "num_heads": block.attn.num_heads,
        "mlp_ratio": block.mlp.fc1.out_features / encoder.embed_dim,
    }
    text = HYPERPARAMS.format(
        pretrained_path=json.dumps(str(out.resolve())),
        sample_rate=fbank["sample_rate"],
        multi_label="True" if multi_label else "False",
        fbank=_block(fbank),
        encoder=_block(encoder_args),
        embed_dim=encoder.embed_dim,
        num_classes=head.num_classes,
    )
    (out / "hyperparams.yaml").write_text(text)
    torch.save(encoder.state_dict(), out / "embedding_model.ckpt")
    torch.save(head.state_dict(), out / "classifier.ckpt")
    label_encoder = CategoricalEncoder()
    label_encoder.update_from_iterable(labels)
    label_encoder.save(out / "label_encoder.txt")
    return out
