"""Loading of a PaSST pretrained folder, and audio files, for inference.

:class:`PaSSTPretrained` is the SpeechBrain ``Pretrained`` base of
:class:`~speechbrain_passt.inference.PaSSTClassifier`: it loads a folder
(locally, offline, or from a hub id) or wraps modules already in memory,
checks that the parts fit together and that every weight was loaded
strictly (:mod:`speechbrain_passt.inference.loading`), reads audio files
through :func:`speechbrain_passt.data.audio.read_audio`, knows the window
size of the model and sets the precision of the encoder and head (fp32,
bf16, int8 or auto, optionally compiled;
:mod:`speechbrain_passt.inference.precision`).

Authors
 * speechbrain-passt developers 2026
"""

import logging

import torch
from speechbrain.dataio import audio_io  # noqa: F401 (doctests)
from speechbrain.dataio.encoder import CategoricalEncoder
from speechbrain.dataio.preprocess import AudioNormalizer
from speechbrain.inference.interfaces import Pretrained

from speechbrain_passt.data.audio import read_audio
from speechbrain_passt.inference.auto_precision import auto_precision
from speechbrain_passt.inference.int8 import uses_onednn_int8
from speechbrain_passt.inference.loading import (
    check_parts,
    expand_path,
    load_unhooked_strictly,
    local_folder,
)
from speechbrain_passt.inference.precision import (
    check_precision,
    compile_eval,
)
from speechbrain_passt.inference.quantize import (
    QUANTIZED_MODULES,
    quantize_linear_int8,
)
from speechbrain_passt.inference.windows import hop_samples
from speechbrain_passt.lobes.features import PaSSTFbank
from speechbrain_passt.lobes.passt import (  # PaSST, PaSSTHead: doctests
    PaSST,  # noqa: F401
    PaSSTHead,  # noqa: F401
)

logger = logging.getLogger(__name__)


