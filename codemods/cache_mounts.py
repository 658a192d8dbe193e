"""cache-mounts: give RUN instructions that download packages a BuildKit cache mount.

A ``RUN --mount=type=cache,target=<dir>`` keeps ``<dir>`` between builds and out of the image,
so a rebuild reuses what the package manager or build tool downloaded last time. What each tool
caches where lives in :mod:`refactor.data.caches`; this module decides, per RUN, whether a mount
is safe:

* only the cache directories of tools the shell analysis sees running (opaque scripts, exec form
  other than ``sh -c``, non-POSIX shells, Windows images are left alone);
* never when later steps need what was downloaded to be *in the image*: an offline build in a
  later RUN (``mvn -o``, ``dotnet build --no-restore``), a container that runs the tool at start
  (``CMD go run .``), a stage whose cache directory another stage copies, a fetch-only RUN
  (``go mod download``) nothing later uses, files an earlier step put into the directory;
* apt: ``/var/cache/apt`` always, ``/var/lib/apt/lists`` only when the RUN refreshes the lists
  itself and deletes them at the end (the trailing ``rm -rf /var/lib/apt/lists/*`` is then
  removed: the lists live in the cache, and deleting them would empty it), and once per stage a
  RUN removing ``docker-clean``, which otherwise deletes every downloaded ``.deb``;
* as a non-root user only when its numeric uid (and home) are known: the mount gets ``uid=``.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from refactor.analysis.images import ImageRef
from refactor.analysis.model import BuildModel, RunState, Stage, substitute
from refactor.analysis.shell import Command, Script, analyse
from refactor.caching import cached
from refactor.data.caches import (
    TOOLS,
    YARN_BERRY_CACHE,
    Account,
    CacheDir,
    PackageIndex,
    Setup,
    Tool,
    Use,
    find_use,
    image_env,
    image_users,
    is_windows_image,
    option_value,
    resolve_cache_dir,
    yarn_flavour,
)
from refactor.data.distros import distro_of, tag_distro
from refactor.engine.codemod import Codemod, Context, Explanation, Result, Skip
from refactor.syntax.tree import Comment, Dockerfile, Flag, Instruction

__all__ = ["CacheMounts"]

_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})
_SHELL_C = re.compile(r"^-[a-z]*c$")
_COPIERS = frozenset({"cp", "mv", "install", "rsync"})
_MAX_LINE = 100
_LOCKED = "locked"
_UNSAFE_PATH = re.compile(r"[,\"'\s]")
_TOOL_NAMES = frozenset(name for tool in TOOLS for name in tool.commands)


@dataclass
class _ToolUse:
    """A command of a RUN that runs a tool, with the environment and directory it runs in."""

    use: Use
    command: Command
    env: dict[str, str]
    index: int  # position in the script's commands

    @cached
    def offline(self) -> bool:
        tool = self.use.tool
        if self.use.has(tool.offline_flags):
            return True
        for var, values in (tool.offline_env or {}).items():
            value = self.env.get(var, "")
            if value in values or any(v in value.split() for v in values):
                return True
        return False


@dataclass
class _Run:
    """What the codemod knows about one RUN."""

    inst: Instruction
    stage: Stage
    state: RunState
    line: int
    script: Script | None = None
    problem: str | None = None  # why the script cannot be read
    editable: bool = False  # shell form without heredoc: the raw args may be edited
    uses: list[_ToolUse] = field(default_factory=list)
    envs: list[dict[str, str]] = field(default_factory=list)  # env of each command
    mentions: frozenset[str] = frozenset()  # tool commands named anywhere in the text

    def uses_of(self, tool: Tool) -> list[_ToolUse]:
        return [u for u in self.uses if u.use.tool is tool]

    @property
    def tools(self) -> list[Tool]:
        out: list[Tool] = []
        for u in self.uses:
            if u.use.downloads and u.use.tool not in out:
                out.append(u.use.tool)
        return out


@dataclass
class _Who:
    """Who a RUN runs as: root, or a user with known ids and home."""

    root: bool
    name: str = "root"
    uid: int | None = None
    gid: int | None = None
    home: str | None = None

    def options(self) -> str:
        if self.root or self.uid is None:
            return ""
        gid = f",gid={self.gid}" if self.gid is not None else ""
        return f",uid={self.uid}{gid}"


@dataclass
class _Plan:
    """The change decided for one RUN."""

    run: _Run
    who: _Who
    mounts: list[tuple[Tool, str, str | None]] = field(default_factory=list)  # tool, path, sharing
    drops: dict[str, Tool] = field(default_factory=dict)  # flags to remove from the args
    cleanups: list[PackageIndex] = field(default_factory=list)  # indexes whose rm goes
    notes: list[str] = field(default_factory=list)  # what was edited in the args, and why
    inst: Instruction | None = None  # the RUN with its args edited
    outputs: dict[str, str] = field(default_factory=dict)  # build output dirs (pure caches): why

    def has_target(self, path: str) -> bool:
        return any(p == path for _, p, _ in self.mounts)


class CacheMounts(Codemod):
    """Add BuildKit cache mounts to RUNs that download packages."""

    name = "cache-mounts"
    description = (
        "Adds `--mount=type=cache,target=…` to RUN instructions that run a package manager or "
        "build tool (apt, apk, yum/dnf, pip, uv, poetry, pipenv, npm, yarn, pnpm, go, cargo, "
        "maven, gradle, dotnet, bundler, composer), pointed at the tool's download cache for the "
        "RUN's user and environment, so rebuilds reuse downloads and the caches stay out of the "
        "image. RUNs whose later steps need the downloads inside the image are left alone."
    )
    default = True

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        model = self.model(tree)
        if not model.stages:
            return self.skip(tree, "no build stage (no FROM)")
        return _Planner(self, tree, model, ctx).result()


class _Planner:
    def __init__(
        self, codemod: CacheMounts, tree: Dockerfile, model: BuildModel, ctx: Context
    ) -> None:
        self.codemod = codemod
        self.ctx = ctx
        self.tree = tree
        self.model = model
        self.skips: list[Skip] = []
        self._lineages: dict[int, list[int]] = {}
        self._offline: dict[tuple[int, str], str | None] = {}
        lines = tree.line_numbers
        self.runs: list[_Run] = []
        self.by_stage: dict[int, list[_Run]] = {}
        for stage in model.stages:
            runs = []
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst.directive == "RUN":
                    run = _Run(inst, stage, state, lines.get(id(inst), 0))
                    self._read(run)
                    runs.append(run)
            self.by_stage[stage.index] = runs
            self.runs.extend(runs)

    # -- reading -------------------------------------------------------------------------------
    def root_image(self, stage: Stage) -> ImageRef | None:
        return self.model.stages[self.lineage(stage)[0]].image

    def lineage(self, stage: Stage) -> list[int]:
        """The stage's ancestors (FROM <stage>) and itself, oldest first."""
        if stage.index not in self._lineages:
            chain = [stage.index]
            current = stage
            while current.parent is not None and current.parent not in chain:
                chain.append(current.parent)
                current = self.model.stages[current.parent]
            self._lineages[stage.index] = chain[::-1]
        return list(self._lineages[stage.index])

    def descendants(self, stage: Stage) -> list[int]:
        """Stages built FROM this one, directly or not."""
        return [
            s.index for s in self.model.stages if s is not stage and stage.index in self.lineage(s)
        ]

    def base_env(self, stage: Stage) -> dict[str, str]:
        return dict(image_env(self.root_image(stage)) or {})

    def _read(self, run: _Run) -> None:
        inst, state = run.inst, run.state
        run.mentions = _mentions(_text(inst))
        shell = state.shell[0].rpartition("/")[2].lower() if state.shell else "sh"
        if inst.is_json:
            items = inst.exec_args or []
            if _is_shell_c(items):
                run.script = analyse(items[2], state.workdir, state.variables)
            else:
                run.problem = "exec-form RUN that is not `sh -c`"
                return
        elif shell.removesuffix(".exe") not in _SHELLS:
            run.problem = f"SHELL is not a POSIX shell ({state.shell[0]})"
            return
        elif inst.heredocs:
            words = [w for w in inst.value.split() if not w.startswith("<<")]
            plain = not words or (
                words[0].rpartition("/")[2] in _SHELLS
                and all(w.startswith("-") and "c" not in w for w in words[1:])
            )
            if len(inst.heredocs) != 1 or not plain:
                run.problem = "heredoc RUN whose command is not a shell"
                return
            run.script = analyse(inst.heredocs[0].content, state.workdir, state.variables)
        else:
            run.script = analyse(inst.value, state.workdir, state.variables)
            run.editable = True
        if run.script.opaque:
            run.problem = "the shell analysis cannot read this RUN's script"
            return
        env = {**self.base_env(run.stage), **state.variables}
        for i, command in enumerate(run.script.commands):
            _track_exports(command, env)
            local = {**env, **dict(command.assignments)}
            run.envs.append(local)
            use = find_use(command.words)
            if use is not None and not command.substitution:
                run.uses.append(_ToolUse(use, command, local, i))

    # -- deciding ------------------------------------------------------------------------------
    def result(self) -> Result:
        plans = [plan for run in self.runs if (plan := self._plan(run)) is not None]
        tree = self.tree
        explanations: list[Explanation] = []
        for anchor, setup in self._setups(plans):
            added = Instruction.create("RUN", setup.script, style=tree.style)
            comment = Comment(setup.comment, tree.style.eol)
            tree = tree.insert_before(anchor, [comment, added])
            explanations.append(self.codemod.explain(setup.message, setup.why, node=added))
        for plan in plans:
            if not plan.mounts:
                continue
            new = _apply(plan, tree.style.indent, tree.style.eol)
            tree = tree.replace(plan.run.inst, new)
            explanations.append(self.codemod.explain(*_describe(plan), node=new))
        if not explanations and not self.skips:
            reason = (
                "every RUN that downloads already has its cache mounts"
                if plans
                else "no RUN uses a package manager or build tool"
            )
            self.skips.append(Skip(self.codemod.name, reason))
        return Result(tree, tuple(explanations), tuple(self.skips))

    def skip(self, run: _Run, reason: str) -> None:
        self.skips.append(Skip(self.codemod.name, reason, run.line))

    def _plan(self, run: _Run) -> _Plan | None:
        tools = run.tools
        if not tools and not (run.problem and run.mentions):
            return None
        if not self.codemod.allowed(self.tree, run.inst):
            self.skip(run, "opted out (# msb-migrate: skip=cache-mounts)")
            return None
        if is_windows_image(self.root_image(run.stage)):
            self.skip(run, "Windows base image")
            return None
        if run.problem:
            self.skip(run, run.problem)
            return None
        who = self._who(run)
        if isinstance(who, str):
            self.skip(run, who)
            return None
        plan = _Plan(run, who)
        existing = _existing_mounts(run)
        for tool in tools:
            veto = self._veto(run, tool, who)
            targets = self._targets(run, tool, who, plan) if veto is None else veto
            if isinstance(targets, str):
                self.skip(run, f"{tool.name}: {targets}")
                continue
            for path, sharing in targets:
                covered = _overlap(path, existing)
                if covered is not None:
                    if covered != path or existing[covered] != "cache":
                        self.skip(run, f"{path}: an existing --mount already uses {covered}")
                    continue
                reason = (
                    _wiped(run, tool)
                    or self._removed(run, path, who)
                    or (None if path in plan.outputs else self._hides(run, path))
                    or self._read_elsewhere(run, tool, path, who)
                    or self._exported(run, path)
                )
                if reason is not None:
                    self.skip(run, f"{path}: {reason}")
                elif not plan.has_target(path):
                    plan.mounts.append((tool, path, sharing))
        self._edit(plan)
        return plan

    def _edit(self, plan: _Plan) -> None:
        """Edit the args as the mounts require (or give up the mounts that need the edit)."""
        run = plan.run
        inst = run.inst
        for index in plan.cleanups:
            if not plan.has_target(index.path):
                continue
            edited = _without_cleanup(inst, run.state, index)
            if edited is None:
                plan.mounts = [m for m in plan.mounts if m[1] != index.path]
            else:
                removed = " ".join(_words_of(inst, run.state)[-1])
                inst = edited
                plan.notes.append(
                    f"removed the trailing `{removed}`: {index.path} now lives in the cache "
                    "mount, never in the image, and deleting it would empty the cache"
                )
        for flag, tool in plan.drops.items():
            if not any(t is tool for t, _, _ in plan.mounts):
                continue
            edited = _without_word(inst, run.state, flag, tool)
            if edited is None:
                plan.mounts = [m for m in plan.mounts if m[0] is not tool]
                self.skip(run, f"{tool.name}: runs with {flag}, which cannot be removed safely")
            else:
                inst = edited
                plan.notes.append(
                    f"dropped {flag}: {tool.name}'s cache now lives in a mount outside the image"
                )
        plan.inst = inst

    def _who(self, run: _Run) -> _Who | str:
        user = run.state.user
        if user is None:
            return _Who(True)
        if "$" in user:
            return f"runs as user {user!r}, which is not known"
        name, _, group = user.partition(":")
        if name in ("root", "0", ""):
            return _Who(True)
        accounts, groups = self._accounts(run)
        account = accounts.get(name)
        if account is None and name.isdigit():
            account = next((a for a in accounts.values() if a.uid == int(name)), None)
        uid = int(name) if name.isdigit() else account.uid if account else None
        if uid is None:
            return f"runs as user {name!r} whose numeric uid is not known"
        if uid == 0:
            return _Who(True)
        gid = account.gid if account else None
        if group:
            gid = int(group) if group.isdigit() else groups.get(group)
        home = run.state.env.get("HOME") or (account.home if account else None)
        return _Who(False, name, uid, gid, home)

    def _accounts(self, run: _Run) -> tuple[dict[str, Account], dict[str, int]]:
        """Users and groups created before ``run`` (by the base image or earlier RUNs)."""
        accounts = dict(image_users(self.root_image(run.stage)))
        groups = {a_name: a.gid for a_name, a in accounts.items() if a.gid is not None}
        for earlier in self._before(run):
            for command in earlier.script.commands if earlier.script else ():
                _read_account(command.words, accounts, groups)
        return accounts, groups

    def _before(self, run: _Run) -> list[_Run]:
        """RUNs of the stage's ancestors and of its stage before ``run``."""
        out: list[_Run] = []
        for index in self.lineage(run.stage):
            for other in self.by_stage[index]:
                if other is run:
                    return out
                out.append(other)
        return out

    def _after(self, run: _Run) -> list[_Run]:
        """RUNs after ``run`` in its stage and in the stages built FROM it."""
        runs = self.by_stage[run.stage.index]
        out = runs[runs.index(run) + 1 :]
        for index in self.descendants(run.stage):
            out.extend(self.by_stage[index])
        return out

    def _veto(self, run: _Run, tool: Tool, who: _Who) -> str | None:
        """Why ``tool``'s caches must not be mounted on ``run``, or None."""
        uses = [u for u in run.uses_of(tool) if u.use.downloads]
        if tool.root_only and not who.root:
            return f"needs root, but the RUN runs as {who.name!r}"
        if tool.families is not None:
            family = self._family(run.stage)
            if family not in tool.families:
                what = f"a {family}" if family else "an unknown"
                return f"the base image is {what} distribution, not {'/'.join(tool.families)}"
        for u in uses:
            flag = u.use.has(tool.disabling_flags - {tool.droppable_flag})
            if flag:
                return f"`{flag}` disables the cache"
            for var, values in (tool.disabling_env or {}).items():
                value = u.env.get(var, "")
                if value and (values is None or value in values):
                    return f"{var}={value} disables the cache"
            moved = u.use.has(tool.moving_flags) or next(
                (f"{v}={u.env[v]}" for v in tool.moving_env if u.env.get(v)), None
            )
            if moved:
                return f"`{moved}` moves the cache to a directory that cannot be told here"
        image_sets = tool.image_vars and not any(var in uses[0].env for var in tool.image_vars)
        if image_sets and self._unknown_image(run.stage):
            image = self.root_image(run.stage)
            return (
                f"the base image {image or '?'} is not known and may set "
                f"{' or '.join(tool.image_vars)}"
            )
        for u in run.uses_of(tool):
            if any(words <= set(u.use.words) for words in tool.empties):
                return f"`{u.command.text}` in the same RUN empties the cache"
        return (
            self._offline_elsewhere(run, tool)
            or self._runtime_use(run, tool)
            or self._fetch_for_image(run, tool, uses)
        )

    def _family(self, stage: Stage) -> str | None:
        image = self.root_image(stage)
        distro = distro_of(image)
        if distro is not None:
            return distro.family
        return tag_distro(image.tag) if image is not None else None

    def _unknown_image(self, stage: Stage) -> bool:
        image = self.root_image(stage)
        return image_env(image) is None and self._family(stage) is None

    def _offline_elsewhere(self, run: _Run, tool: Tool) -> str | None:
        key = (run.stage.index, tool.name)
        if key not in self._offline:
            self._offline[key] = self._find_offline(run, tool)
        return self._offline[key]

    def _find_offline(self, run: _Run, tool: Tool) -> str | None:
        """A RUN of this stage's family that runs ``tool`` offline from the image's downloads."""
        stages = self.lineage(run.stage) + self.descendants(run.stage)
        for index in stages:
            for other in self.by_stage[index]:
                uses = other.uses_of(tool)
                for i, u in enumerate(uses):
                    fetched = any(p.use.downloads and not p.offline for p in uses[:i])
                    if u.offline and not fetched:
                        return (
                            f"line {other.line} runs {u.use.words[0]} offline from what earlier "
                            "steps downloaded into the image"
                        )
        return None

    def _runtime_use(self, run: _Run, tool: Tool) -> str | None:
        for index in [run.stage.index, *self.descendants(run.stage)]:
            stage = self.model.stages[index]
            values = (("CMD", self.model.cmd(stage)), ("ENTRYPOINT", self.model.entrypoint(stage)))
            for kind, value in values:
                for words in _commands_of(value):
                    use = find_use(words)
                    name = words[0].rpartition("/")[2] if words else ""
                    runs_tool = use is not None and use.tool is tool and use.downloads
                    if runs_tool or name in tool.runtime_commands:
                        return (
                            f"the container runs {name} at start ({kind}), which needs the "
                            "downloads inside the image"
                        )
        return None

    def _fetch_for_image(self, run: _Run, tool: Tool, uses: list[_ToolUse]) -> str | None:
        if not uses or not all(u.use.fetch_only for u in uses):
            return None
        names = tool.commands
        for later in self._after(run):
            if later.uses_of(tool) or later.mentions & names:
                return None
        return (
            f"`{' '.join(uses[0].use.words[:3])}` only downloads and no later RUN uses "
            f"{tool.name}: the download is meant to stay in the image"
        )

    def _targets(
        self, run: _Run, tool: Tool, who: _Who, plan: _Plan
    ) -> list[tuple[str, str | None]] | str:
        """The cache directories ``tool`` uses in ``run``, or why they cannot be mounted."""
        uses = [u for u in run.uses_of(tool) if u.use.downloads]
        out: list[tuple[str, str | None]] = []
        caches = tool.caches
        if tool.name == "yarn":
            flavour = self._yarn_flavour(run, uses[0])
            if flavour == "berry-project":
                return "Yarn 2+ keeps this project's cache in the project (.yarn/cache)"
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
                env = _tool_env(u, who)
                path = resolve_cache_dir(cache, env, u.command.cwd, root=who.root)
                if path is None:
                    return _unknown_dir(tool, cache, env, who)
                if path in ("/", who.home) or _UNSAFE_PATH.search(path):
                    return f"unusable cache directory {path}"
                if (path, cache.sharing) not in out:
                    out.append((path, cache.sharing))
        flag = tool.droppable_flag
        if flag and any(u.use.has(frozenset({flag})) for u in uses):
            if not run.editable:
                return f"runs with {flag}, which is only removed from a shell-form RUN"
            if not all(tool.drop_needs and tool.drop_needs in p for p, _ in out):
                return f"runs with {flag}, and hadolint only accepts a mount of */{tool.drop_needs}"
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

    def _yarn_flavour(self, run: _Run, u: _ToolUse) -> str | None:
        """Which Yarn the project uses, from the files COPY brought into its directory."""
        cwd = u.command.cwd
        if cwd is None:
            return None
        package_json = self._context_file(run, cwd, "package.json")
        return yarn_flavour(package_json, self._context_file(run, cwd, ".yarnrc.yml"), u.env)

    def _context_file(self, run: _Run, directory: str, name: str) -> str | None:
        """The build-context file an earlier COPY put at ``directory/name``, if readable.

        A source named ``name`` copied there, or a directory (the context itself with ``.``)
        copied to ``directory`` or above it, whose matching file is then read.
        """
        if not self.ctx.has_context:
            return None
        found = None
        for inst, state in self._instructions_before(run):
            if inst.directive not in ("COPY", "ADD") or inst.flag("from") is not None:
                continue
            items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
            if len(items) < 2:
                continue
            dest = posixpath.normpath(posixpath.join(state.workdir, items[-1]))
            for source in items[:-1]:
                if source.rstrip("/").rpartition("/")[2] == name:
                    if dest in (directory, posixpath.join(directory, name)):
                        found = self.ctx.read(source) or found
                elif directory == dest or directory.startswith(dest.rstrip("/") + "/"):
                    below = posixpath.relpath(directory, dest)
                    found = self.ctx.read(posixpath.join(source, below, name)) or found
        return found

    def _instructions_before(self, run: _Run) -> list[tuple[Instruction, RunState]]:
        """Every instruction (with its state) of the stage's lineage before ``run``."""
        out = []
        for index in self.lineage(run.stage):
            stage = self.model.stages[index]
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst is run.inst:
                    return out
                out.append((inst, state))
        return out

    def _index_reason(
        self, run: _Run, tool: Tool, index: PackageIndex, uses: list[_ToolUse]
    ) -> str | None:
        """Why the package index must stay in the image, or None when it can be a cache."""
        stale = _stale_reader(index, uses)
        if stale is not None:
            return f"`{stale.command.text}` relies on the package index of an earlier RUN"
        if index.cleanup:
            if _without_cleanup(run.inst, run.state, index) is None:
                return "the RUN leaves its package index in the image"
            return None
        for later in self._after(run):
            if later.problem and later.mentions & tool.commands:
                return f"line {later.line} may use the package index this RUN downloads"
            if _stale_reader(index, [u for u in later.uses_of(tool) if u.use.downloads]):
                return f"line {later.line} uses the package index this RUN downloads"
        return None

    def _output_dir(self, run: _Run, tool: Tool, uses: list[_ToolUse]) -> str | None:
        """The tool's build output directory, when the RUN copies its results out of it."""
        assert run.script is not None and tool.output is not None
        output = tool.output
        builds = [u for u in uses if u.use.subcommand in output.builds]
        if not builds or any(u.command.cwd is None for u in builds):
            return None
        dirs = set()
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
            if len(paths) >= 2 and not _paths_overlap(paths[-1], target):
                copied = copied or any(p.startswith(target + "/") for p in paths[:-1])
        if not copied:
            return None
        for earlier in self._before(run):
            if any(u.use.subcommand in output.fills for u in earlier.uses_of(tool)):
                return None
        for later in self._after(run):
            if f"{output.directory}/" in _text(later.inst) or target in _text(later.inst):
                return None
        if self._exported(run, target) is not None:
            return None
        for index in [run.stage.index, *self.descendants(run.stage)]:
            for inst in self.model.stages[index].instructions:
                if inst.directive in ("COPY", "ADD") and target in inst.value:
                    return None
        return target

    def _hides(self, run: _Run, path: str) -> str | None:
        """Why files an earlier COPY/ADD put into ``path`` would be hidden by a mount, or None."""
        for index in self.lineage(run.stage):
            stage = self.model.stages[index]
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst is run.inst:
                    return None
                if inst.directive in ("COPY", "ADD") and _copies_into(inst, state, path, self.ctx):
                    return (
                        f"{inst.directive} on line {self.tree.line_of(inst)} puts files there, "
                        "which a cache mount would hide"
                    )
        return None

    def _removed(self, run: _Run, path: str, who: _Who) -> str | None:
        """The ``rm`` of ``run`` that would remove the mount point ``path`` (and fail), or None."""
        assert run.script is not None
        for command, env in zip(run.script.commands, run.envs, strict=True):
            if command.name not in ("rm", "rmdir"):
                continue
            for word in command.words[1:]:
                if word.startswith("-"):
                    continue
                target = _expand(word, env, who, command.cwd)
                literal = re.split(r"[*?\[$]", target, maxsplit=1)[0]
                if literal == target:
                    hits = target == path or path.startswith(target.rstrip("/") + "/")
                else:
                    parent = literal.rpartition("/")[0] if not literal.endswith("/") else literal
                    parent = posixpath.normpath(parent or "/")
                    hits = path.startswith(parent.rstrip("/") + "/") and parent != path
                if hits:
                    return f"`{command.text}` would remove the mount point (rm fails on a mount)"
        return None

    def _read_elsewhere(self, run: _Run, tool: Tool, path: str, who: _Who) -> str | None:
        """Why a RUN relies on what ``path`` holds in the image, or None.

        Another RUN of the stage's family that names the directory (outside ``rm``) works with
        its files; this RUN naming it relies on what other RUNs of the tool put there.
        """
        chain = self.lineage(run.stage) + self.descendants(run.stage)
        others = [r for index in chain for r in self.by_stage[index] if r is not run]
        for other in others:
            if _names_path(other, path, who):
                return (
                    f"the RUN on line {other.line} works with its files, which would no longer "
                    "be in the image"
                )
        if _names_path(run, path, who) and any(other.uses_of(tool) for other in others):
            return "this RUN works with files other RUNs put there, which would no longer be there"
        return None

    def _exported(self, run: _Run, path: str) -> str | None:
        """Why another stage reads ``path`` from this stage (COPY --from), or None."""
        stages = {run.stage.index, *self.descendants(run.stage)}
        for edge in self.model.edges:
            if edge.source not in stages or edge.kind not in ("copy", "mount"):
                continue
            target = self.model.stages[edge.target]
            state = target.state_of(edge.instruction)
            for source in _edge_sources(edge.instruction, edge.kind, state):
                if _paths_overlap(source, path):
                    return (
                        f"line {self.tree.line_of(edge.instruction)} copies {source} out of this "
                        "stage; a cache mount would leave it empty"
                    )
        return None

    def _setups(self, plans: list[_Plan]) -> list[tuple[Instruction | Comment, Setup]]:
        """Where a tool's setup RUN goes: before the first RUN of a stage with its cache mount.

        Only where every later RUN of the tool in the stage (and in the stages built FROM it)
        has the mount: the setup changes the image (apt's docker-clean stops deleting
        downloaded packages), and a RUN without the mount would keep them in its layer.
        """
        out = []
        for tool in TOOLS:
            setup = tool.setup
            if setup is None:
                continue
            cached = {id(p.run) for p in plans if p.has_target(setup.cache)}
            cached |= {id(r) for r in self.runs if setup.cache in _existing_mounts(r)}
            done: set[int] = set()
            for stage in self.model.stages:
                runs = self.by_stage[stage.index]
                first = next((r for r in runs if id(r) in cached), None)
                if first is None or done & set(self.lineage(stage)):
                    continue
                if any(setup.marker in _text(r.inst) for r in self._before(first)):
                    continue
                later = runs[runs.index(first) :]
                for index in self.descendants(stage):
                    later += self.by_stage[index]
                if any(_uses(r, tool) and id(r) not in cached for r in later):
                    continue
                out.append((_anchor(self.tree, first.inst), setup))
                done.add(stage.index)
        return out


