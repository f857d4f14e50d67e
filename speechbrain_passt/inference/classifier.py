"""Pretrained PaSST tagging and embeddings for any audio file.

:class:`PaSSTClassifier` is a SpeechBrain ``Pretrained`` interface. It loads
a pretrained folder (``hyperparams.yaml``, ``embedding_model.ckpt``,
``classifier.ckpt``, ``label_encoder.txt``) from a local directory, offline,
or from a hub id, and takes audio of any format soundfile reads, any sample
rate (resampled to the model's rate with torchaudio), any channel count
(averaged to mono) and any length:

* Shorter than one patch (16 frames, 0.15 s at 32 kHz): zero-padded to one
  patch.
* Longer than the time encoding (``max_input_frames()`` frames, 10.05 s for
  the released 10 s models): cut into windows of exactly that length, every
  ``hop`` seconds (default: half a window), with the last window aligned to
  the end of the clip so that every window is full. Windows run as batches.
  Clip scores are the activation of the mean of the window logits; clip
  embeddings are the mean of the window embeddings. Per-window scores form
  the timeline.
* Clips of different lengths in one batch: the front-end runs per window
  (STFT edges depend on the true length), the spectrograms are padded and
  the encoder gets relative lengths, which mask the padded patches out of
  the attention, so every clip scores as it would alone.

Frame-level embeddings pool the encoder's output patch tokens per time
column of the patch grid (not HEAR-style short windows): one embedding every
``tstride`` frames (0.1 s for the released models), each the mean over the
frequency rows of its column, stamped with the column's centre time. Long
audio stitches the windows: each time is taken from the window in which it
lies furthest from an edge (windows are cut at the middle of each overlap).

Everything runs in inference mode without gradients, on CPU or CUDA (with
bf16 autocast on CUDA; the front-end stays in fp32). Dynamic int8
quantisation of the Linear layers is an opt-in for CPU tagging
(:meth:`PaSSTClassifier.quantize`); check it on your own clips with
:meth:`PaSSTClassifier.quantization_keeps_top_k`.

Authors
 * speechbrain-passt developers 2026
"""

import contextlib
import copy
import dataclasses
import os
import pathlib
import warnings

import torch
from speechbrain.dataio import audio_io
from speechbrain.dataio.encoder import CategoricalEncoder
from speechbrain.dataio.preprocess import AudioNormalizer
from speechbrain.inference.interfaces import Pretrained

from speechbrain_passt.lobes.features import PaSSTFbank
from speechbrain_passt.lobes.passt import (  # PaSSTHead: for the doctests
    PaSST,
    PaSSTHead,  # noqa: F401
)
from speechbrain_passt.weights import CheckpointMismatchError

QUANTIZED_MODULES = ("embedding_model", "classifier")


class AudioReadError(RuntimeError):
    """An audio file exists but cannot be decoded."""


@dataclasses.dataclass
class Timeline:
    """Per-window results of one clip.

    Arguments
    ---------
    starts : torch.Tensor
        ``[windows]`` start of each window, in seconds.
    ends : torch.Tensor
        ``[windows]`` end of each window, in seconds (at most the clip's
        duration).
    scores : torch.Tensor
        ``[windows, classes]`` sigmoid or softmax scores of each window.
    logits : torch.Tensor
        ``[windows, classes]`` logits of each window (their mean gives the
        clip's logits).

    Example
    -------
    >>> timeline = Timeline(
    ...     torch.tensor([0.0]),
    ...     torch.tensor([1.0]),
    ...     torch.ones(1, 2),
    ...     torch.ones(1, 2),
    ... )
    >>> timeline.scores.shape
    torch.Size([1, 2])
    """

    starts: torch.Tensor
    ends: torch.Tensor
    scores: torch.Tensor
    logits: torch.Tensor


