"""A fixed subset of ``../shared/realapps`` built as their authors wrote them and as migrated
(default codemods), each answering its own smoke check (``smoke.json``): a migration that
changes the file must build and answer as the original does.

The subset covers the failure classes measured on the whole set (shell-form start commands on
a shell-less runtime, dependencies installed outside the app folder, run-time writes under a
non-root user, Go, Node, Python, C, C++ with CMake, Rust on alpine, Java with javac, a
Debian-packaged shell app) and keeps CI within a few minutes; ``python3 benchmarks/realapps.py``
runs every app and prints the table.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from shared_data import require

pytestmark = pytest.mark.e2e

SUBSET = (
    "servantes-snack",
    "okteto-go",
    "albumapi-js",
    "cloudrun-node",
    "gitops-hello",
    "microblog",
    "wisecow",
    "memory-burner",
    "c-static-server",
    "java-hello",
    "cmake-hello",
    "servantes-sidecar",
)


def _benchmark() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "realapps.py"
    spec = importlib.util.spec_from_file_location("realapps_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def realapps(docker_engine: object) -> ModuleType:
    require("realapps", "manifest.tsv")
    return _benchmark()


@pytest.mark.parametrize("name", SUBSET)
def test_migration_keeps_the_app_working(realapps: ModuleType, name: str) -> None:
    apps = {app["name"]: app for app in realapps._apps()}
    result = realapps.measure(apps[name], [], keep=False)
    assert result.original.built and result.original.answers, (
        f"{name}: the original no longer builds or answers here: {result.original.problem}"
    )
    assert result.verdict in ("working", "unchanged"), (
        f"{name}: {result.verdict}: {result.error or result.migrated.problem}"
    )
