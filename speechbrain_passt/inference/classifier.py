"""Pretrained PaSST tagging and embeddings for any audio file.

:class:`PaSSTClassifier` tags audio and extracts embeddings with a
pretrained folder (``hyperparams.yaml``, ``embedding_model.ckpt``,
``classifier.ckpt``, ``label_encoder.txt``) loaded from a local directory,
offline, or from a hub id
(:class:`~speechbrain_passt.inference.pretrained.PaSSTPretrained`). It
takes audio of any format SpeechBrain's ``audio_io`` reads, any sample rate
(resampled to the model's rate), any channel count (averaged to mono) and
any length:

* Shorter than one patch (16 frames, 0.15 s at 32 kHz): zero-padded to one
  patch.
* Longer than the time encoding (``max_input_frames()`` frames, 10.05 s for
  the released 10 s models): cut into windows of exactly that length, every
  ``hop`` seconds (default: half a window), with the last window aligned to
  the end of the clip (:mod:`~speechbrain_passt.inference.windows`).
  Windows run as batches. Clip scores are the activation of the mean of
  the window logits; clip embeddings are the mean of the window
  embeddings. Per-window scores form the timeline
  (:mod:`~speechbrain_passt.inference.results`).
* Clips of different lengths in one batch: each window runs as it would
  alone (:mod:`~speechbrain_passt.inference.runner`).

Frame-level embeddings are the encoder's
:meth:`~speechbrain_passt.PaSST.forward_frames`: one embedding per time
column of the patch grid (not HEAR-style short windows), every ``tstride``
frames (0.1 s for the released models), each the mean over the frequency
rows of its column, stamped with the column's centre time. Long audio
stitches the windows, each overlap cut in its middle.

Everything runs in inference mode without gradients, on CPU or CUDA (with
bf16 autocast on CUDA; the front-end stays in fp32). Dynamic int8
quantisation of the Linear layers is an opt-in for CPU tagging
(:meth:`PaSSTClassifier.quantize`); check it on your own clips with
:meth:`PaSSTClassifier.quantization_keeps_top_k`.

Authors
 * speechbrain-passt developers 2026
"""

import torch
from speechbrain.dataio import audio_io  # noqa: F401 (doctests)

from speechbrain_passt.inference.pretrained import PaSSTPretrained
from speechbrain_passt.inference.quantize import QUANTIZED_MODULES, same_top_k
from speechbrain_passt.inference.results import frame_batch, tagging_result
from speechbrain_passt.inference.runner import run_windows
from speechbrain_passt.inference.windows import (
    clip_means,
    cut_windows,
    group_by_clip,
    hop_samples,
    stitch_columns,
    window_bounds,
)
from speechbrain_passt.lobes.passt import (  # PaSST, PaSSTHead: doctests
    PaSST,  # noqa: F401
    PaSSTHead,  # noqa: F401
)


class PaSSTClassifier(PaSSTPretrained):
    """Tag audio and extract embeddings with a pretrained PaSST.

    Load a pretrained folder with
    ``PaSSTClassifier.from_hparams(source, savedir=None)``, or wrap modules
    already in memory with ``PaSSTClassifier.from_modules``; loading, the
    constructor's arguments and :meth:`quantize` are those of
    :class:`~speechbrain_passt.inference.pretrained.PaSSTPretrained`.

    Arguments
    ---------
    *args
        Passed to ``PaSSTPretrained`` (``modules``, ``hparams``, ...).
    **kwargs
        Passed to ``PaSSTPretrained`` (``run_opts``, ``hop``,
        ``window_batch_size``, ``quantize``, ``cuda_bf16``, ...).

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
        sizes, windows, outputs = self._run(wavs, wav_lens, hop, frames=False)
        owners = [owner for owner, _, _ in windows]
        logits = [logit for logit, _, _ in outputs]
        return clip_means(owners, logits, len(sizes)).unsqueeze(1)

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
        sizes, windows, outputs = self._run(wavs, wav_lens, hop, frames=False)
        owners = [owner for owner, _, _ in windows]
        logits = group_by_clip(owners, [out[0] for out in outputs], len(sizes))
        return [
            tagging_result(
                torch.stack(clip_logits),
                starts,
                ends,
                size / self.sample_rate,
                self.labels,
                top_k,
                self.hparams.multi_label,
            )
            for clip_logits, (starts, ends), size in zip(
                logits,
                window_bounds(windows, len(sizes), self.sample_rate),
                sizes,
                strict=True,
            )
        ]

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
        sizes, windows, outputs = self._run(wavs, wav_lens, hop, frames=False)
        owners = [owner for owner, _, _ in windows]
        embeddings = [embedding for _, embedding, _ in outputs]
        return clip_means(owners, embeddings, len(sizes)).unsqueeze(1)

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
        sizes, windows, outputs = self._run(wavs, wav_lens, hop, frames=True)
        owners = [owner for owner, _, _ in windows]
        rate = self.sample_rate
        # Column centres from their window's start to the clip's start.
        times = [
            centres + start / rate
            for (_, start, _), (_, _, (centres, _)) in zip(
                windows, outputs, strict=True
            )
        ]
        columns = [out[2][1] for out in outputs]
        clips = zip(
            window_bounds(windows, len(sizes), self.sample_rate),
            group_by_clip(owners, times, len(sizes)),
            group_by_clip(owners, columns, len(sizes)),
            strict=True,
        )
        return frame_batch(
            [
                stitch_columns(starts, ends, clip_times, clip_columns)
                for (starts, ends), clip_times, clip_columns in clips
            ]
        )

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
            self.quantize()  # quantised copies; the originals stay fp32
            candidate = self.classify_batch(wavs, wav_lens, top_k=top_k)
        finally:
            for name, module in originals.items():
                self.mods[name] = module
            self.quantized = False
        return same_top_k(reference, candidate)

    def _run(self, wavs, wav_lens, hop, frames):
        """Cut every clip into windows and run them in batches.

        Returns the clip sizes (samples), the windows ``(clip, start,
        waveform)`` and each window's outputs (see
        :func:`~speechbrain_passt.inference.runner.run_windows`).
        """
        hop = hop_samples(
            self.hop if hop is None else hop,
            self.sample_rate,
            self.window_samples,
        )
        sizes, windows = cut_windows(
            wavs.to(self.device, torch.float32),
            wav_lens,
            self.window_samples,
            hop,
        )
        bf16 = self.device_type == "cuda" and self.cuda_bf16
        outputs = []
        for first in range(0, len(windows), self.window_batch_size):
            chunk = windows[first : first + self.window_batch_size]
            autocast = None
            if bf16:
                autocast = torch.autocast("cuda", dtype=torch.bfloat16)
            outputs += run_windows(
                self.mods.compute_features,
                self.mods.embedding_model,
                self.mods.classifier,
                [wave for _, _, wave in chunk],
                frames=frames,
                autocast=autocast,
            )
        return sizes, windows, outputs
