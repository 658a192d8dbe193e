"""Shared test helpers: where the shared data lives, and the markers our tests use.

The shared data (BuildKit's conformance files, the real-world corpus) is checked out beside the
repository, as ``<repo>/../shared``. Tests that need it skip cleanly when it is absent.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from refactor.docker import DockerEngine

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parent.parent / "shared"

# ``import oracle`` (tests/oracle.py) and ``import refactor`` also in importlib mode.
for _path in (str(TESTS), str(TESTS.parent)):
    if _path not in sys.path:
        sys.path.insert(0, _path)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared: needs the shared data beside the repository")
    config.addinivalue_line("markers", "oracle: compares with the official BuildKit parser")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``<repo>/../shared``; skips the test when it is not there."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


def docker_engine_with(images: Sequence[str]) -> DockerEngine:
    """The local Docker engine with ``images`` present, else skip the test.

    ``.ci/run`` sets MSB_E2E_REQUIRED=1 once the engine is up: then a missing engine or image
    fails the test instead of skipping it.
    """
    from refactor.docker import DockerEngine

    engine = DockerEngine()
    reason = None
    if not engine.available():
        reason = f"Docker engine unavailable: {engine.unavailable_reason()}"
    elif missing := [image for image in images if not engine.exists(image)]:
        reason = f"base images missing locally: {', '.join(missing)}"
    if reason is not None:
        if os.environ.get("MSB_E2E_REQUIRED") == "1":
            pytest.fail(f"{reason} although MSB_E2E_REQUIRED=1", pytrace=False)
        pytest.skip(reason)
    return engine
