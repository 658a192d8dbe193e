"""Finding the Dockerfiles under the paths given on the command line.

A directory is walked recursively for ``Dockerfile``, ``Containerfile``, ``*.Dockerfile``,
``Dockerfile.*`` and ``*.dockerfile`` (BuildKit's per-Dockerfile ``*.dockerignore`` files and
editor/merge leftovers excluded). ``.git`` is never entered, symlinked directories are never
followed, and a symlinked file counts only when it resolves inside the walked tree. Ignored
files are left out: inside a git work tree ``git check-ignore --stdin`` decides (one call per
directory level, so ignored directories are pruned); elsewhere simple ``.gitignore`` patterns
are matched with :mod:`fnmatch`. ``--exclude`` globs match a file's name, its path relative to
the walked directory, or any directory on the way.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from refactor.errors import InputError

__all__ = ["Target", "discover", "is_dockerfile_name"]

_LEFTOVER_SUFFIXES = (".dockerignore", ".orig", ".rej", ".bak", ".swp", "~")


def is_dockerfile_name(name: str) -> bool:
    """Whether a file called ``name`` is a Dockerfile by its name."""
    if name.endswith(_LEFTOVER_SUFFIXES):
        return False
    return (
        name in ("Dockerfile", "Containerfile")
        or name.endswith((".Dockerfile", ".dockerfile"))
        or name.startswith("Dockerfile.")
    )


@dataclass(frozen=True)
class Target:
    """A Dockerfile to process: ``path`` as found (for display), ``real`` resolved (for I/O)."""

    path: Path
    real: Path


def _excluded(rel: str, patterns: Sequence[str]) -> bool:
    """Whether a relative posix path (or one of its directories) matches an exclude glob."""
    parts = PurePosixPath(rel).parts
    for i in range(len(parts)):
        prefix = "/".join(parts[: i + 1])
        for pattern in patterns:
            pat = pattern.rstrip("/")
            if fnmatch.fnmatchcase(parts[i], pat) or fnmatch.fnmatchcase(prefix, pat):
                return True
    return False


class _GitIgnored:
    """``git check-ignore`` for a directory inside a git work tree."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def applies(root: Path) -> bool:
        try:
            proc = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:  # git not installed
            return False
        return proc.returncode == 0 and proc.stdout.strip() == "true"

    def ignored(self, rels: Sequence[tuple[str, bool]]) -> set[str] | None:
        """The ignored paths among ``(relative path, is_dir)``; None when git cannot tell."""
        if not rels:
            return set()
        query = [f"{rel}/" if is_dir else rel for rel, is_dir in rels]
        proc = subprocess.run(
            ["git", "-C", str(self.root), "check-ignore", "--stdin", "-z"],
            input="\0".join(query) + "\0",
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode not in (0, 1):
            return None
        return {p.rstrip("/") for p in proc.stdout.split("\0") if p}


@dataclass(frozen=True)
class _Rule:
    base: str  # directory of the .gitignore, relative to the walk root ("" for the root)
    pattern: str
    negate: bool
    dir_only: bool
    anchored: bool

    def matches(self, rel: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        if self.base:
            if not rel.startswith(self.base + "/"):
                return False
            rel = rel[len(self.base) + 1 :]
        if self.anchored:
            return fnmatch.fnmatchcase(rel, self.pattern)
        name = rel.rsplit("/", 1)[-1]
        return fnmatch.fnmatchcase(name, self.pattern)


class _SimpleIgnored:
    """Simple ``.gitignore`` patterns (outside a git work tree): globs, ``!``, trailing ``/``."""

    def __init__(self) -> None:
        self.rules: list[_Rule] = []

    def load(self, directory: Path, base: str) -> None:
        try:
            text = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        for raw in text.splitlines():
            line = raw.rstrip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            line = line[1:] if negate else line
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            anchored = "/" in line
            line = line.lstrip("/")
            if line.startswith("**/"):
                line, anchored = line[3:], "/" in line[3:]
            if line:
                self.rules.append(_Rule(base, line, negate, dir_only, anchored))

    def ignored(self, rels: Sequence[tuple[str, bool]]) -> set[str]:
        out = set()
        for rel, is_dir in rels:
            verdict = False
            for rule in self.rules:
                if rule.matches(rel, is_dir):
                    verdict = not rule.negate
            if verdict:
                out.add(rel)
        return out


def _walk(root: Path, excludes: Sequence[str]) -> list[Path]:
    """Dockerfiles under ``root``, level by level, pruning ignored and excluded directories."""
    real_root = root.resolve()
    git = _GitIgnored(root) if _GitIgnored.applies(root) else None
    simple = _SimpleIgnored()
    found: list[Path] = []
    level: list[str] = [""]
    while level:
        dirs: list[tuple[str, bool]] = []
        files: list[tuple[str, bool]] = []
        for rel in level:
            directory = root / rel if rel else root
            if git is None:
                simple.load(directory, rel)
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                child = f"{rel}/{entry.name}" if rel else entry.name
                if entry.name == ".git" or _excluded(child, excludes):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    dirs.append((child, True))
                elif is_dockerfile_name(entry.name) and (
                    # a walked directory is no symlink: only a symlinked file may lead out
                    _inside(Path(entry.path), real_root)
                    if entry.is_symlink()
                    else entry.is_file(follow_symlinks=False)
                ):
                    files.append((child, False))
        candidates = dirs + files
        ignored = git.ignored(candidates) if git is not None else None
        if ignored is None:
            ignored = simple.ignored(candidates)
        found.extend(root / rel for rel, _ in files if rel not in ignored)
        level = [rel for rel, _ in dirs if rel not in ignored]
    return found


def _inside(path: Path, real_root: Path) -> bool:
    """A regular file (after following a symlink) inside ``real_root``."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return real.is_file() and (real == real_root or real_root in real.parents)


def discover(paths: Iterable[Path], excludes: Sequence[str] = ()) -> list[Target]:
    """The Dockerfiles named by ``paths`` (files are taken as they are, directories walked).

    Raises :class:`InputError` for a path that does not exist. Each file is listed once.
    """
    out: list[Target] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            files = sorted(_walk(path, excludes))
        elif path.exists():
            shown = path.name if path.is_absolute() else path.as_posix()
            files = [] if _excluded(shown, excludes) else [path]
        else:
            raise InputError(str(path), "no such file or directory")
        for file in files:
            real = file.resolve()
            if real not in seen:
                seen.add(real)
                out.append(Target(file, real))
    return out
