"""Where a COPY/ADD puts its sources: the one resolver every codemod uses.

BuildKit resolves a destination in two steps, and this module follows both:

1. ``dockerfile2llb`` joins a relative destination to the WORKDIR and keeps the trailing
   separator the author wrote: ``COPY a.txt .`` and ``COPY a.txt app/`` name directories;
   ``/app/.`` does too (the copier creates it as one).
2. The copier (fsutil ``copy``) puts a file *inside* the destination when the destination is
   a directory at copy time, and *at* the destination otherwise. So ``COPY requirements.txt
   /app`` after ``WORKDIR /app`` writes ``/app/requirements.txt``, not a file ``/app``.
   A directory source always has its *contents* copied to the destination.

"A directory at copy time" is read from the stage's chain (``FROM <stage>`` parents first):
every WORKDIR (and its parents) exists; a destination an earlier COPY/ADD copied into is a
directory, and so is the folder holding anything it copied; ``mkdir`` in a RUN makes one; the
folders every Linux base image ships (:data:`BASE_DIRS`) exist unless the chain starts from
``scratch``. Several sources make the destination a directory (the Dockerfile reference
requires it; BuildKit copies each source into it). A folder made only by the base image's own
layout beyond :data:`BASE_DIRS`, or a context folder copied without a trailing ``/``, is not
known: such a destination is read as a file, which is what BuildKit does when the path does
not exist.

A caller that can see the build context passes ``folders`` (which context paths are folders):
a context folder copied without a trailing ``/`` then makes its destination a folder too, as
it does in BuildKit.

The same replay answers the two other questions codemods ask about paths in an image:
:func:`directories_at` (the folders known to exist when a RUN command runs, so ``cp a /dir``
is read like a COPY) and :func:`context_target` (where the build context's file lands).

The model is read-only once built, so each stage's destinations are computed once and kept on
the stage (``copy_destination`` is a dictionary read after the first call: a stage with 1,000
``COPY --from`` used to recompute the whole chain on each of them).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from refactor.analysis.model import RunState, Stage, resolve_workdir, substitute
from refactor.analysis.semantics import run_commands
from refactor.analysis.shell import Command
from refactor.syntax.tree import Instruction

__all__ = [
    "BASE_DIRS",
    "Destination",
    "Folders",
    "context_target",
    "context_targets",
    "copy_destination",
    "destinations",
    "directories_at",
    "names_directory",
]

#: Whether a build-context path (relative, without ``./``) is a folder.
Folders = Callable[[str], bool]

#: Directories every Linux base image except ``scratch`` has (FHS, busybox, distroless).
BASE_DIRS = frozenset(
    {"/", "/bin", "/etc", "/home", "/root", "/tmp", "/usr", "/usr/bin", "/usr/lib",
     "/usr/local", "/usr/local/bin", "/usr/share", "/var", "/var/lib", "/var/log"}
)  # fmt: skip


@dataclass(frozen=True)
class Destination:
    """Where one COPY/ADD writes: ``path`` (absolute), and whether its sources land inside it.

    ``written`` is the destination as written, after variable substitution.
    """

    path: str
    into: bool
    written: str

    def target(self, source: str) -> str:
        """Where a *file* source lands (a directory source's contents land at ``folder``)."""
        if not self.into:
            return self.path
        name = posixpath.basename(source.rstrip("/"))
        return posixpath.join(self.path, name) if name else self.path

    @property
    def folder(self) -> str:
        """The folder the copied files are in."""
        return self.path if self.into else posixpath.dirname(self.path) or "/"


def names_directory(written: str) -> bool:
    """Whether the destination as written names a directory (``.``, ``dir/``, ``dir/.``)."""
    return written in ("", ".") or written.endswith(("/", "/."))


def _parents(path: str) -> list[str]:
    out = []
    while True:
        out.append(path)
        if path == "/":
            return out
        path = posixpath.dirname(path) or "/"


def _copy_parts(inst: Instruction, state: RunState) -> tuple[list[str], str] | None:
    items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
    if len(items) < 2:
        return None
    return items[:-1], items[-1]


_MEMO = "_destinations"  # where a stage keeps its destinations (in its ``__dict__``)
_MEMO_FOLDERS = "_destinations_by_folders"  # the same, per ``folders`` predicate


def destinations(stage: Stage, folders: Folders | None = None) -> Mapping[Instruction, Destination]:
    """Every COPY/ADD of ``stage`` (and of the stages it is built FROM) with its destination
    (read-only; computed once per stage and ``folders`` predicate)."""
    memo: dict[str, object] = stage.__dict__
    if folders is not None:
        by_folders = memo.setdefault(_MEMO_FOLDERS, {})
        assert isinstance(by_folders, dict)
        if folders not in by_folders:
            by_folders[folders] = MappingProxyType(_destinations(stage, folders))
        known: Mapping[Instruction, Destination] = by_folders[folders]
        return known
    found = memo.get(_MEMO)
    if not isinstance(found, MappingProxyType):
        found = memo[_MEMO] = MappingProxyType(_destinations(stage))
    return found


def _context_folders(
    sources: list[str], inst: Instruction, folders: Folders | None
) -> tuple[list[str], bool]:
    """The context folders among ``sources`` (relative; ``""`` for the context itself) and
    whether any source is a folder (written as one, or one ``folders`` knows)."""
    found: list[str] = []
    any_folder = False
    for source in sources:
        written = source in (".", "./") or source.endswith(("/", "/."))
        local = folders is not None and inst.flag("from") is None and not _has_glob(source)
        relative = posixpath.normpath(source).lstrip("/")
        relative = "" if relative == "." else relative
        if local and (written or (folders is not None and folders(relative))):
            found.append(relative)
        any_folder = any_folder or written or (local and relative in found)
    return found, any_folder


def _replay(
    stage: Stage, folders: Folders | None = None
) -> Iterator[tuple[Instruction, RunState, set[str], Destination | None]]:
    """Each instruction of ``stage``'s chain with its state, the folders known to exist before
    it (the same set, updated as the replay goes on) and its destination (COPY/ADD).

    With ``folders``, the subfolders of a context folder copied into the image are folders too.
    """
    chain = stage.ancestry()
    dirs: set[str] = set() if chain[0].base.lower() == "scratch" else set(BASE_DIRS)
    copied: list[tuple[str, str]] = []  # (where, context folder): its subfolders are there

    def is_dir(path: str) -> bool:
        if path in dirs:
            return True
        for where, source in copied:
            if path.startswith(where.rstrip("/") + "/"):
                below = path[len(where.rstrip("/")) + 1 :]
                if folders is not None and folders(posixpath.join(source, below)):
                    return True
        return False

    for part in chain:
        for inst, state in part.steps():
            dirs.update(_parents(state.workdir))
            if inst.directive not in ("COPY", "ADD"):
                yield inst, state, dirs, None
                if inst.directive == "RUN":
                    for cmd in run_commands(inst, state).commands:
                        _mkdir(dirs, cmd)
                continue
            parts = _copy_parts(inst, state)
            if parts is None:
                yield inst, state, dirs, None
                continue
            sources, written = parts
            path = resolve_workdir(state.workdir, written)
            into = names_directory(written) or len(sources) > 1 or is_dir(path)
            found = Destination(path, into, written)
            yield inst, state, dirs, found
            dirs.update(_parents(found.folder))
            local, any_folder = _context_folders(sources, inst, folders)
            if any_folder:
                dirs.add(path)  # a directory source: its contents make ``path`` a folder
            copied.extend((path, source) for source in local)


def _mkdir(dirs: set[str], cmd: Command) -> None:
    """The folders a ``mkdir`` command makes (absolute or under a known directory)."""
    if cmd.name != "mkdir" or cmd.opaque:
        return
    for word in cmd.words[1:]:
        relative = cmd.cwd is None and not word.startswith("/")
        if not (word.startswith("-") or "$" in word or relative):
            dirs.update(_parents(resolve_workdir(cmd.cwd or "/", word)))


def _destinations(stage: Stage, folders: Folders | None = None) -> dict[Instruction, Destination]:
    return {inst: found for inst, _, _, found in _replay(stage, folders) if found is not None}


def copy_destination(
    stage: Stage, inst: Instruction, folders: Folders | None = None
) -> Destination | None:
    """The destination of one COPY/ADD of ``stage``'s chain (None without one)."""
    return destinations(stage, folders).get(inst)


def directories_at(
    stage: Stage, inst: Instruction, command: Command | None = None
) -> frozenset[str]:
    """The folders known to exist when ``inst`` runs (when ``command`` of that RUN runs: the
    ``mkdir`` commands before it count)."""
    for current, state, dirs, _ in _replay(stage):
        if current is not inst:
            continue
        known = set(dirs)
        if command is not None and inst.directive == "RUN":
            for cmd in run_commands(inst, state).commands:
                if cmd is command or cmd == command:
                    break
                _mkdir(known, cmd)
        return frozenset(known)
    raise ValueError("the instruction is not in the stage's chain")


def _has_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def _glob_match(path: str, pattern: str) -> bool:
    """BuildKit's COPY globs (Go's ``filepath.Match``): ``*`` stays within one path segment."""
    parts, wanted = path.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(
        fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted, strict=True)
    )


