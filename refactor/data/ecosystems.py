"""Ecosystem knowledge for splitting a build into a builder and a runtime stage.

Which builder images belong to which ecosystem, the runtime image for each flavour, the
commands that only a toolchain can run, the environment variables that only matter while
building, the system packages a build installs and the runtime library each ``-dev`` package
implies, the runtime flavours each kind of program allows and the Debian releases the
runtime images follow. :mod:`codemods.split_build_runtime` reads these tables and keeps no
ecosystem knowledge of its own: its planners (one per :class:`Ecosystem` row, by ``name``)
combine them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass

from refactor.analysis.images import ImageRef
from refactor.analysis.shell import Command
from refactor.data.distros import distro_of, gcc_image_release
from refactor.data.java import jre_for
from refactor.data.php import image_start
from refactor.data.ruby import bundle_manifests

__all__ = [
    "BUILD_ONLY_ENV",
    "BUILD_PACKAGES",
    "DEV_RUNTIME_LIBS",
    "DISTROLESS_STATIC_PROVIDES",
    "ECOSYSTEMS",
    "NEUTRAL_COMMANDS",
    "RUNTIME_PROGRAMS",
    "SPA_BUILDERS",
    "STATIC_SERVERS",
    "TOOLCHAIN_STARTS",
    "Ecosystem",
    "build_only_env",
    "builder_codename",
    "c_runtime_image",
    "dependency_manifests",
    "ecosystem_of_build",
    "ecosystem_of_builder",
    "ecosystem_of_commands",
    "ecosystem_of_image",
    "inherited_start",
    "native_runtime",
    "runtime_package",
    "slim_tag",
]


@dataclass(frozen=True)
class Ecosystem:
    """A language toolchain: the builder images it comes in and how its builds are recognised."""

    name: str  # go | java | node | python | rust | dotnet | c
    images: tuple[str, ...]  # Docker Hub names (hub_name) of its builder images
    commands: tuple[str, ...]  # command names whose use marks the ecosystem
    manifests: tuple[str, ...]  # build-context files that mark it
    #: The build writes a program or package (not an app folder an interpreter runs): the
    #: context files copied after the build belong to the runtime.
    compiled: bool = False
    #: More builder images of the ecosystem, recognised by a rule rather than by name.
    recognise: Callable[[ImageRef], bool] | None = None
    #: Plain distribution images on which a build running the ecosystem's ``commands`` is one
    #: of the ecosystem (``debian`` + ``make`` → C/C++).
    distro_images: tuple[str, ...] = ()


def _jdk_image(image: ImageRef) -> bool:
    return jre_for(image) is not None


ECOSYSTEMS: tuple[Ecosystem, ...] = (
    Ecosystem("go", ("golang",), ("go",), ("go.mod",), compiled=True),
    Ecosystem(
        "java",
        ("maven", "gradle"),  # JDK images are recognised by refactor.data.java.jre_for
        ("mvn", "mvnw", "gradle", "gradlew", "javac", "jar"),
        ("pom.xml", "build.gradle", "build.gradle.kts", "mvnw", "gradlew"),
        compiled=True,
        recognise=_jdk_image,
    ),
    Ecosystem("node", ("node",), ("npm", "yarn", "pnpm", "npx"), ("package.json",)),
    Ecosystem(
        "python",
        ("python",),
        ("pip", "pip3", "poetry", "pipenv"),
        ("requirements.txt", "pyproject.toml", "poetry.lock", "Pipfile"),
    ),
    Ecosystem("rust", ("rust",), ("cargo",), ("Cargo.toml",), compiled=True),
    Ecosystem(
        "dotnet",
        ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/core/sdk"),
        ("dotnet",),
        (),
        compiled=True,
    ),
    Ecosystem(
        "c",
        ("gcc",),
        ("make", "cmake", "gcc", "g++", "cc", "c++"),
        ("Makefile",),
        compiled=True,
        distro_images=("debian", "ubuntu", "buildpack-deps", "alpine"),
    ),
    Ecosystem("ruby", ("ruby",), ("bundle", "bundler", "gem"), ("Gemfile",)),
    Ecosystem("php", ("php",), ("composer",), ("composer.json",)),
    Ecosystem("elixir", ("elixir", "hexpm/elixir"), ("mix",), ("mix.exs",), compiled=True),
    Ecosystem("haskell", ("haskell",), ("stack", "cabal", "ghc"), ("stack.yaml",), compiled=True),
    Ecosystem("swift", ("swift",), ("swift",), ("Package.swift",), compiled=True),
)


def ecosystem_of_image(image: ImageRef | None) -> Ecosystem | None:
    """The ecosystem whose builder image ``image`` is (``golang:1.22`` → go)."""
    if image is None:
        return None
    for eco in ECOSYSTEMS:
        if image.hub_name in eco.images:
            return eco
    return None


def ecosystem_of_builder(image: ImageRef | None) -> Ecosystem | None:
    """The ecosystem whose builder ``image`` is: by its name, else by a row's ``recognise``
    rule (JDK images)."""
    found = ecosystem_of_image(image)
    if found is not None or image is None:
        return found
    return next((e for e in ECOSYSTEMS if e.recognise is not None and e.recognise(image)), None)


def ecosystem_of_commands(commands: Set[str], on: ImageRef | None = None) -> Ecosystem | None:
    """The first row whose commands are among ``commands``; given ``on``, only when that image
    is a plain distribution image the row lists (``distro_images``): the split must know the
    distribution it swaps, dev-target only which tool builds (``FROM
    messense/rust-musl-cross`` running cargo is rust)."""
    for eco in ECOSYSTEMS:
        plain = on is None or (on.hub_name in eco.distro_images and distro_of(on) is not None)
        if plain and commands & set(eco.commands):
            return eco
    return None


def inherited_start(image: ImageRef) -> tuple[str, ...] | None:
    """The start command of a stage without CMD/ENTRYPOINT on ``image``, when the image's own
    CMD is known and a runtime on the same image runs it too (the php variants' servers)."""
    return image_start(image)


def ecosystem_of_build(image: ImageRef, commands: Set[str]) -> Ecosystem | None:
    """The ecosystem of a build on ``image`` running ``commands``: by the builder image, else a
    plain distribution image running the row's commands (the rows in order)."""
    return ecosystem_of_builder(image) or ecosystem_of_commands(commands, on=image)


# -- runtime images -------------------------------------------------------------------------------

#: Debian release of toolchain images whose tag names none, from the version they moved to it
#: (newest first; ``latest``/``1`` follow the newest). Older versions are bullseye or earlier.
CODENAME_SINCE: Mapping[str, tuple[tuple[tuple[int, int], str], ...]] = {
    "golang": (((1, 24), "trixie"), ((1, 20), "bookworm")),
    "rust": (((1, 89), "trixie"), ((1, 70), "bookworm")),
}
CODENAME_WORDS = ("trixie", "bookworm", "bullseye", "buster")
#: The distroless Debian release whose glibc runs binaries built on each Debian release.
DISTROLESS_DEBIAN: Mapping[str, str] = {
    "trixie": "debian13",
    "bookworm": "debian12",
    "bullseye": "debian12",
    "buster": "debian12",
}
#: The release the runtime-library table (DEV_RUNTIME_LIBS) names packages for.
PACKAGES_CODENAME = "bookworm"
#: Tags of the ``debian`` image on the PACKAGES_CODENAME release.
PACKAGES_RELEASE_TAGS = frozenset({"bookworm", "12", "bookworm-slim", "12-slim"})
#: The Debian release a static binary's slim runtime is on (a static binary needs no glibc).
STATIC_RUNTIME_CODENAME = "bookworm"
#: ``debian`` tags that follow the newest release, and the slim image that follows it too.
ROLLING_DEBIAN_TAGS = frozenset({"latest", "stable"})
ROLLING_DEBIAN_SLIM = "debian:stable-slim"


def builder_codename(image: ImageRef) -> str | None:
    """The Debian release a Debian-based toolchain image is built on (None when unknown)."""
    tag = (image.tag or "latest").lower()
    for word in CODENAME_WORDS:
        if word in tag:
            return word
    if "alpine" in tag:
        return None
    if image.hub_name == "gcc":
        return gcc_image_release(tag)
    since = CODENAME_SINCE.get(image.hub_name)
    if since is None:
        return None
    version = re.match(r"(\d+)\.(\d+)", tag)
    if version is None:
        return since[0][1]  # latest, 1, slim: the newest release
    found = (int(version.group(1)), int(version.group(2)))
    return next((codename for first, codename in since if found >= first), "bullseye")


def native_runtime(kind: str, flavour: str, codename: str | None) -> str:
    """Runtime image of a native program: ``kind`` static (Go, CGO off), base (Go with cgo) or
    cc (Rust, C/C++: glibc and libgcc), for a binary built on Debian ``codename`` (None for a
    static binary, which runs on any release)."""
    if flavour == "scratch":
        return "scratch"
    if kind == "static":
        codename = STATIC_RUNTIME_CODENAME
    if codename is None:
        raise ValueError(f"a {kind} binary needs the Debian release it was built on")
    if flavour == "slim":
        return f"debian:{codename}-slim"
    suffix = DISTROLESS_DEBIAN[codename]
    # :nonroot is distroless's explicit tag for its default image, running as uid 65532
    return f"gcr.io/distroless/{kind}-{suffix}:nonroot"


def c_runtime_image(image: ImageRef) -> str | None:
    """The slim runtime of a C/C++ build on a plain ``debian`` or ``ubuntu`` image (the same
    release), None for other images."""
    tag = (image.tag or "latest").lower()
    if image.hub_name == "debian":
        if tag in ROLLING_DEBIAN_TAGS:
            return ROLLING_DEBIAN_SLIM
        return str(image) if "slim" in tag else f"debian:{tag}-slim"
    if image.hub_name == "ubuntu":
        return str(image)  # ubuntu has no slim variant: the image is already minimal
    return None


#: Runtime flavours (``--runtime-flavour``) each kind of runtime allows, and its default. Go's
#: static binary runs anywhere; a glibc one needs distroless base or debian-slim; a musl one
#: (built on alpine) runs on alpine only. Interpreters keep their image (slim or alpine).
RUNTIME_FLAVOURS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "go-static": (("distroless", "slim", "scratch", "alpine"), "distroless"),
    "go-dynamic": (("distroless", "slim"), "distroless"),
    "go-musl": (("alpine",), "alpine"),
    "rust": (("distroless", "slim"), "distroless"),
    "rust-musl": (("alpine", "scratch"), "alpine"),
    "c": (("slim",), "slim"),
    "c-musl": (("alpine",), "alpine"),
    "java": (("slim", "alpine"), "slim"),
    "dotnet": (("slim", "alpine"), "slim"),
    "python": (("slim", "alpine"), "slim"),
    "node": (("slim", "alpine"), "slim"),
    "static-site": (("slim",), "slim"),
    "ruby": (("slim", "alpine"), "slim"),
    "php": (("slim", "alpine"), "slim"),  # the php image itself, of its own variant
    "elixir": (("slim",), "slim"),
    "haskell": (("slim",), "slim"),
    "swift": (("slim",), "slim"),
}

