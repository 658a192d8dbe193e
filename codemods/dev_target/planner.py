"""The stage the development stage derives from, and what its planners read.

:class:`DevStage` refuses the shapes with no room for a development stage (a single stage, one
already there, a taken name, an ENTRYPOINT the dev command would be passed to), picks the build
stage that holds the whole project in its working directory (the one the production stage
copies from when there are several), reads the production command and port, tells the
ecosystem from the root image or the commands, and hands itself to that ecosystem's planner
(``plans.py``), whose :class:`~codemods.dev_target.plan.DevPlan` ``render.py`` writes.
"""

from __future__ import annotations

import json
import re

from codemods.dev_target.plan import PRODUCTION
from codemods.dev_target.plans import PLANS
from codemods.dev_target.render import render
from refactor.analysis.crossbuild import Unreadable, context_source, every_command
from refactor.analysis.model import RunState, Stage
from refactor.analysis.shell import Command, analyse
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Codemod, Planner, Result, Unsupported

__all__ = ["DevStage"]

#: Stage names that already mean a development image (``dev``, ``development``, ``dev-envs``…).
DEV_NAMES = re.compile(r"^dev(?:elop(?:ment)?)?(?:[-_.].*)?$")


class DevStage(Planner[Codemod]):
    """One file's development stage in the making. Once :meth:`run` has checked the shape,
    the planners read ``final`` (the production stage), ``base`` (the build stage to derive
    from) and ``chain`` (its ancestry, root first), ``workdir`` (where the project is),
    ``start`` (the production command's words) and ``port`` (its first exposed port), and ask
    :meth:`commands`, :meth:`read_json` and :meth:`visible`."""

    # -- the stage it derives from ----------------------------------------------------------------
    def run(self) -> Result:
        """Find the build stage to derive from and the ecosystem's dev command, and add the
        development stage."""
        model = self.model
        if not model.stages:
            raise Unsupported("the file has no FROM", code="DEV001")
        if len(model.stages) == 1:
            raise Unsupported(
                "single stage: there is no build stage to derive a development stage from "
                "(split-build-runtime makes one)",
                code="DEV002",
            )
        existing = next((s for s in model.stages if s.name and DEV_NAMES.match(s.name)), None)
        if existing is not None:
            raise Unsupported(
                f"already has a `{existing.name}` stage", self.line(existing.from_), code="DEV003"
            )
        final = model.final
        assert final is not None
        self.final = final
        if not self.codemod.allowed(self.tree, final.from_):
            raise Unsupported(f"opted out (# msb-migrate: skip={self.codemod.name})", code="DEV004")
        if final.alias is None and model.stage(PRODUCTION) is not None:
            raise Unsupported("another stage is already called `production`", code="DEV005")
        self.base = self.base_stage()
        self.chain = self.base.ancestry()
        for stage in self.chain:
            entry = stage.last("ENTRYPOINT")
            if entry is not None:
                raise Unsupported(
                    f"build stage `{stage.ref}` sets an ENTRYPOINT, which the dev command "
                    "would be passed to",
                    self.line(entry),
                    code="DEV007",
                )
        assert self.base.final_state is not None
        self.workdir = self.base.final_state.workdir
        self.start = self.start_words()
        ports = model.exposed_ports(final)
        self.port = ports[0].split("/", 1)[0] if ports else None
        ecosystem = self.ecosystem()
        planner = PLANS.get(ecosystem)
        if planner is None:
            raise Unsupported(
                f"no development command is known for a {ecosystem} build", code="DEV009"
            )
        return render(self, planner(self))

    def base_stage(self) -> Stage:
        """The build stage that holds the whole project in its working directory (the one the
        production stage copies from when there are several)."""
        model = self.model
        runtime = {s.index for s in self.final.ancestry()}
        candidates = [
            model.stages[i]
            for i in model.needed(self.final.index)
            if i not in runtime and self.holds_project(model.stages[i])
        ]
        if not candidates:
            raise Unsupported(
                "no build stage holds the whole project in its working directory (`COPY . .`): "
                "a development server would have nothing to run",
                code="DEV006",
            )
        direct = {e.source for e in model.edges if e.target in runtime}
        preferred = [s for s in candidates if s.index in direct]
        return (preferred or candidates)[-1]

    def holds_project(self, stage: Stage) -> bool:
        state = stage.final_state
        return state is not None and context_source(stage.ancestry(), state.workdir) == ""

    def start_words(self) -> list[str]:
        """The production stage's ENTRYPOINT + CMD as words ([] when unknown)."""
        words: list[str] = []
        for value in (self.model.entrypoint(self.final), self.model.cmd(self.final)):
            if isinstance(value, list):
                words.extend(value)
            elif value:
                commands = analyse(value).commands
                if len(commands) != 1:
                    return []
                words.extend(commands[0].words)
        return words[1:] if words[:1] == ["exec"] else words

    def ecosystem(self) -> str:
        found = eco.ecosystem_of_builder(self.chain[0].image)
        if found is None:
            found = eco.ecosystem_of_commands({c.name for c in self.commands()})
        if found is not None:
            return found.name
        raise Unsupported(f"unknown ecosystem of build stage `{self.base.ref}`", code="DEV008")

    def commands(self) -> list[Command]:
        """The commands the RUNs of the build stage's chain execute, in order."""
        return [cmd for _, cmd in self.run_commands()]

    def run_commands(self) -> list[tuple[RunState, Command]]:
        """Each command of the chain's RUNs with the state of its RUN (raises when a RUN
        cannot be read)."""
        out: list[tuple[RunState, Command]] = []
        for stage in self.chain:
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst.directive == "RUN":
                    try:
                        out.extend((state, cmd) for cmd in every_command(inst, state))
                    except Unreadable as exc:
                        raise Unsupported(exc.reason, self.line(inst), code="DEV010") from None
        return out

    def read_json(self, path: str) -> dict[str, object]:
        text = self.ctx.read(path)
        if text is None:
            raise Unsupported(f"cannot read {path} to find the dev command", code="DEV011")
        try:
            data = json.loads(text)
        except ValueError:
            raise Unsupported(f"{path} is not valid JSON", code="DEV011") from None
        if not isinstance(data, dict):
            raise Unsupported(f"{path} is not a JSON object", code="DEV011")
        return data

    def visible(self, path: str) -> bool:
        """Whether the context file ``path`` exists and .dockerignore does not drop it."""
        ignore = self.ctx.read(".dockerignore") or ""
        ignored = {line.strip().lstrip("/") for line in ignore.splitlines()}
        return self.ctx.exists(path) and path not in ignored
