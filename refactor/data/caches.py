"""Package managers and build tools: which commands download, and where they keep their caches.

Used by the ``cache-mounts`` codemod (which reads the users base images ship from
:mod:`refactor.data.users`, and Windows from :func:`refactor.analysis.semantics.is_windows`).
Every :class:`Tool` says which command names run it, which subcommands download something, the
cache directories it reuses on the next run (as templates over environment variables, the first
template whose variable is set wins), what disables its cache, and which invocations need what
earlier RUNs downloaded (offline builds).

Cache directories are chosen so that a cache mount only ever hides *cache* content, never
configuration or installed software: ``~/.m2/repository`` (not ``~/.m2``, which holds
``settings.xml``), ``~/.gradle/caches`` and ``~/.gradle/wrapper`` (not ``gradle.properties``),
poetry's ``cache`` and ``artifacts`` (not ``virtualenvs``), ``/var/lib/apt/lists`` (not
``/var/lib/apt``, whose ``extended_states`` records which packages were installed
automatically and belongs to the image).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from refactor.analysis.images import ImageRef
from refactor.caching import cached

__all__ = [
    "IMAGE_ENV",
    "TOOLS",
    "YARN_BERRY_CACHE",
    "BuildOutput",
    "CacheDir",
    "PackageIndex",
    "Setup",
    "Tool",
    "Use",
    "find_use",
    "image_env",
    "option_value",
    "resolve_cache_dir",
    "yarn_flavour",
]


@dataclass(frozen=True)
class CacheDir:
    """One cache directory of a tool.

    ``sources`` are templates ``$VAR/rest``; the first whose variable is set (non-empty) gives
    the path. ``root_home`` replaces ``$HOME`` when the command runs as root (yarn v1 keeps
    root's cache under ``/usr/local/share``). ``subcommands`` limits the directory to some
    subcommands (None: every downloading subcommand); ``wrapper`` limits it to wrapper scripts
    (``mvnw``, ``gradlew``), which download the tool itself.
    """

    sources: tuple[str, ...]
    sharing: str | None = None
    root_home: str | None = None
    subcommands: frozenset[str] | None = None
    wrapper: bool = False


@dataclass(frozen=True)
class PackageIndex:
    """The package index a system package manager downloads and later commands read.

    ``path``: the cache directory that holds it; ``update``: subcommands that refresh it;
    ``readers``: subcommands that need it; ``refresh_flags``: flags that make a reader refresh
    it first (``apk add -U``). ``cleanup``: trailing commands (words) that delete it at the end
    of a RUN. When set, the index is only mounted on a RUN ending with one of them (the RUN
    never leaves its index in the image) and that command is removed; when empty, it is only
    mounted when no later RUN reads the index without refreshing it.
    """

    path: str
    update: frozenset[str]
    readers: frozenset[str]
    refresh_flags: frozenset[str] = frozenset()
    cleanup: frozenset[tuple[str, ...]] = frozenset()


@dataclass(frozen=True)
class Setup:
    """A RUN a stage needs once, before its first RUN with the ``cache`` mount, to fill it."""

    script: str
    comment: str
    marker: str  # text of a RUN that already did it
    cache: str
    message: str
    why: str


@dataclass(frozen=True)
class BuildOutput:
    """A build output directory: cached only when the RUN copies its results out of it.

    ``directory`` is relative to the build's working directory unless ``option`` or ``env``
    names another; ``builds`` are the subcommands that write it, ``fills`` those of earlier
    RUNs whose output (kept in the image) a mount would hide.
    """

    directory: str
    builds: frozenset[str]
    fills: frozenset[str]
    option: str
    env: str


@dataclass(frozen=True)
class Tool:
    """A package manager or build tool.

    * ``subcommands``: first positional argument of the invocations that download (None: any
      invocation but ``info``); ``bare``: an invocation without positional downloads
      (``yarn``); ``quiet``: positional prefixes that download nothing (``cargo chef
      prepare``); ``value_options``: options taking the next word as value.
    * ``path_options``: options whose value sets a variable of ``caches`` (``-g`` sets
      ``GRADLE_USER_HOME``); ``env_options``: variables holding more options (``MAVEN_OPTS``).
    * ``disabling_flags`` / ``disabling_env``: the cache is not used (an env value of None
      means any non-empty value); ``moving_flags`` / ``moving_env``: the cache moves to a
      directory that cannot be told from the Dockerfile; ``droppable_flag``: a disabling flag
      removed once the cache lives in a mount whose target contains ``drop_needs`` (hadolint
      accepts such a mount instead of the flag).
    * ``offline_flags`` / ``offline_env``: the invocation only uses what was downloaded before;
      ``fetch_only``: positional prefixes of invocations that only download (their result is
      meant to stay in the image unless a later RUN uses it); ``goals``: every positional is a
      goal (maven), fetch-only when all are; ``wipes``: word sets of invocations that delete
      the cache directory itself (``yarn cache clean``), which fails when it is a mount point.
    * ``root_only``: system package managers, which need root; ``families``: distributions the
      tool belongs to (None: any); ``image_vars``: variables base images commonly set that move
      the cache (an unknown base image may set them); ``runtime_commands``: commands that, as
      CMD/ENTRYPOINT, run this tool at container start.
    * ``empties``: word sets of commands that empty the cache in the same RUN (a mount would
      stay empty); ``index``, ``setup``, ``output``: see :class:`PackageIndex`,
      :class:`Setup`, :class:`BuildOutput`.
    """

    name: str
    commands: frozenset[str]
    caches: tuple[CacheDir, ...]
    why: str
    subcommands: frozenset[str] | None = None
    info: frozenset[str] = frozenset({"--version", "-h", "--help", "help", "version"})
    bare: bool = False
    value_options: frozenset[str] = frozenset()
    path_options: Mapping[str, str] | None = None
    env_options: tuple[str, ...] = ()
    disabling_flags: frozenset[str] = frozenset()
    disabling_env: Mapping[str, frozenset[str] | None] | None = None
    moving_flags: frozenset[str] = frozenset()
    moving_env: tuple[str, ...] = ()
    droppable_flag: str | None = None
    drop_needs: str | None = None
    offline_flags: frozenset[str] = frozenset()
    offline_env: Mapping[str, frozenset[str]] | None = None
    fetch_only: tuple[tuple[str, ...], ...] = ()
    quiet: tuple[tuple[str, ...], ...] = ()
    wipes: tuple[frozenset[str], ...] = ()
    goals: bool = False
    root_only: bool = False
    families: frozenset[str] | None = None
    image_vars: tuple[str, ...] = ()
    runtime_commands: frozenset[str] = frozenset()
    empties: tuple[frozenset[str], ...] = ()
    index: PackageIndex | None = None
    setup: Setup | None = None
    output: BuildOutput | None = None


_TRUTHY = frozenset({"1", "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
_LOCKED = "locked"
#: ``-v`` means ``--version`` for these tools (and ``--verbose`` for others).
_INFO_V = frozenset({"-v", "--version", "-h", "--help", "help", "version"})

TOOLS: tuple[Tool, ...] = (
    Tool(
        "apt",
        frozenset({"apt-get", "apt"}),
        (
            CacheDir(("/var/cache/apt",), _LOCKED),
            CacheDir(("/var/lib/apt/lists",), _LOCKED),
        ),
        "apt reuses the .deb files (and package lists) it downloaded before",
        subcommands=frozenset(
            {
                "update",
                "install",
                "upgrade",
                "dist-upgrade",
                "full-upgrade",
                "build-dep",
                "source",
                "download",
                "reinstall",
            }
        ),
        value_options=frozenset(
            {"-o", "-c", "-t", "--option", "--config-file", "--target-release"}
        ),
        root_only=True,
        families=frozenset({"debian"}),
        index=PackageIndex(
            "/var/lib/apt/lists",
            frozenset({"update"}),
            frozenset(
                {"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source"}
                | {"download", "reinstall"}
            ),
            cleanup=frozenset(
                ("rm", flag, "/var/lib/apt/lists/*") for flag in ("-rf", "-fr", "-Rf", "-fR")
            ),
        ),
        setup=Setup(
            # Docker's recipe (Dockerfile reference, "Example: cache apt packages").
            "rm -f /etc/apt/apt.conf.d/docker-clean; "
            "echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' "
            "> /etc/apt/apt.conf.d/keep-cache",
            "# Keep downloaded packages: the apt cache mounts below reuse them",
            "/etc/apt/apt.conf.d/docker-clean",
            "/var/cache/apt",
            "added a RUN that keeps downloaded .deb files (removes docker-clean)",
            "Debian and Ubuntu images ship /etc/apt/apt.conf.d/docker-clean, which deletes every "
            "downloaded package after installing it and would leave the apt cache mount empty; "
            "Keep-Downloaded-Packages makes `apt` keep them too (Docker's documented recipe for "
            "apt cache mounts)",
        ),
    ),
    Tool(
        "apk",
        frozenset({"apk"}),
        (CacheDir(("/etc/apk/cache",), _LOCKED),),
        "apk caches packages and indexes in /etc/apk/cache when that directory exists",
        subcommands=frozenset({"add", "upgrade", "update", "fix"}),
        value_options=frozenset(
            {"-X", "--repository", "-p", "--root", "--arch", "-t", "--virtual"}
        ),
        disabling_flags=frozenset({"--no-cache"}),
        fetch_only=(("update",),),
        root_only=True,
        families=frozenset({"alpine"}),
        index=PackageIndex(
            "/etc/apk/cache",
            frozenset({"update"}),
            frozenset({"add", "upgrade", "fix"}),
            refresh_flags=frozenset({"-U", "--update", "--no-cache"}),
        ),
    ),
    Tool(
        "yum",
        frozenset({"yum"}),
        (CacheDir(("/var/cache/yum",), _LOCKED), CacheDir(("/var/cache/dnf",), _LOCKED)),
        "yum keeps repository metadata there (packages too with keepcache=1)",
        empties=(frozenset({"clean", "all"}),),
        subcommands=frozenset(
            {"install", "update", "upgrade", "groupinstall", "makecache", "reinstall"}
        ),
        value_options=frozenset(
            {"--setopt", "--enablerepo", "--disablerepo", "-c", "--releasever"}
        ),
        offline_flags=frozenset({"-C", "--cacheonly"}),
        root_only=True,
        families=frozenset({"rhel"}),
    ),
    Tool(
        "dnf",
        frozenset({"dnf", "dnf5"}),
        (CacheDir(("/var/cache/dnf",), _LOCKED), CacheDir(("/var/cache/libdnf5",), _LOCKED)),
        "dnf keeps repository metadata there (packages too with keepcache=1)",
        empties=(frozenset({"clean", "all"}),),
        subcommands=frozenset(
            {"install", "update", "upgrade", "groupinstall", "makecache", "reinstall"}
        ),
        value_options=frozenset(
            {"--setopt", "--enablerepo", "--disablerepo", "-c", "--releasever"}
        ),
        offline_flags=frozenset({"-C", "--cacheonly"}),
        root_only=True,
        families=frozenset({"rhel"}),
    ),
    Tool(
        "pip",
        frozenset({"pip", "pip3"}),
        (CacheDir(("$PIP_CACHE_DIR", "$XDG_CACHE_HOME/pip", "$HOME/.cache/pip")),),
        "pip reuses downloaded and built wheels from its cache",
        subcommands=frozenset({"install", "download", "wheel"}),
        value_options=frozenset({"--log", "--proxy", "--retries", "--timeout", "--cache-dir"}),
        path_options={"--cache-dir": "PIP_CACHE_DIR"},
        disabling_flags=frozenset({"--no-cache-dir"}),
        disabling_env={"PIP_NO_CACHE_DIR": None},
        droppable_flag="--no-cache-dir",
        drop_needs=".cache/pip",
    ),
    Tool(
        "uv",
        frozenset({"uv", "uvx"}),
        (CacheDir(("$UV_CACHE_DIR", "$XDG_CACHE_HOME/uv", "$HOME/.cache/uv")),),
        "uv reuses downloaded distributions and built wheels from its cache",
        subcommands=frozenset({"pip", "sync", "add", "lock", "tool", "run", "venv", "python"}),
        value_options=frozenset({"--cache-dir", "--directory", "--project", "--python", "-p"}),
        path_options={"--cache-dir": "UV_CACHE_DIR"},
        disabling_flags=frozenset({"--no-cache", "-n"}),
        disabling_env={"UV_NO_CACHE": _TRUTHY},
        wipes=(frozenset({"cache", "clean"}),),
        offline_flags=frozenset({"--offline"}),
        offline_env={"UV_OFFLINE": _TRUTHY},
    ),
    Tool(
        "poetry",
        frozenset({"poetry"}),
        (
            CacheDir(
                (
                    "$POETRY_CACHE_DIR/cache",
                    "$XDG_CACHE_HOME/pypoetry/cache",
                    "$HOME/.cache/pypoetry/cache",
                )
            ),
            CacheDir(
                (
                    "$POETRY_CACHE_DIR/artifacts",
                    "$XDG_CACHE_HOME/pypoetry/artifacts",
                    "$HOME/.cache/pypoetry/artifacts",
                )
            ),
        ),
        "poetry reuses downloaded package metadata and distributions (its virtualenvs, also "
        "under the cache directory, stay in the image)",
        subcommands=frozenset({"install", "add", "update", "lock", "sync"}),
        value_options=frozenset({"-C", "--directory", "-P", "--project"}),
        disabling_flags=frozenset({"--no-cache"}),
    ),
    Tool(
        "pipenv",
        frozenset({"pipenv"}),
        (CacheDir(("$PIPENV_CACHE_DIR", "$XDG_CACHE_HOME/pipenv", "$HOME/.cache/pipenv")),),
        "pipenv points pip's download cache there",
        subcommands=frozenset({"install", "sync", "lock", "update", "upgrade"}),
    ),
    Tool(
        "npm",
        frozenset({"npm", "npx"}),
        (CacheDir(("$npm_config_cache", "$NPM_CONFIG_CACHE", "$HOME/.npm")),),
        "npm reuses the tarballs in its cache",
        info=_INFO_V,
        subcommands=frozenset(
            {"install", "i", "ci", "add", "update", "up", "upgrade", "install-test", "it", "exec"}
        ),
        value_options=frozenset({"--prefix", "-C", "--cache", "--registry", "-w", "--workspace"}),
        path_options={"--cache": "npm_config_cache"},
        offline_flags=frozenset({"--offline"}),
    ),
    Tool(
        "yarn",
        frozenset({"yarn"}),
        (
            CacheDir(
                ("$YARN_CACHE_FOLDER", "$XDG_CACHE_HOME/yarn", "$HOME/.cache/yarn"),
                _LOCKED,
                root_home="/usr/local/share",
            ),
        ),
        "yarn reuses the packages in its cache",
        info=_INFO_V,
        subcommands=frozenset({"install", "add", "upgrade", "up", "global", "dlx", "import"}),
        bare=True,
        wipes=(frozenset({"cache", "clean"}),),
        value_options=frozenset(
            {"--cwd", "--cache-folder", "--modules-folder", "--network-timeout"}
        ),
        path_options={"--cache-folder": "YARN_CACHE_FOLDER"},
        offline_flags=frozenset({"--offline"}),
    ),
    Tool(
        "pnpm",
        frozenset({"pnpm"}),
        (
            CacheDir(
                (
                    "$npm_config_store_dir",
                    "$PNPM_HOME/store",
                    "$XDG_DATA_HOME/pnpm/store",
                    "$HOME/.local/share/pnpm/store",
                )
            ),
        ),
        "pnpm reuses the packages of its content-addressed store",
        info=_INFO_V,
        subcommands=frozenset({"install", "i", "add", "fetch", "update", "up", "dlx"}),
        value_options=frozenset({"-C", "--dir", "--filter", "-F", "--store-dir"}),
        path_options={"--store-dir": "npm_config_store_dir"},
        offline_flags=frozenset({"--offline"}),
        fetch_only=(("fetch",),),
    ),
    Tool(
        "go",
        frozenset({"go"}),
        (
            CacheDir(("$GOMODCACHE", "$GOPATH/pkg/mod", "$HOME/go/pkg/mod")),
            CacheDir(
                ("$GOCACHE", "$XDG_CACHE_HOME/go-build", "$HOME/.cache/go-build"),
                subcommands=frozenset(
                    {"build", "install", "test", "run", "vet", "generate", "list"}
                ),
            ),
        ),
        "go reuses downloaded modules and compiled packages",
        subcommands=frozenset(
            {"mod", "get", "build", "install", "test", "run", "vet", "generate", "list"}
        ),
        value_options=frozenset({"-C", "-o", "-tags", "-ldflags", "-gcflags", "-p", "-mod"}),
        disabling_env={"GOCACHE": frozenset({"off"})},
        offline_env={"GOPROXY": frozenset({"off"})},
        # `go get` in module mode (Go 1.17+) only edits go.mod and downloads modules: with no
        # later build in the stage, the modules are meant to stay in the image (a dev image
        # whose compose runs `go run .` needs them, and its non-root user cannot download).
        fetch_only=(("mod", "download"), ("get",)),
        quiet=(("mod", "init"), ("mod", "edit")),
        wipes=(frozenset({"clean", "-modcache"}),),
        image_vars=("GOPATH", "GOMODCACHE", "GOCACHE"),
        runtime_commands=frozenset({"air"}),
    ),
    Tool(
        "cargo",
        frozenset({"cargo"}),
        (
            CacheDir(("$CARGO_HOME/registry", "$HOME/.cargo/registry")),
            CacheDir(("$CARGO_HOME/git", "$HOME/.cargo/git")),
        ),
        "cargo reuses the downloaded crate index, crates and git dependencies",
        subcommands=frozenset(
            {
                "build",
                "b",
                "install",
                "fetch",
                "test",
                "t",
                "run",
                "r",
                "check",
                "c",
                "update",
                "generate-lockfile",
                "vendor",
                "doc",
                "clippy",
                "bench",
                "chef",
            }
        ),
        value_options=frozenset(
            {"--target", "--target-dir", "--manifest-path", "-p", "--package", "--bin", "-j"}
        ),
        offline_flags=frozenset({"--offline", "--frozen"}),
        offline_env={"CARGO_NET_OFFLINE": _TRUTHY},
        fetch_only=(("fetch",),),
        quiet=(("chef", "prepare"),),
        output=BuildOutput(
            "target",
            frozenset({"build", "b"}),
            frozenset({"build", "b", "chef"}),
            "--target-dir",
            "CARGO_TARGET_DIR",
        ),
        image_vars=("CARGO_HOME",),
    ),
    Tool(
        "maven",
        frozenset({"mvn", "mvnw"}),
        (
            CacheDir(("$MAVEN_REPO_LOCAL", "$HOME/.m2/repository"), _LOCKED),
            CacheDir(("$MAVEN_USER_HOME/wrapper", "$HOME/.m2/wrapper"), _LOCKED, wrapper=True),
        ),
        "maven reuses the artifacts of its local repository (settings.xml in ~/.m2 stays visible)",
        info=_INFO_V,
        value_options=frozenset(
            {
                "-f",
                "--file",
                "-s",
                "--settings",
                "-gs",
                "-pl",
                "--projects",
                "-rf",
                "-T",
                "-l",
                "-P",
                "-D",
            }
        ),
        path_options={"-Dmaven.repo.local": "MAVEN_REPO_LOCAL"},
        env_options=("MAVEN_OPTS", "MAVEN_ARGS"),
        offline_flags=frozenset({"-o", "--offline"}),
        fetch_only=(
            ("dependency:go-offline",),
            ("dependency:resolve",),
            ("dependency:resolve-plugins",),
        ),
        goals=True,
    ),
    Tool(
        "gradle",
        frozenset({"gradle", "gradlew"}),
        (
            CacheDir(("$GRADLE_USER_HOME/caches", "$HOME/.gradle/caches"), _LOCKED),
            CacheDir(("$GRADLE_USER_HOME/wrapper", "$HOME/.gradle/wrapper"), _LOCKED, wrapper=True),
        ),
        "gradle reuses downloaded dependencies (and the wrapper its distribution); "
        "gradle.properties and init scripts stay visible",
        info=frozenset({"-v", "--version", "-h", "--help", "--stop", "--status"}),
        value_options=frozenset({"-p", "--project-dir", "-b", "-c", "-x", "--exclude-task", "-I"}),
        path_options={
            "-g": "GRADLE_USER_HOME",
            "--gradle-user-home": "GRADLE_USER_HOME",
            "-Dgradle.user.home": "GRADLE_USER_HOME",
        },
        env_options=("GRADLE_OPTS",),
        offline_flags=frozenset({"--offline"}),
    ),
    Tool(
        "dotnet",
        frozenset({"dotnet"}),
        (CacheDir(("$NUGET_PACKAGES", "$HOME/.nuget/packages"), _LOCKED),),
        "NuGet reuses the packages of its global packages folder",
        subcommands=frozenset(
            {"restore", "build", "publish", "test", "run", "pack", "tool", "add", "watch"}
        ),
        offline_flags=frozenset({"--no-restore"}),
        wipes=(frozenset({"nuget", "locals", "--clear"}),),
        fetch_only=(("restore",),),
    ),
    Tool(
        "bundler",
        frozenset({"bundle", "bundler"}),
        (CacheDir(("$GEM_HOME/cache",)),),
        "RubyGems keeps each downloaded .gem in $GEM_HOME/cache and installs from there when it "
        "is present (~/.gem is only used for --user-install)",
        info=_INFO_V,
        subcommands=frozenset({"install", "update", "package", "cache"}),
        bare=True,
        value_options=frozenset({"--gemfile", "--jobs", "-j", "--retry", "--path", "--without"}),
        moving_flags=frozenset({"--path", "--deployment", "--standalone"}),
        moving_env=("BUNDLE_PATH", "BUNDLE_DEPLOYMENT"),
        offline_flags=frozenset({"--local"}),
        image_vars=("GEM_HOME",),
    ),
    Tool(
        "composer",
        frozenset({"composer", "composer.phar"}),
        (CacheDir(("$COMPOSER_CACHE_DIR", "$COMPOSER_HOME/cache")),),
        "composer reuses downloaded package archives",
        subcommands=frozenset(
            {"install", "update", "require", "create-project", "global", "reinstall"}
        ),
        value_options=frozenset({"-d", "--working-dir"}),
        disabling_flags=frozenset({"--no-cache"}),
        disabling_env={"COMPOSER_CACHE_DIR": frozenset({"/dev/null"})},
        image_vars=("COMPOSER_HOME",),
    ),
)

#: Yarn 2+ ("berry") with its global cache (the default from Yarn 4 on): ``~/.yarn/berry/cache``.
YARN_BERRY_CACHE = CacheDir(("$YARN_GLOBAL_FOLDER/cache", "$HOME/.yarn/berry/cache"))
_PACKAGE_MANAGER = re.compile(r'"packageManager"\s*:\s*"yarn@(\d+)')
_GLOBAL_CACHE = re.compile(r"^enableGlobalCache:\s*(true|false)\s*$", re.MULTILINE)

_BY_COMMAND: dict[str, Tool] = {name: tool for tool in TOOLS for name in tool.commands}
_PIP_VERSIONED = re.compile(r"^pip3?(\.\d+)?$")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")

#: Environment variables that official images set (only those that move a cache), by
#: Docker Hub repository; a stage built on such an image sees them.
IMAGE_ENV: Mapping[str, Mapping[str, str]] = {
    "golang": {"GOPATH": "/go"},
    "rust": {"CARGO_HOME": "/usr/local/cargo"},
    "lukemathwalker/cargo-chef": {"CARGO_HOME": "/usr/local/cargo"},
    "ruby": {"GEM_HOME": "/usr/local/bundle", "BUNDLE_APP_CONFIG": "/usr/local/bundle"},
    "composer": {"COMPOSER_HOME": "/tmp"},
}


@dataclass(frozen=True)
class Use:
    """One command that runs a tool: the tool, its words (normalised) and positionals."""

    tool: Tool
    words: tuple[str, ...]
    positionals: tuple[str, ...]
    wrapper: bool

    @property
    def subcommand(self) -> str:
        return self.positionals[0] if self.positionals else ""

    @cached
    def downloads(self) -> bool:
        """Whether this invocation downloads something the tool caches."""
        tool = self.tool
        flags = {w for w in self.words[1:] if w.startswith("-")}
        if flags & tool.info or self.subcommand in tool.info:
            return False
        if not self.positionals:
            return tool.bare or tool.subcommands is None
        if any(self.positionals[: len(p)] == p for p in tool.quiet):
            return False
        return tool.subcommands is None or self.subcommand in tool.subcommands

    @property
    def fetch_only(self) -> bool:
        """Whether the invocation only downloads (``go mod download``, ``cargo fetch``)."""
        if self.tool.goals:
            fetch = {p[0] for p in self.tool.fetch_only}
            return bool(self.positionals) and all(
                goal in fetch or goal == "clean" for goal in self.positionals
            )
        return any(self.positionals[: len(p)] == p for p in self.tool.fetch_only)

    def option(self, name: str) -> str | None:
        """The value of ``name`` (``--x v``, ``--x=v`` or ``-Dx=v``), or None."""
        return option_value(self.words[1:], name)

    def has(self, flags: frozenset[str]) -> str | None:
        """The first of ``flags`` this invocation passes, or None."""
        for word in self.words[1:]:
            if word == "--":
                return None
            if word in flags or word.split("=", 1)[0] in flags:
                return word.split("=", 1)[0]
        return None


def option_value(words: Sequence[str], name: str) -> str | None:
    """The value of option ``name`` in ``words`` (last one wins), or None."""
    found = None
    for i, word in enumerate(words):
        if word == name and i + 1 < len(words) and not name.startswith("-D"):
            found = words[i + 1]
        elif word.startswith(name + "="):
            found = word[len(name) + 1 :]
    return found


def find_use(words: Sequence[str]) -> Use | None:
    """The tool ``words`` (a simple command) runs, or None.

    Understands ``python -m pip``, ``pip3.12``, wrapper scripts (``./mvnw``, ``./gradlew``) and
    ``uv pip``/``uvx``.
    """
    if not words:
        return None
    name = words[0].rpartition("/")[2]
    rest = tuple(words[1:])
    if _PYTHON.match(name) and len(rest) >= 2 and rest[0] == "-m":
        name, rest = rest[1], rest[2:]
    if _PIP_VERSIONED.match(name):
        name = "pip"
    tool = _BY_COMMAND.get(name)
    if tool is None:
        return None
    positionals: list[str] = []
    skip_next = False
    for word in rest:
        if skip_next:
            skip_next = False
            continue
        if word in tool.value_options:
            skip_next = True
            continue
        if word.startswith("-") or (tool.name == "cargo" and word.startswith("+")):
            continue
        positionals.append(word)
    wrapper = name in ("mvnw", "gradlew")
    return Use(tool, (name, *rest), tuple(positionals), wrapper)


def yarn_flavour(
    package_json: str | None, yarnrc: str | None, env: Mapping[str, str]
) -> str | None:
    """Which Yarn runs and where it caches: "classic" (v1), "berry-global", "berry-project".

    From ``packageManager`` in package.json and ``enableGlobalCache`` in .yarnrc.yml (or
    ``YARN_ENABLE_GLOBAL_CACHE``); None when neither file is known (then it is most likely
    the classic yarn that the node images ship).
    """
    match = _PACKAGE_MANAGER.search(package_json or "")
    if match is None and yarnrc is None:
        return None
    major = int(match.group(1)) if match else 2
    if major < 2:
        return "classic"
    setting = _GLOBAL_CACHE.search(yarnrc or "")
    global_cache = env.get("YARN_ENABLE_GLOBAL_CACHE") or (setting.group(1) if setting else None)
    if global_cache is None:
        global_cache = "true" if major >= 4 else "false"
    return "berry-global" if global_cache in _TRUTHY else "berry-project"


def _matches(image: ImageRef, name: str) -> bool:
    """Whether ``image`` is the Docker Hub repository ``name`` (or a mirror of ``library/name``)."""
    return image.hub_name == name or ("/" not in name and image.repository == f"library/{name}")


def image_env(image: ImageRef | None) -> Mapping[str, str] | None:
    """Cache-related variables the base ``image`` sets; None when the image is not known."""
    if image is None:
        return None
    for name, env in IMAGE_ENV.items():
        if _matches(image, name):
            return env
    return None


#: Variables holding a list of directories, of which the first one counts.
_LIST_VARS = frozenset({"GOPATH"})
_TEMPLATE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$")


def resolve_cache_dir(
    cache: CacheDir, env: Mapping[str, str], cwd: str | None, *, root: bool
) -> str | None:
    """The absolute path of ``cache`` under ``env`` (which holds HOME), or None if unknown.

    The first template whose variable is set decides; a value that still holds ``$`` or a
    relative path without a known working directory makes the directory unknown.
    """
    for template in cache.sources:
        match = _TEMPLATE.match(template)
        if match is None:
            path = template
        else:
            var, rest = match.groups()
            value = env.get(var, "")
            if var == "HOME" and root and cache.root_home:
                value = cache.root_home
            if not value:
                continue
            if var in _LIST_VARS:
                value = value.split(":", 1)[0]
            path = value + rest
        if "$" in path or "`" in path:
            return None
        if not path.startswith("/"):
            if cwd is None:
                return None
            path = posixpath.join(cwd, path)
        return posixpath.normpath(path)
    return None
