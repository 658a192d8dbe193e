"""The refactor.app.docker engine interface against the real engine (and a few pure helpers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_harness import AppReport, SmokeSpec, base_images, size_table, stage_count

from refactor.app.docker import (
    DockerEngine,
    DockerError,
    DockerTimeoutError,
    _parse_uid,
    resolve_binary,
)

# -- pure helpers (no engine) ------------------------------------------------------------------


def test_resolve_binary_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_binary("/opt/docker") == "/opt/docker"
    monkeypatch.setenv("MSB_DOCKER", "/x/docker")
    assert resolve_binary() == "/x/docker"
    monkeypatch.delenv("MSB_DOCKER")
    assert resolve_binary()  # /usr/bin/docker or docker on PATH


def test_engine_sets_buildkit() -> None:
    assert DockerEngine("/nonexistent/docker").env["DOCKER_BUILDKIT"] == "1"


def test_missing_binary_is_unavailable() -> None:
    engine = DockerEngine("/nonexistent/docker")
    assert not engine.available()
    assert "cannot run" in (engine.unavailable_reason() or "")


@pytest.mark.parametrize(
    ("user", "passwd", "uid"),
    [
        ("", None, 0),
        ("1000", None, 1000),
        ("65532:65532", None, 65532),
        ("nonroot", None, 65532),
        ("nonroot:nonroot", None, 65532),
        ("app", "root:x:0:0::/root:/bin/sh\napp:x:1234:1234::/home/app:/bin/sh\n", 1234),
        ("ghost", "root:x:0:0::/root:/bin/sh\n", None),
    ],
)
def test_parse_uid(user: str, passwd: str | None, uid: int | None) -> None:
    assert _parse_uid(user, passwd) == uid


def test_base_images_skips_stages_and_scratch() -> None:
    text = (
        "FROM golang:1.22 AS build\nRUN go build\n"
        "FROM --platform=linux/amd64 build AS test\n"
        "FROM scratch\nCOPY --from=build /a /a\n"
        "from gcr.io/distroless/static-debian12:nonroot\n"
    )
    assert base_images(text) == ["golang:1.22", "gcr.io/distroless/static-debian12:nonroot"]
    assert stage_count(text) == 4


def test_size_table_reduction() -> None:
    before = AppReport("a", "t:1", True, 1.0, size=200_000_000, layers=8, uid=0, smoke_passed=True)
    after = AppReport("a", "t:2", True, 2.0, size=50_000_000, layers=3, uid=65532)
    table = size_table({"a": {"before": before, "after": after}})
    assert "200.0 MB" in table and "50.0 MB" in table and "75%" in table
    assert "8 -> 3" in table and "0 -> 65532" in table and "ok -> FAIL" in table


# -- against the engine --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(docker_engine: DockerEngine) -> DockerEngine:
    needed = ("debian:bookworm-slim", "gcr.io/distroless/static-debian12:nonroot", "nginx:stable")
    for img in needed:
        if not docker_engine.exists(img):
            pytest.skip(f"{img} missing (run .ci/docker-up.sh)")
    return docker_engine


@pytest.mark.e2e
def test_build_failure_is_reported(engine: DockerEngine, tmp_path: Path, e2e_tag) -> None:
    text = "FROM debian:bookworm-slim\nRUN echo boom-marker && exit 7\n"
    res = engine.build(text, tmp_path, e2e_tag("t", "fail"))
    assert not res.ok
    assert "boom-marker" in res.log_tail
    with pytest.raises(DockerError, match="build of msb-e2e/t:fail failed"):
        res.raise_for_status()


@pytest.mark.e2e
def test_build_target_args_and_info(engine: DockerEngine, tmp_path: Path, e2e_tag) -> None:
    (tmp_path / "greeting.txt").write_text("hi\n")
    text = (
        "FROM debian:bookworm-slim AS base\n"
        "ARG WHO=nobody\n"
        "COPY greeting.txt /greeting.txt\n"
        'RUN echo "$WHO" > /who\n'
        "USER 1234\n"
        'CMD ["cat", "/who"]\n'
        "FROM base AS other\n"
        "USER root\n"
    )
    tag = e2e_tag("t", "target")
    res = engine.build(text, tmp_path, tag, target="base", build_args={"WHO": "tester"})
    assert res.ok, res.log_tail
    assert res.image_id and res.image_id.startswith("sha256:")
    info = engine.image_info(tag)
    assert info.user == "1234" and info.cmd == ["cat", "/who"]
    assert info.architecture == "amd64" and info.layers >= 3 and info.size > 0
    assert engine.whoami(tag) == 1234
    run = engine.run(tag, timeout=30)
    assert run.ok and run.stdout.strip() == "tester"
    run = engine.run(tag, ["sh", "-c", "echo $FOO; exit 3"], env={"FOO": "bar"}, timeout=30)
    assert run.exit_code == 3 and run.stdout.strip() == "bar"


@pytest.mark.e2e
def test_whoami_without_id(engine: DockerEngine, tmp_path: Path, e2e_tag) -> None:
    # distroless has no `id`: resolved from Config.User through the image's /etc/passwd
    assert engine.whoami("gcr.io/distroless/static-debian12:nonroot") in (0, 65532)
    tag = e2e_tag("t", "named-user")
    res = engine.build("FROM gcr.io/distroless/static-debian12\nUSER nonroot\n", tmp_path, tag)
    assert res.ok, res.log_tail
    assert engine.whoami(tag) == 65532


@pytest.mark.e2e
def test_run_timeout_kills_container(engine: DockerEngine) -> None:
    with pytest.raises(DockerTimeoutError):
        engine.run("debian:bookworm-slim", ["sleep", "60"], timeout=3)


@pytest.mark.e2e
def test_http_get_nginx_and_dead_container(engine: DockerEngine) -> None:
    res = engine.http_get("nginx:stable", 80, "/", timeout=30)
    assert res.ok and res.status == 200, res
    res = engine.http_get("debian:bookworm-slim", 80, "/", timeout=30, args=["true"])
    assert not res.ok and res.status is None
    assert "exited" in (res.error or "")


@pytest.mark.e2e
def test_remove_missing_is_quiet(engine: DockerEngine) -> None:
    engine.remove("msb-e2e/does-not-exist:never")


def test_smoke_port_for_alt_ports() -> None:
    spec = SmokeSpec("http", "x", port=4173, alt_ports=[80, 8080])
    assert spec.port_for(["4173/tcp"]) == 4173
    assert spec.port_for([]) == 4173
    assert spec.port_for(["80/tcp"]) == 80
    assert spec.port_for(["9999/tcp"]) == 4173