@dataclasses.dataclass
class TaggingResult:
    """Tags of one clip.

    Arguments
    ---------
    labels : list of str
        The ``top_k`` best labels, best first.
    scores : list of float
        Their scores.
    indices : list of int
        Their class indices (head output order).
    all_scores : torch.Tensor
        ``[classes]`` every class's score: sigmoid of the clip logits for
        multi-label heads, softmax for single-label heads.
    logits : torch.Tensor
        ``[classes]`` clip logits (mean of the window logits).
    duration : float
        Clip duration in seconds.
    timeline : Timeline
        Per-window scores (one window for clips that fit the model).

    Example
    -------
    >>> tagger = PaSSTClassifier.from_modules(
    ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
    ...     PaSSTHead(32, 3),
    ...     ["dog", "cat", "rain"],
    ... )
    >>> result = tagger.classify_batch(torch.randn(1, 80000), top_k=2)[0]
    >>> result.labels == [tagger.labels[i] for i in result.indices]
    True
    >>> result.timeline.starts.tolist()  # 2.5 s in windows of 2.15 s
    [0.0, 0.35]
    """

    labels: list
    scores: list
    indices: list
    all_scores: torch.Tensor
    logits: torch.Tensor
    duration: float
    timeline: Timeline

    def to_dict(self, label_names=None, top_k=None, timeline=False):
        """A JSON-ready summary.

        Arguments
        ---------
        label_names : list of str, optional
            All class names in head order; needed for ``timeline``.
        top_k : int, optional
            Labels per window in the timeline (default: as many as
            ``labels``).
        timeline : bool, optional (default: False)
            Add the per-window top labels under ``"timeline"``.

        Returns
        -------
        dict
            ``{"duration", "tags": [{"label", "score"}], ["timeline":
            [{"start", "end", "tags"}]]}``.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> result = tagger.classify_batch(torch.randn(1, 32000), top_k=1)[0]
        >>> summary = result.to_dict(tagger.labels, timeline=True)
        >>> summary["duration"], len(summary["tags"]), len(summary["timeline"])
        (1.0, 1, 1)
        """
        out = {
            "duration": round(self.duration, 4),
            "tags": [
                {"label": label, "score": round(score, 6)}
                for label, score in zip(self.labels, self.scores, strict=True)
            ],
        }
        if timeline:
            if label_names is None:
                raise ValueError("label_names are needed for the timeline")
            k = len(self.labels) if top_k is None else top_k
            out["timeline"] = [
                {"start": round(start, 4), "end": round(end, 4), "tags": tags}
                for start, end, tags in zip(
                    self.timeline.starts.tolist(),
                    self.timeline.ends.tolist(),
                    _top_tags(self.timeline.scores, label_names, k),
                    strict=True,
                )
            ]
        return out


@dataclasses.dataclass
class FrameEmbeddings:
    """Frame-level embeddings of a batch.

    Arguments
    ---------
    embeddings : torch.Tensor
        ``[batch, frames, embed_dim]``, zero-padded after each clip's end.
    times : torch.Tensor
        ``[batch, frames]`` centre time of each embedding, in seconds.
    lengths : torch.Tensor
        ``[batch]`` relative lengths (valid frames / ``frames``).

    Example
    -------
    >>> frames = FrameEmbeddings(
    ...     torch.zeros(1, 3, 8), torch.zeros(1, 3), torch.ones(1)
    ... )
    >>> frames.embeddings.shape
    torch.Size([1, 3, 8])
    """

    embeddings: torch.Tensor
    times: torch.Tensor
    lengths: torch.Tensor


@dataclasses.dataclass
class _ClipOutputs:
    """Raw per-window outputs of one clip (internal)."""

    duration: float
    starts: torch.Tensor
    ends: torch.Tensor
    logits: torch.Tensor
    embeddings: torch.Tensor
    columns: list = None


