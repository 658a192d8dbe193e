"""What cache-mounts reads from the file: every RUN, the stages' family, who runs each RUN.

:class:`Facts` is the codemod's :class:`~refactor.engine.codemod.Planner` base: each RUN read
once (:func:`codemods.cache_mounts.runs.read_run`), grouped by stage; a stage's lineage (the
stages it is built FROM) and descendants (the stages built FROM it), which share its image
and so its cache directories; the base image's distribution family and environment; the
user each RUN runs as, with the accounts the base image and earlier RUNs create; and the files
earlier COPYs brought from the build context (Yarn's package.json and .yarnrc.yml).
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, NamedTuple

from codemods.cache_mounts.runs import Run, ToolUse, Who, read_account, read_run
from refactor.analysis.destinations import copy_destination
from refactor.analysis.images import ImageRef
from refactor.analysis.model import RunState, Stage, substitute
from refactor.data.caches import Tool, image_env, yarn_flavour
from refactor.data.distros import distro_of, tag_distro
from refactor.data.users import ImageUser, image_user
from refactor.engine.codemod import Context, Planner
from refactor.syntax.tree import Dockerfile, Instruction

if TYPE_CHECKING:
    from codemods.cache_mounts import CacheMounts


class Veto(NamedTuple):
    """Why a RUN (or one tool's caches on it) gets no mount: the reason and its stable code."""

    reason: str
    code: str


class Facts(Planner["CacheMounts"]):
    """Every RUN of the file read once, by stage, with the stages' family relations and the
    users each RUN runs as."""

    def __init__(self, codemod: CacheMounts, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree, ctx)
        self._offline: dict[tuple[int, str], Veto | None] = {}
        self.runs: list[Run] = []
        self.by_stage: dict[int, list[Run]] = {}
        for stage in self.model.stages:
            runs = []
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst.directive == "RUN":
                    run = Run(inst, stage, state, self.line(inst) or 0)
                    read_run(run, self.base_env(stage))
                    runs.append(run)
            self.by_stage[stage.index] = runs
            self.runs.extend(runs)

    def root_image(self, stage: Stage) -> ImageRef | None:
        """The image the stage's lineage starts FROM."""
        return self.model.stages[self.lineage(stage)[0]].image

    def root_platform(self, stage: Stage) -> str | None:
        """The ``--platform`` of the FROM the stage's lineage starts with."""
        return self.model.stages[self.lineage(stage)[0]].platform

    def lineage(self, stage: Stage) -> list[int]:
        """The indexes of the stage's ancestors (FROM <stage>) and itself, oldest first."""
        return [s.index for s in stage.ancestry()]

    def descendants(self, stage: Stage) -> list[int]:
        """Stages built FROM this one, directly or not."""
        return [
            s.index for s in self.model.stages if s is not stage and stage.index in self.lineage(s)
        ]

    def base_env(self, stage: Stage) -> dict[str, str]:
        """Cache-related variables the stage's base image sets."""
        return dict(image_env(self.root_image(stage)) or {})

    def who(self, run: Run) -> Who | Veto:
        """Who ``run`` runs as, or why that is not known."""
        user = run.state.user
        if user is None:
            return Who(True)
        if "$" in user:
            return Veto(f"runs as user {user!r}, which is not known", "CM005")
        name, _, group = user.partition(":")
        if name in ("root", "0", ""):
            return Who(True)
        accounts, groups = self._accounts(run)
        account = accounts.get(name)
        if account is None and name.isdigit():
            account = next((a for a in accounts.values() if a.uid == int(name)), None)
        uid = int(name) if name.isdigit() else account.uid if account else None
        if uid is None:
            return Veto(f"runs as user {name!r} whose numeric uid is not known", "CM005")
        if uid == 0:
            return Who(True)
        gid = account.gid if account else None
        if group:
            gid = int(group) if group.isdigit() else groups.get(group)
        home = run.state.env.get("HOME") or (account.home if account else None)
        return Who(False, name, uid, gid, home)

    def _accounts(self, run: Run) -> tuple[dict[str, ImageUser], dict[str, int]]:
        """Users and groups created before ``run`` (by the base image or earlier RUNs)."""
        entry = image_user(self.root_image(run.stage))
        accounts = {entry.user.name: entry.user} if entry and entry.user else {}
        groups = {a_name: a.gid for a_name, a in accounts.items() if a.gid is not None}
        for earlier in self.before(run):
            for command in earlier.script.commands if earlier.script else ():
                read_account(command.words, accounts, groups)
        return accounts, groups

    def before(self, run: Run) -> list[Run]:
        """RUNs of the stage's ancestors and of its stage before ``run``."""
        out: list[Run] = []
        for index in self.lineage(run.stage):
            for other in self.by_stage[index]:
                if other is run:
                    return out
                out.append(other)
        return out

    def after(self, run: Run) -> list[Run]:
        """RUNs after ``run`` in its stage and in the stages built FROM it."""
        runs = self.by_stage[run.stage.index]
        out = runs[runs.index(run) + 1 :]
        for index in self.descendants(run.stage):
            out.extend(self.by_stage[index])
        return out

    def family(self, stage: Stage) -> str | None:
        image = self.root_image(stage)
        distro = distro_of(image)
        if distro is not None:
            return distro.family
        return tag_distro(image.tag) if image is not None else None

    def unknown_image(self, stage: Stage) -> bool:
        image = self.root_image(stage)
        return image_env(image) is None and self.family(stage) is None

    def offline_elsewhere(self, run: Run, tool: Tool) -> Veto | None:
        """Why ``tool`` must keep its downloads in the image of ``run``'s stage family."""
        key = (run.stage.index, tool.name)
        if key not in self._offline:
            self._offline[key] = self._find_offline(run, tool)
        return self._offline[key]

    def _find_offline(self, run: Run, tool: Tool) -> Veto | None:
        """A RUN of this stage's family that runs ``tool`` offline from the image's downloads."""
        stages = self.lineage(run.stage) + self.descendants(run.stage)
        for index in stages:
            for other in self.by_stage[index]:
                uses = other.uses_of(tool)
                for i, u in enumerate(uses):
                    fetched = any(p.use.downloads and not p.offline for p in uses[:i])
                    if u.offline and not fetched:
                        return Veto(
                            f"line {other.line} runs {u.use.words[0]} offline from what earlier "
                            "steps downloaded into the image",
                            "CM011",
                        )
        return None

    def yarn_kind(self, run: Run, u: ToolUse) -> str | None:
        """Which Yarn the project uses, from the files COPY brought into its directory."""
        cwd = u.command.cwd
        if cwd is None:
            return None
        package_json = self._context_file(run, cwd, "package.json")
        return yarn_flavour(package_json, self._context_file(run, cwd, ".yarnrc.yml"), u.env)

    def _context_file(self, run: Run, directory: str, name: str) -> str | None:
        """The build-context file an earlier COPY put at ``directory/name``, if readable.

        A source named ``name`` copied there, or a directory (the context itself with ``.``)
        copied to ``directory`` or above it, whose matching file is then read.
        """
        if not self.ctx.has_context:
            return None
        found = None
        for inst, state in self.instructions_before(run):
            if inst.directive not in ("COPY", "ADD") or inst.flag("from") is not None:
                continue
            items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
            if len(items) < 2:
                continue
            resolved = copy_destination(run.stage, inst)
            if resolved is None:
                continue
            dest = resolved.path
            for source in items[:-1]:
                if source.rstrip("/").rpartition("/")[2] == name:
                    if resolved.target(source) == posixpath.join(directory, name):
                        found = self.ctx.read(source) or found
                elif directory == dest or directory.startswith(dest.rstrip("/") + "/"):
                    below = posixpath.relpath(directory, dest)
                    found = self.ctx.read(posixpath.join(source, below, name)) or found
        return found

    def instructions_before(self, run: Run) -> list[tuple[Instruction, RunState]]:
        """Every instruction (with its state) of the stage's lineage before ``run``."""
        out: list[tuple[Instruction, RunState]] = []
        for index in self.lineage(run.stage):
            stage = self.model.stages[index]
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst is run.inst:
                    return out
                out.append((inst, state))
        return out
