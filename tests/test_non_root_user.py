"""non-root-user over the real-world corpus, and the decisions golden cases do not pin.

Over every real Dockerfile, the codemod alone: never an internal error, the output is accepted
by the official BuildKit parser, a second run changes nothing, each file is changed or skipped
with a reason, and hadolint reports no rule on the output that the input did not break
(DL3002, last USER root, never on a changed file).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter

import pytest
from realworld import REALWORLD, realworld_files

from codemods.non_root_user import NonRootUser
from refactor.engine.codemod import Context, Options
from refactor.engine.runner import FileReport, run_codemods
from refactor.syntax.parser import parse


def _run(text: str, ctx: Context | None = None) -> FileReport:
    return run_codemods(parse(text), ctx or Context(), [NonRootUser()])


def _hadolint(texts: list[str]) -> list[set[str]]:
    """The rule codes hadolint reports for each text."""
    out = []
    for text in texts:
        proc = subprocess.run(
            ["hadolint", "--format", "json", "-"],
            input=text,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        out.append({finding["code"] for finding in json.loads(proc.stdout or "[]")})
    return out


FILES = realworld_files()


@pytest.mark.skipif(not FILES, reason="../shared/corpus/realworld is not present")
def test_realworld() -> None:
    dockerfile = pytest.importorskip("dockerfile")
    problems: list[str] = []
    outcomes: Counter[str] = Counter()
    changed: list[tuple[str, str, str]] = []
    for path in FILES:
        text = path.read_bytes().decode("utf-8")
        name = path.relative_to(REALWORLD).as_posix()
        report = _run(text)
        reasons = [s.reason for s in report.skips]
        if any("internal error" in r or "change discarded" in r for r in reasons):
            problems.append(f"{name}: {reasons}")
        if report.output == text:
            if not reasons:
                problems.append(f"{name}: unchanged without a reason")
            outcomes[reasons[0].split(":")[0] if reasons else "?"] += 1
            continue
        outcomes["changed"] += 1
        if not report.explanations:
            problems.append(f"{name}: changed without explanations")
        try:
            dockerfile.parse_string(report.output)
        except Exception as exc:  # the official parser's error type is not exported
            problems.append(f"{name}: official parser rejects the output: {exc}")
        if _run(report.output).output != report.output:
            problems.append(f"{name}: a second run changes the file again")
        changed.append((name, text, report.output))
    if shutil.which("hadolint"):
        codes = _hadolint([t for _, before, after in changed for t in (before, after)])
        for i, (name, _, _) in enumerate(changed):
            new = codes[2 * i + 1] - codes[2 * i]
            if new:
                problems.append(f"{name}: hadolint reports new {sorted(new)}")
            if "DL3002" in codes[2 * i + 1]:
                problems.append(f"{name}: hadolint DL3002 (last USER is root) on the output")
    print("\nnon-root-user over the real-world corpus:", dict(outcomes.most_common()))
    assert not problems, "\n".join(problems)


def test_options_name_the_created_user() -> None:
    ctx = Context(options=Options(user_name="svc", user_uid=2000))
    out = _run('FROM debian:12\nCMD ["/bin/true"]\n', ctx).output
    assert "useradd --system --no-log-init --uid 2000 --gid svc" in out
    assert out.rstrip().endswith('USER 2000:2000\nCMD ["/bin/true"]')


def test_target_stage_is_the_one_changed() -> None:
    text = 'FROM node:20 AS web\nCMD ["node", "a.js"]\n\nFROM debian:12 AS tools\nCMD ["sh"]\n'
    report = run_codemods(parse(text), Context(target="web"), [NonRootUser()])
    assert report.output.startswith('FROM node:20 AS web\nUSER 1000:1000\nCMD ["node", "a.js"]\n')
    assert report.output.endswith('FROM debian:12 AS tools\nCMD ["sh"]\n')


def test_inline_opt_out() -> None:
    text = 'FROM python:3.12\n# msb-migrate: skip=non-root-user\nCMD ["python", "a.py"]\n'
    report = _run(text)
    assert report.output == text
    assert any("opted out" in s.reason for s in report.skips)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ('FROM debian:12\nEXPOSE 443\nCMD ["srv"]\n', "binds port 443"),
        ('FROM debian:12\nCMD ["/sbin/init"]\n', "init system"),
        ("FROM docker:24-dind\n", "docker-in-docker"),
        ("FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n", "steps down"),
        ('FROM python:3.12\nRUN pip install --user flask\nCMD ["flask", "run"]\n', "--user"),
        ('FROM rust:1\nCOPY . .\nRUN cargo build\nCMD ["cargo", "run"]\n', "cargo run"),
        ('FROM debian:12\nVOLUME /data\nCMD ["srv"]\n', "VOLUME /data"),
        ('FROM registry.access.redhat.com/ubi9/ubi-minimal\nCMD ["srv"]\n', "useradd"),
        ('FROM $BASE\nCMD ["srv"]\n', "cannot tell how to create a user"),
    ],
)
def test_needs_root_or_cannot_tell(text: str, phrase: str) -> None:
    report = _run(text)
    assert report.output == text
    assert any(phrase in s.reason for s in report.skips), [s.reason for s in report.skips]


def test_setcap_allows_a_low_port() -> None:
    text = (
        "FROM debian:12\nRUN setcap cap_net_bind_service=+ep /usr/local/bin/srv\n"
        'EXPOSE 80\nCMD ["srv"]\n'
    )
    assert "USER 10001:10001" in _run(text).output


def test_reuses_the_user_the_dockerfile_creates() -> None:
    text = (
        "FROM alpine:3.20\nRUN addgroup -S -g 1500 web && adduser -S -u 1500 -G web web\n"
        'WORKDIR /srv/web\nCOPY --chown=web:web . .\nCMD ["./web"]\n'
    )
    out = _run(text).output
    assert "adduser -S -D" not in out  # no second user
    assert out.endswith('COPY --chown=web:web . .\nUSER 1500:1500\nCMD ["./web"]\n')


def test_a_user_without_fixed_uid_is_left_to_the_author() -> None:
    text = 'FROM debian:12\nRUN useradd -m worker\nCMD ["run"]\n'
    report = _run(text)
    assert report.output == text
    assert any("without a fixed uid" in s.reason for s in report.skips)
