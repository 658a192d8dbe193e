"""The development stage written into the file: ``FROM <build stage> AS development``, the
plan's setup instructions, an EXPOSE of its port when the chain does not expose it, and the dev
command as an exec-form CMD, inserted right before the production stage (and the comments
above it), which stays last. An unnamed build stage is named ``builder`` and an unnamed
production stage ``production``; index references keep working as the stages keep their
order.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from codemods.dev_target.plan import DEVELOPMENT, PRODUCTION, DevPlan
from refactor.engine.codemod import Explanation, Result, Unsupported
from refactor.syntax.tree import Blank, Comment, Instruction, Node

if TYPE_CHECKING:
    from codemods.dev_target.planner import DevStage

__all__ = ["render"]


def render(dev: DevStage, plan: DevPlan) -> Result:
    tree = dev.tree
    if any("$" in word for word in plan.command):
        raise Unsupported(
            f"the dev command `{' '.join(plan.command)}` uses a variable, which an exec-form "
            "CMD does not expand",
            code="DEV017",
        )
    explanations: list[Explanation] = []
    replace: dict[Node, Node] = {}
    base_ref = dev.base.alias
    if base_ref is None:
        if dev.model.stage("builder") is not None:
            raise Unsupported("the build stage has no name and `builder` is taken", code="DEV005")
        base_ref = "builder"
        named = name_stage(dev, dev.base.from_, base_ref)
        replace[dev.base.from_] = named
        explanations.append(
            dev.codemod.explain(
                f"named the build stage `{base_ref}`",
                "the development stage derives from it",
                named,
            )
        )
    if dev.final.alias is None:
        named = name_stage(dev, dev.final.from_, PRODUCTION)
        replace[dev.final.from_] = named
        explanations.append(
            dev.codemod.explain(
                f"named the production stage `{PRODUCTION}`",
                "it stays the last stage, so a plain `docker build` still produces it; the "
                "name makes `--target production` explicit",
                named,
            )
        )
    as_word = "AS" if dev.style.upper else "as"
    head = dev.new("FROM", f"{base_ref} {as_word} {DEVELOPMENT}")
    block: list[Node] = [head, *(node for node, _, _ in plan.setup)]
    exposed = {p.split("/", 1)[0] for s in dev.chain for p in dev.model.exposed_ports(s)}
    if plan.port and plan.port not in exposed:
        block.append(dev.new("EXPOSE", plan.port))
    cmd = dev.new("CMD", json.dumps(plan.command))
    block += [cmd, Blank("", dev.style.eol)]
    explanations.append(
        dev.codemod.explain(
            f"added the `{DEVELOPMENT}` stage (FROM {base_ref}) running `{' '.join(plan.command)}`",
            f"the dev command comes from {plan.source}; build it with `docker build --target "
            f"{DEVELOPMENT}`, while a plain build still produces the last (production) stage",
            head,
        )
    )
    for node, what, why in plan.setup:
        explanations.append(dev.codemod.explain(what, why, node))
    nodes = list(tree.nodes)
    at = next(i for i, n in enumerate(nodes) if n is dev.final.from_)
    while at > 0 and isinstance(nodes[at - 1], Comment):
        at -= 1
    if at > 0 and not isinstance(nodes[at - 1], Blank):
        block.insert(0, Blank("", dev.style.eol))
    out = [replace.get(n, n) for n in nodes[:at]]
    out += block
    out += [replace.get(n, n) for n in nodes[at:]]
    return Result(tree.with_changes(nodes=tuple(out)), explanations=tuple(explanations))


def name_stage(dev: DevStage, from_: Instruction, name: str) -> Instruction:
    as_word = "AS" if dev.style.upper else "as"
    return from_.with_args(f"{from_.args.rstrip()} {as_word} {name}")
