"""Where the build puts what the runtime needs: the paths each build command writes, and the
``COPY --from`` that brings an artifact to the runtime.

:func:`outputs` knows the tools of every ecosystem (``go build -o``, ``mvn package``, ``cargo
build --release``, ``dotnet publish``, ``make install``, compilers' ``-o``, ``cp``/``mv``); the
names come from the manifests (:mod:`.manifests`) and the Java tables of
:mod:`refactor.data.java`. Paths are fnmatch patterns when the exact name is unknown.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Sequence

from codemods.split_build_runtime import manifests
from codemods.split_build_runtime.cmakebuild import cmake_outputs, source_outputs
from codemods.split_build_runtime.facts import Facts, Run, absolute, operands
from codemods.split_build_runtime.gomodule import go_outputs
from codemods.split_build_runtime.plan import Copy
from refactor.analysis.destinations import directories_at
from refactor.analysis.semantics import option
from refactor.analysis.shell import Command
from refactor.data import ecosystems as eco
from refactor.data import haskell, java, swift
from refactor.engine.codemod import Unsupported

__all__ = ["artifact", "outputs", "produced", "resolve_program"]


def produced(f: Facts) -> list[str]:
    """Paths (fnmatch patterns) the build is known to create, besides copied folders."""
    out: list[str] = []
    for run in f.runs:
        for cmd in run.commands:
            out.extend(outputs(f, run, cmd))
    return out


def outputs(f: Facts, run: Run, cmd: Command) -> list[str]:
    """Paths (fnmatch patterns) one build command of ``run`` creates."""
    name = cmd.name
    ops = operands(cmd)
    cwd = cmd.cwd
    variables = run.state.env
    out: list[str] = []
    if name in ("cp", "mv", "install") and len(ops) >= 2:  # not ln: a link needs its target
        out.extend(_copied(f, run, cmd, ops))
    elif name == "go" and ops[:1] in (["build"], ["install"]):
        out.extend(go_outputs(f, cmd, variables))
    elif name in eco.C_COMPILERS and option(cmd.args, "-o", attached=True):
        out.append(absolute(cwd, option(cmd.args, "-o", attached=True) or ""))
    elif name == "jar":
        target = option(cmd.args, "--file", "-f", attached=True)
        if target is None and ops and re.fullmatch(r"c\w*f\w*", cmd.args[0]):
            target = ops[1] if len(ops) > 1 else None
        if target:
            out.append(absolute(cwd, target))
    elif name == "javac" and option(cmd.args, "-d", attached=True):
        out.append(absolute(cwd, option(cmd.args, "-d", attached=True) or "") + "/*")
        out.append(absolute(cwd, option(cmd.args, "-d", attached=True) or ""))
    elif name == "javac":  # no -d: each class file beside its source
        folders = {posixpath.dirname(absolute(cwd, op)) for op in ops if op.endswith(".java")}
        out.extend(posixpath.join(folder, "*.class") for folder in sorted(folders))
    elif name in ("mvn", "mvnw") and set(ops) & java.MAVEN_PACKAGE_GOALS:
        out.append(absolute(cwd, f"target/{manifests.maven_artifact(f.ctx)}"))
    elif name in ("gradle", "gradlew") and set(ops) & java.GRADLE_JAR_TASKS:
        out.append(absolute(cwd, java.GRADLE_JAR_OUTPUT))
    elif name in ("gradle", "gradlew") and java.GRADLE_INSTALL_TASK in ops:
        out.append(absolute(cwd, java.GRADLE_INSTALL_OUTPUT))
    elif name == "cargo" and ops[:1] == ["build"] and cmd.has_flag("--release"):
        for binary in manifests.cargo_bins(f.ctx):
            out.append(absolute(cwd, f"target/release/{binary}"))
    elif name == "cargo" and ops[:1] == ["install"]:
        home = variables.get("CARGO_HOME", "/usr/local/cargo")
        out.extend(posixpath.join(home, "bin", b) for b in manifests.cargo_bins(f.ctx))
    elif name == "dotnet" and ops[:1] in (["publish"], ["build"]):
        target = option(cmd.args, "-o", "--output", attached=True)
        # default: [project/]bin/<config>/<tfm>/publish (publish), [project/]bin/<config>/<tfm>
        default = "*bin/*/publish" if ops[0] == "publish" else "*bin/*/*"
        path = absolute(cwd, target) if target else absolute(cwd, default)
        out.extend((path, path + "/*"))
    elif name in ("stack", "cabal", "ghc", "swift"):
        out.extend(_haskell_swift_outputs(cmd, ops, run.state.home or "/root"))
    elif name == "cmake" and cmd.has_flag("--build"):
        out.extend(cmake_outputs(f, cmd))
    elif name == "make" and "install" in ops:
        prefix = "/usr/local"
        destdir = ""
        for op in ops:
            if op.startswith("PREFIX="):
                prefix = op.split("=", 1)[1]
            elif op.startswith("DESTDIR="):
                destdir = op.split("=", 1)[1]
        out.append(destdir.rstrip("/") + prefix.rstrip("/") + "/bin/*")
    elif name == "make":
        out.append(absolute(cwd, "*"))
        if cwd is not None:
            out.extend(source_outputs(f, cwd))
    return out


def _copied(f: Facts, run: Run, cmd: Command, ops: Sequence[str]) -> list[str]:
    """Where ``cp``/``mv``/``install`` put their sources: inside the destination when it is a
    folder then (the resolver of COPY destinations says which folders exist; ``-t``, a
    trailing ``/`` and several sources name one), else at it. ``install -d`` makes folders."""
    if cmd.name == "install" and cmd.has_flag("-d"):
        return [absolute(cmd.cwd, op) for op in ops]
    target = option(cmd.args, "-t", "--target-directory", attached=True)
    sources = [op for op in ops if op != target] if target else list(ops[:-1])
    written = target or ops[-1]
    dest = absolute(cmd.cwd, written)
    into = bool(target) or written.endswith("/") or len(sources) > 1
    into = into or dest in directories_at(f.stage, run.inst, cmd)
    if not into:
        return [dest]
    return [dest, *(posixpath.join(dest, posixpath.basename(s.rstrip("/"))) for s in sources)]


def _haskell_swift_outputs(cmd: Command, ops: list[str], home: str) -> list[str]:
    """Programs ``stack install``/``stack build --copy-bins``, ``cabal install`` (copying),
    ``ghc -o`` and ``swift build -c release`` write (``home``: the user's HOME)."""
    name = cmd.name
    if name == "stack" and any(
        ops[:1] == [verb] and all(cmd.has_flag(f) for f in flags)
        for verb, *flags in haskell.STACK_INSTALLS
    ):
        target = option(cmd.args, "--local-bin-path", attached=True)
        folder = target or posixpath.join(home, haskell.BIN_FOLDERS["stack"])
        return [absolute(cmd.cwd, folder) + "/*"]
    if name == "cabal" and ops[:1] == ["install"] and cmd.has_flag(haskell.INSTALL_METHOD_COPY):
        target = option(cmd.args, "--installdir", attached=True)
        folder = target or posixpath.join(home, haskell.BIN_FOLDERS["cabal"])
        return [absolute(cmd.cwd, folder) + "/*"]
    if name == "ghc" and option(cmd.args, "-o", attached=True):
        return [absolute(cmd.cwd, option(cmd.args, "-o", attached=True) or "")]
    config = option(cmd.args, "-c", "--configuration", attached=True)
    if name == "swift" and ops[:1] == ["build"] and config == swift.RELEASE_CONFIG:
        folder = option(cmd.args, "--build-path", attached=True) or swift.BUILD_DIR
        return [absolute(cmd.cwd, posixpath.join(folder, swift.RELEASE_CONFIG)) + "/*"]
    return []


def resolve_program(f: Facts, word: str, produced: Sequence[str]) -> str | None:
    """The builder path of the program ``word`` the start command runs: on the PATH (the
    image's, the default one, the toolchain's) where the build writes it; None when the build
    writes no such program."""
    workdir = f.final.workdir
    if "/" in word:
        return absolute(workdir, word)
    path = f.final.env.get("PATH", "")
    dirs = [d for d in path.split(":") if d.startswith("/")]
    dirs += [*eco.DEFAULT_PATH, *eco.TOOLCHAIN_PATHS.get(f.ecosystem.name, ())]
    for directory in dirs:
        candidate = posixpath.join(directory, word)
        if any(fnmatch.fnmatchcase(candidate, pattern) for pattern in produced):
            return candidate
    return None


def artifact(f: Facts, path: str, produced: Sequence[str], what: str) -> Copy | None:
    """The COPY --from that brings ``path`` to the runtime (None when a moved COPY of the
    context brings it); raises when the build is not known to produce it."""
    if any(fnmatch.fnmatchcase(path, p) for p in f.context_files_after_build):
        return None
    if "*" in path:
        if any(fnmatch.fnmatchcase(p, path) or fnmatch.fnmatchcase(path, p) for p in produced):
            return Copy(path, posixpath.dirname(path) + "/", what)
        raise Unsupported(f"cannot tell where the build puts `{path}`", code="SPL013")
    if not any(fnmatch.fnmatchcase(path, pattern) for pattern in produced):
        raise Unsupported(
            f"unknown artifact location: the build does not visibly produce `{path}`",
            code="SPL013",
        )
    return Copy(path, path, what)
