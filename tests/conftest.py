"""Plugins for every test.

The helper modules of the tests (``shared_data``, ``oracle``, ``docker_env``, ``gitcli``,
``fakeforge``; ``e2e_harness`` under ``tests/e2e``) are importable by name because
``[tool.pytest.ini_options] pythonpath`` in pyproject.toml puts their folders on ``sys.path``;
no test edits ``sys.path`` itself.

``shared_data`` is loaded as a plugin: the ``shared`` markers, the ``shared_dir`` fixture, and
missing shared data (``<repo>/../shared``) as a skip, or a failure under
``MSB_SHARED_REQUIRED=1``. ``pytester`` is loaded for the tests of that switch.
``skip_summary`` ends the run with the skips grouped by reason, with counts.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["shared_data", "pytester", "skip_summary"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "oracle: compares with the official BuildKit parser")
