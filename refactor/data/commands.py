"""What commands do: the programs and subcommands that build, test or install dependencies.

One table per question, read by every codemod that asks it (name-stages and document-stages
name and describe stages by them, dockerignore and deps-stage recognise installs, test-stage
recognises test runs). A table maps a program to the subcommands that count (``None``: any
invocation counts); a two-word subcommand (``"mod download"``) matches the first two
arguments; ``""`` is a bare invocation (``yarn``).

:func:`matches` reads a command the way a developer does: through tool runners (``npx jest``,
``poetry run pytest``), ``X run <script>`` of the Node.js package managers, ``python -m <tool>``
and ``python setup.py <command>``; build tools whose goals come in any order (``mvn clean
package``, ``make all test``) match on any argument.

Decisions worth knowing:

* ``TEST_COMMANDS`` was kept twice (``codemods.name_stages`` and ``data/stages.py``) and the
  two disagreed (``go vet``, ``make test``, ``rake spec``… in one; ``npm run test``, ``yarn
  run test`` in the other). This is their union. (:func:`matches` reads ``npm run <script>`` as
  ``npm <script>``; the ``run test`` rows serve :func:`refactor.data.stages.runs_tests`, which
  reads option values more carefully and does not.)
* The options an argument list skips are those that start with ``-``; the value of an option
  given as a separate word (``--prefix app``) is read as an argument, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "ANY_ARGUMENT",
    "BUILD_COMMANDS",
    "DEPS_COMMANDS",
    "HELPER_COMMANDS",
    "TEST_COMMANDS",
    "CommandTable",
    "Words",
    "invocation",
    "matches",
    "positionals",
    "program",
]

#: A command's words, after quote removal.
Words = tuple[str, ...]
#: Program -> subcommands that count (None: any invocation).
CommandTable = Mapping[str, frozenset[str] | None]


def _subs(spec: str) -> frozenset[str]:
    """Subcommands separated by ``|``: ``"|install"`` is a bare invocation or ``install``."""
    return frozenset(spec.split("|"))


_MAVEN_BUILD = _subs("package|install|verify|compile|deploy")
_MAVEN_DEPS = _subs("dependency:go-offline|dependency:resolve|dependency:resolve-plugins")
_GRADLE_BUILD = _subs(
    "build|assemble|bootJar|jar|shadowJar|installDist|bootWar|war|distTar|distZip|compileJava"
    "|nativeCompile"
)

#: Commands that run a test suite.
TEST_COMMANDS: CommandTable = {
    **dict.fromkeys(["go"], _subs("test|vet")),
    **dict.fromkeys(["cargo"], _subs("test|nextest")),
    **dict.fromkeys(["npm"], _subs("test|t|run test")),
    **dict.fromkeys(["yarn", "pnpm"], _subs("test|run test")),
    **dict.fromkeys(["gradle", "gradlew", "make"], _subs("test|check")),
    **dict.fromkeys(["rake"], _subs("test|spec")),
    **dict.fromkeys(
        _subs("dotnet|bun|deno|mvn|mvnw|mix|cabal|stack|swift|sbt"),
        _subs("test"),
    ),
    **dict.fromkeys(
        _subs("pytest|py.test|unittest|tox|nox|jest|vitest|mocha|rspec|phpunit|ctest|bats"),
    ),
}
#: Commands that compile or package the program.
BUILD_COMMANDS: CommandTable = {
    "go": _subs("build|install|generate"),
    "cargo": _subs("build|install|rustc|chef cook"),
    "dotnet": _subs("build|publish|pack"),
    **dict.fromkeys(["npm", "yarn", "pnpm", "bun"], _subs("build")),
    **dict.fromkeys(["mvn", "mvnw"], _MAVEN_BUILD),
    **dict.fromkeys(["gradle", "gradlew"], _GRADLE_BUILD),
    "sbt": _subs("compile|package|assembly|stage"),
    "lein": _subs("uberjar|jar|compile"),
    "mix": _subs("release|compile"),
    **dict.fromkeys(["cabal", "stack"], _subs("build|install")),
    **dict.fromkeys(["swift", "bazel", "vite", "ng", "next", "nuxt"], _subs("build")),
    "zig": _subs("build|build-exe"),
    **dict.fromkeys(["pip", "pip3"], _subs("wheel")),
    "setup.py": _subs("build|bdist_wheel|sdist|install"),
    **dict.fromkeys(
        _subs(
            "build|make|cmake|ninja|meson|gcc|g++|cc|c++|clang|clang++|javac|rustc|tsc|webpack"
            "|nix-build|hugo|native-image"
        ),
    ),
}
#: Commands that install dependencies (of the project or of the system).
DEPS_COMMANDS: CommandTable = {
    "npm": _subs("ci|install|i"),
    "yarn": _subs("|install"),
    "pnpm": _subs("install|i|fetch"),
    "bun": _subs("install"),
    **dict.fromkeys(["pip", "pip3"], _subs("install|download")),
    "poetry": _subs("install"),
    "pipenv": _subs("install|sync"),
    "uv": _subs("sync|pip install"),
    "bundle": _subs("|install"),
    "go": _subs("mod download|mod tidy|mod vendor|get"),
    "cargo": _subs("fetch|chef cook"),
    **dict.fromkeys(["mvn", "mvnw"], _MAVEN_DEPS),
    **dict.fromkeys(["gradle", "gradlew"], _subs("dependencies")),
    "dotnet": _subs("restore"),
    **dict.fromkeys(["apt-get", "apt"], _subs("install|update")),
    "apk": _subs("add|update"),
    **dict.fromkeys(["gem", "composer", "yum", "dnf", "microdnf", "conda"], _subs("install")),
    "mix": _subs("deps.get"),
}
#: Commands that only prepare the file system; they do not change what a stage is for.
HELPER_COMMANDS = _subs(
    "|set|cd|mkdir|rm|cp|mv|chmod|chown|ln|echo|export|true|touch|cat|ls|tee|printf|test|[|umask"
)
#: Tools whose targets/goals can come in any order (``mvn clean package``).
ANY_ARGUMENT = frozenset({"mvn", "mvnw", "gradle", "gradlew", "make", "sbt", "lein", "rake"})
#: ``X run <script>`` for package managers, ``<runner> <tool> …`` for tool runners.
_SCRIPT_RUNNERS = frozenset({"npm", "yarn", "pnpm", "bun"})
_TOOL_RUNNERS: Mapping[str, tuple[str, ...]] = {
    "npx": (),
    "bundle": ("exec",),
    "poetry": ("run",),
    "pipenv": ("run",),
    "uv": ("run",),
    "pnpm": ("exec",),
}


def program(words: Sequence[str]) -> str:
    """The program's name: ``/usr/bin/java`` → ``java`` ('' for no words)."""
    return words[0].rpartition("/")[2] if words else ""


