"""Loading a recipe's hyperparameters, with one clear line when its data
folder is not given or does not exist.

Every recipe's real yaml has ``data_folder: !PLACEHOLDER``; HyperPyYAML
stops on it with a traceback, and a mistyped ``--data_folder`` surfaces as
a traceback deep in the data preparation. :func:`load_recipe_hparams` turns
both into one line on stderr (what is missing, where the download steps
are, which command runs without data) and exit status 2, before the
experiment folder is created. A yaml that writes its own data
(``synthetic_data``, the demos) skips the existence check.

Authors
 * speechbrain-passt developers 2026
"""

import os
import sys

import ruamel.yaml
from hyperpyyaml import load_hyperpyyaml


def load_recipe_hparams(hparams_file, overrides, data_help, loader=None):
    """The recipe's hyperparameters, or exit 2 with one line if its data
    folder is not given or does not exist.

    Arguments
    ---------
    hparams_file : str
        The recipe's yaml.
    overrides : str or dict
        The command-line overrides (as ``sb.parse_arguments`` gives them).
    data_help : str
        What the data folder holds and where to get it, e.g. ``"the ESC-50
        download (see recipes/ESC50/README.md); without data: python
        recipes/ESC50/train.py hparams/esc50/demo.yaml"``.
    loader : callable, optional
        ``loader(hparams_file, overrides) -> dict``, for recipes that load
        their yaml with extra overrides; default: plain HyperPyYAML.

    Returns
    -------
    dict
        The hyperparameters.

    Raises
    ------
    SystemExit
        Status 2, after one line on stderr naming the yaml and the folder.

    Example
    -------
    >>> path = getfixture("tmpdir") / "recipe.yaml"
    >>> _ = path.write("data_folder: !PLACEHOLDER\\nseed: 1\\n")
    >>> load_recipe_hparams(str(path), "", "your sounds")
    Traceback (most recent call last):
    ...
    SystemExit: 2
    >>> folder = str(getfixture("tmpdir"))
    >>> load_recipe_hparams(str(path), {"data_folder": folder}, "")["seed"]
    1
    """
    raw = _raw_yaml(hparams_file)
    given = overrides_dict(overrides)
    folder = given.get("data_folder", raw.get("data_folder"))
    if _is_placeholder(folder):
        _exit(f"{hparams_file}: --data_folder is missing: {data_help}")
    writes_own_data = (
        given.get("synthetic_data", raw.get("synthetic_data")) is not None
    )
    # Checked before loading: loading builds the Checkpointer, which
    # creates the experiment's folders.
    if isinstance(folder, str) and not writes_own_data:
        if not os.path.isdir(folder):
            _exit(
                f"{hparams_file}: --data_folder {folder} is not a folder: "
                f"{data_help}"
            )
    return (loader or _load)(hparams_file, overrides)


def _raw_yaml(hparams_file):
    """The yaml's top-level mapping, tags kept, nothing constructed."""
    with open(hparams_file, encoding="utf-8") as fin:
        return ruamel.yaml.YAML(typ="rt").load(fin) or {}


def overrides_dict(overrides):
    """Command-line overrides as a new dict, to add keys to.

    Arguments
    ---------
    overrides : str or dict or None
        YAML text (as ``sb.parse_arguments`` gives it) or a dict.

    Returns
    -------
    dict
        The overrides (a copy).

    Example
    -------
    >>> overrides_dict("lr: 0.001\\nseed: 3\\n")
    {'lr': 0.001, 'seed': 3}
    >>> overrides_dict(None)
    {}
    """
    if isinstance(overrides, dict):
        return dict(overrides)
    return dict(ruamel.yaml.YAML(typ="safe").load(overrides or "") or {})


def _is_placeholder(value):
    """Whether a raw yaml value is HyperPyYAML's ``!PLACEHOLDER``."""
    tag = getattr(value, "tag", None)
    return getattr(tag, "value", tag) == "!PLACEHOLDER"


def _load(hparams_file, overrides):
    """Plain HyperPyYAML loading of a yaml file with overrides."""
    with open(hparams_file, encoding="utf-8") as fin:
        return load_hyperpyyaml(fin, overrides)


def _exit(message):
    """Print one line on stderr and exit with status 2."""
    print(message, file=sys.stderr)
    sys.exit(2)
