"""End to end: the Go app migrated with the defaults + cross-platform (scratch runtime) builds
for linux/arm64 on this amd64 machine without emulation, and still builds and runs for amd64.

The builder runs on $BUILDPLATFORM and only cross-compiles, and the scratch runtime has no RUN,
so no arm64 instruction is ever executed. That the arm64 build succeeds proves it: no arm64
golang image exists here (base images are local amd64 stand-ins and no registry is reachable), so
a builder on the target platform could not even start. The binary taken out of the arm64 image
is checked to be an aarch64 ELF.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import uuid

import pytest
from e2e_harness import APPS_DIR, BUILD_TIMEOUT, check_app

from refactor.app.docker import DockerEngine
from refactor.engine.codemod import Options
from refactor.engine.runner import migrate, select_codemods

pytestmark = pytest.mark.e2e

APP = APPS_DIR / "go-http"
EM_AARCH64 = 183  # ELF e_machine of arm64
EM_X86_64 = 62


def _migrated() -> str:
    report = migrate(
        (APP / "Dockerfile").read_text(),
        path=str(APP / "Dockerfile"),
        context_dir=APP,
        options=Options(runtime_flavour="scratch"),
        codemods=select_codemods(enable=["cross-platform"]),
    )
    assert report.error is None, report.error
    skips = "\n".join(str(s) for s in report.skips)
    assert "cross-platform" in report.applied, f"cross-platform was skipped:\n{skips}"
    return report.output


def _file_bytes(engine: DockerEngine, tag: str, path: str) -> bytes:
    """The bytes of ``path`` in image ``tag`` (a created, never started, container)."""
    name = f"msb-elf-{uuid.uuid4().hex[:12]}"
    docker = [engine.binary]
    subprocess.run(
        [*docker, "create", "--name", name, tag, "/"],
        env=engine.env,
        capture_output=True,
        check=True,
        timeout=60,
    )
    try:
        proc = subprocess.run(
            [*docker, "cp", f"{name}:{path}", "-"],
            env=engine.env,
            capture_output=True,
            check=True,
            timeout=60,
        )
    finally:
        subprocess.run(
            [*docker, "rm", "--force", name], env=engine.env, capture_output=True, timeout=60
        )
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        member = next(m for m in tar if m.isfile())
        handle = tar.extractfile(member)
        assert handle is not None
        return handle.read()


def _elf_machine(data: bytes) -> int:
    assert data[:4] == b"\x7fELF", "not an ELF file"
    order = "little" if data[5] == 1 else "big"
    return int.from_bytes(data[18:20], order)


def test_go_http_builds_for_arm64_without_emulation(
    docker_engine: DockerEngine, e2e_tag, require_base_images
) -> None:
    migrated = _migrated()
    assert "FROM --platform=$BUILDPLATFORM golang:1.22 AS builder" in migrated
    assert "GOARCH=$TARGETARCH" in migrated
    assert "FROM scratch" in migrated
    require_base_images(migrated)

    tag = e2e_tag("go-http", "cross-arm64")
    build = docker_engine.build(migrated, APP, tag, platform="linux/arm64", timeout=BUILD_TIMEOUT)
    assert build.ok, f"migrated Dockerfile:\n{migrated}\n{build.log_tail}"
    info = docker_engine.image_info(tag)
    assert (info.os, info.architecture) == ("linux", "arm64")
    program = (info.cmd or [])[0]
    assert _elf_machine(_file_bytes(docker_engine, tag, program)) == EM_AARCH64


def test_go_http_cross_platform_still_builds_and_runs_for_amd64(
    docker_engine: DockerEngine, e2e_tag, require_base_images
) -> None:
    migrated = _migrated()
    require_base_images(migrated)
    tag = e2e_tag("go-http", "cross-amd64")
    report = check_app(docker_engine, APP, migrated, tag)
    assert report.ok, f"migrated Dockerfile:\n{migrated}\n{report.describe()}"
    program = (docker_engine.image_info(tag).cmd or [])[0]
    assert _elf_machine(_file_bytes(docker_engine, tag, program)) == EM_X86_64
