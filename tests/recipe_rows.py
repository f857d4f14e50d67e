"""Run rows of ``tests/recipes/<Dataset>.csv`` (SpeechBrain's recipe-test
format) as subprocesses and check their ``file_exists`` lists.

Authors
 * speechbrain-passt developers 2026
"""

import csv
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = ROOT / "tests" / "recipes"


def read_rows(dataset):
    """Rows of ``tests/recipes/<dataset>.csv``.

    Arguments
    ---------
    dataset : str
        Recipe folder name.

    Returns
    -------
    list of dict
        The rows, keyed by column.
    """
    with open(ROWS / f"{dataset}.csv", newline="", encoding="utf-8") as fin:
        return list(csv.DictReader(fin))


def expected_files(row):
    """Files a row's ``test_debug_checks`` expects in the output folder.

    Arguments
    ---------
    row : dict
        A CSV row.

    Returns
    -------
    list of str
        Relative paths.
    """
    checks = row["test_debug_checks"]
    start = checks.index("file_exists=[") + len("file_exists=[")
    return [
        f.strip() for f in checks[start : checks.index("]", start)].split(",")
    ]


def run_row(row, output_folder, extra_args=(), timeout=300):
    """Run one row from the repository root.

    Arguments
    ---------
    row : dict
        A CSV row.
    output_folder : str or os.PathLike
        Passed as ``--output_folder``.
    extra_args : sequence of str
        Further ``--key=value`` arguments; they replace the row's flags of
        the same key.
    timeout : float
        Seconds before the run is killed.

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` and ``stderr`` as text.
    """
    script = ROOT / row["Script_file"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(script.parent)])
    env["OMP_NUM_THREADS"] = "1"
    replaced = {arg.split("=", 1)[0] for arg in extra_args}
    flags = [
        flag
        for flag in shlex.split(row["test_debug_flags"])
        if flag.split("=", 1)[0] not in replaced
    ]
    command = [
        sys.executable,
        str(script),
        str(ROOT / row["Hparam_file"]),
        *flags,
        "--device=cpu",
        f"--output_folder={output_folder}",
        *extra_args,
    ]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check_ok(result):
    """Fail with the run's output tail when it did not succeed.

    Arguments
    ---------
    result : subprocess.CompletedProcess
        A finished run.
    """
    assert result.returncode == 0, (
        result.stdout[-3000:] + "\n" + result.stderr[-5000:]
    )
