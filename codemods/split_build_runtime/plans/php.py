"""PHP (Composer): the same php image (its ``-apache``, ``-fpm`` or ``-cli`` variant) without
Composer: the builder runs ``composer install`` as before; the runtime stage repeats the RUNs
that configure PHP (extensions, their libraries, Apache modules) and the COPYs of PHP and
Apache configuration, then copies the app folders with their ``vendor/``.

Decisions: Composer runs in the builder on the very PHP the app runs on, so its platform check
and scripts see the same PHP version and extensions (the ``composer`` image runs another PHP).
What stays behind: the composer binary, the packages only Composer needs (git, unzip), its
download cache, and whatever the install left out (``--no-dev``). A RUN before the install
that does anything but configure PHP, or a RUN after it that is neither configuration nor a
file change inside the copied folders, is a reason to skip; so are global installs
(``composer global``, outside the app) and an install whose folder depends on the php image's
own WORKDIR, which the model does not see.
"""

from __future__ import annotations

import dataclasses

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.checks import worth_splitting
from codemods.split_build_runtime.facts import Facts, Run, absolute, operands
from codemods.split_build_runtime.plan import Plan
from refactor.analysis.semantics import under
from refactor.analysis.shell import Command
from refactor.data import ecosystems as eco
from refactor.data import php
from refactor.engine.codemod import Unsupported
from refactor.syntax.tree import Instruction

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    builds = [run for run in f.runs if any(c.name == "composer" for c in run.commands)]
    if not builds:
        raise Unsupported(
            "no `composer install` step: nothing a runtime stage would leave behind",
            code="SPL012",
        )
    steps.flavour(f, "php")
    _check_composer(f, builds)
    first = f.index(builds[0].inst)
    last = f.index(builds[-1].inst)
    result = Plan(
        steps.explicit(f, str(f.image)),
        "the same PHP image: Composer, the tools only it needs and its cache stay in the "
        "builder, the runtime repeats the steps that configure PHP",
        php.RUNTIME_PROGRAMS,
    )
    carried: list[Run] = []
    for run in f.runs:
        if run in builds or _composer_only(run):
            continue
        index = f.index(run.inst)
        setup = _is_setup(run)
        if index < last and not setup:
            name = next(c.name for c in run.commands if not _setup_command(c))
            raise Unsupported(
                f"a RUN before the last Composer step runs `{name}`; cannot tell whether the "
                "runtime stage needs its effect",
                run.line,
                code="SPL036",
            )
        if index < last or (setup and not _writes_app(f, run)):
            carried.append(run)
    config, roots = _config_copies(f)
    repeated = {run.inst for run in carried} | set(config)
    for inst in f.stage.instructions:  # in the order of the original
        if inst not in repeated:
            continue
        if f.index(inst) < first and _relative(f, inst):
            raise Unsupported(
                "a step the runtime repeats before its WORKDIR names a relative path",
                f.line(inst),
                code="SPL014",
            )
        copy = dataclasses.replace(inst)
        (result.runtime_head if f.index(inst) < first else result.runtime_tail).append(copy)
        why = "it configures the PHP runtime"
        if inst.directive != "RUN":
            why = "it brings PHP or Apache configuration"
        result.explanations.append(
            (copy, f"repeats this {inst.directive} in the runtime stage", why)
        )
    steps.app_copies(f, result, "the application with its Composer dependencies", roots)
    steps.check_start_paths(f, roots, result)
    steps.check_after_build(f, roots, carried)
    worth_splitting(f, result, [])
    return result