class PaSSTClassifier(Pretrained):
    """Tag audio and extract embeddings with a pretrained PaSST.

    Load a pretrained folder with
    ``PaSSTClassifier.from_hparams(source, savedir=None)``, or wrap modules
    already in memory with :meth:`from_modules`. The folder's
    ``hyperparams.yaml`` provides the modules ``compute_features``
    (:class:`~speechbrain_passt.PaSSTFbank`), ``embedding_model``
    (:class:`~speechbrain_passt.PaSST`) and ``classifier``
    (:class:`~speechbrain_passt.PaSSTHead`), and the hparams
    ``label_encoder``, ``multi_label`` (sigmoid scores if True, softmax
    otherwise) and ``audio_normalizer`` (at the model's sample rate).

    Arguments
    ---------
    *args
        Passed to ``Pretrained`` (``modules``, ``hparams``, ``run_opts``,
        ``freeze_params``).
    hop : float, optional
        Default hop between windows of long audio, in seconds (default:
        half a window).
    window_batch_size : int, optional (default: 8)
        Windows the encoder runs at once.
    quantize : bool, optional (default: False)
        Apply dynamic int8 quantisation to the Linear layers (CPU only),
        see :meth:`quantize`.
    cuda_bf16 : bool, optional (default: True)
        Run the encoder and head under bf16 autocast on CUDA.
    **kwargs
        Passed to ``Pretrained``.

    Example
    -------
    >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200)
    >>> head = PaSSTHead(32, 3)
    >>> tagger = PaSSTClassifier.from_modules(
    ...     encoder, head, ["dog", "cat", "rain"], multi_label=True
    ... )
    >>> result = tagger.classify_batch(torch.randn(1, 32000), top_k=2)[0]
    >>> len(result.labels), result.all_scores.shape
    (2, torch.Size([3]))
    >>> tagger.encode_batch(torch.randn(2, 16000)).shape
    torch.Size([2, 1, 32])
    """

    HPARAMS_NEEDED = ["label_encoder", "multi_label"]
    MODULES_NEEDED = ["compute_features", "embedding_model", "classifier"]

    def __init__(
        self,
        *args,
        hop=None,
        window_batch_size=8,
        quantize=False,
        cuda_bf16=True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        missing = [
            name for name in self.MODULES_NEEDED if name not in self.mods
        ]
        if missing:
            raise ValueError(f"hyperparams.yaml lacks the modules {missing}")
        if window_batch_size < 1:
            raise ValueError(
                f"window_batch_size must be >= 1, got {window_batch_size}"
            )
        self.window_batch_size = window_batch_size
        self.cuda_bf16 = cuda_bf16
        self.quantized = False
        self._check_consistency()
        pretrainer = getattr(self.hparams, "pretrainer", None)
        if pretrainer is not None:
            _check_collected(pretrainer)
        self.hop = self.window_seconds / 2 if hop is None else hop
        self._hop_samples(self.hop)  # validate early
        if quantize:
            self.quantize()

    @classmethod
    def from_hparams(
        cls, source, hparams_file="hyperparams.yaml", overrides=None, **kwargs
    ):
        """Load a pretrained folder from a local directory or a hub id.

        A local directory is used in place and offline: its absolute path
        overrides ``pretrained_path``, so a moved or copied folder still
        loads. Anything else that does not look like a path is taken as a
        hub id (downloaded to the library's standard cache).

        Arguments
        ---------
        source : str or os.PathLike
            A pretrained folder or a hub id.
        hparams_file : str, optional (default: "hyperparams.yaml")
            Name of the HyperPyYAML file in ``source``.
        overrides : dict, optional
            Overrides for the yaml (e.g. ``{"multi_label": False}``).
        **kwargs
            ``savedir``, ``run_opts`` (e.g. ``{"device": "cuda:0"}``),
            ``fetch_config``, and the constructor's keyword arguments
            (``hop``, ``window_batch_size``, ``quantize``, ``cuda_bf16``).

        Returns
        -------
        PaSSTClassifier
            The loaded tagger, in eval mode with frozen parameters.

        Example
        -------
        >>> from speechbrain_passt import PaSST, PaSSTHead
        >>> from speechbrain_passt.weights import (
        ...     export_pretrained_folder,
        ... )
        >>> folder = export_pretrained_folder(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "bird"],
        ...     getfixture("tmpdir") / "tiny",
        ... )
        >>> tagger = PaSSTClassifier.from_hparams(
        ...     str(folder), run_opts={"device": "cpu"}
        ... )
        >>> tagger.classify_batch(torch.randn(1, 32000))[0].labels
        [...]
        """
        overrides = dict(overrides or {})
        folder = _local_folder(source)
        if folder is not None:
            if not (folder / hparams_file).is_file():
                raise FileNotFoundError(
                    f"{folder} is not a pretrained folder: {hparams_file} "
                    "is missing"
                )
            source = str(folder)
            overrides.setdefault("pretrained_path", source)
        return super().from_hparams(
            source, hparams_file=hparams_file, overrides=overrides, **kwargs
        )

    @classmethod
    def from_modules(
        cls,
        encoder,
        head,
        labels,
        multi_label=True,
        compute_features=None,
        **kwargs,
    ):
        """Wrap an encoder and a head already in memory (no folder needed).

        Arguments
        ---------
        encoder : PaSST
            The encoder.
        head : PaSSTHead
            The classifier head.
        labels : list of str
            Class names in head output order.
        multi_label : bool, optional (default: True)
            Sigmoid scores if True, softmax otherwise.
        compute_features : PaSSTFbank, optional
            The front-end (default: ``PaSSTFbank()`` with the encoder's
            ``n_mels``).
        **kwargs
            Constructor arguments (``run_opts``, ``hop``, ...).

        Returns
        -------
        PaSSTClassifier
            The tagger, in eval mode with frozen parameters.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2),
        ...     PaSSTHead(32, 2),
        ...     ["speech", "music"],
        ...     multi_label=False,
        ... )
        >>> round(tagger.window_seconds, 2)
        10.05
        """
        if compute_features is None:
            compute_features = PaSSTFbank(n_mels=encoder.n_mels)
        label_encoder = CategoricalEncoder()
        labels = list(labels)
        if len(set(labels)) != len(labels):
            raise ValueError("labels must be unique")
        label_encoder.update_from_iterable(labels)
        modules = {
            "compute_features": compute_features,
            "embedding_model": encoder,
            "classifier": head,
        }
        hparams = {
            "sample_rate": compute_features.sample_rate,
            "multi_label": multi_label,
            "label_encoder": label_encoder,
            "audio_normalizer": AudioNormalizer(compute_features.sample_rate),
            "modules": modules,
        }
        return cls(modules=modules, hparams=hparams, **kwargs)

    def _check_consistency(self):
        """Fail early on a folder whose parts do not fit together."""
        fbank = self.mods.compute_features
        encoder = self.mods.embedding_model
        if not isinstance(encoder, PaSST):
            raise TypeError(
                f"embedding_model must be a PaSST, got {type(encoder).__name__}"
            )
        rate = fbank.sample_rate
        normalizer_rate = getattr(self.audio_normalizer, "sample_rate", None)
        if normalizer_rate != rate:
            raise ValueError(
                f"audio_normalizer resamples to {normalizer_rate} Hz but the "
                f"front-end expects {rate} Hz; set audio_normalizer's "
                "sample_rate in hyperparams.yaml"
            )
        declared = getattr(self.hparams, "sample_rate", rate)
        if declared != rate:
            raise ValueError(
                f"hyperparams sample_rate={declared} but the front-end "
                f"expects {rate} Hz"
            )
        if fbank.n_mels != encoder.n_mels:
            raise ValueError(
                f"front-end gives {fbank.n_mels} mel bins, encoder expects "
                f"{encoder.n_mels}"
            )
        num_classes = self.mods.classifier.linear.out_features
        num_labels = len(self.hparams.label_encoder)
        if num_labels != num_classes:
            raise ValueError(
                f"the label encoder has {num_labels} labels but the head has "
                f"{num_classes} outputs (label_encoder.txt missing or from "
                "another model?)"
            )

    @property
    def sample_rate(self):
        """Sample rate the model expects, in Hz."""
        return self.mods.compute_features.sample_rate

    @property
    def labels(self):
        """Class names in head output order."""
        encoder = self.hparams.label_encoder
        return [encoder.ind2lab[i] for i in range(len(encoder))]

    @property
    def window_samples(self):
        """Longest input the model takes in one pass, in samples."""
        encoder = self.mods.embedding_model
        return (
            encoder.max_input_frames() * self.mods.compute_features.hop_length
        )

    @property
    def window_seconds(self):
        """Longest input the model takes in one pass, in seconds."""
        return self.window_samples / self.sample_rate

    @property
    def min_samples(self):
        """Shortest input without padding: one patch of frames."""
        patch = self.mods.embedding_model.patch_size
        return (patch - 1) * self.mods.compute_features.hop_length + 1

    def load_audio(self, path, savedir=None):
        """Read an audio file as a mono waveform at the model's rate.

        Arguments
        ---------
        path : str or os.PathLike
            A local audio file in any format soundfile reads.
        savedir : None
            Unused (kept for ``Pretrained`` compatibility).

        Returns
        -------
        torch.Tensor
            ``[samples]`` on the model's device.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2),
        ...     PaSSTHead(32, 1),
        ...     ["x"],
        ... )
        >>> path = getfixture("tmpdir") / "tone.wav"
        >>> audio_io.save(str(path), torch.zeros(2, 16000), 16000)
        >>> tagger.load_audio(path).shape
        torch.Size([32000])
        """
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"audio file not found: {path}")
        if os.path.isdir(path):
            raise IsADirectoryError(
                f"expected an audio file, got a folder: {path}"
            )
        try:
            signal, rate = audio_io.load(path, channels_first=False)
        except RuntimeError as error:
            cause = error.__cause__ or error
            raise AudioReadError(
                f"could not read audio file {path}: {cause}"
            ) from error
        if signal.numel() == 0:
            raise AudioReadError(f"audio file {path} has no samples")
        if not torch.isfinite(signal).all():
            raise AudioReadError(f"audio file {path} holds NaN or inf samples")
        signal = self.audio_normalizer(signal.float(), rate)
        return signal.to(self.device)

    @torch.inference_mode()
    def forward(self, wavs, wav_lens=None, hop=None):
        """Clip logits of a batch (windows averaged for long clips).

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` mono waveforms at :attr:`sample_rate`.
        wav_lens : torch.Tensor, optional
            ``[batch]`` relative lengths.
        hop : float, optional
            Hop between windows of long audio, in seconds.

        Returns
        -------
        torch.Tensor
            ``[batch, 1, classes]`` logits.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> tagger(torch.randn(2, 16000), torch.tensor([1.0, 0.5])).shape
        torch.Size([2, 1, 3])
        """
        clips = self._run(wavs, wav_lens, hop, frames=False)
        return torch.stack([c.logits.mean(0, keepdim=True) for c in clips])

    @torch.inference_mode()
    def classify_batch(self, wavs, wav_lens=None, top_k=5, hop=None):
        """Tag a batch of waveforms.

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

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> results = tagger.classify_batch(torch.randn(2, 32000), top_k=2)
        >>> len(results), len(results[0].labels), results[1].all_scores.shape
        (2, 2, torch.Size([3]))
        """
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        names = self.labels
        results = []
        for clip in self._run(wavs, wav_lens, hop, frames=False):
            logits = clip.logits.mean(0)
            scores = self._activate(logits)
            top = scores.topk(min(top_k, scores.numel()))
            indices = top.indices.tolist()
            results.append(
                TaggingResult(
                    labels=[names[i] for i in indices],
                    scores=top.values.tolist(),
                    indices=indices,
                    all_scores=scores,
                    logits=logits,
                    duration=clip.duration,
                    timeline=Timeline(
                        starts=clip.starts,
                        ends=clip.ends,
                        scores=self._activate(clip.logits),
                        logits=clip.logits,
                    ),
                )
            )
        return results

    def classify_file(self, path, top_k=5, hop=None):
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

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> path = str(getfixture("tmpdir") / "clip.flac")
        >>> audio_io.save(path, 0.1 * torch.randn(1, 44100), 44100)
        >>> result = tagger.classify_file(path, top_k=1)
        >>> len(result.labels), result.duration
        (1, 1.0)
        """
        wav = self.load_audio(path)
        return self.classify_batch(wav.unsqueeze(0), top_k=top_k, hop=hop)[0]

    @torch.inference_mode()
    def encode_batch(self, wavs, wav_lens=None, hop=None):
        """Clip embeddings (mean of the C and D tokens; windows averaged).

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` mono waveforms at :attr:`sample_rate`.
        wav_lens : torch.Tensor, optional
            ``[batch]`` relative lengths.
        hop : float, optional
            Hop between windows of long audio, in seconds.

        Returns
        -------
        torch.Tensor
            ``[batch, 1, embed_dim]``.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> tagger.encode_batch(torch.randn(2, 100000)).shape
        torch.Size([2, 1, 32])
        """
        clips = self._run(wavs, wav_lens, hop, frames=False)
        return torch.stack([c.embeddings.mean(0, keepdim=True) for c in clips])

    @torch.inference_mode()
    def encode_frames(self, wavs, wav_lens=None, hop=None):
        """Frame-level embeddings with timestamps.

        Patch tokens averaged per time column of the patch grid: one
        embedding every ``tstride`` spectrogram frames, stamped with the
        centre of the frames its column covers. Long clips stitch their
        windows, cutting each overlap in the middle.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` mono waveforms at :attr:`sample_rate`.
        wav_lens : torch.Tensor, optional
            ``[batch]`` relative lengths.
        hop : float, optional
            Hop between windows of long audio, in seconds.

        Returns
        -------
        FrameEmbeddings
            ``embeddings [batch, frames, embed_dim]``, ``times [batch,
            frames]`` (seconds) and relative ``lengths``.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2),
        ...     PaSSTHead(32, 1),
        ...     ["x"],
        ... )
        >>> frames = tagger.encode_frames(torch.randn(1, 32000))
        >>> frames.embeddings.shape, frames.times[0, :2].tolist()
        (torch.Size([1, 9, 32]), [0.08, 0.18])
        """
        clips = self._run(wavs, wav_lens, hop, frames=True)
        stitched = [_stitch(clip) for clip in clips]
        longest = max(emb.shape[0] for emb, _ in stitched)
        dim = stitched[0][0].shape[-1]
        embeddings = torch.zeros(len(clips), longest, dim)
        times = torch.zeros(len(clips), longest, dtype=torch.float64)
        lengths = torch.zeros(len(clips))
        for i, (emb, stamp) in enumerate(stitched):
            embeddings[i, : emb.shape[0]] = emb
            times[i, : emb.shape[0]] = stamp
            lengths[i] = emb.shape[0] / longest
        return FrameEmbeddings(embeddings, times, lengths)

    def encode_file(self, path, frame_level=False, hop=None):
        """Embeddings of an audio file.

        Arguments
        ---------
        path : str or os.PathLike
            Audio file.
        frame_level : bool, optional (default: False)
            Return :meth:`encode_frames` output instead of the clip
            embedding.
        hop : float, optional
            Hop between windows of long audio, in seconds.

        Returns
        -------
        torch.Tensor or FrameEmbeddings
            ``[1, 1, embed_dim]``, or frame embeddings for a batch of one.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> path = str(getfixture("tmpdir") / "clip.wav")
        >>> audio_io.save(path, 0.1 * torch.randn(1, 16000), 16000)
        >>> tagger.encode_file(path).shape
        torch.Size([1, 1, 32])
        >>> tagger.encode_file(path, frame_level=True).embeddings.shape
        torch.Size([1, 9, 32])
        """
        wav = self.load_audio(path).unsqueeze(0)
        if frame_level:
            return self.encode_frames(wav, hop=hop)
        return self.encode_batch(wav, hop=hop)

    def quantize(self):
        """Quantise the Linear layers of the encoder and head to int8.

        Dynamic quantisation (``torch.ao.quantization.quantize_dynamic``):
        weights stored in int8, activations quantised on the fly. CPU only;
        irreversible on this instance. Faster CPU tagging; check that it
        keeps your top labels with :meth:`quantization_keeps_top_k` first.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2),
        ...     PaSSTHead(32, 1),
        ...     ["x"],
        ... )
        >>> tagger.quantize()
        >>> tagger.quantized
        True
        """
        if self.device_type != "cpu":
            raise RuntimeError(
                "dynamic int8 quantisation runs on the CPU only; load the "
                f"model with run_opts={{'device': 'cpu'}} (now {self.device})"
            )
        if self.quantized:
            return
        with warnings.catch_warnings():
            # torch.ao.quantization is deprecated from torch 2.9 on (its
            # replacement lives in torchao, not a dependency here).
            warnings.simplefilter("ignore", DeprecationWarning)
            for name in QUANTIZED_MODULES:
                self.mods[name] = torch.ao.quantization.quantize_dynamic(
                    self.mods[name], {torch.nn.Linear}, dtype=torch.qint8
                )
        self.quantized = True

    def quantization_keeps_top_k(self, wavs, wav_lens=None, top_k=5):
        """Whether int8 quantisation keeps every clip's fp32 top-k labels.

        Compares the sets of top-k labels of the fp32 model and of an int8
        copy; this instance stays fp32.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` test clips at :attr:`sample_rate`.
        wav_lens : torch.Tensor, optional
            ``[batch]`` relative lengths.
        top_k : int, optional (default: 5)
            Number of labels compared per clip.

        Returns
        -------
        bool
            True if every clip keeps its top-k label set.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> tagger.quantization_keeps_top_k(torch.randn(2, 32000), top_k=3)
        True
        """
        if self.quantized:
            raise RuntimeError("call this on the fp32 model, before quantize()")
        reference = self.classify_batch(wavs, wav_lens, top_k=top_k)
        originals = {name: self.mods[name] for name in QUANTIZED_MODULES}
        try:
            for name in QUANTIZED_MODULES:
                self.mods[name] = copy.deepcopy(originals[name])
            self.quantize()
            candidate = self.classify_batch(wavs, wav_lens, top_k=top_k)
        finally:
            for name, module in originals.items():
                self.mods[name] = module
            self.quantized = False
        return all(
            set(ref.labels) == set(new.labels)
            for ref, new in zip(reference, candidate, strict=True)
        )

    def _activate(self, logits):
        if self.hparams.multi_label:
            return torch.sigmoid(logits)
        return torch.softmax(logits, dim=-1)

    def _hop_samples(self, hop):
        hop = self.hop if hop is None else hop
        samples = round(hop * self.sample_rate)
        if not 1 <= samples <= self.window_samples:
            raise ValueError(
                f"hop must be in (0, {self.window_seconds:.3f}] seconds (one "
                f"window), got {hop}"
            )
        return samples

    def _autocast(self):
        if self.device_type == "cuda" and self.cuda_bf16:
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _run(self, wavs, wav_lens, hop, frames):
        """Cut every clip into windows, run them in batches, regroup."""
        if wavs.dim() != 2:
            raise ValueError(
                f"wavs must be [batch, samples] mono waveforms, got shape "
                f"{tuple(wavs.shape)}"
            )
        hop_samples = self._hop_samples(hop)
        wavs = wavs.to(self.device, torch.float32)
        total = wavs.shape[1]
        if wav_lens is None:
            sizes = [total] * wavs.shape[0]
        else:
            sizes = torch.round(wav_lens.float() * total).long().tolist()
        windows = []  # (clip index, start sample, waveform)
        for index, size in enumerate(sizes):
            if size < 1:
                raise ValueError(f"clip {index} of the batch is empty")
            for start in _window_starts(size, self.window_samples, hop_samples):
                end = min(start + self.window_samples, size)
                windows.append((index, start, wavs[index, start:end]))

        results = []
        for first in range(0, len(windows), self.window_batch_size):
            chunk = windows[first : first + self.window_batch_size]
            results.extend(self._run_windows([w for _, _, w in chunk], frames))

        clips = []
        rate = self.sample_rate
        for index, size in enumerate(sizes):
            mine = [
                (start, wav.shape[0], result)
                for (owner, start, wav), result in zip(
                    windows, results, strict=True
                )
                if owner == index
            ]
            clips.append(
                _ClipOutputs(
                    duration=size / rate,
                    starts=torch.tensor(
                        [s / rate for s, _, _ in mine], dtype=torch.float64
                    ),
                    ends=torch.tensor(
                        [(s + n) / rate for s, n, _ in mine],
                        dtype=torch.float64,
                    ),
                    logits=torch.stack([r[0] for _, _, r in mine]),
                    embeddings=torch.stack([r[1] for _, _, r in mine]),
                    columns=[(s / rate, r[2]) for s, _, r in mine if frames],
                )
            )
        return clips

    def _run_windows(self, waves, frames):
        """Front-end per window, then one padded encoder pass.

        Returns ``(logits [C], embedding [D], columns)`` per window; columns
        is ``(centre times [T], embeddings [T, D])`` or None.
        """
        fbank = self.mods.compute_features
        feats = []
        for wave in waves:
            if wave.shape[0] < self.min_samples:
                # Shorter than one patch: pad with silence to one patch.
                wave = torch.nn.functional.pad(
                    wave, (0, self.min_samples - wave.shape[0])
                )
            feats.append(fbank(wave.unsqueeze(0))[0])
        num_frames = torch.tensor([f.shape[0] for f in feats])
        batch = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True)
        lengths = (num_frames / batch.shape[1]).to(self.device)
        encoder = self.mods.embedding_model
        with self._autocast():
            tokens, _ = encoder.encode_tokens(batch, lengths)
            embeddings = tokens[:, :2].mean(dim=1, keepdim=True)
            logits = self.mods.classifier(embeddings)
        logits = logits[:, 0].float().cpu()
        embeddings = embeddings[:, 0].float().cpu()
        columns = [None] * len(waves)
        if frames:
            columns = self._columns(tokens, num_frames)
        return list(zip(logits, embeddings, columns, strict=True))

    def _columns(self, tokens, num_frames):
        """Pool patch tokens per time column; drop padded columns."""
        encoder = self.mods.embedding_model
        hop_seconds = self.mods.compute_features.hop_length / self.sample_rate
        patches = tokens[:, 2:].float().cpu()
        batch, count, dim = patches.shape
        n_freq = encoder.n_mels // encoder.fstride
        grid = patches.reshape(batch, n_freq, count // n_freq, dim)
        pooled = grid.mean(dim=1)  # [batch, time columns, dim]
        out = []
        for item, frames in enumerate(num_frames.tolist()):
            frames = max(frames, encoder.patch_size)
            valid = (frames - encoder.patch_size) // encoder.tstride + 1
            first_frames = torch.arange(valid, dtype=torch.float64)
            first_frames = first_frames * encoder.tstride
            centres = (first_frames + encoder.patch_size / 2) * hop_seconds
            out.append((centres, pooled[item, :valid]))
        return out


def _window_starts(size, window, hop):
    """Window starts in samples; the last window ends at the clip's end."""
    if size <= window:
        return [0]
    starts = list(range(0, size - window, hop))
    starts.append(size - window)
    return starts


def _stitch(clip):
    """Concatenate a clip's column embeddings, cutting overlaps midway."""
    times, embeddings = [], []
    count = len(clip.columns)
    for k, (offset, (centres, emb)) in enumerate(clip.columns):
        absolute = centres + offset
        keep = torch.ones_like(absolute, dtype=torch.bool)
        if k > 0:
            low = (clip.starts[k] + clip.ends[k - 1]) / 2
            keep &= absolute >= low
        if k < count - 1:
            high = (clip.starts[k + 1] + clip.ends[k]) / 2
            keep &= absolute < high
        times.append(absolute[keep])
        embeddings.append(emb[keep])
    return torch.cat(embeddings), torch.cat(times)


def _top_tags(scores, names, k):
    """Top-k ``{"label", "score"}`` lists for each row of ``scores``."""
    top = scores.topk(min(k, scores.shape[-1]), dim=-1)
    return [
        [
            {"label": names[i], "score": round(s, 6)}
            for i, s in zip(idx.tolist(), val.tolist(), strict=True)
        ]
        for idx, val in zip(top.indices, top.values, strict=True)
    ]


def _local_folder(source):
    """The absolute local directory ``source`` names, or None for a hub id."""
    if not isinstance(source, (str, os.PathLike)):
        return None  # e.g. a speechbrain FetchSource
    text = os.fspath(source)
    path = pathlib.Path(text).expanduser()
    if path.is_dir():
        return path.resolve()
    if path.exists():
        raise NotADirectoryError(
            f"{text} is a file; pass the pretrained folder that holds "
            "hyperparams.yaml"
        )
    # "owner/name" is a hub id; anything more path-like must exist here.
    looks_local = (
        text.startswith((".", "/", "~")) or text.count("/") > 1 or "\\" in text
    )
    if looks_local:
        raise FileNotFoundError(f"pretrained folder not found: {text}")
    return None


def _check_collected(pretrainer):
    """Check that each module loadable matched its file key for key.

    SpeechBrain's parameter transfer loads non-strictly (missing keys are
    only logged), which would leave random weights in a mismatched model.
    """
    for name, module in pretrainer.loadables.items():
        if (
            not isinstance(module, torch.nn.Module)
            or name not in pretrainer.paths
        ):
            continue
        path = pretrainer.paths[name]
        try:
            state = torch.load(
                path, map_location="cpu", weights_only=True, mmap=True
            )
        except RuntimeError:
            state = torch.load(path, map_location="cpu", weights_only=True)
        expected = set(module.state_dict())
        missing = sorted(expected - set(state))
        unexpected = sorted(set(state) - expected)
        if missing or unexpected:
            raise CheckpointMismatchError(
                f"{path} does not fit {name}: missing keys {missing[:10]}, "
                f"unexpected keys {unexpected[:10]}"
            )
