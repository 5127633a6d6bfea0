"""The local cloud's layout: no import cycle between its modules (outside ``model/``), function-
level imports included, and no module over 600 lines unless its first lines say why."""

from __future__ import annotations

import ast
import pathlib

import novamagic.localcloud

ROOT = pathlib.Path(novamagic.localcloud.__file__).parent
PACKAGE = "novamagic.localcloud"
MAX_LINES = 600


def _modules() -> dict[str, pathlib.Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = (PACKAGE, *path.relative_to(ROOT).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _import_graph(modules: dict[str, pathlib.Path]) -> dict[str, set[str]]:
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    kept = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(kept + ([base] if base else []))
                # ``from pkg import mod`` depends on the module, not on the package's __init__
                subs = [f"{base}.{alias.name}" for alias in node.names]
                targets = [sub for sub in subs if sub in modules]
                if len(targets) < len(subs):
                    targets.append(base)
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_outside_the_model():
    model = f"{PACKAGE}.model"
    cycles = [
        cycle
        for cycle in _cycles(_import_graph(_modules()))
        if not all(name == model or name.startswith(model + ".") for name in cycle)
    ]
    assert cycles == []


def test_no_module_outside_the_model_over_600_lines():
    too_long = []
    for name, path in _modules().items():
        if name.startswith(f"{PACKAGE}.model"):
            continue  # the model's own layout is checked with the model
        lines = path.read_text().splitlines()
        if len(lines) > MAX_LINES and "one piece" not in "\n".join(lines[:10]):
            too_long.append((name, len(lines)))
    assert too_long == []