# -- helpers -----------------------------------------------------------------------------------
def _is_shell_c(items: Sequence[str]) -> bool:
    """Whether an exec-form list is ``["sh", "-c", script, ...]``."""
    return (
        len(items) >= 3
        and items[0].rpartition("/")[2] in _SHELLS
        and _SHELL_C.match(items[1]) is not None
    )


def _mentions(text: str) -> frozenset[str]:
    words = re.split(r"[\s;&|()<>`'\"]+", text)
    return frozenset(w.rpartition("/")[2] for w in words) & _TOOL_NAMES


def _wiped(run: _Run, tool: Tool) -> str | None:
    """The command of ``run`` that deletes ``tool``'s cache directory itself, or None."""
    for u in run.uses_of(tool):
        if any(words <= set(u.use.words) for words in tool.wipes):
            return f"`{u.command.text}` deletes the cache directory itself, which fails on a mount"
    return None


def _track_exports(command: Command, env: dict[str, str]) -> None:
    """Follow ``export K=V``, ``unset K`` and bare assignments through the script."""
    if not command.words:
        env.update(dict(command.assignments))
        return
    if command.name == "export":
        for word in command.words[1:]:
            key, sep, value = word.partition("=")
            if sep:
                env[key] = value
    elif command.name == "unset":
        for word in command.words[1:]:
            env.pop(word, None)


