"""The ``git`` command as the git, forge and bulk tests run it, and the git configuration they
run it under (imported by test modules)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git and return its output; GIT_OPTIONAL_LOCKS=0 so the test's own ``git status``
    never rewrites the index (tests compare the index file byte for byte)."""
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", **(env or {})},
    )
    return proc.stdout


def isolate_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """git configured by a file of the test's own (returned: a committer identity) and no
    system configuration, so the machine's settings never reach a test."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Tester\n\temail = tester@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return config
