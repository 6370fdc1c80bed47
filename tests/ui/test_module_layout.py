"""The shape of the code: layers point down, no import circles, no module grows past a page count.

Read from the source with ``ast``, never by importing it, so the test is fast, needs no
Qt, and sees imports inside functions too: the app imports its heavy parts lazily, and a
lazy import that points the wrong way, or at a module that is gone, is still a fault,
only one that shows late (when the user opens Settings). Whether core loads Qt is
checked by tests/core/test_no_qt.py; this file checks the rest of the house rules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "outagetray"

#: Longest a module under outagetray/core or outagetray/ui may be. Past this a module has
#: usually taken on a second job; split it by job rather than raise the number.
MAX_LINES = 700

#: Modules allowed past MAX_LINES for now, each with the reason. Keep it short: an entry
#: whose module is back under the limit (or gone) fails the test, so the list only shrinks.
OVERSIZED = {
    # Confirmation, flapping and incident numbering grew together.
    "core/judge.py": "to be split (issue 14 item 6)",
}

#: Modules below core: core may import them (the version, packaged resources).
BASE = frozenset({"outagetray", "outagetray.assets"})


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer(module: str) -> int:
    """How high a module sits: a module may import its own layer and those below, never above.

    Anything new at the top level counts as the top layer (with app, cli, __main__)
    until it is listed in BASE, so a new helper module is never below core by accident.
    """
    if module in BASE:
        return 0
    if within(module, "outagetray.core"):
        return 1
    if within(module, "outagetray.ui"):
        return 2
    return 3


LAYER_NAMES = {0: "the base (version, resources)", 1: "core", 2: "ui", 3: "the app (app, cli)"}


@dataclass(frozen=True)
class Import:
    """One import statement's edge: ``source`` (file ``path``, ``line``) imports ``target``."""

    source: str
    path: str
    line: int
    target: str
    in_function: bool
    type_checking: bool

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    """Every import of an outagetray module in one file, with where it sits."""

    def __init__(self, source: str, path: Path) -> None:
        self.source = source
        self.path = str(path.relative_to(ROOT))
        self.is_package = path.name == "__init__.py"
        self.found: list[Import] = []
        self._function_depth = 0
        self._type_checking_depth = 0

    def _add(self, node: ast.stmt, target: str) -> None:
        if within(target, "outagetray"):
            self.found.append(
                Import(
                    self.source,
                    self.path,
                    node.lineno,
                    target,
                    self._function_depth > 0,
                    self._type_checking_depth > 0,
                )
            )

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._function_depth += 1
        self.generic_visit(node)
        self._function_depth -= 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        self._type_checking_depth += 1
        for child in node.body:
            self.visit(child)
        self._type_checking_depth -= 1
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            # A relative import: resolve it against this module's package.
            package = self.source.split(".")
            if not self.is_package:
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, *([base] if base else [])])
        for alias in node.names:
            # "from outagetray.core import settings" imports the module outagetray.core.settings.
            submodule = f"{base}.{alias.name}"
            self._add(node, submodule if submodule in modules() else base)


@cache
def imports() -> tuple[Import, ...]:
    found: list[Import] = []
    for name, path in modules().items():
        collector = _Collector(name, path)
        collector.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found += collector.found
    return tuple(found)


