"""document-stages: descriptions, comment style, idempotence.

The real-world corpus (alone, and in the default pipeline with a synthetic build context) goes
through tests/test_realworld_sweep.py.
"""

from __future__ import annotations

import pytest

from codemods.document_stages import DocumentStages, comment_marker, describe
from refactor.analysis.model import build_model
from refactor.engine.runner import FileReport, load_codemod, migrate, select_codemods
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
    # cut between words, never inside one
    assert out[3] == "# builder: compiles the C sources (gcc -O2 -Wall -Wextra -static -o ...)"
    assert all(len(line) <= 100 for line in out)


@pytest.mark.parametrize(
    ("cmd", "described"),
    [
        (  # exec form: the quoted command is shortened to its first words, its quote closed
            '["sh", "-c", "gunicorn --workers=4 --bind 0.0.0.0:$PORT app:app"]',
            'sh -c "gunicorn --workers=4 --bind ..."',
        ),
        (  # shell form: a quoted word is kept whole or left out
            'gunicorn --bind "0.0.0.0:$PORT" --workers=4 --log-level=debug app:app',
            'gunicorn --bind "0.0.0.0:$PORT" ...',
        ),
        (
            'gunicorn --workers=4 "--access-logformat=%(h)s %(l)s %(u)s %(t)s" app:app',
            "gunicorn --workers=4 ...",
        ),
        ('["/opt/' + "x" * 60 + '"]', "/opt/" + "x" * 36 + "..."),  # one word: cut inside
    ],
)
def test_long_commands_are_never_cut_inside_quotes(cmd: str, described: str) -> None:
    text = GO.replace('ENTRYPOINT ["/app"]', f"CMD {cmd}")
    runtime = document(text).output.splitlines()[6]
    assert runtime == f"# runtime: minimal image that runs {described}, with files from builder"
    inner = runtime.removeprefix("# runtime: minimal image that runs ")
    assert inner.count('"') % 2 == 0  # every quote opened is closed
    assert len(described) <= 44


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
    assert [s.code for s in report.skips] == ["DOC001"]


def test_it_runs_last_in_the_default_pipeline() -> None:
    names = [c.name for c in select_codemods()]
    assert names[-1] == "document-stages"
    assert load_codemod("document-stages").default is True


def test_default_pipeline_documents_the_stages_it_creates() -> None:
    text = 'FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/x .\nCMD ["/app/x"]\n'
    out = migrate(text).output
    assert out.startswith("# builder: compiles the Go binary (go build -o /app/x .)\n")
    assert "\n# runtime: minimal image that runs /app/x, with files from builder\n" in out
