"""split-build-runtime: its skip codes and its planner registry.

The shared real-world corpus goes through tests/test_realworld_sweep.py (every file split or
skipped under a declared code, accepted by the official parser, a second run changes nothing).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.split_build_runtime import SplitBuildRuntime, nodegraph
from codemods.split_build_runtime.plans import PLANNERS
from refactor.data.ecosystems import ECOSYSTEMS
from refactor.engine.codemod import Context
from refactor.engine.runner import run_codemods
from refactor.syntax.parser import parse

NAME = "split-build-runtime"


def _skip_codes(text: str) -> list[str]:
    report = run_codemods(parse(text), Context(), [SplitBuildRuntime()])
    assert report.output == text
    return [s.code for s in report.skips if s.codemod == NAME]


def test_every_ecosystem_row_has_a_planner() -> None:
    """A planner is chosen by the ecosystem's row: rows and registry hold the same names."""
    assert set(PLANNERS) == {eco.name for eco in ECOSYSTEMS}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FROM golang:1.22 AS a\nFROM a\n", "SPL001"),
        ('# msb-migrate: skip=split-build-runtime\nFROM golang:1.22\nCMD ["x"]\n', "SPL002"),
        ('ARG B\nFROM ${B}\nCMD ["x"]\n', "SPL003"),
        ('FROM mcr.microsoft.com/windows/servercore:ltsc2022\nCMD ["x"]\n', "SPL004"),
        ('FROM scratch\nCMD ["x"]\n', "SPL005"),
        ('FROM --platform=linux/amd64 golang:1.22\nCMD ["x"]\n', "SPL006"),
        ('FROM golang:1.22\nSHELL ["/bin/bash", "-c"]\nCMD ["x"]\n', "SPL007"),
        ('FROM golang:1.22\nRUN python3 <<EOF\nprint(1)\nEOF\nCMD ["x"]\n', "SPL008"),
        ("FROM golang:1.22\nRUN go build -o /app .\n", "SPL009"),
        ('FROM alpine:3.20\nRUN echo hi\nCMD ["x"]\n', "SPL010"),
        ('FROM golang:1.22\nWORKDIR /src\nCMD ["go", "run", "."]\n', "SPL011"),
        ('FROM golang:1.22\nRUN echo hi\nCMD ["/app"]\n', "SPL012"),
    ],
)
def test_skip_codes(text: str, code: str) -> None:
    assert _skip_codes(text) == [code]


# -- issue 13: node/python failure classes ---------------------------------------------------------


def _split(text: str, files: dict[str, str], tmp_path: Path) -> tuple[str, list[str], list[str]]:
    """The split of ``text`` with a build context of ``files``: output, explanations, codes."""
    for name, body in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    report = run_codemods(parse(text), Context(context_dir=tmp_path), [SplitBuildRuntime()])
    return report.output, [str(e) for e in report.explanations], [s.code for s in report.skips]


_PKG = '{"name": "a", "dependencies": {"express": "4"}, "devDependencies": {"dotenv": "16"}}'


def test_devdependency_required_by_the_start_file_is_kept(tmp_path: Path) -> None:
    """A devDependency reachable from the start file must survive: no prune, and say which."""
    text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n'
    files = {
        "package.json": _PKG,
        "index.js": "const c = require('./lib/c');\n",
        "lib/c.js": "require('dotenv').config();\n",
    }
    output, explanations, _ = _split(text, files, tmp_path)
    assert "FROM node:20-slim AS runtime" in output
    assert "prune" not in output
    assert any("`dotenv` (imported by lib/c.js)" in e for e in explanations)


def test_devdependency_not_reachable_is_pruned(tmp_path: Path) -> None:
    text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n'
    files = {"package.json": _PKG, "index.js": "// require('dotenv')\nrequire('express');\n"}
    output, _, _ = _split(text, files, tmp_path)
    assert "RUN npm prune --omit=dev" in output


def test_node_modules_moved_to_the_parent_folder_is_copied(tmp_path: Path) -> None:
    text = (
        "FROM node:18\nWORKDIR /usr/src/app\nCOPY package.json ./\n"
        "RUN npm install --production && mv node_modules ../\nCOPY . .\n"
        'CMD ["node", "app.js"]\n'
    )
    files = {"package.json": '{"name": "a"}', "app.js": "require('express');\n"}
    output, _, _ = _split(text, files, tmp_path)
    assert "COPY --from=builder /usr/src/node_modules /usr/src/node_modules" in output


