"""name-stages: give every stage of a multi-stage build a lowercase name and refer to it by name.

Unnamed stages are named after what they do (``runtime`` for the final stage, ``builder``,
``test``, ``deps``, else the base image's family), ``COPY --from=<index>`` and
``RUN --mount=…,from=<index>`` are rewritten to the names, and BuildKit's ``FromAsCasing``
(``AS`` in the case of ``FROM``) and ``StageNameCasing`` (lowercase stage names) checks are
fixed (also on the single stage of a one-stage file, which is otherwise left unnamed: nothing
refers to it). Existing names are kept (CI may ``--target`` them) except for the casing fix, which
is safe: BuildKit lowercases stage names when it parses ``FROM … AS`` and looks ``--target`` up
case-insensitively (moby/buildkit ``parseBuildStageName``, ``dispatchStates.findStateByName``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from refactor.analysis.model import BuildModel, Edge, Stage, build_model
from refactor.analysis.semantics import stage_role, word_spans
from refactor.engine.codemod import Codemod, Context, Explanation, Result, Skip
from refactor.syntax.tree import Dockerfile, Flag, Instruction, Node

__all__ = ["STAGE_NAME", "NameStages"]

STAGE_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
#: Names BuildKit reserves (``FROM scratch``, the ``context`` named context).
RESERVED_NAMES = frozenset({"scratch", "context"})


def _family(stage: Stage) -> str | None:
    """The base image's family of the stage's root, as a stage name (None if not one)."""
    image = stage.ancestry()[0].image
    if image is None:
        return None
    family = re.sub(r"[^a-z0-9_.-]+", "-", image.family.lower()).strip("-")
    return family if STAGE_NAME.match(family) and family not in RESERVED_NAMES else None


# -- editing FROM and references --------------------------------------------------------------
def _edit(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _mount_fields(spec: str) -> list[tuple[int, int]]:
    """Spans of the CSV fields of a ``--mount`` value (double quotes respected)."""
    fields, start, quoted = [], 0, False
    for i, ch in enumerate(spec):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            fields.append((start, i))
            start = i + 1
    fields.append((start, len(spec)))
    return fields


def _rename_mount(flag: Flag, reference: str, name: str) -> Flag | None:
    head, sep, spec = flag.text.partition("=")
    if not sep:
        return None
    for start, end in _mount_fields(spec):
        key, eq, value = spec[start:end].partition("=")
        if (
            eq
            and key.strip().strip('"').lower() == "from"
            and value.strip().strip('"') == reference
        ):
            new_spec = spec[:start] + f"{key}={name}" + spec[end:]
            return Flag(f"{head}={new_spec}", flag.prefix, flag.escape)
    return None


@dataclass
class _Plan:
    """What happens to one stage: its final name and the edits of its FROM."""

    stage: Stage
    name: str | None  # the name other instructions refer to it by, after the change
    edits: list[tuple[int, int, str]]
    notes: list[tuple[str, str]]  # (what, why) explanations of the FROM edits


class NameStages(Codemod):
    name = "name-stages"
    description = (
        "Names every unnamed stage of a multi-stage Dockerfile after what it does (runtime, "
        "builder, test, deps, or its base image's family), rewrites COPY --from=<index> and "
        "RUN --mount=…,from=<index> to those names, and fixes BuildKit's FromAsCasing and "
        "StageNameCasing checks (lowercase stage names, AS in the case of FROM). Existing names "
        "are kept apart from lowercasing, which BuildKit treats as the same name."
    )
    default = True
    codes: ClassVar[Mapping[str, str]] = {
        "NS001": "the file has no stage",
        "NS002": "the stage or instruction opts out (# msb-migrate: skip)",
        "NS003": "the FROM instruction has a shape the codemod cannot edit",
        "NS004": "a stage name is not valid for BuildKit",
        "NS005": "two stages have the same name",
        "NS006": "nothing to name: the stages are already named and referred to by name",
        "NS007": "the renamed file would not build the same stages",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        model = build_model(tree)
        if not model.stages:
            return self.skip(tree, "no stage", code="NS001")
        single = len(model.stages) == 1
        skips: list[Skip] = []
        plans = self._plan(tree, model, skips, name_new=not single)
        replacements: dict[Node, Instruction] = {}
        notes: dict[Node, list[tuple[str, str]]] = {}
        for plan in plans:
            if plan.edits:
                inst = plan.stage.from_
                replacements[inst] = inst.with_args(_edit(inst.args, plan.edits))
                notes[inst] = plan.notes
        names = {plan.stage.index: plan.name for plan in plans}
        for edge in model.edges:
            self._reference(tree, edge, names, replacements, notes, skips)
        if not replacements:
            if single:
                skips.append(Skip(self.name, "single stage: nothing refers to it", code="NS006"))
            elif not skips:
                skips.append(
                    Skip(
                        self.name,
                        "every stage already has a lowercase name used by reference",
                        code="NS006",
                    )
                )
            return Result(tree, skips=tuple(skips))
        new_tree, explanations = self._apply(tree, replacements, notes)
        problem = _check(model, build_model(new_tree), names)
        if problem:
            return self.skip(
                tree, f"the renamed file would not build the same stages ({problem})", code="NS007"
            )
        return Result(new_tree, explanations=tuple(explanations), skips=tuple(skips))

    # -- planning -----------------------------------------------------------------------------
    def _plan(
        self, tree: Dockerfile, model: BuildModel, skips: list[Skip], *, name_new: bool
    ) -> list[_Plan]:
        """Names and FROM edits per stage; a single stage keeps its name, or lack of one, and
        only gets the casing fixes (so stages split from it later start out lint-clean)."""
        taken = set(RESERVED_NAMES)
        taken.update(s.alias.lower() for s in model.stages if s.alias)
        # Words used as images: a stage named like one would capture the reference.
        used = Counter(s.base.lower() for s in model.stages)
        used.update(e.reference.lower() for e in model.edges if e.kind != "from")
        as_word = _file_as_word(tree, model)
        plans: list[_Plan] = []
        for stage in model.stages:
            inst = stage.from_
            items = list(inst.values.items)
            spans = word_spans(inst.args, inst.escape)
            line = tree.line_of(inst)
            plan = _Plan(stage, stage.name, [], [])
            plans.append(plan)
            if not self.allowed(tree, inst):
                skips.append(
                    Skip(self.name, "stage opted out (# msb-migrate: skip)", line, code="NS002")
                )
                continue
            if len(items) not in (1, 3):
                plan.name = None
                skips.append(
                    Skip(
                        self.name,
                        "FROM needs one word or three (IMAGE AS NAME)",
                        line,
                        code="NS003",
                    )
                )
                continue
            if [inst.args[s:e] for s, e in spans] != items:
                plan.name = stage.name if stage.alias == stage.name else None
                skips.append(
                    Skip(self.name, "cannot locate the words of this FROM", line, code="NS003")
                )
                continue
            keyword = _as_keyword(inst.keyword, as_word)
            if stage.alias is None and name_new:
                plan.name = self._new_name(model, stage, taken, used, plan)
                plan.edits.append((spans[0][1], spans[0][1], f" {keyword} {plan.name}"))
            elif stage.alias is not None:
                self._existing(model, stage, keyword, spans, plan, skips, line)
            self._parent(model, stage, spans, plans, plan)
        return plans

    def _new_name(
        self, model: BuildModel, stage: Stage, taken: set[str], used: Counter[str], plan: _Plan
    ) -> str:
        """A unique name: not a stage name, reserved word or image word used elsewhere."""
        role, why = stage_role(stage, stage is model.final)
        if role is None:
            family = _family(stage)
            role = family or f"stage-{stage.index}"
            why = (
                f"its commands do not say what it does, so it is named after its image ({family})"
                if family
                else "neither its commands nor its base image suggest a name"
            )
        own = stage.base.lower()
        name, n = role, 2
        while name in taken or used[name] > (1 if name == own else 0):
            name, n = f"{role}-{n}", n + 1
        taken.add(name)
        plan.notes.append(
            (
                f"named stage {stage.index} (FROM {stage.base}) '{name}'",
                f"{why}; a name survives reordering and lets you `--target {name}`",
            )
        )
        return name

    def _existing(
        self,
        model: BuildModel,
        stage: Stage,
        keyword: str,
        spans: list[tuple[int, int]],
        plan: _Plan,
        skips: list[Skip],
        line: int,
    ) -> None:
        inst, alias = stage.from_, stage.alias or ""
        lower = alias.lower()
        if not STAGE_NAME.match(lower):
            plan.name = None
            skips.append(
                Skip(
                    self.name, f"stage name {alias!r} is not valid for BuildKit", line, code="NS004"
                )
            )
            return
        others = [s for s in model.named(lower) if s is not stage]
        if alias != lower and others:
            plan.name = None
            skips.append(Skip(self.name, f"stage name {lower!r} is used twice", line, code="NS005"))
            return
        written = inst.args[spans[1][0] : spans[1][1]]
        cased = inst.keyword.isupper() or inst.keyword.islower()  # FromAsCasing applies
        if written != keyword and cased:
            plan.edits.append((*spans[1], keyword))
            plan.notes.append(
                (
                    f"`{written}` → `{keyword}`",
                    f"BuildKit's FromAsCasing check: AS should match the case of `{inst.keyword}`",
                )
            )
        if alias != lower:
            plan.edits.append((*spans[2], lower))
            plan.notes.append(
                (
                    f"stage name '{alias}' → '{lower}'",
                    "BuildKit's StageNameCasing check wants lowercase stage names; BuildKit "
                    f"lowercases stage names and matches --target case-insensitively, so "
                    f"`--target {alias}` keeps working",
                )
            )
        plan.name = lower

    def _parent(
        self,
        model: BuildModel,
        stage: Stage,
        spans: list[tuple[int, int]],
        plans: list[_Plan],
        plan: _Plan,
    ) -> None:
        """``FROM Builder`` written in another case than the (lowercase) stage name."""
        if stage.parent is None:
            return
        parent = plans[stage.parent].name
        written = stage.from_.args[spans[0][0] : spans[0][1]]
        if parent and "$" not in written and written != parent and written.lower() == parent:
            plan.edits.append((*spans[0], parent))
            plan.notes.append(
                (
                    f"FROM {written} → FROM {parent}",
                    "BuildKit matches `FROM <stage>` exactly against the lowercase stage name, "
                    f"so `FROM {written}` was read as an (invalid, upper-case) image name",
                )
            )

    # -- references ---------------------------------------------------------------------------
    def _reference(
        self,
        tree: Dockerfile,
        edge: Edge,
        names: Mapping[int, str | None],
        replacements: dict[Node, Instruction],
        notes: dict[Node, list[tuple[str, str]]],
        skips: list[Skip],
    ) -> None:
        if edge.kind == "from" or edge.source is None:
            return
        name, ref = names.get(edge.source), edge.reference
        if not name or ref == name or not (ref.isdigit() or ref.lower() == name):
            return
        inst = replacements.get(edge.instruction, edge.instruction)
        if not self.allowed(tree, edge.instruction):
            skips.append(
                Skip(
                    self.name,
                    "instruction opted out",
                    tree.line_of(edge.instruction),
                    code="NS002",
                )
            )
            return
        flags = list(inst.flags)
        for i, flag in enumerate(flags):
            if flag.text == "--":
                continue
            if edge.kind == "copy" and flag.name == "from" and flag.value == ref:
                flags[i] = Flag(f"{flag.text.partition('=')[0]}={name}", flag.prefix, flag.escape)
            elif edge.kind == "mount" and flag.name == "mount":
                flags[i] = _rename_mount(flag, ref, name) or flag
        if flags == list(inst.flags):
            return
        replacements[edge.instruction] = inst.with_changes(flags=tuple(flags))
        written = "--from" if edge.kind == "copy" else "--mount=…,from"
        why = (
            "an index breaks silently when stages are added or reordered"
            if ref.isdigit()
            else "matches the stage's lowercase name"
        )
        notes.setdefault(edge.instruction, []).append(
            (f"{written}={ref} → {written}={name}", f"refers to stage '{name}' by name: {why}")
        )

    def _apply(
        self,
        tree: Dockerfile,
        replacements: Mapping[Node, Instruction],
        notes: Mapping[Node, list[tuple[str, str]]],
    ) -> tuple[Dockerfile, list[Explanation]]:
        nodes: list[Node] = []
        explanations: list[Explanation] = []
        for node in tree.nodes:
            new = replacements.get(node)
            if new is None:
                nodes.append(node)
                continue
            nodes.append(new)
            explanations.extend(self.explain(what, why, node=new) for what, why in notes[node])
        return tree.with_changes(nodes=tuple(nodes)), explanations


def _as_keyword(from_keyword: str, file_word: str) -> str:
    """``AS`` in the case of FROM (FromAsCasing); the file's habit for a mixed-case ``From``."""
    if from_keyword.isupper():
        return "AS"
    if from_keyword.islower():
        return "as"
    return file_word


def _file_as_word(tree: Dockerfile, model: BuildModel) -> str:
    counts = Counter(
        "lower" if items[1].islower() else "upper"
        for s in model.stages
        if len(items := s.from_.values.items) == 3
    )
    if counts["lower"] != counts["upper"]:
        return "as" if counts["lower"] > counts["upper"] else "AS"
    return tree.style.keyword("as")


def _check(old: BuildModel, new: BuildModel, names: Mapping[int, str | None]) -> str | None:
    """Why the renamed file is not the same build, or None."""
    if len(old.stages) != len(new.stages):
        return "stage count changed"
    for stage in new.stages:
        want = names.get(stage.index)
        if want and stage.name != want:
            return f"stage {stage.index} is not named {want}"
    before = [(e.source, e.target, e.kind, e.image) for e in old.edges]
    after = [(e.source, e.target, e.kind, e.image) for e in new.edges]
    return None if before == after else "a reference resolves differently"
