"""document-stages: descriptions, comment style, idempotence, and the real-world corpus.

The real-world helpers here (:func:`realworld_problems`, :func:`synthetic_context`) are shared
with tests/test_narrow_copies.py and tests/test_dockerignore.py.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from realworld import REALWORLD, realworld_files

from codemods.dockerignore import context_sources
from codemods.document_stages import DocumentStages, comment_marker, describe
from refactor.analysis.model import build_model
from refactor.data.ecosystems import ecosystem_of_image
from refactor.engine.codemod import Codemod, Context
from refactor.engine.runner import FileReport, load_codemod, migrate, run_codemods, select_codemods
from refactor.syntax.parser import parse


def document(text: str, target: str | None = None) -> FileReport:
    return migrate(text, codemods=[DocumentStages()], target=target)


# -- descriptions ---------------------------------------------------------------------------------


GO = """FROM golang:1.22 AS builder
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM gcr.io/distroless/static-debian12 AS runtime
COPY --from=builder /out/app /app
ENTRYPOINT ["/app"]
"""


def test_builder_and_runtime_are_described() -> None:
    lines = document(GO).output.splitlines()
    assert lines[0] == "# builder: compiles the Go binary (go build -o /out/app .)"
    assert lines[6] == "# runtime: minimal image that runs /app, with files from builder"
    assert lines[5] == ""  # the blank line stays above the new comment


def test_roles_follow_name_stages() -> None:
    text = """FROM node:20 AS deps
