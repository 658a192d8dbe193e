"""The change decided for one RUN (:class:`Plan`) and how it is written into the file.

The mounts go in as ``--mount=type=cache,target=…[,sharing=…][,uid=…,gid=…]`` flags, on
continuation lines in the file's escape and indentation when the line would get long. Edits
of the RUN's text are made only when exact: the words the shell analysis reads after the edit
must be the words before it less the removed ones, and the edit must not leave the
instruction ending in a continuation (BuildKit would read the next line into it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codemods.cache_mounts.runs import Run, Who
from refactor.analysis.model import RunState
from refactor.analysis.semantics import run_commands
from refactor.data.caches import PackageIndex, Tool, find_use
from refactor.data.commands import Words
from refactor.syntax.tree import Comment, Dockerfile, Flag, Instruction

#: New mount flags go on continuation lines when a line would grow past this.
_MAX_LINE = 100


@dataclass
class Plan:
    """The change decided for one RUN."""

    run: Run
    who: Who
    mounts: list[tuple[Tool, str, str | None]] = field(default_factory=list)  # tool, path, sharing
    drops: dict[str, Tool] = field(default_factory=dict)  # flags to remove from the args
    cleanups: list[PackageIndex] = field(default_factory=list)  # indexes whose rm goes
    notes: list[str] = field(default_factory=list)  # what was edited in the args, and why
    inst: Instruction | None = None  # the RUN with its args edited
    outputs: dict[str, str] = field(default_factory=dict)  # build output dirs (pure caches): why

    def has_target(self, path: str) -> bool:
        """Whether a mount of ``path`` is planned."""
        return any(p == path for _, p, _ in self.mounts)


def without_cleanup(inst: Instruction, state: RunState, index: PackageIndex) -> Instruction | None:
    """``inst`` without its trailing ``&& <cleanup>`` of the index, when that is exact."""
    if inst.heredocs or inst.is_json:
        return None
    before = words_of(inst, state)
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
    return edited if words_of(edited, state) == before[:-1] else None


def without_word(inst: Instruction, state: RunState, word: str, tool: Tool) -> Instruction | None:
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
    for words in words_of(inst, state):
        use = find_use(words)
        if use is not None and use.tool is tool:
            words = tuple(w for w in words if w != word)
        expected.append(words)
    edited = inst.with_args(args)
    return edited if expected and words_of(edited, state) == expected else None


def _ends_cleanly(args: str, escape: str) -> bool:
    """Whether edited args still end the instruction (no continuation into the next line).

    A last line that is empty, a comment or ends with the escape character would make
    BuildKit read the following line as part of this instruction.
    """
    last = args.rpartition("\n")[2].rstrip(" \t\r")
    return bool(last) and not last.lstrip().startswith("#") and not last.endswith(escape)


def words_of(inst: Instruction, state: RunState) -> list[Words]:
    """The words of each command of a RUN ([] when its script cannot be read)."""
    script = run_commands(inst, state)
    return script.words() if script.readable else []


def render_run(plan: Plan, indent: str, eol: str) -> Instruction:
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


def describe(plan: Plan) -> tuple[str, str]:
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


def anchor(tree: Dockerfile, inst: Instruction) -> Instruction | Comment:
    """``inst``, or the first of the comment lines right above it (they describe it)."""
    nodes = tree.nodes
    i = next(k for k, node in enumerate(nodes) if node is inst)
    while i > 0 and isinstance(nodes[i - 1], Comment):
        i -= 1
    node = nodes[i]
    assert isinstance(node, Instruction | Comment)
    return node
