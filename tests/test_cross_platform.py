"""cross-platform over the shared real-world corpus, and its edits on small shapes.

Over every real-world Dockerfile, alone and after the default pipeline: no internal error, the
output is accepted by the official parser (the ``dockerfile`` binding of BuildKit's parser),
refers to no missing stage, and a second run changes nothing. Counts by outcome are printed
(``pytest -s``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from realworld import REALWORLD, print_outcomes, realworld_trees, reason_kind

from refactor.analysis.model import build_model
from refactor.engine.codemod import Context
from refactor.engine.runner import load_codemod, run_codemods, select_codemods
from refactor.syntax.parser import parse

NAME = "cross-platform"


def check_realworld(name: str, after_defaults: bool) -> tuple[Counter[str], list[str]]:
    """Run codemod ``name`` over the corpus; return outcome counts and problems found."""
    dockerfile = pytest.importorskip("dockerfile")
    codemod = load_codemod(name)
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    for path, tree in realworld_trees(outcomes):
        if after_defaults:
            tree = parse(run_codemods(tree, Context(), select_codemods()).output, str(path))
        report = run_codemods(tree, Context(), [codemod])
        reasons = [s.reason for s in report.skips if s.codemod == name]
        if any("internal error" in r or "change discarded" in r for r in reasons):
            problems.append(f"{path.name}: {reasons}")
            continue
        if report.output == tree.code:
            if not reasons:
                problems.append(f"{path.name}: unchanged without a reason")
                continue
            outcomes[f"skip: {reason_kind(reasons[0])}"] += 1
            continue
        outcomes["changed"] += 1
        if not report.explanations:
            problems.append(f"{path.name}: changed without an explanation")
        try:
            dockerfile.parse_string(report.output)
        except dockerfile.GoParseError as exc:
            problems.append(f"{path.name}: official parser rejects the output ({exc})")
        before = {e.reference for e in build_model(tree).dangling}
        after = {e.reference for e in build_model(parse(report.output)).dangling}
        if after - before:
            problems.append(f"{path.name}: dangling stage references {sorted(after - before)}")
        again = run_codemods(parse(report.output, str(path)), Context(), [codemod])
        if again.output != report.output:
            problems.append(f"{path.name}: a second run changes the output")
    print_outcomes(
        f"{name} {'after the default pipeline' if after_defaults else 'alone'}", outcomes
    )
    return outcomes, problems


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="shared real-world corpus absent")
@pytest.mark.parametrize("after_defaults", [False, True], ids=["alone", "after-defaults"])
def test_realworld(after_defaults: bool) -> None:
    outcomes, problems = check_realworld(NAME, after_defaults)
    assert sum(outcomes.values()) > 0
    assert outcomes["changed"] > 0
    assert not problems, "\n".join(problems)


# -- shapes ------------------------------------------------------------------------------------
def _run(text: str, context: Path | None = None) -> tuple[str, list[str]]:
    ctx = Context(context_dir=context)
    report = run_codemods(parse(text), ctx, [load_codemod(NAME)])
    return report.output, [s.reason for s in report.skips]


def test_each_go_build_of_a_run_is_wired() -> None:
    text = (
        "FROM golang:1.22 AS build\n"
        "ENV CGO_ENABLED=0\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN go build -o /out/api ./cmd/api && \\\n"
        "    go vet ./... && go build -o /out/worker ./cmd/worker\n"
        "\n"
        "FROM scratch\n"
        "COPY --from=build /out/ /\n"
        'ENTRYPOINT ["/api"]\n'
    )
    output, _ = _run(text)
    assert (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\n" in output
    )
    assert (
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/api ./cmd/api && \\\n"
        "    go vet ./... && GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/worker"
    ) in output


def test_derived_build_stage_inherits_the_platform() -> None:
    text = (
        "FROM golang:1.22 AS deps\n"
        "WORKDIR /src\n"
        "COPY go.mod go.sum ./\n"
        "RUN go mod download\n"
        "FROM deps AS build\n"
        "COPY . .\n"
        "RUN CGO_ENABLED=0 go build -o /app .\n"
        "FROM gcr.io/distroless/static-debian12\n"
        "COPY --from=build /app /app\n"
        'CMD ["/app"]\n'
    )
    output, _ = _run(text)
    assert output.count("--platform=$BUILDPLATFORM") == 1
    assert "FROM deps AS build\nARG TARGETOS TARGETARCH\n" in output


def test_a_build_that_runs_its_own_program_is_skipped() -> None:
    text = (
        "FROM golang:1.22 AS build\n"
        "COPY . /src\n"
        "WORKDIR /src\n"
        "RUN CGO_ENABLED=0 go build -o /usr/local/bin/gen ./tools/gen && gen ./api\n"
        "FROM scratch\n"
        "COPY --from=build /src/api /api\n"
    )
    output, skips = _run(text)
    assert output == text
    assert any("which go build would compile for the target" in s for s in skips)


def test_target_variables_elsewhere_in_a_moved_stage_are_skipped() -> None:
    text = (
        "FROM debian:bookworm AS fetch\n"
        "ARG TARGETARCH\n"
        "RUN echo fetching for $TARGETARCH > /arch.txt\n"
        "FROM scratch\n"
        "COPY --from=fetch /arch.txt /arch.txt\n"
    )
    output, skips = _run(text)
    assert output == text
    assert any("uses a TARGET* variable" in s for s in skips)


def test_download_that_reaches_the_runtime_is_skipped(tmp_path: Path) -> None:
    text = (
        "FROM alpine:3.20 AS fetch\n"
        "WORKDIR /opt/tool\n"
        "RUN wget -O /opt/tool/tool https://example.com/tool && chmod +x /opt/tool/tool\n"
        "FROM alpine:3.20\n"
        "COPY --from=fetch /opt/tool /opt/tool\n"
        'CMD ["/opt/tool/tool"]\n'
    )
    output, skips = _run(text, tmp_path)
    assert output == text
    assert any("downloads `https://example.com/tool`" in s for s in skips)


def test_node_lock_with_platform_package_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"esbuild": "0.24.0"}}')
    (tmp_path / "package-lock.json").write_text(
        '{"lockfileVersion": 3, "packages": {"": {}, "node_modules/@esbuild/linux-x64": '
        '{"cpu": ["x64"], "os": ["linux"]}}}'
    )
    text = (
        "FROM node:20 AS build\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN npm ci\n"
        "FROM node:20-slim\n"
        "COPY --from=build /app /app\n"
        'CMD ["node", "/app/index.js"]\n'
    )
    output, skips = _run(text, tmp_path)
    assert output == text
    assert any("made for particular platforms" in s for s in skips)


def test_poetry_lock_with_only_pure_wheels_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "click"\nversion = "8.1.7"\nfiles = [\n'
        '    {file = "click-8.1.7-py3-none-any.whl", hash = "sha256:00"},\n'
        '    {file = "click-8.1.7.tar.gz", hash = "sha256:01"},\n]\n'
    )
    text = (
        "FROM python:3.12 AS build\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN pip install --no-cache-dir poetry==1.8.4 && poetry install --only main\n"
        "FROM python:3.12-slim\n"
        "COPY --from=build /app /app\n"
        'CMD ["python", "/app/main.py"]\n'
    )
    _, skips = _run(text, tmp_path)
    assert any("`poetry` is not known to be pure Python" in s for s in skips)
    pure = text.replace("pip install --no-cache-dir poetry==1.8.4 && ", "")
    output, skips = _run(pure, tmp_path)
    assert output.startswith("FROM --platform=$BUILDPLATFORM python:3.12 AS build\n"), skips