def _cycles(edges: dict[str, dict[str, Import]]) -> Iterator[list[Import]]:
    """One concrete cycle for each group of modules that import each other (Tarjan's SCC)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            groups.append(group)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    for group in groups:
        members = set(group)
        start = min(group)
        if len(group) == 1 and start not in edges.get(start, {}):
            continue
        # Shortest way from start back to itself inside the group, for a readable message.
        paths: dict[str, list[Import]] = {start: []}
        queue = [start]
        while queue:
            node = queue.pop(0)
            for nxt, edge in sorted(edges.get(node, {}).items()):
                if nxt == start:
                    yield [*paths[node], edge]
                    queue = []
                    break
                if nxt in members and nxt not in paths:
                    paths[nxt] = [*paths[node], edge]
                    queue.append(nxt)


def find_cycles(found: tuple[Import, ...]) -> list[str]:
    """Import circles among outagetray's modules, as readable lines; [] when there are none.

    An edge goes to the module an import names, not to the packages around it: a
    package's ``__init__`` importing its own modules is the usual shape, not a circle.
    """
    edges: dict[str, dict[str, Import]] = {}
    for edge in found:
        if edge.type_checking or edge.target == edge.source:
            continue  # an import only the type checker runs cannot make a circle at run time
        edges.setdefault(edge.source, {}).setdefault(edge.target, edge)
    return [
        " -> ".join([cycle[0].source, *(f"{e.target} ({e.where()})" for e in cycle)])
        for cycle in _cycles(edges)
    ]


def test_the_module_list_and_imports_are_found() -> None:
    """Guards the guard: a wrong root or a broken collector would make every check below pass."""
    assert {"outagetray.app", "outagetray.core.settings", "outagetray.ui.settings.dialog"} <= set(modules())
    found = imports()
    assert any(i.source == "outagetray.app" and i.target == "outagetray.ui.settings.dialog" for i in found)
    assert any(i.in_function for i in found) and any(i.type_checking for i in found)


def test_every_outagetray_import_names_a_module_that_exists() -> None:
    # Lazy imports run only when their feature is used (Settings opened): check them here.
    known = modules()
    missing = [f"{i.where()}: {i.target}" for i in imports() if i.target not in known]
    assert missing == [], "imports of outagetray modules that do not exist:\n" + "\n".join(missing)


def upward_imports(found: tuple[Import, ...]) -> list[str]:
    """Imports of a higher layer, as readable lines. Lazy and type-only imports count too."""
    return [
        f"{i.where()}: {LAYER_NAMES[layer(i.source)]} imports {i.target} ({LAYER_NAMES[layer(i.target)]})"
        for i in found
        if layer(i.target) > layer(i.source)
    ]


def test_no_module_imports_a_higher_layer() -> None:
    """Core never imports ui or the app; ui never imports the app."""
    upward = upward_imports(imports())
    assert upward == [], "upward imports:\n" + "\n".join(upward)


def test_the_layer_check_catches_core_importing_ui_even_lazily() -> None:
    lazy = Import(
        "outagetray.core.monitor", "outagetray/core/monitor.py", 7, "outagetray.ui.bridge", True, False
    )
    typed = Import("outagetray.ui.tray", "outagetray/ui/tray.py", 9, "outagetray.app", False, True)
    allowed = Import("outagetray.core.http", "outagetray/core/http.py", 3, "outagetray", False, False)
    assert upward_imports((lazy, typed, allowed)) == [
        "outagetray/core/monitor.py:7: core imports outagetray.ui.bridge (ui)",
        "outagetray/ui/tray.py:9: ui imports outagetray.app (the app (app, cli))",
    ]


def test_no_import_cycles() -> None:
    cycles = find_cycles(imports())
    assert cycles == [], "modules that import each other in a circle:\n" + "\n".join(cycles)


def test_the_cycle_finder_finds_and_names_a_cycle() -> None:
    """A cycle through a function-level import is reported with each step's file and line."""

    def edge(source: str, target: str, line: int, *, in_function: bool = False) -> Import:
        return Import(source, source.replace(".", "/") + ".py", line, target, in_function, False)

    found = (
        edge("outagetray.a", "outagetray.b", 3),
        edge("outagetray.b", "outagetray.c", 4),
        edge("outagetray.c", "outagetray.a", 9, in_function=True),
        edge("outagetray.c", "outagetray.d", 5),
        Import("outagetray.d", "outagetray/d.py", 2, "outagetray.c", False, True),  # type-only
    )
    assert find_cycles(found) == [
        "outagetray.a -> outagetray.b (outagetray/a.py:3) -> outagetray.c (outagetray/b.py:4)"
        " -> outagetray.a (outagetray/c.py:9)"
    ]
    assert find_cycles(found[:2]) == []


def test_modules_stay_under_the_size_limit() -> None:
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in ("core", "ui")
        for path in sorted((PACKAGE / folder).rglob("*.py"))
    }
    too_long = [
        f"outagetray/{name}: {lines} lines (limit {MAX_LINES}); split it by job"
        for name, lines in sizes.items()
        if lines > MAX_LINES and name not in OVERSIZED
    ]
    stale = [
        f"outagetray/{name} is {sizes.get(name, 0)} lines now: take it off OVERSIZED"
        for name in OVERSIZED
        if sizes.get(name, 0) <= MAX_LINES
    ]
    assert too_long + stale == []


def test_settings_window_parts_never_import_its_shell() -> None:
    """The tabs and the editor sit below the dialog that assembles them, so a page can be added alone."""
    shell = "outagetray.ui.settings.dialog"
    offenders = [
        f"{i.where()}: imports {shell}"
        for i in imports()
        if within(i.source, "outagetray.ui.settings") and i.source != shell and i.target == shell
    ]
    assert offenders == []


def test_settings_window_is_imported_only_when_opened() -> None:
    """Nothing outside the window imports it at module level: start-up must not pay for it."""
    offenders = [
        f"{i.where()}: {i.source} imports {i.target} at module level"
        for i in imports()
        if within(i.target, "outagetray.ui.settings")
        and not within(i.source, "outagetray.ui.settings")
        and not i.in_function
        and not i.type_checking
    ]
    assert offenders == []
