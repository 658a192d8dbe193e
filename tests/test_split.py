"""split-build-runtime: its skip codes and its planner registry.

The shared real-world corpus goes through tests/test_realworld_sweep.py (every file split or
skipped under a declared code, accepted by the official parser, a second run changes nothing).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codemods.split_build_runtime import SplitBuildRuntime
from codemods.split_build_runtime.plans import PLANNERS
from refactor.data.ecosystems import ECOSYSTEMS
from refactor.engine.codemod import Context
from refactor.engine.runner import run_codemods
from refactor.syntax.parser import parse

NAME = "split-build-runtime"
PACKAGE = Path(__file__).resolve().parents[1] / "codemods" / "split_build_runtime"


def _skip_codes(text: str) -> list[str]:
    report = run_codemods(parse(text), Context(), [SplitBuildRuntime()])
    assert report.output == text
    return [s.code for s in report.skips if s.codemod == NAME]


def test_every_code_declared_is_used_and_every_code_used_is_declared() -> None:
    used = {
        code
        for path in PACKAGE.rglob("*.py")
        for code in re.findall(r'code="(SPL\d{3})"', path.read_text(encoding="utf-8"))
    }
    assert used == set(SplitBuildRuntime.codes)


def test_every_ecosystem_row_has_a_planner() -> None:
    """A planner is chosen by the ecosystem's row: rows and registry hold the same names."""
    assert set(PLANNERS) == {eco.name for eco in ECOSYSTEMS}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FROM golang:1.22 AS a\nFROM a\n", "SPL001"),
        ('# msb-migrate: skip=split-build-runtime\nFROM golang:1.22\nCMD ["x"]\n', "SPL002"),
        ('ARG B\nFROM ${B}\nCMD ["x"]\n', "SPL003"),
        ('FROM mcr.microsoft.com/windows/servercore:ltsc2022\nCMD ["x"]\n', "SPL004"),
        ('FROM scratch\nCMD ["x"]\n', "SPL005"),
        ('FROM --platform=linux/amd64 golang:1.22\nCMD ["x"]\n', "SPL006"),
        ('FROM golang:1.22\nSHELL ["/bin/bash", "-c"]\nCMD ["x"]\n', "SPL007"),
        ('FROM golang:1.22\nRUN python3 <<EOF\nprint(1)\nEOF\nCMD ["x"]\n', "SPL008"),
        ("FROM golang:1.22\nRUN go build -o /app .\n", "SPL009"),
        ('FROM alpine:3.20\nRUN echo hi\nCMD ["x"]\n', "SPL010"),
        ('FROM golang:1.22\nWORKDIR /src\nCMD ["go", "run", "."]\n', "SPL011"),
        ('FROM golang:1.22\nRUN echo hi\nCMD ["/app"]\n', "SPL012"),
    ],
)
def test_skip_codes(text: str, code: str) -> None:
    assert _skip_codes(text) == [code]