def _check_composer(f: Facts, builds: list[Run]) -> None:
    """Composer must install into a copied app folder it runs in."""
    roots = [r for r in f.copy_roots if not _config_dir(r)]
    implicit = php.image_workdir(f.image)
    sets_workdir = any(i.directive == "WORKDIR" for i in f.stage.instructions)
    for run in builds:
        for cmd in run.commands:
            if cmd.name != "composer":
                continue
            ops = operands(cmd)
            if ops[:1] == ["global"]:
                raise Unsupported(
                    "`composer global` installs into Composer's home, outside the app",
                    run.line,
                    code="SPL036",
                )
            if cmd.has_flag("--working-dir", "-d") or "COMPOSER_VENDOR_DIR" in run.state.env:
                raise Unsupported(
                    "Composer is told another folder (--working-dir, COMPOSER_VENDOR_DIR)",
                    run.line,
                    code="SPL013",
                )
            if implicit is not None and not sets_workdir and cmd.cwd == "/":
                raise Unsupported(
                    f"Composer runs in the WORKDIR `{f.image}` sets itself ({implicit}), "
                    "which the Dockerfile does not name",
                    run.line,
                    code="SPL014",
                )
            cwd = absolute(cmd.cwd, ".")
            if not any(under(cwd, r) for r in roots):
                raise Unsupported(
                    f"Composer runs in `{cwd}`, outside the folders the build copies the app to",
                    run.line,
                    code="SPL013",
                )


def _setup_command(cmd: Command) -> bool:
    name = cmd.name
    return (
        name in php.SETUP_COMMANDS
        or name in eco.NEUTRAL_COMMANDS
        or name in eco.FILE_COMMANDS
        or name in eco.USER_COMMANDS
    )


def _is_setup(run: Run) -> bool:
    """A RUN that only configures the PHP runtime (extensions, packages, modules, files)."""
    return all(_setup_command(c) for c in run.commands)


def _composer_only(run: Run) -> bool:
    """A RUN that only installs Composer or what it needs (git, unzip, the composer package)."""
    if all(c.name in php.COMPOSER_INSTALL_COMMANDS for c in run.commands) and any(
        "composer" in word for c in run.commands for word in c.words
    ):
        return True
    installed: list[str] = []
    for cmd in run.commands:
        if cmd.name in eco.PACKAGE_MANAGERS:
            ops = operands(cmd)
            if ops[:1] in (["install"], ["add"]):
                installed.extend(ops[1:])
            elif ops[:1] not in (["update"], ["clean"]):
                return False
        elif cmd.name not in ("rm", "echo", "true", ":"):
            return False
    return bool(installed) and all(p in php.COMPOSER_ONLY_PACKAGES for p in installed)


def _writes_app(f: Facts, run: Run) -> bool:
    """Whether a file command of ``run`` writes into an app folder (its effect is in the
    builder's copy: the RUN stays there)."""
    roots = [r for r in f.copy_roots if not _config_dir(r)]
    for cmd in run.commands:
        if cmd.name in eco.FILE_COMMANDS:
            paths = [absolute(cmd.cwd, o) for o in operands(cmd) if "$" not in o]
            if any(under(p, r) for p in paths for r in roots):
                return True
    return False


def _relative(f: Facts, inst: Instruction) -> bool:
    """Whether a repeated step names a path relative to a WORKDIR other than ``/`` (the
    runtime stage repeats it before its own WORKDIR)."""
    state = f.stage.state_of(inst)
    if state.workdir == "/":
        return False
    if inst.directive != "RUN":
        return not inst.values.items[-1].startswith("/")
    run = next(r for r in f.runs if r.inst is inst)
    for cmd in run.commands:
        if cmd.name in eco.FILE_COMMANDS:
            ops = operands(cmd)[1 if cmd.name in ("chmod", "chown", "chgrp", "sed") else 0 :]
            if any(not o.startswith(("/", "$")) for o in ops):
                return True
    return False


def _config_dir(path: str) -> bool:
    return any(under(path, d) for d in php.CONFIG_DIRS)


def _config_copies(f: Facts) -> tuple[list[Instruction], list[str]]:
    """The context COPYs into PHP/Apache configuration folders, and the other copy roots."""
    config: list[Instruction] = []
    for inst, state in f.stage.steps("COPY", "ADD"):
        items = inst.values.items
        if inst.flag("from") is not None or len(items) < 2:
            continue
        if _config_dir(absolute(state.workdir, items[-1])):
            config.append(inst)
    roots = [r for r in f.copy_roots if not _config_dir(r)]
    return config, roots