def positionals(args: Sequence[str], value_options: Iterable[str]) -> list[str]:
    """The arguments that are not options; the word after one of ``value_options`` is that
    option's value, not an argument (``-g 1000 app`` → ``app``)."""
    options = set(value_options)
    out: list[str] = []
    skip = False
    for word in args:
        if skip:
            skip = False
        elif word in options:
            skip = True
        elif not word.startswith("-"):
            out.append(word)
    return out


def invocation(words: Sequence[str]) -> tuple[str, list[str]]:
    """The tool a command runs and its non-option arguments, through runners and ``-m``."""
    name = program(words)
    args = [w for w in words[1:] if not w.startswith("-")]
    if name.startswith("python") and "-m" in words:
        rest = list(words[list(words).index("-m") + 1 :])
        return (rest[0], [w for w in rest[1:] if not w.startswith("-")]) if rest else (name, [])
    if name.startswith("python") and args and args[0].endswith("setup.py"):
        return "setup.py", args[1:]
    runner = _TOOL_RUNNERS.get(name)
    if runner is not None and args[: len(runner)] == list(runner) and len(args) > len(runner):
        return invocation(tuple(args[len(runner) :]))
    if name in _SCRIPT_RUNNERS and args[:1] in (["run"], ["run-script"]):
        return name, args[1:]
    return name, args


def matches(words: Sequence[str], table: CommandTable) -> bool:
    """Whether the command is one of ``table``'s (see the module docstring for how it reads)."""
    name, args = invocation(words)
    if name not in table:
        return False
    subs = table[name]
    if subs is None:
        return True
    first = args[0] if args else ""
    if first in subs or " ".join(args[:2]) in subs:
        return True
    return name in ANY_ARGUMENT and any(a in subs for a in args)
