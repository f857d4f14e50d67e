"""The ``"auto"`` inference precision: measure, check against fp32, pick.

:func:`auto_precision` runs a short built-in probe (:func:`probe_waves`)
through a model's encoder and head in each precision its device supports
(:func:`~speechbrain_passt.inference.precision.supported_precisions`) and
picks the fastest one whose probabilities stay within
:data:`AUTO_TOLERANCE` of fp32 with the same top-5 labels
(:func:`agrees`, :func:`pick_fastest`); the choice is cached per model,
device and torch version, and logged.

Authors
 * speechbrain-passt developers 2026
"""

import time

import torch

from speechbrain_passt.inference.precision import (
    bf16_autocast,
    supported_precisions,
    to_int8,
)
from speechbrain_passt.inference.results import activate

# Largest |probability difference| to fp32 that "auto" accepts.
AUTO_TOLERANCE = 0.02
# The modules whose precision changes (the front-end stays fp32).
_MODULES = ("embedding_model", "classifier")


def probe_waves(sample_rate, seconds=2.0, count=2):
    """A short, deterministic probe: tones and chirps in noise.

    Arguments
    ---------
    sample_rate : int
        In Hz.
    seconds : float, optional (default: 2.0)
        Length of each clip.
    count : int, optional (default: 2)
        Number of clips.

    Returns
    -------
    torch.Tensor
        ``[count, samples]`` in [-1, 1].

    Example
    -------
    >>> probe_waves(16000).shape
    torch.Size([2, 32000])
    """
    generator = torch.Generator().manual_seed(0)
    time = torch.arange(int(seconds * sample_rate)) / sample_rate
    clips = []
    for index in range(count):
        tone = torch.sin(2 * torch.pi * 440 * (index + 1) * time)
        chirp = torch.sin(2 * torch.pi * (200 + 1500 * time) * time)
        noise = torch.randn(time.shape, generator=generator)
        clips.append(0.3 * tone + 0.2 * chirp + 0.1 * noise)
    return torch.stack(clips)


def agrees(reference, candidate, tolerance=AUTO_TOLERANCE, top_k=5):
    """Whether probabilities stay within ``tolerance`` with the same top-k.

    Arguments
    ---------
    reference : torch.Tensor
        ``[clips, classes]`` fp32 probabilities.
    candidate : torch.Tensor
        ``[clips, classes]`` probabilities of the other precision.
    tolerance : float, optional (default: 0.02)
        Largest accepted |difference|.
    top_k : int, optional (default: 5)
        Labels whose set must be kept per clip (at most the class count).

    Returns
    -------
    tuple
        ``(passed, max |difference|)``.

    Example
    -------
    >>> ref = torch.tensor([[0.9, 0.1, 0.0]])
    >>> passed, diff = agrees(ref, ref + 0.01, top_k=2)
    >>> passed, round(diff, 3)
    (True, 0.01)
    >>> agrees(ref, torch.tensor([[0.1, 0.9, 0.0]]), top_k=1)[0]
    False
    """
    diff = (reference - candidate).abs().max().item()
    k = min(top_k, reference.shape[-1])
    same = all(
        set(a.tolist()) == set(b.tolist())
        for a, b in zip(
            reference.topk(k).indices, candidate.topk(k).indices, strict=True
        )
    )
    return diff <= tolerance and same, diff


# Choices of "auto", per (device, torch version, model fingerprint).
_AUTO_CACHE = {}


def pick_fastest(measure, candidates, key=None, logger=None):
    """The fastest candidate precision that agrees with fp32 (cached).

    Arguments
    ---------
    measure : callable
        ``measure(precision)`` returns ``(probabilities [clips, classes],
        seconds)`` of the probe in that precision.
    candidates : list of str
        Precisions to try; fp32 must be among them.
    key : hashable, optional
        Cache key (e.g. device and model fingerprint); None: no cache.
    logger : logging.Logger, optional
        Where the measurements and the choice are logged (INFO).

    Returns
    -------
    str
        The chosen precision.

    Example
    -------
    >>> probs = torch.tensor([[0.9, 0.1]])
    >>> runs = {
    ...     "fp32": (probs, 2.0),
    ...     "bf16": (probs + 0.1, 1.0),
    ...     "int8": (probs + 0.01, 1.5),
    ... }
    >>> pick_fastest(runs.get, ["fp32", "bf16", "int8"])
    'int8'
    """
    if key is not None and key in _AUTO_CACHE:
        return _AUTO_CACHE[key]
    reference, best_seconds = measure("fp32")
    choice, report = "fp32", [f"fp32 {best_seconds:.3f} s"]
    for precision in candidates:
        if precision == "fp32":
            continue
        probabilities, seconds = measure(precision)
        passed, diff = agrees(reference, probabilities)
        report.append(
            f"{precision} {seconds:.3f} s, max |prob diff| {diff:.4f}"
            + ("" if passed else " (rejected)")
        )
        if passed and seconds < best_seconds:
            choice, best_seconds = precision, seconds
    if logger is not None:
        logger.info("precision auto: %s -> %s", "; ".join(report), choice)
    if key is not None:
        _AUTO_CACHE[key] = choice
    return choice


def auto_precision(model, logger=None):
    """The precision ``"auto"`` picks for a model on its device (cached).

    Arguments
    ---------
    model : PaSSTPretrained
        A loaded model in fp32 (its modules are swapped while measuring
        and restored).
    logger : logging.Logger, optional
        Where the measurements and the choice are logged.

    Returns
    -------
    str
        ``"fp32"``, ``"bf16"`` or ``"int8"``.

    Example
    -------
    >>> from speechbrain_passt import PaSST, PaSSTHead
    >>> from speechbrain_passt.inference import PaSSTClassifier
    >>> model = PaSSTClassifier.from_modules(
    ...     PaSST(embed_dim=32, depth=1, num_heads=2), PaSSTHead(32, 3), "abc"
    ... )
    >>> auto_precision(model) in ("fp32", "bf16", "int8")
    True
    """
    encoder = model.mods.embedding_model
    fingerprint = tuple(
        round(float(p.float().sum()), 4) for p in encoder.parameters()
    )[:8]
    key = (str(model.device), torch.__version__, fingerprint)
    waves = probe_waves(model.sample_rate).to(model.device)
    originals = {name: model.mods[name] for name in _MODULES}

    def measure(precision):
        """Probe probabilities and seconds in ``precision``."""
        if precision == "int8":
            for name, module in originals.items():
                model.mods[name] = to_int8(module)
        try:
            bf16 = precision == "bf16"
            _probe(model, waves, bf16)  # warm-up
            start = time.perf_counter()
            logits = _probe(model, waves, bf16)
            seconds = time.perf_counter() - start
        finally:
            for name, module in originals.items():
                model.mods[name] = module
        return activate(logits.float(), model.hparams.multi_label), seconds

    return pick_fastest(
        measure, supported_precisions(model.device), key, logger
    )


@torch.inference_mode()
def _probe(model, waves, bf16):
    """Logits ``[clips, classes]`` of the probe, in one batch."""
    feats = model.mods.compute_features(waves)  # fp32 front-end
    with bf16_autocast(model.device, bf16):
        logits = model.mods.classifier(model.mods.embedding_model(feats))
    return logits[:, 0]
