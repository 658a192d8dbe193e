"""The semantics layer: what a RUN executes, stage ancestry and steps, Windows detection."""

from __future__ import annotations

import pytest

from refactor.analysis.images import ImageRef
from refactor.analysis.model import build_model
from refactor.analysis.semantics import (
    RunScript,
    exec_commands,
    first_command,
    is_posix_shell,
    is_windows,
    is_windows_shell,
    run_commands,
    script_commands,
    shell_script,
    stage_role,
    word_spans,
)
from refactor.data.commands import TEST_COMMANDS, matches
from refactor.syntax.parser import parse


def _runs(text: str) -> list[RunScript]:
    stage = build_model(parse("FROM alpine\n" + text)).stages[-1]
    return [run_commands(inst, state) for inst, state in stage.steps("RUN")]


def _one(text: str) -> RunScript:
    (script,) = _runs(text)
    return script


# -- run_commands ----------------------------------------------------------------------------------
def test_shell_form() -> None:
    script = _one("WORKDIR /src\nRUN cd app && make build | tee log\n")
    assert script.words() == [("cd", "app"), ("make", "build"), ("tee", "log")]
    assert [c.cwd for c in script.commands] == ["/src", "/src/app", "/src/app"]
    assert script.readable


def test_exec_form_is_one_command() -> None:
    script = _one('RUN ["go", "build", "-o", "/app"]\n')
    assert script.words() == [("go", "build", "-o", "/app")]
    assert script.commands[0].text == "go build -o /app"


def test_exec_form_sh_c_is_read_as_a_script() -> None:
    script = _one('RUN ["/bin/sh", "-ec", "apk add git && make test"]\n')
    assert script.words() == [("apk", "add", "git"), ("make", "test")]
    assert all(c.errexit for c in script.commands)


def test_sh_c_inside_a_script_is_followed_from_its_directory() -> None:
    script = _one("RUN cd /x && sh -c 'go test ./...'\n")
    assert script.words() == [("cd", "/x"), ("go", "test", "./...")]
    assert script.commands[-1].cwd == "/x"


def test_shell_options_before_c() -> None:
    assert shell_script(["bash", "-o", "pipefail", "-c", "x"]) == "x"
    assert shell_script(["bash", "-lc", "x"]) == "x"
    assert shell_script(["bash", "script.sh"]) is None
    assert shell_script(["python3", "-c", "x"]) is None


def test_every_heredoc_under_a_bare_shell_is_read_in_order() -> None:
    text = "RUN bash -e <<A <<B\necho one\nA\ngo build\nB\n"
    assert _one(text).words() == [("echo", "one"), ("go", "build")]
    assert _one("RUN <<EOF\nset -e\nnpm ci\nEOF\n").words() == [("set", "-e"), ("npm", "ci")]


def test_heredoc_under_a_program_is_its_input() -> None:
    script = _one("RUN python3 <<EOF\nimport os\nEOF\n")
    assert script.words() == [("python3",)]
    assert script.problems == {"stdin"}
    assert _one("RUN cat <<EOF > /etc/x\nhello\nEOF\n").problems == {"stdin"}


def test_heredoc_with_a_non_shell_interpreter_is_opaque() -> None:
    script = _one("RUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n")
    assert script.words() == []
    assert "opaque" in script.problems and not script.readable


def test_opaque_script() -> None:
    script = _one("RUN if then fi ((( $(\n")
    assert not script.readable
    assert "opaque" in script.problems


def test_non_posix_shell_is_flagged() -> None:
    script = _one('SHELL ["powershell", "-Command"]\nRUN dotnet build\n')
    assert script.words() == [("dotnet", "build")]
    assert script.problems == {"shell"}


def test_errexit_from_the_shell() -> None:
    script = _one('SHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nRUN false\n')
    assert script.commands[0].errexit


def test_exec_and_script_helpers() -> None:
    state = build_model(parse("FROM alpine\nRUN true\n")).stages[0].states[-1]
    assert exec_commands([], state) == RunScript(())
    assert script_commands("a; b", state).words() == [("a",), ("b",)]


# -- the model -------------------------------------------------------------------------------------
def test_ancestry_and_steps() -> None:
    model = build_model(
        parse("FROM alpine AS base\nRUN a\nFROM base AS mid\nENV X=1\nRUN b\nFROM mid\nRUN c\n")
    )
    last = model.stages[2]
    assert [s.index for s in last.ancestry()] == [0, 1, 2]
    assert [s.index for s in model.stages[0].ancestry()] == [0]
    mid = model.stages[1]
    assert [i.directive for i, _ in mid.steps()] == ["FROM", "ENV", "RUN"]
    ((run, state),) = mid.steps("RUN")
    assert run.value == "b" and state.env == {"X": "1"}


