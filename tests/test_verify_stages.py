"""``msb-migrate verify --stages``: each stage of the migrated file built with ``--target`` and
its size reported (text and JSON). The e2e tests use the local engine (skipped cleanly without
one, failed when MSB_E2E_REQUIRED=1); the rendering is checked without Docker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docker_env import PYTHON_APP_IMAGES, docker_engine_with, write_python_app

from refactor.app.cli import main
from refactor.app.docker import DockerEngine
from refactor.app.verify import Build, StageBuild, Verification, render

#: Three stages; the test stage is not needed by the final one and fails when built.
FAILING_TEST_STAGE = (
    "FROM python:3.11-slim AS base\n"
    "WORKDIR /app\n"
    "COPY app.py .\n"
    "FROM base AS test\n"
    "RUN python -c 'raise SystemExit(3)'\n"
    "FROM base AS runtime\n"
    'CMD ["python", "app.py"]\n'
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_python_app(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def engine() -> DockerEngine:
    return docker_engine_with(PYTHON_APP_IMAGES)


# -- with a Docker engine -----------------------------------------------------------------------


@pytest.mark.e2e
def test_stage_sizes_in_text(app: Path, engine: DockerEngine) -> None:
    result = invoke("verify", ".", "--stages")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Dockerfile: verified"
    start = lines.index("  stages of the migrated file (docker build --target STAGE):")
    builder, runtime = (line.split() for line in lines[start + 1 : start + 3])
    assert builder[:2] == ["builder", "python:3.11"] and builder[3] == "MB"
    assert runtime[:2] == ["runtime", "python:3.11-slim"] and runtime[-1] == "(final)"
    assert float(builder[2]) > float(runtime[2]) > 0
    # the final stage is the migrated image: same size as in the comparison table
    size_row = next(line for line in lines if line.startswith("  size"))
    assert f"{runtime[2]} MB" in size_row.split("MB", 1)[1]


@pytest.mark.e2e
def test_stage_sizes_in_json(app: Path, engine: DockerEngine) -> None:
    result = invoke("verify", ".", "--stages", "--format", "json")
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)["files"]
    assert entry["status"] == "verified" and entry["ok"] is True
    stages = {s["stage"]: s for s in entry["stages"]}
    assert list(stages) == ["builder", "runtime"]
    assert stages["runtime"]["final"] and not stages["builder"]["final"]
    assert stages["builder"]["size"] > stages["runtime"]["size"] > 0
    assert stages["runtime"]["size"] == entry["migrated"]["size"]
    assert all(s["layers"] > 0 and s["ok"] for s in stages.values())


@pytest.mark.e2e
def test_a_failing_stage_fails_the_verification(app: Path, engine: DockerEngine) -> None:
    (app / "Dockerfile").write_text(FAILING_TEST_STAGE)
    plain = invoke("verify", ".", "-c", "document-stages")
    assert plain.exit_code == 0, plain.output  # the default build never builds `test`
    result = invoke("verify", ".", "-c", "document-stages", "--stages")
    assert result.exit_code == 1, result.output
    assert "Dockerfile: verification failed" in result.stdout
    assert "test     base" in result.stdout and "FAILED (exit 1)" in result.stdout
    assert "stage test log (tail):" in result.stdout
    doc = json.loads(
        invoke("verify", ".", "-c", "document-stages", "--stages", "--format", "json").stdout
    )
    assert doc["files"][0]["problems"] == ["stage test failed to build: exit 1"]


@pytest.mark.e2e
def test_unchanged_file_in_json(app: Path, engine: DockerEngine) -> None:
    result = invoke("verify", ".", "-c", "narrow-copies", "--stages", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"files": [{"path": "Dockerfile", "status": "unchanged"}]}


# -- without Docker -----------------------------------------------------------------------------


def test_render_stages() -> None:
    v = Verification(
        "Dockerfile",
        Build(True, 1.0, size=900_000_000, layers=9, user="", uid=0),
        Build(True, 1.0, size=9_000_000, layers=3, user="nonroot", uid=65532),
        stages=(
            StageBuild(0, "builder", "golang:1.22", False, True, 2.0, 812_300_000, 9),
            StageBuild(1, None, "alpine:3.20", False, problem="unnamed: --target needs a name"),
            StageBuild(2, "runtime", "gcr.io/distroless/static", True, True, 1.0, 9_000_000, 3),
        ),
    )
    assert v.ok  # an unnamed stage that cannot be targeted is not a failure
    lines = render(v).splitlines()
    start = lines.index("  stages of the migrated file (docker build --target STAGE):")
    assert lines[start + 1 :] == [
        "    builder  golang:1.22               812.3 MB  9 layers",
        "    stage 1  alpine:3.20               - (unnamed: --target needs a name)",
        "    runtime  gcr.io/distroless/static  9.0 MB  3 layers  (final)",
    ]
    data = v.as_json()
    assert [s["stage"] for s in data["stages"]] == ["builder", "stage 1", "runtime"]
    assert data["stages"][1]["target"] is None and data["stages"][2]["final"] is True


def test_failed_stage_is_a_problem() -> None:
    ok = Build(True, 1.0, size=1, layers=1)
    failed = StageBuild(1, "test", "base", False, False, 1.0, problem="exit 1", log_tail="boom")
    v = Verification("Dockerfile", ok, ok, stages=(failed,))
    assert v.problems == ["stage test failed to build: exit 1"]
    assert "  stage test log (tail):\n    boom" in render(v)
