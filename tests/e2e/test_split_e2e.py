"""End to end: every e2e app migrated with the full default pipeline still answers its smoke test,
runs as a non-root user and is smaller than the original.

The original and the migrated Dockerfile are both built from the app's folder with the local
engine; the sizes are printed in the session's summary table (conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_harness import base_images, check_app, list_apps, register_report, stage_count

from refactor.engine.runner import migrate

pytestmark = pytest.mark.e2e

APPS = list_apps()


@pytest.mark.parametrize("app_dir", APPS, ids=[p.name for p in APPS])
def test_migrated_app_answers_smaller_and_non_root(
    app_dir: Path, docker_engine, e2e_tag, require_base_images
) -> None:
    original = (app_dir / "Dockerfile").read_text()
    report = migrate(original, path=str(app_dir / "Dockerfile"), context_dir=app_dir)
    assert report.error is None, report.error
    skips = "\n".join(str(s) for s in report.skips)
    assert "split-build-runtime" in report.applied, f"the split was skipped:\n{skips}"
    migrated = report.output
    assert stage_count(migrated) >= 2
    require_base_images(original)
    require_base_images(migrated)

    before = check_app(docker_engine, app_dir, original, e2e_tag(app_dir.name, "original"))
    register_report(before, "before")
    assert before.ok, before.describe()
    after = check_app(docker_engine, app_dir, migrated, e2e_tag(app_dir.name, "migrated"))
    register_report(after, "after")
    context = f"migrated Dockerfile:\n{migrated}\n{after.describe()}"

    assert after.build_ok, context
    assert after.smoke_passed, context  # the same expected answer as the original gave
    assert after.uid not in (None, 0), f"runs as uid {after.uid}\n{context}"
    assert before.size is not None and after.size is not None
    if after.size >= before.size and _same_base(docker_engine, original, migrated):
        pytest.xfail(
            "the local stand-in of the builder image is the very image of the runtime "
            "(e.g. python:3.11 == python:3.11-slim), so no size can be saved here"
        )
    assert after.size < before.size, f"{after.size} >= {before.size} bytes\n{context}"


def _same_base(engine, original: str, migrated: str) -> bool:
    """Whether the original's base image and the migrated runtime's base are one image."""
    first = base_images(original)[0]
    last = base_images(migrated)[-1]
    return engine.inspect(first).get("Id") == engine.inspect(last).get("Id")