def test_stage_role_and_first_command() -> None:
    model = build_model(parse("FROM golang\nRUN go mod download\nRUN go vet ./...\nFROM alpine\n"))
    assert stage_role(model.stages[0], False)[0] == "test"
    assert stage_role(model.stages[1], True)[0] == "runtime"
    assert first_command(model.stages[0], TEST_COMMANDS) == ("go", "vet", "./...")


def test_one_test_command_table() -> None:
    assert matches(("npm", "run", "test"), TEST_COMMANDS)
    assert matches(("make", "test"), TEST_COMMANDS)
    assert matches(("npx", "jest"), TEST_COMMANDS)
    assert not matches(("npm", "ci"), TEST_COMMANDS)


def test_word_spans() -> None:
    inst = parse("FROM \\\n  # base\n  golang:1.22 \\\n  AS build\n").instructions[0]
    spans = word_spans(inst.args, inst.escape)
    assert [inst.args[s:e] for s, e in spans] == ["golang:1.22", "AS", "build"]


# -- Windows ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("image", "platform", "windows"),
    [
        ("mcr.microsoft.com/windows/servercore:ltsc2022", None, True),
        ("mcr.microsoft.com/dotnet/framework/sdk:4.8", None, True),
        ("python:3.12-windowsservercore", None, True),
        ("golang:1.22-nanoserver-ltsc2022", None, True),
        ("alpine:3.20", "windows/amd64", True),
        ("alpine:3.20", None, False),
        ("node:20", "linux/amd64", False),
    ],
)
def test_is_windows(image: str, platform: str | None, windows: bool) -> None:
    assert is_windows(ImageRef.parse(image), platform) is windows


def test_shells() -> None:
    assert is_posix_shell(("/bin/bash", "-c"))
    assert not is_posix_shell(("powershell", "-Command"))
    assert is_windows_shell(("C:\\Windows\\System32\\cmd.exe", "/S", "/C"))
    assert is_windows_shell(("pwsh", "-Command"))
    assert not is_windows_shell(("/bin/sh", "-c"))


# -- COPY/ADD destinations as BuildKit resolves them ---------------------------------------------
def _dests(text: str) -> list[tuple[str, bool]]:
    from refactor.analysis.destinations import destinations

    stage = build_model(parse(text)).final
    assert stage is not None
    return [(d.path, d.into) for d in destinations(stage).values()]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("WORKDIR /app\nCOPY requirements.txt /app", ("/app", True)),  # WORKDIR made it
        ("WORKDIR /app/src\nCOPY a /app", ("/app", True)),  # a WORKDIR's parent exists
        ("COPY a.jar /app.jar", ("/app.jar", False)),  # a file
        ("COPY a /app/", ("/app", True)),  # trailing slash
        ("COPY a /app/.", ("/app", True)),
        ("WORKDIR /w\nCOPY a .", ("/w", True)),  # relative to WORKDIR
        ("WORKDIR /w\nCOPY a b", ("/w/b", False)),
        ("COPY a b /x", ("/x", True)),  # several sources
        ("RUN mkdir -p /data/in\nCOPY a /data", ("/data", True)),  # mkdir made it
        ("COPY a /usr/local/bin", ("/usr/local/bin", True)),  # the base image has it
        ("ARG D=/opt/x\nCOPY a ${D}/", ("/opt/x", True)),
    ],
)
def test_copy_destination(body: str, expected: tuple[str, bool]) -> None:
    assert _dests(f"FROM debian:12\n{body}\n")[-1] == expected


def test_an_earlier_copy_makes_a_directory() -> None:
    assert _dests("FROM debian:12\nCOPY a /x/\nCOPY b /x\nCOPY . /y\nCOPY c /y\n") == [
        ("/x", True), ("/x", True), ("/y", False), ("/y", True),
    ]  # fmt: skip


def test_scratch_has_no_folders_and_parents_count() -> None:
    assert _dests("FROM scratch\nCOPY a /usr/local/bin\n") == [("/usr/local/bin", False)]
    text = "FROM debian:12 AS base\nWORKDIR /srv\nFROM base\nWORKDIR /\nCOPY a /srv\n"
    assert _dests(text) == [("/srv", True)]


def test_the_split_reads_a_copy_into_the_workdir_as_the_folder() -> None:
    """The reported bug: `COPY requirements.txt /app` after `WORKDIR /app` was read as a copy
    into `/` (a file `/app`), and the split refused with "the build copies files into `/`"."""
    from refactor.engine.codemod import Context
    from refactor.engine.runner import load_codemod, run_codemods

    text = (
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt /app\n"
        'RUN pip install -r requirements.txt\nCOPY app.py /app\nCMD ["python", "app.py"]\n'
    )
    report = run_codemods(parse(text), Context(), [load_codemod("split-build-runtime")])
    assert not any("into `/`" in s.reason for s in report.skips)
    assert "COPY --from=builder /app /app" in report.output
