"""The edits: each moved root stage's FROM gets ``--platform=$BUILDPLATFORM`` first among its
flags, a stage whose go builds read TARGETOS/TARGETARCH without declaring them gets an ``ARG``
right after its FROM, and each RUN with go builds to wire gets its assignments. Each change is
explained; the explanation of a moved stage says why its output is portable, from
:data:`refactor.data.platforms.PORTABLE_OUTPUTS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.cross_platform import go
from codemods.cross_platform.facts import BuildFacts
from refactor.data import platforms as pf
from refactor.engine.codemod import Explanation, Result, Unsupported
from refactor.syntax.tree import Instruction, Node

if TYPE_CHECKING:
    from codemods.cross_platform.planner import CrossBuild

__all__ = ["render"]


def render(plan: CrossBuild, facts: BuildFacts, wiring: go.Wiring) -> Result:
    codemod, model, tree = plan.codemod, plan.model, plan.tree
    replace: dict[Node, Node] = {}
    after: dict[Node, Node] = {}
    explanations: list[Explanation] = []
    for root in plan.roots:
        if root.platform is not None:
            continue
        new_from = root.from_.with_flag(f"--platform={pf.BUILD_PLATFORM}", first=True)
        replace[root.from_] = new_from
        family = [s for s in plan.build if s.ancestry()[0] is root]
        kinds = sorted({k for s in family for k in facts.kinds.get(s.index, ())} or {"files"})
        why = "; ".join(pf.PORTABLE_OUTPUTS[k] for k in kinds)
        explanations.append(
            codemod.explain(
                f"build stage `{root.ref}` runs on $BUILDPLATFORM",
                f"it runs natively on the build machine for every target: {why}",
                new_from,
            )
        )
    for index, names in sorted(wiring.args.items()):
        stage = model.stages[index]
        ordered = [n for n in ("TARGETOS", "TARGETARCH") if n in names]
        arg = Instruction.create("ARG", " ".join(ordered), style=tree.style)
        after[stage.from_] = arg
        explanations.append(
            codemod.explain(
                f"declared ARG {' '.join(ordered)} in stage `{stage.ref}`",
                "BuildKit sets them to the platform being built; the go build reads them",
                arg,
            )
        )
    for builds in wiring.runs.values():
        inst = builds[0][0].inst
        new_run = go.edit_run(plan, inst, builds)
        replace[inst] = new_run
        explanations.append(
            codemod.explain(
                f"go build compiles for the target ({', '.join(a for _, a in builds)})",
                "Go cross-compiles pure Go code without emulation; CGO_ENABLED=0 keeps it pure Go",
                new_run,
            )
        )
    if not replace and not after:
        raise Unsupported(
            "the build stages already run on $BUILDPLATFORM and compile for the target",
            code="XP027",
        )
    nodes: list[Node] = []
    for node in tree.nodes:
        nodes.append(replace.get(node, node))
        if node in after:
            nodes.append(after[node])
    return Result(tree.with_changes(nodes=tuple(nodes)), explanations=tuple(explanations))
