"""The facts about the build, read once before any planning: a frozen :class:`Facts` record.

:func:`read_facts` reads, in this order (the first thing that cannot be read is the skip the
user sees, so the order is part of the output): the commands of every RUN (by
:func:`refactor.analysis.semantics.run_commands`; a RUN not read whole, or one feeding a
heredoc to a program, is a reason to skip), the start command (ENTRYPOINT + CMD), the
ecosystem (:func:`refactor.data.ecosystems.ecosystem_of_build`) and, when the start command
needs a toolchain (``go run``, ``cargo run``…), the binary an identical build wrote. Derived
facts (every command, the folders the context was copied to, the last build step) are
computed on first use and kept on the record.

Decisions: planners never read the tree or the context for themselves what a fact here
already says; path helpers (:func:`absolute`, :func:`operands`) live here because every
planner uses them (``under`` and ``option`` are the semantics layer's: the split reads
``-oPATH`` too, with ``attached=True``).
"""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass

from codemods.split_build_runtime import manifests
from refactor.analysis.destinations import copy_destination
from refactor.analysis.images import ImageRef
from refactor.analysis.model import BuildModel, RunState, Stage, resolve_workdir, substitute
from refactor.analysis.semantics import option, run_commands, under
from refactor.analysis.shell import Command, analyse
from refactor.caching import cached
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Context, OnTree, Unsupported
from refactor.syntax.tree import Comment, Dockerfile, Instruction

__all__ = ["Facts", "Run", "absolute", "operands", "read_facts"]


@dataclass(frozen=True, eq=False)
class Run:
    """A RUN of the stage with its state and the simple commands it runs."""

    inst: Instruction
    state: RunState
    commands: tuple[Command, ...]
    line: int


@dataclass(frozen=True, eq=False)
class Facts(OnTree):
    """What the planners know about the single-stage build being split (with the engine's
    :class:`OnTree` helpers: ``style``, ``line``, ``new``)."""

    tree: Dockerfile
    ctx: Context
    model: BuildModel
    stage: Stage
    image: ImageRef
    final: RunState  # the state after the last instruction
    runs: tuple[Run, ...]
    start: tuple[str, ...]  # the start command's words (the built binary for a rewritten one)
    ecosystem: eco.Ecosystem
    #: The toolchain start command (as written) and the built binary that replaces it.
    rewritten: tuple[str, tuple[str, ...]] | None = None

    # -- the tree -------------------------------------------------------------------------------
    def index(self, inst: Instruction) -> int:
        """The position of ``inst`` in the stage."""
        for i, other in enumerate(self.stage.instructions):
            if other is inst:
                return i
        raise ValueError(inst)

    def has_comment_above(self, inst: Instruction) -> bool:
        nodes = self.tree.nodes
        index = next(i for i, n in enumerate(nodes) if n is inst)
        return index > 0 and isinstance(nodes[index - 1], Comment)

    # -- the build ------------------------------------------------------------------------------
    @cached
    def all_commands(self) -> tuple[tuple[Run, Command], ...]:
        """Every simple command of every RUN, with its RUN."""
        return tuple((run, cmd) for run in self.runs for cmd in run.commands)

    @cached
    def command_names(self) -> frozenset[str]:
        return frozenset(cmd.name for _, cmd in self.all_commands)

    @cached
    def last_build_index(self) -> int:
        """Index (in the stage) of the last RUN that runs a build command of the ecosystem."""
        names = eco.BUILD_COMMANDS[self.ecosystem.name]
        last = -1
        for run in self.runs:
            if any(c.name in names or c.name.startswith("./") for c in run.commands):
                last = max(last, self.index(run.inst))
        return last

    @cached
    def last_run_index(self) -> int:
        return max((self.index(r.inst) for r in self.runs), default=0)

    @cached
    def copy_roots(self) -> tuple[str, ...]:
        """Absolute places the original COPY/ADD instructions wrote build-context files to."""
        roots: list[str] = []
        for inst, state in self.stage.steps("COPY", "ADD"):
            if inst.flag("from") is not None:
                continue
            items = list(inst.values.items)
            if inst.heredocs or len(items) < 2:
                continue
            dest = substitute(items[-1], state.variables, inst.escape)
            sources = items[:-1]
            path = absolute(state.workdir, dest)
            resolved = copy_destination(self.stage, inst)
            is_dir = (resolved is not None and resolved.into) or any(
                s in (".", "./") or s.endswith("/") for s in sources
            )
            if not is_dir and dest in (".", "./"):
                is_dir = True
            roots.append(path if is_dir else posixpath.dirname(path) or "/")
        top: list[str] = []
        for root in sorted(set(roots), key=len):
            if not any(under(root, t) for t in top):
                top.append(root)
        return tuple(top)

    @cached
    def context_files_after_build(self) -> tuple[str, ...]:
        """Paths (patterns) the COPY/ADD instructions after a compiled build bring in from the
        context: they move to the runtime stage, so their files need no COPY --from."""
        out: list[str] = []
        last_build = self.last_build_index
        for i, (inst, state) in enumerate(self.stage.steps()):
            items = inst.values.items
            if (
                i <= last_build
                or inst.directive not in ("COPY", "ADD")
                or inst.flag("from") is not None
                or len(items) < 2
            ):
                continue
            dest = absolute(state.workdir, substitute(items[-1], state.variables, inst.escape))
            resolved = copy_destination(self.stage, inst)
            is_dir = resolved is not None and resolved.into
            out.append(posixpath.join(dest, "*") if is_dir else dest)
        return tuple(out)