def _expand(word: str, env: Mapping[str, str], who: _Who, cwd: str | None) -> str:
    """A path word with ``~`` and known variables expanded, made absolute when possible."""
    home = env.get("HOME") or ("/root" if who.root else who.home) or "$HOME"
    if word == "~" or word.startswith("~/"):
        word = home + word[1:]
    word = substitute(word, {**env, "HOME": home})
    if not word.startswith("/") and not word.startswith("$") and cwd is not None:
        word = posixpath.join(cwd, word)
    return posixpath.normpath(word) if not word.startswith("$") else word


def _names_path(run: _Run, path: str, who: _Who) -> bool:
    """Whether a command of ``run`` other than ``rm`` names ``path`` (or a file below it)."""
    if run.script is None:
        return path in _text(run.inst)
    for command, env in zip(run.script.commands, run.envs, strict=True):
        if command.name in ("rm", "rmdir"):
            continue
        for word in command.words[1:]:
            expanded = _expand(word, env, who, None) if "$" in word or "~" in word else word
            if path in expanded or path in word:
                return True
    return False


def _tool_env(u: _ToolUse, who: _Who) -> dict[str, str]:
    """The variables a tool's cache templates see: env, HOME, options that move the cache."""
    env = dict(u.env)
    home = env.get("HOME") or ("/root" if who.root else who.home)
    if home:
        env["HOME"] = home
    else:
        env.pop("HOME", None)
    tool = u.use.tool
    options = list(u.use.words[1:])
    for var in tool.env_options:
        options = env.get(var, "").split() + options
    for option, var in (tool.path_options or {}).items():
        value = option_value(options, option)
        if value:
            env[var] = value
    return env


