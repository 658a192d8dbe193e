"""Finding the Dockerfiles under the paths given on the command line.

A directory is walked recursively for ``Dockerfile``, ``Containerfile``, ``*.Dockerfile``,
``Dockerfile.*`` and ``*.dockerfile`` (BuildKit's per-Dockerfile ``*.dockerignore`` files and
editor/merge leftovers excluded). ``.git`` is never entered, symlinked directories are never
followed, and a symlinked file counts only when it resolves inside the walked tree. Ignored
files are left out: inside a git work tree ``git check-ignore --stdin`` decides (one call per
directory level, so ignored directories are pruned); elsewhere simple ``.gitignore`` patterns
are matched with :mod:`fnmatch`. ``--exclude`` globs match a file's name, its path relative to
the walked directory, or any directory on the way.

The root. Nothing is read or written outside the root of the path it was found under: its git
work tree, else the directory given (a file's directory). That root is taken where the user
named the path, not where a symbolic link leads: when a component of the path as given is a
symbolic link (``msb-migrate --write link``, ``link -> ../outside``), the root is the one of the
link's own directory (:func:`repository_root`), and the root of the link's target only when
that lies inside it (a narrower tree); so a symbolic link to a directory outside the
repository is walked but nothing under it is read or written, each file said as an error.

Every file system question is asked with :func:`os.lstat`/:func:`os.stat`/
:func:`os.path.realpath`, never ``Path.exists``/``is_symlink``/``resolve``: those raise on a
directory that cannot be entered (``EACCES``) and on a symbolic link loop (``RuntimeError``),
which here become the file's problem ("cannot read it: Permission denied", "a symbolic link
loop"), one error line each.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from refactor.analysis.context import is_dockerfile_name
from refactor.app.gitrun import GitOpsError, config_read_once, run_git
from refactor.errors import InputError

__all__ = ["Target", "discover"]


@dataclass(frozen=True)
class Target:
    """A Dockerfile to process: ``path`` as found (for display), ``real`` resolved (for I/O),
    ``root`` the tree it must stay in (reads and writes), ``problem`` why it cannot be
    processed (reported as that file's error: never a silent skip)."""

    path: Path
    real: Path
    root: Path | None = None
    problem: str | None = None


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
            proc = run_git(["rev-parse", "--is-inside-work-tree"], root)
        except GitOpsError:  # git not installed, or too slow
            return False
        return proc.returncode == 0 and proc.stdout.strip() == b"true"

    def ignored(self, rels: Sequence[tuple[str, bool]]) -> set[str] | None:
        """The ignored paths among ``(relative path, is_dir)``; None when git cannot tell."""
        if not rels:
            return set()
        query = [f"{rel}/" if is_dir else rel for rel, is_dir in rels]
        try:
            proc = run_git(
                ["check-ignore", "--stdin", "-z"],
                self.root,
                input=("\0".join(query) + "\0").encode("utf-8", "surrogateescape"),
            )
        except GitOpsError:
            return None
        if proc.returncode not in (0, 1):
            return None
        out = proc.stdout.decode("utf-8", "surrogateescape")
        return {p.rstrip("/") for p in out.split("\0") if p}


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


def _walk(
    root: Path, excludes: Sequence[str], real_root: Path, real_of: _RealPaths
) -> list[tuple[Path, str | None]]:
    """Dockerfiles under ``root``, level by level, pruning ignored and excluded directories;
    each with the problem that stops it (a directory that cannot be read, a symbolic link out
    of ``real_root``, a FIFO or device named like a Dockerfile), None when there is none."""
    git = _GitIgnored(root) if _GitIgnored.applies(root) else None
    simple = _SimpleIgnored()
    found: list[tuple[Path, str | None]] = []
    level: list[str] = [""]
    while level:
        dirs: list[tuple[str, bool]] = []
        files: list[tuple[str, bool]] = []
        problems: dict[str, str] = {}
        for rel in level:
            directory = root / rel if rel else root
            if git is None:
                simple.load(directory, rel)
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                problems[rel or "."] = f"cannot read the directory: {exc.strerror or exc}"
                files.append((rel or ".", False))
                continue
            for entry in entries:
                child = f"{rel}/{entry.name}" if rel else entry.name
                if entry.name == ".git" or _excluded(child, excludes):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    dirs.append((child, True))
                elif is_dockerfile_name(entry.name):
                    problem = _problem(Path(entry.path), real_root, real_of)
                    if problem is not None:
                        problems[child] = problem
                    files.append((child, False))
        candidates = dirs + files
        ignored = git.ignored(candidates) if git is not None else None
        if ignored is None:
            ignored = simple.ignored(candidates)
        found.extend(
            (root / rel if rel != "." else root, problems.get(rel))
            for rel, _ in files
            if rel not in ignored
        )
        level = [rel for rel, _ in dirs if rel not in ignored]
    return found


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _realpath(path: Path) -> Path:
    """``path`` with every symbolic link resolved (as far as they go; never raises)."""
    return Path(os.path.realpath(path))


class _RealPaths:
    """:func:`_realpath` of files, each folder resolved once (a walk finds many files in a
    folder, and resolving a path looks at every folder above it): a file that is not a
    symbolic link is its folder's real path and its name. One per :func:`discover` call."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: Path) -> Path:
        name = path.name
        if name in ("", "..") or os.path.islink(path):
            return _realpath(path)
        folder = os.fspath(path.parent)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return Path(os.path.join(real, name))


def _problem(path: Path, real_root: Path, real_of: _RealPaths) -> str | None:
    """Why the file at ``path`` (a symbolic link followed) is no Dockerfile msb-migrate may
    read and rewrite inside ``real_root``; None when it is one."""
    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError as exc:  # in a directory that cannot be entered
        return f"cannot read it: {_why(exc)}"
    try:
        info = os.stat(path)
    except OSError as exc:
        if not link:
            return f"cannot read it: {_why(exc)}"
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop; not followed"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return "a symbolic link to nothing; not followed"
        return f"a symbolic link that cannot be followed: {_why(exc)}"
    real = real_of(path)
    if real != real_root and real_root not in real.parents:
        what = "a symbolic link to" if link else "reached through a symbolic link:"
        return f"{what} {real}, outside {real_root}: not read, not written"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a FIFO, socket or device); not read"
    return None


def repository_root(path: Path) -> Path:
    """The tree a path given on the command line may read and write in: its git work tree,
    else the directory itself (a file's directory), both as reached (links resolved)."""
    directory = path if _is_dir(path) else path.parent
    try:
        proc = run_git(["rev-parse", "--show-toplevel"], directory)
    except GitOpsError:  # git not installed, or too slow
        proc = None
    top = proc.stdout.decode("utf-8", "surrogateescape").strip() if proc else ""
    if proc is not None and proc.returncode == 0 and top:
        return _realpath(Path(top))
    return _realpath(directory)


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def _first_link(path: Path) -> Path | None:
    """The first component of ``path`` as given (from the current directory, or from ``/``)
    that is a symbolic link, None when there is none."""
    current = Path(path.anchor) if path.is_absolute() else Path.cwd()
    for part in path.parts[1:] if path.is_absolute() else path.parts:
        if part == "..":
            current = current.parent
            continue
        current = current / part
        if os.path.islink(current):
            return current
    return None


def named_root(path: Path) -> Path:
    """The root of a path as the user named it (see the module's docstring): the root of the
    directory holding the first symbolic link on the way, unless the path's own root lies
    inside it."""
    root = repository_root(path)
    link = _first_link(path)
    if link is None:
        return root
    named = repository_root(_realpath(link.parent))
    return root if root == named or named in root.parents else named


def discover(
    paths: Iterable[Path], excludes: Sequence[str] = (), *, outside_links: bool = True
) -> list[Target]:
    """The Dockerfiles named by ``paths`` (files are taken as they are, directories walked).

    Each target's ``root`` is its path's repository as named (:func:`named_root`); a file that
    resolves outside it, is not a regular file, or a directory that cannot be read is listed
    with its ``problem``. With ``outside_links=False`` symbolic links leading outside are left
    out (the caller reports them its own way). Raises :class:`InputError` for a path that does
    not exist. Each file is listed once.
    """
    with config_read_once():  # git only reads here: rev-parse, check-ignore per folder level
        return _discover(paths, excludes, outside_links)


def _discover(paths: Iterable[Path], excludes: Sequence[str], outside_links: bool) -> list[Target]:
    out: list[Target] = []
    seen: set[Path] = set()
    real_of = _RealPaths()
    for path in paths:
        try:
            os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            raise InputError(str(path), "no such file or directory") from None
        except OSError as exc:  # under a directory that cannot be entered, a link loop
            real = Path(os.path.abspath(path))
            if real not in seen:
                seen.add(real)
                out.append(Target(path, real, None, f"cannot read it: {_why(exc)}"))
            continue
        root = named_root(path)
        files: list[tuple[Path, str | None]]
        if _is_dir(path):
            files = sorted(_walk(path, excludes, root, real_of), key=lambda found: found[0])
        else:
            shown = path.name if path.is_absolute() else path.as_posix()
            files = [] if _excluded(shown, excludes) else [(path, _problem(path, root, real_of))]
        for file, problem in files:
            if problem is not None and not outside_links and os.path.islink(file):
                continue
            real = real_of(file)
            if real not in seen:
                seen.add(real)
                out.append(Target(file, real, root, problem))
    return out
