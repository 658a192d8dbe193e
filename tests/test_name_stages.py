"""name-stages beyond the golden cases: the real-world corpus, and the pieces it is built from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from realworld import realworld_files

from codemods.name_stages import STAGE_NAME, NameStages, run_commands, word_spans
from refactor.analysis.model import build_model
from refactor.engine.codemod import Context
from refactor.engine.runner import FileReport, run_codemods
from refactor.syntax.parser import parse

FILES = realworld_files()
CODEMOD = NameStages()


def _run(text: str) -> FileReport:
    return run_codemods(parse(text), Context(), [CODEMOD])


# -- the real-world corpus --------------------------------------------------------------------
@pytest.mark.skipif(not FILES, reason="../shared/corpus/realworld is not present")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_realworld(path: Path) -> None:
    dockerfile = pytest.importorskip("dockerfile")
    text = path.read_bytes().decode("utf-8")
    report = _run(text)
    mine = [s.reason for s in report.skips if s.codemod == CODEMOD.name]
    assert not [r for r in mine if "internal error" in r or "discarded" in r], mine
    if report.output == text:
        assert mine, "an unchanged file says why"
        return
    assert report.explanations, "every change is explained"
    assert all(e.line and e.message and e.reason for e in report.explanations)
    dockerfile.parse_string(report.output)
    before = build_model(parse(text)).dangling
    after = build_model(parse(report.output)).dangling
    assert {(e.reference, e.kind) for e in after} <= {(e.reference, e.kind) for e in before}
    assert _run(report.output).output == report.output, "a second run changes nothing"
    _assert_lint_clean(report.output)


def _assert_lint_clean(text: str) -> None:
    """BuildKit's StageNameCasing and FromAsCasing hold for every named stage."""
    for stage in build_model(parse(text)).stages:
        items = stage.from_.values.items
        keyword = stage.from_.keyword
        if len(items) != 3:
            continue
        assert STAGE_NAME.match(items[2]), items[2]
        if keyword.isupper():
            assert items[1] == "AS"
        elif keyword.islower():
            assert items[1] == "as"


@pytest.mark.skipif(not FILES, reason="../shared/corpus/realworld is not present")
def test_realworld_multistage_files_get_all_stages_named() -> None:
    for path in FILES:
        text = path.read_bytes().decode("utf-8")
        model = build_model(parse(text))
        if len(model.stages) < 2:
            continue
        out = build_model(parse(_run(text).output))
        assert all(s.name for s in out.stages), path.name
        indexed = [e for e in out.edges if e.kind != "from" and e.reference.isdigit()]
        assert not indexed, path.name


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
    assert any("used twice" in s.reason for s in report.skips)


def test_invalid_stage_name_is_reported() -> None:
    text = "FROM alpine AS 1st\nFROM alpine\n"
    report = _run(text)
    assert any("not valid" in s.reason for s in report.skips)
    assert report.output.endswith("FROM alpine AS runtime\n")


def test_single_stage_skip_reason() -> None:
    report = _run("FROM alpine\nRUN true\n")
    assert [s.reason for s in report.skips] == ["single stage: nothing refers to it"]


def test_single_stage_gets_only_the_casing_fixes() -> None:
    report = _run("FROM alpine:3.20 as Base\nRUN true\n")
    assert report.output == "FROM alpine:3.20 AS base\nRUN true\n"
    assert len(report.explanations) == 2


def test_explanations_point_at_the_changed_lines() -> None:
    report = _run("FROM golang AS b\nRUN true\n\nFROM alpine\nCOPY --from=0 /x /x\n")
    lines = sorted({e.line for e in report.explanations})
    assert lines == [4, 5]


# -- helpers ----------------------------------------------------------------------------------
def test_word_spans_skip_continuations_and_comments() -> None:
    inst = parse("FROM \\\n  # base\n  golang:1.22 \\\n  AS build\n").instructions[0]
    spans = word_spans(inst.args, inst.escape)
    assert [inst.args[s:e] for s, e in spans] == ["golang:1.22", "AS", "build"]


def test_word_spans_with_backtick_escape() -> None:
    tree = parse("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022 `\n  AS base\n")
    inst = tree.instructions[0]
    words = [inst.args[s:e] for s, e in word_spans(inst.args, inst.escape)]
    assert words == list(inst.values.items)


def test_run_commands_follow_sh_c_and_heredocs() -> None:
    tree = parse(
        'FROM alpine\nRUN ["sh", "-c", "apk add git && make test"]\n'
        "RUN <<EOF\nset -e\ngo build ./...\nEOF\n"
        "RUN cat <<EOF > /x\ngo test\nEOF\n"
    )
    stage = build_model(tree).stages[0]
    found = [
        [words[0] for words in run_commands(inst, state)[0]]
        for inst, state in zip(stage.instructions, stage.states, strict=True)
        if inst.directive == "RUN"
    ]
    assert found == [["apk", "make"], ["set", "go"], ["cat"]]


def test_generated_names_match_buildkit_rules() -> None:
    text = "FROM Mcr.Example.com/Team/My_Image:1\nRUN true\nFROM alpine\nCOPY --from=0 / /\n"
    first = _names(text)[0]
    assert first is not None and re.match(r"^[a-z][a-z0-9_.-]*$", first)