def _unknown_dir(tool: Tool, cache: CacheDir, env: Mapping[str, str], who: _Who) -> str:
    if not who.root and "HOME" not in env and any("$HOME" in s for s in cache.sources):
        return f"the home directory of user {who.name!r} is not known"
    first = cache.sources[0].split("/", 1)[0]
    return f"cannot tell where {tool.name} keeps its cache (set {first.lstrip('$')})"


def _commands_of(value: list[str] | str | None) -> list[tuple[str, ...]]:
    """The simple commands of a CMD/ENTRYPOINT value (exec list or shell string)."""
    if value is None:
        return []
    if isinstance(value, str):
        exec_list = _json_prefix(value)
        if exec_list is None:
            return [c.words for c in analyse(value).commands]
        value = exec_list
    if _is_shell_c(value):
        return [c.words for c in analyse(value[2]).commands]
    return [tuple(value)] if value else []


def _json_prefix(text: str) -> list[str] | None:
    """The JSON array ``text`` starts with, read as BuildKit reads it (ignoring what follows).

    BuildKit decodes exec form with ``json.NewDecoder(...).Decode``, which stops after the
    first value: ``CMD ["cargo", "run"]q`` runs ``cargo run``. The engine's parser requires
    the whole text to be JSON and calls it shell form; this reads it like BuildKit.
    """
    try:
        data, _ = json.JSONDecoder().raw_decode(text.lstrip())
    except ValueError:
        return None
    if isinstance(data, list) and data and all(isinstance(item, str) for item in data):
        return data
    return None


