"""The local Docker engine for tests that build images, and the small Python app that the
CLI, git, forge and ``verify`` tests migrate (imported by test modules).

Not in ``conftest.py``: ``tests/e2e/conftest.py`` is also importable as ``conftest``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from refactor.app.docker import DockerEngine


def docker_engine_with(images: Sequence[str]) -> DockerEngine:
    """The local Docker engine with ``images`` present, else skip the test.

    ``.ci/run`` sets MSB_E2E_REQUIRED=1 once the engine is up: then a missing engine or image
    fails the test instead of skipping it.
    """
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


#: A single-stage Python app the default codemods split (builder + slim runtime, non-root).
PYTHON_APP = (
    "FROM python:3.11\n"
    "WORKDIR /app\n"
    "COPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\n"
    "COPY . .\n"
    'CMD ["python", "app.py"]\n'
)
#: The images its original and migrated builds start from.
PYTHON_APP_IMAGES = ("python:3.11", "python:3.11-slim")


def write_python_app(root: Path) -> None:
    """PYTHON_APP in ``root`` with an app that builds offline (no dependencies to download)."""
    (root / "Dockerfile").write_text(PYTHON_APP)
    (root / "requirements.txt").write_text("# no dependencies\n")
    (root / "app.py").write_text('print("hello from the app")\n')
