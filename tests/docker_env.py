"""The local Docker engine for tests that build images (imported by test modules).

Not in ``conftest.py``: ``tests/e2e/conftest.py`` is also importable as ``conftest``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest

from refactor.docker import DockerEngine


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
