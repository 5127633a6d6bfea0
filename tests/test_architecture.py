"""The shape of the code, checked: layers point down, no import cycle, no module loaded from a
string, and no module over 600 lines unless it says why it must be one piece.

The import graph is read from the source (every ``import`` statement, those inside functions
too), so a lazy import that breaks a rule is caught as surely as one at the top of a module.
Imports under ``if TYPE_CHECKING:`` are left out: they name types for readers and checkers and
never run (a model backend may name the ``CloudState`` it is mixed into).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "novamagic"
MAX_LINES = 600

#: (layer prefix, what it must never import): the arrows of docs/architecture.md.
FORBIDDEN = [
    ("novamagic.localcloud", ("novamagic.client", "novamagic.frames", "novamagic.magics",
                              "novamagic.widgets", "IPython", "ipywidgets", "pandas")),
    ("novamagic.client", ("novamagic.frames", "novamagic.magics", "novamagic.widgets",
                          "novamagic.localcloud.model", "IPython", "ipywidgets", "pandas")),
    ("novamagic.frames", ("novamagic.magics", "novamagic.widgets", "novamagic.localcloud",
                          "IPython", "ipywidgets", "requests", "keystoneauth1")),
    ("novamagic.magics", ("requests", "keystoneauth1", "werkzeug", "novamagic.localcloud.model")),
    ("novamagic.widgets", ("novamagic.magics", "requests", "keystoneauth1", "werkzeug",
                           "novamagic.localcloud.model")),
]  # fmt: skip


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports: ``from pkg import sub`` counts as ``pkg.sub`` when ``sub``
    is a module, else as ``pkg``; relative imports are resolved."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                found.add(sub if sub in MODULES else source)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_graph_is_read():
    # A guard for the checks below: the graph must see the imports that are there.
    assert "novamagic.localcloud.errors" in GRAPH["novamagic.localcloud.app"]
    assert "keystoneauth1" in set().union(
        *(GRAPH[m] for m in MODULES if _within(m, "novamagic.client"))
    )
    assert len(MODULES) > 40


@pytest.mark.parametrize("layer, forbidden", FORBIDDEN, ids=[layer for layer, _ in FORBIDDEN])
def test_layers_point_down(layer, forbidden):
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _within(module, layer)
        for target in targets
        if any(_within(target, bad) for bad in forbidden)
    )
    assert not wrong, "\n".join(wrong)


def test_the_client_does_not_import_the_package_root():
    # novamagic/__init__.py is the notebook's entry point (load_ipython_extension).
    wrong = sorted(
        m
        for m, targets in GRAPH.items()
        if _within(m, "novamagic.client") and "novamagic" in targets
    )
    assert not wrong


def test_no_import_cycle():
    """Tarjan's strongly connected components over novamagic's own modules."""
    own = {m: {t for t in targets if t in MODULES and t != m} for m, targets in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in own[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in own:
        if module not in index:
            visit(module)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_module_is_loaded_from_a_string():
    wrong = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                called = getattr(func, "attr", None) or getattr(func, "id", None)
                if called in ("import_module", "__import__"):
                    wrong.append(f"{name}:{node.lineno}")
    assert not wrong, "use a plain import: " + ", ".join(wrong)


def test_modules_are_rooms_not_halls():
    too_long = []
    for name, path in MODULES.items():
        lines = path.read_text().count("\n")
        docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
        head = " ".join(docstring.split("\n\n")[0:2]).lower()
        if lines > MAX_LINES and "one piece" not in head:
            too_long.append(f"{name} ({lines} lines)")
    assert not too_long, (
        f"over {MAX_LINES} lines without saying (in the docstring's first paragraphs) why it "
        f"must be one piece: {', '.join(too_long)}"
    )
