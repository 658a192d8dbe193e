"""Shared test helpers: where the shared data lives, and the markers our tests use.

The shared data (BuildKit's conformance files, the real-world corpus) is checked out beside the
repository, as ``<repo>/../shared``. Tests that need it skip cleanly when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# ``import oracle`` (tests/oracle.py) and ``import refactor`` also in importlib mode.
for _path in (str(TESTS), str(TESTS.parent)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from realworld import SHARED  # noqa: E402 - importable once tests/ is on the path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared: needs the shared data beside the repository")
    config.addinivalue_line("markers", "oracle: compares with the official BuildKit parser")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``<repo>/../shared``; skips the test when it is not there."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED
