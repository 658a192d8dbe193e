"""Applies codemods in their fixed order and vouches for every output.

For each codemod's change the runner checks that the codemod applied to its own output changes
nothing; for the result, that it parses (with BuildKit's rules) into the instructions built and
that no stage reference dangles that did not before. That second check runs once on the final
tree and, only when it fails, after every step (to find the change at fault). A change failing
a check is discarded and reported as a skip; the pipeline carries on with the next codemod.
Nothing here writes a file.

Variants (:class:`~refactor.engine.codemod.Variant`): the context may ask a codemod for one of
the variants it declares (``Context.variants``; the back-off does, never a normal run). A name
the codemod does not declare is a programming error (``ValueError``); a codemod that changed
the file under a variant gets one more explanation naming the variant, so every output says
which variant was applied.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from refactor.analysis.model import build_model
from refactor.engine.codemod import (
    Codemod,
    Context,
    Explanation,
    Kind,
    Options,
    Result,
    Skip,
    file_opted_out,
)
from refactor.errors import MsbError
from refactor.syntax.parser import parse
from refactor.syntax.tree import Directive, Dockerfile

__all__ = [
    "CODEMOD_MODULES",
    "DEFAULT_CODEMODS",
    "FileReport",
    "available_codemods",
    "load_codemod",
    "migrate",
    "run_codemods",
    "select_codemods",
]

#: Every codemod, in the order the runner applies them, with its module.
CODEMOD_MODULES: dict[str, str] = {
    "name-stages": "codemods.name_stages",
    "split-build-runtime": "codemods.split_build_runtime",
    "deps-stage": "codemods.deps_stage",
    "jdk-to-jre": "codemods.jdk_to_jre",
    "cache-mounts": "codemods.cache_mounts",
    "non-root-user": "codemods.non_root_user",
    "test-stage": "codemods.test_stage",
    "cross-platform": "codemods.cross_platform",
    "dev-target": "codemods.dev_target",
    "narrow-copies": "codemods.narrow_copies",
    "dockerignore": "codemods.dockerignore",
    "document-stages": "codemods.document_stages",
}

#: The codemods that run unless deselected: each one's ``default``, kept here too so that a run
#: imports only the codemods it applies (a test holds the two equal).
DEFAULT_CODEMODS = frozenset(
    {
        "name-stages",
        "split-build-runtime",
        "jdk-to-jre",
        "cache-mounts",
        "non-root-user",
        "document-stages",
    }
)

SYNTAX_DIRECTIVE = "docker/dockerfile:1"


def load_codemod(name: str) -> Codemod:
    """An instance of the codemod called ``name`` (KeyError when unknown)."""
    module = importlib.import_module(CODEMOD_MODULES[name])
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Codemod)
            and value is not Codemod
            and getattr(value, "name", None) == name
        ):
            codemod: Codemod = value()
            return codemod
    raise KeyError(name)


def available_codemods() -> list[Codemod]:
    """Every codemod that is installed, in application order."""
    out = []
    for name in CODEMOD_MODULES:
        try:
            out.append(load_codemod(name))
        except (ImportError, KeyError):
            continue
    return out


def select_codemods(
    only: Sequence[str] = (), skip: Iterable[str] = (), enable: Iterable[str] = ()
) -> list[Codemod]:
    """The codemods to run: ``only`` if given, else the defaults plus ``enable``, less ``skip``.

    Unknown names raise ``KeyError`` naming the first one.
    """
    skipped = set(skip)
    enabled = set(enable)
    for name in (*only, *skipped, *enabled):
        if name not in CODEMOD_MODULES:
            raise KeyError(name)
    chosen = []
    for name in CODEMOD_MODULES:
        wanted = name in only if only else name in DEFAULT_CODEMODS or name in enabled
        if wanted and name not in skipped:
            with contextlib.suppress(ImportError, KeyError):  # not installed
                chosen.append(load_codemod(name))
    missing = [n for n in only if n not in {c.name for c in chosen} and n not in skipped]
    if missing:
        raise KeyError(missing[0])
    return chosen


@dataclass
class FileReport:
    """The outcome for one Dockerfile."""

    path: str
    original: str
    tree: Dockerfile | None = None
    explanations: list[Explanation] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    applied: list[str] = field(default_factory=list)
    error: str | None = None
    #: The output when the tree stayed behind (a report sent back by a worker process).
    _text: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def output(self) -> str:
        if self.tree is not None:
            return self.tree.code
        return self._text if self._text is not None else self.original

    def final_tree(self) -> Dockerfile | None:
        """The migrated tree (read again from its text if it came from a worker process)."""
        if self.tree is None and self._text is not None:
            self.tree, self._text = parse(self._text, self.path), None
        return self.tree

    def __getstate__(self) -> dict[str, object]:
        """Slim for the trip back from a worker process: the tree travels as its text, the
        explanations without their nodes (their lines are already resolved)."""
        state = dict(self.__dict__)
        if self.tree is not None:
            state["tree"], state["_text"] = None, self.tree.code
        state["explanations"] = [replace(e, node=None) for e in self.explanations]
        return state

    @property
    def changed(self) -> bool:
        return self.error is None and (self.output != self.original or bool(self.files))


def _problem(before: Dockerfile, after: Dockerfile) -> str | None:
    """Why ``after`` must not replace ``before``, or None when it is sound."""
    try:
        reparsed = parse(after.code, before.path)
    except MsbError as exc:
        return f"the result does not parse ({exc})"
    if [(type(n), n.code) for n in reparsed.nodes] != [(type(n), n.code) for n in after.nodes]:
        # e.g. a continuation left before a comment line swallows the next instruction
        return "the result reads back as different instructions than the codemod built"
    old = {(e.reference, e.kind) for e in build_model(before).dangling}
    # ``after`` reads as ``reparsed`` does (checked above); its model is the one later
    # codemods share
    new = [e for e in build_model(after).dangling if (e.reference, e.kind) not in old]
    if new:
        return f"the result refers to a stage that does not exist ({new[0].reference})"
    if not reparsed.instructions or reparsed.instructions[0].directive not in ("FROM", "ARG"):
        return "the result does not start with FROM"
    return None


def run_codemods(tree: Dockerfile, ctx: Context, codemods: Sequence[Codemod]) -> FileReport:
    """Apply ``codemods`` in order to ``tree``; every accepted change is checked.

    Each change must leave the codemod with nothing more to do on its own output. Whether the
    result reads back as built and keeps every stage reference is checked once, on the final
    tree (it holds for the whole chain when it holds for every step); when it does not, the
    codemods run again with that check after each step, and only the changes failing it are
    discarded.
    """
    report = _run(tree, ctx, codemods, checked=False)
    final = report.tree
    if final is not None and final is not tree and _problem(tree, final) is not None:
        report = _run(tree, ctx, codemods, checked=True)
    return report


def _run(
    tree: Dockerfile, ctx: Context, codemods: Sequence[Codemod], *, checked: bool
) -> FileReport:
    report = FileReport(tree.path or "<input>", tree.code, tree)
    if file_opted_out(tree):
        report.skips.append(
            Skip("msb-migrate", "the file opts out (# msb-migrate: skip)", code="MSB001")
        )
        return report
    _check_variants(ctx, codemods)
    current = tree
    for codemod in codemods:
        result = _safe_transform(codemod, current, ctx)
        report.skips.extend(result.skips)
        if result.tree.code == current.code and not result.files:
            continue
        problem = _problem(current, result.tree) if checked else None
        if problem is None:
            again = _safe_transform(codemod, result.tree, ctx)
            if again.tree.code != result.tree.code:
                problem = "applying it twice changes the file again"
        if problem is not None:
            report.skips.append(
                Skip(
                    codemod.name, f"change discarded: {problem}", code="MSB002", kind=Kind.DISCARDED
                )
            )
            continue
        current = result.tree
        explanations = [*result.explanations, *_variant_note(codemod, ctx)]
        # Resolve lines now: a later codemod may replace these nodes (then the line stays).
        report.explanations = _resolve_lines(current, [*report.explanations, *explanations])
        report.files.update(result.files)
        report.applied.append(codemod.name)
    if ctx.options.syntax_directive and current.code != tree.code:
        current = _with_syntax_directive(current, report)
    report.tree = current
    report.explanations = _resolve_lines(current, report.explanations)
    return report


def _check_variants(ctx: Context, codemods: Sequence[Codemod]) -> None:
    for codemod in codemods:
        name = ctx.variant(codemod.name)
        if name is not None and name not in {v.name for v in codemod.variants}:
            raise ValueError(f"{codemod.name} has no variant {name!r}")


def _variant_note(codemod: Codemod, ctx: Context) -> list[Explanation]:
    """The explanation that says which variant ``codemod`` applied (none for its default)."""
    name = ctx.variant(codemod.name)
    variant = next((v for v in codemod.variants if v.name == name), None)
    if variant is None:
        return []
    return [
        Explanation(
            codemod.name,
            f"applied its variant `{variant.name}`: {variant.description}",
            "the default change made an image that failed verification (back-off)",
        )
    ]


def _safe_transform(codemod: Codemod, tree: Dockerfile, ctx: Context) -> Result:
    try:
        return codemod.transform(tree, ctx)
    except Exception as exc:  # a bug in one codemod must not lose the others' work
        if os.environ.get("MSB_DEBUG") == "1":
            raise
        skip = Skip(
            codemod.name,
            f"internal error: {exc!r}",
            code="MSB003",
            kind=Kind.INTERNAL_ERROR,
            detail=traceback.format_exc(),
        )
        return Result(tree, skips=(skip,))


def _with_syntax_directive(tree: Dockerfile, report: FileReport) -> Dockerfile:
    if "syntax" in tree.directives:
        return tree
    text = f"# syntax={SYNTAX_DIRECTIVE}"
    directive = Directive("syntax", SYNTAX_DIRECTIVE, text, tree.style.eol)
    report.explanations.append(
        Explanation(
            "msb-migrate",
            f"added the parser directive # syntax={SYNTAX_DIRECTIVE}",
            "asked for with --syntax-directive (pins the Dockerfile frontend)",
            1,
            directive,
        )
    )
    return tree.with_changes(nodes=(directive, *tree.nodes))


def _resolve_lines(tree: Dockerfile, explanations: list[Explanation]) -> list[Explanation]:
    """Give each explanation the line of its node in the final tree."""
    out = []
    for exp in explanations:
        line = tree.line_of(exp.node, None) if exp.node is not None else None
        if line is not None and line != exp.line:
            exp = Explanation(exp.codemod, exp.message, exp.reason, line, exp.node)
        out.append(exp)
    return sorted(out, key=lambda e: e.line or 0)


def migrate(
    text: str,
    *,
    path: str | None = None,
    context_dir: Path | None = None,
    options: Options | None = None,
    codemods: Sequence[Codemod] | None = None,
    target: str | None = None,
    variants: Mapping[str, str] | None = None,
) -> FileReport:
    """Parse ``text`` and run the codemods (the defaults unless given) on it, each asked for
    the variant ``variants`` names for it (none: its default change)."""
    try:
        tree = parse(text, path)
    except MsbError as exc:
        return FileReport(path or "<input>", text, error=str(exc))
    if context_dir is None and path is not None:
        context_dir = Path(path).parent
    ctx = Context(
        context_dir=context_dir,
        dockerfile=Path(path) if path else None,
        options=options or Options(),
        target=target,
        variants=dict(variants or {}),
    )
    return run_codemods(tree, ctx, select_codemods() if codemods is None else codemods)