#: How the runtime stage installs the runtime packages (Debian images).
APT_INSTALL = (
    "apt-get update && apt-get install -y --no-install-recommends {packages} "
    "&& rm -rf /var/lib/apt/lists/*"
)
#: Users that runtime images already have (a USER of them needs no creating).
RUNTIME_IMAGE_USERS = frozenset({"node", "nobody", "nonroot", "www-data", "nginx"})

#: What a dotnet project needs at run time, by SDK kind.
DOTNET_RUNTIME_REPO: Mapping[str, str] = {
    "web": "mcr.microsoft.com/dotnet/aspnet",
    "console": "mcr.microsoft.com/dotnet/runtime",
}
NGINX_IMAGE = "nginx:stable"
NGINX_HTML = "/usr/share/nginx/html"
NGINX_CONF = "/etc/nginx/nginx.conf"
#: The whole nginx.conf of a static-site runtime: one server on the original port with an SPA
#: fallback; pid and temporary files in /tmp so that any (non-root) user can run it.
NGINX_CONF_TEMPLATE = (
    "pid /tmp/nginx.pid;\n"
    "error_log /dev/stderr;\n"
    "events {{}}\n"
    "http {{\n"
    "    include /etc/nginx/mime.types;\n"
    "    access_log /dev/stdout;\n"
    "    client_body_temp_path /tmp/client_body;\n"
    "    proxy_temp_path /tmp/proxy;\n"
    "    fastcgi_temp_path /tmp/fastcgi;\n"
    "    uwsgi_temp_path /tmp/uwsgi;\n"
    "    scgi_temp_path /tmp/scgi;\n"
    "    server {{\n"
    "        listen {port};\n"
    "        root {root};\n"
    "        location / {{\n"
    "            try_files $uri $uri/ /index.html;\n"
    "        }}\n"
    "    }}\n"
    "}}\n"
)
#: Source files searched for the names of runtime assets (compiled ecosystems).
SOURCE_SUFFIXES = ("go", "rs", "c", "cc", "cpp", "java", "kt", "cs", "hs", "swift")
#: Context folders a compiled program commonly reads at run time.
ASSET_FOLDERS = ("templates", "static", "public", "config", "migrations", "assets", "views")
#: Context data files a compiled program may read at run time, and manifests that are not.
ASSET_FILE_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".ini", ".env", ".conf")
MANIFEST_FILES = frozenset(
    {"package.json", "package-lock.json", "Cargo.toml", "tsconfig.json", "renovate.json"}
)

