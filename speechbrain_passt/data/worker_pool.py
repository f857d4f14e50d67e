"""A process pool whose job can kill its worker without ending the run.

A job that raises is the job's business (the cache's job function turns
every exception into a reported problem). A job that kills its process
(a decoder crash, the kernel's out-of-memory killer) breaks a plain
``ProcessPoolExecutor``: every pending job fails with ``BrokenProcessPool``
and no file is named. :func:`map_surviving_crashes` marks each job in
shared memory when it starts and ends; after a break, the jobs started but
not ended are run again one by one in a fresh single worker, so the one
that kills its worker is found and reported as such, while the jobs that
only shared the pool run again and the remaining jobs go on.

Authors
 * speechbrain-passt developers 2026
"""

import concurrent.futures
import multiprocessing
from concurrent.futures.process import BrokenProcessPool

STARTED, FINISHED = 1, 2
# What a worker process runs: set by _init_worker.
_worker = {}


def _init_worker(marks, function, initializer):
    """Keep the shared marks and the job function in the worker.

    Arguments
    ---------
    marks : multiprocessing.RawArray
        One byte per job: 0, :data:`STARTED` or :data:`FINISHED`.
    function : callable
        The job function.
    initializer : callable or None
        Run once per worker.
    """
    _worker["marks"], _worker["function"] = marks, function
    if initializer is not None:
        initializer()


def _run_chunk(chunk):
    """Run ``(index, job)`` pairs, marking each job's start and end.

    Arguments
    ---------
    chunk : list of tuple
        ``(index, job)`` pairs.

    Returns
    -------
    list of tuple
        ``(index, result)`` pairs.
    """
    marks, function = _worker["marks"], _worker["function"]
    results = []
    for index, job in chunk:
        marks[index] = STARTED
        results.append((index, function(job)))
        marks[index] = FINISHED
    return results


def _run_round(function, jobs, indices, workers, initializer, chunksize, out):
    """Run some jobs in a fresh pool; store results in ``out``.

    Returns
    -------
    marks : multiprocessing.RawArray
        The jobs' start and end marks.
    broken : bool
        Whether a worker died (jobs without a result are in ``indices``
        but not in ``out``).
    """
    marks = multiprocessing.RawArray("b", len(jobs))
    chunks = [
        [(i, jobs[i]) for i in indices[start : start + chunksize]]
        for start in range(0, len(indices), chunksize)
    ]
    broken = False
    with concurrent.futures.ProcessPoolExecutor(
        workers,
        initializer=_init_worker,
        initargs=(marks, function, initializer),
    ) as pool:
        futures = [pool.submit(_run_chunk, chunk) for chunk in chunks]
        for future in concurrent.futures.as_completed(futures):
            try:
                out.update(future.result())
            except BrokenProcessPool:
                broken = True
    return marks, broken


def map_surviving_crashes(
    function, jobs, num_workers, crashed, initializer=None, chunksize=64
):
    """``[function(job) for job in jobs]`` in worker processes, where a job
    that kills its worker gets ``crashed(job)`` and the others go on.

    Arguments
    ---------
    function : callable
        A picklable (module-level) function of one job.
    jobs : list
        Picklable jobs.
    num_workers : int
        Worker processes (at least 1).
    crashed : callable
        ``job -> result`` for a job whose worker died (run here).
    initializer : callable, optional
        Run once in each worker.
    chunksize : int, optional (default: 64)
        Jobs sent to a worker at a time.

    Returns
    -------
    list
        One result per job, in order.

    Raises
    ------
    BrokenProcessPool
        The pool broke although no job was running (not a job's doing).

    Example
    -------
    >>> map_surviving_crashes(abs, [-1, 2], 2, crashed=lambda job: None)
    [1, 2]
    """
    out = {}
    todo = list(range(len(jobs)))
    while todo:
        marks, broken = _run_round(
            function, jobs, todo, num_workers, initializer, chunksize, out
        )
        if not broken:
            break
        suspects = [i for i in todo if marks[i] == STARTED]
        if not suspects:
            raise BrokenProcessPool("a worker process died between jobs")
        for index in suspects:
            # Alone in its pool, a job that breaks it is the culprit.
            _, alone_broken = _run_round(
                function, jobs, [index], 1, initializer, 1, out
            )
            if alone_broken:
                out[index] = crashed(jobs[index])
        todo = [i for i in todo if i not in out]
    return [out[i] for i in range(len(jobs))]
