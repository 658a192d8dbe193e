"""Planning steps every planner combines: the runtime flavour, the system packages and users
the runtime needs, the app folders, the program a compiled build wrote, the files a program
reads, the check that nothing after the build is lost, and the cached dependency layer.

Each step reads :class:`~.facts.Facts`, adds to a :class:`~.plan.Plan` or raises
:class:`~refactor.engine.codemod.Unsupported` with its code. The policy (which flavours, which
packages, which users a runtime image has) comes from :mod:`refactor.data.ecosystems`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import posixpath
import re
from collections.abc import Mapping, Sequence

from codemods.split_build_runtime.artifacts import artifact, produced, resolve_program
from codemods.split_build_runtime.facts import Facts, Run, absolute, operands
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.analysis.images import ImageRef
from refactor.analysis.semantics import under
from refactor.analysis.shell import Command, analyse
from refactor.data import ecosystems as eco
from refactor.data import system
from refactor.data.distros import distro_of
from refactor.engine.codemod import Unsupported
from refactor.syntax.tree import Instruction

__all__ = [
    "app_copies",
    "check_after_build",
    "check_start_paths",
    "codename",
    "compiled_copies",
    "dependency_layer",
    "explicit",
    "flavour",
    "needs_shell",
    "packages",
    "start_command",
    "system_packages",
]

#: Where the split refuses to copy an app folder: the distribution's folders and the
#: virtualenv it creates itself.
_SYSTEM_DIRS = (*system.SYSTEM_DIRS, eco.VENV)

# -- the runtime image ----------------------------------------------------------------------------


def flavour(f: Facts, kind: str) -> str:
    """The runtime flavour (the option, else the default of ``kind`` in
    :data:`~refactor.data.ecosystems.RUNTIME_FLAVOURS`), when ``kind`` allows it."""
    allowed, default = eco.RUNTIME_FLAVOURS[kind]
    chosen = f.ctx.options.runtime_flavour or default
    if chosen not in allowed:
        raise Unsupported(
            f"runtime flavour `{chosen}` is not valid for a {f.ecosystem.name} build "
            f"(valid: {', '.join(allowed)})",
            code="SPL017",
        )
    if chosen == "alpine":
        family = distro_of(f.image)
        if family is None or family.family != "alpine":
            raise Unsupported(
                "the alpine flavour needs an alpine (musl) builder image", code="SPL017"
            )
    return chosen


def explicit(f: Facts, image: str) -> str:
    """``image``, unless the user named the runtime image."""
    return f.ctx.options.runtime_image or image


def codename(f: Facts, packages: Sequence[str]) -> str:
    """The builder's Debian release (a dynamic binary needs a runtime glibc as new)."""
    found = eco.builder_codename(f.image)
    if found is None:
        raise Unsupported(
            f"unknown Debian release of `{f.image}`: cannot match its glibc", code="SPL022"
        )
    if packages and found != eco.PACKAGES_CODENAME:
        raise Unsupported(
            f"runtime library names are known for Debian {eco.PACKAGES_CODENAME}, and "
            f"`{f.image}` is built on {found}",
            code="SPL015",
        )
    return found


# -- system packages and users --------------------------------------------------------------------


