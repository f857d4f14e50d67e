"""Tag audio with a PaSST exported to ONNX, in ONNX Runtime.

:class:`OnnxTagger` reads everything it needs (labels, activation, sample
rate, shortest and longest input) from the metadata that
:func:`~speechbrain_passt.inference.onnx_export.export_onnx` writes, and
tags audio as :class:`~speechbrain_passt.inference.PaSSTClassifier` does:
clips shorter than one patch are zero-padded to one patch, longer clips are
cut into windows of the time encoding's length every ``hop``
(:mod:`~speechbrain_passt.inference.windows`), the clip's logits are the
mean of its windows' logits. The graph takes equal-length clips, so windows
run in batches of equal length. ``tag_batch`` / ``tag_file`` give the rich
per-clip results, ``classify_batch`` / ``classify_file`` SpeechBrain's
``AudioClassifier`` tuple.

Authors
 * speechbrain-passt developers 2026
"""

import json

import torch

from speechbrain_passt.data.audio import read_audio
from speechbrain_passt.inference.results import tagging_result
from speechbrain_passt.inference.sb_interface import AudioClassifierInterface
from speechbrain_passt.inference.windows import (
    WindowPlan,
    cut_windows,
    hop_samples,
    pad_to,
)

METADATA_KEYS = (
    "labels",
    "multi_label",
    "sample_rate",
    "min_samples",
    "max_samples",
)


