"""End to end: the `development` target of migrated apps builds, starts the project's dev server
and answers, while a plain build of the same Dockerfile still produces the production stage.

python-flask gets `python -m flask --app app:app run --debug` (Flask in its requirements),
vite-static gets the Vite dev server of its `dev` script on port 5173 (its dev dependencies are
installed in the builder); both are migrated with the default pipeline + dev-target.
"""

from __future__ import annotations

import pytest
from e2e_harness import APPS_DIR, check_app

from refactor.analysis.model import build_model
from refactor.app.docker import DockerEngine
from refactor.engine.runner import migrate, select_codemods
from refactor.syntax.parser import parse

pytestmark = pytest.mark.e2e

#: app → (dev command word that must appear, port the dev server answers on)
CASES = {
    "python-flask": ('"--debug"', 8000),
    "vite-static": ('"dev"', 5173),
}


@pytest.mark.parametrize("app", sorted(CASES))
def test_development_target_builds_and_answers(
    app: str, docker_engine: DockerEngine, e2e_tag, require_base_images
) -> None:
    app_dir = APPS_DIR / app
    report = migrate(
        (app_dir / "Dockerfile").read_text(),
        path=str(app_dir / "Dockerfile"),
        context_dir=app_dir,
        codemods=select_codemods(enable=["dev-target"]),
    )
    assert report.error is None, report.error
    skips = "\n".join(str(s) for s in report.skips)
    assert "dev-target" in report.applied, f"dev-target was skipped:\n{skips}"
    migrated = report.output
    word, port = CASES[app]
    stages = build_model(parse(migrated)).stages
    development = next(s for s in stages if s.name == "development")
    assert word in development.last("CMD").value
    assert stages[-1].name != "development"  # the production stage stays last
    require_base_images(migrated)

    dev = check_app(
        docker_engine,
        app_dir,
        migrated,
        e2e_tag(app, "development"),
        target="development",
        port=port,
    )
    assert dev.build_ok, f"migrated Dockerfile:\n{migrated}\n{dev.describe()}"
    assert dev.smoke_passed, f"migrated Dockerfile:\n{migrated}\n{dev.describe()}"

    # a plain build of the same file is still the production image
    plain = e2e_tag(app, "plain")
    assert docker_engine.build(migrated, app_dir, plain).ok
    plain_cmd = docker_engine.image_info(plain).cmd
    assert plain_cmd != docker_engine.image_info(e2e_tag(app, "development")).cmd
    own = stages[-1].last("CMD")
    if own is not None:
        assert plain_cmd == list(own.values.items)
