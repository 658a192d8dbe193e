"""Go: the binary ``go build``/``go install`` wrote, on distroless static when it is static
(``CGO_ENABLED=0``, or a module graph proven free of cgo, in which case the build gets
``CGO_ENABLED=0``), else on distroless base or debian-slim of the builder's Debian release
(glibc), or alpine for a musl binary built on alpine; plus the files the program reads at run
time (:mod:`..goreads`).

Decisions: cgo-free must be proven for every package compiled (:func:`..gomodule.cgo_graph`:
the sources and a readable ``vendor/``, or a ``go.mod`` without requirements); a dependency
list whose sources are not in the context keeps cgo as the original had it, on a runtime with
the builder's C library. A start command that needs /bin/sh (shell syntax in a shell-form
CMD/ENTRYPOINT) moves a default distroless runtime to debian-slim; one exec form can run is
rewritten by :func:`..steps.start_command`."""

from __future__ import annotations

import re

from codemods.split_build_runtime import gomodule, goreads, steps, variants
from codemods.split_build_runtime.facts import Facts, Run
from codemods.split_build_runtime.plan import Plan
from refactor.analysis.shell import Command
from refactor.data import ecosystems as eco
from refactor.data.distros import distro_of
from refactor.engine.codemod import Unsupported
from refactor.syntax.tree import Instruction

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    builds = [(r, c) for r, c in f.all_commands if c.name == "go" and c.args[:1] == ("build",)]
    builds += [(r, c) for r, c in f.all_commands if c.name == "go" and c.args[:1] == ("install",)]
    if not builds:
        raise Unsupported(
            "no `go build` or `go install` step: unknown artifact location", code="SPL013"
        )
    packages, user_runs = steps.packages(f)
    static, why, cgo_edit = _static(f, builds)
    why_static = why.split(": a static binary", 1)[0]
    family = distro_of(f.image)
    alpine = family is not None and family.family == "alpine"
    codename = None if static or alpine else steps.codename(f, packages)
    kind = "go-static" if static else "go-musl" if alpine else "go-dynamic"
    flavour = steps.flavour(f, kind)
    # a flavour the user chose stays: the start command step then says why it cannot run
    chosen = f.ctx.options.runtime_flavour
    if flavour in ("distroless", "scratch") and not chosen and steps.needs_shell(f):
        flavour = "slim"
        why += "; debian-slim has the /bin/sh the start command needs"
    if flavour == "scratch" and not static:
        raise Unsupported("scratch needs a static binary", code="SPL017")
    needs_apt = bool([p for p in packages if p not in eco.DISTROLESS_STATIC_PROVIDES])
    if needs_apt and flavour in ("distroless", "scratch", "alpine"):
        if f.ctx.options.runtime_flavour in ("distroless", "scratch") or flavour == "alpine":
            raise Unsupported(
                f"the runtime needs system packages; a {flavour} runtime cannot install them",
                code="SPL016",
            )
        flavour = "slim"
    if not needs_apt:
        packages = []
    if flavour == "alpine":
        image = f"alpine:{_alpine_version(f)}"
    else:
        image = eco.native_runtime("static" if static else "base", flavour, codename)
    result = Plan(
        steps.explicit(f, image),
        f"{why}; the runtime needs no Go toolchain",
        eco.RUNTIME_PROGRAMS["slim" if flavour in ("slim", "alpine") else "distroless"],
        has_package_manager=flavour == "slim",
        tag_free=static,
    )
    if cgo_edit is not None:
        run, new_inst = cgo_edit
        result.replace[run.inst] = [new_inst]
        result.explanations.append(
            (
                new_inst,
                "added CGO_ENABLED=0 to the go build",
                f"{why_static}; no C toolchain use either: the binary is built static so it "
                "runs without libc on the static runtime",
            )
        )
    steps.system_packages(f, result, packages, user_runs)
    steps.compiled_copies(f, result, assets=False)  # goreads reads the sources instead
    goreads.read_copies(f, result)
    return result


def _alpine_version(f: Facts) -> str:
    """The builder's alpine release, else ``3`` (the newest 3.x: musl runs binaries linked
    against an older musl of the same major)."""
    found = re.search(r"alpine(\d+\.\d+)", f.image.tag or "")
    return found.group(1) if found else "3"


def _static(
    f: Facts, builds: list[tuple[Run, Command]]
) -> tuple[bool, str, tuple[Run, Instruction] | None]:
    """Whether the Go binary is static, why, and the build edit that makes it so."""
    values = []
    for run, cmd in builds:
        assigned = dict(cmd.assignments).get("CGO_ENABLED")
        values.append(assigned if assigned is not None else run.state.env.get("CGO_ENABLED"))
    if all(v == "0" for v in values):
        return True, "CGO_ENABLED=0: a static binary", None
    if any(v not in (None, "0") for v in values):
        return False, "cgo is enabled: the binary links glibc", None
    if variants.chosen(f, variants.KEEP_CGO):
        return False, "cgo stays as the original had it (keep-cgo variant): glibc runtime", None
    ctx = f.ctx
    if not ctx.has_context:
        return False, "no build context to prove the absence of cgo: glibc runtime", None
    sources = ctx.glob("**/*.go")
    if not sources:
        return False, "no Go sources in the context to prove the absence of cgo", None
    proven, reason = gomodule.cgo_graph(f)
    if not proven:
        return False, f"{reason}: cgo stays enabled and the binary links the C library", None
    for _run, cmd in f.all_commands:
        if cmd.name in eco.C_TOOLCHAIN_COMMANDS or (
            cmd.name in eco.PACKAGE_MANAGERS and any(p.endswith("-dev") for p in cmd.args)
        ):
            return False, "the build uses a C toolchain: the binary may link glibc", None
    if len(builds) != 1:
        return False, "several go builds: cannot make them all static", None
    run, cmd = builds[0]
    raw = run.inst.args
    if raw.count(cmd.text) != 1:
        return False, "cannot edit the go build to set CGO_ENABLED=0", None
    edited = run.inst.with_args(raw.replace(cmd.text, f"CGO_ENABLED=0 {cmd.text}", 1))
    return True, f"{reason}: a static binary (CGO_ENABLED=0 added)", (run, edited)
