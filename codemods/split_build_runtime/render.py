"""Rendering: a :class:`~.plan.Plan` becomes the new tree (the builder, then the runtime
stage) and the explanations.

The builder keeps the original nodes (with the plan's edits before, after or in place of its
instructions); the runtime metadata (CMD, ENTRYPOINT, EXPOSE, LABEL…, with the comments right
above each) moves to the runtime stage, as do the context COPYs after a compiled build and a
USER after the last RUN. The runtime stage gets the ENV (and the ARGs they use) that are not
build-only, a WORKDIR, the copies and the moved instructions; comments and blank lines after
the last instruction stay at the end of the file. A HEALTHCHECK must run a program the runtime
has; otherwise the whole split is skipped.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
from collections.abc import Sequence

from codemods.split_build_runtime.facts import Facts
from codemods.split_build_runtime.plan import Plan
from refactor.analysis.shell import analyse
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Codemod, Explanation, Result, Unsupported
from refactor.syntax.tree import Blank, Comment, Instruction, Node

__all__ = ["BUILDER", "RUNTIME", "render"]

BUILDER = "builder"
RUNTIME = "runtime"


def render(codemod: Codemod, f: Facts, plan: Plan) -> Result:
    """The new tree (builder, then runtime stage) and the explanations of ``plan``."""
    tree = f.tree
    stage = f.stage
    style = f.style
    explanations: list[Explanation] = []
    name = stage.alias or BUILDER
    from_ = stage.from_
    as_word = _as_word(f)
    if stage.alias is None:
        new_from = from_.with_args(f"{from_.args.rstrip()} {as_word} {BUILDER}")
        explanations.append(
            codemod.explain(
                f"named the build stage `{BUILDER}`",
                "the runtime stage copies the artifacts from it",
                new_from,
            )
        )
    else:
        new_from = from_
    ports = f.model.exposed_ports(stage)
    moved = _moved_instructions(f)
    # Move each moved instruction with the comments right above it; new builder steps go
    # above the comments of the instruction they precede.
    nodes = list(tree.nodes)
    take: set[int] = set()
    before_at: dict[int, list[Node]] = {}
    for i, node in enumerate(nodes):
        j = i - 1
        while j >= 0 and isinstance(nodes[j], Comment):
            j -= 1
        if node in moved:
            take.update(range(j + 1, i + 1))
        if node in plan.before:
            before_at[j + 1] = plan.before[node]
    last_inst = max(i for i, n in enumerate(nodes) if isinstance(n, Instruction))
    builder: list[Node] = []
    runtime_moved: list[Node] = []
    trailing: list[Node] = []
    removed = False
    for i, node in enumerate(nodes):
        if i > last_inst:
            trailing.append(node)
            continue
        builder.extend(before_at.get(i, []))
        if i in take:
            removed = True
            if isinstance(node, Instruction):
                if node.directive == "HEALTHCHECK" and plan.static_site:
                    raise Unsupported(
                        "the HEALTHCHECK checks a server nginx replaces",
                        f.line(node),
                        code="SPL027",
                    )
                replaced = plan.static_site or plan.start is not None
                if node.directive in ("CMD", "ENTRYPOINT") and replaced:
                    continue
                if node.directive == "USER" and plan.static_site:
                    continue  # the Node.js server's user; nginx runs as its own
            runtime_moved.append(node)
            continue
        if isinstance(node, Blank):
            if runtime_moved and i - 1 in take and i + 1 in take:
                runtime_moved.append(node)
                continue
            if removed and builder and isinstance(builder[-1], Blank):
                continue
            builder.append(node)
            continue
        removed = False
        if node is from_:
            builder.append(new_from)
            continue
        builder.extend(plan.replace.get(node, [node]))
        builder.extend(plan.after.get(node, []))
    while builder and isinstance(builder[-1], Blank):
        builder.pop()
    user = stage.last("USER")
    if user is not None and user not in moved and not plan.static_site:
        # A copy, not the node itself: the builder keeps its USER, and a node twice in one
        # tree would break every lookup by identity (line_of, the next codemod's edits).
        runtime_moved.insert(0, dataclasses.replace(user))
    # Healthcheck commands must exist in the runtime.
    for node in runtime_moved:
        if isinstance(node, Instruction) and node.directive == "HEALTHCHECK":
            _check_healthcheck(f, node, plan)
    runtime: list[Node] = [Blank("", style.eol)]
    runtime_from = f.new("FROM", f"{_runtime_base(f, plan)} {as_word} {RUNTIME}")
    runtime.append(runtime_from)
    explanations.append(
        codemod.explain(
            f"added the `{RUNTIME}` stage on {plan.runtime_image}",
            plan.runtime_why,
            runtime_from,
        )
    )
    runtime.extend(_runtime_env(f, plan, runtime_moved))
    runtime.extend(plan.runtime_head)
    if f.final.workdir != "/" and not plan.static_site:
        runtime.append(f.new("WORKDIR", f.final.workdir))
    for copy in plan.copies:
        if any(c.isspace() for c in copy.source + copy.dest):
            raise Unsupported(
                f"the artifact path `{copy.source}` contains white space", code="SPL028"
            )
        inst = f.new("COPY", f"{copy.source} {copy.dest}", flags=[f"--from={name}"])
        runtime.append(inst)
        explanations.append(
            codemod.explain(f"copies {copy.source} from the builder", copy.why, inst)
        )
    runtime.extend(plan.runtime_tail)
    if plan.static_site and not ports and plan.port:
        runtime_moved.insert(0, f.new("EXPOSE", plan.port))
    if plan.start is not None:
        runtime_moved.append(plan.start)
    if runtime_moved:
        if len(runtime) > 2:
            runtime.append(Blank("", style.eol))
        runtime.extend(runtime_moved)
        what = sorted({n.directive for n in runtime_moved if isinstance(n, Instruction)})
        first = next(n for n in runtime_moved if isinstance(n, Instruction))
        explanations.append(
            codemod.explain(
                f"moved {', '.join(what)} to the runtime stage",
                "they describe how the image runs",
                first,
            )
        )
    if plan.static_site:
        explanations.append(
            codemod.explain(
                "dropped the static server's CMD/ENTRYPOINT (and USER)",
                "the nginx image's own CMD serves the files, as nginx's own user",
                runtime_from,
            )
        )
    for node, message, why in plan.explanations:
        explanations.append(codemod.explain(message, why, node))
    new_tree = tree.with_changes(nodes=(*builder, *runtime, *trailing))
    return Result(new_tree, explanations=tuple(explanations))


def _runtime_base(f: Facts, plan: Plan) -> str:
    """The runtime image as written: a FROM that uses an ARG keeps it when the runtime is
    the same image (``node:${NODE_VERSION}-alpine``); other variable FROMs are skipped."""
    written = f.stage.from_.values.items[0]
    if "$" not in written or f.ctx.options.runtime_image or plan.tag_free:
        return plan.runtime_image
    if plan.runtime_image == str(f.image):
        return written
    raise Unsupported(
        f"the base image `{written}` uses a variable; the runtime image cannot follow it",
        code="SPL003",
    )


def _as_word(f: Facts) -> str:
    """``AS`` as the file writes it (from a named FROM), else in the keyword case."""
    items = f.stage.from_.values.items
    if len(items) == 3 and items[1].lower() == "as":
        return items[1]
    return "AS" if f.style.upper else "as"


def _moved_instructions(f: Facts) -> set[Instruction]:
    """Instructions that move to the runtime stage: runtime metadata, COPYs of files
    after a compiled build, and USERs after the last RUN."""
    stage = f.stage
    moved: set[Instruction] = set()
    last_build = f.last_build_index
    last_run = f.last_run_index
    compiled = f.ecosystem.compiled
    for i, inst in enumerate(stage.instructions[1:], start=1):
        directive = inst.directive
        after_build = directive in ("COPY", "ADD") and inst.flag("from") is None
        if (
            directive in eco.RUNTIME_INSTRUCTIONS
            or (after_build and i > last_build and compiled)
            or (directive == "USER" and i > last_run)
        ):
            moved.add(inst)
    return moved


def _runtime_env(f: Facts, plan: Plan, moved: Sequence[Node]) -> list[Node]:
    """ENV the runtime needs, and the ARGs they or the moved instructions use, in order."""
    out: list[Node] = []
    if plan.static_site:
        return out
    referenced: set[str] = set()
    for node in moved:
        if isinstance(node, Instruction):
            referenced.update(re.findall(r"\$\{?(\w+)", node.logical))
    envs: list[Instruction] = []
    for inst in f.stage.instructions:
        if inst.directive != "ENV":
            continue
        items = inst.values.items
        pairs = [(items[i], items[i + 1], items[i + 2]) for i in range(0, len(items) - 2, 3)]
        keep = [p for p in pairs if not eco.build_only_env(p[0])]
        if not keep:
            continue
        if len(keep) == len(pairs):
            envs.append(dataclasses.replace(inst))
        elif all(sep == "=" for _, _, sep in keep):
            envs.append(f.new("ENV", " ".join(f"{k}={v}" for k, v, _ in keep)))
        else:
            raise Unsupported(
                "an ENV mixes build and runtime variables in the legacy form", code="SPL029"
            )
        for _, value, _ in keep:
            referenced.update(re.findall(r"\$\{?(\w+)", value))
    args = [
        dataclasses.replace(inst)
        for inst in f.stage.instructions
        if inst.directive == "ARG"
        and any(w.split("=", 1)[0] in referenced for w in inst.values.items)
    ]
    out.extend(args)
    out.extend(envs)
    return out


def _check_healthcheck(f: Facts, node: Instruction, plan: Plan) -> None:
    value = node.value.strip()
    if value.upper().startswith("NONE"):
        return
    cmd = re.sub(r"^(?:--\S+\s+)*CMD\s+", "", value, flags=re.I)
    words: list[str]
    if cmd.startswith("["):
        try:
            words = json.loads(cmd)
        except ValueError:
            words = []
    else:
        commands = analyse(cmd).commands
        words = list(commands[0].words) if commands else []
    program = posixpath.basename(words[0]) if words else ""
    if program in ("CMD-SHELL",) and len(words) > 1:
        program = posixpath.basename(words[1].split()[0])
    if program in plan.programs:
        return
    if any(program == posixpath.basename(c.source) for c in plan.copies):
        return
    raise Unsupported(
        f"the HEALTHCHECK runs `{program}`, which the runtime image "
        f"`{plan.runtime_image}` does not have",
        f.line(node),
        code="SPL027",
    )
