"""Platform knowledge: which build steps cross-compile without emulation, and dev commands.

``cross-platform`` (pattern 4) moves build stages to ``$BUILDPLATFORM`` when what they make is
either the same on every platform (Java bytecode, JavaScript, pure-Python wheels, a portable
.NET publish, static files) or compiled for ``$TARGETARCH`` by a toolchain that needs no
emulation (Go with cgo off). ``dev-target`` (pattern 5) adds a ``development`` stage that runs
the project's development server. Both codemods read these tables and keep no ecosystem
knowledge of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "AIR_MIN_GO",
    "AIR_MODULE",
    "ARCH_PROBES",
    "BUILD_PLATFORM",
    "BUILD_PLATFORM_SPELLINGS",
    "CGO_IMPORT",
    "C_TOOLCHAIN_PACKAGES",
    "DEV_REQUIREMENTS",
    "DEV_SCRIPTS",
    "DEV_SERVERS",
    "DOTNET_NATIVE_OPTIONS",
    "DOTNET_NATIVE_PROPERTIES",
    "DOWNLOADERS",
    "GO_BUILD_VALUE_FLAGS",
    "JAVA_NATIVE_GOALS",
    "NATIVE_TOOLCHAINS",
    "NEUTRAL_DATA",
    "NEUTRAL_DOWNLOADS",
    "NEUTRAL_TOOLS",
    "NODE_INSTALLS",
    "NODE_PRODUCTION_FLAGS",
    "PACKAGE_INSTALLERS",
    "PLATFORM_BINARIES",
    "PORTABLE_OUTPUTS",
    "PURE_PYTHON",
    "PYTHON_INSTALLS",
    "PYTHON_PRODUCTION_FLAGS",
    "RUNTIME_BUNDLERS",
    "TARGET_VARIABLE",
    "DevServer",
    "arch_probe",
    "dev_server",
    "go_packages",
    "normalise_python_name",
]

BUILD_PLATFORM = "$BUILDPLATFORM"
#: How a FROM may already say it runs on the build machine.
BUILD_PLATFORM_SPELLINGS = frozenset({"$BUILDPLATFORM", "${BUILDPLATFORM}"})

# -- cross-platform: what a build step makes --------------------------------------------------

#: Why each kind of build stage may run on the build machine (the explanation of the move; a
#: stage that only prepares files is "files").
PORTABLE_OUTPUTS: Mapping[str, str] = {
    "go": "go build cross-compiles for $TARGETOS/$TARGETARCH without emulation",
    "java": "Java bytecode runs on every platform",
    "node": "its JavaScript output runs on every platform (no native modules)",
    "python": "its Python packages are pure Python",
    "dotnet": "a portable (framework-dependent) .NET publish runs on every platform",
    "files": "it only prepares files that are the same on every platform",
}

#: A reference to the platform being built for: on the build platform it names the target
#: while the step runs on the build machine.
TARGET_VARIABLE = re.compile(r"\$\{?TARGET(?:PLATFORM|OS|ARCH|VARIANT)\b")

#: Programs whose output does not depend on the machine they run on (file handling, sources,
#: archives of sources, JVM and JavaScript toolchains, static-site generators, user creation).
NEUTRAL_TOOLS = frozenset(
    {
        # shell and file handling
        "echo", "printf", "true", "false", ":", "set", "export", "cd", "pushd", "popd", "ls",
        "cat", "test", "[", "pwd", "env", "printenv", "which", "command", "id", "whoami", "rm",
        "du", "df", "find", "sleep", "date", "head", "tail", "grep", "wc", "sort", "uniq",
        "mkdir", "cp", "mv", "ln", "chmod", "chown", "chgrp", "touch", "sed", "awk", "tee",
        "xargs", "tr", "cut", "basename", "dirname", "realpath", "readlink", "stat", "diff",
        "patch", "envsubst", "jq", "yq", "base64", "sha256sum", "sha512sum", "md5sum",
        "tar", "unzip", "zip", "gzip", "gunzip", "xz", "bzip2", "git", "ssh-keyscan",
        "useradd", "adduser", "groupadd", "addgroup", "usermod", "update-ca-certificates",
        # JVM: bytecode is the same on every platform
        "mvn", "mvnw", "gradle", "gradlew", "javac", "jar", "java", "kotlinc", "sbt", "ant",
        # JavaScript, generated sources and static sites
        "node", "npx", "tsc", "corepack", "hugo", "protoc", "buf", "sass",
        # Python scripts (compiling bytecode, collecting static files)
        "python", "python3",
    }
)  # fmt: skip

#: System package managers: they install build tools for the machine the stage runs on, into
#: system folders (a runtime copying from those folders is refused separately).
PACKAGE_INSTALLERS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper"})

#: Programs that compile native code for the machine they run on: a stage running them on the
#: build platform would hand the runtime binaries of the wrong architecture.
NATIVE_TOOLCHAINS: Mapping[str, str] = {
    **dict.fromkeys(
        ("gcc", "g++", "cc", "c++", "clang", "clang++", "make", "cmake", "ninja", "meson"),
        "C/C++ compilers build for the machine they run on (no cross toolchain is known)",
    ),
    **dict.fromkeys(
        ("cargo", "rustc", "rustup"),
        "Rust cross-compiling needs the target's standard library (rustup target add) and a "
        "cross linker, which the build does not provably have",
    ),
    **dict.fromkeys(
        ("zig", "swift", "ghc", "cabal", "stack", "nim", "crystal", "dub"),
        "it compiles native code for the machine it runs on",
    ),
    "node-gyp": "node-gyp compiles a native addon for the machine it runs on",
}

#: Packagers that bundle a native runtime of the build machine into the artifact.
RUNTIME_BUNDLERS: Mapping[str, str] = {
    "jlink": "jlink assembles a Java runtime of the build machine's architecture",
    "jpackage": "jpackage bundles a Java runtime of the build machine's architecture",
    "native-image": "GraalVM native-image compiles for the build machine's architecture",
    "pkg": "pkg bundles the Node.js binary of the build machine",
    "nexe": "nexe bundles the Node.js binary of the build machine",
    "pyinstaller": "PyInstaller bundles the Python interpreter of the build machine",
    "nuitka": "Nuitka compiles Python to a native binary of the build machine",
    "bun": "bun may compile a native executable (bun build --compile)",
    "deno": "deno may compile a native executable (deno compile)",
}

#: Maven/Gradle goals and switches that produce native code or a bundled runtime.
JAVA_NATIVE_GOALS = (
    "-Pnative",
    "native:compile",
    "native:compile-no-fork",
    "nativeCompile",
    "spring-boot:build-image",
    "bootBuildImage",
    "jlink",
    "jpackage",
)

#: Commands that ask the machine for its architecture (their answer changes meaning when the
#: stage moves to the build platform).
ARCH_PROBES: tuple[tuple[str, ...], ...] = (
    ("uname", "-m"),
    ("uname", "-p"),
    ("uname", "-a"),
    ("arch",),
    ("dpkg", "--print-architecture"),
    ("apk", "--print-arch"),
    ("rpm", "--eval"),
    ("getconf", "LONG_BIT"),
)


def arch_probe(words: tuple[str, ...]) -> bool:
    """Whether a command asks the machine which architecture it is."""
    name = words[0].rpartition("/")[2] if words else ""
    return any(name == probe[0] and set(probe[1:]) <= set(words[1:]) for probe in ARCH_PROBES)


#: Programs that download files; what they fetch is only safe to copy when it is data.
DOWNLOADERS = frozenset({"curl", "wget"})
#: Suffixes of downloads that are the same on every platform.
NEUTRAL_DOWNLOADS = (
    ".jar", ".war", ".json", ".yaml", ".yml", ".txt", ".html", ".css", ".js", ".pem", ".crt",
    ".sql", ".csv", ".xml", ".properties", ".conf", ".md", ".py", ".rb", ".php", ".svg",
)  # fmt: skip

#: Folders holding programs and libraries of the image's own architecture: a runtime for
#: another platform cannot take them from a stage that runs on the build platform.
PLATFORM_BINARIES = (
    "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr/bin", "/usr/sbin",
    "/usr/lib", "/usr/lib64", "/usr/libexec", "/usr/local/bin", "/usr/local/sbin",
    "/usr/local/lib", "/usr/local/libexec", "/go/bin", "/root/go/bin", "/usr/local/cargo",
    "/root/.cargo",
)  # fmt: skip
#: Data every platform shares (certificates, time zones, user databases).
NEUTRAL_DATA = (
    "/etc/ssl", "/etc/ca-certificates", "/usr/share/ca-certificates", "/usr/share/zoneinfo",
    "/usr/local/go/lib/time", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
    "/etc/mime.types",
)  # fmt: skip

#: ``go build`` flags followed by a value (so the value is not a package).
GO_BUILD_VALUE_FLAGS = frozenset(
    {
        "-o", "-p", "-C", "-ldflags", "-gcflags", "-asmflags", "-tags", "-mod", "-modfile",
        "-buildmode", "-installsuffix", "-pkgdir", "-overlay", "-compiler", "-gccgoflags",
        "-pgo", "-toolexec", "-buildvcs", "-covermode", "-coverpkg",
    }
)  # fmt: skip


def go_packages(words: Sequence[str]) -> list[str]:
    """The package operands of ``go build`` (flag values skipped)."""
    out: list[str] = []
    i = 2
    while i < len(words):
        word = words[i]
        if word in GO_BUILD_VALUE_FLAGS:
            i += 2
            continue
        if not word.startswith("-"):
            out.append(word)
        i += 1
    return out


#: A Go source that uses cgo (``import "C"``, alone or in an import block).
CGO_IMPORT = re.compile(r'^\s*import\s+(?:\(\s*[^)]*?)?"C"', re.M)
#: System packages that bring a C toolchain (any ``*-dev`` package counts as well): a build
#: that installs one may use cgo.
C_TOOLCHAIN_PACKAGES = frozenset({"gcc", "g++", "clang", "musl-dev", "build-base", "libc6-dev"})

# -- Node.js --------------------------------------------------------------------------------

#: Package-manager commands that install node_modules (name → subcommands, "" = bare).
NODE_INSTALLS: Mapping[str, frozenset[str]] = {
    "npm": frozenset({"ci", "install", "i"}),
    "yarn": frozenset({"", "install"}),
    "pnpm": frozenset({"install", "i"}),
}
#: Options that leave dev dependencies out of an install (or prune them afterwards).
NODE_PRODUCTION_FLAGS = (
    "--omit=dev", "--only=production", "--only=prod", "--production", "--prod",
)  # fmt: skip

# -- Python ---------------------------------------------------------------------------------

#: Installs of Python distributions (program → subcommands).
PYTHON_INSTALLS: Mapping[str, frozenset[str]] = {
    "pip": frozenset({"install"}),
    "pip3": frozenset({"install"}),
    "poetry": frozenset({"install"}),
    "pipenv": frozenset({"install", "sync"}),
    "uv": frozenset({"pip", "sync"}),
    "conda": frozenset({"install"}),
    "pdm": frozenset({"install", "sync"}),
}
#: Options that leave development dependencies out of a poetry install.
PYTHON_PRODUCTION_FLAGS = ("--no-dev", "--only=main", "--without=dev")

#: Distributions known to be pure Python (the same wheel on every platform), with the
#: distributions they depend on. ``markupsafe`` and ``pyyaml`` ship optional C speed-ups and
#: fall back to their pure-Python code when the compiled module is for another machine.
PURE_PYTHON: Mapping[str, tuple[str, ...]] = {
    "flask": ("werkzeug", "jinja2", "itsdangerous", "click", "blinker"),
    "werkzeug": ("markupsafe",),
    "jinja2": ("markupsafe",),
    "markupsafe": (),
    "itsdangerous": (),
    "click": (),
    "blinker": (),
    "gunicorn": ("packaging",),
    "packaging": (),
    "waitress": (),
    "django": ("asgiref", "sqlparse"),
    "asgiref": ("typing-extensions",),
    "sqlparse": (),
    "whitenoise": (),
    "typing-extensions": (),
    "idna": (),
    "certifi": (),
    "urllib3": (),
    "six": (),
    "python-dateutil": ("six",),
    "pytz": (),
    "tzdata": (),
    "python-dotenv": (),
    "h11": (),
    "sniffio": (),
    "anyio": ("idna", "sniffio", "typing-extensions"),
    "starlette": ("anyio", "typing-extensions"),
    "uvicorn": ("click", "h11", "typing-extensions"),
    "flask-cors": ("flask",),
    "pyyaml": (),
    "bottle": (),
    "pip": (),
    "setuptools": (),
    "wheel": (),
}


def normalise_python_name(name: str) -> str:
    """PEP 503 normalised distribution name (``Flask_Cors`` → ``flask-cors``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# -- .NET -----------------------------------------------------------------------------------

#: ``dotnet publish``/``build`` options that make the output specific to one platform.
DOTNET_NATIVE_OPTIONS = (
    "-r", "--runtime", "-a", "--arch", "--os", "--ucr", "--use-current-runtime",
    "--self-contained", "--sc",
)  # fmt: skip
#: MSBuild properties (in a project file or ``-p:``) that do the same.
DOTNET_NATIVE_PROPERTIES = (
    "RuntimeIdentifier", "PublishAot", "PublishReadyToRun", "SelfContained",
    "PublishSingleFile",
)  # fmt: skip

# -- dev-target: development commands --------------------------------------------------------

#: package.json scripts that start a development server, by preference.
DEV_SCRIPTS = ("dev", "start:dev", "develop")


@dataclass(frozen=True)
class DevServer:
    """A development server a package.json script may start."""

    pattern: re.Pattern[str]
    host_args: tuple[str, ...]  # what makes it listen on every interface (() if it does)
    port: int | None  # its default port (None: the app's own)


DEV_SERVERS: tuple[DevServer, ...] = (
    DevServer(re.compile(r"^vite(?:\s+(?:dev|serve))?(?:\s|$)"), ("--host", "0.0.0.0"), 5173),
    DevServer(re.compile(r"^next\s+dev\b"), (), 3000),
    DevServer(re.compile(r"^nuxt\s+dev\b|^nuxi\s+dev\b"), ("--host", "0.0.0.0"), 3000),
    DevServer(re.compile(r"^astro\s+dev\b"), ("--host", "0.0.0.0"), 4321),
    DevServer(re.compile(r"^ng\s+serve\b"), ("--host", "0.0.0.0"), 4200),
    DevServer(re.compile(r"^webpack(?:-dev-server|\s+serve)\b"), ("--host", "0.0.0.0"), 8080),
    DevServer(re.compile(r"^react-scripts\s+start\b"), (), 3000),
    DevServer(re.compile(r"^vue-cli-service\s+serve\b"), (), 8080),
)


def dev_server(script: str) -> DevServer | None:
    """The known development server a script runs, in any of its commands (None for the app's
    own server)."""
    for piece in re.split(r"&&|\|\||[;|&]", script):
        text = re.sub(r"^(?:npx\s+|[A-Z_][A-Z0-9_]*=\S*\s+)*", "", piece.strip())
        found = next((server for server in DEV_SERVERS if server.pattern.search(text)), None)
        if found is not None:
            return found
    return None


#: Files listing Python development dependencies, by preference.
DEV_REQUIREMENTS = (
    "requirements-dev.txt",
    "requirements_dev.txt",
    "dev-requirements.txt",
    "requirements/dev.txt",
    "requirements/development.txt",
)

#: The live-reload tool for Go (run when the context has ``.air.toml``), pinned, and the Go
#: version its module needs.
AIR_MODULE = "github.com/air-verse/air@v1.61.7"
AIR_MIN_GO = (1, 23)
