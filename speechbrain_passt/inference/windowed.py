"""Running a pretrained PaSST over the windows of tensors and files.

:class:`WindowedPaSST` is the base of
:class:`~speechbrain_passt.inference.PaSSTClassifier`: it plans the windows
of a batch of waveforms (:func:`~speechbrain_passt.inference.windows.cut_windows`,
after the checks of :mod:`~speechbrain_passt.inference.checks`) or of a file
read block by block (:mod:`~speechbrain_passt.inference.streaming`), runs
them in batches (:func:`~speechbrain_passt.inference.runner.run_in_batches`)
and gathers each clip's outputs: window logits and embeddings, tags, or
stitched frame columns on the clip's column grid.

Authors
 * speechbrain-passt developers 2026
"""

import torch

from speechbrain_passt.data.audio import BLOCK_SECONDS, iter_audio_blocks
from speechbrain_passt.inference.int8 import uses_onednn_int8
from speechbrain_passt.inference.loading import expand_path
from speechbrain_passt.inference.pretrained import PaSSTPretrained
from speechbrain_passt.inference.results import tagging_result
from speechbrain_passt.inference.runner import run_in_batches
from speechbrain_passt.inference.streaming import (
    ColumnStitcher,
    release_free_memory,
)
from speechbrain_passt.inference.windows import (
    ColumnGrid,
    WindowPlan,
    cut_windows,
    hop_samples,
)


class WindowedPaSST(PaSSTPretrained):
    """A pretrained PaSST that runs over windows of any length of audio.

    Arguments
    ---------
    *args
        Passed to ``PaSSTPretrained``.
    **kwargs
        Passed to ``PaSSTPretrained``.

    Example
    -------
    >>> from speechbrain_passt import PaSST, PaSSTHead
    >>> model = WindowedPaSST.from_modules(
    ...     PaSST(embed_dim=32, depth=1, num_heads=2), PaSSTHead(32, 1), ["x"]
    ... )
    >>> model.column_grid.count(32000), model.block_seconds
    (9, 30.0)
    """

    #: Seconds of a file decoded and resampled at a time; files are tagged
    #: block by block, so memory does not grow with their length.
    block_seconds = BLOCK_SECONDS

    @property
    def column_grid(self):
        """The patch-column grid of frame embeddings (a ``ColumnGrid``)."""
        return ColumnGrid(
            self.mods.compute_features.hop_length,
            self.mods.embedding_model.tstride,
            self.mods.embedding_model.patch_size,
            self.sample_rate,
        )

    def _plan(self, hop, frames=False):
        """The window plan for a hop in seconds (None: the default)."""
        hop = hop_samples(
            self.hop if hop is None else hop,
            self.sample_rate,
            self.window_samples,
        )
        grid = self.column_grid if frames else None
        return WindowPlan(self.window_samples, hop, grid)

    def _cut(self, wavs, wav_lens, hop, plan=None):
        """Check a batch and cut it into windows (see ``cut_windows``)."""
        if not isinstance(wavs, torch.Tensor):
            raise ValueError(
                f"wavs must be a [batch, samples] tensor, got "
                f"{type(wavs).__name__}"
            )
        plan = plan or self._plan(hop)
        wavs = wavs.to(self.device, torch.float32)
        return cut_windows(wavs, wav_lens, plan)

    def _file_windows(self, path, stream):
        """Windows ``(0, start, waveform)`` of a file, read block by block;
        ``stream.size`` is its length once they are all taken."""
        blocks = iter_audio_blocks(
            expand_path(path), self.sample_rate, self.block_seconds
        )
        for block in blocks:
            for start, wave in stream.push(block):
                yield 0, start, wave
            release_free_memory()  # bounded by a block, not the file
        for start, wave in stream.finish():
            yield 0, start, wave

    def _run(self, windows, frames=False, names=None):
        """Run windows in batches: ``((clip, start, wave), outputs)``."""
        return run_in_batches(
            self.mods.compute_features,
            self.mods.embedding_model,
            self.mods.classifier,
            windows,
            self.window_batch_size,
            frames=frames,
            bf16=self.precision == "bf16",
            names=names,
            cpu_bf16=True,
            one_pass_per_window=self.precision == "int8"
            and uses_onednn_int8(self.device),
        )

    def _window_outputs(self, windows, count, names=None):
        """Per clip, ``(start, end, logits, embedding)`` of each window."""
        clips = [[] for _ in range(count)]
        for (index, start, wave), out in self._run(windows, names=names):
            clips[index].append((start, start + len(wave), out[0], out[1]))
        return clips

    @staticmethod
    def _means(clips, field):
        """``[clips, ...]`` mean over each clip's windows of one output."""
        return torch.stack(
            [torch.stack([w[field] for w in clip]).mean(0) for clip in clips]
        )

    def _tags(self, clip, size, top_k):
        """The ``TaggingResult`` of one clip from its windows' outputs."""
        rate = self.sample_rate
        starts = torch.tensor([w[0] / rate for w in clip], dtype=torch.float64)
        ends = torch.tensor([w[1] / rate for w in clip], dtype=torch.float64)
        return tagging_result(
            torch.stack([w[2] for w in clip]),
            starts,
            ends,
            size / rate,
            self.labels,
            top_k,
            self.hparams.multi_label,
        )

    def _stitch(self, windows, count, plan, names=None):
        """Per clip, the stitched frame columns ``[columns, dim]``."""
        stitchers = [ColumnStitcher() for _ in range(count)]
        outputs = self._run(windows, frames=True, names=names)
        for (index, start, _), (_, _, (_, columns)) in outputs:
            stitchers[index].add(start // plan.unit, columns)
        return [stitcher.finish() for stitcher in stitchers]

    def _frame_times(self, columns, size):
        """``(columns, times)`` of a clip, checked against its grid."""
        grid = self.column_grid
        if len(columns) != grid.count(size):
            raise RuntimeError(
                f"{len(columns)} frame columns for {size} samples, "
                f"expected {grid.count(size)}"
            )
        return columns, grid.times(0, len(columns))
