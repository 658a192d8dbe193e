"""Python: the same Python on the slim image, the dependencies in a virtualenv (created in the
builder before the first install, copied whole) and the app folders.

Decisions: installs with ``pip install --user`` (``~/.local`` of the installing user, or
``PYTHONUSERBASE``), ``--prefix DIR`` or ``--target DIR`` keep their folder — no virtualenv
(one refuses ``--user``) — and the runtime copies it to the same absolute path, where Python
finds it as before (``site`` for ``~/.local``; the carried ENV such as ``PYTHONPATH`` for a
prefix or target). A system prefix (``/usr``…) and ``--root`` are skipped (SPL025). The app
folders are copied whole, so files the program reads at run time (``open('data.json')``,
Flask's ``templates/`` and ``static/``, Django's template and static folders, ``.env``) come
with them.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.checks import worth_splitting
from codemods.split_build_runtime.facts import Facts, Run, absolute
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.analysis.semantics import under
from refactor.analysis.shell import Command
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]

_PIP = re.compile(r"pip(3(\.\d+)?)?")


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
    if not outside:
        _venv(f, result, installs[0][0])
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
    roots = steps.app_copies(f, result, "the application files")
    word = f.start[0]
    if "/" not in word and word not in result.programs:
        result.programs = result.programs | {word}  # a console script pip installed
    kept = [eco.VENV] if not outside else [folder for folder, _ in outside]
    steps.check_start_paths(f, [*roots, *kept], result)
    steps.check_after_build(f, [*roots, *kept])
    worth_splitting(f, result, [])
    return result


def _venv(f: Facts, result: Plan, first: Run) -> None:
    """Create the virtualenv before the first install; the runtime activates it."""
    venv_run = f.new("RUN", f"python -m venv {eco.VENV}")
    venv_env = f.new("ENV", f'VIRTUAL_ENV={eco.VENV} PATH="{eco.VENV}/bin:$PATH"')
    result.before[first.inst] = [venv_run, venv_env]
    result.explanations.append(
        (
            venv_run,
            f"creates a virtualenv in {eco.VENV} before installing dependencies",
            "pip installs into it, so the runtime copies one folder with every dependency",
        )
    )
    result.runtime_head.append(dataclasses.replace(venv_env))


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
