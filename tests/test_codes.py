"""Skip codes: every codemod declares exactly the codes its source gives, in one shape.

Per codemod (every entry of ``CODEMOD_MODULES``): the codes its module, or every module of its
package, uses equal the keys of its ``codes`` table; one prefix per codemod, no code declared
twice across codemods or with the runner's ``ENGINE_CODES``; every summary is one short line.

Decisions:

* A code is "used" when it appears in the source as a whole string literal of the code shape
  (``SPL012``), read with :mod:`ast`: wherever it is written. Some codemods pass codes through
  tables, tuples and helpers before a skip is built (cache-mounts' vetoes, dockerignore's
  ``(reason, code)`` pairs, test-stage's shared code), so looking for ``code="…"`` only would
  miss them. Comments and docstrings do not count (a docstring is one literal, not a code).
* The keys of the class-level ``codes = {…}`` table are the declaration, not a use; its values
  (summaries) are prose.
* A literal of another codemod's prefix counts as used too, so borrowing a code fails.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from refactor.engine.codemod import ENGINE_CODES
from refactor.engine.runner import CODEMOD_MODULES, load_codemod

CODE = re.compile(r"(?P<prefix>[A-Z]{2,3})\d{3}")
#: The longest summary: one line of ``--explain``/``--list`` output or a SARIF short description.
LONGEST_SUMMARY = 100
#: The owner of ``ENGINE_CODES`` (the runner's own skips, MSB001-003).
RUNNER = "msb-migrate"


def _sources(module_name: str) -> list[Path]:
    """The module's file, or every module of its package."""
    module = importlib.import_module(module_name)
    path = Path(module.__file__ or "")
    return sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]


def _declarations(tree: ast.Module) -> set[int]:
    """Ids of the key literals of class-level ``codes`` tables (the declarations)."""
    keys: set[int] = set()
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        for stmt in cls.body:
            targets: list[ast.expr]
            if isinstance(stmt, ast.AnnAssign):
                targets, value = [stmt.target], stmt.value
            elif isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            else:
                continue
            if isinstance(value, ast.Dict) and any(
                isinstance(t, ast.Name) and t.id == "codes" for t in targets
            ):
                keys.update(id(key) for key in value.keys if key is not None)
    return keys


def _literals(path: Path) -> Iterator[str]:
    """The code-shaped string literals of one module, declarations left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    declared = _declarations(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in declared
            and CODE.fullmatch(node.value)
        ):
            yield node.value


def used_codes(codemod: str) -> set[str]:
    """Every code the codemod's source gives (see the module's decisions)."""
    return {code for path in _sources(CODEMOD_MODULES[codemod]) for code in _literals(path)}


def _prefix(code: str) -> str:
    match = CODE.fullmatch(code)
    assert match, f"{code!r} is not a code (two or three capitals and three digits)"
    return match["prefix"]


@pytest.mark.parametrize("name", list(CODEMOD_MODULES))
def test_declared_codes_are_the_codes_used(name: str) -> None:
    declared = set(load_codemod(name).codes)
    used = used_codes(name)
    assert sorted(used - declared) == [], "codes used but not declared"
    assert sorted(declared - used) == [], "codes declared but never used"


def _table(name: str) -> Mapping[str, str]:
    """The codes of a codemod, or the runner's own."""
    return ENGINE_CODES if name == RUNNER else load_codemod(name).codes


@pytest.mark.parametrize("name", [RUNNER, *CODEMOD_MODULES])
def test_codes_share_one_prefix_and_summaries_are_short(name: str) -> None:
    codes = _table(name)
    assert codes, f"{name} declares no codes"
    assert len({_prefix(code) for code in codes}) == 1, sorted(codes)
    for code, summary in codes.items():
        assert summary and summary.strip() == summary, code
        assert "\n" not in summary and len(summary) <= LONGEST_SUMMARY, (code, summary)


def test_prefixes_and_codes_are_unique_across_codemods() -> None:
    owners: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for name in [RUNNER, *CODEMOD_MODULES]:
        for code in _table(name):
            assert code not in owners, f"{code} declared by {owners[code]} and {name}"
            owners[code] = name
            prefix = _prefix(code)
            assert prefixes.setdefault(prefix, name) == name, f"{prefix} used by two codemods"
