"""Import recipe scripts (which live outside the package) in tests.

Authors
 * speechbrain-passt developers 2026
"""

import doctest
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_recipe_module(dataset, name):
    """Import ``recipes/<dataset>/<name>.py`` under a unique module name.

    Arguments
    ---------
    dataset : str
        Recipe folder name (e.g. ``Audioset``).
    name : str
        Script name without ``.py``.

    Returns
    -------
    module
        The imported module.
    """
    folder = ROOT / "recipes" / dataset
    path = folder / f"{name}.py"
    module_name = f"recipe_{dataset}_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    # train.py imports its prepare script as a sibling module.
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def run_doctests(module, request):
    """Run a recipe module's doctests (pytest collects only the package's).

    Arguments
    ---------
    module : module
        The module.
    request : pytest.FixtureRequest
        Provides ``getfixture`` to the examples; ``getfixture("tmp_path")``
        gives a fresh folder each time, as pytest does per docstring.

    Returns
    -------
    doctest.TestResults
        Failures and attempts.
    """
    factory = request.getfixturevalue("tmp_path_factory")

    def getfixture(name):
        if name == "tmp_path":
            return factory.mktemp("doctest")
        return request.getfixturevalue(name)

    return doctest.testmod(
        module,
        extraglobs={"getfixture": getfixture},
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        report=True,
    )