def test_pip_user_install_copies_the_user_site(tmp_path: Path) -> None:
    text = 'FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install --user flask\nCMD ["python", "a.py"]\n'
    output, _, codes = _split(text, {"a.py": "import flask\n"}, tmp_path)
    assert codes == []
    assert "COPY --from=builder /root/.local /root/.local" in output
    assert "venv" not in output


@pytest.mark.parametrize(
    "text",
    [
        'FROM python:3.13-slim\nRUN pip install flask\nWORKDIR /app\nCOPY a.py .\nCMD ["python", "a.py"]\n',
        'FROM node:24-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD ["node", "a.js"]\n',
    ],
)
def test_benefit_gate_same_image_nothing_left_behind(text: str) -> None:
    assert _skip_codes(text) == ["SPL035"]


def test_benefit_gate_lets_a_compiler_through(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y gcc\n"
        'WORKDIR /app\nCOPY . .\nRUN pip install uwsgi\nCMD ["python", "a.py"]\n'
    )
    output, _, codes = _split(text, {"a.py": ""}, tmp_path)
    assert codes == [] and "AS runtime" in output


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("node server.js", (["server.js"], [])),
        ("node -r dotenv/config --expose_gc ./bin/www", (["./bin/www"], ["dotenv/config"])),
        ("NODE_ENV=production node --import=./x.mjs a.mjs", (["a.mjs"], ["./x.mjs"])),
        ("cross-env A=1 node a.js", None),
        ("node -e 'require(1)'", None),
    ],
)
def test_start_entries(command: str, expected: object) -> None:
    assert nodegraph.start_entries(command) == expected


def test_import_graph_reads_esm_cjs_and_typescript_output(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"outDir": "dist",}} // c')
    (tmp_path / "src/index.ts").write_text(
        'import a from "@scope/pkg/sub";\nexport * from "./b.js";\nimport type {T} from "t";\n'
    )
    (tmp_path / "src/b.ts").write_text(
        "const s = 'require(\"no\")'; const x = require(`lodash`);\n"
    )
    graph = nodegraph.import_graph(Context(context_dir=tmp_path), ["dist/index.js"])
    assert graph.problem is None
    assert set(graph.packages) == {"@scope/pkg", "lodash"}
    (tmp_path / "src/b.ts").write_text("require(name)\n")
    computed = nodegraph.import_graph(Context(context_dir=tmp_path), ["dist/index.js"])
    assert computed.problem is not None and "computed" in computed.problem


# -- issue 13: the start command, Go builds, Go run-time reads, cgo through dependencies ---------

_GO_MOD = "module example.com/acme/snack\n\ngo 1.22\n"
_GOPATH_SNACK = (
    "FROM golang:1.17-alpine\n"
    "ADD . /go/src/github.com/acme/snack\n"
    "RUN cd /go/src/github.com/acme/snack && go install .\n"
    "ENTRYPOINT /go/bin/snack\n"
)
_TEMPLATE_MAIN = (
    'package main\n\nimport (\n\t"html/template"\n\t"os"\n)\n\n'
    'func main() { template.ParseFiles(os.Getenv("TEMPLATE_DIR") + "/index.tpl") }\n'
)


def test_shell_form_entrypoint_on_distroless_becomes_exec_form_at_its_own_path(
    tmp_path: Path,
) -> None:
    """distroless has no /bin/sh: a plain shell-form ENTRYPOINT is rewritten in exec form, and
    the binary stays at the path the command names (not moved to /usr/local/bin)."""
    files = {"go.mod": _GO_MOD, "main.go": _TEMPLATE_MAIN, "web/templates/index.tpl": "x"}
    out, explanations, codes = _split(_GOPATH_SNACK, files, tmp_path)
    assert codes == []
    assert 'ENTRYPOINT ["/go/bin/snack"]\n' in out
    assert "COPY --from=builder /go/bin/snack /go/bin/snack\n" in out
    assert any("rewrote the shell-form ENTRYPOINT in exec form" in e for e in explanations)


