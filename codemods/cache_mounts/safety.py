"""Why a cache mount would break the build: each check returns a :class:`Veto` or None.

A mount keeps a directory out of the image. That is wrong when something needs the
downloads *in* the image: a later offline build (:meth:`Facts.offline_elsewhere`), a start
command that runs the tool, a fetch-only RUN nothing later uses, another stage that copies
the directory, another RUN that works with its files. It fails when the RUN removes the mount
point or the tool deletes its own cache directory, and it would hide files an earlier COPY put
there. Tool-wide vetoes (:func:`veto`) come first, then those for one cache path.
"""

from __future__ import annotations

import posixpath
import re

from codemods.cache_mounts.facts import Facts, Veto
from codemods.cache_mounts.paths import copies_into, edge_sources, expand, names_path, paths_overlap
from codemods.cache_mounts.runs import Run, ToolUse, Who, start_commands
from refactor.data.caches import Tool, find_use


def veto(facts: Facts, run: Run, tool: Tool, who: Who) -> Veto | None:
    """Why ``tool``'s caches must not be mounted on ``run``, or None."""
    uses = [u for u in run.uses_of(tool) if u.use.downloads]
    if tool.root_only and not who.root:
        return Veto(f"needs root, but the RUN runs as {who.name!r}", "CM006")
    if tool.families is not None:
        family = facts.family(run.stage)
        if family not in tool.families:
            what = f"a {family}" if family else "an unknown"
            families = "/".join(tool.families)
            return Veto(f"the base image is {what} distribution, not {families}", "CM007")
    for u in uses:
        flag = u.use.has(tool.disabling_flags - {tool.droppable_flag})
        if flag:
            return Veto(f"`{flag}` disables the cache", "CM008")
        for var, values in (tool.disabling_env or {}).items():
            value = u.env.get(var, "")
            if value and (values is None or value in values):
                return Veto(f"{var}={value} disables the cache", "CM008")
        moved = u.use.has(tool.moving_flags) or next(
            (f"{v}={u.env[v]}" for v in tool.moving_env if u.env.get(v)), None
        )
        if moved:
            return Veto(
                f"`{moved}` moves the cache to a directory that cannot be told here", "CM009"
            )
    image_sets = tool.image_vars and not any(var in uses[0].env for var in tool.image_vars)
    if image_sets and facts.unknown_image(run.stage):
        image = facts.root_image(run.stage)
        return Veto(
            f"the base image {image or '?'} is not known and may set "
            f"{' or '.join(tool.image_vars)}",
            "CM009",
        )
    for u in run.uses_of(tool):
        if any(words <= set(u.use.words) for words in tool.empties):
            return Veto(f"`{u.command.text}` in the same RUN empties the cache", "CM010")
    return (
        facts.offline_elsewhere(run, tool)
        or runtime_use(facts, run, tool)
        or fetch_for_image(facts, run, tool, uses)
    )


def runtime_use(facts: Facts, run: Run, tool: Tool) -> Veto | None:
    """Why the container needs ``tool``'s downloads at start (CMD/ENTRYPOINT run it)."""
    for index in [run.stage.index, *facts.descendants(run.stage)]:
        stage = facts.model.stages[index]
        values = (("CMD", facts.model.cmd(stage)), ("ENTRYPOINT", facts.model.entrypoint(stage)))
        for kind, value in values:
            for words in start_commands(value, stage.final_state or stage.states[-1]):
                use = find_use(words)
                name = words[0].rpartition("/")[2] if words else ""
                runs_tool = use is not None and use.tool is tool and use.downloads
                if runs_tool or name in tool.runtime_commands:
                    return Veto(
                        f"the container runs {name} at start ({kind}), which needs the "
                        "downloads inside the image",
                        "CM012",
                    )
    return None


