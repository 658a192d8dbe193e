"""Fixtures for the end-to-end tests: a Docker engine (skip cleanly when there is none), image
tags that are removed after the session, and a summary table of registered AppReports.

Prepare the machine with ``.ci/docker-up.sh``; see docs/e2e.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import e2e_harness
import pytest

from refactor.app.docker import DockerEngine

#: Set by .ci/run once the engine is up: then a missing engine or image is a failure, not a skip.
REQUIRED = os.environ.get("MSB_E2E_REQUIRED") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} although MSB_E2E_REQUIRED=1", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_engine() -> DockerEngine:
    """The local engine (MSB_DOCKER or /usr/bin/docker); skips when it cannot build."""
    engine = DockerEngine()
    reason = engine.unavailable_reason()
    if reason is not None:
        _unavailable(f"Docker engine unavailable: {reason} (run .ci/docker-up.sh)")
    return engine


@pytest.fixture(scope="session")
def e2e_tag(docker_engine: DockerEngine) -> Iterator[Callable[[str, str], str]]:
    """``e2e_tag(app, variant)`` -> ``msb-e2e/<app>:<variant>``; those images are removed at the
    end of the session unless MSB_E2E_KEEP_IMAGES=1."""
    made: list[str] = []

    def make(app: str, variant: str) -> str:
        tag = f"msb-e2e/{app}:{variant}".lower()
        made.append(tag)
        return tag

    yield make
    if os.environ.get("MSB_E2E_KEEP_IMAGES") != "1":
        for tag in made:
            docker_engine.remove(tag)


@pytest.fixture
def require_base_images(docker_engine: DockerEngine) -> Callable[[str], None]:
    """Skip when a FROM image of the given Dockerfile text is not present locally (no registry is
    reachable, so the build would only fail trying to pull it)."""

    def check(dockerfile_text: str) -> None:
        missing = [
            img for img in e2e_harness.base_images(dockerfile_text) if not docker_engine.exists(img)
        ]
        if missing:
            _unavailable(
                f"base images missing locally: {', '.join(missing)} (run .ci/docker-up.sh, or "
                "add them to tests/e2e/images.txt)"
            )

    return check


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    if not e2e_harness.REPORTS:
        return
    terminalreporter.write_sep("=", "msb-migrate e2e image sizes")
    terminalreporter.write_line(e2e_harness.size_table())
    out = os.environ.get("MSB_E2E_REPORT")
    if out:
        Path(out).write_text(e2e_harness.reports_json())
        terminalreporter.write_line(f"reports written to {out}")
