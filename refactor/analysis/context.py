"""The build context as BuildKit sees it: the files it holds, the ``.dockerignore`` that
filters it, and the context paths a COPY/ADD reads.

Patterns are matched like moby's ``patternmatcher`` (``MatchesOrParentMatches``: the last
matching pattern wins, a pattern matching a parent folder matches its files, ``**`` spans
folders, patterns are relative to the context root); ``.gitignore`` patterns like git (a
pattern without a slash matches at any depth, ``dir/`` only folders). Read by dockerignore
(what to leave out) and narrow-copies (what a ``COPY . .`` sends); the functions take any
object with the build context's paths (:class:`BuildContext`, which the engine's ``Context``
is), so this floor does not depend on the engine.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from refactor.analysis.model import substitute
from refactor.errors import MsbError
from refactor.syntax.tree import Instruction

__all__ = [
    "MAX_CONTEXT_ENTRIES",
    "OPAQUE_FOLDERS",
    "BuildContext",
    "ContextListing",
    "GitIgnore",
    "IgnoreRules",
    "PatternError",
    "context_path",
    "context_sources",
    "ignore_file",
    "is_dockerfile_name",
    "pattern_regex",
    "read_raw",
    "source_regex",
    "walk_context",
]

#: Context walks stop here (the codemods skip rather than guess on larger contexts).
MAX_CONTEXT_ENTRIES = 20_000
#: Folders whose contents are not listed (they are recorded, and are never app sources).
OPAQUE_FOLDERS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".gradle"})
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^git@", re.IGNORECASE)
#: Names that end like a Dockerfile but are an editor's or a merge tool's leftovers, a
#: document or script about one (``Dockerfile.md``, ``Dockerfile.sh``), or a template that
#: renders one (``Dockerfile.j2``, ``Dockerfile.in``: not buildable as it is, so a directory
#: walk must not report it as a file that is not a Dockerfile).
_LEFTOVER_SUFFIXES = (".dockerignore", ".orig", ".rej", ".bak", ".swp", "~")
_NOT_DOCKERFILE_SUFFIXES = (
    ".md", ".txt", ".rst", ".adoc", ".html", ".sh", ".ps1", ".py", ".yml", ".yaml", ".json",
    ".toml", ".lock",
    ".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".template", ".in", ".erb", ".mustache",
    ".hbs", ".gotmpl", ".envsubst",
)  # fmt: skip


def is_dockerfile_name(name: str) -> bool:
    """Whether a file called ``name`` is a Dockerfile by its name: the names ``docker build``
    reads by default (``Dockerfile``, then lowercase ``dockerfile``), Podman's
    ``Containerfile``, and the common variants ``*.Dockerfile``, ``*.dockerfile``,
    ``Dockerfile.*`` and ``dockerfile.*`` — not leftovers (``.orig``, ``~``), BuildKit's
    per-Dockerfile ``.dockerignore`` files, nor documents and scripts (``Dockerfile.md``)."""
    if name.endswith(_LEFTOVER_SUFFIXES) or name.lower().endswith(_NOT_DOCKERFILE_SUFFIXES):
        return False
    return (
        name in ("Dockerfile", "dockerfile", "Containerfile")
        or name.endswith((".Dockerfile", ".dockerfile"))
        or name.startswith(("Dockerfile.", "dockerfile."))
    )


class BuildContext(Protocol):
    """Where the build context and the Dockerfile are (the engine's ``Context`` is one)."""

    @property
    def context_dir(self) -> Path | None: ...

    @property
    def dockerfile(self) -> Path | None: ...

    @property
    def has_context(self) -> bool: ...


class PatternError(MsbError):
    """An ignore pattern that is not a valid pattern."""


# -- patterns -------------------------------------------------------------------------------------
def pattern_regex(pattern: str, *, anywhere: bool = False) -> re.Pattern[str]:
    """moby's pattern → regexp translation: ``*`` and ``?`` stop at ``/``, ``**`` spans folders
    (``**/`` also none), ``[…]`` is a class, ``\\x`` escapes. ``anywhere`` lets it start in any
    folder (a ``.gitignore`` pattern without a slash)."""
    out = ["^(?:.*/)?" if anywhere else "^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*" and pattern[i + 1 : i + 2] == "*":
            i += 2
            if pattern[i : i + 1] == "/":
                i += 1
            out.append(".*" if i >= n else "(?:.*/)?")
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch in "[]":
            out.append(ch)
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    try:
        return re.compile("".join(out), re.DOTALL)
    except re.error as exc:
        raise PatternError(f"invalid pattern {pattern!r} ({exc})") from None


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]


@dataclass(frozen=True)
class _Pattern:
    text: str  # cleaned, without the leading "!"
    negated: bool
    regex: re.Pattern[str]

    def matches(self, path: str) -> bool:
        """The path, or one of its parent folders, matches."""
        return bool(self.regex.match(path)) or any(self.regex.match(p) for p in _parents(path))


@dataclass(frozen=True)
class IgnoreRules:
    """The patterns of a ``.dockerignore``, read and matched as BuildKit does."""

    patterns: tuple[_Pattern, ...] = ()

    @classmethod
    def parse(cls, text: str) -> IgnoreRules:
        """moby's ``ignorefile.ReadAll``: ``#`` lines are comments, lines are trimmed,
        ``filepath.Clean``ed, and a leading ``/`` is dropped (raises :class:`PatternError`)."""
        patterns = []
        for number, line in enumerate(text.split("\n")):
            if number == 0:
                line = line.removeprefix("\ufeff")
            if line.startswith("#"):
                continue
            line = line.strip()
            if not line:
                continue
            negated = line.startswith("!")
            if negated:
                line = line[1:].strip()
            if not line:
                continue
            line = posixpath.normpath(line)
            if len(line) > 1 and line.startswith("/"):
                line = line.lstrip("/") or "/"
            patterns.append(_Pattern(line, negated, pattern_regex(line)))
        return cls(tuple(patterns))

    def excluded(self, path: str) -> bool:
        """``MatchesOrParentMatches``: whether BuildKit leaves ``path`` out of the context."""
        matched = False
        for pattern in self.patterns:
            if pattern.negated != matched:
                continue
            if pattern.matches(path):
                matched = not pattern.negated
        return matched

    def texts(self) -> set[str]:
        return {("!" if p.negated else "") + p.text for p in self.patterns}


@dataclass(frozen=True)
class GitIgnore:
    """The patterns of a ``.gitignore`` at the context root, matched as git does."""

    rules: tuple[tuple[re.Pattern[str], bool, bool], ...] = ()  # regex, negated, folders only

    @classmethod
    def parse(cls, text: str) -> GitIgnore:
        rules = []
        for raw in text.splitlines():
            line = raw.rstrip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            line = line[1:] if negated else line.removeprefix("\\")
            folders = line.endswith("/")
            line = line.rstrip("/")
            if not line:
                continue
            anywhere = "/" not in line
            try:
                rules.append((pattern_regex(line.lstrip("/"), anywhere=anywhere), negated, folders))
            except PatternError:
                continue  # git ignores a pattern it cannot read; so do we
        return cls(tuple(rules))

    def ignored(self, path: str, folder: bool) -> bool:
        """Whether git ignores ``path`` (a file inside an ignored folder is ignored)."""
        return any(self._match(p, True) for p in _parents(path)) or self._match(path, folder)

    def _match(self, path: str, folder: bool) -> bool:
        result = False
        for regex, negated, folders_only in self.rules:
            if (folder or not folders_only) and regex.match(path):
                result = not negated
        return result


def source_regex(source: str) -> re.Pattern[str]:
    """A COPY source (Go ``filepath.Match`` per folder level) as a regexp on context paths."""
    return pattern_regex(source)


# -- the build context ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ContextListing:
    """Every file and folder of the build context (posix, relative); the contents of
    :data:`OPAQUE_FOLDERS` are not listed."""

    files: frozenset[str]
    dirs: frozenset[str]
    opaque: frozenset[str] = frozenset()

    @property
    def paths(self) -> frozenset[str]:
        return self.files | self.dirs

    def under(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return sorted(p for p in self.paths if p.startswith(prefix))

    def exists(self, path: str) -> bool:
        return path in self.files or path in self.dirs


def walk_context(ctx: BuildContext) -> ContextListing | None:
    """The context's files and folders (symlinks are not followed), or None when there is no
    context or it holds more than :data:`MAX_CONTEXT_ENTRIES` entries."""
    if not ctx.has_context or ctx.context_dir is None:
        return None
    root = ctx.context_dir.resolve()
    files: set[str] = set()
    dirs: set[str] = set()
    opaque: set[str] = set()
    for current, subdirs, names in os.walk(root, followlinks=False):
        rel = Path(current).relative_to(root).as_posix()
        base = "" if rel == "." else rel + "/"
        kept = []
        for name in subdirs:
            path = base + name
            if (Path(current) / name).is_symlink():
                files.add(path)
                continue
            dirs.add(path)
            if name in OPAQUE_FOLDERS:
                opaque.add(path)
            else:
                kept.append(name)
        subdirs[:] = sorted(kept)
        files.update(base + name for name in names)
        if len(files) + len(dirs) > MAX_CONTEXT_ENTRIES:
            return None
    return ContextListing(frozenset(files), frozenset(dirs), frozenset(opaque))


def ignore_file(ctx: BuildContext) -> str | None:
    """The ignore file BuildKit reads for this Dockerfile, relative to the context:
    ``<Dockerfile>.dockerignore`` beside the Dockerfile when it exists, else ``.dockerignore``
    (None when the per-Dockerfile file lies outside the context)."""
    if ctx.dockerfile is not None and ctx.context_dir is not None:
        own = Path(f"{ctx.dockerfile}.dockerignore")
        if own.is_file():
            try:
                return own.resolve().relative_to(ctx.context_dir.resolve()).as_posix()
            except ValueError:
                return None
    return ".dockerignore"


def read_raw(ctx: BuildContext, relative: str, limit: int) -> str | None:
    """A context file's text with its line endings as they are (``Context.read`` turns CRLF
    into LF), or None (missing, outside the context, larger than ``limit`` bytes, not UTF-8)."""
    if ctx.context_dir is None:
        return None
    root = ctx.context_dir.resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        return None
    try:
        if path.stat().st_size > limit:
            return None
        with path.open(encoding="utf-8", newline="") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None


def context_path(source: str) -> str:
    """A context source relative to the root ("" for the root itself)."""
    norm = posixpath.normpath("/" + source.replace("\\", "/")).lstrip("/")
    return "" if norm == "." else norm


def context_sources(inst: Instruction, variables: Mapping[str, str]) -> list[str] | None:
    """The context paths a COPY/ADD (without ``--from``) reads, normalised ("" is the root);
    None when one holds a variable that cannot be resolved."""
    if inst.heredocs or inst.flag("from") is not None:
        return []
    out = []
    for source in inst.values.items[:-1]:
        value = substitute(source, variables, inst.escape)
        if inst.directive == "ADD" and _URL.match(value):
            continue
        if "$" in value:
            return None
        out.append(context_path(value))
    return out
