""".pre-commit-hooks.yaml: the hooks' file patterns agree with is_dockerfile_name, and the real
``pre-commit`` (PyPI) runs both hooks from this checkout in a temporary repository.

The hook repository is a snapshot of this checkout's package files committed in a temporary git
repository (pre-commit clones a ``repo:`` at a commit; the checkout's own uncommitted files are
what is tested, and it is never built in). pre-commit clones it over the file system and
installs it with pip into a virtual environment under a temporary ``PRE_COMMIT_HOME``: no forge
is involved, only PyPI for msb-migrate's dependencies.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_runner import ROOT, project_snapshot
from gitcli import git, isolate_git

from refactor.analysis import context
from refactor.analysis.context import is_dockerfile_name

HOOKS = ROOT / ".pre-commit-hooks.yaml"
SINGLE_STAGE = (
    "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\n"
    'RUN go build -o /app/server .\nCMD ["/app/server"]\n'
)
GO_FILES = {
    "go.mod": "module example.com/app\n\ngo 1.22\n",
    "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n',
    # Not a Dockerfile by its name: if a hook passed it, msb-migrate would fail to read it.
    "notes/Dockerfile.md": "# How we build\n\nRun `docker build .`\n",
}


def hooks() -> dict[str, dict[str, Any]]:
    return {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}


def test_the_hooks_are_a_check_and_a_fix() -> None:
    found = hooks()
    assert set(found) == {"msb-migrate", "msb-migrate-fix"}
    for hook in found.values():
        assert {"id", "name", "entry", "language", "files"} <= set(hook)
        assert hook["language"] == "python"
        assert hook["entry"].split()[0] == "msb-migrate"
    assert found["msb-migrate"]["entry"].split()[1:] == ["--check"]
    assert found["msb-migrate-fix"]["entry"].split()[1:] == ["--write"]


def _names() -> list[str]:
    """Names around every rule of is_dockerfile_name: the exact names in both cases, the
    prefix and suffix forms, each leftover and document suffix in both cases."""
    stems = ["Dockerfile", "dockerfile", "DOCKERFILE", "Containerfile", "containerfile"]
    suffixes = [
        "",
        ".prod",
        ".dev.arm64",
        ".",
        *context._LEFTOVER_SUFFIXES,
        *context._NOT_DOCKERFILE_SUFFIXES,
        *(s.upper() for s in (*context._LEFTOVER_SUFFIXES, *context._NOT_DOCKERFILE_SUFFIXES)),
    ]
    names = {f"{stem}{suffix}" for stem, suffix in itertools.product(stems, suffixes)}
    names |= {f"api{sep}{stem}{suffix}" for stem in stems for sep in (".", "-", "")
              for suffix in ("", ".orig", ".md", ".j2", "x")}  # fmt: skip
    names |= {".Dockerfile", ".dockerfile", "Dockerfiles", "MyDockerfile", "docker-compose.yml"}
    return sorted(names)


@pytest.mark.parametrize("folder", ["", "services/api/", "Dockerfile.d/", "x.Dockerfile/"])
def test_the_file_patterns_select_what_is_dockerfile_name_selects(folder: str) -> None:
    for hook in hooks().values():
        files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
        wrong = [
            name
            for name in _names()
            if bool(files.search(folder + name) and not exclude.search(folder + name))
            != is_dockerfile_name(name)
        ]
        assert wrong == [], f"{hook['id']}: patterns and is_dockerfile_name disagree on {wrong}"


# -- the real pre-commit ----------------------------------------------------------------------


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=600, env=os.environ.copy()
    )


@pytest.fixture
def hook_repo(tmp_path: Path) -> tuple[Path, str]:
    repo = project_snapshot(tmp_path / "hook-repo")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "msb-migrate snapshot")
    return repo, git(repo, "rev-parse", "HEAD").strip()


@pytest.mark.slow
def test_pre_commit_runs_both_hooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook_repo: tuple[Path, str]
) -> None:
    pre_commit = shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    isolate_git(monkeypatch, tmp_path)
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.delenv("PRE_COMMIT_COLOR", raising=False)
    repo, rev = hook_repo
    user = tmp_path / "service"
    for rel, text in {"Dockerfile": SINGLE_STAGE, **GO_FILES}.items():
        (user / rel).parent.mkdir(parents=True, exist_ok=True)
        (user / rel).write_text(text)
    config = {
        "repos": [
            {
                "repo": str(repo),
                "rev": rev,
                "hooks": [{"id": "msb-migrate"}, {"id": "msb-migrate-fix", "stages": ["manual"]}],
            }
        ]
    }
    (user / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(user, "init", "-q", "-b", "main")
    installed = _run(user, pre_commit, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git(user, "add", "-A")

    # The commit runs the check hook (pip installs the hook repository the first time): it
    # fails, the diff in its output, and the commit is not made.
    commit = _run(user, "git", "commit", "-m", "a service")
    output = commit.stdout + commit.stderr
    assert commit.returncode == 1, output
    assert re.search(r"msb-migrate \(multi-stage check\)\.+Failed", output), output
    assert "--- a/Dockerfile" in output and "+FROM golang:1.22 AS builder" in output
    assert "1 file would change" in output
    assert "Dockerfile.md" not in output  # the document was not handed to the hook
    assert _run(user, "git", "rev-parse", "--verify", "-q", "HEAD").returncode != 0
    assert (user / "Dockerfile").read_text() == SINGLE_STAGE

    # The fix hook rewrites the file as `msb-migrate --write` does (pre-commit fails the run
    # because a hook changed files).
    expected = tmp_path / "expected"
    shutil.copytree(user, expected, ignore=shutil.ignore_patterns(".git"))
    wrote = _run(expected, "msb-migrate", "--write", "Dockerfile")
    assert wrote.returncode == 0, wrote.stderr
    fixed = _run(
        user, pre_commit, "run", "--hook-stage", "manual", "msb-migrate-fix", "--all-files"
    )
    output = fixed.stdout + fixed.stderr
    assert fixed.returncode == 1, output
    assert re.search(r"msb-migrate \(rewrite into multi-stage\)\.+Failed", output), output
    assert "files were modified by this hook" in output
    assert "rewrote Dockerfile" in output
    assert (user / "Dockerfile").read_text() == (expected / "Dockerfile").read_text()
    assert (user / "Dockerfile").read_text() != SINGLE_STAGE

    # Migrated and staged, the commit passes the check; the fix hook has nothing left to do.
    git(user, "add", "-A")
    commit = _run(user, "git", "commit", "-m", "a service")
    output = commit.stdout + commit.stderr
    assert commit.returncode == 0, output
    assert re.search(r"msb-migrate \(multi-stage check\)\.+Passed", output), output
    again = _run(
        user, pre_commit, "run", "--hook-stage", "manual", "msb-migrate-fix", "--all-files"
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.search(r"msb-migrate \(rewrite into multi-stage\)\.+Passed", again.stdout)
