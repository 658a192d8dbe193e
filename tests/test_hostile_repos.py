"""Untrusted repositories (issue 14, items 5, 7, 8, 9): a repository's git configuration never
runs a command, a configuration file planted above the project never applies, a hostile
repos line or transport never kills or hangs a bulk run, and a slow file is one failed file.

Every command the hostile repository configures is ``touch <pwned>/PWNED-<name>``: a test
passes when the directory stays empty. The global git configuration is isolated per test.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from docker_env import PYTHON_APP
from gitcli import git, isolate_git

from refactor.app import bulk, config
from refactor.app.cli import main
from refactor.app.config import Settings, search_path
from refactor.app.discover import discover
from refactor.app.gitrun import git_command, run_git
from refactor.app.migrate import MigrateOptions
from refactor.app.options import Config
from refactor.app.report import FileResult

BRANCH = "msb-migrate/multi-stage"
HOOKS = (
    "post-checkout",
    "pre-commit",
    "post-commit",
    "pre-push",
    "reference-transaction",
    "post-index-change",
    "pre-auto-gc",
)
EVIL_IMAGE = "evil.example/runtime:1"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own: a hang fails the test instead of blocking."""
    return subprocess.run(
        [sys.executable, "-c", "from refactor.app.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = isolate_git(monkeypatch, tmp_path)
    for name in ("GIT_SSH_COMMAND", "GIT_SSH", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_PROXY_COMMAND"):
        monkeypatch.delenv(name, raising=False)
    return config


@pytest.fixture
def pwned(tmp_path: Path) -> Path:
    marks = tmp_path / "pwned"
    marks.mkdir()
    return marks


def touch(marks: Path, name: str) -> str:
    return f"touch {marks}/PWNED-{name}"


@pytest.fixture
def hostile(tmp_path: Path, pwned: Path) -> Path:
    """A checkout whose configuration runs ``touch`` everywhere git lets it: hooks, fsmonitor,
    a required filter driver on every file, ssh, credentials, askpass, pager, signing, the
    remote programs; ``origin`` is a bare repository. The current directory stays put."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "Dockerfile").write_text(PYTHON_APP)
    (root / "requirements.txt").write_text("flask==3.0.0\n")
    (root / "app.py").write_text("print('hi')\n")
    (root / ".gitattributes").write_text("* filter=evil diff=evil\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "main")
    proxy = tmp_path / "proxy.sh"  # core.gitProxy is run without a shell
    proxy.write_text(f"#!/bin/sh\n{touch(pwned, 'gitproxy')}\n")
    proxy.chmod(0o755)
    hooks = root / ".git" / "hooks"
    for name in HOOKS:
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\n{touch(pwned, 'hook-' + name)}\n")
        hook.chmod(0o755)
    settings = {
        "core.fsmonitor": f"{touch(pwned, 'fsmonitor')}; echo",
        "filter.evil.clean": f"{touch(pwned, 'clean')}; cat",
        "filter.evil.smudge": f"{touch(pwned, 'smudge')}; cat",
        "filter.evil.required": "true",
        "diff.evil.textconv": f"{touch(pwned, 'textconv')}; cat",
        "core.sshCommand": f"{touch(pwned, 'ssh')}; ssh",
        "credential.helper": f"!{touch(pwned, 'credential')}",
        "core.askPass": touch(pwned, "askpass"),
        "core.pager": touch(pwned, "pager"),
        "core.gitProxy": str(proxy),
        "gpg.program": touch(pwned, "gpg"),
        "commit.gpgSign": "true",
        "remote.origin.uploadpack": f"{touch(pwned, 'uploadpack')}; git-upload-pack",
        "remote.origin.receivepack": f"{touch(pwned, 'receivepack')}; git-receive-pack",
        "gc.auto": "1",
    }
    for key, value in settings.items():
        git(root, "config", key, value)
    assert not list(pwned.iterdir())  # the set-up itself ran nothing
    return root


def assert_nothing_ran(pwned: Path) -> None:
    assert sorted(p.name for p in pwned.iterdir()) == []


# -- 5: a repository's git configuration is data ---------------------------------------------------


def test_plain_git_runs_the_repository_commands(hostile: Path, pwned: Path) -> None:
    """The fixture is hostile indeed: git on its own runs the repository's fsmonitor."""
    subprocess.run(["git", "status"], cwd=hostile, capture_output=True, check=False)
    assert (pwned / "PWNED-fsmonitor").exists()


def test_dry_run_runs_nothing(hostile: Path, pwned: Path) -> None:
    proc = cli(".", cwd=hostile)
    assert proc.returncode == 0, proc.stderr
    assert "FROM python:3.11" in proc.stdout
    assert_nothing_ran(pwned)


def test_branch_and_push_run_nothing(hostile: Path, pwned: Path, tmp_path: Path) -> None:
    proc = cli("--branch", "--push", "origin", ".", cwd=hostile)
    assert proc.returncode == 0, proc.stderr
    assert git(tmp_path / "remote.git", "rev-parse", "--verify", f"refs/heads/{BRANCH}")
    assert_nothing_ran(pwned)


@pytest.mark.parametrize("mode", [[], ["--branch", "--push", "origin"]])
def test_bulk_runs_nothing(hostile: Path, pwned: Path, tmp_path: Path, mode: list[str]) -> None:
    repos = tmp_path / "repos.txt"
    repos.write_text(f"{hostile}\n")
    ws = tmp_path / "ws"
    proc = cli("bulk", str(repos), "--workspace", str(ws), *mode, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads((ws / "report.json").read_text())["repositories"]
    assert entry["status"] == "changed", entry
    assert_nothing_ran(pwned)


def test_the_users_ssh_command_wins_over_the_repositorys(
    hostile: Path, pwned: Path, isolated_git: Path
) -> None:
    with isolated_git.open("a") as fh:
        fh.write(f"[core]\n\tsshCommand = {touch(pwned, 'USER-ssh')}; false\n")
    git(hostile, "remote", "add", "far", "ssh://git.example.invalid/app.git")
    proc = run_git(["ls-remote", "far"], hostile, timeout=30)
    assert proc.returncode != 0
    assert sorted(p.name for p in pwned.iterdir()) == ["PWNED-USER-ssh"]


def test_credential_helpers_and_askpass(hostile: Path, pwned: Path, isolated_git: Path) -> None:
    """``git credential fill`` asks the helpers, then askpass: the repository's never run,
    the user's own helper still does."""
    query = b"protocol=https\nhost=example.com\n\n"
    proc = run_git(["credential", "fill"], hostile, input=query, timeout=30)
    assert proc.returncode != 0  # nobody answered, and no prompt either
    assert_nothing_ran(pwned)
    with isolated_git.open("a") as fh:
        fh.write('[credential]\n\thelper = "!f() { echo username=me; echo password=mine; }; f"\n')
    proc = run_git(["credential", "fill"], hostile, input=query, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert b"password=mine" in proc.stdout
    assert_nothing_ran(pwned)


def test_git_proxy_is_not_run(hostile: Path, pwned: Path) -> None:
    with socket.socket() as server:  # a closed port: the connection is refused at once
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
    proc = run_git(["ls-remote", f"git://127.0.0.1:{port}/app.git"], hostile, timeout=30)
    assert proc.returncode != 0
    assert_nothing_ran(pwned)


@pytest.mark.parametrize(
    ("key", "value", "transport"),
    [
        ("remote.origin.pushurl", "ext::sh -c touch% {pwned}/PWNED-ext", "ext"),
        ("remote.origin.vcs", "evil", "evil"),
        ("url.ext::sh -c touch% {pwned}/PWNED-insteadof% .insteadOf", "/", "ext"),
    ],
)
def test_transports_are_allowlisted(
    hostile: Path, pwned: Path, key: str, value: str, transport: str
) -> None:
    git(hostile, "config", key.format(pwned=pwned), value.format(pwned=pwned))
    proc = cli("--branch", "--push", "origin", ".", cwd=hostile)
    assert proc.returncode == 2
    assert f"transport '{transport}' not allowed" in proc.stderr
    assert_nothing_ran(pwned)


def test_one_place_decides() -> None:
    """Hooks and fsmonitor off and the transports listed, whatever the repository."""
    prefix, env = git_command(None)
    assert prefix == ["git", "--no-pager"]
    assert env["GIT_ALLOW_PROTOCOL"] == "file:git:http:https:ssh"
    assert env["GIT_PROTOCOL_FROM_USER"] == "0"
    count = int(env["GIT_CONFIG_COUNT"])
    pairs = {env[f"GIT_CONFIG_KEY_{i}"]: env[f"GIT_CONFIG_VALUE_{i}"] for i in range(count)}
    assert pairs["core.fsmonitor"] == "false"
    assert pairs["core.hooksPath"] == "/dev/null"


# -- 7: the configuration search stays in what the user controls -----------------------------------


def project(parent: Path) -> Path:
    """``parent/.msb-migrate.toml`` choosing an attacker's runtime image, and a project below."""
    parent.mkdir(parents=True, exist_ok=True)
    (parent / ".msb-migrate.toml").write_text(f'runtime-image = "{EVIL_IMAGE}"\n')
    app = parent / "app"
    app.mkdir()
    (app / "Dockerfile").write_text(PYTHON_APP)
    (app / "requirements.txt").write_text("flask==3.0.0\n")
    (app / "app.py").write_text("print('hi')\n")
    return app


def json_files(result: Result) -> list[dict[str, Any]]:
    return list(json.loads(result.stdout)["files"])


def test_a_file_in_a_shared_parent_does_not_apply(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    app = project(shared)
    shared.chmod(0o1777)  # like /tmp: anybody may plant a file there
    verbose = invoke("-v", str(app))
    assert EVIL_IMAGE not in verbose.output
    assert "configuration: none" in verbose.output
    (entry,) = json_files(invoke("--format", "json", str(app)))
    assert entry["config"] is None


def test_the_file_that_applies_is_said(tmp_path: Path) -> None:
    app = project(tmp_path / "mine")
    verbose = invoke("-v", str(app))
    assert EVIL_IMAGE in verbose.output
    assert f"configuration: {tmp_path / 'mine' / '.msb-migrate.toml'}" in verbose.output
    (entry,) = json_files(invoke("--format", "json", str(app)))
    assert entry["config"] == str(tmp_path / "mine" / ".msb-migrate.toml")


def test_the_search_stops_at_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = project(tmp_path / "users")
    monkeypatch.setenv("HOME", str(app))
    assert list(search_path(app)) == [app]
    monkeypatch.setenv("HOME", str(app.parent))
    assert list(search_path(app)) == [app, app.parent]


def test_the_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    app = project(tmp_path / "above")
    git(app, "init", "-q")
    (entry,) = json_files(invoke("--format", "json", str(app)))
    assert entry["config"] is None


def test_the_search_stops_at_a_file_system_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = project(tmp_path / "mounted")
    real_stat = Path.stat

    def other_device(self: Path, **kwargs: Any) -> os.stat_result:
        info = real_stat(self, **kwargs)
        if self == app:
            return os.stat_result((*info[:2], info.st_dev + 1, *info[3:]))
        return info

    monkeypatch.setattr(Path, "stat", other_device)
    assert list(search_path(app)) == [app]
    assert config.find_config(app) is None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_a_directory_of_another_user_is_not_searched(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    app = project(theirs)
    os.chown(theirs, 4242, 4242)
    assert Settings(Config()).source(app) is None


# -- 8: hostile repos lines and transports ------------------------------------------------------------


def sound_repo(root: Path) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "Dockerfile").write_text(PYTHON_APP)
    (root / "requirements.txt").write_text("flask==3.0.0\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def bulk_entries(proc: subprocess.CompletedProcess[str], ws: Path) -> dict[str, dict[str, Any]]:
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads((ws / "report.json").read_text())
    return {e["repo"]: e for e in report["repositories"]}


def test_bad_lines_fail_alone(tmp_path: Path) -> None:
    good = sound_repo(tmp_path / "good")
    repos = tmp_path / "repos.txt"
    lines = ["a" * 200_000, "https://[oops/x", "fd::17", "ext::sh -c touch% /tmp/x", str(good)]
    repos.write_text("\n".join(lines) + "\n")
    ws = tmp_path / "ws"
    started = time.monotonic()
    proc = cli("bulk", str(repos), "--workspace", str(ws), "--clone-timeout", "20", cwd=tmp_path)
    assert time.monotonic() - started < 100
    assert proc.returncode == 2
    entries = bulk_entries(proc, ws)
    assert entries[str(good)]["status"] == "changed"
    long_line = entries["repos.txt:1"]
    assert long_line["errors"] == ["the line is 200000 characters long (limit 4096)"]
    assert len(long_line["source"]) < 200
    assert entries["repos.txt:2"]["errors"] == ["not a repository: Invalid IPv6 URL"]
    assert "transport 'fd' not allowed" in entries["fd/:17"]["errors"][0]
    assert "transport 'ext' not allowed" in entries["ext/:sh -c touch% /tmp/x"]["errors"][0]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_a_clone_that_hangs_times_out(tmp_path: Path, silent_server: int) -> None:
    repos = tmp_path / "repos.txt"
    repos.write_text(f"git://127.0.0.1:{silent_server}/app.git\n")
    ws = tmp_path / "ws"
    proc = cli("bulk", str(repos), "--workspace", str(ws), "--clone-timeout", "1", cwd=tmp_path)
    assert proc.returncode == 2
    (entry,) = bulk_entries(proc, ws).values()
    assert entry["errors"] == ["git clone did not finish in 1 seconds"]


# -- 9: the per-file time budget ---------------------------------------------------------------------


def test_a_file_over_budget_is_one_failed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sound_repo(tmp_path / "app")
    (target,) = discover([app])

    def stubborn(*args: object) -> FileResult:
        while True:  # what a runaway codemod looks like: it even swallows exceptions
            try:
                time.sleep(10)
            except Exception:
                continue

    monkeypatch.setattr(bulk, "migrate_target", stubborn)
    handler = bulk.signal.getsignal(bulk.signal.SIGALRM)
    started = time.monotonic()
    result = bulk._within_budget(target, MigrateOptions(Settings(Config())), 0.3)
    assert time.monotonic() - started < 5
    assert result.status == "error"
    assert result.error is not None
    assert result.error.endswith(
        "not migrated in 0.3 seconds (--file-timeout, the per-file budget)"
    )
    assert bulk.signal.getsignal(bulk.signal.SIGALRM) is handler
    assert bulk.signal.getitimer(bulk.signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_file_within_budget_is_migrated(tmp_path: Path) -> None:
    app = sound_repo(tmp_path / "app")
    (target,) = discover([app])
    result = bulk._within_budget(target, MigrateOptions(Settings(Config())), 60)
    assert result.status == "changed"
    assert bulk.signal.getitimer(bulk.signal.ITIMER_REAL) == (0.0, 0.0)


def test_stat_mode_world_writable_is_untrusted(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    assert shared.stat().st_mode & stat.S_IWOTH
    assert list(search_path(shared)) == []
