"""The edit non-root-user makes: USER, the RUN creating the user, ``--chown`` on COPY/ADD.

``USER uid:gid`` goes before the anchor the plan chose (above the comments that describe it)
with that instruction's indentation; the RUN creating the user and handing it the app
directory goes right after the stage's last RUN (where its layer stays cached across code
changes); COPY/ADD into the app directory get ``--chown``, those elsewhere stay root-owned and
are reported as skips. A stage written with a blank line between instructions gets them
around the new ones too.
"""

from __future__ import annotations

import itertools

from codemods.non_root_user.checks import low_ports
from codemods.non_root_user.facts import Facts, dest_of
from codemods.non_root_user.plan import (
    Choice,
    anchor,
    app_dir_step,
    handed_folders,
    is_app_dir,
    last_run,
    written_folders,
)
from refactor.analysis.semantics import under
from refactor.engine.codemod import Explanation, Result, Skip, Unsupported
from refactor.syntax.tree import Blank, Comment, Instruction, Node


def render(facts: Facts, choice: Choice) -> Result:
    """The tree with the stage running as ``choice``, its explanations and the COPYs left alone."""
    tree = facts.tree
    style = tree.style
    anchors = anchor(facts)
    if not anchors:
        tree = tree.ensure_final_newline()
    nodes = list(tree.nodes)  # ensure_final_newline replaces nodes one for one
    index = {node: i for i, node in enumerate(facts.tree.nodes)}
    explanations: list[Explanation] = []
    kept: list[tuple[Node, str]] = []
    spec, label, app_dir = choice.user.spec, choice.user.label, facts.final.workdir
    for inst, state in zip(facts.stage.instructions, facts.stage.states, strict=True):
        if inst.directive not in ("COPY", "ADD") or inst.flag("chown") is not None:
            continue
        if len(inst.values.items) < 2:
            continue
        dest = dest_of(facts.stage, inst, state)
        i = index[inst]
        if not is_app_dir(app_dir) or not under(dest, app_dir):
            why = (
                f"outside the app directory {app_dir}"
                if is_app_dir(app_dir)
                else f"there is no app directory: the final WORKDIR is {app_dir}"
            )
            kept.append(
                (
                    nodes[i],
                    f"{inst.directive} to {dest} stays root-owned ({why}): "
                    "the app only needs to read it",
                )
            )
        elif facts.codemod.allowed(facts.tree, inst):
            node = nodes[i]
            assert isinstance(node, Instruction)  # ensure_final_newline keeps node types
            nodes[i] = node.with_flag(f"--chown={spec}")
            explanations.append(
                facts.codemod.explain(
                    f"{inst.directive} into {dest} gives the files to {label} (--chown={spec})",
                    f"{dest} is inside the app directory {app_dir} (the final WORKDIR), "
                    "so the app can write its own files (caches, uploads)",
                    node=nodes[i],
                )
            )
    last = last_run(facts)
    step = app_dir_step(facts, choice)
    handed = handed_folders(facts, choice)
    for folder, writes in written_folders(facts).items():
        if folder not in handed:
            raise Unsupported(
                f"{writes[0].origin} writes into {folder} at run time ({writes[0].what}), and "
                "the image has no shell to give that folder to the user",
                code="USR023",
            )
    commands = [*choice.create, step] if step else list(choice.create)
    user_node = Instruction.create("USER", spec, style=style)
    if anchors:
        user_at = index[anchors[0]]
        while user_at > 0 and isinstance(nodes[user_at - 1], Comment):
            user_at -= 1
        user_node = user_node.with_changes(leading=anchors[0].leading)
    else:
        user_at = index[facts.stage.instructions[-1]] + 1
        user_node = user_node.with_changes(leading=facts.stage.instructions[-1].leading)
    inserts: list[tuple[int, list[Node]]] = [(user_at, [user_node])]
    if commands:
        leading = _neighbour(facts, last).leading
        joiner = " && "
        if choice.create:
            joiner = f" {style.escape}{style.eol}{leading}{style.indent}&& "
        run_node = Instruction.create("RUN", joiner.join(commands), style=style)
        run_node = run_node.with_changes(leading=leading)
        run_at = index[last] + 1
        if run_at == user_at:
            inserts = [(user_at, [run_node, user_node])]
        else:
            inserts.insert(0, (run_at, [run_node]))
        explanations.extend(_explain_run(facts, choice, run_node, step))
    spaced = _spaced(facts)
    for at, new in reversed(inserts):
        _insert(facts, nodes, at, new, spaced=spaced)
    where = f"before {anchors[0].directive}" if anchors else "at the end of the stage"
    if last.directive == "RUN":
        where = f"after the last RUN (line {facts.line(last)}), which may need root, {where}"
    ports = low_ports(facts) if facts.ctx.options.unprivileged_ports else []
    bind = (
        f"; it binds port {ports[0][0]} ({ports[0][1]}) unprivileged, as --unprivileged-ports "
        "says the image runs where ports below 1024 are (Docker Engine 20.10+ and containerd "
        "2.0+ set net.ipv4.ip_unprivileged_port_start=0; Kubernetes without that sysctl and "
        "`docker run --network host` do not)"
        if ports
        else ""
    )
    explanations.append(
        facts.codemod.explain(
            f"the final stage runs as {label} (USER {spec})",
            f"{choice.why}; placed {where}; numeric ids let Kubernetes runAsNonRoot verify "
            f"the user{bind}",
            node=user_node,
        )
    )
    new_tree = tree.with_changes(nodes=tuple(nodes))
    skips = tuple(
        Skip(facts.codemod.name, why, new_tree.line_of(node, None), code="USR022")
        for node, why in kept
    )
    return Result(new_tree, explanations=tuple(explanations), skips=skips)


