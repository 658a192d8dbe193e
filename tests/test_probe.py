"""The generic probe's comparisons (refactor/app/probe.py) on fake observations: no Docker.

The Docker-driving part is exercised by tests/e2e/test_probe_e2e.py; here a fake engine checks
only that every container the probe starts is removed, whatever happens.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import replace

import pytest

from refactor.app import probe as probe_module
from refactor.app.docker import FileList, ImageInfo
from refactor.app.probe import (
    Answer,
    Check,
    Observation,
    ProbeResult,
    Progress,
    assess,
    compare_port,
    compare_runs,
    exists,
    missing_in_workdir,
    named_paths,
    observe,
    platform_env,
    ports_of,
)
from refactor.app.verify import Build, Verification, render


def info(
    *,
    cmd: Sequence[str] | None = None,
    entrypoint: Sequence[str] | None = None,
    env: Sequence[str] = (),
    exposed: Sequence[str] = (),
    workdir: str = "/app",
) -> ImageInfo:
    return ImageInfo(
        tag="t",
        id="sha256:0",
        size=1,
        layers=1,
        user="",
        entrypoint=list(entrypoint) if entrypoint is not None else None,
        cmd=list(cmd) if cmd is not None else None,
        architecture="amd64",
        os="linux",
        workdir=workdir,
        exposed_ports=list(exposed),
        env=list(env),
    )


def listing(*paths: str, links: Mapping[str, str] | None = None, complete: bool = True) -> FileList:
    """Paths ending in ``/`` are folders; every parent folder is added."""
    dirs = {"/"}
    files: set[str] = set()
    for path in paths:
        bare = path.rstrip("/")
        (dirs if path.endswith("/") else files).add(bare)
        parent = bare.rsplit("/", 1)[0]
        while parent:
            dirs.add(parent)
            parent = parent.rsplit("/", 1)[0]
    for link in links or {}:
        parent = link.rsplit("/", 1)[0]
        while parent:
            dirs.add(parent)
            parent = parent.rsplit("/", 1)[0]
    return FileList(frozenset(files), frozenset(dirs), dict(links or {}), complete)


SERVING = Observation(True, True, seconds=5.0)
HTML = "text/html; charset=utf-8"


def http(
    status: int = 200, body: bytes = b"hello", kind: str = HTML, varies: bool = False
) -> Answer:
    return Answer("http", status, kind, body, varies)


# -- ports ------------------------------------------------------------------------------------------


def test_ports_from_expose_flags_words_and_env() -> None:
    image = info(
        exposed=["8080/tcp", "53/udp"],
        cmd=["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "app:app"],
        env=["PORT=3000", "SERVER_PORT=3001", "LISTEN_ADDR=:9090", "DATABASE_PORT_X=5", "N=7"],
    )
    assert ports_of(image) == (3000, 3001, 8000, 8080, 9090)


@pytest.mark.parametrize(
    ("words", "port"),
    [
        (["server", "--port", "8081"], 8081),
        (["server", "--port=8082"], 8082),
        (["http-server", "-p", "8083"], 8083),
        (["app", "--bind", ":8084"], 8084),
        (["flask", "run", "0.0.0.0:5000"], 5000),
        (["app", "--listen", "tcp://0.0.0.0:9000"], 9000),
        (["/bin/sh", "-c", "exec ./server --port 4000"], 4000),
        (["uvicorn", "main:app", "--host", "[::]:8085"], 8085),
    ],
)
def test_ports_named_by_the_start_command(words: list[str], port: int) -> None:
    assert ports_of(info(cmd=words)) == (port,)


def test_no_port_from_numbers_that_are_not_ports() -> None:
    image = info(cmd=["gunicorn", "--workers", "2", "--timeout", "90000", "app:app"])
    assert ports_of(image) == ()
    assert ports_of(info(cmd=["server", "--port", "70000"])) == ()


def test_ports_of_both_images_are_merged() -> None:
    assert ports_of(info(exposed=["80/tcp"]), info(exposed=["8080/tcp"])) == (80, 8080)


@pytest.mark.parametrize(
    ("image", "env"),
    [
        # Cloud Run's shape: the start command reads $PORT, nothing sets it
        (info(cmd=["/bin/sh", "-c", "exec gunicorn --bind :$PORT app:app"]), {"PORT": "8080"}),
        (
            info(cmd=["/bin/sh", "-c", "serve --port ${PORT}"], exposed=["5000/tcp"]),
            {"PORT": "5000"},
        ),
        # the image sets PORT itself, or nothing reads it: the environment stays as it is
        (info(cmd=["/bin/sh", "-c", "serve --port $PORT"], env=["PORT=3000"]), {}),
        (info(cmd=["gunicorn", "--bind", ":8000", "app:app"]), {}),
        (info(cmd=["/bin/sh", "-c", "echo $PORTS"]), {}),
    ],
    ids=["reads-port", "exposed", "image-sets-it", "no-port", "another-name"],
)
def test_a_start_command_reading_port_gets_one_as_platforms_give_it(
    image: ImageInfo, env: dict[str, str]
) -> None:
    assert platform_env(image, image) == env


# -- port comparisons --------------------------------------------------------------------------


def test_same_status_and_body_passes() -> None:
    check = compare_port(8080, http(), http())
    assert check.outcome == "passed" and check.detail == "HTTP 200, same body"


def test_another_body_fails() -> None:
    check = compare_port(8080, http(body=b"hello"), http(body=b"Cannot GET /"))
    assert check.failed
    assert check.reason.startswith("port 8080: GET / answers HTTP 200 with another body")


def test_another_status_fails() -> None:
    check = compare_port(80, http(200), http(502, b"Bad Gateway"))
    assert (
        check.failed and check.reason == "port 80: GET / answers HTTP 502 (the original: HTTP 200)"
    )


def test_same_error_status_passes_whatever_the_body() -> None:
    assert compare_port(80, http(404, b"a"), http(404, b"b")).outcome == "passed"


def test_time_varying_body_compares_the_media_type_only() -> None:
    original = http(body=b'{"now": 1}', kind="application/json", varies=True)
    same_type = http(body=b'{"now": 2}', kind="application/json; charset=utf-8")
    assert compare_port(8080, original, same_type).outcome == "passed"
    assert "varies" in compare_port(8080, original, same_type).detail
    other_type = compare_port(8080, original, http(body=b"oops", kind="text/html"))
    assert other_type.failed
    assert (
        other_type.reason == "port 8080: GET / answers text/html (the original: application/json)"
    )


def test_a_port_neither_serves_is_not_applicable() -> None:
    check = compare_port(9090, Answer("none"), Answer("none"))
    assert check.outcome == "not-applicable" and check.reason == "not serving in either image"


def test_a_port_only_the_original_answers_fails() -> None:
    check = compare_port(8080, http(), Answer("none"))
    assert check.failed and check.reason == "port 8080: no answer (the original: HTTP 200)"
    tcp = compare_port(6379, Answer("tcp"), Answer("none"))
    assert tcp.failed and "the original: accepts a connection" in tcp.reason


def test_tcp_ports_compare_accepting_a_connection() -> None:
    assert compare_port(6379, Answer("tcp"), Answer("tcp")).outcome == "passed"
    lost_http = compare_port(8080, http(), Answer("tcp"))
    assert lost_http.failed and "does not answer HTTP" in lost_http.reason


def test_a_port_only_the_migrated_image_serves_passes() -> None:
    check = compare_port(8080, Answer("none"), http())
    assert check.outcome == "passed" and "only in the migrated image" in check.detail


# -- runs ------------------------------------------------------------------------------------------


def test_both_servers_running_pass() -> None:
    assert compare_runs(SERVING, SERVING).outcome == "passed"


def test_a_migrated_server_that_exits_fails_with_its_last_error_line() -> None:
    crashed = Observation(True, False, 1, "", "Traceback ...\nModuleNotFoundError: No module 'x'\n")
    check = compare_runs(SERVING, crashed)
    assert check.failed
    assert check.reason == (
        "the migrated container exited with status 1 within 5s while the original keeps "
        "running: ModuleNotFoundError: No module 'x'"
    )


def test_one_shot_programs_compare_status_and_stdout() -> None:
    done = Observation(True, False, 0, "hello\nworld\n")
    assert compare_runs(done, done).outcome == "passed"
    other = compare_runs(done, Observation(True, False, 0, "hello\nthere\n"))
    assert other.failed
    assert other.reason == "standard output differs from the original's at line 2 (got 'there')"
    shorter = compare_runs(done, Observation(True, False, 0, "hello\n"))
    assert shorter.reason.endswith("at line 2 (got nothing)")
    status = compare_runs(done, Observation(True, False, 127, "", "exec: python: not found"))
    assert status.failed
    assert status.reason == (
        "the migrated program exited with status 127 (the original: 0): exec: python: not found"
    )


def test_a_migrated_program_that_does_not_exit_fails() -> None:
    done = Observation(True, False, 0, "ok\n")
    check = compare_runs(done, Observation(True, True, seconds=65.0))
    assert check.failed and check.reason.startswith("the migrated container still runs after 65s")


def test_start_failures() -> None:
    refused = Observation(False, False, error='exec: "/bin/sh": stat /bin/sh: no such file')
    check = compare_runs(SERVING, refused)
    assert check.failed and check.reason.startswith("the migrated container did not start: exec")
    assert compare_runs(refused, SERVING).outcome == "not-applicable"


# -- files -----------------------------------------------------------------------------------------


def test_exists_follows_symbolic_links() -> None:
    files = listing("/usr/bin/dash", links={"/bin": "usr/bin", "/usr/bin/sh": "dash"})
    assert exists(files, "/bin/sh") and exists(files, "/usr/bin/sh") and exists(files, "/bin")
    assert not exists(files, "/bin/bash")
    loop = listing(links={"/a": "/b", "/b": "/a"})
    assert not exists(loop, "/a/x")


def test_missing_workdir_files_collapse_to_the_absent_folder() -> None:
    original = listing(
        "/app/server.py",
        "/app/config/settings.json",
        "/app/config/local/dev.json",
        "/app/config-notes.txt",
        "/app/static/",
    )
    migrated = listing("/app/server.py", "/app/static/")
    assert missing_in_workdir(original, migrated, "/app") == (
        "/app/config/",
        "/app/config-notes.txt",
    )
    assert missing_in_workdir(original, migrated, "/") == ()  # not the whole system
    assert missing_in_workdir(original, original, "/app") == ()


def test_named_paths_resolve_relative_words_against_workdir() -> None:
    image = info(
        entrypoint=["/usr/local/bin/docker-entrypoint.sh"],
        cmd=["python", "server.py", "--config=config/app.yaml", "--workers", "2"],
        env=["PATH=/usr/bin", "CONFIG_DIR=/etc/app", "LANG=C.UTF-8", "URL=http://x/y"],
    )
    paths = named_paths(image)
    assert paths[:4] == (
        "/usr/local/bin/docker-entrypoint.sh",
        "/app/server.py",
        "/app/config/app.yaml",
        "/etc/app",
    )
    assert "/usr/bin" not in paths and "/app/python" not in paths


def test_shell_form_start_on_a_runtime_without_shell_names_the_missing_paths() -> None:
    original_info = info(entrypoint=["/bin/sh", "-c", "/go/bin/snack"], workdir="/go/src/app")
    original = listing(
        "/usr/bin/dash", "/go/bin/snack", links={"/bin": "usr/bin", "/usr/bin/sh": "dash"}
    )
    migrated = listing("/usr/local/bin/snack")
    result = assess(original_info, original_info, SERVING, SERVING, original, migrated, ports=())
    paths = result.check("paths")
    assert paths is not None and paths.failed
    assert paths.reason == (
        "the start command or ENV names /bin/sh, /go/bin/snack, absent from the migrated image"
    )


def test_a_program_lost_from_path_is_named() -> None:
    image = info(cmd=["gunicorn", "app:app"], env=["PATH=/usr/local/bin:/usr/bin"])
    original = listing("/usr/local/bin/gunicorn", "/app/app.py")
    migrated = listing("/app/app.py", "/usr/bin/python3")
    result = assess(image, image, SERVING, SERVING, original, migrated)
    paths = result.check("paths")
    assert paths is not None and paths.failed
    assert "gunicorn (not on PATH /usr/local/bin:/usr/bin)" in paths.reason
    assert assess(image, image, SERVING, SERVING, original, original).ok


def test_incomplete_listings_prove_nothing() -> None:
    image = info(cmd=["/app/server"])
    result = assess(image, image, SERVING, SERVING, listing("/app/server"), listing(complete=False))
    assert result.ok and result.missing == ()
    paths = result.check("paths")
    assert paths is not None and paths.outcome == "not-applicable"


# -- the verdict -----------------------------------------------------------------------------------


def test_a_crash_is_explained_by_the_missing_folder_its_error_names() -> None:
    image = info(cmd=["python", "server.py"], exposed=["8080/tcp"])
    original_files = listing("/app/Dockerfile", "/app/server.py", "/app/config/settings.json")
    migrated_files = listing("/app/server.py")
    crashed = Observation(
        True, False, 1, "", "FileNotFoundError: [Errno 2] No such file: 'config/settings.json'"
    )
    original = replace(SERVING, answers={8080: http()})
    result = assess(image, image, original, crashed, original_files, migrated_files, ports=(8080,))
    assert not result.ok
    assert [c.name for c in result.failures] == ["runs", "port 8080"]
    assert result.missing == ("/app/config/", "/app/Dockerfile")  # the one the error names first
    assert result.reason is not None and "\n" not in result.reason
    assert result.reason.endswith(
        "; missing from the migrated image: /app/config/, /app/Dockerfile"
    )
    data = json.loads(json.dumps(result.as_json()))
    assert data["ok"] is False and data["ports"] == [8080]
    assert data["checks"][1] == {
        "name": "port 8080",
        "outcome": "failed",
        "reason": "port 8080: no answer (the original: HTTP 200)",
        "detail": "",
    }


def test_a_working_migration_passes_and_lists_dropped_build_inputs() -> None:
    image = info(cmd=["/app/server"], exposed=["8080/tcp"])
    original_files = listing("/app/server", "/app/main.go", "/app/go.mod")
    migrated_files = listing("/app/server")
    both = replace(SERVING, answers={8080: http()})
    result = assess(image, image, both, both, original_files, migrated_files, ports=(8080, 9090))
    assert result.ok and result.reason is None
    assert result.missing == ("/app/go.mod", "/app/main.go")
    assert [c.outcome for c in result.checks] == ["passed", "passed", "not-applicable", "passed"]
    text = "\n".join(result.lines())
    assert text.startswith("  probe: passed")
    assert "absent from the migrated image (build inputs?): /app/go.mod, /app/main.go" in text


def test_an_original_that_fails_is_unverifiable() -> None:
    image = info(cmd=["app"])
    failing = Observation(True, False, 2, "", "DATABASE_URL is not set")
    result = assess(image, image, failing, failing, None, None)
    assert result.ok  # the same failure in both: nothing the migration broke
    assert result.unverifiable == "it exits with status 2: DATABASE_URL is not set"
    assert assess(image, image, SERVING, SERVING, None, None).unverifiable is None


def test_many_missing_paths_are_counted_not_listed() -> None:
    result = ProbeResult(
        (Check("runs", "failed", "boom"),), missing=tuple(f"/app/f{i}" for i in range(8))
    )
    assert result.reason == (
        "boom; missing from the migrated image: /app/f0, /app/f1, /app/f2, /app/f3, /app/f4 "
        "and 3 more"
    )


def test_verification_carries_the_probe() -> None:
    ok = Build(True, 1.0, size=2, layers=1, user="", uid=0)
    failed = ProbeResult((Check("runs", "failed", "the migrated container did not start: x"),))
    v = Verification("Dockerfile", ok, ok, probe=failed)
    assert not v.ok
    assert v.problems == ["the probe failed: the migrated container did not start: x"]
    assert v.as_json()["probe"]["checks"][0]["outcome"] == "failed"
    assert "  probe: FAILED: the migrated container did not start: x" in render(v)
    assert Verification("Dockerfile", ok, ok).as_json()["probe"] is None


# -- progress --------------------------------------------------------------------------------------


def test_progress_shows_phase_and_build_step_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(out, enabled=True)
    progress.phase("Dockerfile: building the migrated image")
    progress.build_line("#7 [runtime 3/5] COPY --from=builder /app /app")
    progress.build_line("#7 DONE 0.3s")  # not a step
    progress.done()
    text = out.getvalue()
    assert "[   0s] Dockerfile: building the migrated image\r" in text
    assert text.count(": [runtime 3/5] COPY --from=builder /app /app") == 1
    assert text.endswith("\r\x1b[K")


def test_progress_is_silent_when_not_a_terminal() -> None:
    out = io.StringIO()  # isatty() is False
    progress = Progress(out)
    progress.phase("building")
    progress.build_line("#1 [1/2] FROM python")
    progress.done()
    assert out.getvalue() == ""


# -- containers are always removed (fake engine) -----------------------------------------------


class FakeEngine:
    """Records the containers started and removed; ``fail`` makes the state query raise."""

    def __init__(self, start_status: int = 0, fail: bool = False) -> None:
        self.start_status = start_status
        self.fail = fail
        self.started: list[str] = []
        self.removed: list[str] = []

    def start(self, tag: str, name: str, **_: object) -> subprocess.CompletedProcess[str]:
        self.started.append(name)
        return subprocess.CompletedProcess([], self.start_status, "", "exec: not found\n")

    def container_state(self, name: str) -> tuple[bool, int | None]:
        if self.fail:
            raise RuntimeError("engine gone")
        return False, 3

    def container_output(self, name: str) -> tuple[str, str]:
        return "out\n", "err\n"

    def remove_container(self, name: str) -> None:
        self.removed.append(name)


@pytest.mark.parametrize(
    ("engine", "expected"),
    [
        (FakeEngine(), Observation(True, False, 3, "out\n", "err\n")),
        (FakeEngine(start_status=127), Observation(False, False, error="exec: not found")),
    ],
)
def test_observe_removes_its_container(engine: FakeEngine, expected: Observation) -> None:
    seen = observe(engine, "img", [8080], settle=0.0)  # type: ignore[arg-type]
    assert replace(seen, seconds=0.0) == expected
    assert engine.started == engine.removed and len(engine.started) == 1
    assert engine.started[0].startswith("msb-probe-")


def test_observe_removes_its_container_when_the_engine_fails() -> None:
    engine = FakeEngine(fail=True)
    with pytest.raises(RuntimeError):
        observe(engine, "img", [], settle=0.0)  # type: ignore[arg-type]
    assert engine.started == engine.removed


def test_probe_module_documents_the_time_varying_rule() -> None:
    assert "twice, a second apart" in (probe_module.__doc__ or "")
