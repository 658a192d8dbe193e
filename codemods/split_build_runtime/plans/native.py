"""C/C++: the program the build wrote, on the slim image of the builder's own release, with
the runtime packages of the libraries it links (``-lX`` of the compiler commands and the
Makefile; CMake's ``find_package`` and shared libraries are reasons to skip). The ``gcc``
image's release comes from its major (:mod:`refactor.data.distros`); a C++ program needs the
runtime release's own gcc to be at least that major (libstdc++), a C program does not. On an
alpine builder, a program proven C that links only musl's libc runs on the same alpine image.
Also the checks every native program needs (:func:`check_installs`, used by :mod:`.rust`
too)."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Sequence

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.artifacts import outputs
from codemods.split_build_runtime.cmakebuild import cmake_lists, shared_libraries
from codemods.split_build_runtime.facts import Facts, Run, operands
from codemods.split_build_runtime.plan import Plan
from refactor.analysis.semantics import option
from refactor.data import ecosystems as eco
from refactor.data.distros import (
    DEBIAN_SYSTEM_GCC,
    MUSL_LIBC_LIBRARIES,
    distro_of,
    gcc_image_major,
)
from refactor.engine.codemod import Unsupported

__all__ = ["check_installs", "native_plan", "plan"]


def plan(f: Facts) -> Plan:
    packages, user_runs = steps.packages(f)
    family = distro_of(f.image)
    if family is not None and family.family == "alpine":
        return native_plan(f, _musl_runtime(f, packages), "alpine", packages, user_runs)
    packages.extend(p for p in _linked_libraries(f) if p not in packages)
    image = _runtime(f, packages)
    return native_plan(f, image, "slim", packages, user_runs)


def native_plan(
    f: Facts, image: str, flavour: str, packages: list[str], user_runs: list[Run]
) -> Plan:
    """The plan of a native program on ``image``: its packages, users and the program."""
    result = Plan(
        steps.explicit(f, image),
        "the compiled program needs only musl's libc, which the builder's alpine release has"
        if flavour == "alpine"
        else "the compiled program needs only glibc and the runtime libraries",
        eco.RUNTIME_PROGRAMS[flavour if flavour in ("slim", "alpine") else "distroless"],
        has_package_manager=flavour in ("slim", "alpine"),
    )
    steps.system_packages(f, result, packages, user_runs)
    steps.compiled_copies(f, result)
    check_installs(f, result)
    return result


def _link_flags(f: Facts) -> list[str]:
    """The ``X`` of every ``-lX`` of the compiler commands and the Makefile."""
    flags: list[str] = []
    for _, cmd in f.all_commands:
        if cmd.name in eco.C_COMPILERS:
            flags.extend(w[2:] for w in cmd.args if w.startswith("-l") and len(w) > 2)
    makefile = f.ctx.read("Makefile")
    if makefile is not None:
        flags.extend(re.findall(r"(?<![\w-])-l([\w+.-]+)", makefile))
    return flags


def _linked_libraries(f: Facts) -> list[str]:
    """Runtime packages of the libraries a C/C++ build links (``-lX`` of the compiler
    commands, the Makefile, CMake's find_package). The gcc image ships many -dev libraries,
    so a make/cmake build there whose files cannot be read is skipped."""
    flags = _link_flags(f)
    builds = f.command_names & {"make", "cmake"}
    makefile = f.ctx.read("Makefile")
    cmake = f.ctx.read("CMakeLists.txt")
    for path in cmake_lists(f):
        found = [
            p
            for p in re.findall(
                r"(?:find_package|pkg_check_modules)\s*\(\s*(\w+)", f.ctx.read(path) or "", re.I
            )
            if p != "Threads"
        ]
        if found:
            raise Unsupported(
                f"{path} links `{found[0]}`: its runtime library is unknown",
                code="SPL023",
            )
    shared = shared_libraries(f) if "cmake" in builds else None
    if shared is not None:
        raise Unsupported(
            f"the CMake build makes a shared library (`{shared}`) that the program loads from "
            "the build tree, which the runtime stage does not have",
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
            installed = outputs(f, run, cmd)
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
        major = gcc_image_major(image.tag)
        system_gcc = DEBIAN_SYSTEM_GCC.get(codename, 0)
        if (major is None or major > system_gcc) and not _proven_c_only(f):
            raise Unsupported(
                f"`{image}` ships a newer libstdc++ than Debian {codename}'s (gcc "
                f"{system_gcc}): a C++ program may not run on debian-slim (cannot prove the "
                "sources are C only)",
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


def _musl_runtime(f: Facts, packages: Sequence[str]) -> str:
    """The builder's own Alpine image for a C program that links musl's libc only: C++ needs
    libstdc++ and libgcc, which the alpine image does not ship."""
    steps.flavour(f, "c-musl")
    if packages:
        raise Unsupported(
            f"the runtime needs system packages ({', '.join(packages)}); their Alpine runtime "
            "packages are not known",
            code="SPL016",
        )
    if not _proven_c_only(f):
        raise Unsupported(
            f"a C++ program built on `{f.image}` needs libstdc++ and libgcc, which alpine does "
            "not ship (cannot prove the sources are C only)",
            code="SPL022",
        )
    if "cmake" in f.command_names or cmake_lists(f):
        raise Unsupported(
            "a CMake build on alpine may link libraries of the builder that alpine does not ship",
            code="SPL023",
        )
    outside = [flag for flag in _link_flags(f) if flag not in MUSL_LIBC_LIBRARIES]
    if outside:
        raise Unsupported(
            f"the program links `-l{outside[0]}`, which musl's libc does not provide",
            code="SPL023",
        )
    if f.image.hub_name != "alpine":
        raise Unsupported(f"unknown runtime for a C build on `{f.image}`", code="SPL022")
    return str(f.image)


def _proven_c_only(f: Facts) -> bool:
    """The program is C: the Dockerfile compiles only ``.c`` files with a C compiler (no
    make/cmake, no ``-x``, no ``-lstdc++``), or the context has no C++ source at all."""
    if f.command_names & eco.CXX_COMPILERS:
        return False
    if _compiles_c_only(f):
        return True
    if not f.ctx.has_context:
        return False
    return not [p for e in eco.CXX_SUFFIXES for p in f.ctx.glob(f"**/*.{e}")]


def _compiles_c_only(f: Facts) -> bool:
    """Every build command is a C compiler run on ``.c`` sources only."""
    compiles = [cmd for _, cmd in f.all_commands if cmd.name in eco.C_COMPILERS]
    if not compiles or f.command_names & (eco.BUILD_COMMANDS["c"] - eco.C_COMPILERS):
        return False
    for cmd in compiles:
        sources = [w for w in operands(cmd) if "." in posixpath.basename(w)]
        output = option(cmd.args, "-o", attached=True)
        sources = [w for w in sources if w != output]
        if not sources or not all(w.endswith(".c") for w in sources):
            return False
        if any(w.startswith("-x") or w == "-lstdc++" for w in cmd.args):
            return False
    return True
