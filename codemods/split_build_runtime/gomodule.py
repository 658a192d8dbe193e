"""Go builds as the go command sees them: where the build context landed in the builder, the
name and place of the binary ``go build``/``go install`` write, and whether the module graph
is proven free of cgo.

Decisions:

- :func:`context_map` pairs each folder (or file) a COPY/ADD of the stage wrote from the
  build context with the context path it came from, so a path in the builder can be read
  back in the context (``go.mod`` of the package built, the files a program reads).
- The binary is named after the last element of the built package's import path: the
  nearest ``go.mod`` above the package folder gives the module path (a ``/vN`` major-version
  suffix is skipped at the module root); without one (GOPATH mode, ``GO111MODULE=off``) the
  import path ends in the folder's name. ``go build`` with no ``-o`` writes it in the working
  directory, ``go install`` into ``$GOBIN``, else ``$GOPATH/bin`` (``/go`` in the golang
  image). A package the context does not show keeps the ``$GOPATH/bin/*`` pattern.
- cgo-free is proven for the whole module graph only: a ``vendor/`` tree whose packages have
  no ``import "C"``, or a ``go.mod`` with no requirements (the standard library only); a
  module list whose sources are not in the context is not a proof.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

from codemods.split_build_runtime import manifests
from codemods.split_build_runtime.facts import Facts, absolute, operands
from refactor.analysis.context import context_sources
from refactor.analysis.model import substitute
from refactor.analysis.semantics import option, under
from refactor.analysis.shell import Command
from refactor.data import goruntime
from refactor.data.platforms import CGO_IMPORT

__all__ = ["ContextCopy", "cgo_graph", "context_map", "go_outputs", "to_context"]

_REQUIRE = re.compile(r"^\s*require\b", re.M)


@dataclass(frozen=True)
class ContextCopy:
    """A path of the builder a COPY/ADD wrote from the context, and where it came from."""

    dest: str  # absolute, in the builder
    source: str  # relative to the context ("" for its root)


def context_map(f: Facts) -> tuple[ContextCopy, ...]:
    """What the COPY/ADD instructions of the stage wrote from the build context (a copy of a
    whole folder maps the folder; a file maps the file); none without a context."""
    out: list[ContextCopy] = []
    root = f.ctx.context_dir
    if f.ctx.has_context and root is not None:
        for inst, state in f.stage.steps("COPY", "ADD"):
            sources = context_sources(inst, state.variables)
            items = inst.values.items
            if not sources or len(items) < 2:
                continue
            raw = substitute(items[-1], state.variables, inst.escape)
            dest = absolute(state.workdir, raw)
            several = len(sources) > 1 or raw.endswith("/")
            for source in sources:
                if any(c in source for c in "*?["):
                    continue
                is_dir = source == "" or (f.ctx.exists(source) and (root / source).is_dir())
                if is_dir:
                    out.append(ContextCopy(dest, source))
                elif several:
                    out.append(
                        ContextCopy(posixpath.join(dest, posixpath.basename(source)), source)
                    )
                else:
                    out.append(ContextCopy(dest, source))
    return tuple(out)


def to_context(f: Facts, path: str) -> str | None:
    """The context path of the builder path ``path`` (the last copy that covers it), or None."""
    for copied in reversed(context_map(f)):
        if under(path, copied.dest):
            rest = posixpath.relpath(path, copied.dest)
            joined = posixpath.normpath(posixpath.join(copied.source, rest))
            return "" if joined == "." else joined
    return None


# -- the binary a go build writes -----------------------------------------------------------------


def go_outputs(f: Facts, cmd: Command, variables: Mapping[str, str]) -> list[str]:
    """Paths (fnmatch patterns) ``go build``/``go install`` write."""
    ops = operands(cmd)
    target = option(cmd.args, "-o", attached=True)
    if ops[0] == "build" and target:
        path = absolute(cmd.cwd, target)
        return [path, posixpath.join(path, "*")]
    packages = [p for p in ops[1:] if p != target]
    name = _binary_name(f, cmd, packages)
    if ops[0] == "build":
        return [absolute(cmd.cwd, name)] if name else []
    gobin = variables.get("GOBIN") or posixpath.join(variables.get("GOPATH", "/go"), "bin")
    return [posixpath.join(gobin, name or "*")]


def _binary_name(f: Facts, cmd: Command, packages: list[str]) -> str | None:
    """The last element of the import path of the one package built, when the context shows
    it (None for several packages, a remote one, or a folder the context does not hold)."""
    if len(packages) > 1:
        return None
    package = packages[0] if packages else "."
    if not (package in (".", "./") or package.startswith(("./", "../"))) or "..." in package:
        return None
    if cmd.cwd is None:
        return None
    folder = absolute(cmd.cwd, package)
    source = to_context(f, folder)
    if source is None:
        return None
    here = source
    while not f.ctx.exists(posixpath.join(here, "go.mod") if here else "go.mod"):
        if not here:
            # GOPATH mode: the import path is the folder's path under $GOPATH/src
            return posixpath.basename(folder) or None
        here = posixpath.dirname(here)
    if here != source:
        return posixpath.basename(source)  # a package below the module's root
    return manifests.go_module_name(f.ctx, here)


# -- cgo through the module graph -----------------------------------------------------------------


def cgo_graph(f: Facts) -> tuple[bool, str]:
    """Whether every package the build may compile is proven free of cgo, and why."""
    ctx = f.ctx
    sources = [p for p in ctx.glob("**/*.go") if not _skipped(p)]
    for path in sources:
        if CGO_IMPORT.search(ctx.read(path) or ""):
            return False, f'{path} uses cgo (import "C")'
    vendored = ctx.glob("**/vendor/**/*.go")
    if vendored:
        for path in vendored:
            if CGO_IMPORT.search(ctx.read(path) or ""):
                return (
                    False,
                    f'the vendored package {posixpath.dirname(path)} uses cgo (import "C")',
                )
        return True, "no cgo in the sources nor in the vendored packages (vendor/)"
    modules = ctx.glob("**/go.mod")
    if modules:
        for path in modules:
            if _REQUIRE.search(ctx.read(path) or ""):
                return False, (
                    f"{path} requires modules whose sources are not in the context (no "
                    "vendor/): a dependency may use cgo"
                )
        return True, "no cgo in the sources and go.mod requires no module (standard library only)"
    for path in sources:
        text = ctx.read(path) or ""
        imports = goruntime.GO_IMPORT.findall(text)
        for block in goruntime.GO_IMPORT_BLOCK.findall(text):
            imports += re.findall(r'"([^"]+)"', block)
        outside = [i for i in imports if "." in i.split("/", 1)[0]]
        if outside:
            return False, f"{path} imports `{outside[0]}`, whose sources are not in the context"
    return True, "no cgo in the sources, which import the standard library only"


def _skipped(path: str) -> bool:
    return bool(set(path.split("/")[:-1]) & goruntime.SKIPPED_SOURCE_DIRS)
