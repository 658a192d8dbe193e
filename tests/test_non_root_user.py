"""non-root-user: the decisions golden cases do not pin, skips asserted by their code.

The real-world corpus (changed or skipped with a reason, accepted by the official parser, a
second run changes nothing, hadolint finds nothing new and never DL3002 on a changed file) goes
through tests/test_realworld_sweep.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.non_root_user import NonRootUser
from refactor.engine.codemod import Context, Options
from refactor.engine.runner import FileReport, run_codemods
from refactor.syntax.parser import parse


def _run(text: str, ctx: Context | None = None) -> FileReport:
    return run_codemods(parse(text), ctx or Context(), [NonRootUser()])


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
    assert [s.code for s in report.skips] == ["USR002"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('FROM debian:12\nEXPOSE 443\nCMD ["srv"]\n', "USR013"),
        ('FROM debian:12\nCMD ["/sbin/init"]\n', "USR009"),
        ("FROM docker:24-dind\n", "USR007"),
        ("FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n", "USR007"),
        ('FROM python:3.12\nRUN pip install --user flask\nCMD ["flask", "run"]\n', "USR014"),
        ('FROM rust:1\nCOPY . .\nRUN cargo build\nCMD ["cargo", "run"]\n', "USR011"),
        ('FROM debian:12\nVOLUME /data\nCMD ["srv"]\n', "USR015"),
        ('FROM registry.access.redhat.com/ubi9/ubi-minimal\nCMD ["srv"]\n', "USR017"),
        ('FROM $BASE\nCMD ["srv"]\n', "USR016"),
    ],
)
def test_needs_root_or_cannot_tell(text: str, code: str) -> None:
    report = _run(text)
    assert report.output == text
    assert [s.code for s in report.skips] == [code], [s.reason for s in report.skips]


def test_the_reason_names_what_needs_root() -> None:
    reason = _run('FROM debian:12\nEXPOSE 443\nCMD ["srv"]\n').skips[0].reason
    assert reason.startswith("binds port 443 (EXPOSE at line 2): ports below 1024 need root")


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
    assert [s.code for s in report.skips] == ["USR021"]


def test_a_copy_outside_the_app_directory_stays_root_owned() -> None:
    text = 'FROM debian:12\nWORKDIR /app\nCOPY a.conf /etc/a.conf\nCMD ["srv"]\n'
    report = _run(text)
    assert "USER 10001:10001" in report.output
    assert [s.code for s in report.skips] == ["USR022"]


# -- run-time writes (issue 13: the app writes into folders RUN/COPY left root-owned) ----------
def _context(tmp_path: Path, files: dict[str, str]) -> Context:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return Context(context_dir=tmp_path)


_ROOT_APP = 'FROM python:3.12-slim\nCOPY . .\nRUN pip install flask\nENTRYPOINT ["./boot.sh"]\n'


@pytest.mark.parametrize(
    ("script", "phrase"),
    [
        ("#!/bin/sh\nflask db upgrade\nexec gunicorn app:app\n", "flask db upgrade"),
        ("#!/bin/sh\nalembic upgrade head\nexec gunicorn app:app\n", "alembic upgrade"),
        ("#!/bin/sh\npython manage.py migrate\nexec gunicorn a.wsgi\n", "manage.py migrate"),
        ("#!/bin/bash\nF=response\nmkfifo $F\nnc -l 80 < $F\n", "mkfifo"),
        ("#!/bin/sh\necho started > started.txt\nexec ./server\n", "redirection"),
    ],
)
def test_a_start_script_writing_into_slash_is_left_as_root(
    tmp_path: Path, script: str, phrase: str
) -> None:
    report = _run(_ROOT_APP, _context(tmp_path, {"boot.sh": script}))
    assert report.output == _ROOT_APP
    assert [s.code for s in report.skips] == ["USR023"]
    assert phrase in report.skips[0].reason and "working directory /" in report.skips[0].reason


def test_a_start_script_writing_only_to_tmp_changes(tmp_path: Path) -> None:
    ctx = _context(tmp_path, {"boot.sh": "#!/bin/sh\necho x > /tmp/x\nexec ./server 2>&1\n"})
    report = _run(_ROOT_APP, ctx)
    assert "USER 10001:10001" in report.output
    assert [s.code for s in report.skips] == ["USR022"]  # the COPY to / stays root's


def test_a_log_folder_is_created_owned_by_the_user(tmp_path: Path) -> None:
    source = (
        "from logging.handlers import RotatingFileHandler\nh = RotatingFileHandler('logs/a.log')\n"
    )
    text = 'FROM python:3.12-slim\nCOPY app.py .\nCMD ["python", "app.py"]\n'
    report = _run(text, _context(tmp_path, {"app.py": source}))
    assert "mkdir -p /logs && chown 10001:10001 /logs" in report.output
    said = " ".join(f"{e.message} {e.reason}" for e in report.explanations)
    assert "created /logs owned by app" in said and "app.py writes with a logging" in said


def test_a_log_path_that_cannot_be_resolved_is_a_skip(tmp_path: Path) -> None:
    source = "import logging, os\nlogging.FileHandler(os.environ['LOG'])\n"
    text = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\nCMD ["python", "app.py"]\n'
    report = _run(text, _context(tmp_path, {"app.py": source}))
    assert report.output == text
    assert [s.code for s in report.skips] == ["USR024"]


def test_a_migration_in_the_app_directory_hands_it_over_and_says_why() -> None:
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install django\n"
        'CMD ["sh", "-c", "python manage.py migrate && gunicorn a.wsgi"]\n'
    )
    report = _run(text)
    assert "mkdir -p /app && chown 10001:10001 /app" in report.output
    said = " ".join(e.reason for e in report.explanations)
    assert "writes into /app at run time" in said and "manage.py migrate" in said
