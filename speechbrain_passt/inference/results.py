"""Result types of tagging and embedding, and their shaping.

:class:`TaggingResult` holds a clip's top-k tags, every class's score, its
logits (the mean of its windows' logits) and a :class:`Timeline` of the
per-window scores; :func:`tagging_result` builds it from window logits.
:func:`classifier_outputs` turns them into the tuple SpeechBrain's
``AudioClassifier.classify_batch`` returns. :class:`FrameEmbeddings` holds
frame-level embeddings with their times; :func:`frame_batch` pads clips of
different lengths into one.

Authors
 * speechbrain-passt developers 2026
"""

import dataclasses

import torch


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
    >>> result = tagging_result(
    ...     torch.tensor([[2.0, 0.0, 1.0], [2.0, 0.0, 2.0]]),
    ...     torch.tensor([0.0, 0.5]),
    ...     torch.tensor([2.0, 2.5]),
    ...     2.5,
    ...     ["dog", "cat", "rain"],
    ...     top_k=2,
    ... )
    >>> result.labels, result.indices, result.logits.tolist()
    (['dog', 'rain'], [0, 2], [2.0, 0.0, 1.5])
    >>> result.timeline.starts.tolist()
    [0.0, 0.5]
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

        Raises
        ------
        ValueError
            ``timeline`` without ``label_names``.

        Example
        -------
        >>> names = ["dog", "cat", "rain"]
        >>> result = tagging_result(
        ...     torch.tensor([[2.0, 0.0, 1.0]]),
        ...     torch.tensor([0.0]),
        ...     torch.tensor([1.0]),
        ...     1.0,
        ...     names,
        ...     top_k=1,
        ... )
        >>> summary = result.to_dict(names, timeline=True)
        >>> summary["duration"], summary["tags"][0]["label"]
        (1.0, 'dog')
        >>> summary["timeline"][0]["end"], len(summary["timeline"][0]["tags"])
        (1.0, 1)
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
                    top_tags(self.timeline.scores, label_names, k),
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