def packages(
    f: Facts, extra: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[list[str], list[Run]]:
    """System packages the build installs that the runtime needs, and user-creating RUNs
    (``extra``: an ecosystem's own package rows, read before the shared tables)."""
    needed: list[str] = []
    user_runs: list[Run] = []
    family = distro_of(f.image)
    for run in f.runs:
        for cmd in run.commands:
            if cmd.name in eco.USER_COMMANDS:
                if run not in user_runs:
                    user_runs.append(run)
                continue
            if cmd.name not in eco.PACKAGE_MANAGERS:
                continue
            ops = operands(cmd)
            if not ops or ops[0] not in ("install", "add"):
                continue
            for pkg in ops[1:]:
                if "$" in pkg:
                    raise Unsupported(
                        f"installs packages named by a variable ({pkg})", run.line, code="SPL015"
                    )
                name = pkg.split("=", 1)[0]
                mapped = extra[name] if extra and name in extra else eco.runtime_package(pkg)
                if mapped is None:
                    raise Unsupported(
                        f"installs system package `{pkg}`; cannot tell whether the runtime "
                        "needs it (no known runtime mapping)",
                        run.line,
                        code="SPL015",
                    )
                if mapped and family is not None and family.family != "debian":
                    raise Unsupported(
                        f"runtime package mapping for `{pkg}` is known for Debian only",
                        run.line,
                        code="SPL015",
                    )
                needed.extend(p for p in mapped if p not in needed)
    return needed, user_runs


def system_packages(f: Facts, plan: Plan, packages: list[str], user_runs: list[Run]) -> None:
    """Carry runtime packages and user creation into a runtime that can install them."""
    if packages:
        runtime = distro_of(ImageRef.parse(plan.runtime_image))
        if runtime is None or runtime.family != "debian":
            raise Unsupported(
                f"the runtime needs system packages ({', '.join(packages)}) and "
                f"`{plan.runtime_image}` is not known to be Debian-based",
                code="SPL016",
            )
        if not plan.has_package_manager:
            raise Unsupported(
                f"the runtime needs system packages ({', '.join(packages)}) and the "
                f"`{plan.runtime_image}` image has no package manager",
                code="SPL016",
            )
        install = f.new("RUN", eco.APT_INSTALL.format(packages=" ".join(packages)))
        plan.runtime_head.append(install)
        plan.programs = plan.programs | set(packages)
        plan.explanations.append(
            (
                install,
                f"installs {', '.join(packages)} in the runtime stage",
                "the runtime libraries of the -dev/runtime packages the build installed",
            )
        )
    if f.final.user is None:
        return
    user = f.final.user.split(":", 1)[0]
    if user.isdigit() or user == "root":
        return
    if not user_runs:
        if user not in eco.RUNTIME_IMAGE_USERS:
            raise Unsupported(
                f"USER {user} is not created in the Dockerfile nor known in the runtime",
                code="SPL019",
            )
        return
    if not plan.has_package_manager:
        raise Unsupported(
            f"the runtime image has no shell to create the user `{user}`", code="SPL019"
        )
    for run in user_runs:
        if any(c.name not in eco.USER_COMMANDS | {"mkdir", "chown", "chmod"} for c in run.commands):
            raise Unsupported(
                f"the RUN that creates user `{user}` does more than create it",
                run.line,
                code="SPL019",
            )
        copy = dataclasses.replace(run.inst)
        plan.runtime_head.append(copy)
        plan.explanations.append(
            (copy, f"creates user `{user}` in the runtime stage", "the USER the image runs as")
        )


# -- what the runtime copies ----------------------------------------------------------------------


def app_copies(f: Facts, plan: Plan, why: str, roots: Sequence[str] | None = None) -> list[str]:
    """Interpreted apps: copy every folder the context was copied to (app folders only;
    ``roots``: those of them the planner copies, when it carries some differently)."""
    roots = list(f.copy_roots if roots is None else roots)
    for root in roots:
        if root in eco.SYSTEM_ROOTS or any(under(root, d) for d in _SYSTEM_DIRS):
            raise Unsupported(
                f"the build copies files into `{root}`; the split keeps app folders only",
                code="SPL020",
            )
        plan.copies.append(Copy(root, root, why))
    return roots


def check_start_paths(f: Facts, roots: Sequence[str], plan: Plan) -> None:
    """Interpreted apps: the program must be in the runtime or under a copied folder."""
    word = f.start[0]
    if "/" in word:
        path = absolute(f.final.workdir, word)
        if not any(under(path, r) for r in (*roots, eco.VENV)):
            raise Unsupported(
                f"the start command runs `{path}`, which is outside the copied folders",
                code="SPL021",
            )
        return
    if word in plan.programs:
        return
    raise Unsupported(
        f"the start command runs `{word}`, which the runtime image does not provide",
        code="SPL021",
    )


def compiled_copies(f: Facts, plan: Plan, *, assets: bool = True) -> None:
    """Binary ecosystems: copy the program the start command runs (and, unless the planner
    reads the program's sources itself, the asset files its sources name)."""
    built = produced(f)
    program = resolve_program(f, f.start[0], built)
    if program is None:
        if f.start[0] in plan.programs:
            raise Unsupported(
                f"the start command runs `{f.start[0]}`: cannot tell which built files it needs",
                code="SPL013",
            )
        raise Unsupported(
            f"unknown artifact location: the build does not produce `{f.start[0]}`",
            code="SPL013",
        )
    copy = artifact(f, program, built, "the program the start command runs")
    toolchain_paths = eco.TOOLCHAIN_PATHS.get(f.ecosystem.name, ())
    bare = "/" not in f.start[0]  # found on the PATH: it may move to another PATH folder
    if copy is not None and bare and posixpath.dirname(program) in toolchain_paths:
        copy.dest = posixpath.join("/usr/local/bin", posixpath.basename(program))
        copy.why += " (found on the toolchain image's PATH; /usr/local/bin is on every PATH)"
    if copy is not None:
        plan.copies.append(copy)
    if f.rewritten is not None:
        original, binary = f.rewritten
        plan.start = f.new("CMD", json.dumps(binary))
        plan.explanations.append(
            (
                plan.start,
                f"runs the built {binary[0]} instead of `{original}`",
                "the same package built by the same toolchain in the same directory: the "
                "binary is what the run command would compile and start",
            )
        )
    if assets:
        _asset_copies(f, plan)
    check_after_build(f, [c.source for c in plan.copies])


def _asset_copies(f: Facts, plan: Plan) -> None:
    """Runtime files the sources name: folders (templates, static, config, migrations…) and
    top-level data files (config.yaml, .env…) of the context copied into the WORKDIR."""
    ctx = f.ctx
    if not ctx.has_context:
        return
    workdir = f.final.workdir
    roots = f.copy_roots
    sources = [
        ctx.read(p) or "" for ext in eco.SOURCE_SUFFIXES for p in ctx.glob(f"**/*.{ext}")[:200]
    ]
    names = [name for name in eco.ASSET_FOLDERS if ctx.exists(name)]
    names += [
        name
        for name in sorted(ctx.file_names())
        if name.endswith(eco.ASSET_FILE_SUFFIXES) and name not in eco.MANIFEST_FILES
    ]
    for name in names:
        mention = re.compile(rf"[\"'`/]{re.escape(name)}[/\"'`]")
        path = posixpath.join(workdir, name)
        if any(mention.search(s) for s in sources) and any(under(path, r) for r in roots):
            plan.copies.append(Copy(path, path, "the program reads it at run time"))


# -- the start command ---------------------------------------------------------------------------

#: Characters that make a shell-form command shell syntax (expansions, globs, operators,
#: redirections, escapes, comments, subshells): only /bin/sh can run such a command.
_SHELL_SYNTAX = frozenset("$`\\;&|<>()*?[]~{}!#\n")


def exec_words(f: Facts, inst: Instruction) -> list[str] | None:
    """The argv a shell-form CMD/ENTRYPOINT runs, when it has no shell syntax (so exec form
    runs the same words: quotes that only group words are fine), else None."""
    value = inst.value.strip()
    if not value or any(c in _SHELL_SYNTAX for c in value):
        return None
    state = f.stage.state_of(inst)
    script = analyse(value, state.workdir, state.variables)
    if script.opaque or len(script.commands) != 1:
        return None
    cmd = script.commands[0]
    if cmd.opaque or cmd.assignments or cmd.redirects or cmd.substitution:
        return None
    words = list(cmd.words)
    if words[:1] == ["exec"]:
        words = words[1:]
    return words or None


def _shell_start(f: Facts) -> tuple[Instruction | None, bool]:
    """The shell-form start instruction the runtime runs (None when none), and whether exec
    form can run it as written."""
    if f.rewritten is not None:
        return None, True  # the planner starts the built binary in exec form
    entry, cmd = f.stage.last("ENTRYPOINT"), f.stage.last("CMD")
    if entry is not None and not entry.is_json:
        return entry, exec_words(f, entry) is not None  # a shell-form ENTRYPOINT ignores CMD
    if cmd is not None and not cmd.is_json:
        # under an exec-form ENTRYPOINT, a shell-form CMD is the arguments `/bin/sh -c …`
        return cmd, entry is None and exec_words(f, cmd) is not None
    return None, True


def needs_shell(f: Facts) -> bool:
    """Whether the start command needs /bin/sh in the runtime (a shell-form CMD/ENTRYPOINT
    that exec form cannot run as written): a planner then picks a runtime with a shell."""
    inst, convertible = _shell_start(f)
    return inst is not None and not convertible


def start_command(f: Facts, plan: Plan) -> None:
    """The start command must work in the runtime stage as written: a shell-form command on a
    runtime without a shell (distroless, scratch) becomes exec form when its words allow it,
    and the program it runs by path must be a path the runtime stage has."""
    if plan.static_site:
        return
    if plan.start is None and "sh" not in plan.programs:
        inst, convertible = _shell_start(f)
        if inst is not None:
            words = exec_words(f, inst) if convertible else None
            if words is None:
                raise Unsupported(
                    f"the start command `{inst.value.strip()}` needs a shell and the runtime "
                    f"image `{plan.runtime_image}` has none",
                    f.line(inst),
                    code="SPL030",
                )
            plan.start = f.new(inst.directive, json.dumps(words))
            plan.explanations.append(
                (
                    plan.start,
                    f"rewrote the shell-form {inst.directive} in exec form",
                    f"`{plan.runtime_image}` has no /bin/sh to run a shell-form command, and "
                    f"`{inst.value.strip()}` has no shell syntax (variables, globs, "
                    "redirections, operators), so exec form runs the same words; the program "
                    "is PID 1 and gets the stop signal",
                )
            )
    _check_start_program(f, plan)


def _check_start_program(f: Facts, plan: Plan) -> None:
    """The program the runtime starts exists there: a runtime program, a copied file, or
    one the moved COPYs of the context bring."""
    words = plan.start.values.items if plan.start is not None and plan.start.is_json else f.start
    if not words:
        return
    word = words[0]
    if "/" not in word:
        on_path = (*f.final.env.get("PATH", "").split(":"), *eco.DEFAULT_PATH)
        if word in plan.programs or any(
            posixpath.basename(c.dest.rstrip("/")) == word
            and posixpath.dirname(c.dest.rstrip("/")) in on_path
            for c in plan.copies
        ):
            return
        raise Unsupported(
            f"the start command runs `{word}`, which the runtime stage does not have",
            code="SPL021",
        )
    path = absolute(f.final.workdir, word)
    if any(under(path, c.dest.rstrip("/") or "/") for c in plan.copies):
        return
    if any(fnmatch.fnmatchcase(path, p) for p in f.context_files_after_build):
        return
    raise Unsupported(
        f"the start command runs `{path}`, which the runtime stage does not have",
        code="SPL021",
    )


# -- nothing after the build is lost --------------------------------------------------------------


def check_after_build(f: Facts, kept: Sequence[str], carried: Sequence[Run] = ()) -> None:
    """Every RUN after the build must have no effect the runtime would lose (``carried``: the
    RUNs the planner repeats in the runtime stage)."""
    last = f.last_build_index
    for run in f.runs:
        if f.index(run.inst) <= last or run in carried:
            continue
        for cmd in run.commands:
            name = cmd.name
            if name in eco.NEUTRAL_COMMANDS or name in eco.USER_COMMANDS:
                continue
            if name in eco.PACKAGE_MANAGERS:
                continue  # installs are judged by packages()
            if name in eco.FILE_COMMANDS:
                for path in _written(cmd):
                    if not any(under(path, k) for k in (*kept, *eco.SCRATCH_DIRS)):
                        raise Unsupported(
                            f"a RUN after the build writes `{path}`, which the runtime "
                            "stage would not have",
                            run.line,
                            code="SPL018",
                        )
                continue
            raise Unsupported(
                f"a RUN after the build runs `{name}`; cannot tell whether the runtime "
                "needs its effect",
                run.line,
                code="SPL018",
            )


def _written(cmd: Command) -> list[str]:
    """The paths a file command writes."""
    ops = operands(cmd)
    if cmd.name == "sed":
        if not cmd.has_flag("-i") and not any(w.startswith("-i") for w in cmd.args):
            return []
        ops = ops[1:]
    elif cmd.name in ("chmod", "chown", "chgrp"):
        ops = ops[1:]
    elif cmd.name in ("cp", "mv", "install", "ln") and len(ops) > 1:
        ops = ops[-1:]
    return [absolute(cmd.cwd, op) for op in ops if "$" not in op]


# -- the dependency layer (pattern 2) -------------------------------------------------------------


def dependency_layer(f: Facts, plan: Plan) -> None:
    """When the original copies the whole context and then only installs the dependencies,
    copy the manifests and install before the sources (a cached layer)."""
    if not f.ctx.has_context:
        return
    instructions = f.stage.instructions
    for i, inst in enumerate(instructions):
        if inst.directive not in ("COPY", "ADD") or inst.flag("from") is not None:
            continue
        items = inst.values.items
        if inst.is_json or len(items) != 2 or items[0] not in (".", "./"):
            continue
        following = next(
            (n for n in instructions[i + 1 :] if n.directive not in ("ENV", "ARG", "LABEL")),
            None,
        )
        run = next((r for r in f.runs if r.inst is following), None)
        if run is None or f.has_comment_above(run.inst):
            return
        manifests = _install_manifests(f, run, f.stage.states[i].workdir, items[1])
        if manifests:
            _install_first(f, plan, inst, items[1], run, manifests)
        return


def _install_manifests(f: Facts, run: Run, workdir: str, dest: str) -> list[str]:
    """The context files ``run`` needs when it only installs dependencies, else []."""
    ctx = f.ctx
    if absolute(workdir, dest) != workdir:
        return []
    ignore = ctx.read(".dockerignore") or ""
    ignored = {line.strip().lstrip("/") for line in ignore.splitlines()}
    needed: list[str] = []
    for cmd in run.commands:
        if cmd.cwd != workdir:
            return []
        found = eco.dependency_manifests(cmd, ctx.read)
        if found is None:
            return []
        needed.extend(name for name in found if name not in needed)
    if not needed or any(name in ignored or not ctx.exists(name) for name in needed):
        return []
    modules_copied = ctx.exists("node_modules") and not ignored & {
        "node_modules",
        "node_modules/",
        "**/node_modules",
    }
    if "package.json" in needed and modules_copied:
        return []  # COPY . . after the install would overwrite node_modules
    return needed


def _install_first(
    f: Facts, plan: Plan, copy: Instruction, dest: str, run: Run, manifests: list[str]
) -> None:
    key = run.inst
    moved = [
        *plan.before.pop(key, []),
        *plan.replace.pop(key, [run.inst]),
        *plan.after.pop(key, []),
    ]
    target = dest if dest.endswith("/") else f"{dest}/"
    new_copy = f.new(copy.directive, " ".join([*manifests, target]))
    plan.before.setdefault(copy, []).extend([new_copy, *moved])
    plan.replace[key] = []
    plan.explanations.append(
        (
            new_copy,
            f"copies {', '.join(manifests)} and installs the dependencies before the sources",
            "the dependency layer stays cached until a manifest changes",
        )
    )
