"""deps-stage: the builder's dependency install moves into a ``deps`` stage (pattern 2).

A builder that copies the dependency manifests, installs from them (``npm ci``, ``pip install
-r``, ``go mod download``, ``mvn dependency:go-offline``, ``cargo fetch``, ``bundle install``,
``composer install``, ``dotnet restore``…) and only then copies its sources is split in two:
everything up to the install becomes the ``deps`` stage, and the builder continues ``FROM
deps`` with the sources and the build. The builder sees the same files, environment, working
directory, user and (re-declared) ARGs as before, so its result is unchanged; the install is a
stage of its own that other stages can build on. When the runtime copies ``node_modules`` from
the builder, a ``prod-deps`` stage installs the production dependencies only and the runtime
copies them from there. Files whose builder copies its sources before the install, interleaves
the install with source copies, or that already have a dependency stage are skipped with a
reason, under one of the stable codes in ``DepsStage.codes`` (one code per kind of reason: the
four ways a dependency stage is found to exist already share DEP003). A builder skipped among
several keeps its own code; notes on a runtime that keeps dev dependencies are DEP012.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from refactor.analysis.model import Stage, resolve_workdir, substitute
from refactor.analysis.semantics import run_commands
from refactor.analysis.shell import Command, analyse
from refactor.data import ecosystems as eco
from refactor.data import stages as data
from refactor.engine.codemod import (
    Codemod,
    Context,
    Explanation,
    Planner,
    Result,
    Skip,
    Unsupported,
)
from refactor.syntax.tree import Blank, Dockerfile, Flag, Instruction, Node

__all__ = ["DepsStage"]


@dataclass
class _Prod:
    """A production-only install for a runtime that copies node_modules from the builder."""

    run: Instruction  # the install with the production flag, for the prod-deps stage
    copy: Instruction  # the runtime's COPY --from=<builder> …/node_modules
    command: str


@dataclass
class _Plan:
    stage: Stage
    end: Instruction  # the last install: the deps stage ends here
    installs: list[Instruction]
    args: list[Instruction]  # ARGs of the deps part, re-declared in the builder
    prod: _Prod | None = None
    notes: list[str] = field(default_factory=list)


class DepsStage(Codemod):
    name = "deps-stage"
    description = (
        "Move the builder's dependency install (the manifest COPY and `npm ci`, `pip install -r`, "
        "`go mod download`, `mvn dependency:go-offline`, `cargo fetch`, `bundle install`, "
        "`composer install`, `dotnet restore`…) into a `deps` stage the builder starts FROM, "
        "and give a runtime that copies node_modules a `prod-deps` stage with production "
        "dependencies only; skipped when the manifests are not copied apart from the sources."
    )
    default = False
    codes: ClassVar[Mapping[str, str]] = {
        "DEP001": "single-stage file: there is no builder to take the dependencies from",
        "DEP002": "a stage is referred to by its index, which a new stage would change",
        "DEP003": "a dependency stage already exists",
        "DEP004": "no stage the image needs copies files from the build context",
        "DEP005": "the stage opted out (# msb-migrate: skip)",
        "DEP006": "the builder stage has no name",
        "DEP007": "the builder has an ONBUILD, which would fire in the stage built FROM deps",
        "DEP008": "no dependency install from manifests copied before the sources",
        "DEP009": "the sources are copied before the dependency install",
        "DEP010": "a stage already has the name the new stage would take",
        "DEP011": "the builder's FROM line cannot be renamed",
        "DEP012": "the runtime keeps the builder's dev dependencies: no production-only install",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: _Mover(self, tree, ctx).run())


def _context_copies(stage: Stage) -> list[Instruction]:
    """COPY/ADD instructions of a stage that bring build-context files."""
    return [
        inst
        for inst in stage.instructions
        if inst.directive in ("COPY", "ADD")
        and inst.flag("from") is None
        and not inst.heredocs
        and len(inst.values.items) >= 2
        and not all(s.startswith(("http://", "https://", "git@")) for s in inst.values.items[:-1])
    ]


def _installs(inst: Instruction, stage: Stage, *, sources: bool = True) -> bool:
    commands = run_commands(inst, stage.state_of(inst)).words()
    return any(data.installs_dependencies(words, sources=sources) for words in commands)


def _text(inst: Instruction) -> str:
    """An instruction on one line, white space runs folded (for messages)."""
    return " ".join(inst.logical.split())


def _only_installs(stage: Stage) -> bool:
    """A stage that copies manifests and installs from them, and nothing else of the context."""
    copies = _context_copies(stage)
    runs = [i for i in stage.instructions if i.directive == "RUN"]
    return (
        bool(copies)
        and all(data.is_manifest(s) for c in copies for s in c.values.items[:-1])
        and any(_installs(r, stage) for r in runs)
    )


class _Mover(Planner[DepsStage]):
    def __init__(self, codemod: DepsStage, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree, ctx)

    def run(self) -> Result:
        model = self.model
        if len(model.stages) < 2:
            raise Unsupported(
                "single-stage file: there is no builder to take the dependencies from "
                "(split-build-runtime makes one)",
                code="DEP001",
            )
        numeric = next((e for e in model.edges if e.reference.isdigit()), None)
        if numeric is not None:
            raise Unsupported(
                f"a stage is referred to by its index (`{numeric.reference}`): a new stage "
                "would renumber it (name-stages names them)",
                self.line(numeric.instruction),
                code="DEP002",
            )
        existing = next((s for s in model.stages if s.name in data.DEPS_STAGE_NAMES), None)
        if existing is not None:
            raise Unsupported(
                f"a dependency stage already exists (`{existing.alias}`)",
                self.line(existing.from_),
                code="DEP003",
            )
        final = model.final
        assert final is not None
        candidates = [
            model.stages[i]
            for i in model.needed()
            if i != final.index and _context_copies(model.stages[i])
        ]
        if not candidates:
            raise Unsupported(
                "no stage the image needs copies files from the build context", code="DEP004"
            )
        plans: list[_Plan] = []
        skips: list[Skip] = []
        for stage in candidates:
            try:
                plans.append(self.plan(stage))
            except Unsupported as skip:
                reason = skip.reason if len(candidates) == 1 else f"`{stage.ref}`: {skip.reason}"
                skips.append(Skip(self.codemod.name, reason, skip.line, code=skip.code))
        if not plans:
            return Result(self.tree, skips=tuple(skips))
        return self.render(plans, skips)

    # -- planning -----------------------------------------------------------------------------
    def plan(self, stage: Stage) -> _Plan:
        if not self.codemod.allowed(self.tree, stage.from_):
            raise Unsupported(f"opted out (# msb-migrate: skip={self.codemod.name})", code="DEP005")
        if stage.name is None or stage.alias is None:
            raise Unsupported("the builder stage has no name", code="DEP006")
        parent = self.model.stages[stage.parent] if stage.parent is not None else None
        if parent is not None and _only_installs(parent):
            raise Unsupported(
                f"a dependency stage already exists (`{parent.alias}` installs the "
                f"dependencies `{stage.alias}` builds on)",
                self.line(stage.from_),
                code="DEP003",
            )
        manifests: list[Instruction] = []
        installs: list[Instruction] = []
        first_source: Instruction | None = None
        late_install: Instruction | None = None
        context = set(_context_copies(stage))
        for inst in stage.instructions[1:]:
            directive = inst.directive
            if directive == "ONBUILD":
                raise Unsupported(
                    "ONBUILD would fire in the stage built FROM deps",
                    self.line(inst),
                    code="DEP007",
                )
            if directive in ("COPY", "ADD") and inst.flag("from") is not None:
                source = next((e.source for e in self.model.edges if e.instruction is inst), None)
                if source is not None and first_source is None:
                    raise Unsupported(
                        "a dependency stage already exists: the builder copies from "
                        f"`{inst.flag('from')}` before its sources",
                        self.line(inst),
                        code="DEP003",
                    )
            elif inst in context:
                if all(data.is_manifest(s) for s in inst.values.items[:-1]):
                    if first_source is None:
                        manifests.append(inst)
                elif first_source is None:
                    first_source = inst
            elif directive == "RUN" and first_source is None:
                if manifests and _installs(inst, stage, sources=False):
                    installs.append(inst)
            elif directive == "RUN" and late_install is None and _installs(inst, stage):
                late_install = inst
        if not installs:
            raise self.no_install(manifests, first_source, late_install)
        end = installs[-1]
        at = _index(stage.instructions, end) + 1
        rest = stage.instructions[at:]
        if not rest:
            raise Unsupported(
                "the stage only installs dependencies: it is a dependency stage already",
                code="DEP003",
            )
        head = stage.instructions[1:at]
        plan = _Plan(stage, end, installs, [i for i in head if i.directive == "ARG"])
        self.production(plan, rest)
        return plan

    def no_install(
        self,
        manifests: list[Instruction],
        source: Instruction | None,
        late: Instruction | None,
    ) -> Unsupported:
        if late is None:
            return Unsupported(
                "no dependency install (npm ci, pip install -r, go mod download, mvn "
                "dependency:go-offline, cargo fetch…) from manifests copied before the sources",
                code="DEP008",
            )
        assert source is not None
        copy = _text(source)
        if not manifests:
            return Unsupported(
                f"the manifests are not copied separately: `{copy}` brings the sources before "
                f"`{_text(late)}`",
                self.line(source),
                code="DEP009",
            )
        return Unsupported(
            f"the install is interleaved with source copies: `{copy}` comes between the "
            f"manifests and `{_text(late)}`",
            self.line(source),
            code="DEP009",
        )

    # -- production dependencies for the runtime ------------------------------------------------
    def production(self, plan: _Plan, rest: list[Instruction]) -> None:
        """A prod-deps stage when the runtime copies node_modules the builder installed with
        dev dependencies (npm/pnpm; the build must not write into node_modules)."""
        final = self.model.final
        assert final is not None
        stage = plan.stage
        if plan.end.is_json or plan.end.heredocs:
            return
        state = stage.state_of(plan.end)
        script = analyse(plan.end.value, state.workdir, state.variables)
        commands = [c for c in script.commands if not c.substitution]
        installs = [c for c in commands if data.installs_dependencies(c.words)]
        node = [c for c in installs if c.name in ("npm", "pnpm", "yarn")]
        if not node:
            return
        cmd = node[0]
        modules = posixpath.join(cmd.cwd, "node_modules") if cmd.cwd else None
        copy = next(
            (
                e.instruction
                for e in self.model.edges
                if e.source == stage.index
                and e.target == final.index
                and e.kind == "copy"
                and self.copies_path(e.instruction, final, modules)
            ),
            None,
        )
        if copy is None:
            return
        production = cmd.has_flag(*data.NODE_PRODUCTION_FLAGS) or (
            state.env.get("NODE_ENV") == "production"
        )
        if production or self.pruned(rest, stage):
            return
        flag = data.PROD_INSTALL_FLAGS.get(cmd.name)
        if flag is None:
            plan.notes.append(
                f"the runtime copies node_modules with dev dependencies from `{stage.alias}`: "
                f"no production-only install is known for {cmd.name}"
            )
            return
        if len(commands) != 1:
            plan.notes.append(
                f"the runtime copies node_modules with dev dependencies from `{stage.alias}`: "
                f"`{_text(plan.end)}` does more than install them"
            )
            return
        scripts = self.package_scripts()
        if scripts is None:
            writer: str | None = "there is no package.json to read its scripts from"
        elif hook := next((h for h in eco.NPM_INSTALL_SCRIPTS if h in scripts), None):
            writer = f"package.json runs `{hook}` on install, which may need dev dependencies"
        else:
            writer = self.modules_writer(rest, stage, scripts)
        if writer is not None:
            plan.notes.append(
                f"the runtime copies node_modules with dev dependencies from `{stage.alias}`: "
                f"{writer}, so they stay the builder's"
            )
            return
        command = f"{cmd.text} {flag}"
        flags = tuple(f.text for f in plan.end.flags)
        plan.prod = _Prod(self.new("RUN", command, flags), copy, command)

    def copies_path(self, copy: Instruction, stage: Stage, path: str | None) -> bool:
        if path is None or copy.heredocs:
            return False
        state = stage.state_of(copy)
        sources = [substitute(s, state.variables) for s in copy.values.items[:-1]]
        if len(sources) != 1:
            return False
        return resolve_workdir("/", sources[0]) == resolve_workdir("/", path)

    def pruned(self, rest: list[Instruction], stage: Stage) -> bool:
        for inst in rest:
            if inst.directive == "RUN":
                commands = run_commands(inst, stage.state_of(inst)).words()
                if any(data.NODE_PRUNE.match(" ".join(words)) for words in commands):
                    return True
        return False

    def modules_writer(
        self, rest: list[Instruction], stage: Stage, scripts: dict[str, str]
    ) -> str | None:
        """Why the build after the install may change node_modules, or None when it cannot."""
        for inst in rest:
            if inst.directive != "RUN":
                continue
            state = stage.state_of(inst)
            script = analyse(inst.value, state.workdir, state.variables)
            if inst.is_json or inst.heredocs or script.opaque:
                return f"`{_text(inst)}` cannot be read"
            for cmd in script.commands:
                problem = self.writes_modules(cmd, scripts)
                if problem is not None:
                    return problem
        return None

    def writes_modules(self, cmd: Command, scripts: dict[str, str]) -> str | None:
        if cmd.name in eco.NEUTRAL_COMMANDS and cmd.name != "rm":
            return None
        words = list(cmd.words)
        if cmd.name in data.NODE_SCRIPT_RUNNERS:
            name = words[2] if words[1:2] in (["run"], ["run-script"]) and len(words) > 2 else None
            if cmd.name == "yarn" and name is None and len(words) > 1:
                name = words[1]
            if name is not None:
                text = scripts.get(name)
                if text is None:
                    return f"the script `{name}` is not in package.json"
                if data.NODE_MODULES_WRITERS.search(text):
                    return f"the script `{name}` (`{text}`) may write into node_modules"
                return None
        return f"`{cmd.text}` may write into node_modules"

    def package_scripts(self) -> dict[str, str] | None:
        text = self.ctx.read("package.json")
        if text is None:
            return None
        try:
            scripts = json.loads(text).get("scripts", {})
        except (ValueError, AttributeError):
            return None
        if not isinstance(scripts, dict):
            return None
        return {k: v for k, v in scripts.items() if isinstance(v, str)}

    # -- rendering ----------------------------------------------------------------------------
    def render(self, plans: list[_Plan], skips: list[Skip]) -> Result:
        taken = {s.name for s in self.model.stages}
        nodes = list(self.tree.nodes)
        explanations: list[Explanation] = []
        for plan in plans:
            stage = plan.stage
            assert stage.alias is not None
            deps = data.DEPS_STAGE if len(plans) == 1 else f"{stage.name}-{data.DEPS_STAGE}"
            prod = (
                data.PROD_DEPS_STAGE if len(plans) == 1 else f"{stage.name}-{data.PROD_DEPS_STAGE}"
            )
            if deps in taken or (plan.prod is not None and prod in taken):
                skips.append(
                    Skip(self.codemod.name, f"a stage is already named `{deps}`", code="DEP010")
                )
                continue
            from_ = stage.from_
            args = from_.args.rstrip()
            if not args.endswith(stage.alias) or not args[: -len(stage.alias)][-1:].isspace():
                skips.append(
                    Skip(
                        self.codemod.name,
                        "cannot rename the FROM line",
                        self.line(from_),
                        code="DEP011",
                    )
                )
                continue
            deps_from = from_.with_changes(
                args=args[: -len(stage.alias)] + deps + from_.args[len(args) :]
            )
            as_word = "AS" if self.style.upper else "as"
            builder_from = self.new("FROM", f"{deps} {as_word} {stage.alias}")
            redeclared = [dataclasses.replace(arg) for arg in plan.args]
            added: list[Node] = []
            if plan.prod is not None:
                prod_from = self.new("FROM", f"{deps} {as_word} {prod}")
                added += [prod_from, plan.prod.run, Blank("", self.style.eol)]
                explanations.append(
                    self.codemod.explain(
                        f"added a `{prod}` stage that installs production dependencies only "
                        f"(`{plan.prod.command}`)",
                        "the runtime copies node_modules; dev dependencies (build and test "
                        "tools) stay out of the image",
                        prod_from,
                    )
                )
                copy = plan.prod.copy
                new_copy = copy.with_changes(
                    flags=tuple(
                        Flag(f"--from={prod}", f.prefix, f.escape) if f.name == "from" else f
                        for f in copy.flags
                    )
                )
                nodes[_index(nodes, copy)] = new_copy
                explanations.append(
                    self.codemod.explain(
                        f"the runtime copies node_modules from `{prod}`",
                        f"the same dependencies as `{stage.alias}` without the dev ones",
                        new_copy,
                    )
                )
            added += [builder_from, *redeclared]
            at = _index(nodes, plan.end) + 1
            while at < len(nodes) and isinstance(nodes[at], Blank):
                at += 1
            if not isinstance(nodes[at - 1], Blank):
                added.insert(0, Blank("", self.style.eol))
            nodes[at:at] = added
            nodes[_index(nodes, from_)] = deps_from
            installs = ", ".join(f"`{_text(i)}`" for i in plan.installs)
            explanations.append(
                self.codemod.explain(
                    f"moved the manifests and the dependency install ({installs}) into a "
                    f"`{deps}` stage",
                    "it installs from the manifests alone, so it stays cached until a manifest "
                    "changes and other stages can build on it",
                    deps_from,
                )
            )
            explanations.append(
                self.codemod.explain(
                    f"`{stage.alias}` now builds FROM `{deps}`",
                    "it starts with the installed dependencies and adds the sources and the "
                    "build, as before",
                    builder_from,
                )
            )
            if redeclared:
                names = ", ".join(w.split("=", 1)[0] for a in redeclared for w in a.values.items)
                explanations.append(
                    self.codemod.explain(
                        f"re-declared ARG {names} in `{stage.alias}`",
                        "ARG values do not cross stages; the build steps still see them",
                        redeclared[0],
                    )
                )
            skips.extend(Skip(self.codemod.name, note, code="DEP012") for note in plan.notes)
        if not explanations:
            return Result(self.tree, skips=tuple(skips))
        tree = self.tree.with_changes(nodes=tuple(nodes))
        return Result(tree, explanations=tuple(explanations), skips=tuple(skips))


def _index(nodes: Sequence[Node], node: Node) -> int:
    """Where ``node`` is (by identity)."""
    return next(i for i, n in enumerate(nodes) if n is node)