def _explain_run(facts: Facts, choice: Choice, node: Node, step: str | None) -> list[Explanation]:
    user = choice.user
    what, why = [], []
    if choice.create:
        what.append(
            f"created system user {user.name} (uid {user.uid}) and group {user.name} "
            f"(gid {user.gid}) with home {choice.home} and no login shell"
        )
        why.append(f"{choice.why}; a home keeps tools that write to $HOME working")
    if step:
        app_dir = facts.final.workdir
        handed = handed_folders(facts, choice)
        if app_dir in handed:
            what.append(f"handed the app directory {app_dir} itself to {user.label}")
            why.append(
                f"so the app can create files in {app_dir} (databases, uploads, logs); not "
                "recursive, RUN outputs stay root-owned"
            )
        for folder, writes in written_folders(facts).items():
            if folder != app_dir:
                what.append(f"created {folder} owned by {user.label}")
            found = "; ".join(dict.fromkeys(f"{w.origin} writes with {w.what}" for w in writes))
            why.append(f"the app writes into {folder} at run time ({found})")
    early = "after the last RUN" if last_run(facts).directive == "RUN" else "right after FROM"
    why.append(f"placed {early} so code changes keep it cached")
    return [facts.codemod.explain("; ".join(what), "; ".join(why), node=node)]


def _neighbour(facts: Facts, inst: Instruction) -> Instruction:
    """The instruction after ``inst`` in the stage (``inst`` when it is the last)."""
    insts = facts.stage.instructions
    i = next(i for i, other in enumerate(insts) if other is inst)
    return insts[i + 1] if i + 1 < len(insts) else inst


def _insert(facts: Facts, nodes: list[Node], at: int, new: list[Node], *, spaced: bool) -> None:
    """Insert instructions, separated by blank lines when the stage is written that way."""
    if spaced:
        blank = Blank("", facts.tree.style.eol)
        new = [n for node in new for n in (blank, node)][1:]
        if at > 0 and not isinstance(nodes[at - 1], Blank):
            new.insert(0, blank)
        if at < len(nodes) and not isinstance(nodes[at], Blank):
            new.append(blank)
    nodes[at:at] = new


def _spaced(facts: Facts) -> bool:
    """Whether the stage separates every instruction from the next with a blank line."""
    index = {node: i for i, node in enumerate(facts.tree.nodes)}
    positions = [index[i] for i in facts.stage.instructions]
    gaps = list(itertools.pairwise(positions))
    return len(gaps) >= 2 and all(
        any(isinstance(n, Blank) for n in facts.tree.nodes[a + 1 : b]) for a, b in gaps
    )