#: C/C++ compilers (``-o``, ``-lX``), those of C++ only, and the suffixes of C++ sources.
C_COMPILERS = frozenset({"gcc", "g++", "cc", "c++", "clang"})
CXX_COMPILERS = frozenset({"g++", "c++"})
CXX_SUFFIXES = ("cpp", "cc", "cxx", "hpp")
#: Commands whose use means a build may compile C (and so a Go binary may link glibc).
C_TOOLCHAIN_COMMANDS = frozenset({"gcc", "g++", "cc", "clang", "make", "pkg-config"})

#: Images that ship -dev libraries (buildpack-deps based): a build may link them silently.
IMAGES_WITH_DEV_LIBRARIES = frozenset({"gcc", "buildpack-deps"})

#: ``-lX`` linker flags and the Debian bookworm package with the shared library (glibc's own
#: libraries and the compiler runtime need none; zlib is in every Debian image).
LINK_LIBRARIES: Mapping[str, tuple[str, ...]] = {
    "c": (),
    "m": (),
    "pthread": (),
    "dl": (),
    "rt": (),
    "util": (),
    "resolv": (),
    "stdc++": (),
    "gcc_s": (),
    "z": (),
    "ssl": ("libssl3",),
    "crypto": ("libssl3",),
    "curl": ("libcurl4",),
    "pq": ("libpq5",),
    "sqlite3": ("libsqlite3-0",),
    "ncurses": ("libncursesw6",),
    "ncursesw": ("libncursesw6",),
    "readline": ("libreadline8",),
    "uuid": ("libuuid1",),
    "ffi": ("libffi8",),
    "xml2": ("libxml2",),
    "pcre2-8": ("libpcre2-8-0",),
    "yaml": ("libyaml-0-2",),
    "event": ("libevent-2.1-7",),
    "uv": ("libuv1",),
    "sodium": ("libsodium23",),
    "zstd": ("libzstd1",),
    "lzma": ("liblzma5",),
    "bz2": ("libbz2-1.0",),
    "gmp": ("libgmp10",),
}

