"""Golden before/after cases: ``corpus/<codemod>/<case>/``.

Each case holds ``before.Dockerfile`` and ``after.Dockerfile`` (identical when the codemod
must skip), a ``README.md`` saying why, and optionally ``context/`` (the build context the
codemod may read), ``options.json`` (``refactor.engine.codemod.Options`` fields), ``skip.txt``
(a phrase the skip reason must contain) and ``after.dockerignore`` (the ``.dockerignore`` the
codemod writes into the context; without it the codemod must write no other file). The case
runs through the real runner with only its codemod selected, so the runner's checks (parses,
no dangling stage, idempotent) apply too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refactor.engine.codemod import Context, Options
from refactor.engine.runner import CODEMOD_MODULES, load_codemod, run_codemods
from refactor.syntax.parser import parse

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _cases() -> list[Path]:
    return sorted(p.parent for p in CORPUS.glob("*/*/before.Dockerfile"))


def run_case(case: Path) -> tuple[str, list[str], list[str], dict[str, str]]:
    """Run the case's codemod; return the output, skip reasons, explanations and other files."""
    name = case.parent.name
    text = (case / "before.Dockerfile").read_bytes().decode("utf-8")
    options_file = case / "options.json"
    options = (
        Options(**json.loads(options_file.read_text())) if options_file.exists() else Options()
    )
    context_dir = case / "context"
    ctx = Context(
        context_dir=context_dir if context_dir.is_dir() else None,
        dockerfile=case / "before.Dockerfile",
        options=options,
    )
    report = run_codemods(parse(text, str(case / "before.Dockerfile")), ctx, [load_codemod(name)])
    skips = [s.reason for s in report.skips]
    return report.output, skips, [str(e) for e in report.explanations], report.files


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(case: Path) -> None:
    assert case.parent.name in CODEMOD_MODULES, f"unknown codemod folder {case.parent.name}"
    assert (case / "README.md").is_file(), "each case says why in README.md"
    expected = (case / "after.Dockerfile").read_bytes().decode("utf-8")
    output, skips, explanations, files = run_case(case)
    assert output == expected, "\n".join(["explanations:", *explanations, "skips:", *skips])
    ignore = case / "after.dockerignore"
    expected_files = (
        {".dockerignore": ignore.read_bytes().decode("utf-8")} if ignore.exists() else {}
    )
    assert files == expected_files, "\n".join(["explanations:", *explanations, "skips:", *skips])
    skip_file = case / "skip.txt"
    if skip_file.exists():
        phrase = skip_file.read_text().strip()
        assert any(phrase in reason for reason in skips), skips
    if output != (case / "before.Dockerfile").read_bytes().decode("utf-8") or files:
        assert explanations, "every change comes with an explanation"


def test_every_codemod_module_has_cases() -> None:
    """Every registered codemod has golden cases, and every corpus folder names a codemod."""
    with_cases = {case.parent.name for case in _cases()}
    assert sorted(set(CODEMOD_MODULES) - with_cases) == [], "codemods without golden cases"
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert sorted(folders - set(CODEMOD_MODULES)) == [], "corpus folders that name no codemod"
