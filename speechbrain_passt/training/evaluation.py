"""Whole-clip predictions and grouped metrics for the recipes' final tests.

:func:`predict_dataset` runs a trained encoder and head over a dataset of
whole clips of any length, windowed as the inference interface does
(:mod:`speechbrain_passt.inference.windows`): a clip longer than the
encoder's time encoding (10.05 s for the released models) is cut into
windows of exactly that length, every half window, the last one aligned to
the clip's end; the clip's logits are the mean of its windows' logits (so
its scores are the sigmoid or softmax of that mean). FSD50K's evaluation on
full-length clips uses it. An item with NaN or inf samples, relative
lengths outside (0, 1] or outputs that are not finite stops it with a
``ValueError`` that names the item's id.

:func:`group_accuracy` reports accuracy overall, per group (e.g. per
recording device) and per set of groups (devices seen and unseen in
training), as DCASE2020 Task 1A is reported.

Authors
 * speechbrain-passt developers 2026
"""

import torch
from speechbrain.dataio.dataloader import make_dataloader

from speechbrain_passt.inference.runner import run_in_batches
from speechbrain_passt.inference.windows import (
    WindowPlan,
    clip_means,
    cut_windows,
    hop_samples,
)
from speechbrain_passt.lobes.features import PaSSTFbank  # noqa: F401
from speechbrain_passt.lobes.passt import PaSST, PaSSTHead  # noqa: F401


def predict_dataset(
    encoder,
    head,
    compute_features,
    dataset,
    keys=(),
    batch_size=4,
    device="cpu",
    hop=None,
    num_workers=0,
    cuda_bf16=False,
):
    """Clip logits of every item of a dataset, long clips in windows.

    Arguments
    ---------
    encoder : PaSST
        The trained encoder.
    head : PaSSTHead
        The trained head.
    compute_features : PaSSTFbank
        The front-end (used in eval mode: no jitter, no masks).
    dataset : speechbrain.dataio.dataset.DynamicItemDataset
        Provides ``id`` and ``sig`` (a whole mono clip at the front-end's
        rate) and the ``keys``.
    keys : sequence of str, optional
        Further outputs to collect per clip (tensors are stacked).
    batch_size : int, optional (default: 4)
        Clips per batch (their windows run together).
    device : str, optional (default: "cpu")
        Where to run.
    hop : float, optional
        Hop between windows in seconds (default: half a window).
    num_workers : int, optional (default: 0)
        DataLoader workers.
    cuda_bf16 : bool, optional (default: False)
        bf16 autocast on CUDA.

    Returns
    -------
    dict
        ``id`` (list), ``logits`` ([clips, classes]) and each key.

    Raises
    ------
    ValueError
        An item with NaN or inf samples, or whose outputs are not finite;
        the message names its id.

    Example
    -------
    >>> from speechbrain.dataio.dataset import DynamicItemDataset
    >>> data = DynamicItemDataset(
    ...     {"a": {"n": 16000, "y": 1}, "b": {"n": 96000, "y": 0}}
    ... )
    >>> data.add_dynamic_item(lambda n: torch.randn(n), "n", "sig")
    >>> data.set_output_keys(["id", "sig", "y"])
    >>> encoder = PaSST(embed_dim=32, depth=1, num_heads=2, max_frames=200)
    >>> out = predict_dataset(
    ...     encoder, PaSSTHead(32, 3), PaSSTFbank(), data, keys=["y"]
    ... )
    >>> out["id"], out["logits"].shape, out["y"]
    (['a', 'b'], torch.Size([2, 3]), tensor([1, 0]))
    """
    modules = (encoder, head, compute_features)
    modes = [module.training for module in modules]
    window = encoder.max_input_frames() * compute_features.hop_length
    plan = WindowPlan(
        window, hop_samples(hop, compute_features.sample_rate, window)
    )
    for module in modules:
        module.to(device).eval()
    loader = make_dataloader(
        dataset, batch_size=batch_size, num_workers=num_workers
    )
    out = {"id": [], "logits": [], **{key: [] for key in keys}}
    try:
        for batch in loader:
            wavs, lens = batch.sig
            names = [f"item {item_id!r}" for item_id in batch.id]
            sizes, windows = cut_windows(
                wavs.to(device, torch.float32), lens, plan, names
            )
            outputs = run_in_batches(
                compute_features,
                encoder,
                head,
                windows,
                bf16=cuda_bf16,
                names=names,
            )
            with torch.inference_mode():
                logits = [out[0] for _, out in outputs]
            owners = [owner for owner, _, _ in windows]
            out["logits"].append(clip_means(owners, logits, len(sizes)))
            out["id"].extend(batch.id)
            for key in keys:
                value = getattr(batch, key)
                if hasattr(value, "data"):  # PaddedData
                    value = list(value.data.cpu())
                out[key].extend(value)
    finally:
        for module, mode in zip(modules, modes, strict=True):
            module.train(mode)
    out["logits"] = torch.cat(out["logits"])
    for key in keys:
        if out[key] and isinstance(out[key][0], torch.Tensor):
            out[key] = torch.stack(out[key])
    return out


def group_accuracy(scores, targets, groups, group_sets=None):
    """Accuracy overall, per group and per named set of groups.

    Arguments
    ---------
    scores : torch.Tensor
        ``[clips, classes]`` logits or probabilities.
    targets : torch.Tensor
        ``[clips]`` class indices or ``[clips, classes]`` one-hot.
    groups : list of str
        The group of each clip (e.g. its recording device).
    group_sets : dict, optional
        ``name -> groups`` (e.g. ``{"seen": [...], "unseen": [...]}``);
        a set none of whose groups occurs is left out.

    Returns
    -------
    dict
        ``accuracy``, ``accuracy_<group>`` per group and
        ``accuracy_<set name>`` per set, as floats.

    Example
    -------
    >>> scores = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
    >>> stats = group_accuracy(
    ...     scores,
    ...     torch.tensor([0, 0, 0]),
    ...     ["a", "a", "s4"],
    ...     {"seen": ["a"], "unseen": ["s4", "s5"]},
    ... )
    >>> stats
    {'accuracy': 0.666..., 'accuracy_a': 0.5, 'accuracy_s4': 1.0, 'accuracy_seen': 0.5, 'accuracy_unseen': 1.0}
    """
    if targets.dim() == 2:
        targets = targets.argmax(dim=-1)
    if len(groups) != len(targets) or scores.shape[0] != len(targets):
        raise ValueError(
            f"scores ({scores.shape[0]}), targets ({len(targets)}) and "
            f"groups ({len(groups)}) must have one entry per clip"
        )
    correct = (scores.argmax(dim=-1) == targets.to(scores.device)).float()
    correct = correct.cpu()

    def mean_of(members):
        """Accuracy over the items of some groups (None when none)."""
        picked = [i for i, g in enumerate(groups) if g in members]
        return float(correct[picked].mean()) if picked else None

    stats = {"accuracy": float(correct.mean())}
    for group in sorted(set(groups), key=_natural):
        stats[f"accuracy_{group}"] = mean_of({group})
    for name, members in (group_sets or {}).items():
        value = mean_of(set(members))
        if value is not None:
            stats[f"accuracy_{name}"] = value
    return stats


def _natural(name):
    """Sort key putting s2 before s10 (device names)."""
    head = name.rstrip("0123456789")
    tail = name[len(head) :]
    return head, int(tail) if tail else -1
