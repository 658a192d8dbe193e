"""Rust: the binary ``cargo build --release`` (or ``cargo install``) wrote, on distroless cc
(glibc, libgcc) of the builder's Debian release, or debian-slim when the runtime needs system
packages. A ``*-sys`` crate that may link a library of the rust image is a reason to skip."""

from __future__ import annotations

import re
from collections.abc import Sequence

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.facts import Facts
from codemods.split_build_runtime.plan import Plan
from codemods.split_build_runtime.plans.native import native_plan
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    packages, user_runs = steps.packages(f)
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