class PaSSTPretrained(Pretrained):
    """A pretrained PaSST (front-end, encoder, head and labels), loaded and
    checked; the base of
    :class:`~speechbrain_passt.inference.PaSSTClassifier`.

    Load a pretrained folder with
    ``from_hparams(source, savedir=None)``, or wrap modules already in
    memory with :meth:`from_modules`. The folder's ``hyperparams.yaml``
    provides the modules ``compute_features``
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
        Windows the encoder runs at once (int8 on an x86 CPU: one per pass,
        the passes side by side on the cores, see
        :func:`~speechbrain_passt.inference.int8.uses_onednn_int8`).
    quantize : bool, optional (default: False)
        Alias of ``precision="int8"``, see :meth:`quantize`.
    cuda_bf16 : bool, optional (default: True)
        Run the encoder and head under bf16 autocast on CUDA when no
        ``precision`` is given.
    precision : str, optional
        ``"fp32"``, ``"bf16"``, ``"int8"`` or ``"auto"`` for the encoder and
        head (also ``run_opts={"precision": ...}``), see
        :meth:`set_precision`. Default: fp32 on the CPU, bf16 on CUDA (with
        ``cuda_bf16``).
    compile : bool, optional (default: False)
        ``torch.compile`` the encoder and head (inductor);
        also ``run_opts={"compile": True}``. Not for int8 on an x86 CPU
        (see :meth:`compile_for_inference`).
    **kwargs
        Passed to ``Pretrained``.

    Raises
    ------
    ValueError
        Missing modules, parts that do not fit together, a bad hop,
        ``window_batch_size`` or ``precision``.
    speechbrain_passt.weights.CheckpointMismatchError
        Weights that do not fit their module.

    Example
    -------
    >>> model = PaSSTPretrained.from_modules(
    ...     PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200),
    ...     PaSSTHead(32, 3),
    ...     ["dog", "cat", "rain"],
    ... )
    >>> model.labels, model.window_samples, model.min_samples
    (['dog', 'cat', 'rain'], 68800, 4801)
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
        precision=None,
        compile=False,
        **kwargs,
    ):
        # Ours, not SpeechBrain's run_opts "precision" (fp32/fp16/bf16 AMP)
        # and "compile" (every module, without freezing).
        run_opts = dict(kwargs.get("run_opts") or {})
        precision = run_opts.pop("precision", precision)
        compile = run_opts.pop("compile", compile)
        if "run_opts" in kwargs:
            kwargs["run_opts"] = run_opts
        if precision is not None:
            check_precision(precision)
        if quantize and precision not in (None, "int8"):
            raise ValueError(
                f"quantize=True means precision='int8', not {precision!r}"
            )
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
        self.compiled = False
        self.precision = (
            "bf16"
            if cuda_bf16 and torch.device(self.device).type == "cuda"
            else "fp32"
        )
        check_parts(self.mods, self.hparams, self.audio_normalizer)
        pretrainer = getattr(self.hparams, "pretrainer", None)
        if pretrainer is not None:
            load_unhooked_strictly(pretrainer)
        self.hop = self.window_seconds / 2 if hop is None else hop
        hop_samples(self.hop, self.sample_rate, self.window_samples)
        if quantize:
            precision = "int8"
        if precision is not None:
            self.set_precision(precision)
        if compile:
            self.compile_for_inference()

    @classmethod
    def from_hparams(
        cls, source, hparams_file="hyperparams.yaml", overrides=None, **kwargs
    ):
        """Load a pretrained folder from a local directory or a hub id.

        A local directory is used in place and offline: its absolute path
        overrides ``pretrained_path``, so a moved or copied folder still
        loads. A released checkpoint's name (``passt-s``, a hear21passt
        alias, the release file's name) is its pretrained folder in torch
        hub's cache, downloaded and converted on first use
        (:func:`~speechbrain_passt.inference.release.release_folder`).
        Another name that does not exist is a hub id (downloaded to the
        library's standard cache) only in the form ``owner/name`` and when
        the hub has it; anything else is "no such folder" at once
        (:func:`~speechbrain_passt.inference.loading.local_folder`). ``~``
        and environment variables are expanded in ``source`` and
        ``savedir``.

        Arguments
        ---------
        source : str or os.PathLike
            A pretrained folder, a released checkpoint's name or a hub id.
        hparams_file : str, optional (default: "hyperparams.yaml")
            Name of the HyperPyYAML file in ``source``.
        overrides : dict, optional
            Overrides for the yaml (e.g. ``{"multi_label": False}``).
        **kwargs
            ``savedir``, ``run_opts`` (e.g. ``{"device": "cuda:0"}``),
            ``fetch_config``, and the constructor's keyword arguments
            (``hop``, ``window_batch_size``, ``quantize``, ``cuda_bf16``,
            ``precision``, ``compile``).

        Returns
        -------
        PaSSTPretrained
            An instance of ``cls`` (e.g. a
            :class:`~speechbrain_passt.inference.PaSSTClassifier`), in eval
            mode with frozen parameters.

        Raises
        ------
        FileNotFoundError
            No such folder (and no such hub model), or a folder without
            ``hparams_file``; a released checkpoint neither cached nor
            downloadable (the message names the file, its URL and the
            folder to put it in).

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
        >>> model = PaSSTPretrained.from_hparams(
        ...     str(folder), run_opts={"device": "cpu"}
        ... )
        >>> model.labels
        ['dog', 'cat', 'bird']
        """
        overrides = dict(overrides or {})
        if kwargs.get("savedir") is not None:
            kwargs["savedir"] = expand_path(kwargs["savedir"])
        folder = local_folder(source, hparams_file, kwargs.get("savedir"))
        if folder is not None:
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
        PaSSTPretrained
            An instance of ``cls``, in eval mode with frozen parameters.

        Example
        -------
        >>> model = PaSSTPretrained.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2),
        ...     PaSSTHead(32, 2),
        ...     ["speech", "music"],
        ...     multi_label=False,
        ... )
        >>> round(model.window_seconds, 2)
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
            A local audio file in any format SpeechBrain's ``audio_io``
            reads (channels averaged, resampled to :attr:`sample_rate`).
        savedir : None
            Unused (kept for ``Pretrained`` compatibility).

        Returns
        -------
        torch.Tensor
            ``[samples]`` on the model's device.

        Raises
        ------
        speechbrain_passt.data.audio.AudioReadError
            The file is missing (also a ``FileNotFoundError``), cannot be
            decoded, has no samples or non-finite ones; names the file.

        Example
        -------
        >>> model = PaSSTPretrained.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2),
        ...     PaSSTHead(32, 1),
        ...     ["x"],
        ... )
        >>> path = getfixture("tmpdir") / "tone.wav"
        >>> audio_io.save(str(path), torch.zeros(2, 16000), 16000)
        >>> model.load_audio(path).shape
        torch.Size([32000])
        """
        return read_audio(expand_path(path), self.sample_rate).to(self.device)

    def quantize(self):
        """Quantise the Linear layers of the encoder and head to int8.

        The same as ``set_precision("int8")`` (:mod:`~speechbrain_passt.inference.int8`),
        irreversible on this instance. Check that it keeps your top labels
        with ``PaSSTClassifier.quantization_keeps_top_k`` first.
        """
        self.set_precision("int8")

    def set_precision(self, precision):
        """Set the precision of the encoder and head.

        The front-end stays fp32. ``"bf16"`` runs them under bf16 autocast
        (CPU or CUDA); ``"int8"`` replaces their Linear layers by int8 ones
        (irreversible on this instance); ``"auto"`` measures the probe of
        :func:`~speechbrain_passt.inference.precision.probe_waves` in each
        precision the device supports and takes the fastest one within
        0.02 of fp32's probabilities with the same top-5 (cached per model
        and device, logged).

        Arguments
        ---------
        precision : str
            ``"fp32"``, ``"bf16"``, ``"int8"`` or ``"auto"``.

        Raises
        ------
        ValueError
            Another value, or leaving int8 once set.

        Example
        -------
        >>> model = PaSSTPretrained.from_modules(
        ...     PaSST(embed_dim=32, depth=1, num_heads=2),
        ...     PaSSTHead(32, 1),
        ...     ["x"],
        ... )
        >>> model.set_precision("auto")
        >>> model.precision in ("fp32", "bf16", "int8")
        True
        """
        check_precision(precision)
        if precision == "auto":
            precision = auto_precision(self, logger)
        if self.quantized and precision != "int8":
            raise ValueError(
                f"precision={precision!r}: the model is already int8"
            )
        if precision == "int8" and not self.quantized:
            for name in QUANTIZED_MODULES:
                self.mods[name] = quantize_linear_int8(self.mods[name])
            self.quantized = True
        self.precision = precision

    def compile_for_inference(self):
        """``torch.compile`` the encoder and head for inference (inductor:
        :func:`~speechbrain_passt.inference.precision.compile_eval`)
        in the current precision (set it first); each input shape compiles
        on its first call. int8 on an x86 CPU stays eager, :attr:`compiled`
        False (:func:`~speechbrain_passt.inference.int8.uses_onednn_int8`).
        """
        if self.quantized and uses_onednn_int8(self.device):
            logger.info("int8 on this CPU runs eagerly: not compiled")
            return
        for name in QUANTIZED_MODULES:
            self.mods[name] = compile_eval(self.mods[name])
        self.compiled = True
