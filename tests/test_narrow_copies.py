"""narrow-copies: what it proves before narrowing, what it keeps, an e2e build of a narrowed
copy. The real-world corpus goes through tests/test_realworld_sweep.py."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from codemods.narrow_copies import NarrowCopies
from refactor.app.docker import DockerEngine
from refactor.engine.codemod import Context
from refactor.engine.runner import FileReport, load_codemod, run_codemods, select_codemods
from refactor.syntax.parser import parse

GO_FILES = {
    "go.mod": "module example.com/narrow\n\ngo 1.22\n",
    "main.go": (
        "package main\n\n"
        'import (\n\t"fmt"\n\t"os"\n)\n\n'
        "func main() {\n"
        '\tdata, err := os.ReadFile("templates/hello.txt")\n'
        "\tif err != nil {\n\t\tfmt.Println(err)\n\t\tos.Exit(1)\n\t}\n"
        "\tfmt.Print(string(data))\n}\n"
    ),
    "main_test.go": "package main\n",
    "README.md": "# narrow\n",
    "templates/hello.txt": "hello from a template\n",
}
GO = """FROM golang:1.22 AS builder
WORKDIR /app
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /app/server .

FROM gcr.io/distroless/static-debian12
WORKDIR /app
COPY --from=builder /app /app
CMD ["/app/server"]
"""


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def narrow(root: Path, text: str) -> FileReport:
    ctx = Context(context_dir=root, dockerfile=root / "Dockerfile")
    return run_codemods(parse(text, "Dockerfile"), ctx, [NarrowCopies()])


def copies(report: FileReport) -> list[str]:
    return [line for line in report.output.splitlines() if line.startswith("COPY --from")]


def codes(report: FileReport) -> list[str]:
    return [s.code for s in report.skips]


# -- what is kept ---------------------------------------------------------------------------------


def test_binary_and_the_files_it_may_read(tmp_path: Path) -> None:
    report = narrow(make(tmp_path, GO_FILES), GO)
    assert copies(report) == [
        "COPY --from=builder /app/server /app/server",
        "COPY --from=builder /app/templates /app/templates",
    ]
    [explanation] = report.explanations
    assert explanation.line == 10
    assert "the runtime runs /app/server" in explanation.reason
    assert "4 Go source and project files" in explanation.reason  # go.mod, 2 x .go, README


def test_second_run_leaves_the_narrowed_copies(tmp_path: Path) -> None:
    make(tmp_path, GO_FILES)
    first = narrow(tmp_path, GO)
    second = narrow(tmp_path, first.output)
    assert second.output == first.output and not second.explanations
    assert codes(second) == ["NC005", "NC010"]  # a single file; the templates the runtime reads


def test_json_form_and_flags_are_kept(tmp_path: Path) -> None:
    text = GO.replace(
        "COPY --from=builder /app /app", 'COPY --link --from=builder --chown=1:1 ["/app", "/app"]'
    )
    out = narrow(make(tmp_path, GO_FILES), text).output.splitlines()
    assert out[9] == 'COPY --link --from=builder --chown=1:1 ["/app/server", "/app/server"]'


@pytest.mark.parametrize("removal", ["rm -rf templates", "rm -rf /app/t*", "rm -r ./te*/"])
def test_removed_files_are_not_copied(tmp_path: Path, removal: str) -> None:
    text = GO.replace("RUN CGO", f"RUN {removal} && CGO")
    assert copies(narrow(make(tmp_path, GO_FILES), text)) == [
        "COPY --from=builder /app/server /app/server"
    ]


def test_files_named_by_env_are_kept(tmp_path: Path) -> None:
    text = GO.replace('CMD ["/app/server"]', 'ENV MODULE=/app/go.mod\nCMD ["/app/server"]')
    assert "COPY --from=builder /app/go.mod /app/go.mod" in copies(
        narrow(make(tmp_path, GO_FILES), text)
    )


def test_shell_form_command_through_wrappers(tmp_path: Path) -> None:
    text = GO.replace('CMD ["/app/server"]', 'ENTRYPOINT ["tini", "--"]\nCMD exec ./server -v')
    report = narrow(make(tmp_path, GO_FILES), text)
    assert "COPY --from=builder /app/server /app/server" in copies(report)


def test_cargo_dependency_cache_trick(tmp_path: Path) -> None:
    text = """FROM rust:1.79 AS builder