#: Rust ``*-sys`` crates that need no library beyond distroless cc's (glibc, libgcc, libstdc++,
#: libssl) or build their C code in statically; any other ``-sys`` crate may link a system
#: library (libpq, libsqlite3, libcurl…) that the rust image ships and the runtime lacks.
RUST_SAFE_SYS_CRATES = frozenset(
    {
        "openssl-sys",
        "linux-raw-sys",
        "windows-sys",
        "js-sys",
        "web-sys",
        "core-foundation-sys",
        "security-framework-sys",
        "zstd-sys",
        "ring",
        "psm",
    }
)

#: Where toolchain images put installed programs (on their PATH, not on a runtime image's).
TOOLCHAIN_PATHS: Mapping[str, tuple[str, ...]] = {
    "go": ("/go/bin",),
    "rust": ("/usr/local/cargo/bin",),
    "haskell": ("/root/.local/bin", "/root/.cabal/bin"),
}
VENV = "/opt/venv"
#: Python installers that install into the active virtualenv besides pip, installers the
#: split does not support yet, and pip options that install outside a virtualenv into a folder
#: the split cannot copy (``--user``, ``--prefix`` and ``--target`` folders are copied).
PYTHON_VENV_INSTALLERS = ("poetry", "pipenv")
PYTHON_OTHER_INSTALLERS = ("uv", "conda", "pdm")
PIP_OUTSIDE_VENV = ("--root",)

#: Files distroless ``static`` already ships (so installing these packages is not needed).
DISTROLESS_STATIC_PROVIDES = frozenset({"ca-certificates", "tzdata"})


#: How each official image names the slim variant of a Debian release.
SLIM_CODENAME_TAG: Mapping[str, str] = {
    "python": "{version}-slim-{codename}",  # python:3.12-slim-bookworm
    "node": "{version}-{codename}-slim",  # node:20-bookworm-slim
    "ruby": "{version}-slim-{codename}",  # ruby:3.3-slim-bookworm
}


def slim_tag(tag: str | None, repository: str = "python") -> str | None:
    """The ``-slim`` variant of an official python/node tag (``3.11`` → ``3.11-slim``,
    ``20-bookworm`` → ``20-bookworm-slim``); alpine and slim tags are returned as they are.

    None when the tag names a variant we cannot map (``windowsservercore``, ``buster``…).
    """
    if tag is None or tag == "latest":
        return "slim"
    low = tag.lower()
    if "alpine" in low:
        return tag
    if "slim" in low:
        return tag
    if any(w in low for w in ("windows", "nanoserver", "buster", "stretch", "jessie")):
        return None
    for codename in ("bookworm", "bullseye", "trixie"):
        pattern = SLIM_CODENAME_TAG.get(repository, SLIM_CODENAME_TAG["python"])
        if low.endswith(f"-{codename}"):
            return pattern.format(version=tag[: -len(codename) - 1], codename=codename)
        if low == codename:
            return pattern.format(version="", codename=codename).lstrip("-")
    if re.fullmatch(r"[0-9][0-9.]*|lts|current", low):
        return f"{tag}-slim"
    return None


# -- start commands -------------------------------------------------------------------------------

