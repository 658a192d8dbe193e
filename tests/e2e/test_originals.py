"""Build every app's ORIGINAL single-stage Dockerfile and check its smoke answer.

These are the baselines ('before') that migrated Dockerfiles are compared with.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_harness import check_app, list_apps, register_report, stage_count

pytestmark = pytest.mark.e2e

APPS = list_apps()


def test_the_apps_are_there() -> None:
    names = {p.name for p in APPS}
    expected = {
        "go-http",
        "python-flask",
        "node-express",
        "vite-static",
        "java-javac",
        "rust-nocrates",
        "c-make",
    }
    assert expected <= names


@pytest.mark.parametrize("app_dir", APPS, ids=[p.name for p in APPS])
def test_original_builds_and_answers(
    app_dir: Path, docker_engine, e2e_tag, require_base_images
) -> None:
    text = (app_dir / "Dockerfile").read_text()
    assert stage_count(text) == 1, "originals must be single-stage"
    require_base_images(text)

    report = check_app(docker_engine, app_dir, text, e2e_tag(app_dir.name, "original"))
    register_report(report, "before")

    assert report.build_ok, report.describe()
    assert report.smoke_passed, report.describe()
    assert report.size and report.size > 0
    assert report.layers and report.layers >= 1
    assert report.uid is not None, report.describe()
