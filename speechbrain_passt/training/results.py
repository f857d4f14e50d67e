"""Writing, printing and averaging a recipe's test results.

Every recipe writes ``results.json`` with the metrics of the live model
(``accuracy``, ``mAP``, ...) and, when SWA ran, of the SWA average
(``swa_accuracy``, ``swa_mAP``, ...), plus ``exported_model`` (``swa`` or
``live``): the model exported to the pretrained folder.

Authors
 * speechbrain-passt developers 2026
"""

import json
import math
import os
import statistics

from speechbrain.utils.distributed import if_main_process


def write_results(results, output_folder, name="results.json"):
    """Write test results as JSON and print the numbers (main process).

    Arguments
    ---------
    results : dict
        Metric name -> float, and any JSON-serialisable extras (e.g. the
        exported ``model`` folder, per-fold results).
    output_folder : str or os.PathLike
        The experiment folder.
    name : str, optional (default: "results.json")
        File name inside ``output_folder``.

    Returns
    -------
    str
        The written file.

    Example
    -------
    >>> path = write_results({"mAP": 0.5}, getfixture("tmpdir"))
    test mAP: 0.5000
    >>> os.path.basename(path)
    'results.json'
    """
    path = os.path.join(output_folder, name)
    if if_main_process():
        with open(path, "w", encoding="utf-8") as fout:
            json.dump(results, fout, indent=1)
        for key, value in results.items():
            if isinstance(value, float):
                print(f"test {key}: {value:.4f}")
        if "model" in results:
            print(f"trained model: {results['model']}")
    return path


def brain_results(brain):
    """A tested Brain's results: its test statistics (live and SWA) and
    which of the two models is exported.

    Arguments
    ---------
    brain : PaSSTBrain
        After ``evaluate``.

    Returns
    -------
    dict
        ``brain.test_stats`` plus ``exported_model`` (``swa`` or ``live``).

    Example
    -------
    >>> from types import SimpleNamespace
    >>> brain = SimpleNamespace(
    ...     test_stats={"accuracy": 0.5, "swa_accuracy": 0.75},
    ...     exported_model="swa",
    ... )
    >>> brain_results(brain)["exported_model"]
    'swa'
    """
    return dict(brain.test_stats, exported_model=brain.exported_model)


def numeric_items(results):
    """The numeric (not boolean) top-level entries of a results dict.

    Arguments
    ---------
    results : dict
        A recipe's results (e.g. a loaded ``results.json``).

    Returns
    -------
    dict
        Name -> float, in the order of ``results``.

    Example
    -------
    >>> numeric_items({"mAP": 0.5, "epochs": 3, "model": "x", "ok": True})
    {'mAP': 0.5, 'epochs': 3.0}
    """
    return {
        key: float(value)
        for key, value in results.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    }


def mean_and_std(values):
    """Mean and sample standard deviation (0 for a single value).

    Arguments
    ---------
    values : list of float
        At least one value.

    Returns
    -------
    mean : float
    std : float
        ``statistics.stdev`` (n - 1 in the denominator).

    Example
    -------
    >>> mean_and_std([0.5, 1.0, 1.5])
    (1.0, 0.5)
    >>> mean_and_std([0.9])
    (0.9, 0.0)
    """
    values = [float(v) for v in values]
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.mean(values), std


def aggregate_runs(runs):
    """Mean and standard deviation of every numeric metric over runs.

    Arguments
    ---------
    runs : list of dict
        One results dict per run (seed or fold); a metric is aggregated
        when every run has it.

    Returns
    -------
    dict
        Metric -> ``{"mean", "std", "values"}``.

    Example
    -------
    >>> runs = [{"mAP": 0.5, "model": "a"}, {"mAP": 0.7, "model": "b"}]
    >>> stats = aggregate_runs(runs)["mAP"]
    >>> round(stats["mean"], 4), round(stats["std"], 4), stats["values"]
    (0.6, 0.1414, [0.5, 0.7])
    """
    per_run = [numeric_items(run) for run in runs]
    names = [k for k in per_run[0] if all(k in run for run in per_run[1:])]
    out = {}
    for name in names:
        values = [run[name] for run in per_run]
        if not all(math.isfinite(v) for v in values):
            mean, std = math.nan, math.nan
        else:
            mean, std = mean_and_std(values)
        out[name] = {"mean": mean, "std": std, "values": values}
    return out
