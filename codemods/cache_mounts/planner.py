"""Which cache mounts each RUN gets: :class:`MountPlanner` decides, then edits the tree.

Per RUN: the tools it runs that download (:mod:`.runs`), who it runs as, then per tool the
vetoes that hold for the whole tool (:func:`.safety.veto`), the cache directories it uses
there (:meth:`MountPlanner._targets`: Yarn's flavour, the package index, a build output
directory whose binary the RUN copies out), and per directory the vetoes for one path.
Edits of the RUN's text the mounts need (dropping ``--no-cache-dir``, the trailing ``rm`` of
apt's lists) are made last, or the mounts that need them are given up. Once per stage family,
a tool's setup RUN (apt's docker-clean removal) goes before the first RUN with its mount.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from codemods.cache_mounts.facts import Facts, Veto
from codemods.cache_mounts.paths import (
    existing_mounts,
    overlap,
    paths_overlap,
    tool_env,
    unknown_dir,
)
from codemods.cache_mounts.render import (
    Plan,
    anchor,
    describe,
    render_run,
    without_cleanup,
    without_word,
    words_of,
)
from codemods.cache_mounts.runs import Run, ToolUse, Who, stale_reader, text_of, uses_tool
from codemods.cache_mounts.safety import exported, hides, read_elsewhere, removed, veto, wiped
from refactor.analysis.semantics import is_windows
from refactor.data.caches import (
    TOOLS,
    YARN_BERRY_CACHE,
    PackageIndex,
    Setup,
    Tool,
    resolve_cache_dir,
)
from refactor.engine.codemod import Context, Explanation, Result, Skip
from refactor.syntax.tree import Comment, Dockerfile, Instruction

if TYPE_CHECKING:
    from codemods.cache_mounts import CacheMounts

#: Commands that copy a build's output out of its directory.
_COPIERS = frozenset({"cp", "mv", "install", "rsync"})
_LOCKED = "locked"
#: Characters a mount target cannot hold (the --mount value is comma-separated, unquoted).
_UNSAFE_PATH = re.compile(r"[,\"'\s]")


class MountPlanner(Facts):
    """Decides the mounts of every RUN, then edits the tree."""

    def __init__(self, codemod: CacheMounts, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree, ctx)
        self.skips: list[Skip] = []

    def result(self) -> Result:
        """The tree with every safe mount (and setup RUN) added, or the reasons none is."""
        plans = [plan for run in self.runs if (plan := self._plan(run)) is not None]
        tree = self.tree
        explanations: list[Explanation] = []
        for before, setup in self._setups(plans):
            added = Instruction.create("RUN", setup.script, style=tree.style)
            comment = Comment(setup.comment, tree.style.eol)
            tree = tree.insert_before(before, [comment, added])
            explanations.append(self.codemod.explain(setup.message, setup.why, node=added))
        for plan in plans:
            if not plan.mounts:
                continue
            new = render_run(plan, tree.style.indent, tree.style.eol)
            tree = tree.replace(plan.run.inst, new)
            explanations.append(self.codemod.explain(*describe(plan), node=new))
        if not explanations and not self.skips:
            reason = (
                "every RUN that downloads already has its cache mounts"
                if plans
                else "no RUN uses a package manager or build tool"
            )
            code = "CM022" if plans else "CM023"
            self.skips.append(Skip(self.codemod.name, reason, code=code))
        return Result(tree, tuple(explanations), tuple(self.skips))

    def skip_run(self, run: Run, reason: str, code: str) -> None:
        self.skips.append(Skip(self.codemod.name, reason, run.line, code=code))

    def _plan(self, run: Run) -> Plan | None:
        """The mounts of one RUN (None when it runs no tool that downloads)."""
        tools = run.tools
        if not tools and not (run.problem and run.mentions):
            return None
        if not self.codemod.allowed(self.tree, run.inst):
            self.skip_run(run, "opted out (# msb-migrate: skip=cache-mounts)", "CM002")
            return None
        if is_windows(self.root_image(run.stage), self.root_platform(run.stage)):
            self.skip_run(run, "Windows base image", "CM003")
            return None
        if run.problem:
            self.skip_run(run, run.problem, "CM004")
            return None
        who = self.who(run)
        if isinstance(who, Veto):
            self.skip_run(run, who.reason, who.code)
            return None
        plan = Plan(run, who)
        existing = existing_mounts(run)
        for tool in tools:
            vetoed = veto(self, run, tool, who)
            targets = self._targets(run, tool, who, plan) if vetoed is None else vetoed
            if isinstance(targets, Veto):
                self.skip_run(run, f"{tool.name}: {targets.reason}", targets.code)
                continue
            for path, sharing in targets:
                covered = overlap(path, existing)
                if covered is not None:
                    if covered != path or existing[covered] != "cache":
                        self.skip_run(
                            run, f"{path}: an existing --mount already uses {covered}", "CM018"
                        )
                    continue
                reason = (
                    wiped(run, tool)
                    or removed(self, run, path, who)
                    or (None if path in plan.outputs else hides(self, run, path))
                    or read_elsewhere(self, run, tool, path, who)
                    or exported(self, run, path)
                )
                if reason is not None:
                    self.skip_run(run, f"{path}: {reason.reason}", reason.code)
                elif not plan.has_target(path):
                    plan.mounts.append((tool, path, sharing))
        self._edit(plan)
        return plan

    def _edit(self, plan: Plan) -> None:
        """Edit the args as the mounts require (or give up the mounts that need the edit)."""
        run = plan.run
        inst = run.inst
        for index in plan.cleanups:
            if not plan.has_target(index.path):
                continue
            edited = without_cleanup(inst, run.state, index)
            if edited is None:
                plan.mounts = [m for m in plan.mounts if m[1] != index.path]
            else:
                removed = " ".join(words_of(inst, run.state)[-1])
                inst = edited
                plan.notes.append(
                    f"removed the trailing `{removed}`: {index.path} now lives in the cache "
                    "mount, never in the image, and deleting it would empty the cache"
                )
        for flag, tool in plan.drops.items():
            if not any(t is tool for t, _, _ in plan.mounts):
                continue
            edited = without_word(inst, run.state, flag, tool)
            if edited is None:
                plan.mounts = [m for m in plan.mounts if m[0] is not tool]
                self.skip_run(
                    run, f"{tool.name}: runs with {flag}, which cannot be removed safely", "CM016"
                )
            else:
                inst = edited
                plan.notes.append(
                    f"dropped {flag}: {tool.name}'s cache now lives in a mount outside the image"
                )
        plan.inst = inst

    def _targets(
        self, run: Run, tool: Tool, who: Who, plan: Plan
    ) -> list[tuple[str, str | None]] | Veto:
        """The cache directories ``tool`` uses in ``run``, or why they cannot be mounted."""
        uses = [u for u in run.uses_of(tool) if u.use.downloads]
        out: list[tuple[str, str | None]] = []
        caches = tool.caches
        if tool.name == "yarn":
            flavour = self.yarn_kind(run, uses[0])
            if flavour == "berry-project":
                return Veto(
                    "Yarn 2+ keeps this project's cache in the project (.yarn/cache)", "CM014"
                )
            if flavour == "berry-global":
                caches = (YARN_BERRY_CACHE,)
        for cache in caches:
            if cache.subcommands is not None and not any(
                u.use.subcommand in cache.subcommands for u in uses
            ):
                continue
            if cache.wrapper and not any(u.use.wrapper for u in uses):
                continue
            for u in uses:
                env = tool_env(u, who)
                path = resolve_cache_dir(cache, env, u.command.cwd, root=who.root)
                if path is None:
                    return Veto(unknown_dir(tool, cache, env, who), "CM009")
                if path in ("/", who.home) or _UNSAFE_PATH.search(path):
                    return Veto(f"unusable cache directory {path}", "CM015")
                if (path, cache.sharing) not in out:
                    out.append((path, cache.sharing))
        flag = tool.droppable_flag
        if flag and any(u.use.has(frozenset({flag})) for u in uses):
            if not run.editable:
                return Veto(
                    f"runs with {flag}, which is only removed from a shell-form RUN", "CM016"
                )
            if not all(tool.drop_needs and tool.drop_needs in p for p, _ in out):
                return Veto(
                    f"runs with {flag}, and hadolint only accepts a mount of */{tool.drop_needs}",
                    "CM016",
                )
            plan.drops[flag] = tool
        index = tool.index
        if index is not None:
            reason = self._index_reason(run, tool, index, uses)
            if reason is not None:
                out = [t for t in out if t[0] != index.path]
                if not out:
                    return reason
            elif index.cleanup:
                plan.cleanups.append(index)
        if tool.output is not None:
            target_dir = self._output_dir(run, tool, uses)
            if target_dir is not None:
                out.append((target_dir, _LOCKED))
                plan.outputs[target_dir] = (
                    f"{target_dir} is cached too: the RUN copies the built binary out of it, and "
                    "the lock keeps another build from replacing it before the copy"
                )
        return out

    def _index_reason(
        self, run: Run, tool: Tool, index: PackageIndex, uses: list[ToolUse]
    ) -> Veto | None:
        """Why the package index must stay in the image, or None when it can be a cache."""
        stale = stale_reader(index, uses)
        if stale is not None:
            return Veto(
                f"`{stale.command.text}` relies on the package index of an earlier RUN", "CM017"
            )
        if index.cleanup:
            if without_cleanup(run.inst, run.state, index) is None:
                return Veto("the RUN leaves its package index in the image", "CM017")
            return None
        for later in self.after(run):
            if later.problem and later.mentions & tool.commands:
                return Veto(
                    f"line {later.line} may use the package index this RUN downloads", "CM017"
                )
            if stale_reader(index, [u for u in later.uses_of(tool) if u.use.downloads]):
                return Veto(f"line {later.line} uses the package index this RUN downloads", "CM017")
        return None

    def _output_dir(self, run: Run, tool: Tool, uses: list[ToolUse]) -> str | None:
        """The tool's build output directory, when the RUN copies its results out of it."""
        assert run.script is not None and tool.output is not None
        output = tool.output
        builds = [u for u in uses if u.use.subcommand in output.builds]
        if not builds or any(u.command.cwd is None for u in builds):
            return None
        dirs: set[str] = set()
        for u in builds:
            explicit = u.use.option(output.option) or u.env.get(output.env)
            base = explicit or output.directory
            dirs.add(posixpath.normpath(posixpath.join(u.command.cwd or "/", base)))
        if len(dirs) != 1:
            return None
        target = dirs.pop()
        last_build = max(u.index for u in builds)
        copied = False
        for command in run.script.commands[last_build + 1 :]:
            if command.name not in _COPIERS or command.cwd is None or len(command.words) < 3:
                continue
            paths = [
                posixpath.normpath(posixpath.join(command.cwd, w))
                for w in command.words[1:]
                if not w.startswith("-")
            ]
            if len(paths) >= 2 and not paths_overlap(paths[-1], target):
                copied = copied or any(p.startswith(target + "/") for p in paths[:-1])
        if not copied:
            return None
        for earlier in self.before(run):
            if any(u.use.subcommand in output.fills for u in earlier.uses_of(tool)):
                return None
        for later in self.after(run):
            if f"{output.directory}/" in text_of(later.inst) or target in text_of(later.inst):
                return None
        if exported(self, run, target) is not None:
            return None
        for index in [run.stage.index, *self.descendants(run.stage)]:
            for inst in self.model.stages[index].instructions:
                if inst.directive in ("COPY", "ADD") and target in inst.value:
                    return None
        return target

    def _setups(self, plans: list[Plan]) -> list[tuple[Instruction | Comment, Setup]]:
        """Where a tool's setup RUN goes: before the first RUN of a stage with its cache mount.

        Only where every later RUN of the tool in the stage (and in the stages built FROM it)
        has the mount: the setup changes the image (apt's docker-clean stops deleting
        downloaded packages), and a RUN without the mount would keep them in its layer.
        """
        out: list[tuple[Instruction | Comment, Setup]] = []
        for tool in TOOLS:
            setup = tool.setup
            if setup is None:
                continue
            cached = {p.run for p in plans if p.has_target(setup.cache)}
            cached |= {r for r in self.runs if setup.cache in existing_mounts(r)}
            done: set[int] = set()
            for stage in self.model.stages:
                runs = self.by_stage[stage.index]
                first = next((r for r in runs if r in cached), None)
                if first is None or done & set(self.lineage(stage)):
                    continue
                if any(setup.marker in text_of(r.inst) for r in self.before(first)):
                    continue
                later = runs[runs.index(first) :]
                for index in self.descendants(stage):
                    later += self.by_stage[index]
                if any(uses_tool(r, tool) and r not in cached for r in later):
                    continue
                out.append((anchor(self.tree, first.inst), setup))
                done.add(stage.index)
        return out
