"""The layout of the package: each stage imports only the stages below it, no module imports itself
back through others, and no private name crosses a package boundary.

Every import counts, also those inside functions (kept there so that `oppnaogon --help` stays fast) and
those for type hints only: a cycle through a type hint is still a cycle for the reader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "oppnaogon"

# The stages from the bottom up; each may import the ones it names (and itself). `root` is
# oppnaogon/__init__.py and __main__.py, `errors` the exceptions every stage raises.
ALLOWED: dict[str, set[str]] = {
    "root": {"cli"},
    "errors": set(),
    "stats": {"model.sexes"},  # the codes of the compared sexes only: a module of constants
    "model": {"errors", "io.resources"},
    "io": {"errors", "model"},
    "disclosure": {"errors", "stats", "model"},
    "engine": {"errors", "io"},
    "prepare": {"errors", "model", "io"},
    "analysis": {"errors", "model", "io", "prepare", "stats", "disclosure", "engine"},
    "present": {"root", "errors", "model", "io", "prepare", "stats", "disclosure", "engine", "analysis"},
    "app": {
        "root",
        "errors",
        "model",
        "io",
        "prepare",
        "stats",
        "disclosure",
        "engine",
        "analysis",
        "present",
    },
    "cli": {"root", "errors", "model", "io", "prepare", "analysis", "present", "app"},
    "testing": {"errors", "model"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in {"__main__"}:
        return "root"
    return parts[1]


def _allowed(importer: str, imported: str) -> bool:
    source, target = _stage(importer), _stage(imported)
    if source == target:
        return True
    allowed = ALLOWED[source]
    return target in allowed or any(imported == f"oppnaogon.{name}" for name in allowed)


def _imports(module: str) -> Iterator[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) of every import of `module` from oppnaogon."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "oppnaogon":
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            if origin.split(".")[0] != "oppnaogon":
                continue
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                if submodule in MODULES:
                    yield submodule, None, node.lineno
                else:
                    yield origin, alias.name, node.lineno


def test_every_stage_imports_only_the_stages_below_it() -> None:
    unknown = {_stage(m) for m in MODULES} - ALLOWED.keys()
    assert not unknown, f"stages without a rule in ALLOWED: {sorted(unknown)}"
    wrong = [
        f"{MODULES[m].relative_to(SRC)}:{line} imports {target} ({_stage(m)} -> {_stage(target)})"
        for m in MODULES
        for target, _, line in _imports(m)
        if not _allowed(m, target)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_private_name_crosses_a_package() -> None:
    wrong = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bound: dict[str, str] = {}  # local name -> imported oppnaogon module
        for target, name, line in _imports(module):
            if (
                name is not None
                and name.startswith("_")
                and not name.startswith("__")
                and _stage(target) != _stage(module)
            ):
                wrong.append(f"{path.relative_to(SRC)}:{line} imports {target}.{name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}" if isinstance(node, ast.ImportFrom) else alias.name
                    if full in MODULES:
                        bound[alias.asname or alias.name.split(".")[0]] = full
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and _stage(bound[node.value.id]) != _stage(module)
            ):
                wrong.append(f"{path.relative_to(SRC)}:{node.lineno} uses {bound[node.value.id]}.{node.attr}")
    assert not wrong, "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
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


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for target, _, _ in _imports(module):
            # a package's __init__ importing its own modules is how packages work, not a cycle
            if target in MODULES and target != module and not module.startswith(target + "."):
                graph[module].add(target)
    return graph


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("oppnaogon.analysis.verdicts", "oppnaogon.stats.compare", True),
        ("oppnaogon.stats.compare", "oppnaogon.analysis.verdicts", False),
        ("oppnaogon.model.criteria", "oppnaogon.io.resources", True),
        ("oppnaogon.model.criteria", "oppnaogon.io.loading", False),
        ("oppnaogon.present.overview", "oppnaogon.app.batch", False),
    ],
)
def test_the_rule_reads_as_written(importer: str, imported: str, allowed: bool) -> None:
    assert _allowed(importer, imported) is allowed