def activate(logits, multi_label):
    """Scores from logits: sigmoid (multi-label) or softmax.

    Arguments
    ---------
    logits : torch.Tensor
        ``[..., classes]`` logits.
    multi_label : bool
        Sigmoid per class if True, softmax over the classes otherwise.

    Returns
    -------
    torch.Tensor
        ``[..., classes]`` scores.

    Example
    -------
    >>> activate(torch.zeros(2), True).tolist()
    [0.5, 0.5]
    >>> activate(torch.zeros(4), False).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    if multi_label:
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def top_tags(scores, names, k):
    """Top-k ``{"label", "score"}`` lists for each row of ``scores``.

    Arguments
    ---------
    scores : torch.Tensor
        ``[rows, classes]`` scores.
    names : list of str
        Class names in column order.
    k : int
        Tags per row (at most the number of classes).

    Returns
    -------
    list of list of dict
        Per row, the ``k`` best ``{"label", "score"}`` (score rounded to 6
        digits), best first.

    Example
    -------
    >>> top_tags(torch.tensor([[0.1, 0.9]]), ["a", "b"], 5)
    [[{'label': 'b', 'score': 0.9}, {'label': 'a', 'score': 0.1}]]
    """
    top = scores.topk(min(k, scores.shape[-1]), dim=-1)
    return [
        [
            {"label": names[i], "score": round(s, 6)}
            for i, s in zip(idx.tolist(), val.tolist(), strict=True)
        ]
        for idx, val in zip(top.indices, top.values, strict=True)
    ]


def tagging_result(
    window_logits, starts, ends, duration, names, top_k=5, multi_label=True
):
    """The tags of one clip from the logits of its windows.

    Arguments
    ---------
    window_logits : torch.Tensor
        ``[windows, classes]`` logits of each window.
    starts : torch.Tensor
        ``[windows]`` window starts, in seconds.
    ends : torch.Tensor
        ``[windows]`` window ends, in seconds.
    duration : float
        Clip duration in seconds.
    names : list of str
        Class names in head output order.
    top_k : int, optional (default: 5)
        Number of labels to keep (at most the number of classes).
    multi_label : bool, optional (default: True)
        Sigmoid scores if True, softmax otherwise.

    Returns
    -------
    TaggingResult
        Clip logits are the mean of the window logits; the scores are
        their activation.

    Example
    -------
    >>> result = tagging_result(
    ...     torch.tensor([[0.0, 1.0]]),
    ...     torch.tensor([0.0]),
    ...     torch.tensor([1.0]),
    ...     1.0,
    ...     ["a", "b"],
    ...     multi_label=False,
    ... )
    >>> result.labels, round(sum(result.scores), 4)
    (['b', 'a'], 1.0)
    """
    logits = window_logits.mean(0)
    scores = activate(logits, multi_label)
    top = scores.topk(min(top_k, scores.numel()))
    indices = top.indices.tolist()
    return TaggingResult(
        labels=[names[i] for i in indices],
        scores=top.values.tolist(),
        indices=indices,
        all_scores=scores,
        logits=logits,
        duration=duration,
        timeline=Timeline(
            starts=starts,
            ends=ends,
            scores=activate(window_logits, multi_label),
            logits=window_logits,
        ),
    )


def classifier_outputs(results, names):
    """What SpeechBrain's ``AudioClassifier.classify_batch`` returns.

    Arguments
    ---------
    results : list of TaggingResult
        One per clip.
    names : list of str
        Class names in head output order.

    Returns
    -------
    out_prob : torch.Tensor
        ``[batch, classes]`` scores: sigmoid of the clip logits for
        multi-label heads, softmax for single-label heads.
    score : torch.Tensor
        ``[batch]`` the best class's score.
    index : torch.Tensor
        ``[batch]`` the best class's index (int64).
    text_lab : list of str
        The best class's label, one per clip.

    Example
    -------
    >>> results = [
    ...     tagging_result(
    ...         torch.tensor([[0.0, 2.0]]),
    ...         torch.tensor([0.0]),
    ...         torch.tensor([1.0]),
    ...         1.0,
    ...         ["a", "b"],
    ...     )
    ... ]
    >>> out_prob, score, index, text_lab = classifier_outputs(
    ...     results, ["a", "b"]
    ... )
    >>> out_prob.shape, index.tolist(), text_lab
    (torch.Size([1, 2]), [1], ['b'])
    """
    out_prob = torch.stack([result.all_scores for result in results])
    score, index = torch.max(out_prob, dim=-1)
    return out_prob, score, index, [names[i] for i in index.tolist()]


def frame_batch(clips):
    """Pad the frame embeddings of clips of different lengths into a batch.

    Arguments
    ---------
    clips : list of tuple
        Per clip, ``(embeddings [frames_i, dim], times [frames_i])``.

    Returns
    -------
    FrameEmbeddings
        Zero-padded embeddings (float32) and times (float64), with the
        relative lengths.

    Example
    -------
    >>> frames = frame_batch(
    ...     [
    ...         (torch.ones(4, 2), torch.arange(4.0)),
    ...         (torch.ones(2, 2), torch.arange(2.0)),
    ...     ]
    ... )
    >>> frames.embeddings.shape, frames.lengths.tolist()
    (torch.Size([2, 4, 2]), [1.0, 0.5])
    """
    longest = max(emb.shape[0] for emb, _ in clips)
    dim = clips[0][0].shape[-1]
    embeddings = torch.zeros(len(clips), longest, dim)
    times = torch.zeros(len(clips), longest, dtype=torch.float64)
    lengths = torch.zeros(len(clips))
    for i, (emb, stamp) in enumerate(clips):
        embeddings[i, : emb.shape[0]] = emb
        times[i, : emb.shape[0]] = stamp
        lengths[i] = emb.shape[0] / longest
    return FrameEmbeddings(embeddings, times, lengths)
