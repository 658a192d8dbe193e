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

The model is read-only once built, so each stage's destinations are computed once and kept on
the stage (``copy_destination`` is a dictionary read after the first call: a stage with 1,000
``COPY --from`` used to recompute the whole chain on each of them).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from refactor.analysis.model import RunState, Stage, resolve_workdir, substitute
from refactor.analysis.semantics import run_commands
from refactor.syntax.tree import Instruction

__all__ = ["BASE_DIRS", "Destination", "copy_destination", "destinations"]

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


def destinations(stage: Stage) -> Mapping[Instruction, Destination]:
    """Every COPY/ADD of ``stage`` (and of the stages it is built FROM) with its destination
    (read-only; computed once per stage)."""
    memo: dict[str, object] = stage.__dict__
    found = memo.get(_MEMO)
    if not isinstance(found, MappingProxyType):
        found = memo[_MEMO] = MappingProxyType(_destinations(stage))
    return found


def _destinations(stage: Stage) -> dict[Instruction, Destination]:
    chain = stage.ancestry()
    dirs: set[str] = set() if chain[0].base.lower() == "scratch" else set(BASE_DIRS)
    out: dict[Instruction, Destination] = {}
    for part in chain:
        for inst, state in part.steps():
            dirs.update(_parents(state.workdir))
            if inst.directive == "RUN":
                for cmd in run_commands(inst, state).commands:
                    if cmd.name == "mkdir" and not cmd.opaque:
                        for word in cmd.words[1:]:
                            relative = cmd.cwd is None and not word.startswith("/")
                            if not (word.startswith("-") or "$" in word or relative):
                                dirs.update(_parents(resolve_workdir(cmd.cwd or "/", word)))
                continue
            if inst.directive not in ("COPY", "ADD"):
                continue
            parts = _copy_parts(inst, state)
            if parts is None:
                continue
            sources, written = parts
            path = resolve_workdir(state.workdir, written)
            into = names_directory(written) or len(sources) > 1 or path in dirs
            found = Destination(path, into, written)
            out[inst] = found
            dirs.update(_parents(found.folder))
            if any(s in (".", "./") or s.endswith(("/", "/.")) for s in sources):
                dirs.add(path)  # a directory source: its contents make ``path`` a folder
    return out


def copy_destination(stage: Stage, inst: Instruction) -> Destination | None:
    """The destination of one COPY/ADD of ``stage``'s chain (None without one)."""
    return destinations(stage).get(inst)
