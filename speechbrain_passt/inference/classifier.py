"""Pretrained PaSST tagging and embeddings for any audio file.

:class:`PaSSTClassifier` tags audio and extracts embeddings with a
pretrained folder (``hyperparams.yaml``, ``embedding_model.ckpt``,
``classifier.ckpt``, ``label_encoder.txt``) loaded from a local directory,
offline, or from a hub id
(:class:`~speechbrain_passt.inference.pretrained.PaSSTPretrained`). It
takes audio of any format SpeechBrain's ``audio_io`` reads, any sample rate
(resampled to the model's rate), any channel count (averaged to mono) and
any length:

* Shorter than one patch (16 frames, 0.15 s at 32 kHz): zero-padded.
* Longer than the time encoding (``max_input_frames()`` frames, 10.05 s for
  the released 10 s models): cut into windows of exactly that length, every
  ``hop`` seconds (default: half a window), with the last window aligned to
  the end of the clip (:mod:`~speechbrain_passt.inference.windows`).
  Windows run as batches (on a CPU, long ones and int8 one per core:
  :mod:`~speechbrain_passt.inference.core_parallel`). Clip scores are the
  activation of the mean of the window logits, clip embeddings the mean of
  the window embeddings; per-window scores form the timeline
  (:mod:`~speechbrain_passt.inference.results`).
* Files of any length are read, resampled and windowed block by block
  (:mod:`~speechbrain_passt.inference.streaming`), so memory does not grow
  with the file; the results equal those of the whole clip as a tensor.
* Clips of different lengths in one batch: each window runs as it would
  alone (:mod:`~speechbrain_passt.inference.runner`).

Frame-level embeddings are the encoder's
:meth:`~speechbrain_passt.PaSST.forward_frames`: one per time column of the
patch grid of the whole clip (not HEAR-style short windows), every
``tstride`` frames from its start (0.1 s for the released models), each the
mean over the frequency rows of its column, stamped with the column's
centre time; their number follows from the clip's length alone
(:class:`~speechbrain_passt.inference.windows.ColumnGrid`). Long audio runs
in windows on that grid, stitched with each overlap cut in its middle.

Bad input is a ``ValueError`` naming the argument and the clip (batch index
or file; :mod:`~speechbrain_passt.inference.checks`): relative lengths
outside (0, 1] or of the wrong shape, NaN or inf samples, non-finite outputs.

Everything runs in inference mode without gradients, on CPU or CUDA. The
encoder and head run in fp32 (CPU default), bf16 autocast (CUDA default),
int8 or the fastest precision whose accuracy check passes (``"auto"``),
optionally compiled; the front-end stays in fp32
(:mod:`~speechbrain_passt.inference.precision`). Check int8 on your clips
with :meth:`PaSSTClassifier.quantization_keeps_top_k`.

Authors
 * speechbrain-passt developers 2026
"""

import torch
from speechbrain.dataio import audio_io  # noqa: F401 (doctests)

from speechbrain_passt.inference.core_parallel import (
    imap_on_cores,
    passes_per_core,
)
from speechbrain_passt.inference.quantize import QUANTIZED_MODULES, same_top_k
from speechbrain_passt.inference.results import frame_batch
from speechbrain_passt.inference.sb_interface import AudioClassifierInterface
from speechbrain_passt.inference.streaming import StreamWindows
from speechbrain_passt.inference.windowed import WindowedPaSST
from speechbrain_passt.lobes.passt import (  # PaSST, PaSSTHead: doctests
    PaSST,  # noqa: F401
    PaSSTHead,  # noqa: F401
)


