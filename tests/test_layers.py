"""The import structure: floors import downwards only, codemods never import each other, and no
module imports itself through a circle.

Imports are read with :mod:`ast` from every module under ``refactor/`` and ``codemods/``.
Decisions:

* Imports inside functions count like module-level ones: a lazy import hides a circle or a
  floor breach until it runs, it does not remove it. Only imports under
  ``if TYPE_CHECKING:`` are left out (they never run).
* ``from pkg import name`` is an import of ``pkg.name`` when that is a module, else of ``pkg``.
  Importing ``a.b.c`` does not count as importing the packages ``a`` and ``a.b`` (their
  ``__init__`` runs, but it is not a dependency the importer chose).
* The floors, lowest first: ``refactor.syntax`` < ``refactor.analysis`` < ``refactor.engine``
  < ``codemods`` < ``refactor.app``. ``refactor.errors`` and ``refactor.caching`` are the base
  and import no floor; ``refactor.data`` (knowledge tables) is base too and may import only
  ``refactor.analysis.images`` and ``refactor.analysis.shell`` of the floors. The package
  ``refactor`` itself (the library's facade) may import any floor and none imports it.
* A codemod is a module ``codemods.<name>`` or a package ``codemods/<name>/``; a package may
  import its own submodules, never another codemod.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("refactor", "codemods")
#: Floors by module prefix, lowest first (a longer prefix wins).
FLOORS: dict[str, int] = {
    "refactor.syntax": 1,
    "refactor.analysis": 2,
    "refactor.engine": 3,
    "codemods": 4,
    "refactor.app": 5,
}
BASE = ("refactor.errors", "refactor.caching", "refactor.data")
#: What the base may import of the floors.
DATA_MAY_IMPORT = ("refactor.analysis.images", "refactor.analysis.shell")


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes_of(other)
            continue
        yield from _import_nodes_of(child)


def _import_nodes_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    yield from _import_nodes(node)


def imports_of(module: str) -> set[str]:
    """The project modules ``module`` imports (see the module docstring for the rules)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            names = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in MODULES else origin
                for alias in node.names
            ]
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name.split(".")[0] in PACKAGES and name != module:
                found.add(name)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _floor(module: str) -> int | None:
    best = max((p for p in FLOORS if _within(module, p)), key=len, default=None)
    return FLOORS[best] if best is not None else None


def _codemod(module: str) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "codemods" and len(parts) > 1 else None


# -- the tests -------------------------------------------------------------------------------------
def test_modules_are_found() -> None:
    assert "refactor.analysis.semantics" in MODULES and "codemods.name_stages" in MODULES
    assert GRAPH["codemods.name_stages"] >= {"refactor.analysis.semantics"}


def test_no_codemod_imports_another() -> None:
    bad = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if (own := _codemod(module)) is not None
        for target in targets
        if (other := _codemod(target)) is not None and other != own
    )
    assert not bad, "\n".join(bad)


def test_lower_floors_never_import_higher_ones() -> None:
    bad = []
    for module, targets in GRAPH.items():
        floor = _floor(module)
        for target in targets:
            above = _floor(target)
            if floor is not None and above is not None and above > floor:
                bad.append(f"{module} imports {target}")
    assert not sorted(bad), "\n".join(sorted(bad))


def test_the_base_imports_no_floor() -> None:
    bad = []
    for module, targets in GRAPH.items():
        if not any(_within(module, b) for b in BASE):
            continue
        allowed = DATA_MAY_IMPORT if _within(module, "refactor.data") else ()
        for target in targets:
            if _floor(target) is not None and not any(_within(target, a) for a in allowed):
                bad.append(f"{module} imports {target}")
            if target == "refactor":
                bad.append(f"{module} imports the facade")
    assert not sorted(bad), "\n".join(sorted(bad))


def test_nothing_imports_the_facade() -> None:
    bad = sorted(m for m, targets in GRAPH.items() if "refactor" in targets)
    assert not bad, bad


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_circle() -> None:
    circles = _cycles(GRAPH)
    assert not circles, "\n".join(" <-> ".join(c) for c in circles)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_cycle_finder(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert _cycles(graph) == expected
