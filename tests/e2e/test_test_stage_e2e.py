"""End to end: the test stage runs the app's real tests, and only when asked for.

The go-tested app (a Go stdlib server with ``main_test.go``) is migrated with the default
pipeline plus ``test-stage``. Then, with the local engine:

* ``docker build --target test`` of the app passes (the Go tests run and pass);
* the same build of a copy whose test asserts something false fails;
* a plain build of that broken copy still succeeds (the default target, the runtime, does not
  depend on the test stage, so the failing tests never run) and the image answers its smoke test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from e2e_harness import APPS_DIR, BUILD_TIMEOUT, check_app

from refactor.analysis.model import build_model
from refactor.engine.runner import migrate, select_codemods
from refactor.syntax.parser import parse

pytestmark = pytest.mark.e2e

APP = APPS_DIR / "go-tested"


def _migrate(app_dir: Path) -> str:
    report = migrate(
        (app_dir / "Dockerfile").read_text(),
        path=str(app_dir / "Dockerfile"),
        context_dir=app_dir,
        codemods=select_codemods(enable=["test-stage"]),
    )
    assert report.error is None, report.error
    skips = "\n".join(str(s) for s in report.skips)
    assert "test-stage" in report.applied, f"the test stage was not added:\n{skips}"
    return report.output


def _break_a_test(tmp_path: Path) -> Path:
    broken = tmp_path / "go-tested"
    shutil.copytree(APP, broken)
    test_file = broken / "main_test.go"
    text = test_file.read_text()
    wrong = text.replace('!= "hello from go-tested"', '!= "hello from somebody else"')
    assert wrong != text
    test_file.write_text(wrong)
    return broken


def test_test_target_runs_the_tests_and_the_default_target_does_not(
    docker_engine, e2e_tag, require_base_images, tmp_path: Path
) -> None:
    migrated = _migrate(APP)
    require_base_images(migrated)
    model = build_model(parse(migrated))
    test, final = model.stage("test"), model.final
    assert test is not None and final is not None and final.name == "runtime", migrated
    assert test.index not in model.needed(), f"the runtime must not need the tests:\n{migrated}"

    passing = docker_engine.build(
        migrated,
        APP,
        e2e_tag("go-tested", "test"),
        target="test",
        no_cache=True,
        timeout=BUILD_TIMEOUT,
    )
    assert passing.ok, f"{migrated}\n{passing.log_tail}"
    assert "ok  \texample.com/go-tested" in passing.log_tail, passing.log_tail

    broken = _break_a_test(tmp_path)
    broken_migrated = _migrate(broken)
    assert broken_migrated == migrated
    failing = docker_engine.build(
        broken_migrated,
        broken,
        e2e_tag("go-tested", "broken-test"),
        target="test",
        timeout=BUILD_TIMEOUT,
    )
    assert not failing.ok, f"the broken test passed:\n{failing.log_tail}"
    assert "--- FAIL: TestGreetingDefault" in failing.log_tail, failing.log_tail

    runtime = check_app(docker_engine, broken, broken_migrated, e2e_tag("go-tested", "runtime"))
    assert runtime.ok, runtime.describe()
    assert "go test" not in runtime.build_log_tail, runtime.build_log_tail