class PaSSTClassifier(AudioClassifierInterface, WindowedPaSST):
    """Tag audio and extract embeddings with a pretrained PaSST.

    Load a pretrained folder with
    ``PaSSTClassifier.from_hparams(source, savedir=None)``, or wrap modules
    already in memory with ``PaSSTClassifier.from_modules``; loading, the
    constructor's arguments and :meth:`quantize` are those of
    :class:`~speechbrain_passt.inference.pretrained.PaSSTPretrained`.
    ``classify_batch`` / ``classify_file`` return what SpeechBrain's
    ``AudioClassifier`` returns
    (:class:`~speechbrain_passt.inference.sb_interface.AudioClassifierInterface`);
    :meth:`tag_batch` / :meth:`tag_file` give the rich per-clip results.

    Arguments
    ---------
    *args
        Passed to ``PaSSTPretrained`` (``modules``, ``hparams``, ...).
    **kwargs
        Passed to ``PaSSTPretrained`` (``run_opts``, ``hop``,
        ``window_batch_size``, ``quantize``, ``cuda_bf16``, ``precision``,
        ``compile``, ...).

    Raises
    ------
    ValueError
        From the tensor methods: ``wavs`` not ``[batch, samples]``,
        ``wav_lens`` of the wrong shape or outside (0, 1], NaN or inf
        samples, or outputs that are not finite (the clip is named).

    Example
    -------
    >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200)
    >>> head = PaSSTHead(32, 3)
    >>> tagger = PaSSTClassifier.from_modules(
    ...     encoder, head, ["dog", "cat", "rain"], multi_label=True
    ... )
    >>> out_prob, score, index, text_lab = tagger.classify_batch(
    ...     torch.randn(2, 32000)
    ... )
    >>> out_prob.shape, score.shape, index.shape, len(text_lab)
    (torch.Size([2, 3]), torch.Size([2]), torch.Size([2]), 2)
    >>> result = tagger.tag_batch(torch.randn(1, 32000), top_k=2)[0]
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
            ``[batch]`` relative lengths in (0, 1].
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
        sizes, windows = self._cut(wavs, wav_lens, hop)
        clips = self._window_outputs(windows, len(sizes))
        return self._means(clips, 2).unsqueeze(1)

    @torch.inference_mode()
    def tag_batch(self, wavs, wav_lens=None, top_k=5, hop=None):
        """Tag a batch of waveforms: top-k tags, timeline, duration.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` mono waveforms at :attr:`sample_rate`.
        wav_lens : torch.Tensor, optional
            ``[batch]`` relative lengths in (0, 1].
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
        >>> results = tagger.tag_batch(torch.randn(2, 32000), top_k=2)
        >>> len(results), len(results[0].labels), results[1].all_scores.shape
        (2, 2, torch.Size([3]))
        """
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        sizes, windows = self._cut(wavs, wav_lens, hop)
        clips = self._window_outputs(windows, len(sizes))
        return [
            self._tags(clip, size, top_k)
            for clip, size in zip(clips, sizes, strict=True)
        ]

    @torch.inference_mode()
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
            A missing, undecodable or empty file, or NaN or inf samples.
        ValueError
            A bad ``top_k`` or ``hop``, or outputs that are not finite.

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> path = str(getfixture("tmpdir") / "clip.flac")
        >>> audio_io.save(path, 0.1 * torch.randn(1, 44100), 44100)
        >>> result = tagger.tag_file(path, top_k=1)
        >>> len(result.labels), result.duration
        (1, 1.0)
        """
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        stream = StreamWindows(self._plan(hop))
        windows = self._file_windows(path, stream)
        clips = self._window_outputs(windows, 1, [f"audio file {path}"])
        return self._tags(clips[0], stream.size, top_k)

    def tag_files(self, paths, top_k=5, hop=None):
        """Tag files in order, as :meth:`tag_file`; on a CPU with an eager
        encoder one file per core, faster than one at a time on all cores
        (:func:`~speechbrain_passt.inference.core_parallel.imap_on_cores`).
        A file that fails does not stop the others: its error is its result.

        Arguments
        ---------
        paths : iterable of str or os.PathLike
            Audio files; taken as the workers need them.
        top_k : int, optional (default: 5)
            Number of labels to return.
        hop : float, optional
            Hop between windows of long audio, in seconds.

        Returns
        -------
        generator of tuple
            ``(path, TaggingResult or the exception it raised)`` per file.

        Raises
        ------
        ValueError
            ``top_k`` < 1 (before any file is read).

        Example
        -------
        >>> tagger = PaSSTClassifier.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
        ...     PaSSTHead(32, 3),
        ...     ["dog", "cat", "rain"],
        ... )
        >>> path = str(getfixture("tmpdir") / "clip.wav")
        >>> audio_io.save(path, 0.1 * torch.randn(1, 32000), 32000)
        >>> out = list(tagger.tag_files([path, "missing.wav"], top_k=1))
        >>> out[0][1].duration, type(out[1][1]).__name__
        (1.0, 'MissingAudioError')
        """
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        encoder = self.mods.embedding_model  # files: one pass each anyway
        spread = passes_per_core(self.device, 0, True, encoder)

        def tag(path):
            """``(path, tags or the error)`` of one file."""
            try:
                return path, self.tag_file(path, top_k, hop)
            except Exception as error:  # the caller decides; others go on
                return path, error

        return imap_on_cores(tag, paths, None if spread else 1)

    @torch.inference_mode()
    def encode_batch(self, wavs, wav_lens=None, hop=None):
        """Clip embeddings (mean of the C and D tokens; windows averaged).

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` mono waveforms at :attr:`sample_rate`.
        wav_lens : torch.Tensor, optional
            ``[batch]`` relative lengths in (0, 1].
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
        sizes, windows = self._cut(wavs, wav_lens, hop)
        clips = self._window_outputs(windows, len(sizes))
        return self._means(clips, 3).unsqueeze(1)

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
            ``[batch]`` relative lengths in (0, 1].
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
        plan = self._plan(hop, frames=True)
        sizes, windows = self._cut(wavs, wav_lens, hop, plan)
        columns = self._stitch(windows, len(sizes), plan)
        return frame_batch(
            [
                self._frame_times(clip_columns, size)
                for clip_columns, size in zip(columns, sizes, strict=True)
            ]
        )

    @torch.inference_mode()
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
        plan = self._plan(hop, frames=frame_level)
        stream = StreamWindows(plan)
        windows = self._file_windows(path, stream)
        names = [f"audio file {path}"]
        if frame_level:
            columns = self._stitch(windows, 1, plan, names)[0]
            return frame_batch([self._frame_times(columns, stream.size)])
        clips = self._window_outputs(windows, 1, names)
        return self._means(clips, 3).unsqueeze(1)

    def quantization_keeps_top_k(self, wavs, wav_lens=None, top_k=5):
        """Whether int8 quantisation keeps every clip's fp32 top-k labels.

        Compares the sets of top-k labels of the fp32 model and of an int8
        copy; this instance stays fp32.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` test clips at :attr:`sample_rate`.
        wav_lens : torch.Tensor, optional
            ``[batch]`` relative lengths in (0, 1].
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
        reference = self.tag_batch(wavs, wav_lens, top_k=top_k)
        originals = {name: self.mods[name] for name in QUANTIZED_MODULES}
        precision = self.precision
        try:
            self.quantize()  # quantised copies; the originals stay fp32
            candidate = self.tag_batch(wavs, wav_lens, top_k=top_k)
        finally:
            for name, module in originals.items():
                self.mods[name] = module
            self.quantized = False
            self.precision = precision
        return same_top_k(reference, candidate)
