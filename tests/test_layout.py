"""The layout the architecture promises: no import cycles, definitions that execute nothing.

Read from the source with `ast` (nothing is imported), so a cycle hidden in a function-level
import counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("impactmonitor", "pipelines", "app_pages", "schemas", "tools")
# The product: what is installed and served. Developer tools (tools/) may use it, never the reverse.
PRODUCT_PACKAGES = ("impactmonitor", "pipelines", "app_pages")
PRODUCT_SCRIPTS = ("app.py", "server.py")

# Definition (leaf) modules: what is declared, apart from how it is executed. They may use
# polars expressions and the configuration, but open no database and import no module that does.
DEFINITION_MODULES = (
    "impactmonitor.definitions",
    "impactmonitor.definitions.deliveries",
    "impactmonitor.definitions.escalation",
    "impactmonitor.definitions.kpis",
    "impactmonitor.definitions.norms",
    "impactmonitor.definitions.target",
)
# What executes: the database and every project module that imports it (computed below).
EXECUTING_ROOTS = (
    "duckdb",
    "impactmonitor.storage",
    "impactmonitor.lake",
    "impactmonitor.lake_backend",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module `name` imports anywhere in its source (project modules and third party)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from package import module` imports that module
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known or module.split(".")[0] == "duckdb"}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) - {name} for name, path in modules.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


@pytest.mark.parametrize(
    ("graph", "cycles"),
    [
        ({"a": {"b"}, "b": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b", "duckdb"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], cycles: list) -> None:
    assert import_cycles(graph) == cycles


def test_the_graph_sees_function_level_imports() -> None:
    graph = _graph()
    assert "impactmonitor.storage" in graph["impactmonitor.kpis"]
    assert "impactmonitor.definitions.kpis" in graph["impactmonitor.norms"]


def test_no_import_cycles_among_project_modules() -> None:
    assert import_cycles(_graph()) == []


def _executing(graph: dict[str, set[str]]) -> set[str]:
    """Modules that reach the database: the roots and every module importing one of them."""
    executing = set(EXECUTING_ROOTS)
    changed = True
    while changed:
        changed = False
        for name, targets in graph.items():
            if name not in executing and targets & executing:
                executing.add(name)
                changed = True
    return executing


@pytest.mark.parametrize("module", DEFINITION_MODULES)
def test_definition_modules_execute_nothing(module: str) -> None:
    graph = _graph()
    assert module in graph, f"{module} is missing"
    reached = graph[module] & _executing(graph)
    assert reached == set(), f"{module} imports executing modules: {sorted(reached)}"


def _product_modules() -> dict[str, Path]:
    modules = {
        name: path for name, path in _modules().items() if name.split(".")[0] in PRODUCT_PACKAGES
    }
    modules.update({Path(script).stem: ROOT / script for script in PRODUCT_SCRIPTS})
    return modules


def test_the_product_modules_are_found() -> None:
    modules = _product_modules()
    assert {"app", "server", "pipelines.ingest", "app_pages.upload"} <= set(modules)
    assert "impactmonitor.definitions.kpis" in modules


@pytest.mark.parametrize("module", sorted(_product_modules()))
def test_the_product_imports_no_developer_tool(module: str) -> None:
    """The sample generator and the benchmarks are tools beside the product: the app, the domain
    package and the ingest path must run (and be installed) without them."""
    path = _product_modules()[module]
    imported = _imports(module, path, set(_modules()) | {"tools"})
    tools = sorted(name for name in imported if name == "tools" or name.startswith("tools."))
    assert tools == [], f"{module} imports developer tools: {tools}"