def fetch_for_image(facts: Facts, run: Run, tool: Tool, uses: list[ToolUse]) -> Veto | None:
    """Why a fetch-only RUN (``go mod download``) that nothing later uses keeps its download."""
    if not uses or not all(u.use.fetch_only for u in uses):
        return None
    names = tool.commands
    for later in facts.after(run):
        if later.uses_of(tool) or later.mentions & names:
            return None
    return Veto(
        f"`{' '.join(uses[0].use.words[:3])}` only downloads and no later RUN uses "
        f"{tool.name}: the download is meant to stay in the image",
        "CM013",
    )


def wiped(run: Run, tool: Tool) -> Veto | None:
    """The command of ``run`` that deletes ``tool``'s cache directory itself, or None."""
    for u in run.uses_of(tool):
        if any(words <= set(u.use.words) for words in tool.wipes):
            return Veto(
                f"`{u.command.text}` deletes the cache directory itself, which fails on a mount",
                "CM010",
            )
    return None


def hides(facts: Facts, run: Run, path: str) -> Veto | None:
    """Why files an earlier COPY/ADD put into ``path`` would be hidden by a mount, or None."""
    for index in facts.lineage(run.stage):
        stage = facts.model.stages[index]
        for inst, state in zip(stage.instructions, stage.states, strict=True):
            if inst is run.inst:
                return None
            if inst.directive in ("COPY", "ADD") and copies_into(
                stage, inst, state, path, facts.ctx
            ):
                return Veto(
                    f"{inst.directive} on line {facts.tree.line_of(inst)} puts files there, "
                    "which a cache mount would hide",
                    "CM019",
                )
    return None


def removed(facts: Facts, run: Run, path: str, who: Who) -> Veto | None:
    """The ``rm`` of ``run`` that would remove the mount point ``path`` (and fail), or None."""
    assert run.script is not None
    for command, env in zip(run.script.commands, run.envs, strict=True):
        if command.name not in ("rm", "rmdir"):
            continue
        for word in command.words[1:]:
            if word.startswith("-"):
                continue
            target = expand(word, env, who, command.cwd)
            literal = re.split(r"[*?\[$]", target, maxsplit=1)[0]
            if literal == target:
                hits = target == path or path.startswith(target.rstrip("/") + "/")
            else:
                parent = literal.rpartition("/")[0] if not literal.endswith("/") else literal
                parent = posixpath.normpath(parent or "/")
                hits = path.startswith(parent.rstrip("/") + "/") and parent != path
            if hits:
                return Veto(
                    f"`{command.text}` would remove the mount point (rm fails on a mount)", "CM010"
                )
    return None


def read_elsewhere(facts: Facts, run: Run, tool: Tool, path: str, who: Who) -> Veto | None:
    """Why a RUN relies on what ``path`` holds in the image, or None.

    Another RUN of the stage's family that names the directory (outside ``rm``) works with
    its files; this RUN naming it relies on what other RUNs of the tool put there.
    """
    chain = facts.lineage(run.stage) + facts.descendants(run.stage)
    others = [r for index in chain for r in facts.by_stage[index] if r is not run]
    for other in others:
        if names_path(other, path, who):
            return Veto(
                f"the RUN on line {other.line} works with its files, which would no longer "
                "be in the image",
                "CM020",
            )
    if names_path(run, path, who) and any(other.uses_of(tool) for other in others):
        return Veto(
            "this RUN works with files other RUNs put there, which would no longer be there",
            "CM020",
        )
    return None


def exported(facts: Facts, run: Run, path: str) -> Veto | None:
    """Why another stage reads ``path`` from this stage (COPY --from), or None."""
    stages = {run.stage.index, *facts.descendants(run.stage)}
    for edge in facts.model.edges:
        if edge.source not in stages or edge.kind not in ("copy", "mount"):
            continue
        target = facts.model.stages[edge.target]
        state = target.state_of(edge.instruction)
        for source in edge_sources(edge.instruction, edge.kind, state):
            if paths_overlap(source, path):
                return Veto(
                    f"line {facts.tree.line_of(edge.instruction)} copies {source} out of this "
                    "stage; a cache mount would leave it empty",
                    "CM021",
                )
    return None