#: Start commands that need the toolchain (first words → why), checked as prefixes.
TOOLCHAIN_STARTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("go", "run"), "`go run` compiles at start-up and needs the Go toolchain"),
    (("cargo", "run"), "`cargo run` compiles at start-up and needs the Rust toolchain"),
    (("mvn",), "Maven runs the application and needs the JDK and Maven"),
    (("./mvnw",), "the Maven wrapper runs the application and needs the JDK"),
    (("gradle",), "Gradle runs the application and needs the JDK and Gradle"),
    (("./gradlew",), "the Gradle wrapper runs the application and needs the JDK"),
    (("dotnet", "run"), "`dotnet run` builds at start-up and needs the .NET SDK"),
    (("dotnet", "watch"), "`dotnet watch` needs the .NET SDK"),
    (("npm", "run", "dev"), "`npm run dev` starts a development server"),
    (("yarn", "dev"), "`yarn dev` starts a development server"),
    (("pnpm", "dev"), "`pnpm dev` starts a development server"),
    (("nodemon",), "nodemon is a development tool"),
    (("ts-node",), "ts-node compiles TypeScript at start-up"),
    (("make",), "make runs the build tools at start-up"),
    (("air",), "air rebuilds the Go program on change and needs the Go toolchain"),
    (("dlv",), "the Delve debugger needs the Go toolchain"),
    (("CompileDaemon",), "CompileDaemon rebuilds the Go program and needs the Go toolchain"),
    (("reflex",), "reflex reruns a build on change"),
    (("javac",), "javac is part of the JDK"),
    (("php", "-S"), "`php -S` is PHP's built-in development server"),
    (("php", "artisan", "serve"), "`php artisan serve` runs PHP's built-in development server"),
    (("mix",), "mix runs the application from its sources and needs Elixir and Erlang"),
    (("iex",), "iex is Elixir's interactive shell and needs Elixir and Erlang"),
    (("stack",), "stack runs the program through the Haskell toolchain"),
    (("cabal",), "cabal runs the program through the Haskell toolchain"),
    (("runghc",), "runghc interprets Haskell sources with GHC"),
    (("swift",), "the swift driver builds and runs sources with the Swift toolchain"),
)

#: package.json scripts that start a development server or need dev dependencies.
DEV_SERVER_SCRIPT = re.compile(
    r"\b(?:nodemon|ts-node|ts-node-dev|tsx|webpack-dev-server|webpack serve|vite(?!\s+preview)"
    r"|next dev|react-scripts start|vue-cli-service serve|ng serve|nuxt dev|gatsby develop"
    r"|parcel(?!\s+build))\b"
)

#: Programs each runtime image provides (the start command may name them).
RUNTIME_PROGRAMS: Mapping[str, frozenset[str]] = {
    "python": frozenset({"python", "python3", "sh", "bash"}),
    "node": frozenset({"node", "npm", "npx", "sh", "bash"}),
    "java": frozenset({"java", "sh", "bash"}),
    "dotnet": frozenset({"dotnet", "sh", "bash"}),
    "slim": frozenset({"sh", "bash"}),
    "alpine": frozenset({"sh"}),  # BusyBox ash: no bash
    "distroless": frozenset(),
    "nginx": frozenset({"nginx", "sh"}),
}

#: ``next start`` (the production server of a Next.js app), the port it listens on unless told,
#: and the command of its standalone output.
NEXT_START = re.compile(r"^next start\b")
NEXT_DEFAULT_PORT = "3000"
NEXT_STANDALONE_CMD = '["node", "server.js"]'
#: What ``npm start`` runs when package.json has no start script.
NPM_DEFAULT_START = "node server.js"
#: The builder step that drops dev dependencies before the runtime copies node_modules.
NPM_PRUNE = "npm prune --omit=dev"
#: The same per package manager: Yarn 1 prunes by installing again with ``--production``
#: (from its offline mirror of the first install); Yarn Berry (a ``.yarnrc.yml``) has no prune,
#: so its dev dependencies are kept.
NODE_PRUNE: Mapping[str, str] = {
    "npm": NPM_PRUNE,
    "yarn": "yarn install --production --prefer-offline",
    "pnpm": "pnpm prune --prod",
}

# -- what a JavaScript/TypeScript program loads (the import graph of the start file) --------------

