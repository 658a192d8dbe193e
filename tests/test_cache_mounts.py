"""cache-mounts over the real-world corpus, and the decisions golden cases do not pin.

Over every real Dockerfile, the codemod alone: never an internal error, the output is accepted
by the official BuildKit parser (which reads it as our tree does), a second run changes nothing,
each file is changed or skipped with a reason, and hadolint reports no rule on the output that
it did not report on the input.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import oracle
import pytest
from realworld import REALWORLD, realworld_files

from codemods.cache_mounts import CacheMounts
from refactor.data.caches import TOOLS, CacheDir, find_use, resolve_cache_dir
from refactor.engine.codemod import Context
from refactor.engine.runner import FileReport, run_codemods
from refactor.syntax.parser import parse

FILES = realworld_files()


def _run(text: str, ctx: Context | None = None) -> FileReport:
    return run_codemods(parse(text), ctx or Context(), [CacheMounts()])


def _hadolint(text: str) -> set[str]:
    proc = subprocess.run(
        ["hadolint", "--format", "json", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return {finding["code"] for finding in json.loads(proc.stdout or "[]")}


@pytest.fixture(scope="module")
def realworld() -> list[tuple[str, str, FileReport]]:
    if not FILES:
        pytest.skip("../shared/corpus/realworld is not present")
    out = []
    for path in FILES:
        text = path.read_bytes().decode("utf-8")
        out.append((path.relative_to(REALWORLD).as_posix(), text, _run(text)))
    return out


@pytest.mark.slow
def test_realworld(realworld: list[tuple[str, str, FileReport]]) -> None:
    pytest.importorskip("dockerfile")
    problems: list[str] = []
    outcomes: Counter[str] = Counter()
    for name, text, report in realworld:
        reasons = [s.reason for s in report.skips]
        if any("internal error" in r or "change discarded" in r for r in reasons):
            problems.append(f"{name}: {reasons}")
        if report.output == text:
            if not reasons:
                problems.append(f"{name}: unchanged without a reason")
            outcomes["unchanged"] += 1
            continue
        outcomes["changed"] += 1
        if not report.explanations:
            problems.append(f"{name}: changed without explanations")
        assert report.tree is not None
        try:
            official = oracle.official(report.output)
        except Exception as exc:  # the binding raises its own error types
            problems.append(f"{name}: the official parser rejects the output: {exc}")
            continue
        # Where our parser already reads the input like BuildKit, it must read the output like
        # BuildKit too; elsewhere at least the instructions and their lines must agree.
        ours = oracle.ours(report.tree)
        if oracle.ours(parse(text)) != oracle.official(text):
            ours, official = [o[:1] + o[4:6] for o in ours], [o[:1] + o[4:6] for o in official]
        if ours != official:
            problems.append(f"{name}: BuildKit reads the output differently from our tree")
        if _run(report.output).output != report.output:
            problems.append(f"{name}: a second run changes the output")
    assert not problems, "\n".join(problems)
    assert outcomes["changed"] + outcomes["unchanged"] == len(FILES)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is not installed")
def test_realworld_hadolint(realworld: list[tuple[str, str, FileReport]]) -> None:
    changed = [(name, text, r.output) for name, text, r in realworld if r.output != text]
    texts = [t for _, before, after in changed for t in (before, after)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(_hadolint, texts))
    new = {
        name: sorted(codes[2 * i + 1] - codes[2 * i])
        for i, (name, _, _) in enumerate(changed)
        if codes[2 * i + 1] - codes[2 * i]
    }
    assert not new, new


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
def _out(text: str, ctx: Context | None = None) -> tuple[str, list[str]]:
    report = _run(text, ctx)
    assert not [s for s in report.skips if "internal error" in s.reason or "discard" in s.reason]
    return report.output, [s.reason for s in report.skips]


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
    out, reasons = _out(text)
    assert "RUN go mod download && go mod verify" in out
    assert any("copies /go/pkg/mod out of this stage" in r for r in reasons)


def test_fetch_only_run_in_the_last_stage_is_left_alone() -> None:
    text = "FROM golang:1.22\nCOPY go.* ./\nRUN go mod download\nCOPY . .\n"
    out, reasons = _out(text)
    assert out == text
    assert any("only downloads" in r for r in reasons)


def test_apk_index_needed_by_a_later_run() -> None:
    text = "FROM alpine:3.20\nRUN apk update && apk add curl\nRUN apk add git\n"
    out, reasons = _out(text)
    assert out == text
    assert any("package index" in r for r in reasons)


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
    out, reasons = _out(text)
    assert out == text
    assert any("--no-cache-dir" in r for r in reasons)
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
    out, reasons = _out(text)
    assert out == text
    assert any("may set GOPATH" in r for r in reasons)


def test_numeric_user_without_home() -> None:
    text = "FROM node:20\nUSER 1001:1001\nRUN npm ci\n"
    out, reasons = _out(text)
    assert out == text
    assert any("home directory" in r for r in reasons)


def test_known_image_user() -> None:
    text = "FROM node:20\nUSER node\nWORKDIR /home/node/app\nRUN npm ci\n"
    out, _ = _out(text)
    assert "--mount=type=cache,target=/home/node/.npm,uid=1000,gid=1000 npm ci" in out


def test_build_context_decides_what_copy_puts_into_a_cache(tmp_path: Path) -> None:
    text = "FROM maven:3.9-eclipse-temurin-21\nCOPY . /root/.m2/\nRUN mvn package\n"
    (tmp_path / "repository").mkdir()
    out, reasons = _out(text, Context(context_dir=tmp_path))
    assert out == text
    assert any("COPY on line 2" in r for r in reasons)
