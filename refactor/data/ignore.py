"""Files an image does not need: ``.dockerignore`` entries per ecosystem (read by
:mod:`codemods.dockerignore`) and the build-only files of compiled programs (read by
:mod:`codemods.narrow_copies`).

Each :class:`IgnoreEntry` has a kind that says when leaving it out of the build context is safe:

* ``vcs`` – version control data; safe unless the build asks git for a version;
* ``editor`` – editor and desktop leftovers; always safe;
* ``cache`` – tool caches and test reports; regenerated on demand, always safe;
* ``deps`` – installed dependencies; safe when the image installs them itself;
* ``build`` – build output; safe when the image builds itself and the folder is absent or the
  project's ``.gitignore`` ignores it (a folder the repository tracks may be source);
* ``secret`` – local secrets; absent ones are standard, present ones are left out only when the
  ``.gitignore`` keeps them out of the repository (a build from a clean checkout never had them).

``standard`` entries are proposed even when the context does not hold them yet; the others only
when it does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "BUILD_ONLY",
    "COMMON_ENTRIES",
    "ECOSYSTEMS",
    "KINDS",
    "VCS_FILES",
    "VCS_GIT_COMMAND",
    "VCS_VERSIONING",
    "BuildOnly",
    "IgnoreEcosystem",
    "IgnoreEntry",
    "build_only",
]

KINDS = ("vcs", "editor", "cache", "deps", "build", "secret")


@dataclass(frozen=True)
class IgnoreEntry:
    """One ``.dockerignore`` line and when it is safe (see the module docstring)."""

    pattern: str
    kind: str
    standard: bool = False
    why: str = ""


@dataclass(frozen=True)
class IgnoreEcosystem:
    """A toolchain: the context files that mark it, its tools and its entries."""

    name: str
    markers: tuple[str, ...]  # globs relative to the context root
    tools: tuple[str, ...]  # programs whose install/build regenerates ``deps``/``build`` entries
    entries: tuple[IgnoreEntry, ...]


def _e(pattern: str, kind: str, why: str, *, standard: bool = False) -> IgnoreEntry:
    return IgnoreEntry(pattern, kind, standard, why)


COMMON_ENTRIES: tuple[IgnoreEntry, ...] = (
    _e(".git", "vcs", "the repository's history", standard=True),
    _e(".hg", "vcs", "the repository's history"),
    _e(".svn", "vcs", "the repository's history"),
    _e(".idea", "editor", "editor settings"),
    _e(".vscode", "editor", "editor settings"),
    _e("**/.DS_Store", "editor", "desktop metadata"),
    _e("**/*.swp", "editor", "editor swap files"),
    _e(".env", "secret", "local environment variables, often secrets", standard=True),
    _e(".env.local", "secret", "local environment variables, often secrets"),
    _e(".envrc", "secret", "direnv exports, often secrets"),
    _e(".netrc", "secret", "login credentials"),
    _e(".aws", "secret", "cloud credentials"),
    _e(".ssh", "secret", "SSH keys"),
)

ECOSYSTEMS: tuple[IgnoreEcosystem, ...] = (
    IgnoreEcosystem(
        "node",
        ("package.json",),
        ("npm", "yarn", "pnpm", "bun"),
        (
            _e("node_modules", "deps", "host-installed packages", standard=True),
            _e("npm-debug.log*", "cache", "npm logs"),
            _e("yarn-error.log", "cache", "yarn logs"),
            _e(".npm", "cache", "npm's cache"),
            _e("coverage", "cache", "test coverage reports"),
            _e(".next", "build", "Next.js build output"),
            _e(".nuxt", "build", "Nuxt build output"),
            _e("dist", "build", "build output"),
        ),
    ),
    IgnoreEcosystem(
        "python",
        ("requirements*.txt", "pyproject.toml", "setup.py", "setup.cfg", "Pipfile"),
        ("pip", "pip3", "poetry", "pipenv", "uv"),
        (
            _e("**/__pycache__", "cache", "bytecode caches", standard=True),
            _e("**/*.py[cod]", "cache", "compiled bytecode", standard=True),
            _e(".venv", "deps", "the host's virtualenv", standard=True),
            _e("venv", "deps", "the host's virtualenv"),
            _e(".pytest_cache", "cache", "pytest's cache"),
            _e(".mypy_cache", "cache", "mypy's cache"),
            _e(".ruff_cache", "cache", "ruff's cache"),
            _e(".tox", "cache", "tox environments"),
            _e(".nox", "cache", "nox environments"),
            _e("htmlcov", "cache", "test coverage reports"),
            _e(".coverage", "cache", "test coverage data"),
        ),
    ),
    IgnoreEcosystem("go", ("go.mod",), ("go",), ()),
    IgnoreEcosystem(
        "rust",
        ("Cargo.toml",),
        ("cargo",),
        (_e("target", "build", "cargo's build output", standard=True),),
    ),
    IgnoreEcosystem(
        "maven",
        ("pom.xml",),
        ("mvn", "mvnw"),
        (_e("target", "build", "Maven's build output", standard=True),),
    ),
    IgnoreEcosystem(
        "gradle",
        ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"),
        ("gradle", "gradlew"),
        (
            _e("build", "build", "Gradle's build output", standard=True),
            _e(".gradle", "cache", "Gradle's project cache", standard=True),
        ),
    ),
    IgnoreEcosystem(
        "dotnet",
        ("*.csproj", "*.fsproj", "*.vbproj", "*.sln"),
        ("dotnet",),
        (
            _e("**/bin", "build", "dotnet's build output", standard=True),
            _e("**/obj", "build", "dotnet's restore and build output", standard=True),
        ),
    ),
    IgnoreEcosystem(
        "ruby",
        ("Gemfile",),
        ("bundle", "gem"),
        (_e("vendor/bundle", "deps", "host-installed gems"),),
    ),
    IgnoreEcosystem(
        "php",
        ("composer.json",),
        ("composer",),
        (_e("vendor", "deps", "host-installed Composer packages"),),
    ),
)

#: ``git`` subcommands that need no repository in the context.
VCS_GIT_COMMAND = re.compile(r"^(clone|config|init|ls-remote|version|--version|help)$")
#: Context files whose build may ask git for a version, and what gives it away.
VCS_FILES: tuple[str, ...] = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "package.json",
    "Makefile",
    "build.gradle",
    "build.gradle.kts",
    "build.rs",
    "CMakeLists.txt",
)
VCS_VERSIONING = re.compile(
    r"setuptools[_-]scm|hatch-vcs|versioneer|dunamai|poetry-dynamic-versioning|\bpbr\b|"
    r"\bgit\s+(describe|rev-parse|log|show|rev-list|symbolic-ref|status|tag|branch)\b|"
    r"grgit|gitVersion|vergen|GIT_COMMIT|git-commit-id"
)


# -- build-only files (narrow-copies) -------------------------------------------------------------


@dataclass(frozen=True)
class BuildOnly:
    """Files a compiled program never reads at run time: sources, manifests, project files."""

    suffixes: tuple[str, ...]
    names: tuple[str, ...]  # exact file names (any folder)
    folders: tuple[str, ...]  # top-level folders that only hold build inputs or outputs


#: What a compiler toolchain leaves in the build folder that its binary does not need.
BUILD_ONLY: Mapping[str, BuildOnly] = {
    "go": BuildOnly(
        (".go", ".s"),
        ("go.mod", "go.sum", "go.work", "go.work.sum"),
        ("vendor", "testdata"),
    ),
    "rust": BuildOnly(
        (".rs",),
        ("Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml", "recipe.json"),
        ("target",),
    ),
    "c": BuildOnly(
        (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".o", ".a"),
        ("CMakeLists.txt", "meson.build", "configure.ac"),
        (),
    ),
}
#: Files no program reads at run time, whatever its language.
_PROJECT_FILES = re.compile(
    r"^(README|LICEN[CS]E|COPYING|CHANGELOG|CONTRIBUTING|CODE_OF_CONDUCT|SECURITY|AUTHORS)"
    r"([._-].*)?$|^(Dockerfile|Containerfile)([._-].*)?$|.*\.[Dd]ockerfile$|^(GNU)?[Mm]akefile$|"
    r"^\.(dockerignore|gitignore|gitattributes|editorconfig|gitlab-ci\.yml|golangci\.ya?ml|"
    r"pre-commit-config\.yaml)$|^(docker-)?compose([._-].*)?\.ya?ml$"
)
_PROJECT_FOLDERS = frozenset({".git", ".github", ".idea", ".vscode"})


def build_only(language: str, path: str) -> bool:
    """Whether the program of ``language`` can do without the context file ``path`` (posix,
    relative to the build folder): a source, a manifest or a project file."""
    table = BUILD_ONLY[language]
    parts = path.split("/")
    name = parts[-1]
    if parts[0] in _PROJECT_FOLDERS or parts[0] in table.folders:
        return True
    return name.endswith(table.suffixes) or name in table.names or bool(_PROJECT_FILES.match(name))
