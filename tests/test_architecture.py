"""The package's shape: subpackages import only the ones before them, no cycles.

docs/architecture.md draws the data flow; this test holds the code to it.
Every import of a geoinv module is read from the source (top-level and
function-level imports alike, so a cycle cannot hide behind a lazy import)
and checked against the layer order below.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "geoinv"

LAYERS = ["_checks", "forward", "io", "prior", "nn", "inversion", "evaluation", "viz",
          "workflow"]
"""The order of the data flow: a subpackage may import itself and those before it."""

EXEMPT = {"geoinv", "geoinv._compat", "geoinv.__main__"}
"""The flat public API and the old-path aliases import everything, by design."""

DEPRECATED = {("geoinv.forward.base", "geoinv.viz"), ("geoinv.forward.gravity", "geoinv.viz"),
              ("geoinv.forward.base", "geoinv"), ("geoinv.forward.gravity", "geoinv"),
              ("geoinv.inversion.profile", "geoinv.viz.sections")}
"""Upward imports of the delegates kept for one release (0.2) under their old
names (``ForwardModel.plot_example``, ``geoinv.inversion.profile.layered_section``);
they go in 0.3, and no new entry may join them."""

PLOT_METHODS = {("geoinv.inversion.field", "geoinv.viz")}
"""Result objects whose ``.plot()`` hands the drawing to viz (imported inside
the method, so the result's module does not load matplotlib)."""


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path):
    """The geoinv modules ``path`` imports, as absolute dotted names."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "geoinv":
                if target != name:          # "from . import ves" in a package's __init__
                    found.add(target)
                for alias in node.names:        # "from . import viz" names a module
                    if (PACKAGE.parent / (target + "." + alias.name).replace(".", "/")).exists():
                        found.add(f"{target}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "geoinv")
    return found


def _graph():
    return {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module):
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_belongs_to_a_layer():
    graph = _graph()
    strays = [m for m in graph if m not in EXEMPT and _layer(m) is None]
    assert not strays, f"modules outside the layers of docs/architecture.md: {strays}"


def test_subpackages_import_only_earlier_layers():
    wrong = []
    for module, targets in _graph().items():
        if module in EXEMPT:
            continue
        for target in targets:
            rank = len(LAYERS) - 1 if target == "geoinv" else _layer(target)
            allowed = DEPRECATED | PLOT_METHODS
            if rank > _layer(module) and (module, target) not in allowed:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the data flow:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle():
    graph = _graph()
    state, cycles = {}, []

    def visit(module, stack):
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if (target not in graph or target in EXEMPT
                    or (module, target) in DEPRECATED | PLOT_METHODS):
                continue
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target, stack + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state and module not in EXEMPT:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("layer", [x for x in LAYERS if (PACKAGE / x).is_dir()])
def test_each_subpackage_imports_in_a_fresh_interpreter(layer):
    """Importing one subpackage first (not through geoinv's own order) works."""
    code = f"import geoinv.{layer} as m; print(m.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
