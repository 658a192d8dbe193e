"""End to end: the generic probe of ``msb-migrate verify`` on a real engine.

The app (tests/e2e/apps/python-config) is a stdlib web server that reads
``./config/settings.json`` at start, as many real applications read their configuration. Its
migration by the default codemods passes the probe; a migration written by hand that copies
only ``server.py`` into the runtime (the config folder left behind, the failure class of issue
13) builds fine and is smaller, and only the probe catches it, naming the missing folder.
The app has no smoke.json, so the split sweep (test_split_e2e.py) leaves it out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from refactor.app.cli import main
from refactor.app.docker import DockerEngine
from refactor.app.verify import verify

pytestmark = pytest.mark.e2e

APP = Path(__file__).parent / "apps" / "python-config"

#: A migration that looks right and builds, but leaves ./config behind in the builder.
BROKEN = """\
FROM python:3.11 AS builder
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .

FROM python:3.11-slim AS runtime
WORKDIR /app
COPY --from=builder /app/server.py /app/server.py
EXPOSE 8080
USER 10001:10001
CMD ["python", "server.py"]
"""


@pytest.fixture
def original(require_base_images: Callable[[str], None]) -> str:
    text = (APP / "Dockerfile").read_text()
    require_base_images(text)
    require_base_images(BROKEN)
    return text


def test_the_default_migration_passes_the_probe(original: str) -> None:
    result = CliRunner().invoke(main, ["verify", str(APP), "--format", "json", "--no-progress"])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)["files"]
    probe = entry["probe"]
    assert entry["status"] == "verified" and probe["ok"] is True, probe
    assert probe["ports"] == [8080] and probe["unverifiable"] is None
    checks = {c["name"]: c for c in probe["checks"]}
    assert checks["runs"]["detail"] == "both still running after 5s"
    assert checks["port 8080"]["detail"] == "HTTP 200, same body"
    assert checks["paths"]["outcome"] == "passed"
    assert entry["migrated"]["uid"] == 10001  # the migration did change something real


def test_a_migration_without_the_config_folder_is_caught(
    original: str, docker_engine: DockerEngine
) -> None:
    v = verify(docker_engine, "Dockerfile", original, BROKEN, APP)
    assert v.original.ok and v.migrated.ok  # it builds: only running it shows the damage
    assert v.probe is not None and not v.probe.ok
    runs = v.probe.check("runs")
    assert runs is not None and runs.failed
    assert "exited with status 1" in runs.reason and "config/settings.json" in runs.reason
    assert v.probe.missing[0] == "/app/config/"
    assert v.probe.reason is not None
    assert "missing from the migrated image: /app/config/" in v.probe.reason
    assert not v.ok and v.problems[-1] == f"the probe failed: {v.probe.reason}"
    names = {c["name"]: c["outcome"] for c in v.as_json()["probe"]["checks"]}
    assert names == {"runs": "failed", "port 8080": "failed", "paths": "passed"}