RUN npm ci
FROM deps AS test
RUN npm test
FROM deps AS builder
RUN npm run build
FROM node:20 AS dev
CMD ["npm", "run", "dev"]
FROM node:20-slim AS runtime
COPY --from=builder /app/dist /app/dist
CMD ["node", "/app/dist/main.js"]
"""
    model = build_model(parse(text))
    final = model.stages[-1]
    got = [describe(model, stage, final) for stage in model.stages]
    assert got == [
        "deps: installs the dependencies (npm ci)",
        "test: runs the tests (npm test); not in the default build (--target test)",
        "builder: builds the JavaScript bundle (npm run build)",
        "dev: image that runs npm run dev; not in the default build (--target dev)",
        "runtime: minimal image that runs node /app/dist/main.js, with files from builder",
    ]


def test_target_is_the_shipped_stage() -> None:
    text = GO + '\nFROM runtime AS debug\nCMD ["sh"]\n'
    out = document(text, target="runtime").output
    assert "# runtime: minimal image that runs /app, with files from builder" in out
    assert "# debug: image that runs /app sh; not in the default build (--target debug)" in out


def test_shared_base_and_long_commands() -> None:
    text = (
        "FROM alpine:3.20 AS base\nWORKDIR /w\n"
        "FROM base AS builder\n"
        "RUN gcc -O2 -Wall -Wextra -static -o /w/very-long-program-name main.c util.c\n"
        'FROM scratch\nCOPY --from=builder /w/very-long-program-name /p\nCMD ["/p"]\n'
    )
    out = document(text).output.splitlines()
    assert out[0] == "# base: common base of builder (alpine:3.20)"
    assert (
        out[3] == "# builder: compiles the C sources (gcc -O2 -Wall -Wextra -static -o /w/very-...)"
    )
    assert all(len(line) <= 100 for line in out)


def test_words_with_spaces_are_quoted() -> None:
    text = GO.replace("go build -o", 'go build -ldflags="-s -w" -o')
    first = document(text).output.splitlines()[0]
    assert first == '# builder: compiles the Go binary (go build "-ldflags=-s -w" -o /out/app .)'


# -- style ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comments", "marker"),
    [
        ("", "# "),
        ("#Install\n#Build\n", "#"),
        ("## Build stage\n", "## "),
        ("#RUN apt-get update\n# Build\n", "# "),  # commented-out code says nothing about style
        ("##########\n#\tBuild\n", "# "),
    ],
)
def test_comment_marker(comments: str, marker: str) -> None:
    assert comment_marker(parse(comments + "FROM alpine\n")) == marker


def test_crlf_and_bom_kept() -> None:
    text = "\ufeff" + GO.replace("\n", "\r\n")
    out = document(text).output
    assert out.startswith("\ufeff# builder: ")
    assert out.count("\r\n") == out.count("\n") == GO.count("\n") + 2


def test_no_blank_line_added_when_stages_are_not_separated() -> None:
    text = GO.replace("\n\n", "\n")
    lines = document(text).output.splitlines()
    assert lines[5] == "# runtime: minimal image that runs /app, with files from builder"
    assert lines[4] == "RUN go build -o /out/app ."


def test_idempotent_and_user_comments_kept() -> None:
    text = "# my words\n" + GO
    first = document(text)
    assert first.output.startswith("# my words\nFROM golang")
    assert document(first.output).output == first.output


def test_single_stage_is_skipped_with_a_reason() -> None:
    report = document("FROM alpine\nRUN true\n")
    assert not report.changed
    assert report.skips[0].reason.startswith("single-stage file")


def test_it_runs_last_in_the_default_pipeline() -> None:
    names = [c.name for c in select_codemods()]
    assert names[-1] == "document-stages"
    assert load_codemod("document-stages").default is True


def test_default_pipeline_documents_the_stages_it_creates() -> None:
    text = 'FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/x .\nCMD ["/app/x"]\n'
    out = migrate(text).output
    assert out.startswith("# builder: compiles the Go binary (go build -o /app/x .)\n")
    assert "\n# runtime: minimal image that runs /app/x, with files from builder\n" in out


# -- the real-world corpus --------------------------------------------------------------------------


#: Files a context holds for the ecosystem of a stage's image.
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
    for rel, content in files.items():
        path = root / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_dir():
                path.write_text(content)
        except OSError:
            continue  # a name that is a folder elsewhere
    return root


def realworld_problems(
    codemods: Sequence[Codemod], *, with_context: bool
) -> tuple[list[str], Counter[str]]:
    """Run ``codemods`` over every real-world file: problems found, and how many files changed
    (Dockerfile or another file) or were skipped. With ``with_context`` each file gets a
    :func:`synthetic_context`, the files the run writes are written into it, and the second run
    must find nothing left to do."""
    dockerfile = pytest.importorskip("dockerfile")
    problems: list[str] = []
    counts: Counter[str] = Counter()
    for path in realworld_files():
        rel = path.relative_to(REALWORLD)
        text = path.read_bytes().decode("utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            context = synthetic_context(text, Path(tmp)) if with_context else None
            ctx = Context(
                context_dir=context, dockerfile=context / "Dockerfile" if context else None
            )
            report = run_codemods(parse(text, str(path)), ctx, codemods)
            bad = [
                s for s in report.skips if s.reason.startswith(("internal error", "change disc"))
            ]
            if bad:
                problems.append(f"{rel}: {bad[0]}")
                continue
            counts["changed" if report.changed else "skipped"] += 1
            counts["extra files"] += bool(report.files)
            if report.changed and not report.explanations:
                problems.append(f"{rel}: changed without an explanation")
            if not report.changed and not report.skips:
                problems.append(f"{rel}: neither changed nor skipped with a reason")
            try:
                dockerfile.parse_string(report.output)
            except dockerfile.GoParseError as exc:
                problems.append(f"{rel}: the official parser rejects the output: {exc}")
                continue
            before = {e.reference for e in build_model(parse(text)).dangling}
            after = {e.reference for e in build_model(parse(report.output)).dangling}
            if after - before:
                problems.append(f"{rel}: dangling stage references {sorted(after - before)}")
            for name, content in report.files.items():
                assert context is not None
                (context / name).write_text(content)
            again = run_codemods(parse(report.output, str(path)), ctx, codemods)
            if again.output != report.output or again.files:
                problems.append(f"{rel}: a second run changes something")
    return problems, counts


needs_realworld = pytest.mark.skipif(
    not realworld_files(), reason="../shared/corpus/realworld is not present"
)


@needs_realworld
def test_realworld_alone() -> None:
    problems, counts = realworld_problems([DocumentStages()], with_context=False)
    assert not problems, "\n".join(problems)
    assert counts["changed"] > 0


@needs_realworld
def test_realworld_default_pipeline() -> None:
    problems, counts = realworld_problems(select_codemods(), with_context=True)
    assert not problems, "\n".join(problems)
    assert counts["changed"] > 0
