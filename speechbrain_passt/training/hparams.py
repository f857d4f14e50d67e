"""Recipe hyperparameter files that extend a shared base file.

The variants of a recipe (PaSST-S, -B, -U, ...) share almost every setting.
A variant file names its base with a top-level ``base_hparams`` key (a path
relative to the variant file) and lists only the keys it changes; each key
replaces the base's top-level key of the same name (an unknown key is an
error, so typos do not pass silently). Command-line overrides apply last,
as in any SpeechBrain recipe. A file without ``base_hparams`` is an ordinary
HyperPyYAML file.

Authors
 * speechbrain-passt developers 2026
"""

import io
from pathlib import Path

import ruamel.yaml
from hyperpyyaml import load_hyperpyyaml

BASE_KEY = "base_hparams"


def merge_hparams_text(hparams_file):
    """The YAML text of a variant file merged into its base.

    Arguments
    ---------
    hparams_file : str or os.PathLike
        Variant (or ordinary) HyperPyYAML file.

    Returns
    -------
    str
        YAML text with HyperPyYAML tags kept, ready for
        ``load_hyperpyyaml``.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = (tmp / "base.yaml").write_text("a: 1\\nb: !ref <a>\\n", "utf-8")
    >>> _ = (tmp / "v.yaml").write_text(
    ...     "base_hparams: base.yaml\\na: 2\\n", "utf-8"
    ... )
    >>> load_hyperpyyaml(merge_hparams_text(tmp / "v.yaml"))["b"]
    2
    """
    path = Path(hparams_file)
    text = path.read_text(encoding="utf-8")
    yaml = ruamel.yaml.YAML()
    variant = yaml.load(text)
    if not isinstance(variant, dict) or BASE_KEY not in variant:
        return text
    base_path = path.parent / str(variant.pop(BASE_KEY))
    if not base_path.is_file():
        raise FileNotFoundError(
            f"{path}: {BASE_KEY} names {base_path}, which does not exist"
        )
    base_text = merge_hparams_text(base_path)
    base = yaml.load(base_text)
    unknown = [key for key in variant if key not in base]
    if unknown:
        raise ValueError(
            f"{path}: keys {unknown} are not in the base file {base_path}"
        )
    for key, value in variant.items():
        base[key] = value
    out = io.StringIO()
    yaml.dump(base, out)
    return out.getvalue()


def load_hparams(hparams_file, overrides=None):
    """Load a (variant) recipe hyperparameter file.

    Arguments
    ---------
    hparams_file : str or os.PathLike
        The file given on the command line.
    overrides : str or dict, optional
        Command-line overrides (``sb.parse_arguments``' third output).

    Returns
    -------
    hparams : dict
        The loaded hyperparameters.
    text : str
        The merged YAML text (before overrides), e.g. to save with
        ``create_experiment_directory``.

    Example
    -------
    >>> tmp = getfixture("tmpdir")
    >>> _ = (tmp / "h.yaml").write_text("a: 1\\n", "utf-8")
    >>> load_hparams(tmp / "h.yaml", {"a": 3})[0]
    {'a': 3}
    """
    text = merge_hparams_text(hparams_file)
    return load_hyperpyyaml(text, overrides), text
