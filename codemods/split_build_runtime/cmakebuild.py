"""CMake builds as the split sees them: the build tree ``cmake --build DIR`` writes, where its
programs land, and whether it builds shared libraries a program would load from that tree.

Decisions:

- ``cmake --build DIR`` writes the build tree ``DIR`` (relative to the command's directory):
  a program of ``add_executable`` lands there (in the folder of its ``CMakeLists.txt``, or the
  one ``CMAKE_RUNTIME_OUTPUT_DIRECTORY``/``EXECUTABLE_OUTPUT_PATH`` names under
  ``${CMAKE_BINARY_DIR}``), so the whole tree is the output pattern.
- An output folder under ``${CMAKE_SOURCE_DIR}``/``${PROJECT_SOURCE_DIR}`` lands in the source
  tree of the configure step that made ``DIR`` (``-S``/``-H`` and ``-B``, or ``cmake SRC`` run
  in the build folder); any other value names no known place, so it adds nothing (a program
  there is then an unknown artifact location).
- A program linked with a shared library of the project (``add_library(… SHARED|MODULE)``,
  ``BUILD_SHARED_LIBS``) finds it through an rpath into the build tree, which the runtime stage
  does not have: :func:`shared_libraries` names the first such library.
"""

from __future__ import annotations

import posixpath
import re

from codemods.split_build_runtime.facts import Facts, absolute, operands
from refactor.analysis.semantics import option
from refactor.analysis.shell import Command

__all__ = ["cmake_lists", "cmake_outputs", "shared_libraries", "source_outputs"]

_OUTPUT_DIR = re.compile(
    r"(?:CMAKE_RUNTIME_OUTPUT_DIRECTORY|EXECUTABLE_OUTPUT_PATH|RUNTIME_OUTPUT_DIRECTORY)"
    r"\s+\"?\$\{(?:CMAKE|PROJECT)_SOURCE_DIR\}/?([\w./-]*)",
)
_SHARED = re.compile(r"add_library\s*\(\s*([\w.+-]+)\s+(?:SHARED|MODULE)\b", re.I)
_SHARED_DEFAULT = re.compile(r"BUILD_SHARED_LIBS\s+(?:\"?ON\"?|TRUE|YES|1)\b", re.I)


def cmake_lists(f: Facts) -> list[str]:
    """The context's CMakeLists.txt files (the top one first)."""
    found = f.ctx.glob("**/CMakeLists.txt")
    return sorted(found, key=lambda p: (p.count("/"), p))


def cmake_outputs(f: Facts, cmd: Command) -> list[str]:
    """Paths (fnmatch patterns) ``cmake --build DIR`` writes: the build tree, and the folders
    of the source tree the CMakeLists.txt files send programs to."""
    tree = option(cmd.args, "--build")
    if tree is None:
        return []
    build = absolute(cmd.cwd, tree)
    return [posixpath.join(build, "*"), *source_outputs(f, build)]


def source_outputs(f: Facts, build: str) -> list[str]:
    """The folders of the source tree (patterns) the CMakeLists.txt files send programs to,
    when a configure step made the build tree ``build`` (``make`` run there builds them too)."""
    source = _source_of(f, build)
    if source is None:
        return []
    out: list[str] = []
    for path in cmake_lists(f):
        for folder in _OUTPUT_DIR.findall(f.ctx.read(path) or ""):
            out.append(posixpath.join(source, folder.strip("/"), "*"))
    return out


def _source_of(f: Facts, build: str) -> str | None:
    """The source tree of the configure step that made the build tree ``build``."""
    for _run, cmd in f.all_commands:
        if cmd.name != "cmake" or cmd.cwd is None or _is_mode(cmd):
            continue
        binary = option(cmd.args, "-B", attached=True)
        source = option(cmd.args, "-S", "-H", attached=True)
        ops = operands(cmd)
        if source is None and binary is None and ops:
            source = ops[-1]
        if absolute(cmd.cwd, binary or ".") == build:
            return absolute(cmd.cwd, source or ".")
    return None


def _is_mode(cmd: Command) -> bool:
    """``cmake --build``/``--install``/``-E``/``-P``: not a configure step."""
    return any(w in ("--build", "--install", "-E", "-P") for w in cmd.args)


def shared_libraries(f: Facts) -> str | None:
    """The first shared library the project builds (None when it builds none)."""
    for _run, cmd in f.all_commands:
        if cmd.name == "cmake" and any(
            re.fullmatch(r"-DBUILD_SHARED_LIBS(?::BOOL)?=(?:ON|TRUE|YES|1)", w, re.I)
            for w in cmd.args
        ):
            return "BUILD_SHARED_LIBS"
    for path in cmake_lists(f):
        text = f.ctx.read(path) or ""
        found = _SHARED.search(text)
        if found:
            return found.group(1)
        if _SHARED_DEFAULT.search(text):
            return "BUILD_SHARED_LIBS"
    return None
