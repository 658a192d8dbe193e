"""cache-mounts: its data table and the decisions golden cases do not pin.

The real-world corpus (changed or skipped with a reason, read by BuildKit as our tree reads it, a
second run changes nothing, hadolint finds nothing new) goes through
tests/test_realworld_sweep.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.cache_mounts import CacheMounts
from refactor.data.caches import TOOLS, CacheDir, find_use, resolve_cache_dir
from refactor.engine.codemod import Context, Kind, Skip
from refactor.engine.runner import FileReport, run_codemods
from refactor.syntax.parser import parse


def _run(text: str, ctx: Context | None = None) -> FileReport:
    return run_codemods(parse(text), ctx or Context(), [CacheMounts()])


# -- the data table ----------------------------------------------------------------------------
def test_every_tool_has_a_cache_and_a_reason() -> None:
    for tool in TOOLS:
        assert tool.caches and tool.why, tool.name
        for cache in tool.caches:
            assert cache.sources, tool.name


@pytest.mark.parametrize(
    ("words", "tool", "downloads"),
    [
        (("python3", "-m", "pip", "install", "-r", "r.txt"), "pip", True),
        (("/opt/venv/bin/pip3.12", "install", "x"), "pip", True),
        (("pip", "uninstall", "-y", "x"), "pip", False),
        (("pip", "--version"), "pip", False),
        (("./mvnw", "-B", "-f", "app/pom.xml", "package"), "maven", True),
        (("mvn", "-v"), "maven", False),
        (("./gradlew", "--no-daemon", "build"), "gradle", True),
        (("go", "build", "-v", "-o", "app", "."), "go", True),
        (("go", "mod", "init", "example.com/x"), "go", False),
        (("cargo", "+nightly", "build", "--release"), "cargo", True),
        (("cargo", "chef", "prepare", "--recipe-path", "r.json"), "cargo", False),
        (("cargo", "chef", "cook", "--release"), "cargo", True),
        (("yarn",), "yarn", True),
        (("yarn", "build"), "yarn", False),
        (("npm", "run", "build"), "npm", False),
        (("apt-get", "-o", "Acquire::Retries=3", "install", "-y", "curl"), "apt", True),
        (("apt-get", "clean"), "apt", False),
        (("dotnet", "App.dll"), "dotnet", False),
        (("bundle",), "bundler", True),
    ],
)
def test_find_use(words: tuple[str, ...], tool: str, downloads: bool) -> None:
    use = find_use(words)
    assert use is not None and use.tool.name == tool
    assert use.downloads is downloads


def test_find_use_ignores_other_commands() -> None:
    assert find_use(("echo", "pip", "install")) is None
    assert find_use(()) is None


def test_resolve_cache_dir() -> None:
    yarn = next(t for t in TOOLS if t.name == "yarn").caches[0]
    assert resolve_cache_dir(yarn, {"HOME": "/root"}, "/", root=True) == (
        "/usr/local/share/.cache/yarn"
    )
    assert resolve_cache_dir(yarn, {"HOME": "/home/node"}, "/", root=False) == (
        "/home/node/.cache/yarn"
    )
    mod = next(t for t in TOOLS if t.name == "go").caches[0]
    assert resolve_cache_dir(mod, {"GOPATH": "/a:/b", "HOME": "/root"}, "/", root=True) == (
        "/a/pkg/mod"
    )
    pip = CacheDir(("$PIP_CACHE_DIR", "$HOME/.cache/pip"))
    assert resolve_cache_dir(pip, {"PIP_CACHE_DIR": ".pip"}, "/src", root=True) == "/src/.pip"
    assert resolve_cache_dir(pip, {"PIP_CACHE_DIR": ".pip"}, None, root=True) is None
    assert resolve_cache_dir(pip, {"PIP_CACHE_DIR": "$X/pip"}, "/", root=True) is None
    assert resolve_cache_dir(pip, {}, "/", root=False) is None


# -- decisions the golden cases do not pin ------------------------------------------------------
def _out(text: str, ctx: Context | None = None) -> tuple[str, list[Skip]]:
    report = _run(text, ctx)
    assert all(s.kind is Kind.SKIPPED for s in report.skips)
    return report.output, list(report.skips)


def _codes(skips: list[Skip]) -> set[str]:
    return {s.code for s in skips}


def test_no_cache_dir_alone_on_the_last_line() -> None:
    text = 'FROM python:3.12\nRUN pip install flask \\\n  --no-cache-dir\nCMD ["flask"]\n'
    out, _ = _out(text)
    assert out == (
        "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n"
        'CMD ["flask"]\n'
    )


def test_an_edit_never_leaves_a_continuation_open() -> None:
    # Cutting the rm after the comment line would end the RUN in a continuation, and BuildKit
    # would read the next instruction as part of it: the rm stays, the lists are not mounted.
    text = (
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl \\\n"
        '    # done\n    && rm -rf /var/lib/apt/lists/*\nCMD ["curl"]\n'
    )
    out, _ = _out(text)
    assert "rm -rf /var/lib/apt/lists/*\nCMD" in out
    assert "/var/lib/apt/lists,sharing" not in out
    assert len(parse(out).instructions) == 4


def test_cache_copied_to_another_stage_is_not_mounted() -> None:
    text = (
        "FROM golang:1.22 AS deps\nCOPY go.* ./\nRUN go mod download && go mod verify\n"
        "FROM golang:1.22\nCOPY --from=deps /go/pkg/mod /go/pkg/mod\nCOPY . .\n"
        "RUN go build -o /app .\n"
    )
    out, skips = _out(text)
    assert "RUN go mod download && go mod verify" in out
    assert "CM021" in _codes(skips)


def test_fetch_only_run_in_the_last_stage_is_left_alone() -> None:
    text = "FROM golang:1.22\nCOPY go.* ./\nRUN go mod download\nCOPY . .\n"
    out, skips = _out(text)
    assert out == text
    assert _codes(skips) == {"CM013"}


def test_apk_index_needed_by_a_later_run() -> None:
    text = "FROM alpine:3.20\nRUN apk update && apk add curl\nRUN apk add git\n"
    out, skips = _out(text)
    assert out == text
    assert "CM017" in _codes(skips)


def test_docker_clean_fix_once_per_lineage() -> None:
    text = (
        "FROM debian:12 AS base\nRUN apt-get update && apt-get install -y curl\n"
        "FROM base AS build\nRUN apt-get update && apt-get install -y gcc\n"
        "FROM debian:12\nRUN apt-get update && apt-get install -y tini\n"
    )
    out, _ = _out(text)
    assert out.count("docker-clean") == 2  # base (inherited by build) and the last stage


def test_no_docker_clean_fix_when_a_later_apt_run_is_not_cached() -> None:
    text = (
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"
        "# msb-migrate: skip=cache-mounts\nRUN apt-get install -y git\n"
    )
    out, _ = _out(text)
    assert "docker-clean" not in out
    assert "--mount=type=cache,target=/var/cache/apt" in out


def test_exec_form_shell_gets_mounts_but_no_text_edits() -> None:
    text = 'FROM python:3.12\nRUN ["sh", "-c", "pip install --no-cache-dir flask"]\n'
    out, skips = _out(text)
    assert out == text
    assert _codes(skips) == {"CM016"}
    text = 'FROM node:20\nRUN ["/bin/sh", "-c", "npm ci"]\n'
    out, _ = _out(text)
    assert (
        out
        == 'FROM node:20\nRUN --mount=type=cache,target=/root/.npm ["/bin/sh", "-c", "npm ci"]\n'
    )


def test_long_lines_wrap_with_the_files_escape() -> None:
    text = "# escape=`\nFROM debian:12\nRUN apt-get update && apt-get install -y curl\n"
    out, _ = _out(text)
    assert "--mount=type=cache,target=/var/cache/apt,sharing=locked `\n    apt-get" in out


def test_unknown_base_image_may_move_the_go_cache() -> None:
    text = "FROM registry.example.com/ci/go-builder:3\nCOPY . .\nRUN go build -o /app .\n"
    out, skips = _out(text)
    assert out == text
    assert _codes(skips) == {"CM009"}
    assert any("may set GOPATH" in s.reason for s in skips)


def test_numeric_user_without_home() -> None:
    text = "FROM node:20\nUSER 1001:1001\nRUN npm ci\n"
    out, skips = _out(text)
    assert out == text
    assert _codes(skips) == {"CM009"}
    assert any("home directory of user '1001' is not known" in s.reason for s in skips)


def test_known_image_user() -> None:
    text = "FROM node:20\nUSER node\nWORKDIR /home/node/app\nRUN npm ci\n"
    out, _ = _out(text)
    assert "--mount=type=cache,target=/home/node/.npm,uid=1000,gid=1000 npm ci" in out


def test_build_context_decides_what_copy_puts_into_a_cache(tmp_path: Path) -> None:
    text = "FROM maven:3.9-eclipse-temurin-21\nCOPY . /root/.m2/\nRUN mvn package\n"
    (tmp_path / "repository").mkdir()
    out, skips = _out(text, Context(context_dir=tmp_path))
    assert out == text
    assert _codes(skips) == {"CM019"}


def test_nothing_to_do_is_told_apart() -> None:
    assert _codes(_out("FROM debian:12\nRUN echo hi\n")[1]) == {"CM023"}
    cached = "FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm ci\n"
    assert _codes(_out(cached)[1]) == {"CM022"}
    assert _codes(_out("ARG X=1\n")[1]) == {"CM001"}


def test_go_get_with_no_later_build_keeps_its_modules() -> None:
    """A dev image: `go get` and nothing builds later (compose runs `go run .`)."""
    text = "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go get\nCOPY . .\n"
    out, skips = _out(text)
    assert out == text
    assert _codes(skips) == {"CM013"}


def test_go_get_followed_by_a_build_is_mounted() -> None:
    text = (
        "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go get ./...\n"
        'RUN go build -o /bin/app .\nCMD ["/bin/app"]\n'
    )
    out, _ = _out(text)
    assert "RUN --mount=type=cache,target=/go/pkg/mod" in out and "go get" in out