def _read_account(
    words: Sequence[str], accounts: dict[str, Account], groups: dict[str, int]
) -> None:
    """Record the user or group ``useradd``/``adduser``/``groupadd``/``addgroup`` creates.

    ``adduser`` is Debian's when it has long options, else BusyBox's (``-G group -h home``).
    """
    if not words:
        return
    name = words[0].rpartition("/")[2]
    args = list(words[1:])
    positionals = _positionals(args, _ACCOUNT_VALUE_OPTIONS)
    if name in ("groupadd", "addgroup") and positionals:
        gid = _opt(args, "-g", "--gid")
        if gid and gid.isdigit():
            groups[positionals[-1]] = int(gid)
        return
    if name not in ("useradd", "adduser") or not positionals:
        return
    debian = name == "adduser" and any(a.startswith("--") for a in args)
    if debian and len(positionals) > 1:
        return  # `adduser user group` adds a member to a group
    uid = _opt(args, "-u", "--uid")
    if uid is None or not uid.isdigit():
        return
    if name == "useradd":
        group, home = _opt(args, "-g", "--gid"), _opt(args, "-d", "--home-dir")
    elif debian:
        group, home = _opt(args, "--gid", "--ingroup"), _opt(args, "--home")
    else:
        group, home = _opt(args, "-G"), _opt(args, "-h")
    gid = None
    if group:
        gid = int(group) if group.isdigit() else groups.get(group)
    user = positionals[0]
    if home is None and not (debian and "--system" in args):
        home = f"/home/{user}"
    accounts[user] = Account(int(uid), gid, home)


