"""Independent encoder passes spread over the CPU's cores, one each.

On a CPU, torch splits every operation of a pass over all cores, and the
many short steps of a clip (LayerNorm, residual adds, quantising each
layer's input, the attention's blocks) make the cores wait for each
other. One window per pass, the passes side by side with one intra-op
thread per core, keeps every core on its own clip and its own cache.
That pays once a window has a few hundred patch tokens; below, a batched
pass's larger products win. Measured with ``benchmarks/core_parallel.py``
on this project's 2-core EPYC (8 windows per call, clips/s, batched ->
one per core; int8 on an x86 CPU needs one window per pass, so its first
figure is those passes one after the other; torch 2.9.1):

=========  ==========  ==============  ==============  ==============
model      window      fp32            bf16            int8 (x86)
=========  ==========  ==============  ==============  ==============
PaSST-S    10 s, 1190  0.561 -> 0.669  0.989 -> 1.074  1.493 -> 1.543
PaSST-S    3 s, 350    2.468 -> 2.653  4.270 -> 4.581  6.902 -> 7.807
PaSST-S    1 s, 110    8.734 -> 7.634  15.88 -> 12.59  24.08 -> 26.04
PaSST-S-N  10 s, 496   1.756 -> 1.809  3.160 -> 3.095  4.464 -> 5.007
PaSST-S-N  5 s, 248    3.822 -> 3.753  6.911 -> 6.298  8.407 -> 10.60
=========  ==========  ==============  ==============  ==============

(window: length and patch tokens). Hence :data:`MIN_TOKENS_PER_CORE`
for fp32 and bf16, and always for int8. Files (``tag_files``,
``passt-tag``) run one per pass anyway, and one per core is 6-44%
faster than one at a time. The results do not change (one window per
pass gives what the batch gives, to float rounding:
tests/test_core_parallel.py).

Authors
 * speechbrain-passt developers 2026
"""

import collections
import concurrent.futures

import torch

# Patch tokens per window from which one pass per core beats a batched
# pass on the CPU (fp32 and bf16; see the table above).
MIN_TOKENS_PER_CORE = 300


def passes_per_core(device, tokens, one_pass_per_window=False, encoder=None):
    """Whether to run a batch's windows one per pass, side by side.

    Arguments
    ---------
    device : torch.device or str
        Where the encoder runs; only a CPU's passes are spread over cores.
    tokens : int
        Patch tokens of the batch's longest window.
    one_pass_per_window : bool, optional (default: False)
        The encoder needs one window per pass (int8 on an x86 CPU): spread
        them whatever their length.
    encoder : torch.nn.Module, optional
        The encoder. A ``torch.compile`` d one is never spread: dynamo
        guards its graphs on the thread count, so the single-threaded
        workers would compile it again (and soon reach its recompile
        limit, then run eagerly).

    Returns
    -------
    bool
        True on a CPU with more than one thread
        (``torch.get_num_threads()``) and an eager encoder, for windows of
        at least :data:`MIN_TOKENS_PER_CORE` tokens or with
        ``one_pass_per_window``.

    Example
    -------
    >>> cpu = torch.device("cpu")
    >>> two = torch.get_num_threads() > 1
    >>> passes_per_core(cpu, 10), passes_per_core(cpu, 10, True) == two
    (False, True)
    >>> passes_per_core(cpu, 1190) == two
    True
    >>> passes_per_core(cpu, 1190, encoder=torch.compile(torch.nn.ReLU()))
    False
    >>> passes_per_core(torch.device("cuda"), 1190)
    False
    """
    if torch.device(device).type != "cpu" or torch.get_num_threads() < 2:
        return False
    if isinstance(encoder, torch._dynamo.eval_frame.OptimizedModule):
        return False
    return one_pass_per_window or tokens >= MIN_TOKENS_PER_CORE


def map_on_cores(function, items, workers=None):
    """``[function(item) for item in items]``, on one thread per core.

    See :func:`imap_on_cores`, which this runs to the end.

    Arguments
    ---------
    function : callable
        Called once per item; its calls must not depend on each other.
    items : sequence
        The inputs.
    workers : int, optional
        Threads to use (default: ``torch.get_num_threads()``, the cores
        torch uses); at most one per item.

    Returns
    -------
    list
        The results, in the order of ``items``.

    Example
    -------
    >>> threads = torch.get_num_threads()
    >>> map_on_cores(
    ...     lambda x: (x * 2).tolist(), [torch.ones(2), torch.zeros(1)]
    ... )
    [[2.0, 2.0], [0.0]]
    >>> torch.get_num_threads() == threads
    True
    """
    items = list(items)
    workers = min(workers or torch.get_num_threads(), len(items))
    return list(imap_on_cores(function, items, max(workers, 1)))


def imap_on_cores(function, items, workers=None):
    """``function(item)`` for each item, in order, one thread per core.

    Each worker thread runs with one intra-op thread
    (``torch.set_num_threads(1)`` is per thread for OpenMP and MKL); the
    caller's grad and inference modes, which are per thread too, carry
    over; the caller's thread count is restored at the end. torch's
    kernels release the GIL, so the calls overlap. Items are taken as
    workers free up (one call waits in line beyond the running ones), so
    a long stream of files is never read ahead.

    Arguments
    ---------
    function : callable
        Called once per item; its calls must not depend on each other.
    items : iterable
        The inputs.
    workers : int, optional
        Threads to use (default: ``torch.get_num_threads()``). With one,
        the items run in the calling thread, as a plain loop.

    Yields
    ------
    object
        ``function(item)``, in the order of ``items``.

    Raises
    ------
    Exception
        What ``function`` raised, when its result is due; the calls not
        yet started are dropped.

    Example
    -------
    >>> list(imap_on_cores(lambda x: x + 1, iter(range(4))))
    [1, 2, 3, 4]
    """
    workers = workers or torch.get_num_threads()
    if workers <= 1:
        yield from map(function, items)
        return
    grad = torch.is_grad_enabled()
    inference = torch.is_inference_mode_enabled()
    threads = torch.get_num_threads()

    def call(item):
        """``function(item)`` on one thread, in the caller's modes."""
        torch.set_num_threads(1)
        with torch.inference_mode(inference), torch.set_grad_enabled(grad):
            return function(item)

    pending = collections.deque()
    try:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            try:
                for item in items:
                    pending.append(pool.submit(call, item))
                    if len(pending) > workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()
    finally:
        # set_num_threads also sets the default that new threads start
        # with: put the caller's back.
        torch.set_num_threads(threads)
