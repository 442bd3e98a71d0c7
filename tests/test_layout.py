"""The package layout: the import graph has no circle, and no layer imports a higher one.

The layers, lowest first, follow the data flow (docs/development.md, "Layers"): a scenario file
becomes a Scenario, which is solved into a Result, whose metrics the studies collect, which the
figures draw, which output folders hold, which teaching and interop present, which the command
line drives.  Every import counts, including those inside functions (the lazy ones).
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "livermodel"

#: Layers, lowest first.  A module may import its own layer and the layers below it.
LAYERS = (
    ("livermodel.errors", "livermodel.units", "livermodel.files", "livermodel.version"),
    ("livermodel.model",),
    ("livermodel.metrics",),
    ("livermodel.solve",),
    ("livermodel.scenario",),
    ("livermodel.studies",),
    ("livermodel.figures",),
    ("livermodel.output",),
    ("livermodel.interop",),
    ("livermodel.teach",),
    ("livermodel.cli",),
)
#: Public names kept for users (the package itself and compatibility modules): they may import
#: anything, and nothing inside the layers may import them.
FACADES = (
    "livermodel",
    "livermodel.__main__",
    "livermodel.plots",
    "livermodel.sweep",
    "livermodel.sbml",
    "livermodel.analysis",
)


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py")}


def _target(node: ast.ImportFrom, here: str, is_package: bool) -> str | None:
    if node.level:
        base = here.split(".") if is_package else here.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))
    return node.module


def imports(name: str) -> set[str]:
    """Every livermodel module that module ``name`` imports, at any depth of its code."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _target(node, name, path.name == "__init__.py")
            targets = []
            for a in node.names:  # 'from pkg import submodule' imports the submodule
                sub = f"{base}.{a.name}"
                targets.append(sub if sub in MODULES else base)
        else:
            continue
        out.update(t for t in targets if t and (t == "livermodel" or t.startswith("livermodel.")))
    out.discard(name)
    return out


GRAPH = {name: imports(name) for name in MODULES}


def layer(name: str) -> int | None:
    for i, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return i
    return None


def test_every_module_has_a_layer_or_is_a_facade():
    assert [n for n in MODULES if layer(n) is None and n not in FACADES] == []


def test_no_layer_imports_a_higher_layer_or_a_facade():
    wrong = []
    for name, targets in GRAPH.items():
        if name in FACADES:
            continue
        for t in targets:
            if t in FACADES:
                wrong.append(f"{name} imports the public facade {t}")
            elif layer(t) > layer(name):
                wrong.append(f"{name} (layer {layer(name)}) imports {t} (layer {layer(t)})")
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan 1972)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_circle():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_readable(name):
    """No module over 700 lines of formatted code (about 600 before ruff format): split by concern
    before that."""
    assert len(MODULES[name].read_text(encoding="utf-8").splitlines()) <= 700
