"""cross-platform: its edits on small shapes, skips asserted by their code.

The shared real-world corpus (alone and after the default pipeline: no internal error, every skip
under a declared code, accepted by the official parser, no missing stage, a second run changes
nothing) goes through tests/test_realworld_sweep.py.
"""

from __future__ import annotations

from pathlib import Path

from refactor.engine.codemod import Context, Skip
from refactor.engine.runner import load_codemod, run_codemods
from refactor.syntax.parser import parse

NAME = "cross-platform"


# -- shapes ------------------------------------------------------------------------------------
def _run(text: str, context: Path | None = None) -> tuple[str, list[Skip]]:
    ctx = Context(context_dir=context)
    report = run_codemods(parse(text), ctx, [load_codemod(NAME)])
    return report.output, list(report.skips)


def _codes(skips: list[Skip]) -> list[str]:
    return [s.code for s in skips]


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
    assert _codes(skips) == ["XP016"]  # the build runs a program go build compiles


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
    assert _codes(skips) == ["XP018"]  # a TARGET* variable outside the go build


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
    assert _codes(skips) == ["XP020"]  # a download reaches the runtime


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
    assert _codes(skips) == ["XP025"]  # a platform-specific node package


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
    assert _codes(skips) == ["XP026"]  # not known to be pure Python: which one is the point
    assert skips[0].reason.startswith("`poetry` is not known to be pure Python")
    pure = text.replace("pip install --no-cache-dir poetry==1.8.4 && ", "")
    output, skips = _run(pure, tmp_path)
    assert output.startswith("FROM --platform=$BUILDPLATFORM python:3.12 AS build\n"), skips
