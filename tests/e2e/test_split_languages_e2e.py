"""End to end: split-build-runtime alone on the shapes whose full pipeline keeps root, so that
tests/e2e/apps (which also asserts a non-root user) cannot hold them: php:8.2-apache serves on
port 80 as root (no CMD: the image's apache2-foreground), and the split must keep its
extension (``docker-php-ext-install``), its Apache configuration and the Composer autoloader
while Composer stays in the builder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_harness import check_app, register_report, stage_count

from refactor.app.docker import DockerEngine
from refactor.engine.runner import migrate, select_codemods

pytestmark = pytest.mark.e2e

SPLIT_APPS = Path(__file__).resolve().parent / "split_apps"
APPS = sorted(p for p in SPLIT_APPS.iterdir() if (p / "smoke.json").is_file())


@pytest.mark.parametrize("app_dir", APPS, ids=[p.name for p in APPS])
def test_split_alone_answers_and_is_smaller(
    app_dir: Path, docker_engine: DockerEngine, e2e_tag, require_base_images
) -> None:
    original = (app_dir / "Dockerfile").read_text()
    report = migrate(
        original,
        path=str(app_dir / "Dockerfile"),
        context_dir=app_dir,
        codemods=select_codemods(only=["split-build-runtime"]),
    )
    assert report.error is None, report.error
    skips = "\n".join(str(s) for s in report.skips)
    assert "split-build-runtime" in report.applied, f"the split was skipped:\n{skips}"
    migrated = report.output
    assert stage_count(migrated) == 2
    require_base_images(original)
    require_base_images(migrated)

    before = check_app(docker_engine, app_dir, original, e2e_tag(app_dir.name, "original"))
    register_report(before, "before")
    assert before.ok, before.describe()
    after = check_app(docker_engine, app_dir, migrated, e2e_tag(app_dir.name, "split"))
    register_report(after, "after")
    context = f"migrated Dockerfile:\n{migrated}\n{after.describe()}"
    assert after.build_ok, context
    assert after.smoke_passed, context  # the same answer: extension, config and autoloader kept
    assert before.size is not None and after.size is not None
    assert after.size < before.size, f"{after.size} >= {before.size} bytes\n{context}"