_ACCOUNT_VALUE_OPTIONS = frozenset(
    {"-u", "--uid", "-g", "--gid", "-G", "--groups", "-d", "--home-dir", "-h", "--home", "-s"}
    | {"--shell", "-c", "--comment", "--gecos", "--ingroup", "-k", "-K", "-e", "-f"}
)


def _positionals(args: Sequence[str], value_options: Iterable[str]) -> list[str]:
    options = set(value_options)
    out, skip = [], False
    for word in args:
        if skip:
            skip = False
        elif word in options:
            skip = True
        elif not word.startswith("-"):
            out.append(word)
    return out


def _opt(args: Sequence[str], *names: str) -> str | None:
    for name in names:
        value = option_value(args, name)
        if value is not None:
            return value
    return None


def _stale_reader(index: PackageIndex, uses: list[_ToolUse]) -> _ToolUse | None:
    """The first command that reads the package index without refreshing it in the RUN."""
    updated = False
    for u in uses:
        if u.use.subcommand in index.update:
            updated = True
        elif u.use.subcommand in index.readers and not (updated or u.use.has(index.refresh_flags)):
            return u
    return None


def _uses(run: _Run, tool: Tool) -> bool:
    """Whether ``run`` downloads with ``tool`` (or, when it cannot be read, names it)."""
    if run.problem:
        return bool(run.mentions & tool.commands)
    return any(u.use.downloads for u in run.uses_of(tool))