#: Strings and comments of JavaScript/TypeScript, read first so that a quote in a comment
#: or ``//`` in a string does not confuse the readers below (comments are blanked).
JS_TOKENS = re.compile(
    r"\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`|(//[^\n]*|/\*.*?\*/)", re.S
)
#: Module references with a literal name: ``require('x')``, ``import('x')``, ``import … from
#: 'x'``, ``import 'x'``, ``export … from 'x'`` (``import type`` loads nothing at run time).
JS_IMPORTS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![\w$.])(?:require|import)\s*\(\s*(['\"`])(?P<name>[^'\"`$\n]+)\1\s*\)"),
    re.compile(r"(?m)^\s*import\s+(?!type\b)(?:[^;'\"]*?\bfrom\s*)?(['\"])(?P<name>[^'\"\n]+)\1"),
    re.compile(r"(?m)^\s*export\s+(?!type\b)[^;'\"]*?\bfrom\s*(['\"])(?P<name>[^'\"\n]+)\1"),
)
#: What a module name looks like (any other string literal is blanked before reading).
JS_MODULE_NAME = re.compile(r"[\w@./:+~-]+")
#: Every ``require(`` / ``import(`` call: more calls than literal ones means a name computed
#: at run time (the graph is then not proven).
JS_LOAD_CALLS = re.compile(r"(?<![\w$.])(?:require|import)\s*\(")
#: How Node.js resolves a relative module: the name as written, then with each extension,
#: then the folder's index; a TypeScript source stands for the ``.js`` it compiles to.
JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".json", ".node", ".ts", ".mts", ".cts", ".tsx", ".jsx")
JS_SOURCE_OF: Mapping[str, tuple[str, ...]] = {
    ".js": (".ts", ".tsx", ".jsx"),
    ".mjs": (".mts",),
    ".cjs": (".cts",),
}
#: ``node`` options whose value is a module loaded before the start file.
NODE_PRELOAD_OPTIONS = ("-r", "--require", "--import", "--loader", "--experimental-loader")
#: Where TypeScript writes its output (``outDir``) and reads its sources (``rootDir``) when
#: tsconfig.json does not say; a start file in the output is read from the sources.
TS_DEFAULT_OUT_DIRS = ("dist", "build", "out", "lib")
TS_DEFAULT_ROOT_DIRS = ("src", "")
#: The most files the import graph reader follows before it gives up (not proven).
JS_GRAPH_LIMIT = 2000

#: Node build scripts that produce a static site, and the folder they write.
SPA_BUILDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:tsc[^&]*&&\s*)?vite build\b"), "dist"),
    (re.compile(r"^react-scripts build\b"), "build"),
    (re.compile(r"^vue-cli-service build\b"), "dist"),
)

#: Commands that serve a folder of static files: (pattern, default port, folder group or None).
STATIC_SERVERS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^vite preview\b"), 4173),
    (re.compile(r"^(?:npx\s+)?serve\s+(?:-s\s+)?(?P<dir>[\w./-]+)"), 3000),
    (re.compile(r"^(?:npx\s+)?http-server\s+(?P<dir>[\w./-]+)"), 8080),
)

# -- what moves to the runtime and what stays behind ----------------------------------------------

