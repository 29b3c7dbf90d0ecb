"""The layers hold: every import of every module under ``src/officeflow`` (at the top, inside
functions, under ``TYPE_CHECKING``) read with ``ast``, the graph of packages built from them, and

- no cycle between packages;
- the engine imports nothing above it (tasks, ingest, the composition root, the query layer,
  the faces);
- the store imports no other officeflow package but the leaf utilities;
- the API and the console never import each other or the CLI; nothing imports the CLI (but
  ``python -m officeflow``, its entry point);
- the AI packages (rules, models, documents, language, llm) import neither the engine's
  internals nor the faces.

A failure names each offending import with its file and line. (A package is the first name
under ``officeflow``; a module at the top, such as ``office.py``, is a package of its own.)
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "officeflow"

LEAF_UTILITIES = frozenset({"errors", "ids", "jsonutil", "clock", "durations", "logs"})
"""What the store may import: modules that import nothing of officeflow but each other."""
FACES = frozenset({"api", "web", "cli", "asgi"})
AI_PACKAGES = frozenset({"rules", "models", "documents", "language", "llm"})
ABOVE_THE_ENGINE = (
    frozenset({"tasks", "ingest", "kinds", "queries", "office", "background", "edge", "modelops", "learning"}) | FACES
)
ENTRY_POINT = "__main__"
"""``python -m officeflow``: part of the CLI."""


@dataclass(frozen=True)
class Import:
    source: str
    """The importing package."""
    target: str
    """The imported package."""
    where: str
    """``path:line`` of the import statement."""
    module: str
    """The module named in it."""

    def __str__(self) -> str:
        return f"{self.where}: {self.source} -> {self.target} ({self.module})"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else parts[0]
    return "cli" if name == ENTRY_POINT else name


def targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, root: Path) -> list[str]:
    """The officeflow modules an import statement names (``from a import b``: ``a.b`` when it is a
    module, else ``a``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")[: None if is_package else -1]
        base = base[: len(base) - (node.level - 1)]
        named = ".".join([*base, *([node.module] if node.module else [])])
    else:
        named = node.module or ""
    found = []
    for alias in node.names:
        sub = Path(root.parent, *f"{named}.{alias.name}".split("."))
        found.append(f"{named}.{alias.name}" if sub.with_suffix(".py").exists() or sub.is_dir() else named)
    return found


def imports(root: Path = SOURCE) -> Iterator[Import]:
    """Every import between two packages of officeflow, statement by statement."""
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            seen = set()
            for target in targets(node, module, path.name == "__init__.py", root):
                if target != "officeflow" and not target.startswith("officeflow."):
                    continue
                source, imported = package_of(module), package_of(target)
                if source != imported and imported not in seen:
                    seen.add(imported)
                    where = f"{path.relative_to(root.parents[1])}:{node.lineno}"
                    yield Import(source=source, target=imported, where=where, module=target)


def cycles(found: list[Import]) -> list[list[str]]:
    """The groups of packages that import each other, round and round (strongly connected
    components of more than one package), each sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for item in found:
        graph[item.source].add(item.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(package: str) -> None:
        index[package] = low[package] = len(index)
        stack.append(package)
        on_stack.add(package)
        for other in sorted(graph[package]):
            if other not in index:
                visit(other)
                low[package] = min(low[package], low[other])
            elif other in on_stack:
                low[package] = min(low[package], index[other])
        if low[package] == index[package]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == package:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for package in sorted(graph):
        if package not in index:
            visit(package)
    return sorted(groups)


def forbidden(item: Import) -> str | None:
    """Why an import breaks the layers (None: it does not)."""
    source, target = item.source, item.target
    if target == "cli" and source != "cli":
        return "nothing imports the CLI"
    if source == "engine" and target in ABOVE_THE_ENGINE:
        return "the engine imports nothing above it"
    if source == "store" and target not in LEAF_UTILITIES:
        return f"the store imports only the leaf utilities ({', '.join(sorted(LEAF_UTILITIES))})"
    if {source, target} == {"api", "web"}:
        return "the API and the console never import each other"
    if source in AI_PACKAGES and target in FACES | {"engine", "office", "queries", "edge", "background"}:
        return "the AI packages import neither the engine's internals nor the faces"
    return None


@cache
def of_officeflow() -> tuple[Import, ...]:
    return tuple(imports())


def test_there_is_no_cycle_between_packages() -> None:
    found = list(of_officeflow())
    groups = cycles(found)
    lines = []
    for group in groups:
        lines.append(f"packages importing each other: {', '.join(group)}")
        lines += [f"  {item}" for item in found if item.source in group and item.target in group]
    assert not groups, "\n".join(lines)


def test_no_import_goes_against_the_layers() -> None:
    broken = [(why, item) for item in of_officeflow() if (why := forbidden(item)) is not None]
    assert not broken, "\n".join(f"{item}: {why}" for why, item in broken)


def test_the_checker_sees_imports_inside_functions_and_under_type_checking(tmp_path: Path) -> None:
    """The checker itself: it finds a lazy import and one under TYPE_CHECKING, resolves relative
    imports, and reports a cycle and a forbidden direction with file and line."""
    root = tmp_path / "src" / "officeflow"
    (root / "engine").mkdir(parents=True)
    (root / "tasks").mkdir()
    (root / "__init__.py").write_text("")
    (root / "engine" / "__init__.py").write_text("")
    (root / "tasks" / "__init__.py").write_text("")
    (root / "engine" / "core.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from officeflow.tasks import service\n"
    )
    (root / "tasks" / "service.py").write_text("def f():\n    from ..engine import core\n    return core\n")
    found = list(imports(root))
    assert sorted(str(i) for i in found) == [
        "src/officeflow/engine/core.py:3: engine -> tasks (officeflow.tasks.service)",
        "src/officeflow/tasks/service.py:2: tasks -> engine (officeflow.engine.core)",
    ]
    assert cycles(found) == [["engine", "tasks"]]
    assert [forbidden(i) for i in found if i.source == "engine"] == ["the engine imports nothing above it"]


@pytest.mark.parametrize(
    ("source", "target", "why"),
    [
        ("engine", "tasks", "the engine imports nothing above it"),
        ("engine", "ingest", "the engine imports nothing above it"),
        ("engine", "api", "the engine imports nothing above it"),
        ("engine", "web", "the engine imports nothing above it"),
        ("engine", "cli", "nothing imports the CLI"),
        (
            "store",
            "engine",
            "the store imports only the leaf utilities (clock, durations, errors, ids, jsonutil, logs)",
        ),
        (
            "store",
            "settings",
            "the store imports only the leaf utilities (clock, durations, errors, ids, jsonutil, logs)",
        ),
        ("api", "web", "the API and the console never import each other"),
        ("web", "api", "the API and the console never import each other"),
        ("api", "cli", "nothing imports the CLI"),
        ("web", "cli", "nothing imports the CLI"),
        ("tasks", "cli", "nothing imports the CLI"),
        ("llm", "engine", "the AI packages import neither the engine's internals nor the faces"),
        ("engine", "store", None),
        ("store", "jsonutil", None),
        ("api", "queries", None),
        ("cli", "api", None),
        ("asgi", "web", None),
    ],
)
def test_each_rule_of_the_layers_names_its_reason(source: str, target: str, why: str | None) -> None:
    """The rules one by one: each forbidden direction the issue names is refused with its reason,
    and the directions the layers allow pass."""
    assert forbidden(Import(source=source, target=target, where="x.py:1", module=f"officeflow.{target}")) == why
