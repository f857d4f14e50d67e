"""Writing and printing a recipe's test results.

Authors
 * speechbrain-passt developers 2026
"""

import json
import os

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