def _without_cleanup(inst: Instruction, state: RunState, index: PackageIndex) -> Instruction | None:
    """``inst`` without its trailing ``&& <cleanup>`` of the index, when that is exact."""
    if inst.heredocs or inst.is_json:
        return None
    before = _words_of(inst, state)
    if not before or before[-1] not in index.cleanup:
        return None
    esc = re.escape(inst.escape)
    cont = rf"(?:{esc}[ \t]*\r?\n[ \t]*)?"
    words = r"[ \t]+".join(re.escape(w) for w in before[-1])
    pattern = re.compile(rf"[ \t]*{cont}&&[ \t]*{cont}{words}[ \t]*\Z")
    args, count = pattern.subn("", inst.args)
    if count != 1 or not _ends_cleanly(args, inst.escape):
        return None
    edited = inst.with_args(args)
    return edited if _words_of(edited, state) == before[:-1] else None


def _without_word(inst: Instruction, state: RunState, word: str, tool: Tool) -> Instruction | None:
    """``inst`` without the argument ``word`` of ``tool``'s commands, when that is exact."""
    if inst.heredocs or inst.is_json:
        return None
    esc = re.escape(inst.escape)
    token = re.escape(word)
    args = re.sub(rf"[ \t]*{esc}[ \t]*\r?\n[ \t]*{token}[ \t]*\Z", "", inst.args)
    args = re.sub(rf"(?m)^[ \t]*{token}[ \t]+{esc}[ \t]*\r?\n", "", args)
    args = re.sub(rf"[ \t]+{token}(?=[ \t\r\n]|{esc}|\Z)", "", args)
    args = re.sub(rf"(?m)^([ \t]*){token}[ \t]+", r"\1", args)
    if not _ends_cleanly(args, inst.escape):
        return None
    expected = []
    for words in _words_of(inst, state):
        use = find_use(words)
        if use is not None and use.tool is tool:
            words = tuple(w for w in words if w != word)
        expected.append(words)
    edited = inst.with_args(args)
    return edited if expected and _words_of(edited, state) == expected else None


def _ends_cleanly(args: str, escape: str) -> bool:
    """Whether edited args still end the instruction (no continuation into the next line).

    A last line that is empty, a comment or ends with the escape character would make
    BuildKit read the following line as part of this instruction.
    """
    last = args.rpartition("\n")[2].rstrip(" \t\r")
    return bool(last) and not last.lstrip().startswith("#") and not last.endswith(escape)


def _words_of(inst: Instruction, state: RunState) -> list[tuple[str, ...]]:
    """The words of each command of a shell-form RUN ([] when the script is opaque)."""
    script = analyse(inst.value, state.workdir, state.variables)
    return [] if script.opaque else [c.words for c in script.commands]


def _apply(plan: _Plan, indent: str, eol: str) -> Instruction:
    """The RUN with its edited args and the new mount flags."""
    inst = plan.inst or plan.run.inst
    owner = plan.who.options()
    flags = [
        f"--mount=type=cache,target={path}" + (f",sharing={sharing}" if sharing else "") + owner
        for _, path, sharing in plan.mounts
    ]
    return _with_flags(inst, flags, indent, eol)


