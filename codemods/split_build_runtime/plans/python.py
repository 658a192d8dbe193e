"""Python: the same Python on the slim image, the dependencies in a virtualenv (created in the
builder before the first install, copied whole) and the app folders."""

from __future__ import annotations

import dataclasses
import posixpath
import re

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.facts import Facts, Run
from codemods.split_build_runtime.plan import Copy, Plan
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
    result = Plan(
        steps.explicit(f, str(f.image.with_tag(tag))),
        "the same Python on the slim image; the dependencies come in a virtualenv built "
        "in the builder",
        eco.RUNTIME_PROGRAMS["python"],
    )
    first = installs[0][0]
    venv_run = f.new("RUN", f"python -m venv {eco.VENV}")
    venv_env = f.new("ENV", f'VIRTUAL_ENV={eco.VENV} PATH="{eco.VENV}/bin:$PATH"')
    result.before[id(first.inst)] = [venv_run, venv_env]
    result.explanations.append(
        (
            venv_run,
            f"creates a virtualenv in {eco.VENV} before installing dependencies",
            "pip installs into it, so the runtime copies one folder with every dependency",
        )
    )
    result.runtime_head.append(dataclasses.replace(venv_env))
    steps.system_packages(f, result, packages, user_runs)
    result.copies.append(Copy(eco.VENV, eco.VENV, "the virtualenv with the dependencies"))
    roots = steps.app_copies(f, result, "the application files")
    word = f.start[0]
    if "/" not in word and word not in result.programs:
        result.programs = result.programs | {word}  # a console script pip put in the venv
    steps.check_start_paths(f, roots, result)
    steps.check_after_build(f, [*roots, eco.VENV])
    return result


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
