"""Knowledge for the dependency stage (pattern 2) and the test stage (pattern 3).

Which context files are dependency manifests, which commands install dependencies from them
alone, how each package manager installs production dependencies only, and how each
ecosystem runs its tests (the files that show a project has tests, the command, the programs
the builder must have run for the command to exist there). :mod:`codemods.deps_stage` and
:mod:`codemods.test_stage` read these tables and keep no ecosystem knowledge of their own.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from refactor.data.commands import TEST_COMMANDS, positionals

__all__ = [
    "DEPS_STAGE",
    "DEPS_STAGE_NAMES",
    "DOTNET_PROJECTS",
    "DOTNET_TEST_PROJECT",
    "INSTALL_COMMANDS",
    "MANIFEST_PATTERNS",
    "NODE_DEV_REINSTALL",
    "NODE_MODULES_WRITERS",
    "NODE_PRODUCTION_FLAGS",
    "NODE_PRUNE",
    "NODE_SCRIPT_RUNNERS",
    "NPM_PLACEHOLDER_TEST",
    "PROD_DEPS_STAGE",
    "PROD_INSTALL_FLAGS",
    "PYTEST_REQUIREMENT",
    "REQUIREMENTS_GLOBS",
    "RUST_INLINE_TEST",
    "RUST_SOURCES",
    "TEST_RECIPES",
    "TEST_STAGE",
    "TEST_STAGE_NAMES",
    "TestRecipe",
    "builder_runs_tests",
    "installs_dependencies",
    "is_manifest",
    "program_of",
    "runs_tests",
]

DEPS_STAGE = "deps"
PROD_DEPS_STAGE = "prod-deps"
TEST_STAGE = "test"
#: Stage names that say a dependency stage (or a test stage) is already there.
DEPS_STAGE_NAMES = frozenset(
    {"deps", "dependencies", "dependency", "prod-deps", "production-deps", "dev-deps", "vendor"}
)
TEST_STAGE_NAMES = frozenset({"test", "tests", "testing", "unit-test", "unit-tests", "unittest"})

# -- manifests --------------------------------------------------------------------------------

#: Files (and folders) a dependency install reads: manifests, lock files, package-manager
#: settings and wrappers. Matched against the base name of a COPY source (globs included:
#: ``package*.json`` is listed as written, so a COPY of that glob is a manifest copy).
MANIFEST_PATTERNS: tuple[str, ...] = (
    # Node.js
    "package.json",
    "package*.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "bun.lockb",
    "bun.lock",
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    ".yarn",
    ".pnpmfile.cjs",
    # Python
    "requirements*.txt",
    "requirements",
    "constraints*.txt",
    "pyproject.toml",
    "poetry.lock",
    "poetry.toml",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    # Go
    "go.mod",
    "go.sum",
    "go.*",
    "go.work",
    "go.work.sum",
    # Java
    "pom.xml",
    "mvnw",
    ".mvn",
    "settings.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "gradle.properties",
    "gradlew",
    "gradle",
    # Rust
    "Cargo.toml",
    "Cargo.lock",
    "Cargo.*",
    "rust-toolchain",
    "rust-toolchain.toml",
    # Ruby
    "Gemfile",
    "Gemfile.lock",
    "Gemfile*",
    ".ruby-version",
    # PHP
    "composer.json",
    "composer.lock",
    "composer.*",
    "auth.json",
    # .NET
    "*.csproj",
    "*.fsproj",
    "*.vbproj",
    "*.sln",
    "NuGet.config",
    "nuget.config",
    "global.json",
    "Directory.Build.props",
    "Directory.Packages.props",
    # Elixir
    "mix.exs",
    "mix.lock",
)


def is_manifest(source: str) -> bool:
    """Whether a COPY source names only dependency manifests (``./go.mod``, ``package*.json``,
    ``src/Api/Api.csproj``); the whole context (``.``) and source folders are not."""
    name = posixpath.basename(source.rstrip("/"))
    if name in ("", ".", ".."):
        return False
    return any(
        name == pattern or fnmatch.fnmatchcase(name, pattern) for pattern in MANIFEST_PATTERNS
    )


# -- dependency installs ------------------------------------------------------------------------

#: Program -> subcommands that install the dependencies the manifests list ("" is a bare
#: invocation such as ``yarn``; two words such as "mod download" match the first two operands).
INSTALL_COMMANDS: Mapping[str, frozenset[str]] = {
    "npm": frozenset({"ci", "install", "i"}),
    "yarn": frozenset({"", "install"}),
    "pnpm": frozenset({"install", "i", "fetch"}),
    "bun": frozenset({"install"}),
    "pip": frozenset({"install", "wheel", "download"}),
    "pip3": frozenset({"install", "wheel", "download"}),
    "poetry": frozenset({"install"}),
    "pipenv": frozenset({"install", "sync"}),
    "uv": frozenset({"sync", "pip install"}),
    "go": frozenset({"mod download"}),
    "mvn": frozenset(
        {
            "dependency:go-offline",
            "dependency:resolve",
            "dependency:resolve-plugins",
            "de.qaware.maven:go-offline-maven-plugin:resolve-dependencies",
        }
    ),
    "gradle": frozenset({"dependencies"}),
    "cargo": frozenset({"fetch", "chef cook"}),
    "bundle": frozenset({"", "install"}),
    "composer": frozenset({"install"}),
    "dotnet": frozenset({"restore"}),
    "mix": frozenset({"deps.get"}),
}
#: Commands that install only the dependencies when no source is there yet (``cargo build``
#: on the manifests and a placeholder main.rs builds the dependency crates).
BEFORE_SOURCES: Mapping[str, frozenset[str]] = {"cargo": frozenset({"build"})}
#: Wrappers that run the program of the same table entry.
PROGRAM_ALIASES: Mapping[str, str] = {"mvnw": "mvn", "gradlew": "gradle"}
#: Package managers whose install takes package names: with operands it installs tools, not
#: the manifests' dependencies (``npm install -g pnpm``).
NO_OPERANDS = frozenset({"npm", "yarn", "pnpm", "bun", "bundle", "composer"})
#: pip reads the manifests only through ``-r`` (``pip install .`` needs the sources).
REQUIREMENT_FLAGS = ("-r", "--requirement")
#: Options that take a value (so the value is not an operand).
_VALUE_OPTIONS = frozenset(
    {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-w",
        "--wheel-dir",
        "-d",
        "--dest",
        "-f",
        "--file",
        "--find-links",
        "-i",
        "--index-url",
        "--extra-index-url",
        "--prefix",
        "--cache",
        "--registry",
        "-o",
        "--output",
        "-p",
        "--project",
        "-s",
        "--settings",
        "-P",
        "-pl",
        "-x",
        "--exclude-task",
    }
)


def program_of(words: Sequence[str]) -> str:
    """The program a command runs, wrappers and ``python -m`` seen through (``./mvnw`` is mvn,
    ``python -m pip`` is pip)."""
    return _program(words)[0]


def _program(words: Sequence[str]) -> tuple[str, list[str]]:
    """The program and its arguments, through ``python -m`` (``python -m pip`` is pip)."""
    name = posixpath.basename(words[0]) if words else ""
    args = list(words[1:])
    if re.fullmatch(r"python[\d.]*", name) and args[:1] == ["-m"] and len(args) > 1:
        name, args = args[1], args[2:]
    return PROGRAM_ALIASES.get(name, name), args


def _operands(args: Sequence[str]) -> list[str]:
    return positionals(args, _VALUE_OPTIONS)


def installs_dependencies(words: Sequence[str], *, sources: bool = True) -> bool:
    """Whether a command installs the dependencies the manifests list (and nothing else):
    ``npm ci``, ``pip install -r requirements.txt``, ``go mod download``, ``mvn
    dependency:go-offline``, ``cargo fetch``, ``bundle install``, ``dotnet restore``…
    ``sources=False``: the sources are not copied yet (``cargo build`` then builds the
    dependencies only)."""
    name, args = _program(words)
    operands = _operands(args)
    if not sources and operands[:1] and operands[0] in BEFORE_SOURCES.get(name, ()):
        return True
    subs = INSTALL_COMMANDS.get(name)
    if subs is None:
        return False
    first = operands[0] if operands else ""
    pair = " ".join(operands[:2])
    if name == "mvn":
        return any(op in subs for op in operands)
    if pair in subs:
        return True
    if first not in subs:
        return False
    if name in NO_OPERANDS:
        return len(operands) <= 1
    if name in ("pip", "pip3") or pair == "pip install":
        return any(w in REQUIREMENT_FLAGS or w.startswith("--requirement=") for w in args)
    return True


# -- production dependencies (the runtime copies them) ---------------------------------------------

#: Package manager -> the flag that installs production dependencies only.
PROD_INSTALL_FLAGS: Mapping[str, str] = {"npm": "--omit=dev", "pnpm": "--prod"}
#: Flags that already leave the dev dependencies out of a Node.js install.
NODE_PRODUCTION_FLAGS = ("--omit=dev", "--production", "--only=prod", "--only=production", "--prod")
#: A build step that may write into node_modules (generated clients, patches, rebuilds): the
#: runtime's node_modules must then come from the builder, not from a fresh install.
NODE_MODULES_WRITERS = re.compile(
    r"\b(?:prisma|generate|patch-package|node_modules|postinstall|rebuild|install|ci|prune"
    r"|link|dedupe)\b"
)
#: Scripts of package.json a build step may run (``npm run build``): programs only.
NODE_SCRIPT_RUNNERS = frozenset({"npm", "pnpm", "yarn"})


# -- tests -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestRecipe:
    """How one ecosystem runs its tests."""

    tool: str  # go | maven | gradle | node | python | rust | dotnet
    ecosystem: str  # refactor.data.ecosystems name
    programs: tuple[str, ...]  # the builder runs one of them: the tool is installed there
    manifests: tuple[str, ...]  # context files (from the root) that mark the project
    tests: tuple[str, ...]  # context globs: any match shows the project has tests
    command: str  # the test command; {tool} is the program the builder runs (mvn, ./mvnw…)
    env: str | None = None  # ENV for the test stage (test runners that watch without it)


TEST_RECIPES: tuple[TestRecipe, ...] = (
    TestRecipe("go", "go", ("go",), ("go.mod",), ("**/*_test.go",), "go test ./..."),
    TestRecipe(
        "maven",
        "java",
        ("mvn", "mvnw"),
        ("pom.xml",),
        ("**/src/test/**/*.java", "**/src/test/**/*.kt", "**/src/test/**/*.groovy"),
        "{tool} test",
    ),
    TestRecipe(
        "gradle",
        "java",
        ("gradle", "gradlew"),
        ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"),
        ("**/src/test/**/*.java", "**/src/test/**/*.kt", "**/src/test/**/*.groovy"),
        "{tool} test",
    ),
    TestRecipe(
        "node", "node", ("npm", "yarn", "pnpm"), ("package.json",), (), "{tool} test", "CI=true"
    ),
    TestRecipe(
        "python",
        "python",
        ("pip", "pip3", "python", "python3", "pipenv", "poetry"),
        (),
        ("tests/**/*.py", "test/**/*.py", "**/test_*.py", "**/*_test.py"),
        "python -m pytest",
    ),
    TestRecipe("rust", "rust", ("cargo",), ("Cargo.toml",), ("tests/**/*.rs",), "cargo test"),
    TestRecipe("dotnet", "dotnet", ("dotnet",), (), (), "dotnet test"),
)

#: npm's placeholder test script (``npm init``): not a test suite.
NPM_PLACEHOLDER_TEST = re.compile(r"no test specified")
#: pytest named in a requirements file.
PYTEST_REQUIREMENT = re.compile(r"^\s*pytest\b", re.M | re.I)
#: Requirements files that may list pytest (context globs).
REQUIREMENTS_GLOBS = ("requirements*.txt", "requirements/*.txt")
#: Inline Rust tests.
RUST_INLINE_TEST = re.compile(r"#\[(?:test|cfg\(test\)|tokio::test)\]")
RUST_SOURCES = "src/**/*.rs"
#: .NET test projects: a project that references the test SDK or a test framework.
DOTNET_PROJECTS = ("**/*.csproj", "**/*.fsproj", "**/*.vbproj")
DOTNET_TEST_PROJECT = re.compile(r"Microsoft\.NET\.Test\.Sdk|\bxunit\b|\bNUnit\b|\bMSTest\b", re.I)
#: How a Node.js test stage gets back the dev dependencies a production builder dropped.
NODE_DEV_REINSTALL: Mapping[str, str] = {
    "npm ci": "npm ci --include=dev",
    "npm install": "npm install --include=dev",
}
#: Commands that remove dev dependencies from node_modules.
NODE_PRUNE = re.compile(r"^(?:npm prune|yarn install .*--production|pnpm prune)")

#: Maven phases that run the tests, and the properties that skip them.
MAVEN_TEST_PHASES = frozenset(
    {"test", "package", "verify", "install", "deploy", "integration-test"}
)
MAVEN_SKIP_TESTS = re.compile(r"^-D(?:skipTests|maven\.test\.skip)(?:=true)?$")
#: Gradle tasks that depend on ``test``.
GRADLE_TEST_TASKS = frozenset({"build", "check", "test"})


def runs_tests(words: Sequence[str]) -> bool:
    """Whether a command runs a test suite (``go test``, ``npm test``, ``pytest``…), by
    :data:`refactor.data.commands.TEST_COMMANDS` (option values skipped as for installs)."""
    name, args = _program(words)
    if name not in TEST_COMMANDS:
        return False
    subs = TEST_COMMANDS[name]
    if subs is None:
        return True
    operands = _operands(args)
    if name in ("mvn", "gradle"):
        return any(op in subs for op in operands)
    return bool(operands) and (operands[0] in subs or " ".join(operands[:2]) in subs)


def builder_runs_tests(words: Sequence[str]) -> bool:
    """Whether a build command also runs the tests (``mvn package`` without -DskipTests,
    ``gradle build`` without ``-x test``)."""
    name, args = _program(words)
    if name == "mvn":
        skipped = any(MAVEN_SKIP_TESTS.match(w) for w in args)
        return not skipped and any(op in MAVEN_TEST_PHASES for op in _operands(args))
    if name == "gradle":
        excluded = any(
            w in ("-x", "--exclude-task") and nxt == "test"
            for w, nxt in zip(args, [*args[1:], ""], strict=True)
        )
        return not excluded and any(op in GRADLE_TEST_TASKS for op in _operands(args))
    return False
