"""Export a trained PaSSTBrain's model as a SpeechBrain pretrained folder.

Authors
 * speechbrain-passt developers 2026
"""

from speechbrain_passt.weights import export_pretrained_folder

FBANK_EXPORT_ATTRIBUTES = (
    "sample_rate",
    "n_fft",
    "win_length",
    "hop_length",
    "n_mels",
    "f_min",
    "f_max",
    "preemphasis",
    "log_offset",
    "norm_shift",
    "norm_scale",
)


def export_trained_model(brain, out_dir, labels):
    """Write the Brain's :attr:`~PaSSTBrain.exported_model` (the SWA
    average with ``evaluate_with_swa`` once it holds weights, else the live
    model) as a pretrained folder that
    :class:`~speechbrain_passt.inference.PaSSTClassifier` and ``passt-tag``
    load.

    Arguments
    ---------
    brain : PaSSTBrain
        The trained (and tested) Brain.
    out_dir : str or os.PathLike
        Destination folder.
    labels : list of str
        Display names in head output order.

    Returns
    -------
    pathlib.Path
        The folder (from
        :func:`~speechbrain_passt.weights.export_pretrained_folder`).
    """
    encoder, head = brain.inference_modules()
    fbank = brain.modules.compute_features
    fbank_kwargs = {
        name: getattr(fbank, name)
        for name in FBANK_EXPORT_ATTRIBUTES
        if hasattr(fbank, name)
    }
    return export_pretrained_folder(
        encoder,
        head,
        list(labels),
        out_dir,
        multi_label=brain.target_kind != "single_label",
        fbank_kwargs=fbank_kwargs,
    )