def read_facts(
    tree: Dockerfile, ctx: Context, model: BuildModel, stage: Stage, image: ImageRef
) -> Facts:
    """The facts of ``stage`` (the checks of :mod:`.checks` passed), or Unsupported."""
    final = stage.final_state
    assert final is not None  # a stage of a built model always has its final state
    runs: list[Run] = []
    for inst, state in stage.steps("RUN"):
        script = run_commands(inst, state)
        if "stdin" in script.problems:
            raise Unsupported(
                "a RUN feeds a heredoc to a program; cannot read what it does", code="SPL008"
            )
        if not script.readable:
            raise Unsupported(
                "a RUN step cannot be read (opaque shell)", tree.line_of(inst, None), code="SPL008"
            )
        runs.append(Run(inst, state, script.commands, tree.line_of(inst, 0)))
    start = _start_words(tree, stage)
    names = frozenset(cmd.name for run in runs for cmd in run.commands)
    ecosystem = eco.ecosystem_of_build(image, names)
    if ecosystem is None:
        raise Unsupported(
            f"unknown ecosystem for base image `{image}` (no builder/runtime pair is known)",
            code="SPL010",
        )
    facts = Facts(tree, ctx, model, stage, image, final, tuple(runs), start, ecosystem)
    return _toolchain_start(facts)


def _start_words(tree: Dockerfile, stage: Stage) -> tuple[str, ...]:
    """ENTRYPOINT + CMD as the runtime would run them (shell form read as one command)."""
    entry = stage.last("ENTRYPOINT")
    cmd = stage.last("CMD")  # a CMD of the same stage survives a later ENTRYPOINT
    if entry is None and cmd is None:
        inherited = eco.inherited_start(stage.image) if stage.image is not None else None
        if inherited is None:
            raise Unsupported(
                "no CMD or ENTRYPOINT: cannot tell what the runtime runs", code="SPL009"
            )
        return inherited  # the image's own CMD, which a runtime on the same image keeps
    words: list[str] = []
    for inst in (entry, cmd):
        if inst is None:
            continue
        if inst.is_json:
            words.extend(inst.values.items)
        else:
            state = stage.state_of(inst)
            commands = analyse(inst.value, state.workdir, state.variables).commands
            if len(commands) != 1 or commands[0].opaque:
                raise Unsupported(
                    f"the start command `{inst.value}` is a shell script too complex to check",
                    tree.line_of(inst, None),
                    code="SPL009",
                )
            words.extend(commands[0].words)
            if inst is entry:
                break  # shell-form ENTRYPOINT ignores CMD
    if words and words[0] == "exec":
        words = words[1:]
    if not words:
        raise Unsupported("the start command is empty", code="SPL009")
    return tuple(words)


def _toolchain_start(facts: Facts) -> Facts:
    """``facts`` with a start command that needs the toolchain replaced by the binary an
    identical build wrote (or Unsupported when there is none)."""
    start = facts.start
    words = (posixpath.basename(start[0]), *start[1:])
    if start[0].startswith("./"):
        words = (start[0], *words[1:])
    dotnet_run = words[:2] == ("dotnet", "run") and facts.ecosystem.name == "dotnet"
    if dotnet_run and facts.last_build_index >= 0:  # a .NET step the publish can follow
        return facts  # the .NET planner proves it the same program as a publish, or skips
    for prefix, why in eco.TOOLCHAIN_STARTS:
        if words[: len(prefix)] == prefix:
            binary = _built_equivalent(facts, words)
            if binary is None:
                raise Unsupported(f"the start command needs the toolchain: {why}", code="SPL011")
            facts = dataclasses.replace(
                facts, start=binary, rewritten=(" ".join(facts.start), binary)
            )
    return facts


def _built_equivalent(facts: Facts, words: tuple[str, ...]) -> tuple[str, ...] | None:
    """``go run PKG ARGS`` / ``cargo run --release -- ARGS`` as the binary an identical build
    in the same directory wrote, when there is one (only the start CMD, no ENTRYPOINT)."""
    if facts.stage.last("ENTRYPOINT") is not None:
        return None
    workdir = facts.final.workdir
    if words[:2] == ("go", "run") and len(words) > 2 and not words[2].startswith("-"):
        package, args = words[2], words[3:]
        for _, cmd in facts.all_commands:
            if cmd.name != "go" or cmd.args[:1] != ("build",) or cmd.cwd != workdir:
                continue
            output = option(cmd.args, "-o", attached=True)
            rest = [w for w in cmd.args[1:] if w not in ("-o", output, "-trimpath")]
            if output and rest == [package]:
                return (absolute(workdir, output), *args)
        return None
    if words[:3] == ("cargo", "run", "--release") and words[3:4] in ((), ("--",)):
        bins = manifests.cargo_bins(facts.ctx)
        built = any(
            c.name == "cargo" and c.args == ("build", "--release") and c.cwd == workdir
            for _, c in facts.all_commands
        )
        if built and len(bins) == 1 and bins[0] != "*":
            return (absolute(workdir, f"target/release/{bins[0]}"), *words[4:])
    return None


# -- path and word helpers ------------------------------------------------------------------------


def absolute(cwd: str | None, path: str) -> str:
    """``path`` made absolute against the directory a command runs in."""
    if cwd is None and not path.startswith("/"):
        raise Unsupported(f"cannot tell which directory `{path}` is relative to", code="SPL014")
    return resolve_workdir(cwd or "/", path)


def operands(cmd: Command) -> list[str]:
    """Non-option arguments of a command (``--`` ends the options)."""
    out: list[str] = []
    options = True
    for word in cmd.args:
        if options and word == "--":
            options = False
        elif options and word.startswith("-") and word != "-":
            continue
        else:
            out.append(word)
    return out
