"""SpeechBrain's audio classifier interface on top of PaSST's tagging.

:class:`AudioClassifierInterface` gives a tagger with ``tag_batch``,
``tag_file`` and ``labels`` (:class:`~speechbrain_passt.inference.PaSSTClassifier`,
:class:`~speechbrain_passt.inference.onnx_tagger.OnnxTagger`) the
``classify_batch`` / ``classify_file`` of SpeechBrain's ``AudioClassifier``:
the tuple ``(out_prob, score, index, text_lab)``, so code written for
SpeechBrain's classifiers runs unchanged. The rich per-clip results (top-k,
timeline, duration) stay with ``tag_batch`` / ``tag_file``.

Authors
 * speechbrain-passt developers 2026
"""

import torch  # noqa: F401 (doctests)
from speechbrain.dataio import audio_io  # noqa: F401 (doctests)

from speechbrain_passt.inference.results import classifier_outputs


class AudioClassifierInterface:
    """``classify_batch`` / ``classify_file`` as SpeechBrain's
    ``AudioClassifier`` has them, for a tagger with ``tag_batch``,
    ``tag_file`` and ``labels``.

    Scores are the activation of the clip logits (the mean of the window
    logits for long clips): sigmoid for multi-label heads, softmax for
    single-label ones; the best class is their argmax.

    Example
    -------
    >>> from speechbrain_passt.inference import PaSSTClassifier
    >>> from speechbrain_passt.lobes.passt import PaSST, PaSSTHead
    >>> classifier = PaSSTClassifier.from_modules(
    ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
    ...     PaSSTHead(32, 3),
    ...     ["dog", "cat", "rain"],
    ... )
    >>> out_prob, score, index, text_lab = classifier.classify_batch(
    ...     torch.randn(2, 32000)
    ... )
    >>> out_prob.shape, score.shape, index.shape, len(text_lab)
    (torch.Size([2, 3]), torch.Size([2]), torch.Size([2]), 2)
    """

    def classify_batch(self, wavs, wav_lens=None, hop=None):
        """Classify a batch as SpeechBrain's ``AudioClassifier`` does.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` mono waveforms at the model's sample rate.
        wav_lens : torch.Tensor, optional
            ``[batch]`` relative lengths in (0, 1].
        hop : float, optional
            Hop between windows of long audio, in seconds.

        Returns
        -------
        out_prob : torch.Tensor
            ``[batch, classes]`` sigmoid scores (multi-label heads) or
            softmax probabilities (single-label heads).
        score : torch.Tensor
            ``[batch]`` the best class's score.
        index : torch.Tensor
            ``[batch]`` the best class's index (int64).
        text_lab : list of str
            The best class's label, one per clip.

        Example
        -------
        >>> from speechbrain_passt.inference import PaSSTClassifier
        >>> from speechbrain_passt.lobes.passt import PaSST, PaSSTHead
        >>> classifier = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ...     multi_label=False,
        ... )
        >>> out_prob, score, index, text_lab = classifier.classify_batch(
        ...     torch.randn(2, 32000), torch.tensor([1.0, 0.5])
        ... )
        >>> out_prob.sum(-1).round().tolist(), text_lab[0] in classifier.labels
        ([1.0, 1.0], True)
        """
        results = self.tag_batch(wavs, wav_lens, top_k=1, hop=hop)
        return classifier_outputs(results, self.labels)

    def classify_file(self, path, savedir=None, hop=None):
        """Classify an audio file as SpeechBrain's ``AudioClassifier`` does.

        The file may have any format, sample rate, channel count and
        length (read block by block, windowed like :meth:`classify_batch`).

        Arguments
        ---------
        path : str or os.PathLike
            Audio file.
        savedir : None
            Unused (kept for ``AudioClassifier`` compatibility).
        hop : float, optional
            Hop between windows of long audio, in seconds.

        Returns
        -------
        tuple
            ``(out_prob [1, classes], score [1], index [1], text_lab)``, as
            :meth:`classify_batch` for a batch of one.

        Example
        -------
        >>> from speechbrain_passt.inference import PaSSTClassifier
        >>> from speechbrain_passt.lobes.passt import PaSST, PaSSTHead
        >>> classifier = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> path = str(getfixture("tmpdir") / "clip.wav")
        >>> audio_io.save(path, 0.1 * torch.randn(1, 16000), 16000)
        >>> out_prob, score, index, text_lab = classifier.classify_file(path)
        >>> out_prob.shape, len(text_lab)
        (torch.Size([1, 3]), 1)
        """
        result = self.tag_file(path, top_k=1, hop=hop)
        return classifier_outputs([result], self.labels)
