"""Rust: the binary ``cargo build --release`` (or ``cargo install``) wrote, on distroless cc
(glibc, libgcc) of the builder's Debian release, or debian-slim when the runtime needs system
packages. A ``*-sys`` crate that may link a library of the rust image is a reason to skip.

On an Alpine variant of the rust image (``rust:1.80-alpine``) the toolchain targets musl
with ``crt-static`` on by default, so the binary is static: it runs on ``alpine`` of the
builder's release (the default: it keeps a shell) or, asked for, on ``scratch``. A build that
turns ``crt-static`` off (``RUSTFLAGS``, ``.cargo/config.toml``) links musl and libgcc
dynamically and is skipped: the runtime libraries of an Alpine build are not mapped."""

from __future__ import annotations

import re
from collections.abc import Sequence

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.facts import Facts, Run
from codemods.split_build_runtime.plan import Plan
from codemods.split_build_runtime.plans.native import check_installs, native_plan
from refactor.data import ecosystems as eco
from refactor.data.distros import alpine_release, distro_of
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]

#: Where cargo reads rustflags besides ``RUSTFLAGS`` (the context's cargo configuration).
_CARGO_CONFIGS = (".cargo/config.toml", ".cargo/config")
#: A rustflag turning static linking off.
_NO_CRT_STATIC = re.compile(r"target-feature\s*=\s*[\"']?[^\"'\s]*-crt-static")


def plan(f: Facts) -> Plan:
    packages, user_runs = steps.packages(f)
    family = distro_of(f.image)
    if family is not None and family.family == "alpine":
        return _musl_plan(f, packages, user_runs)
    flavour = steps.flavour(f, "rust")
    if packages and flavour == "distroless":
        if f.ctx.options.runtime_flavour == "distroless":
            raise Unsupported(
                "the runtime needs system packages; distroless has none", code="SPL016"
            )
        flavour = "slim"
    image = eco.native_runtime("cc", flavour, steps.codename(f, packages))
    if "cargo" not in f.command_names:
        raise Unsupported("no cargo build step: unknown artifact location", code="SPL013")
    _check_sys_crates(f, packages)
    return native_plan(f, image, flavour, packages, user_runs)


def _musl_plan(f: Facts, packages: list[str], user_runs: list[Run]) -> Plan:
    """A static musl binary of the rust image's Alpine variant on alpine (or scratch)."""
    flavour = steps.flavour(f, "rust-musl")
    if "cargo" not in f.command_names:
        raise Unsupported("no cargo build step: unknown artifact location", code="SPL013")
    dynamic = _dynamic_reason(f)
    if dynamic is not None:
        raise Unsupported(
            f"{dynamic}: the musl binary links libc and libgcc dynamically, and the runtime "
            "libraries of an Alpine build are not known",
            code="SPL023",
        )
    if packages:
        raise Unsupported(
            f"the runtime needs system packages ({', '.join(packages)}); their Alpine "
            "runtime packages are not known",
            code="SPL016",
        )
    if flavour == "scratch":
        image = "scratch"
        programs = eco.RUNTIME_PROGRAMS["distroless"]
    else:
        image = f"alpine:{alpine_release(f.image.tag)}"
        programs = eco.RUNTIME_PROGRAMS["alpine"]
    result = Plan(
        steps.explicit(f, image),
        "the rust image's musl target links statically (crt-static): the binary needs no "
        "toolchain and no shared library",
        programs,
        has_package_manager=flavour == "alpine",
        tag_free=flavour == "scratch",
    )
    steps.system_packages(f, result, packages, user_runs)
    steps.compiled_copies(f, result)
    check_installs(f, result)
    return result


def _dynamic_reason(f: Facts) -> str | None:
    """Why the musl binary may not be static (None when the build keeps crt-static on)."""
    if f.image.hub_name != "rust":
        return f"`{f.image}` is not the rust image, whose musl target links statically"
    for run, cmd in f.all_commands:
        if cmd.name != "cargo":
            continue
        flags = dict(cmd.assignments).get("RUSTFLAGS") or run.state.env.get("RUSTFLAGS", "")
        if "crt-static" in flags or _NO_CRT_STATIC.search(flags):
            return "RUSTFLAGS changes crt-static"
        if any(w.startswith("--target") for w in cmd.args):
            return "the build names its own --target"
    for path in _CARGO_CONFIGS:
        text = f.ctx.read(path) or ""
        if "crt-static" in text or "rustflags" in text:
            return f"{path} sets rustflags"
    return None


def _check_sys_crates(f: Facts, packages: Sequence[str]) -> None:
    """The rust image ships -dev libraries a ``*-sys`` crate links silently: unless the
    Dockerfile installed (and so mapped) them, such a crate is a reason to skip."""
    lock = f.ctx.read("Cargo.lock") or ""
    for crate in re.findall(r'^name = "([\w-]+-sys)"', lock, re.M):
        if crate not in eco.RUST_SAFE_SYS_CRATES and not packages:
            raise Unsupported(
                f"Cargo.lock has `{crate}`, which may link a system library of the rust "
                "image that the runtime does not have",
                code="SPL023",
            )
