"""The shared data beside the repository (``<repo>/../shared``): BuildKit's conformance files, the
real-world corpus, the real applications. Every test that reads it goes through this module.

Absent data is a clean skip on a developer's machine; with ``MSB_SHARED_REQUIRED=1`` (set by
``.ci/run``) it is a failure, as ``MSB_E2E_REQUIRED=1`` makes a missing Docker engine one, so CI
cannot pass by silently skipping the corpus sweeps. The switch is read when a test runs, never
at import, so collection is the same either way.

Three ways in, all ending in :func:`unavailable`:

* :func:`require` in a test or fixture: the path, or skip / fail;
* :func:`per_file` for a parametrization made at collection time: one parameter per file, or one
  ``missing`` parameter marked ``shared_missing`` that skips / fails when it runs;
* the ``shared_dir`` fixture: ``<repo>/../shared`` itself.

The ``shared`` marker only labels such tests (``-m "not shared"``); it checks nothing.

This module is also a pytest plugin (``pytest_plugins`` in ``tests/conftest.py``): it declares
the markers, makes ``shared_missing`` :func:`unavailable` at setup and gives the ``shared_dir``
fixture.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, NoReturn

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REALWORLD = SHARED / "corpus" / "realworld"
#: The environment variable that turns a missing piece of shared data into a failure.
SWITCH = "MSB_SHARED_REQUIRED"


def required() -> bool:
    """True when missing shared data must fail the test (``MSB_SHARED_REQUIRED=1``)."""
    return os.environ.get(SWITCH) == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip the running test for ``reason``, or fail it when :func:`required`."""
    if required():
        pytest.fail(f"{reason} although {SWITCH}=1", pytrace=False)
    pytest.skip(reason)


def require(*parts: str) -> Path:
    """``<repo>/../shared/<parts>`` when it exists, else :func:`unavailable`."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        unavailable(f"shared data not found at {path}")
    return path


def per_file(paths: list[Path], root: Path, what: str) -> list[Any]:
    """One parameter per file, its id the path under ``root``; when there are none, a single
    ``missing`` parameter that is :func:`unavailable` when it runs."""
    if not paths:
        reason = f"no {what} found under {root}"
        return [pytest.param(None, id="missing", marks=pytest.mark.shared_missing(reason))]
    return [pytest.param(p, id=p.relative_to(root).as_posix()) for p in paths]


def realworld_files() -> list[Path]:
    """Every Dockerfile of the real-world corpus, in manifest order ([] when it is absent; for
    collection, with :func:`per_file`)."""
    manifest = REALWORLD / "manifest.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        return [REALWORLD / row["file"] for row in csv.DictReader(fh, delimiter="\t")]


def realworld_corpus() -> list[Path]:
    """Every Dockerfile of the real-world corpus, else :func:`unavailable` (in a test)."""
    require("corpus", "realworld", "manifest.tsv")
    files = realworld_files()
    if not files:
        unavailable(f"the manifest of {REALWORLD} lists no file")
    return files


# -- the plugin ----------------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared: reads the shared data beside the repository")
    config.addinivalue_line(
        "markers", "shared_missing(reason): shared data a parametrization wanted is absent"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``shared_missing(reason)``: :func:`unavailable`."""
    for mark in item.iter_markers("shared_missing"):
        unavailable(mark.args[0])


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``<repo>/../shared``, else :func:`unavailable`."""
    return require()