class OnnxTagger(AudioClassifierInterface):
    """Tag audio with an ONNX file written by ``passt-export``.

    Arguments
    ---------
    path : str or os.PathLike
        The ``.onnx`` file.
    hop : float, optional
        Default hop between windows of long audio, in seconds (default:
        half a window).
    window_batch_size : int, optional (default: 8)
        Windows run at once.
    providers : list of str, optional
        ONNX Runtime execution providers (default: the CPU).

    Raises
    ------
    ImportError
        ``onnxruntime`` is not installed.
    ValueError
        The file lacks the metadata of ``passt-export``, or a bad hop.

    Example
    -------
    >>> import pytest
    >>> _ = pytest.importorskip("onnxscript")
    >>> from speechbrain_passt.inference import PaSSTClassifier
    >>> from speechbrain_passt.inference.onnx_export import export_onnx
    >>> from speechbrain_passt.lobes.passt import PaSST, PaSSTHead
    >>> model = PaSSTClassifier.from_modules(
    ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
    ...     PaSSTHead(32, 3),
    ...     ["dog", "cat", "rain"],
    ... )
    >>> tagger = OnnxTagger(export_onnx(model, getfixture("tmpdir") / "m.onnx"))
    >>> tagger.labels, tagger.sample_rate, tagger.window_samples
    (['dog', 'cat', 'rain'], 32000, 68800)
    >>> result = tagger.tag_batch(torch.randn(1, 100000), top_k=2)[0]
    >>> len(result.labels), result.timeline.scores.shape
    (2, torch.Size([2, 3]))
    >>> tagger.classify_batch(torch.randn(2, 32000))[0].shape
    torch.Size([2, 3])
    """

    def __init__(self, path, hop=None, window_batch_size=8, providers=None):
        try:
            import onnxruntime
        except ImportError as error:
            raise ImportError(
                "tagging with ONNX needs onnxruntime: pip install "
                "'speechbrain-passt[onnx]'"
            ) from error
        if window_batch_size < 1:
            raise ValueError(
                f"window_batch_size must be >= 1, got {window_batch_size}"
            )
        self.session = onnxruntime.InferenceSession(
            str(path), providers=providers or ["CPUExecutionProvider"]
        )
        meta = self.session.get_modelmeta().custom_metadata_map
        missing = [key for key in METADATA_KEYS if key not in meta]
        if missing:
            raise ValueError(
                f"{path} lacks the metadata {missing}: write it with "
                "passt-export"
            )
        self.labels = json.loads(meta["labels"])
        self.multi_label = json.loads(meta["multi_label"])
        self.sample_rate = int(meta["sample_rate"])
        self.min_samples = int(meta["min_samples"])
        self.window_samples = int(meta["max_samples"])
        self.window_batch_size = window_batch_size
        self.hop = self.window_samples / self.sample_rate / 2
        if hop is not None:
            self.hop = hop
        hop_samples(self.hop, self.sample_rate, self.window_samples)

    def run(self, wavs):
        """Run the graph on equal-length clips.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` mono waveforms at :attr:`sample_rate`,
            ``min_samples <= samples <= window_samples``.

        Returns
        -------
        logits : torch.Tensor
            ``[batch, classes]``.
        embedding : torch.Tensor
            ``[batch, embed_dim]``.

        Raises
        ------
        ValueError
            Not 2-D, or a length outside the graph's range.
        """
        if wavs.dim() != 2:
            raise ValueError(
                f"wavs must be [batch, samples], got {tuple(wavs.shape)}"
            )
        if not self.min_samples <= wavs.shape[1] <= self.window_samples:
            raise ValueError(
                f"the graph takes {self.min_samples} to "
                f"{self.window_samples} samples, got {wavs.shape[1]}"
            )
        waveform = wavs.detach().to("cpu", torch.float32).numpy()
        logits, embedding = self.session.run(
            ["logits", "embedding"], {"waveform": waveform}
        )
        return torch.from_numpy(logits), torch.from_numpy(embedding)

    def tag_batch(self, wavs, wav_lens=None, top_k=5, hop=None):
        """Tag a batch of waveforms of any length.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` mono waveforms at :attr:`sample_rate`.
        wav_lens : torch.Tensor, optional
            ``[batch]`` relative lengths.
        top_k : int, optional (default: 5)
            Number of labels to return per clip.
        hop : float, optional
            Hop between windows of long audio, in seconds.

        Returns
        -------
        list of TaggingResult
            One per clip.
        """
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        hop = hop_samples(
            self.hop if hop is None else hop,
            self.sample_rate,
            self.window_samples,
        )
        plan = WindowPlan(self.window_samples, hop)
        sizes, windows = cut_windows(
            wavs.detach().cpu().float(), wav_lens, plan
        )
        waves = [pad_to(wave, self.min_samples) for _, _, wave in windows]
        logits = [None] * len(waves)
        for indices in _equal_length_batches(waves, self.window_batch_size):
            batch_logits, _ = self.run(torch.stack([waves[i] for i in indices]))
            for i, row in zip(indices, batch_logits, strict=True):
                logits[i] = row
        per_clip = [([], [], []) for _ in sizes]  # logits, starts, ends
        for (owner, start, _), row in zip(windows, logits, strict=True):
            clip_logits, starts, ends = per_clip[owner]
            clip_logits.append(row)
            starts.append(start / self.sample_rate)
            ends.append(plan.end(start, sizes[owner]) / self.sample_rate)
        return [
            tagging_result(
                torch.stack(clip_logits),
                torch.tensor(starts, dtype=torch.float64),
                torch.tensor(ends, dtype=torch.float64),
                size / self.sample_rate,
                self.labels,
                top_k,
                self.multi_label,
            )
            for (clip_logits, starts, ends), size in zip(
                per_clip, sizes, strict=True
            )
        ]

    def tag_file(self, path, top_k=5, hop=None):
        """Tag an audio file of any format, rate, channel count and length.

        Arguments
        ---------
        path : str or os.PathLike
            Audio file.
        top_k : int, optional (default: 5)
            Number of labels to return.
        hop : float, optional
            Hop between windows of long audio, in seconds.

        Returns
        -------
        TaggingResult
            Top-k labels and scores, all scores, and the timeline.

        Raises
        ------
        speechbrain_passt.data.audio.AudioReadError
            The file is missing, cannot be decoded or is empty.
        """
        wav = read_audio(path, self.sample_rate)
        return self.tag_batch(wav.unsqueeze(0), top_k=top_k, hop=hop)[0]


def _equal_length_batches(waves, size):
    """Indices of ``waves`` in batches of at most ``size`` waves of one
    length each (the graph takes equal-length clips)."""
    by_length = {}
    for index, wave in enumerate(waves):
        by_length.setdefault(wave.shape[0], []).append(index)
    return [
        indices[first : first + size]
        for indices in by_length.values()
        for first in range(0, len(indices), size)
    ]
