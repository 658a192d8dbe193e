"""``msb-migrate verify`` and ``--verify``: the e2e tests build real images with the local
engine (skipped cleanly without one); the rest checks the reporting without Docker."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docker_env import PYTHON_APP, PYTHON_APP_IMAGES, docker_engine_with, write_python_app

from refactor.app.cli import main
from refactor.app.docker import DockerEngine, RunResult
from refactor.app.verify import Build, Verification, render

#: Migrated like PYTHON_APP, but no build of it succeeds.
BROKEN = PYTHON_APP.replace("requirements.txt\n", "requirements.txt && test -f /nonexistent\n")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Python app that builds offline (no dependencies to download)."""
    write_python_app(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def engine() -> DockerEngine:
    return docker_engine_with(PYTHON_APP_IMAGES)


# -- with a Docker engine -----------------------------------------------------------------------


@pytest.mark.e2e
def test_verify_builds_both_and_compares(app: Path, engine: DockerEngine) -> None:
    result = invoke("verify", ".", "--smoke", "python app.py")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Dockerfile: verified"
    rows = {line.split()[0]: line for line in lines[2:] if line.strip()}
    assert rows["build"].count("ok (") == 2
    assert rows["size"].count(" MB") == 2
    assert rows["user"].split()[1:4] == ["root", "(uid", "0)"]
    assert "(uid 0)" not in rows["user"].split("0)", 1)[1]  # the migrated image is not root
    assert "outputs identical" in result.stdout


@pytest.mark.e2e
def test_verify_fails_when_smoke_outputs_differ(app: Path, engine: DockerEngine) -> None:
    result = invoke("verify", "Dockerfile", "--smoke", 'python -c "import sys; print(sys.prefix)"')
    assert result.exit_code == 1, result.output
    assert "Dockerfile: verification failed" in result.stdout
    assert "outputs DIFFERENT" in result.stdout
    assert "original smoke output:" in result.stdout


@pytest.mark.e2e
def test_verify_fails_when_a_build_fails(app: Path, engine: DockerEngine) -> None:
    (app / "Dockerfile").write_text(BROKEN)
    result = invoke("verify", ".")
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.stdout and "build log (tail)" in result.stdout


@pytest.mark.e2e
def test_verify_option_refuses_to_publish_a_failing_build(
    app: Path, engine: DockerEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Tester\n\temail = tester@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    (app / "Dockerfile").write_text(BROKEN)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=app, check=True)
    subprocess.run(["git", "add", "-A"], cwd=app, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "init"], cwd=app, check=True)
    result = invoke("--branch", "--verify")
    assert result.exit_code == 0, result.output  # the original does not build: unverifiable
    assert "Dockerfile: unverifiable, not written or published" in result.stderr
    branches = subprocess.run(
        ["git", "branch", "--list", "msb-migrate/*"],
        cwd=app,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert branches == ""
    written = invoke("--write", "--verify")
    assert written.exit_code == 0
    assert "Dockerfile: unverifiable, not written or published" in written.stderr
    assert (app / "Dockerfile").read_text() == BROKEN


@pytest.mark.e2e
def test_verify_option_puts_sizes_in_the_json_report(app: Path, engine: DockerEngine) -> None:
    import json

    result = invoke("--verify", "--format", "json")
    assert result.exit_code == 0, result.output
    verification = json.loads(result.stdout)["files"][0]["verification"]
    assert verification["ok"] is True
    assert verification["original"]["size"] > 0 and verification["migrated"]["size"] > 0
    assert verification["original"]["uid"] == 0


# -- without Docker -----------------------------------------------------------------------------


def test_verify_without_an_engine_is_an_error(app: Path) -> None:
    result = invoke("verify", ".", "--docker", str(app / "no-such-docker"))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("msb-migrate: error: cannot verify: ")


def test_verify_rejects_bad_input(app: Path) -> None:
    (app / "Dockerfile").write_bytes(b"\x00")
    result = invoke("verify", "Dockerfile", "--docker", "/bin/false")
    assert result.exit_code == 2


def test_render_and_problems() -> None:
    same = RunResult("42\n", "", 0, 0.1)
    other = RunResult("43\n", "", 0, 0.1)
    ok = Verification(
        "Dockerfile",
        Build(True, 1.0, size=300_000_000, layers=9, user="", uid=0, smoke=same),
        Build(True, 2.0, size=100_000_000, layers=5, user="app", uid=10001, smoke=same),
        ("run",),
    )
    assert ok.ok and ok.smoke_matches is True
    text = render(ok)
    assert text.splitlines()[0] == "Dockerfile: verified"
    assert "100.0 MB (-66.7%)" in text
    assert "root (uid 0)" in text and "app (uid 10001)" in text
    differs = Verification("Dockerfile", ok.original, Build(True, 2.0, smoke=other), ("run",))
    assert differs.problems == ["the smoke command's output differs"]
    broken = Verification("Dockerfile", ok.original, Build(False, 1.0, "boom", problem="exit 1"))
    assert broken.problems == ["the migrated build failed: exit 1"]
    assert "migrated build log (tail):\n    boom" in render(broken)


# -- building both images at once -----------------------------------------------------------------


class _ConcurrencyEngine:
    """Answers what verify() asks of an engine without Docker, and records how many builds ran
    at the same time: each build waits (up to a few seconds) for a second one to start, so two
    builds started together always overlap, however loaded the machine is."""

    def __init__(self, cpus: int) -> None:
        import threading

        self._cpus = cpus
        self._lock = threading.Lock()
        self._second = threading.Event()
        self.running = 0
        self.most = 0
        self.built: list[str] = []

    def cpus(self) -> int:
        return self._cpus

    def build(self, text: str, context: Path, tag: str, **_: object) -> object:
        from refactor.app.docker import BuildResult

        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            if self.running == 2:
                self._second.set()
        self._second.wait(timeout=1.0)
        with self._lock:
            self.running -= 1
            self.built.append(tag)
        return BuildResult(True, tag, "", 0.2, 0)

    def image_info(self, tag: str) -> object:
        from refactor.app.docker import ImageInfo

        size = 100 if tag.endswith("original") else 40
        return ImageInfo(tag, "sha256:x", size, 3, "", None, ["app"], "amd64", "linux")

    def whoami(self, tag: str) -> int:
        return 0

    def remove(self, tag: str) -> None:
        pass


@pytest.mark.parametrize(("cpus", "together"), [(2, 1), (4, 2), (16, 2)])
def test_verify_builds_both_images_at_once_only_when_the_engine_has_room(
    tmp_path: Path, cpus: int, together: int
) -> None:
    from refactor.app.verify import PARALLEL_MIN_CPUS, verify

    fake = _ConcurrencyEngine(cpus)
    original, migrated = "FROM python:3.11\n", "FROM python:3.11 AS b\nFROM python:3.11-slim\n"
    v = verify(fake, "Dockerfile", original, migrated, tmp_path, probe=False)  # type: ignore[arg-type]
    assert fake.most == together == (2 if cpus >= PARALLEL_MIN_CPUS else 1)
    assert sorted(t.rsplit("-", 1)[1] for t in fake.built) == ["migrated", "original"]
    assert (v.original.size, v.migrated.size) == (100, 40)  # each side kept its own image
