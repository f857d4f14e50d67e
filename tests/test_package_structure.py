"""The package's shape: layers whose imports point down, small modules and
a docstring on every public function and class, nested ones included
(as SpeechBrain's check_docstrings), so CI keeps these rules without a SpeechBrain
checkout."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "speechbrain_passt"
# Lower number = lower layer; a module may import its own layer and below.
LAYERS = {
    "lobes": 0,
    "weights": 1,
    "data": 1,
    "inference": 2,
    "training": 3,
    "cli": 4,
}
# Modules outside the layer folders: the package's public names and the
# hook names of pretrained folders written by version 0.1.
TOP_LEVEL = {"__init__": 1, "checkpoints": 1}
MAX_LINES = 450  # "about 400": room for the docstrings of one class
DATA_TABLES = {"weights/registry.py"}
MODULES = sorted(PACKAGE.rglob("*.py"))


def layer_of(module_name):
    """Layer number of ``speechbrain_passt.<part>...``, or None."""
    parts = module_name.split(".")
    if parts[0] != "speechbrain_passt":
        return None
    if len(parts) == 1:
        return TOP_LEVEL["__init__"]
    return LAYERS.get(parts[1], TOP_LEVEL.get(parts[1]))


def imports_of(path):
    """Every ``speechbrain_passt`` module a file imports (at any depth)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return [n for n in names if n.split(".")[0] == "speechbrain_passt"]


def module_name(path):
    """Dotted name of a file of the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_point_down(path):
    own = layer_of(module_name(path))
    assert own is not None, f"{path}: not in a layer folder"
    upward = [m for m in imports_of(path) if layer_of(m) > own]
    assert upward == [], f"{module_name(path)} imports a higher layer"


def test_no_import_cycles():
    graph = {module_name(p): set() for p in MODULES}
    for path in MODULES:
        for target in imports_of(path):
            # `from pkg import name` may name a submodule or an attribute.
            while target and target not in graph:
                target = target.rpartition(".")[0]
            if target and target != module_name(path):
                graph[module_name(path)].add(target)
    # A package's __init__ importing its own submodules is not a cycle.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not t.startswith(name + ".")}
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                raise AssertionError(f"cycle: {stack + [node, nxt]}")
            if nxt not in state:
                visit(nxt, stack + [node])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [])


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_modules_are_small(path):
    relative = path.relative_to(PACKAGE).as_posix()
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if relative not in DATA_TABLES:
        assert lines <= MAX_LINES, f"{relative}: {lines} lines"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_function_and_class_has_a_docstring(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    missing = [
        f"{node.name} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        )
        and not node.name.startswith("_")
        and not ast.get_docstring(node)
    ]
    assert missing == [], f"{path.name}: no docstring"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_docstrings_open_on_the_def_line_after(path):
    """SpeechBrain's checker reads source lines and skips any holding
    "..." or ">>>", so a docstring whose first line holds them counts as
    missing there."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    bad = [
        node.name
        for node in ast.walk(tree)
        if isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        )
        and not node.name.startswith("_")
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and any(s in lines[node.body[0].lineno - 1] for s in ("...", ">>>"))
    ]
    assert bad == []
