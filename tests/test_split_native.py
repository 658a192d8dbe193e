"""split-build-runtime for native and .NET shapes (issue 15): the gcc image's Debian release,
CMake build trees, musl (Alpine) builders, the golang image's start directory, ``dotnet build``
outputs and ``dotnet run`` as a publish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codemods.split_build_runtime import SplitBuildRuntime
from refactor.analysis.images import ImageRef
from refactor.data import distros
from refactor.data.ecosystems import builder_codename
from refactor.engine.codemod import Context, Options
from refactor.engine.runner import run_codemods
from refactor.syntax.parser import parse

NAME = "split-build-runtime"


def _split(
    text: str, files: dict[str, str] | None, tmp_path: Path, **options: str
) -> tuple[str, list[str], list[str]]:
    """The split of ``text`` (with a build context of ``files`` unless None): the output,
    the skip codes and reasons, and the explanations."""
    context = None
    if files is not None:
        context = tmp_path / "ctx"
        for name, body in files.items():
            path = context / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
        context.mkdir(exist_ok=True)
    ctx = Context(context_dir=context, options=Options(**options))  # type: ignore[arg-type]
    report = run_codemods(parse(text), ctx, [SplitBuildRuntime()])
    skips = [f"{s.code} {s}" for s in report.skips if s.codemod == NAME]
    return report.output, skips, [str(e) for e in report.explanations]


def _from_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("FROM ")]


# -- the gcc image ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "release"),
    [
        ("latest", "trixie"),
        (None, "trixie"),
        ("16", "trixie"),
        ("15.2.0", "trixie"),
        ("14", "trixie"),
        ("13.2.0", "bookworm"),
        ("12.1.0", "bookworm"),
        ("11", "bookworm"),
        ("9.5", "bullseye"),
        ("8", None),
        ("99", None),
    ],
)
def test_gcc_image_release(tag: str | None, release: str | None) -> None:
    image = ImageRef.parse(f"gcc:{tag}" if tag else "gcc")
    assert distros.gcc_image_release(image.tag) == release
    assert builder_codename(image) == release


C_SERVER = (
    'FROM gcc:{tag}\nWORKDIR /app\nCOPY . .\nRUN {cc} -o server server.{ext}\nCMD ["./server"]\n'
)


@pytest.mark.parametrize(
    ("tag", "cc", "ext", "runtime"),
    [
        ("latest", "gcc", "c", "debian:trixie-slim"),  # C: any libstdc++ will do
        ("14", "g++", "cpp", "debian:trixie-slim"),  # trixie's own gcc is 14
        ("12.1.0", "g++", "cpp", "debian:bookworm-slim"),  # bookworm's own gcc is 12
        ("latest", "g++", "cpp", None),  # gcc 16's libstdc++ is newer than trixie's
        ("13", "g++", "cpp", None),  # gcc 13 on bookworm (gcc 12)
    ],
)
def test_gcc_runtime_follows_the_release_and_its_libstdcxx(
    tag: str, cc: str, ext: str, runtime: str | None, tmp_path: Path
) -> None:
    text = C_SERVER.format(tag=tag, cc=cc, ext=ext)
    output, skips, _ = _split(text, {f"server.{ext}": "int main() { return 0; }\n"}, tmp_path)
    if runtime is None:
        assert output == text
        assert [s.split()[0] for s in skips] == ["SPL022"]
        assert "libstdc++" in skips[0]
    else:
        assert _from_lines(output)[-1] == f"FROM {runtime} AS runtime"
        assert "COPY --from=builder /app/server /app/server" in output


# -- CMake -----------------------------------------------------------------------------------------

CMAKE_APT = (
    "FROM debian:bookworm\n"
    "RUN apt-get update && apt-get install -y build-essential cmake\n"
    "COPY . /src\n"
    "WORKDIR /src\n"
    "RUN {configure} && {build}\n"
    'ENTRYPOINT ["{program}"]\n'
)


@pytest.mark.parametrize(
    ("configure", "build", "lists", "program"),
    [
        ("cmake -S . -B out", "cmake --build out", "", "/src/out/tool"),
        ("cmake -H. -B_build", "cmake --build _build", "", "/src/_build/sub/tool"),
        (
            "cmake -B b",
            "cmake --build b",
            "set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)\n",
            "/src/b/bin/tool",
        ),
        (
            "cmake -B b",
            "cmake --build b",
            "set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${PROJECT_SOURCE_DIR}/dist)\n",
            "/src/dist/tool",
        ),
        (
            "mkdir -p b && cd b && cmake ..",
            "make",
            "set(EXECUTABLE_OUTPUT_PATH ${CMAKE_SOURCE_DIR}/bin)\n",
            "/src/bin/tool",
        ),
    ],
)
def test_cmake_program_in_the_build_tree_or_its_output_folder(
    configure: str, build: str, lists: str, program: str, tmp_path: Path
) -> None:
    text = CMAKE_APT.format(configure=configure, build=build, program=program)
    files = {
        "CMakeLists.txt": f"project(tool C)\n{lists}add_executable(tool main.c)\n",
        "main.c": "int main(void) { return 0; }\n",
    }
    output, skips, _ = _split(text, files, tmp_path)
    assert skips == []
    assert "FROM debian:bookworm-slim AS runtime" in output
    assert f"COPY --from=builder {program} {program}" in output


def test_cmake_output_folder_outside_both_trees_is_unknown(tmp_path: Path) -> None:
    text = CMAKE_APT.format(configure="cmake -B b", build="cmake --build b", program="/opt/tool")
    files = {
        "CMakeLists.txt": "project(t C)\nset(CMAKE_RUNTIME_OUTPUT_DIRECTORY /opt)\n"
        "add_executable(tool main.c)\n",
        "main.c": "int main(void) { return 0; }\n",
    }
    output, skips, _ = _split(text, files, tmp_path)
    assert output == text
    assert [s.split()[0] for s in skips] == ["SPL013"]


@pytest.mark.parametrize(
    ("configure", "lists"),
    [
        ("cmake -B b", "add_library(core SHARED core.c)\n"),
        ("cmake -B b -DBUILD_SHARED_LIBS=ON", "add_library(core core.c)\n"),
        ("cmake -B b", "set(BUILD_SHARED_LIBS ON)\nadd_library(core core.c)\n"),
    ],
)
def test_cmake_shared_libraries_are_a_reason_to_skip(
    configure: str, lists: str, tmp_path: Path
) -> None:
    text = CMAKE_APT.format(configure=configure, build="cmake --build b", program="/src/b/tool")
    files = {
        "CMakeLists.txt": f"project(t C)\n{lists}add_executable(tool main.c)\n",
        "main.c": "int main(void) { return 0; }\n",
        "core.c": "int core(void) { return 0; }\n",
    }
    output, skips, _ = _split(text, files, tmp_path)
    assert output == text
    assert [s.split()[0] for s in skips] == ["SPL023"]
    assert "shared library" in skips[0]


def test_find_package_in_a_subdirectory_is_read(tmp_path: Path) -> None:
    text = CMAKE_APT.format(configure="cmake -B b", build="cmake --build b", program="/src/b/t")
    files = {
        "CMakeLists.txt": "project(t C)\nadd_subdirectory(app)\n",
        "app/CMakeLists.txt": "find_package(CURL REQUIRED)\nadd_executable(t main.c)\n",
        "app/main.c": "int main(void) { return 0; }\n",
    }
    output, skips, _ = _split(text, files, tmp_path)
    assert output == text
    assert skips[0].startswith("SPL023") and "app/CMakeLists.txt links `CURL`" in skips[0]


# -- musl builders ---------------------------------------------------------------------------------

RUST_ALPINE = (
    "FROM rust:{tag}\nWORKDIR /w\nCOPY . .\n{env}RUN cargo build --release\n"
    'CMD ["/w/target/release/svc"]\n'
)
CARGO = '[package]\nname = "svc"\nversion = "0.1.0"\n'


@pytest.mark.parametrize(
    ("tag", "runtime"),
    [("1.85.0-alpine3.21", "alpine:3.21"), ("alpine", "alpine:3"), ("1.80-alpine", "alpine:3")],
)
def test_rust_alpine_runs_on_alpine_of_its_release(tag: str, runtime: str, tmp_path: Path) -> None:
    output, skips, _ = _split(RUST_ALPINE.format(tag=tag, env=""), {"Cargo.toml": CARGO}, tmp_path)
    assert skips == []
    assert _from_lines(output)[-1] == f"FROM {runtime} AS runtime"
    assert "COPY --from=builder /w/target/release/svc /w/target/release/svc" in output


def test_rust_alpine_scratch_when_asked(tmp_path: Path) -> None:
    text = RUST_ALPINE.format(tag="alpine", env="")
    output, skips, _ = _split(text, {"Cargo.toml": CARGO}, tmp_path, runtime_flavour="scratch")
    assert skips == []
    assert _from_lines(output)[-1] == "FROM scratch AS runtime"


@pytest.mark.parametrize(
    ("env", "files", "phrase"),
    [
        ('ENV RUSTFLAGS="-C target-feature=-crt-static"\n', {}, "RUSTFLAGS"),
        (
            "",
            {".cargo/config.toml": '[build]\nrustflags = ["-C", "target-feature=-crt-static"]\n'},
            ".cargo/config.toml",
        ),
    ],
)
def test_rust_alpine_without_crt_static_is_skipped(
    env: str, files: dict[str, str], phrase: str, tmp_path: Path
) -> None:
    text = RUST_ALPINE.format(tag="1.80-alpine", env=env)
    output, skips, _ = _split(text, {"Cargo.toml": CARGO, **files}, tmp_path)
    assert output == text
    assert [s.split()[0] for s in skips] == ["SPL023"]
    assert phrase in skips[0]


def test_rust_alpine_with_apk_dev_packages_is_skipped(tmp_path: Path) -> None:
    text = RUST_ALPINE.format(tag="1.80-alpine", env="RUN apk add --no-cache openssl-dev\n")
    output, skips, _ = _split(text, {"Cargo.toml": CARGO}, tmp_path)
    assert output == text
    assert [s.split()[0] for s in skips] == ["SPL015"]


C_ALPINE = 'FROM alpine:3.20\nRUN apk add --no-cache build-base\nWORKDIR /s\nCOPY . .\nRUN {cc} -o app app.{ext}{flags}\nCMD ["/s/app"]\n'


@pytest.mark.parametrize(
    ("cc", "ext", "flags", "code"),
    [
        ("gcc", "c", " -lm -lpthread", None),
        ("gcc", "c", " -lcurl", "SPL023"),  # not part of musl's libc
        ("g++", "cpp", "", "SPL022"),  # libstdc++ is not in alpine
    ],
)
def test_c_on_alpine(cc: str, ext: str, flags: str, code: str | None, tmp_path: Path) -> None:
    text = C_ALPINE.format(cc=cc, ext=ext, flags=flags)
    output, skips, _ = _split(text, {f"app.{ext}": "int main() { return 0; }\n"}, tmp_path)
    if code is None:
        assert skips == []
        assert _from_lines(output)[-1] == "FROM alpine:3.20 AS runtime"
    else:
        assert output == text
        assert [s.split()[0] for s in skips] == [code]


def test_alpine_release_of_a_tag() -> None:
    assert distros.alpine_release("1.22-alpine3.20") == "3.20"
    assert distros.alpine_release("alpine") == distros.ALPINE_DEFAULT_TAG
    assert distros.alpine_release(None) == distros.ALPINE_DEFAULT_TAG


def test_go_on_alpine_says_musl(tmp_path: Path) -> None:
    text = 'FROM golang:1.22-alpine3.20\nWORKDIR /s\nCOPY . .\nRUN go build -o /bin/app .\nCMD ["/bin/app"]\n'
    output, skips, explanations = _split(text, None, tmp_path)
    assert skips == []
    assert _from_lines(output)[-1] == "FROM alpine:3.20 AS runtime"
    assert any("musl" in e and "glibc" not in e for e in explanations if "runtime` stage" in e)


# -- the golang image's start directory ------------------------------------------------------------

GO_MAIN = {
    "go.mod": "module example.com/x\n\ngo 1.21\n",
    "main.go": "package main\nfunc main() {}\n",
}


@pytest.mark.parametrize(
    "body",
    [
        'COPY . .\nRUN go build -o x .\nCMD ["./x"]\n',
        'COPY . /go/src/x\nRUN go build example.com/x\nCMD ["/go/x"]\n',
        'COPY . /go/src/x\nRUN cd /go/src/x && go build -o /bin/x .\nCMD ["x"]\n',
    ],
)
def test_golang_start_directory(body: str, tmp_path: Path) -> None:
    """/go, not /: a relative path before the first WORKDIR is skipped, absolute ones split."""
    text = f"FROM golang:1.21\n{body}"
    output, skips, _ = _split(text, GO_MAIN, tmp_path)
    if "cd /go/src/x" in body:
        assert skips == []
        assert "COPY --from=builder /bin/x /bin/x" in output
    else:
        assert output == text
        assert [s.split()[0] for s in skips] == ["SPL014"]


# -- .NET ------------------------------------------------------------------------------------------

CONSOLE = '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType></PropertyGroup></Project>\n'
WEB = '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><AssemblyName>Web.Api</AssemblyName></PropertyGroup></Project>\n'


@pytest.mark.parametrize(
    ("tag", "code"), [("8.0", None), ("3.1", None), ("2.2", "SPL013"), ("latest", "SPL013")]
)
def test_dotnet_build_output_runs_from_net_core_3(
    tag: str, code: str | None, tmp_path: Path
) -> None:
    text = (
        f"FROM mcr.microsoft.com/dotnet/sdk:{tag}\nWORKDIR /app\nCOPY . .\n"
        'RUN dotnet build -o out\nWORKDIR /app/out\nENTRYPOINT ["dotnet", "Cli.dll"]\n'
    )
    output, skips, _ = _split(text, {"Cli.csproj": CONSOLE, "Program.cs": ""}, tmp_path)
    if code is None:
        assert skips == []
        assert f"FROM mcr.microsoft.com/dotnet/runtime:{tag} AS runtime" in output
        assert "COPY --from=builder /app/out /app/out" in output
    else:
        assert output == text
        assert [s.split()[0] for s in skips] == [code]


def test_dotnet_content_root_outside_the_output_folder(tmp_path: Path) -> None:
    """appsettings.json read from the WORKDIR: the publish folder goes into the WORKDIR."""
    text = (
        "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /app\nCOPY . .\n"
        'RUN dotnet publish -c Release -o out\nCMD ["dotnet", "out/Web.Api.dll"]\n'
    )
    files = {"Api.csproj": WEB, "appsettings.json": "{}", "wwwroot/site.css": ""}
    output, skips, _ = _split(text, files, tmp_path)
    assert skips == []
    assert "COPY --from=builder /app/out /app\n" in output
    assert output.rstrip().endswith('CMD ["dotnet", "Web.Api.dll"]')
    # without the context the publish folder is copied there too; a build folder is skipped
    output, skips, _ = _split(text, None, tmp_path)
    assert skips == [] and "COPY --from=builder /app/out /app\n" in output
    build = text.replace("dotnet publish -c Release", "dotnet build")
    output, skips, _ = _split(build, None, tmp_path)
    assert output == build and [s.split()[0] for s in skips] == ["SPL023"]


RUN_APP = (
    "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /app\nCOPY . .\nRUN dotnet restore\n"
    "ENTRYPOINT {start}\n"
)


def test_dotnet_run_becomes_a_publish_of_the_same_configuration(tmp_path: Path) -> None:
    start = json.dumps(["dotnet", "run", "-c", "Release", "--", "--port", "5000"])
    files = {"Api.csproj": WEB, "Program.cs": "", "appsettings.json": "{}"}
    output, skips, explanations = _split(RUN_APP.format(start=start), files, tmp_path)
    assert skips == []
    assert "RUN dotnet restore\nRUN dotnet publish -c Release -o /publish\n" in output
    assert "FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS runtime" in output
    assert "COPY --from=builder /publish /app" in output
    assert 'ENTRYPOINT ["dotnet", "Web.Api.dll", "--port", "5000"]' in output
    assert any("in place of `dotnet run`" in e for e in explanations)


@pytest.mark.parametrize(
    ("start", "files", "phrase"),
    [
        (["dotnet", "run"], {"Properties/launchSettings.json": "{}"}, "launchSettings.json"),
        (["dotnet", "run", "--urls", "http://+:80"], {}, "--urls"),
        (["dotnet", "run"], {"Other.csproj": CONSOLE}, "2 C# projects"),
        (["dotnet", "run"], {"data/seed.csv": "a,b\n"}, "data/seed.csv"),
    ],
)
def test_dotnet_run_not_provably_the_same_program(
    start: list[str], files: dict[str, str], phrase: str, tmp_path: Path
) -> None:
    text = RUN_APP.format(start=json.dumps(start))
    output, skips, _ = _split(text, {"Api.csproj": WEB, "Program.cs": "", **files}, tmp_path)
    assert output == text
    assert [s.split()[0] for s in skips] == ["SPL011"]
    assert phrase in skips[0]


def test_dotnet_run_with_no_launch_profile_ignores_launch_settings(tmp_path: Path) -> None:
    start = json.dumps(["dotnet", "run", "--no-launch-profile"])
    files = {"Api.csproj": WEB, "Properties/launchSettings.json": "{}"}
    output, skips, _ = _split(RUN_APP.format(start=start), files, tmp_path)
    assert skips == []
    assert "RUN dotnet publish -c Debug -o /publish" in output


@pytest.mark.parametrize(
    ("build", "split"),
    [
        ("gcc -O2 -o app main.c util.c", True),
        ("cc main.c -o app -lm", True),
        ("gcc -x c++ -o app main.c", False),  # compiled as C++
        ("gcc -o app main.c -lstdc++", False),
        ("gcc -o app main.cpp", False),
        ("make && gcc -o app main.c", False),  # make may compile anything
    ],
)
def test_c_only_proven_by_the_dockerfile_without_context(
    build: str, split: bool, tmp_path: Path
) -> None:
    """gcc:latest's libstdc++ is newer than trixie's: only a provably C program splits."""
    text = f'FROM gcc:latest\nWORKDIR /s\nCOPY . .\nRUN {build}\nCMD ["/s/app"]\n'
    output, skips, _ = _split(text, None, tmp_path)
    if split:
        assert skips == []
        assert _from_lines(output)[-1] == "FROM debian:trixie-slim AS runtime"
    else:
        assert output == text
        assert skips and skips[0].split()[0] in ("SPL022", "SPL023")
