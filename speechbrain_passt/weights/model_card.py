"""The model card (``README.md``) of a pretrained folder.

Hub models carry a README that says where the weights come from, what they
predict, how well and under which licence, and how to use them;
:func:`write_model_card` writes one into a folder that
:func:`~speechbrain_passt.weights.export_pretrained_folder` wrote, from the
registry record of a released checkpoint when there is one
(:mod:`~speechbrain_passt.weights.registry`).

Authors
 * speechbrain-passt developers 2026
"""

import os
from pathlib import Path

MODEL_CARD_FILE = "README.md"
# The released weights come with the original code (github kkoutini/PaSST),
# published under the Apache License 2.0.
RELEASE_LICENSE = "apache-2.0"
DATASETS = {
    "audioset": "AudioSet (evaluation set)",
    "fsd50k": "FSD50K (evaluation set)",
    "openmic": "OpenMIC-2018 (test set)",
    "esc50": "ESC-50 (fold 1 held out)",
}
SHOWN_LABELS = 20


def model_card_text(source, labels, multi_label, info=None, folder=None):
    """The text of a pretrained folder's model card.

    Arguments
    ---------
    source : str or os.PathLike
        What was converted: a registry name or a checkpoint file.
    labels : list of str
        Class names in head output order.
    multi_label : bool
        Sigmoid scores (multi-label) or softmax (single-label).
    info : speechbrain_passt.weights.registry.CheckpointInfo, optional
        The registry record of a released checkpoint (source URL, reported
        metric, licence); None for other weights.
    folder : str or os.PathLike, optional
        The folder, for the usage lines (default: ``DIR``).

    Returns
    -------
    str
        Markdown with a YAML front matter (``library_name``, ``license``,
        ``tags``) and the sections Source, Labels, Metric, Licence, Usage.

    Example
    -------
    >>> from speechbrain_passt.weights.registry import get_checkpoint
    >>> text = model_card_text(
    ...     "passt-s", ["Speech", "Music"], True, get_checkpoint("passt-s")
    ... )
    >>> "license: apache-2.0" in text, "mAP 0.476" in text
    (True, True)
    """
    where = os.fspath(folder) if folder is not None else "DIR"
    if info is not None:
        title = f"PaSST {info.name}"
        origin = (
            f"Released checkpoint `{info.name}` of the original PaSST "
            f"code, file `{info.filename}`, downloaded from <{info.url}> "
            f"and converted by speechbrain-passt (requested as "
            f"`{os.fspath(source)}`)."
        )
        if info.note:
            origin += f" {info.note}."
        dataset = DATASETS.get(info.label_set, info.label_set)
        metric = f"{info.metric} {info.score} on {dataset}, as reported "
        metric += "with the release (not re-measured here)."
        licence_id = RELEASE_LICENSE
        licence = (
            "Apache License 2.0, the licence of the original code "
            "(github.com/kkoutini/PaSST) with which the weights are "
            "released. The labels and the data the model was trained on "
            "have their own terms."
        )
    else:
        title = "PaSST"
        origin = f"Converted by speechbrain-passt from `{os.fspath(source)}`."
        metric = "Not known: not a released checkpoint."
        licence_id = "other"
        licence = "That of the converted checkpoint; state it before sharing."
    kind = (
        "multi-label (sigmoid scores)"
        if multi_label
        else ("single-label (softmax probabilities)")
    )
    shown = ", ".join(f"`{label}`" for label in labels[:SHOWN_LABELS])
    if len(labels) > SHOWN_LABELS:
        shown += f", ... ({len(labels) - SHOWN_LABELS} more)"
    return f"""\
---
library_name: speechbrain
license: {licence_id}
pipeline_tag: audio-classification
tags:
- audio-classification
- audio-tagging
- passt
- speechbrain
---

# {title}

A SpeechBrain pretrained folder of PaSST (Patchout faSt Spectrogram
Transformer, Koutini et al., Interspeech 2022): front-end, encoder, head
and labels, at 32 kHz.

## Source

{origin}

## Labels

{len(labels)} classes, {kind}, in head output order
(`label_encoder.txt`): {shown}.

## Metric

{metric}

## Licence

{licence}

## Usage

```bash
passt-tag --model {where} dog.wav
```

```python
from speechbrain_passt.inference import PaSSTClassifier

classifier = PaSSTClassifier.from_hparams(source="{where}")
out_prob, score, index, text_lab = classifier.classify_file("dog.wav")
print(classifier.tag_file("dog.wav", top_k=5).labels)
```
"""


def write_model_card(folder, source, labels, multi_label, info=None):
    """Write ``README.md`` (see :func:`model_card_text`) into ``folder``.

    Arguments
    ---------
    folder : str or os.PathLike
        The pretrained folder.
    source : str or os.PathLike
        What was converted: a registry name or a checkpoint file.
    labels : list of str
        Class names in head output order.
    multi_label : bool
        Sigmoid scores (multi-label) or softmax (single-label).
    info : speechbrain_passt.weights.registry.CheckpointInfo, optional
        The registry record of a released checkpoint.

    Returns
    -------
    pathlib.Path
        The written file.

    Example
    -------
    >>> path = write_model_card(getfixture("tmpdir"), "mine.pt", ["a"], False)
    >>> path.name, "Not known" in path.read_text()
    ('README.md', True)
    """
    path = Path(folder) / MODEL_CARD_FILE
    text = model_card_text(source, labels, multi_label, info, folder)
    path.write_text(text, encoding="utf-8")
    return path
