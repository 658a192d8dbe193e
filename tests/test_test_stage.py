"""test-stage: its tables, its skips by their code.

The codemod over the shared real-world corpus (alone and after the default pipeline, with no
build context and with one holding every ecosystem's manifests and tests: accepted by the
official parser, no missing stage, the final stage stays the default target with nothing
depending on the test stage, a second run changes nothing) goes through
tests/test_realworld_sweep.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.test_stage import TestStage
from refactor.data import stages
from refactor.engine.codemod import Context
from refactor.engine.runner import FileReport, run_codemods
from refactor.syntax.parser import parse


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("go test ./...", True),
        ("npm test", True),
        ("npm run test", True),
        ("python -m pytest -q", True),
        ("./gradlew test", True),
        ("./gradlew build -x test", False),
        ("mvn -B package -DskipTests", False),
        ("go build ./...", False),
        ("npm run build", False),
    ],
)
def test_runs_tests(words: str, expected: bool) -> None:
    assert stages.runs_tests(words.split()) is expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("mvn -B clean package", True),
        ("mvn -B package -DskipTests", False),
        ("mvn package -Dmaven.test.skip=true", False),
        ("mvn dependency:go-offline", False),
        ("gradle build --no-daemon", True),
        ("./gradlew build -x test", False),
        ("gradle bootJar", False),
        ("go build .", False),
    ],
)
def test_builder_runs_tests(words: str, expected: bool) -> None:
    assert stages.builder_runs_tests(words.split()) is expected


GO = "FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /a .\n"
RUNTIME = "FROM alpine:3.20\nCOPY --from=build /a /a\n"


def _run(text: str, ctx: Context | None = None) -> FileReport:
    report = run_codemods(parse(text), ctx or Context(), [TestStage()])
    assert report.output == text
    return report


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FROM golang:1.22\nCOPY . .\nRUN go build\n", "TST001"),
        (GO + "FROM build AS test\nRUN go test ./...\n" + RUNTIME, "TST002"),
        (GO.replace("RUN go", "RUN go test ./... && go") + RUNTIME, "TST003"),
        (GO + RUNTIME, "TST009"),
    ],
)
def test_skip_codes(text: str, code: str) -> None:
    assert [s.code for s in _run(text).skips] == [code]


def test_a_tool_ruled_out_keeps_its_code(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module x\n")
    (tmp_path / "main_test.go").write_text("package main\n")
    (tmp_path / ".dockerignore").write_text("*_test.go\n")
    [skip] = _run(GO + RUNTIME, Context(context_dir=tmp_path)).skips
    assert skip.code == "TST017"
    assert "`main_test.go` is excluded" in skip.reason  # which file is the point
