"""C/C++: the program the build wrote, on the slim image of the builder's own release, with
the runtime packages of the libraries it links (``-lX`` of the compiler commands and the
Makefile; CMake's ``find_package`` is a reason to skip). Also the checks every native
program needs (:func:`check_installs`, used by :mod:`.rust` too)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.artifacts import outputs
from codemods.split_build_runtime.facts import Facts, Run, operands
from codemods.split_build_runtime.plan import Plan
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Unsupported

__all__ = ["check_installs", "native_plan", "plan"]


def plan(f: Facts) -> Plan:
    packages, user_runs = steps.packages(f)
    packages.extend(p for p in _linked_libraries(f) if p not in packages)
    image = _runtime(f, packages)
    return native_plan(f, image, "slim", packages, user_runs)


def native_plan(
    f: Facts, image: str, flavour: str, packages: list[str], user_runs: list[Run]
) -> Plan:
    """The plan of a native program on ``image``: its packages, users and the program."""
    result = Plan(
        steps.explicit(f, image),
        "the compiled program needs only glibc and the runtime libraries",
        eco.RUNTIME_PROGRAMS["slim" if flavour == "slim" else "distroless"],
        has_package_manager=flavour == "slim",
    )
    steps.system_packages(f, result, packages, user_runs)
    steps.compiled_copies(f, result)
    check_installs(f, result)
    return result


def _linked_libraries(f: Facts) -> list[str]:
    """Runtime packages of the libraries a C/C++ build links (``-lX`` of the compiler
    commands, the Makefile, CMake's find_package). The gcc image ships many -dev libraries,
    so a make/cmake build there whose files cannot be read is skipped."""
    flags: list[str] = []
    for _, cmd in f.all_commands:
        if cmd.name in eco.C_COMPILERS:
            flags.extend(w[2:] for w in cmd.args if w.startswith("-l") and len(w) > 2)
    builds = f.command_names & {"make", "cmake"}
    makefile = f.ctx.read("Makefile")
    cmake = f.ctx.read("CMakeLists.txt")
    if makefile is not None:
        flags.extend(re.findall(r"(?<![\w-])-l([\w+.-]+)", makefile))
    if cmake is not None:
        found = [
            p
            for p in re.findall(r"(?:find_package|pkg_check_modules)\s*\(\s*(\w+)", cmake, re.I)
            if p != "Threads"
        ]
        if found:
            raise Unsupported(
                f"CMakeLists.txt links `{found[0]}`: its runtime library is unknown",
                code="SPL023",
            )
    unread = ("make" in builds and makefile is None) or ("cmake" in builds and cmake is None)
    if unread and f.image.hub_name in eco.IMAGES_WITH_DEV_LIBRARIES:
        raise Unsupported(
            f"`{f.image}` ships many -dev libraries and the build files cannot be read: "
            "cannot tell which libraries the program links",
            code="SPL023",
        )
    packages: list[str] = []
    for flag in flags:
        mapped = eco.LINK_LIBRARIES.get(flag)
        if mapped is None:
            raise Unsupported(
                f"the program links `-l{flag}`, whose runtime package is unknown", code="SPL023"
            )
        packages.extend(p for p in mapped if p not in packages)
    return packages


def check_installs(f: Facts, plan: Plan) -> None:
    """A native program may link libraries or read data that a ``make install`` put next
    to it: only an install whose Makefile installs nothing but programs is accepted."""
    for run, cmd in f.all_commands:
        if cmd.name == "ldconfig" or (cmd.name == "cmake" and cmd.has_flag("--install")):
            raise Unsupported(
                "the build installs shared libraries (ldconfig/cmake --install) that the "
                "program may need at run time",
                run.line,
                code="SPL023",
            )
        if cmd.name in ("make", "ninja") and "install" in operands(cmd):
            makefile = f.ctx.read("Makefile")
            if makefile is not None and re.search(
                r"\$\((?:PREFIX|prefix|DESTDIR)\)[^\n]*/(?:lib|share|etc)\b|\.so\b",
                makefile,
            ):
                raise Unsupported(
                    "`make install` also installs libraries or data files, which the "
                    "runtime stage would not have",
                    run.line,
                    code="SPL023",
                )
            installed = outputs(f, cmd, run.state.env)
            if not any(fnmatch.fnmatchcase(c.source, p) for c in plan.copies for p in installed):
                raise Unsupported(
                    "`make install` installs files the program may need, but the start "
                    "command does not run an installed program",
                    run.line,
                    code="SPL023",
                )


def _runtime(f: Facts, packages: Sequence[str]) -> str:
    """The slim image of the builder's own distribution release."""
    steps.flavour(f, "c")
    image = f.image
    tag = (image.tag or "latest").lower()
    if image.hub_name == "gcc":
        codename = steps.codename(f, packages)
        system_gcc = eco.DEBIAN_SYSTEM_GCC.get(codename) == re.split(r"[.-]", tag)[0]
        if not system_gcc and not _proven_c_only(f):
            raise Unsupported(
                f"`{image}` ships another libstdc++ than Debian's: a C++ program may "
                "not run on debian-slim (cannot prove the sources are C only)",
                code="SPL022",
            )
        return f"debian:{codename}-slim"
    if packages and tag not in eco.PACKAGES_RELEASE_TAGS:
        raise Unsupported(
            f"runtime library names are known for Debian {eco.PACKAGES_CODENAME}, not "
            f"for `{image}`",
            code="SPL015",
        )
    runtime = eco.c_runtime_image(image)
    if runtime is None:
        raise Unsupported(f"unknown runtime for a C/C++ build on `{image}`", code="SPL022")
    return runtime


def _proven_c_only(f: Facts) -> bool:
    if not f.ctx.has_context:
        return False
    cxx = [p for e in eco.CXX_SUFFIXES for p in f.ctx.glob(f"**/*.{e}")]
    return not cxx and not f.command_names & eco.CXX_COMPILERS