#: Instructions that describe how the image runs: they move to the runtime stage.
RUNTIME_INSTRUCTIONS = frozenset(
    {"CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "LABEL", "STOPSIGNAL", "VOLUME"}
)
#: Directories whose contents never reach the runtime (caches, package lists, scratch space).
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/var/lib/apt", "/var/cache", "/root/.cache", "/root/.npm")
#: File-writing commands (what they write is found from their operands).
FILE_COMMANDS = frozenset(
    {"mkdir", "cp", "mv", "install", "ln", "chmod", "chown", "chgrp", "touch", "sed"}
)
#: Build commands that leave nothing behind when the runtime is the builder's own image: the
#: installs of dependencies the runtime copies whole (first words, the program by its name;
#: ``yarn`` alone installs). Any other build command may leave a toolchain, a compiler or the
#: inputs of a build behind, so the split keeps its benefit (benefit gate, SPL035).
COPIED_INSTALLS: tuple[tuple[str, ...], ...] = (
    ("npm", "ci"),
    ("npm", "install"),
    ("npm", "i"),
    ("yarn",),
    ("yarn", "install"),
    ("pnpm", "install"),
    ("pnpm", "i"),
    ("npm", "cache"),  # the cleanups of the installs' caches leave nothing either
    ("yarn", "cache"),
    ("pip", "install"),
    ("pip3", "install"),
    ("python", "-m", "pip", "install"),
    ("python3", "-m", "pip", "install"),
    ("python", "-m", "venv"),
    ("python3", "-m", "venv"),
)
#: Where the split refuses to copy a whole folder (system places, not an app folder).
SYSTEM_ROOTS = frozenset({"/", "/usr", "/usr/local", "/var", "/opt", "/home"})
#: Commands that create users and groups (carried into a runtime that can run them).
USER_COMMANDS = frozenset({"useradd", "adduser", "groupadd", "addgroup", "usermod"})
#: Package managers whose ``install``/``add`` the split maps to runtime packages.
PACKAGE_MANAGERS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf"})
#: The PATH of an image that sets none.
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")

# -- environment ----------------------------------------------------------------------------------

#: ENV keys that only steer the build (dropped from the runtime stage).
BUILD_ONLY_ENV = frozenset(
    {
        "CGO_ENABLED",
        "GOOS",
        "GOARCH",
        "GOARM",
        "GOFLAGS",
        "GOPATH",
        "GOPROXY",
        "GOPRIVATE",
        "GOCACHE",
        "GOMODCACHE",
        "GO111MODULE",
        "DEBIAN_FRONTEND",
        "PIP_NO_CACHE_DIR",
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "PIP_DEFAULT_TIMEOUT",
        "PIP_INDEX_URL",
        "POETRY_VERSION",
        "POETRY_HOME",
        "POETRY_VIRTUALENVS_CREATE",
        "POETRY_VIRTUALENVS_IN_PROJECT",
        "POETRY_NO_INTERACTION",
        "POETRY_CACHE_DIR",
        "MAVEN_OPTS",
        "MAVEN_CONFIG",
        "GRADLE_OPTS",
        "GRADLE_USER_HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "DOTNET_CLI_TELEMETRY_OPTOUT",
        "NUGET_XMLDOC_MODE",
        "CC",
        "CXX",
        "CFLAGS",
        "CXXFLAGS",
        "LDFLAGS",
        "NPM_CONFIG_LOGLEVEL",
        "YARN_VERSION",
        "BUNDLE_JOBS",
        "BUNDLE_RETRY",
        "COMPOSER_ALLOW_SUPERUSER",
        "COMPOSER_NO_INTERACTION",
        "COMPOSER_MEMORY_LIMIT",
        "COMPOSER_HOME",
        "COMPOSER_CACHE_DIR",
        "MIX_ENV",
        "MIX_HOME",
        "HEX_HOME",
        "STACK_ROOT",
    }
)


def build_only_env(key: str) -> bool:
    return key in BUILD_ONLY_ENV


# -- system packages ------------------------------------------------------------------------------

#: Packages used only to build (compilers, headers, build systems, fetchers for the build).
BUILD_PACKAGES = frozenset(
    {
        "build-essential",
        "gcc",
        "g++",
        "make",
        "cmake",
        "ninja-build",
        "pkg-config",
        "pkgconf",
        "autoconf",
        "automake",
        "libtool",
        "git",
        "python3-dev",
        "python-dev",
        "libc6-dev",
        "linux-headers",
        "musl-dev",
        "build-base",
        "clang",
        "llvm",
        "gfortran",
        "cargo",
        "rustc",
        "golang",
        "maven",
        "gradle",
        "unzip",
        "xz-utils",
        "bzip2",
        "gnupg",
        "dirmngr",
        "software-properties-common",
        "apt-transport-https",
        "lsb-release",
    }
)

#: Packages that are runtime programs or data: carried into a runtime that has a package manager.
RUNTIME_PACKAGES = frozenset(
    {
        "ca-certificates",
        "tzdata",
        "curl",
        "wget",
        "netcat-openbsd",
        "netcat-traditional",
        "postgresql-client",
        "default-mysql-client",
        "mariadb-client",
        "sqlite3",
        "ffmpeg",
        "imagemagick",
        "ghostscript",
        "poppler-utils",
        "tini",
        "dumb-init",
        "gosu",
        "libpq5",
        "libssl3",
        "openssl",
        "locales",
        "fonts-dejavu-core",
        "libgomp1",
        "libglib2.0-0",
        "libgl1",
        "libsm6",
        "libxext6",
        "libxrender1",
    }
)

#: ``-dev`` packages and the runtime library their headers link against (Debian bookworm).
DEV_RUNTIME_LIBS: Mapping[str, tuple[str, ...]] = {
    "libssl-dev": ("libssl3",),
    "libcurl4-openssl-dev": ("libcurl4",),
    "libcurl4-gnutls-dev": ("libcurl3-gnutls",),
    "libpq-dev": ("libpq5",),
    "libmariadb-dev": ("libmariadb3",),
    "libmariadb-dev-compat": ("libmariadb3",),
    "default-libmysqlclient-dev": ("libmariadb3",),
    "libsqlite3-dev": ("libsqlite3-0",),
    "zlib1g-dev": ("zlib1g",),
    "libffi-dev": ("libffi8",),
    "libxml2-dev": ("libxml2",),
    "libxslt1-dev": ("libxslt1.1",),
    "libjpeg-dev": ("libjpeg62-turbo",),
    "libjpeg62-turbo-dev": ("libjpeg62-turbo",),
    "libpng-dev": ("libpng16-16",),
    "libyaml-dev": ("libyaml-0-2",),
    "libboost-all-dev": ("libboost-all-dev",),
    "libboost-dev": (),
    "libeigen3-dev": (),
    "nlohmann-json3-dev": (),
    "libgtest-dev": (),
    "libpcre3-dev": ("libpcre3",),
    "libpcre2-dev": ("libpcre2-8-0",),
    "libreadline-dev": ("libreadline8",),
    "libncurses-dev": ("libncursesw6",),
    "libncurses5-dev": ("libncursesw6",),
    "libbz2-dev": ("libbz2-1.0",),
    "liblzma-dev": ("liblzma5",),
    "libzstd-dev": ("libzstd1",),
    "libgmp-dev": ("libgmp10",),
    "libuv1-dev": ("libuv1",),
    "libevent-dev": ("libevent-2.1-7",),
    "libsodium-dev": ("libsodium23",),
    "libgdbm-dev": ("libgdbm6",),
    "uuid-dev": ("libuuid1",),
    "libmagic-dev": ("libmagic1",),
    "libpcap-dev": ("libpcap0.8",),
    "libprotobuf-dev": ("libprotobuf32",),
    "protobuf-compiler": (),
}


def runtime_package(package: str) -> tuple[str, ...] | None:
    """What a package installed in the builder needs in the runtime.

    ``()`` for build-only packages, the runtime library for a known ``-dev`` package, the
    package itself for a known runtime package, None when unknown (the split must skip).
    """
    name = package.split("=", 1)[0].split(":", 1)[0]
    if name in BUILD_PACKAGES:
        return ()
    if name in DEV_RUNTIME_LIBS:
        return DEV_RUNTIME_LIBS[name]
    if name in RUNTIME_PACKAGES:
        return (name,)
    return None


# -- commands -------------------------------------------------------------------------------------

#: Commands without lasting effects outside paths we copy (or whose effects are captured).
NEUTRAL_COMMANDS = frozenset(
    {
        "echo",
        "printf",
        "true",
        "false",
        ":",
        "set",
        "export",
        "cd",
        "pushd",
        "popd",
        "ls",
        "cat",
        "test",
        "[",
        "pwd",
        "env",
        "printenv",
        "which",
        "command",
        "uname",
        "id",
        "whoami",
        "rm",
        "du",
        "df",
        "find",
        "sleep",
        "date",
        "head",
        "tail",
        "grep",
        "wc",
        "sort",
    }
)

#: Build commands per ecosystem (their effects are the artifacts the split copies).
BUILD_COMMANDS: Mapping[str, frozenset[str]] = {
    "go": frozenset({"go"}),
    "java": frozenset({"mvn", "mvnw", "gradle", "gradlew", "javac", "jar", "java"}),
    # the Node.js build tools too: run by path (``"node_modules/@angular/cli/bin/ng" build``)
    "node": frozenset(
        {"npm", "yarn", "pnpm", "npx", "node", "corepack", "ng", "tsc", "vite", "webpack"}
    ),
    "python": frozenset({"pip", "pip3", "python", "python3", "poetry", "pipenv"}),
    "rust": frozenset({"cargo", "rustc", "rustup"}),
    "dotnet": frozenset({"dotnet"}),
    "c": frozenset({"make", "cmake", "gcc", "g++", "cc", "c++", "clang", "ninja", "strip"}),
    "ruby": frozenset({"bundle", "bundler", "gem", "rake", "rails"}),
    "php": frozenset({"composer"}),
    "elixir": frozenset({"mix"}),
    "haskell": frozenset({"stack", "cabal", "ghc"}),
    "swift": frozenset({"swift"}),
}


# -- dependency manifests (pattern 2: install before copying the sources) -------------------------

#: Lifecycle scripts npm runs during an install (they may need the sources).
NPM_INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare")
NPM_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")
_PIP_LOCAL = re.compile(r"^\s*(?:-e\s|--editable|\.|/|file:|-c\s|--constraint)", re.M)


def dependency_manifests(cmd: Command, read: Callable[[str], str | None]) -> list[str] | None:
    """The context files a command needs when it only installs dependencies ([] for commands
    that need none, such as ``apt-get``), or None when it may need the sources."""
    words = cmd.words
    name = cmd.name
    if name in ("python", "python3") and words[1:3] == ("-m", "pip"):
        words, name = ("pip", *words[3:]), "pip"
    if name in NEUTRAL_COMMANDS or name in ("apt-get", "apk"):
        return []
    if re.fullmatch(r"pip3?", name) and words[1:2] == ("install",):
        files: list[str] = []
        rest = list(words[2:])
        for i, word in enumerate(rest):
            if word in ("-r", "--requirement") and i + 1 < len(rest):
                files.append(rest[i + 1])
            elif (
                not word.startswith("-")
                and (i == 0 or rest[i - 1] not in ("-r", "--requirement"))
                and ("/" in word or word in (".", "..") or word.endswith((".whl", ".tar.gz")))
            ):
                return None  # a local path: needs the sources
        for path in files:
            text = read(path)
            if text is None or "/" in path or _PIP_LOCAL.search(text) or "-r " in text:
                return None
        return files
    if (
        name == "npm"
        and words[1:2] in (("ci",), ("install",), ("i",))
        and len([w for w in words[2:] if not w.startswith("-")]) == 0
    ):
        text = read("package.json")
        if text is None or any(f'"{s}"' in text for s in NPM_INSTALL_SCRIPTS):
            return None
        lock = [f for f in NPM_LOCKFILES if read(f) is not None]
        return ["package.json", *lock[:1]]
    if name in ("bundle", "bundler"):
        return bundle_manifests(words, read)
    return None
