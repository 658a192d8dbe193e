"""The runner vouches for every change: broken codemods lose their change, the others keep theirs."""

from __future__ import annotations

import pickle
from collections.abc import Callable

from refactor import parse
from refactor.engine.codemod import Codemod, Context, Result
from refactor.engine.runner import (
    CODEMOD_MODULES,
    DEFAULT_CODEMODS,
    available_codemods,
    run_codemods,
    select_codemods,
)
from refactor.syntax.tree import Comment, Dockerfile, Instruction

SOURCE = 'FROM golang:1.22 AS build\nRUN go build -o /app .\n\nFROM debian:12\nCMD ["/app"]\n'


class _Edit(Codemod):
    """A test codemod: ``edit`` rewrites the tree; ``name`` is set per instance."""

    description = "test"

    def __init__(self, name: str, edit: Callable[[Dockerfile], Dockerfile]) -> None:
        self.name = name  # type: ignore[misc]
        self.edit = edit

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        new = self.edit(tree)
        return Result(new, (self.explain(f"{self.name} changed"),) if new is not tree else ())


def _label(tree: Dockerfile) -> Dockerfile:
    """Sound and idempotent: a LABEL after the last FROM, once."""
    if "LABEL" in {i.directive for i in tree.instructions}:
        return tree
    return tree.insert_after(tree.instructions[-2], [Instruction.create("LABEL", "x=1")])


def _swallow(tree: Dockerfile) -> Dockerfile:
    """Broken: a continuation left on the RUN swallows the next instruction."""
    run = tree.instructions[1]
    if run.args.endswith("\\"):
        return tree
    return tree.replace(run, run.with_args(run.args + " \\"))


def _dangle(tree: Dockerfile) -> Dockerfile:
    """Broken: copies from stage 5, which does not exist (a number is never an image)."""
    if any(i.flag("from") == "5" for i in tree.instructions):
        return tree
    copy = Instruction.create("COPY", "/x /x", flags=["--from=5"])
    return tree.insert_after(tree.instructions[-1], [copy])


def _grow(tree: Dockerfile) -> Dockerfile:
    """Broken: never done, adds a comment every time."""
    return tree.insert_before(tree.instructions[0], [Comment("# again")])


def _crash(tree: Dockerfile) -> Dockerfile:
    raise RuntimeError("boom")


def run(*codemods: Codemod) -> tuple[str, dict[str, list[str]], list[str]]:
    """The output, each codemod's skips as ``CODE kind: reason`` (which check failed is the
    point of these tests, so the reason is kept) and the codemods applied."""
    report = run_codemods(parse(SOURCE, "Dockerfile"), Context(), codemods)
    reasons: dict[str, list[str]] = {}
    for skip in report.skips:
        reasons.setdefault(skip.codemod, []).append(f"{skip.code} {skip.kind}: {skip.reason}")
    return report.output, reasons, report.applied


def test_sound_change_is_applied() -> None:
    output, reasons, applied = run(_Edit("label", _label))
    assert applied == ["label"] and not reasons
    assert output == SOURCE.replace("FROM debian:12\n", "FROM debian:12\nLABEL x=1\n")
    assert parse(output).code == output


def test_change_that_reads_back_differently_is_discarded() -> None:
    output, reasons, applied = run(_Edit("swallow", _swallow), _Edit("label", _label))
    assert applied == ["label"]
    assert reasons["swallow"] == [
        "MSB002 discarded: change discarded: the result reads back as different instructions "
        "than the codemod built"
    ]
    assert "LABEL x=1" in output and "\\" not in output


def test_change_that_leaves_a_dangling_reference_is_discarded() -> None:
    output, reasons, applied = run(_Edit("label", _label), _Edit("dangle", _dangle))
    assert applied == ["label"]
    assert reasons["dangle"] == [
        "MSB002 discarded: change discarded: the result refers to a stage that does not exist (5)"
    ]
    assert "--from=5" not in output


def test_change_that_is_not_idempotent_is_discarded() -> None:
    output, reasons, applied = run(_Edit("grow", _grow), _Edit("label", _label))
    assert applied == ["label"]
    assert reasons["grow"] == [
        "MSB002 discarded: change discarded: applying it twice changes the file again"
    ]
    assert "# again" not in output


def test_internal_error_keeps_the_others() -> None:
    output, reasons, applied = run(_Edit("crash", _crash), _Edit("label", _label))
    assert applied == ["label"]
    assert reasons["crash"] == ["MSB003 internal-error: internal error: RuntimeError('boom')"]
    assert "LABEL x=1" in output


def test_broken_change_before_and_after_sound_ones() -> None:
    """With several codemods, only the broken ones lose their change, wherever they run."""
    output, reasons, applied = run(
        _Edit("swallow", _swallow),
        _Edit("label", _label),
        _Edit("dangle", _dangle),
    )
    assert applied == ["label"]
    assert set(reasons) == {"swallow", "dangle"}
    assert output == SOURCE.replace("FROM debian:12\n", "FROM debian:12\nLABEL x=1\n")


class _NodeLabel(Codemod):
    """``_label`` with an explanation that points at the added node."""

    name = "label"
    description = "test"

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        new = _label(tree)
        if new is tree:
            return Result(tree)
        added = new.instructions[-2]
        return Result(new, (self.explain("label changed", node=added),))


def test_report_travels_between_processes_as_text() -> None:
    """What a worker process sends back: the output and resolved lines, not the tree."""
    report = run_codemods(parse(SOURCE), Context(), [_NodeLabel()])
    assert report.explanations[0].line == 5 and report.explanations[0].node is not None
    data = pickle.dumps(report)
    assert b"Instruction" not in data and b"Dockerfile" not in data  # no nodes aboard
    back = pickle.loads(data)
    assert back.tree is None and back.output == report.output != SOURCE
    assert [(e.message, e.line, e.node) for e in back.explanations] == [("label changed", 5, None)]
    tree = back.final_tree()
    assert tree is not None and tree.code == report.output and back.tree is tree


def test_default_codemods_table_matches_the_codemods() -> None:
    """The runner's table of defaults (read without importing codemods) says what each says."""
    codemods = available_codemods()
    assert [c.name for c in codemods] == list(CODEMOD_MODULES)
    assert {c.name for c in codemods if c.default} == DEFAULT_CODEMODS
    assert [c.name for c in select_codemods()] == [c.name for c in codemods if c.default]
