"""The layout's promises (README, "Map of the code"): bot/ is a few parts, imports run one way
(fronts → the request's life → language, store, presentation, vendors → settings and errors),
nothing imports in a circle, and a part is used through the names its package exports.

Read with `ast` from the source, every import counted (those under TYPE_CHECKING too: a type a
module needs is a dependency of its design)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Where each part stands; an import may go to its own layer or a lower one (a larger number).
LAYERS: dict[str, int] = {
    "bot.__main__": 0,
    "bot.app": 0,
    "handlers": 1,
    "bot.terminal": 1,
    "bot.flow": 2,
    "bot.language": 3,
    "bot.store": 3,
    "bot.slack": 3,
    "bot.vendors": 3,
    "bot.sandbox": 3,
    "bot.config": 4,
    "bot.errors": 4,
    "bot.logs": 4,
    "bot.metrics": 4,
    "bot.tasks": 4,
    "bot": 5,  # the empty package itself
}


@dataclass(frozen=True)
class Import:
    importer: str
    module: str  # what `from X import …` or `import X` names
    names: tuple[str, ...]
    line: int


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top in ("bot", "handlers"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "versions" in parts:  # Alembic's scripts are loaded by Alembic, not imported
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[Import]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module.split(".")[0] in ("bot", "handlers"):
                yield Import(name, module, tuple(a.name for a in node.names), node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("bot", "handlers"):
                    yield Import(name, alias.name, (), node.lineno)


IMPORTS = [imp for name, path in MODULES.items() for imp in _imports(name, path)]


def _targets(imp: Import) -> set[str]:
    """The modules an import runs: a named submodule, else the module named."""
    submodules = {f"{imp.module}.{n}" for n in imp.names if f"{imp.module}.{n}" in MODULES}
    others = [n for n in imp.names if f"{imp.module}.{n}" not in MODULES]
    targets = set(submodules)
    if others or not imp.names:
        targets.add(imp.module)
    # `from <own package> import <submodule>` runs only the submodule: the package is already
    # being imported when one of its modules is.
    return {t for t in targets if t in MODULES and not imp.importer.startswith(t + ".")} | (
        {imp.module} if others and imp.importer.startswith(imp.module + ".") else set()
    )


def part_of(module: str) -> str:
    for part in sorted(LAYERS, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    raise AssertionError(f"{module} belongs to no part: add it to LAYERS or move it into one")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node, or with a self-loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def module_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in imports:
        graph[imp.importer] |= _targets(imp) - {imp.importer}
    return graph


def part_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for imp in imports:
        here = part_of(imp.importer)
        for target in _targets(imp):
            there = part_of(target)
            graph.setdefault(here, set())
            if there != here:
                graph[here].add(there)
    return graph


def test_every_module_belongs_to_a_part() -> None:
    for name in MODULES:
        part_of(name)


def test_no_module_imports_in_a_circle() -> None:
    assert _cycles(module_graph(IMPORTS)) == []


def test_no_part_imports_in_a_circle() -> None:
    assert _cycles(part_graph(IMPORTS)) == []


def test_imports_run_one_way_from_the_fronts_down_to_settings_and_errors() -> None:
    upward = [
        f"{imp.importer}:{imp.line} imports {target} ({part_of(imp.importer)} → {part_of(target)})"
        for imp in IMPORTS
        for target in _targets(imp)
        if LAYERS[part_of(target)] < LAYERS[part_of(imp.importer)]
    ]
    assert upward == []


def _exported(package: str) -> set[str]:
    tree = ast.parse(MODULES[package].read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return {ast.literal_eval(e) for e in node.value.elts}  # type: ignore[attr-defined]
    return set()


PACKAGES = ("bot.language", "bot.flow", "bot.store", "bot.slack", "bot.vendors", "handlers")


def test_each_part_says_what_it_is_and_exports_its_names() -> None:
    for package in PACKAGES:
        doc = ast.get_docstring(ast.parse(MODULES[package].read_text())) or ""
        assert "import" in doc, f"{package}'s docstring should say what it may import"
        assert _exported(package), f"{package} has no __all__"


def test_other_parts_import_a_parts_exported_names_not_its_modules() -> None:
    reaching_in = []
    for imp in IMPORTS:
        here, there = part_of(imp.importer), part_of(imp.module)
        if here == there or (there not in PACKAGES and there != "bot.vendors"):
            continue
        if imp.module != there and not (there == "bot.vendors" and imp.module.count(".") == 2):
            reaching_in.append(f"{imp.importer}:{imp.line} imports from {imp.module}")
            continue
        missing = set(imp.names) - _exported(imp.module)
        if missing:
            reaching_in.append(f"{imp.importer}:{imp.line} takes {sorted(missing)}, not in {imp.module}")
    assert reaching_in == []


def test_the_circle_check_sees_a_circle() -> None:
    """The checks above are only worth something if they can fail."""
    planted = [
        *IMPORTS,
        Import("bot.store.audit", "bot.store.core", ("Store",), 1),
        Import("bot.config", "bot.flow", ("Pipeline",), 1),
    ]
    assert ["bot.store.audit", "bot.store.core"] in [
        [m for m in cycle if m in ("bot.store.audit", "bot.store.core")]
        for cycle in _cycles(module_graph(planted))
    ]
    assert any("bot.config" in cycle and "bot.flow" in cycle for cycle in _cycles(part_graph(planted)))