def _with_flags(inst: Instruction, flags: list[str], indent: str, eol: str) -> Instruction:
    """``inst`` with ``flags`` appended; on continuation lines when a line would get too long."""
    out = inst
    for text in flags:
        out = out.with_flag(text)
    if _longest_line(out) <= max(_MAX_LINE, _longest_line(inst)):
        return out
    continuation = f" {inst.escape}{eol}{inst.leading}{indent}"
    new_flags = list(inst.flags)
    for text in flags:
        new_flags.append(Flag(text, continuation if new_flags else " ", inst.escape))
    args_prefix = inst.args_prefix if "\n" in inst.args_prefix else continuation
    return inst.with_changes(flags=tuple(new_flags), args_prefix=args_prefix)


def _longest_line(inst: Instruction) -> int:
    head = inst.code[: len(inst.code) - sum(len(d.code) for d in inst.heredocs)]
    return max(len(line.rstrip("\r")) for line in head.split("\n"))


def _describe(plan: _Plan) -> tuple[str, str]:
    """The explanation of a changed RUN: what was mounted, and why."""
    by_tool: dict[str, list[str]] = {}
    reasons = [
        "rebuilds reuse what the previous build downloaded, and the caches stay out of the image"
    ]
    for tool, path, _ in plan.mounts:
        by_tool.setdefault(tool.name, []).append(path)
        if tool.why not in reasons:
            reasons.append(tool.why)
    parts = [f"{name} ({', '.join(paths)})" for name, paths in by_tool.items()]
    reasons.extend(plan.outputs[path] for _, path, _ in plan.mounts if path in plan.outputs)
    reasons.extend(plan.notes)
    if not plan.who.root:
        reasons.append(f"owned by {plan.who.name!r} (uid {plan.who.uid}), who runs the RUN")
    return "added cache mounts for " + ", ".join(parts), "; ".join(reasons)


def _text(inst: Instruction) -> str:
    """A RUN's script text: its arguments and heredoc bodies."""
    return inst.value + "".join(doc.content for doc in inst.heredocs)


def _anchor(tree: Dockerfile, inst: Instruction) -> Instruction | Comment:
    """``inst``, or the first of the comment lines right above it (they describe it)."""
    nodes = tree.nodes
    i = next(k for k, node in enumerate(nodes) if node is inst)
    while i > 0 and isinstance(nodes[i - 1], Comment):
        i -= 1
    node = nodes[i]
    assert isinstance(node, Instruction | Comment)
    return node


def _mount_fields(spec: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in spec.split(","):
        key, _, value = part.partition("=")
        fields[key.strip().lower()] = value.strip().strip('"')
    return fields


def _existing_mounts(run: _Run) -> dict[str, str]:
    """Targets of the RUN's existing mounts (absolute) → their type."""
    out = {}
    for spec in run.inst.flags_named("mount"):
        fields = _mount_fields(spec)
        target = fields.get("target") or fields.get("dst") or fields.get("destination")
        if target:
            target = substitute(target, run.state.variables)
            path = posixpath.normpath(posixpath.join(run.state.workdir, target))
            out[path] = fields.get("type", "bind")
    return out


def _overlap(path: str, existing: Mapping[str, str]) -> str | None:
    """The existing mount target that is, contains or lies inside ``path``."""
    for target in existing:
        if _paths_overlap(target, path):
            return target
    return None


def _paths_overlap(a: str, b: str) -> bool:
    return a == b or a == "/" or b == "/" or b.startswith(a + "/") or a.startswith(b + "/")


def _copies_into(inst: Instruction, state: RunState, path: str, ctx: Context) -> bool:
    """Whether a COPY/ADD may put files into ``path`` (conservative).

    Into ``path`` or below it: yes. Into a parent: when a source is named like the next
    directory on the way, contains it (read in the build context when there is one), or is a
    directory copied right into the directory that holds ``path``.
    """
    items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
    items = [w for w in items if not w.startswith("<<")]
    if len(items) < 2:
        return False
    dest = posixpath.normpath(posixpath.join(state.workdir, items[-1]))
    if dest == path or dest.startswith(path + "/"):
        return True
    if not path.startswith(dest.rstrip("/") + "/"):
        return False
    parts = path[len(dest.rstrip("/")) + 1 :].split("/")
    local = inst.flag("from") is None and ctx.has_context
    for source in items[:-1]:
        base = source.rstrip("/").rpartition("/")[2]
        if base == parts[0] or (local and ctx.exists(posixpath.join(source, parts[0]))):
            return True
        if base in ("", ".") and inst.flag("from") is None:
            continue  # the build context: only what it holds (checked above) counts
        looks_like_file = "." in base[1:] and not base.startswith(".")
        if len(parts) == 1 and not looks_like_file:
            return True
    return False


def _edge_sources(inst: Instruction, kind: str, state: RunState) -> list[str]:
    """Absolute paths another stage reads through a COPY --from or RUN --mount=from."""
    if kind == "copy":
        items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
        sources = items[:-1]
    else:
        sources = []
        for spec in inst.flags_named("mount"):
            fields = _mount_fields(spec)
            if "from" in fields:
                sources.append(substitute(fields.get("source", "/") or "/", state.variables))
    out = []
    for source in sources:
        cut = re.split(r"[*?\[]", source, maxsplit=1)[0]
        if cut != source:
            cut = cut.rpartition("/")[0] or "/"
        out.append(posixpath.normpath("/" + cut.lstrip("/")))
    return out
