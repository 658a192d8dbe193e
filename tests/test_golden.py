"""Golden before/after cases: ``corpus/<codemod>/<case>/``.

Each case holds ``before.Dockerfile`` and ``after.Dockerfile`` (identical when the codemod
must skip), a ``README.md`` saying why, and optionally ``context/`` (the build context the
codemod may read), ``options.json`` (``refactor.engine.codemod.Options`` fields), ``skip.txt``
and ``after.dockerignore`` (the ``.dockerignore`` the codemod writes into the context; without
it the codemod must write no other file). The case runs through the real runner with only its
codemod selected, so the runner's checks (parses, no dangling stage, idempotent) apply too.

``skip.txt`` names the skip the case expects: its first line is the code (``SPL012``), an
optional second line a phrase the reason under that code must contain. Skips are asserted by
their code; the phrase is kept only where the reason's detail is the point of the case (which
flag, which package, which of the code's situations), not where it restates the code's summary.
A case whose output is its input names its skip this way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from refactor.engine.codemod import Context, Options, Skip
from refactor.engine.runner import CODEMOD_MODULES, load_codemod, run_codemods
from refactor.syntax.parser import parse

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _cases() -> list[Path]:
    return sorted(p.parent for p in CORPUS.glob("*/*/before.Dockerfile"))


def run_case(case: Path) -> tuple[str, list[Skip], list[str], dict[str, str]]:
    """Run the case's codemod; return the output, skips, explanations and other files."""
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
    return report.output, list(report.skips), [str(e) for e in report.explanations], report.files


def expected_skip(case: Path) -> tuple[str, str | None] | None:
    """The code and optional phrase of the case's ``skip.txt`` (None without one)."""
    skip_file = case / "skip.txt"
    if not skip_file.exists():
        return None
    code, *phrase = skip_file.read_text(encoding="utf-8").strip().splitlines()
    assert re.fullmatch(r"[A-Z]{2,3}\d{3}", code), f"skip.txt starts with a code, not {code!r}"
    assert len(phrase) <= 1, "skip.txt holds a code and at most one phrase"
    return code, phrase[0] if phrase else None


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(case: Path) -> None:
    assert case.parent.name in CODEMOD_MODULES, f"unknown codemod folder {case.parent.name}"
    assert (case / "README.md").is_file(), "each case says why in README.md"
    expected = (case / "after.Dockerfile").read_bytes().decode("utf-8")
    output, skips, explanations, files = run_case(case)
    told = "\n".join(["explanations:", *explanations, "skips:", *(f"{s.code} {s}" for s in skips)])
    assert output == expected, told
    ignore = case / "after.dockerignore"
    expected_files = (
        {".dockerignore": ignore.read_bytes().decode("utf-8")} if ignore.exists() else {}
    )
    assert files == expected_files, told
    skip = expected_skip(case)
    if skip is not None:
        code, phrase = skip
        reasons = [s.reason for s in skips if s.code == code]
        assert reasons, told
        assert phrase is None or any(phrase in reason for reason in reasons), told
    if output != (case / "before.Dockerfile").read_bytes().decode("utf-8") or files:
        assert explanations, "every change comes with an explanation"
    else:
        assert skip is not None, "a case that changes nothing names its skip in skip.txt"


def test_every_codemod_module_has_cases() -> None:
    """Every registered codemod has golden cases, and every corpus folder names a codemod."""
    with_cases = {case.parent.name for case in _cases()}
    assert sorted(set(CODEMOD_MODULES) - with_cases) == [], "codemods without golden cases"
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert sorted(folders - set(CODEMOD_MODULES)) == [], "corpus folders that name no codemod"
