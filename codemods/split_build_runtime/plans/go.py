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

from codemods.split_build_runtime import gomodule, goreads, steps, variants
from codemods.split_build_runtime.facts import Facts, Run, operands
from codemods.split_build_runtime.plan import Plan
from refactor.analysis.shell import Command
from refactor.data import ecosystems as eco
from refactor.data.distros import alpine_release, distro_of, image_workdir
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
    _check_start_dir(f)
    packages, user_runs = steps.packages(f)
    static, why, cgo_edit = _static(f, builds)
    why_static = why.split(": a static binary", 1)[0]
    family = distro_of(f.image)
    alpine = family is not None and family.family == "alpine"
    codename = None if static or alpine else steps.codename(f, packages)
    kind = "go-static" if static else "go-musl" if alpine else "go-dynamic"
    if not static:
        why += "; a musl (alpine) runtime" if alpine else "; a glibc runtime"
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
        image = f"alpine:{alpine_release(f.image.tag)}"
    else:
        image = eco.native_runtime("static" if static else "base", flavour, codename)
    result = Plan(
        steps.explicit(f, image),
        f"{why}; the runtime needs no Go toolchain",
        eco.RUNTIME_PROGRAMS[flavour if flavour in ("slim", "alpine") else "distroless"],
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


def _check_start_dir(f: Facts) -> None:
    """The golang image starts in /go, where the split would read / : a relative COPY/ADD
    destination, a go command or a file command with a relative path before the stage's first
    absolute WORKDIR (or a relative start path without any) cannot be placed."""
    start_dir = image_workdir(f.image)
    if start_dir == "/":
        return
    for inst in f.stage.instructions:
        if inst.directive == "WORKDIR" and inst.value.strip().startswith("/"):
            return
        if _relative_use(f, inst):
            raise Unsupported(
                f"`{f.image}` starts in {start_dir}, and the {inst.directive} on line "
                f"{f.line(inst)} uses it before any absolute WORKDIR: its relative paths "
                "cannot be placed",
                code="SPL014",
            )
    if "/" in f.start[0] and not f.start[0].startswith("/"):
        raise Unsupported(
            f"`{f.image}` starts in {start_dir} and the Dockerfile sets no WORKDIR: the start "
            f"command's `{f.start[0]}` cannot be placed",
            code="SPL014",
        )


def _relative_use(f: Facts, inst: Instruction) -> bool:
    """Whether ``inst`` reads the directory the image starts in."""
    if inst.directive == "WORKDIR":
        return True
    if inst.directive in ("COPY", "ADD"):
        items = inst.values.items
        return len(items) > 1 and not items[-1].startswith(("/", "$"))
    run = next((r for r in f.runs if r.inst is inst), None)
    if run is None:
        return False
    for cmd in run.commands:
        if cmd.cwd != "/":
            continue  # after a cd to an absolute folder
        if cmd.name == "go" or (
            cmd.name in eco.FILE_COMMANDS and any(not op.startswith("/") for op in operands(cmd))
        ):
            return True
    return False


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
        return False, "cgo is enabled: the binary links the C library", None
    if variants.chosen(f, variants.KEEP_CGO):
        return (
            False,
            "cgo stays as the original had it (keep-cgo variant): the binary links the C library",
            None,
        )
    ctx = f.ctx
    if not ctx.has_context:
        return (
            False,
            "no build context to prove the absence of cgo: the binary may link the C library",
            None,
        )
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
            return False, "the build uses a C toolchain: the binary may link the C library", None
    if len(builds) != 1:
        return False, "several go builds: cannot make them all static", None
    run, cmd = builds[0]
    raw = run.inst.args
    if raw.count(cmd.text) != 1:
        return False, "cannot edit the go build to set CGO_ENABLED=0", None
    edited = run.inst.with_args(raw.replace(cmd.text, f"CGO_ENABLED=0 {cmd.text}", 1))
    return True, f"{reason}: a static binary (CGO_ENABLED=0 added)", (run, edited)
