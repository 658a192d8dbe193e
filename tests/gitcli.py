"""The ``git`` command as the git, forge and bulk tests run it (imported by test modules)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


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
