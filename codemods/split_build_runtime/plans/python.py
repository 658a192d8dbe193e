"""Python: the same Python on the slim image, the dependencies in a virtualenv (created in the
builder before the first install, copied whole) and the app folders.

Decisions: installs with ``pip install --user`` (``~/.local`` of the installing user, or
``PYTHONUSERBASE``), ``--prefix DIR`` or ``--target DIR`` keep their folder — no virtualenv
(one refuses ``--user``) — and the runtime copies it to the same absolute path, where Python
finds it as before (``site`` for ``~/.local``; the carried ENV such as ``PYTHONPATH`` for a
prefix or target). A system prefix (``/usr``…) and ``--root`` are skipped (SPL025). The app
folders are copied whole, so files the program reads at run time (``open('data.json')``,
Flask's ``templates/`` and ``static/``, Django's template and static folders, ``.env``) come
with them. An app without a folder of its own (files COPYed into ``/`` or ``/root``) gets each
path its COPY instructions wrote, from the builder (so what a build step changed in them comes
too), when no other build step runs there (it could write anything beside them).

When the runtime is the builder's own image (the benefit gate let the split through: a compiler
or a -dev package stays behind), the virtualenv must not bring what that image already has: the
seeded setuptools (Python before 3.12) is uninstalled as the virtualenv is made, unless a step
builds in the virtualenv without build isolation, and pip after the last step that runs it.
pip's download cache is not counted as a gain of the split: cache-mounts (on by default) keeps
it out of the single-stage image too, and it holds only the downloaded wheels (about 1 MB for
Flask and gunicorn, 8 MB for Django: a few percent of a slim image). ``flask run`` is not a
toolchain: Werkzeug's server is a dependency of Flask, which the virtualenv carries.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Sequence

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.checks import worth_splitting
from codemods.split_build_runtime.facts import Facts, Run, absolute, operands
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.analysis.destinations import copy_destination
from refactor.analysis.model import substitute
from refactor.analysis.semantics import under
from refactor.analysis.shell import Command
from refactor.data import ecosystems as eco
from refactor.data import python as pydata
from refactor.data import system
from refactor.engine.codemod import Unsupported
from refactor.syntax.tree import Instruction

__all__ = ["plan"]

_PIP = re.compile(r"pip(3(\.\d+)?)?")
#: Archives ADD unpacks into its destination.
_ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst")


def plan(f: Facts) -> Plan:
    installs = _installs(f)
    if not installs:
        raise Unsupported(
            "no pip/poetry/pipenv install step: nothing a runtime stage would leave behind",
            code="SPL012",
        )
    tag = eco.slim_tag(f.image.tag, f.image.hub_name)
    if tag is None:
        raise Unsupported(f"no slim variant is known for `{f.image}`", code="SPL024")
    steps.flavour(f, "python")
    if f.start[0] in eco.PYTHON_VENV_INSTALLERS:
        raise Unsupported(
            f"the start command runs {f.start[0]}, which is a build tool", code="SPL011"
        )
    packages, user_runs = steps.packages(f)
    outside = _outside(f, installs)
    result = Plan(
        steps.explicit(f, str(f.image.with_tag(tag))),
        "the same Python on the slim image; the dependencies "
        + (
            "pip installed in the builder are copied to the folders it put them in"
            if outside
            else "come in a virtualenv built in the builder"
        ),
        eco.RUNTIME_PROGRAMS["python"],
    )
    lean = not outside and result.runtime_image == str(f.image)
    dropped = _upgraded_pip(installs) if lean else []
    if dropped:
        result.runtime_why += f"; {dropped[0]} stays in the builder"
    if not outside:
        _venv(f, result, installs[0][0], lean=lean)
    steps.system_packages(f, result, packages, user_runs)
    for folder, how in outside:
        result.copies.append(
            Copy(
                folder,
                folder,
                f"the dependencies `pip install {how}` put there; Python finds them at the "
                "same path as before",
            )
        )
    if not outside:
        result.copies.append(Copy(eco.VENV, eco.VENV, "the virtualenv with the dependencies"))
    roots = _app_copies(f, result)
    word = f.start[0]
    if "/" not in word and word not in result.programs:
        result.programs = result.programs | {word}  # a console script pip installed
    kept = [eco.VENV] if not outside else [folder for folder, _ in outside]
    steps.check_start_paths(f, [*roots, *kept], result)
    steps.check_after_build(f, [*roots, *kept])
    worth_splitting(f, result, dropped)
    return result


def _venv(f: Facts, result: Plan, first: Run, *, lean: bool) -> None:
    """Create the virtualenv before the first install; the runtime activates it. ``lean``
    (the runtime is the builder's own image, which has pip and setuptools already): the
    virtualenv leaves its seeded setuptools and, after the last step that runs pip, pip."""
    python = f"{eco.VENV}/bin/python"
    script = f"python -m venv {eco.VENV}"
    seeded = lean and pydata.seeds_setuptools(f.image.tag) and not _builds_in_venv(f)
    if seeded:
        script += f" && {python} -m pip uninstall --yes setuptools"
    venv_run = f.new("RUN", script)
    venv_env = f.new("ENV", f'VIRTUAL_ENV={eco.VENV} PATH="{eco.VENV}/bin:$PATH"')
    result.before[_venv_anchor(f, first)] = [venv_run, venv_env]
    result.explanations.append(
        (
            venv_run,
            f"creates a virtualenv in {eco.VENV} before installing dependencies"
            + (" and uninstalls the setuptools it seeds" if seeded else ""),
            "pip installs into it, so the runtime copies one folder with every dependency"
            + (
                f"; `{f.image}` has its own setuptools, and pip builds source packages in "
                "an isolated environment (a package that needs setuptools to run requires "
                "it, and pip installs it again)"
                if seeded
                else ""
            ),
        )
    )
    result.runtime_head.append(dataclasses.replace(venv_env))
    if not lean:
        return
    last = max((run for run, cmd in f.all_commands if _runs_pip(cmd)), key=lambda r: r.line)
    drop = f.new("RUN", f"{python} -m pip uninstall --yes pip")
    result.after.setdefault(last.inst, []).append(drop)
    result.explanations.append(
        (
            drop,
            "uninstalls pip from the virtualenv after the last step that runs it",
            f"the runtime `{result.runtime_image}` has its own pip; the app does not run the "
            "virtualenv's",
        )
    )


def _upgraded_pip(installs: list[tuple[Run, Command]]) -> list[str]:
    """``pip install --upgrade pip`` (or ``pip==X``): in the single-stage image the new pip
    is a second copy over the base image's; in the split it goes into the virtualenv, which
    leaves pip behind."""
    for run, cmd in installs:
        words = _pip_words(cmd)
        if words is not None and any(
            pydata.PIP_REQUIREMENT.match(r) for r in pydata.requirements(words[1:])
        ):
            return [f"the pip that line {run.line} installs over the base image's"]
    return []


def _runs_pip(cmd: Command) -> bool:
    """Whether ``cmd`` runs pip or an installer that drives the virtualenv's pip."""
    return _pip_words(cmd) is not None or posixpath.basename(cmd.name) in (
        eco.PYTHON_VENV_INSTALLERS
    )


def _venv_anchor(f: Facts, first: Run) -> Instruction:
    """Where the virtualenv is made: before the COPY/ADD lines (and WORKDIRs between them) right
    above the first install, so that a change to what they copy (a requirements file) reruns
    the install only, not the virtualenv's creation too; never above a RUN, USER or ENV, which
    may change who makes it or how."""
    instructions = f.stage.instructions
    at = instructions.index(first.inst)
    while at > 1 and instructions[at - 1].directive in ("COPY", "ADD", "WORKDIR"):
        at -= 1
    return instructions[at]


def _builds_in_venv(f: Facts) -> bool:
    """Whether a step builds with the virtualenv's own setuptools (no build isolation)."""
    for _, cmd in f.all_commands:
        words = (posixpath.basename(cmd.name), *cmd.args)
        if any(w.split("=", 1)[0] in pydata.SETUPTOOLS_NEEDED_FLAGS for w in words):
            return True
        if any(words[: len(p)] == p for p in pydata.SETUPTOOLS_NEEDED_COMMANDS):
            return True
    return False


def _app_copies(f: Facts, result: Plan) -> list[str]:
    """The app folders (:func:`steps.app_copies`), and, for files COPYed into ``/`` or
    ``/root`` (no folder of the app's own), each path those COPY instructions wrote (SPL020
    when one cannot be told, or another build step runs there)."""
    homeless = [root for root in f.copy_roots if _homeless(root)]
    if not homeless:
        return steps.app_copies(f, result, "the application files")
    folders = [root for root in f.copy_roots if root not in homeless]
    for root in folders:
        if root in eco.SYSTEM_ROOTS or _system(root):
            raise Unsupported(
                f"the build copies files into `{root}`; the split keeps app folders only",
                code="SPL020",
            )
    paths: list[str] = []
    for path in _copied_paths(f):
        if any(under(path, p) for p in (*folders, *paths)):
            continue
        paths = [p for p in paths if not under(p, path)] + [path]
    for run, cmd in f.all_commands:
        if cmd.cwd is not None and _homeless(cmd.cwd) and not _harmless(cmd, paths):
            raise Unsupported(
                f"the app has no folder of its own (files COPYed into `{cmd.cwd}`) and a RUN "
                f"runs `{cmd.name}` there; the split copies only the paths COPY wrote",
                run.line,
                code="SPL020",
            )
    for root in folders:
        result.copies.append(Copy(root, root, "the application files"))
    for path in paths:
        result.copies.append(
            Copy(path, path, f"COPY put it in `{posixpath.dirname(path)}`, not in an app folder")
        )
    return [*folders, *paths]


def _homeless(folder: str) -> bool:
    """``/`` or root's home: the app has no folder the runtime could copy whole."""
    return folder == "/" or under(folder, "/root")


def _copied_paths(f: Facts) -> list[str]:
    """Every path the COPY/ADD instructions from the build context wrote (files and folders
    as named), or SPL020 when one cannot be told (a glob, a folder's contents poured into
    `/` or root's home, a URL)."""
    out: list[str] = []
    for inst, state in f.stage.steps("COPY", "ADD"):
        if inst.flag("from") is not None:
            continue
        items = [substitute(i, state.variables, inst.escape) for i in inst.values.items]
        if inst.heredocs or len(items) < 2:
            continue
        found = copy_destination(f.stage, inst)
        dest = absolute(state.workdir, items[-1]) if found is None else found.path
        into = found.into if found is not None else items[-1].endswith("/")
        for source in items[:-1]:
            name = posixpath.basename(source.rstrip("/"))
            poured = source.endswith("/") or name in ("", ".") or any(c in source for c in "*?[")
            path = dest if not into or poured else posixpath.join(dest, name)
            unknown = "://" in source or "$" in source or path == "/"
            if inst.directive == "ADD" and source.endswith(_ARCHIVES):
                unknown = True  # ADD unpacks a local archive: its members land there
            if unknown or (poured and into and _homeless(dest)):
                raise Unsupported(
                    f"the build copies `{source}` into `{dest}`; the split cannot tell which "
                    "files land there (the app has no folder of its own)",
                    f.line(inst),
                    code="SPL020",
                )
            out.append(path)
    return out


def _system(path: str) -> bool:
    return path in eco.SYSTEM_ROOTS or any(under(path, d) for d in system.SYSTEM_DIRS)


def _harmless(cmd: Command, paths: Sequence[str]) -> bool:
    """A command that writes nothing beside the copied ``paths``: an install into the
    virtualenv (or the folder the split copies), a user, a system package, a file command on
    those paths."""
    name = posixpath.basename(cmd.name)
    if name in eco.NEUTRAL_COMMANDS or name in eco.USER_COMMANDS or name in eco.PACKAGE_MANAGERS:
        return True
    words = (name, *cmd.args)
    if any(words[: len(p)] == p for p in eco.COPIED_INSTALLS) or _pip_words(cmd) is not None:
        return True
    if name in eco.FILE_COMMANDS:
        written = operands(cmd)[1:] if name in ("chmod", "chown", "chgrp") else operands(cmd)
        return all(
            "$" not in op and any(under(absolute(cmd.cwd, op), p) for p in paths) for op in written
        )
    return False


def _outside(f: Facts, installs: list[tuple[Run, Command]]) -> list[tuple[str, str]]:
    """The folders ``pip install --user/--prefix/--target`` wrote (then every install must
    be one: a virtualenv refuses ``--user``), or [] when all install into a virtualenv."""
    found: list[tuple[str, str]] = []
    plain = []
    for run, cmd in installs:
        words = _pip_words(cmd)
        target = _target(run, words) if words is not None else None
        if target is None:
            plain.append(run)
        elif target not in found:
            found.append(target)
    if found and plain:
        raise Unsupported(
            "some pip installs use --user/--prefix/--target and others do not",
            plain[0].line,
            code="SPL025",
        )
    for folder, how in found:
        if folder in eco.SYSTEM_ROOTS or under(folder, "/usr"):
            raise Unsupported(
                f"`pip install {how}` installs into the system folder `{folder}`",
                code="SPL025",
            )
    return found


def _pip_words(cmd: Command) -> tuple[str, ...] | None:
    """The words of a pip command (``python -m pip`` read as ``pip``), or None."""
    words = cmd.words
    if cmd.name in ("python", "python3") and words[1:3] == ("-m", "pip"):
        words = ("pip", *words[3:])
    return words if _PIP.fullmatch(posixpath.basename(words[0])) else None


def _target(run: Run, words: tuple[str, ...]) -> tuple[str, str] | None:
    """Where a pip install outside a virtualenv puts the packages: (folder, the option)."""
    for i, word in enumerate(words):
        name, _, value = word.partition("=")
        if name == "--user":
            base = run.state.env.get("PYTHONUSERBASE")
            home = run.state.home
            if base is None and home is None:
                raise Unsupported(
                    "`pip install --user`: the home of the user cannot be told",
                    run.line,
                    code="SPL025",
                )
            return (base or posixpath.join(home or "/", ".local")), "--user"
        if name in ("--prefix", "--target", "-t"):
            value = value or (words[i + 1] if i + 1 < len(words) else "")
            if not value or "$" in value:
                raise Unsupported(
                    f"`pip install {name}` names no folder that can be read",
                    run.line,
                    code="SPL025",
                )
            return absolute(run.state.workdir, value), f"{name} {value}"
    return None


def _installs(f: Facts) -> list[tuple[Run, Command]]:
    """The pip/poetry/pipenv installs (all into the virtualenv), or Unsupported."""
    installs: list[tuple[Run, Command]] = []
    for run, cmd in f.all_commands:
        words = cmd.words
        if cmd.name in ("python", "python3") and words[1:3] == ("-m", "pip"):
            words = ("pip", *words[3:])
        elif _PIP.fullmatch(cmd.name) and "/" in words[0]:
            raise Unsupported(
                f"pip is run by its path `{words[0]}`, bypassing a virtualenv",
                run.line,
                code="SPL025",
            )
        name = posixpath.basename(words[0])
        if _PIP.fullmatch(name) and "install" in words[1:2]:
            bad = [flag for flag in eco.PIP_OUTSIDE_VENV if flag in words]
            if bad:
                raise Unsupported(
                    f"`pip install {bad[0]}` does not install into a virtualenv",
                    run.line,
                    code="SPL025",
                )
            installs.append((run, cmd))
        elif name in eco.PYTHON_VENV_INSTALLERS and "install" in words[1:2]:
            installs.append((run, cmd))  # both install into the active VIRTUAL_ENV
        elif name in eco.PYTHON_OTHER_INSTALLERS:
            raise Unsupported(
                f"{name} installs are not supported by the split yet", run.line, code="SPL025"
            )
    return installs
