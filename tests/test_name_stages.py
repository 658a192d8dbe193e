"""name-stages beyond the golden cases: the pieces it is built from.

The real-world corpus (every stage of a multi-stage file named, BuildKit's casing rules, a second
run changes nothing) goes through tests/test_realworld_sweep.py.
"""

from __future__ import annotations

import re

from codemods.name_stages import NameStages
from refactor.analysis.model import build_model
from refactor.engine.codemod import Context
from refactor.engine.runner import FileReport, run_codemods
from refactor.syntax.parser import parse

CODEMOD = NameStages()


def _run(text: str) -> FileReport:
    return run_codemods(parse(text), Context(), [CODEMOD])


# -- naming -----------------------------------------------------------------------------------
def _names(text: str) -> list[str | None]:
    return [s.name for s in build_model(parse(_run(text).output)).stages]


def test_roles_and_final_stage() -> None:
    text = (
        "FROM node:20 AS base\n"
        "FROM node:20\nRUN npm ci\n"
        "FROM node:20\nRUN npm run test\n"
        "FROM node:20\nRUN npm run build\n"
        "FROM nginx\nCOPY --from=3 /app/dist /usr/share/nginx/html\n"
    )
    assert _names(text) == ["base", "deps", "test", "builder", "runtime"]


def test_family_name_never_shadows_an_image_used_later() -> None:
    text = (
        "FROM golang:1.22\nRUN echo prepare > /x\n"
        "FROM golang\nCOPY --from=0 /x /x\nRUN cp /x /y\n"
        "FROM alpine\nCOPY --from=1 /y /y\n"
    )
    assert _names(text) == ["golang-2", "golang", "runtime"]
    stages = build_model(parse(_run(text).output)).stages
    assert stages[1].parent is None and stages[1].image is not None  # still the golang image


def test_reserved_and_taken_names_are_avoided() -> None:
    text = "FROM scratch\nCOPY a /a\nFROM alpine AS runtime\nCOPY --from=0 /a /a\nFROM busybox\n"
    names = _names(text)
    assert names[1] == "runtime"
    assert names[0] not in ("scratch", "context", "runtime")
    assert names[2] == "runtime-2"


def test_copy_from_index_keeps_other_flags_and_quotes() -> None:
    text = 'FROM golang:1.22\nRUN go build -o /app\nFROM alpine\nCOPY --chown=1:1 --from="0" /app /app\n'
    out = _run(text).output
    assert "COPY --chown=1:1 --from=builder /app /app\n" in out


def test_mount_from_only_the_from_field_changes() -> None:
    text = (
        "FROM alpine\nRUN echo > /x\n"
        "FROM alpine AS use\n"
        'RUN --mount=type=bind,"source=/x",from=0,target=/y \\\n    cat /y\n'
    )
    out = _run(text).output
    assert 'RUN --mount=type=bind,"source=/x",from=alpine-2,target=/y \\\n    cat /y\n' in out


def test_variable_references_are_left_alone() -> None:
    text = "FROM alpine\nRUN echo > /x\nFROM alpine AS final\nARG SRC=0\nCOPY --from=$SRC /x /x\n"
    out = _run(text).output
    assert "COPY --from=$SRC /x /x" in out


def test_casing_fix_skips_a_name_that_would_collide() -> None:
    text = "FROM alpine AS build\nFROM alpine AS Build\nFROM alpine AS runtime\n"
    report = _run(text)
    assert "AS Build" in report.output
    assert [s.code for s in report.skips] == ["NS005"]


def test_invalid_stage_name_is_reported() -> None:
    text = "FROM alpine AS 1st\nFROM alpine\n"
    report = _run(text)
    assert [s.code for s in report.skips] == ["NS004"]
    assert report.output.endswith("FROM alpine AS runtime\n")


def test_single_stage_skip_reason() -> None:
    report = _run("FROM alpine\nRUN true\n")
    assert [(s.code, s.reason) for s in report.skips] == [
        ("NS006", "single stage: nothing refers to it")
    ]


def test_single_stage_gets_only_the_casing_fixes() -> None:
    report = _run("FROM alpine:3.20 as Base\nRUN true\n")
    assert report.output == "FROM alpine:3.20 AS base\nRUN true\n"
    assert len(report.explanations) == 2


def test_explanations_point_at_the_changed_lines() -> None:
    report = _run("FROM golang AS b\nRUN true\n\nFROM alpine\nCOPY --from=0 /x /x\n")
    lines = sorted({e.line for e in report.explanations if e.line})
    assert lines == [4, 5]


def test_generated_names_match_buildkit_rules() -> None:
    text = "FROM Mcr.Example.com/Team/My_Image:1\nRUN true\nFROM alpine\nCOPY --from=0 / /\n"
    first = _names(text)[0]
    assert first is not None and re.match(r"^[a-z][a-z0-9_.-]*$", first)