def test_computed_template_path_copies_the_app_folder_minus_build_inputs(tmp_path: Path) -> None:
    """A path from TEMPLATE_DIR is computed at run time: the app folder is copied at its own
    path, without the Go sources, go.mod or the .dockerignore."""
    files = {
        "go.mod": _GO_MOD,
        "main.go": _TEMPLATE_MAIN,
        "pkg/util/util.go": "package util\n",
        "web/templates/index.tpl": "x",
        ".dockerignore": "secret.txt\n",
        "secret.txt": "s",
    }
    out, explanations, _ = _split(_GOPATH_SNACK, files, tmp_path)
    copies = [line for line in out.splitlines() if line.startswith("COPY --from=builder")]
    assert copies == [
        "COPY --from=builder /go/bin/snack /go/bin/snack",
        "COPY --from=builder /go/src/github.com/acme/snack/web /go/src/github.com/acme/snack/web",
    ]
    assert any("TEMPLATE_DIR" in e and "minus build inputs" in e for e in explanations)


@pytest.mark.parametrize(
    "cmd",
    [
        "./target/release/app --port $PORT",
        "./target/release/app > /tmp/log",
        "./target/release/app data/*.csv",
        "./target/release/app '$HOME'",
        "A=1 ./target/release/app",
    ],
)
def test_shell_syntax_on_a_shell_less_runtime_is_skipped(cmd: str, tmp_path: Path) -> None:
    """Rust runs on distroless cc: a start command only a shell can run is SPL030."""
    text = f"FROM rust:1.80\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nCMD {cmd}\n"
    files = {"Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\n'}
    out, _, codes = _split(text, files, tmp_path)
    assert codes == ["SPL030"]
    assert out == text


def test_plain_words_in_quotes_become_exec_form(tmp_path: Path) -> None:
    text = (
        "FROM rust:1.80\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        'CMD exec ./target/release/app --name "a b"\n'
    )
    files = {"Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\n'}
    out, _, codes = _split(text, files, tmp_path)
    assert codes == []
    assert 'CMD ["./target/release/app", "--name", "a b"]\n' in out


def test_exec_entrypoint_with_shell_form_cmd_needs_a_shell(tmp_path: Path) -> None:
    """Under an exec-form ENTRYPOINT a shell-form CMD is `/bin/sh -c …` arguments: Rust's
    distroless runtime cannot run it, Go's moves to debian-slim, which can."""
    text = (
        "FROM rust:1.80\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        'ENTRYPOINT ["./target/release/app"]\nCMD serve\n'
    )
    files = {"Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\n'}
    assert _split(text, files, tmp_path)[2] == ["SPL030"]
    text = (
        "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app/x .\n"
        'ENTRYPOINT ["/app/x"]\nCMD serve\n'
    )
    out, _, codes = _split(text, {"go.mod": _GO_MOD, "main.go": "package main\n"}, tmp_path)
    assert codes == []
    assert "FROM debian:bookworm-slim AS runtime\n" in out


def test_go_start_command_with_shell_syntax_gets_a_runtime_with_a_shell(tmp_path: Path) -> None:
    text = (
        "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app/x .\n"
        'CMD /app/x --listen ":$PORT"\n'
    )
    out, _, codes = _split(text, {"go.mod": _GO_MOD, "main.go": "package main\n"}, tmp_path)
    assert codes == []
    assert "FROM debian:bookworm-slim AS runtime\n" in out
    assert out.endswith('CMD /app/x --listen ":$PORT"\n')


@pytest.mark.parametrize(
    ("dockerfile", "files", "binary"),
    [
        # GOPATH mode, go build without -o: named after the folder, in the working directory
        (
            "FROM golang:1.15\nENV GO111MODULE=off\nWORKDIR /go/src/x/tool\nCOPY . .\n"
            'RUN go build\nCMD ["./tool"]\n',
            {"main.go": "package main\n"},
            "/go/src/x/tool/tool",
        ),
        # module mode, go install: named after the module path (major version skipped)
        (
            'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go install .\nCMD ["/go/bin/api"]\n',
            {"go.mod": "module example.com/shop/api/v2\n", "main.go": "package main\n"},
            "/go/bin/api",
        ),
        # GOBIN decides where go install writes
        (
            "FROM golang:1.22\nENV GOBIN=/out\nWORKDIR /src\nCOPY . .\nRUN go install ./cmd/srv\n"
            'CMD ["/out/srv"]\n',
            {"go.mod": "module example.com/shop\n", "cmd/srv/main.go": "package main\n"},
            "/out/srv",
        ),
    ],
)
def test_go_binary_location(
    dockerfile: str, files: dict[str, str], binary: str, tmp_path: Path
) -> None:
    out, _, codes = _split(dockerfile, files, tmp_path)
    assert codes == []
    assert f"COPY --from=builder {binary} {binary}\n" in out


def test_go_install_of_another_name_is_not_a_guess(tmp_path: Path) -> None:
    """go install . writes /go/bin/api (the module's name): a start command naming another
    binary is an unknown artifact, not a copy of whatever /go/bin holds."""
    text = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go install .\nCMD ["/go/bin/other"]\n'
    files = {"go.mod": "module example.com/shop/api\n", "main.go": "package main\n"}
    _, _, codes = _split(text, files, tmp_path)
    assert codes == ["SPL013"]


_GO_APP = (
    "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app/api .\n"
    'CMD ["/app/api"]\n'
)


def test_literal_reads_copy_exactly_what_is_read(tmp_path: Path) -> None:
    main = (
        'package main\n\nimport (\n\t"github.com/joho/godotenv"\n\t"github.com/spf13/viper"\n'
        '\t"os"\n\t"path/filepath"\n)\n\nfunc main() {\n\tgodotenv.Load()\n'
        '\tviper.AddConfigPath("./configs")\n'
        '\tos.ReadFile(filepath.Join("data", "seed.json"))\n'
        '\tos.ReadFile("/etc/hostname")\n}\n'
    )
    files = {
        "go.mod": _GO_MOD,
        "main.go": main,
        ".env": "A=1",
        "configs/app.yaml": "a: 1",
        "data/seed.json": "{}",
        "docs/README.md": "d",
        "vendor/x/y.go": "package y\nfunc f() { os.Open(name) }\n",
        "main_test.go": "package main\nfunc t() { os.Open(name) }\n",
    }
    out, _, _ = _split(_GO_APP, files, tmp_path)
    copies = [line.split()[2] for line in out.splitlines() if line.startswith("COPY --from")]
    assert sorted(copies) == ["/app/.env", "/app/api", "/app/configs", "/app/data/seed.json"]


def test_embedded_files_are_not_run_time_reads(tmp_path: Path) -> None:
    main = (
        'package main\n\nimport (\n\t"embed"\n\t"net/http"\n)\n\n//go:embed assets\n'
        "var assets embed.FS\n\nfunc main() {\n"
        '\thttp.Handle("/assets/", http.FileServer(http.FS(assets)))\n'
        '\thttp.Handle("/", http.FileServer(http.Dir("public")))\n}\n'
    )
    files = {"go.mod": _GO_MOD, "main.go": main, "assets/a.css": "", "public/i.html": ""}
    out, _, _ = _split(_GO_APP, files, tmp_path)
    copies = [line.split()[2] for line in out.splitlines() if line.startswith("COPY --from")]
    assert copies == ["/app/api", "/app/public"]


_CGO_BUILD = (
    'FROM golang:1.22-bookworm\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/s .\nCMD ["/app/s"]\n'
)
_REQUIRES = "module example.com/s\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n"


@pytest.mark.parametrize(
    ("files", "static"),
    [
        ({"go.mod": "module example.com/s\n\ngo 1.22\n", "main.go": "package main\n"}, True),
        ({"go.mod": _REQUIRES, "main.go": "package main\n"}, False),
        (
            {
                "go.mod": _REQUIRES,
                "main.go": "package main\n",
                "vendor/github.com/mattn/go-sqlite3/s.go": 'package s\n\nimport "C"\n',
            },
            False,
        ),
        (
            {
                "go.mod": _REQUIRES,
                "main.go": "package main\n",
                "vendor/github.com/mattn/go-sqlite3/s.go": "package s\n",
            },
            True,
        ),
    ],
)
def test_cgo_off_only_when_the_module_graph_is_proven_cgo_free(
    files: dict[str, str], static: bool, tmp_path: Path
) -> None:
    out, _, codes = _split(_CGO_BUILD, files, tmp_path)
    assert codes == []
    assert ("CGO_ENABLED=0 go build" in out) is static
    runtime = "static-debian12" if static else "base-debian12"
    assert f"FROM gcr.io/distroless/{runtime}:nonroot AS runtime\n" in out


def test_benefit_gate_is_stable_under_a_user_creating_run() -> None:
    """``addgroup -g`` is not a global install: the gate skips the same file after the
    non-root user codemod added its RUN (a second run must not split it)."""
    text = (
        "FROM python:3.8.5-alpine\nWORKDIR /app\nRUN pip install flask\n"
        "RUN addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app app\n"
        'USER 10001:10001\nCMD ["python", "a.py"]\n'
    )
    assert _skip_codes(text) == ["SPL035"]