def context_target(stage: Stage, path: str, folders: Folders | None = None) -> str | None:
    """Where the build context's file ``path`` (relative) is in the image after ``stage``'s
    chain: where the last COPY/ADD without ``--from`` that brings it puts it (None when none
    does)."""
    return context_targets(stage, [path], folders)[path]


def context_targets(
    stage: Stage, paths: Sequence[str], folders: Folders | None = None
) -> dict[str, str | None]:
    """:func:`context_target` of many context files at once (one replay of the chain)."""
    found: dict[str, str | None] = dict.fromkeys(paths)
    clean = {p: posixpath.normpath(p).lstrip("/") for p in paths}
    for inst, state, _, dest in _replay(stage, folders):
        if dest is None or inst.flag("from") is not None or inst.heredocs:
            continue
        parts = _copy_parts(inst, state)
        assert parts is not None  # a destination has its sources
        for source in parts[0]:
            source = posixpath.normpath(source).lstrip("/") or "."
            depth = source.count("/") + 1
            glob = _has_glob(source)
            for key, path in clean.items():
                top = "/".join(path.split("/")[:depth])  # the part of ``path`` a source names
                if source == ".":
                    found[key] = posixpath.join(dest.path, path)
                elif path == source or (glob and _glob_match(path, source)):
                    found[key] = dest.target(path)
                elif top == source or (glob and _glob_match(top, source)):
                    found[key] = posixpath.join(dest.path, path[len(top) + 1 :])  # contents
    return found