RUN USER=root cargo new --bin app
WORKDIR /app
COPY Cargo.toml Cargo.lock ./
RUN cargo build --release && rm src/*.rs
COPY src ./src
RUN rm ./target/release/deps/app* && cargo build --release

FROM debian:bookworm-slim
COPY --from=builder /app /app
CMD ["/app/target/release/app"]
"""
    files = {"Cargo.toml": "[package]\n", "Cargo.lock": "", "src/main.rs": "fn main() {}\n"}
    report = narrow(make(tmp_path, files), text)
    assert copies(report) == ["COPY --from=builder /app/target/release/app /app/target/release/app"]


# -- what is left whole ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code", "names"),
    [
        (("RUN CGO", "RUN echo dev > /app/mode && CGO"), "NC008", "/app/mode"),
        (("RUN CGO", "RUN ./generate.sh && CGO"), "NC008", None),
        (("RUN CGO", "RUN --mount=type=cache,target=/app/.cache CGO"), "NC008", "/app/.cache"),
        (("COPY . .", "COPY --from=golang:1.22 /usr/local/go/VERSION ."), "NC006", None),
        (("COPY . .", "ADD https://example.com/x.tgz ."), "NC006", None),
        (("go build -o /app/server .", "go build ."), "NC008", None),
        (('CMD ["/app/server"]', 'CMD ["sh", "-c", "cat /app/README.md"]'), "NC010", "runs cat"),
        (
            ('CMD ["/app/server"]', 'CMD ["python3", "app.py"]\nHEALTHCHECK CMD ["/app/server"]'),
            "NC010",
            "runs python3",
        ),
        (("FROM golang:1.22 AS builder", "FROM example.com/go:1 AS builder"), "NC006", None),
        (("COPY --from=builder /app /app", "COPY --from=builder / /app"), "NC006", None),
        (("COPY --from=builder /app /app", "COPY --from=builder /app/* /app/"), "NC005", None),
        (('CMD ["/app/server"]\n', 'CMD ["/app/server"]\nFROM runtime AS debug\n'), "NC010", None),
    ],
)
def test_left_whole_when_not_provable(
    tmp_path: Path, change: tuple[str, str], code: str, names: str | None
) -> None:
    """Left whole under the code of its kind of reason; where the reason names the file
    written or the program run, that the right one is named is checked too."""
    text = GO.replace(
        "gcr.io/distroless/static-debian12", "gcr.io/distroless/static-debian12 AS runtime"
    )
    text = text.replace(*change)
    report = narrow(make(tmp_path, GO_FILES), text)
    assert report.output == text
    assert codes(report) == [code]
    assert names is None or names in report.skips[0].reason


def test_opt_out(tmp_path: Path) -> None:
    text = GO.replace("COPY --from", "# msb-migrate: skip=narrow-copies\nCOPY --from")
    report = narrow(make(tmp_path, GO_FILES), text)
    assert report.output == text and codes(report) == ["NC004"]


def test_opt_in() -> None:
    assert load_codemod("narrow-copies").default is False
    assert "narrow-copies" not in [c.name for c in select_codemods()]


# -- a narrowed copy builds and runs the same -----------------------------------------------------


@pytest.mark.e2e
def test_narrowed_image_runs_the_same(tmp_path: Path) -> None:
    engine = DockerEngine()
    images = ("golang:1.22", "gcr.io/distroless/static-debian12")
    reason = engine.unavailable_reason()
    if reason is None and (missing := [i for i in images if not engine.exists(i)]):
        reason = f"base images missing locally: {', '.join(missing)}"
    if reason is not None:
        if os.environ.get("MSB_E2E_REQUIRED") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    make(tmp_path, GO_FILES)
    narrowed = narrow(tmp_path, GO).output
    assert narrowed != GO
    token = uuid.uuid4().hex[:8]
    outputs = []
    try:
        for variant, text in (("whole", GO), ("narrowed", narrowed)):
            tag = f"msb-narrow-e2e:{token}-{variant}"
            engine.build(text, tmp_path, tag).raise_for_status()
            outputs.append(engine.run(tag, timeout=60).stdout)
        assert outputs == ["hello from a template\n"] * 2
        assert engine.read_file(f"msb-narrow-e2e:{token}-whole", "/app/main.go") is not None
        assert engine.read_file(f"msb-narrow-e2e:{token}-narrowed", "/app/main.go") is None
    finally:
        for variant in ("whole", "narrowed"):
            engine.remove(f"msb-narrow-e2e:{token}-{variant}")
