"""Reading build steps for the codemods that move and add build stages.

``cross-platform`` proves that what a build stage hands the runtime is the same whichever
machine builds it, and ``dev-target`` finds the command a development stage should run; both
read the same facts out of the steps of a stage: a command's words once ``env A=B`` is looked
through, the environment as written, and which build-context path a COPY put at an image path
(an option's value and whether a path is under another are the semantics layer's
:func:`~refactor.analysis.semantics.option` and :func:`~refactor.analysis.semantics.under`).
They live here, below the codemods, so neither codemod imports the other (the knowledge of
which tools cross-compile is data, in :mod:`refactor.data.platforms`).

Decisions:

* :func:`context_source` follows COPY/ADD as BuildKit copies: a source folder's *contents* go
  into the destination, a file goes into a destination folder (a trailing ``/``, ``.``, the
  WORKDIR itself, several sources, a wildcard) or becomes the destination. An instruction with
  ``--from``, a heredoc or an unknown source is not the context; the last match wins, as the
  last copy overwrites the earlier ones. It is the reverse of
  :func:`refactor.analysis.context.context_sources` (what one COPY reads, normalised, which
  loses the trailing ``/`` this rule needs), so the two stay apart.
* :func:`every_command` is the semantics layer's reading of a RUN with one policy on top: a
  proof needs every command, so a RUN with any problem (a heredoc fed to a program, opaque
  shell text, a non-POSIX SHELL) is refused, under one reason per problem.
* :func:`raw_env` keeps values as written (``GOARCH=$TARGETARCH`` stays a reference to the
  target), which the model's expanded environment cannot tell apart from a literal.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Sequence

from refactor.analysis.model import RunState, Stage, resolve_workdir, substitute
from refactor.analysis.semantics import run_commands, under
from refactor.analysis.shell import Command
from refactor.syntax.tree import Instruction

__all__ = [
    "Unreadable",
    "context_source",
    "effective_words",
    "every_command",
    "raw_env",
]

#: Why a RUN that is not read completely cannot be proven, by the semantics layer's problem.
_UNREAD = {
    "stdin": "a RUN feeds a heredoc to a program; cannot read what it does",
    "opaque": "a RUN step cannot be read (opaque shell)",
    "shell": "a RUN step runs under a SHELL that is not a POSIX shell; cannot read it",
}


class Unreadable(Exception):
    """A RUN whose commands cannot all be read; ``reason`` says why (for the user)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def every_command(inst: Instruction, state: RunState) -> tuple[Command, ...]:
    """The commands a RUN executes (:func:`refactor.analysis.semantics.run_commands`), all of
    them read: raises :class:`Unreadable` otherwise, as a proof about a stage must not skip a
    command it could not read."""
    script = run_commands(inst, state)
    for problem in ("stdin", "opaque", "shell"):
        if problem in script.problems:
            raise Unreadable(_UNREAD[problem])
    return script.commands


_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")


def effective_words(cmd: Command) -> tuple[tuple[str, ...], dict[str, str]]:
    """The command's words and assignments, looking through ``env A=B program …``."""
    words = cmd.words
    assignments = dict(cmd.assignments)
    if cmd.name == "env":
        rest = list(words[1:])
        while rest and _ASSIGNMENT.match(rest[0]):
            key, _, value = rest.pop(0).partition("=")
            assignments[key] = value
        words = tuple(rest)
    return words, assignments


def raw_env(chain: Sequence[Stage], before: Instruction) -> dict[str, str]:
    """ENV values as written (variables unexpanded) in ``chain`` (root first) before
    ``before``."""
    env: dict[str, str] = {}
    for current in chain:
        for inst in current.instructions:
            if inst is before:
                return env
            if inst.directive == "ENV":
                items = inst.values.items
                for i in range(0, len(items) - 2, 3):
                    env[items[i]] = items[i + 1]
    return env


def context_source(
    chain: Sequence[Stage], path: str, before: Instruction | None = None
) -> str | None:
    """The build-context path (``""`` for the context root) that COPY/ADD instructions of
    ``chain`` (root first) put at the absolute image ``path``, or None when none is known.
    Only instructions before ``before`` count when it is given."""
    found: str | None = None
    for stage in chain:
        for inst, state in zip(stage.instructions, stage.states, strict=True):
            if inst is before:
                return found
            if inst.directive not in ("COPY", "ADD") or inst.flag("from") is not None:
                continue
            items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
            if inst.heredocs or len(items) < 2:
                continue
            match = _copied_from(items[:-1], items[-1], state.workdir, path)
            if match is not None:
                found = match
    return found


def _copied_from(sources: Sequence[str], dest: str, workdir: str, path: str) -> str | None:
    target = resolve_workdir(workdir, dest)
    into_dir = (
        dest.endswith("/")
        or dest in (".", "./")
        or target == workdir  # the WORKDIR exists as a folder
        or len(sources) > 1
        or any("*" in s for s in sources)
    )
    for raw in sources:
        source = raw[2:] if raw.startswith("./") else raw
        if source in (".", ""):
            if under(path, target):
                return posixpath.relpath(path, target) if path != target else ""
            continue
        if "*" in source:
            name = posixpath.basename(path)
            if posixpath.dirname(path) == target and fnmatch.fnmatchcase(
                name, posixpath.basename(source)
            ):
                return posixpath.join(posixpath.dirname(source), name)
            continue
        if source.endswith("/"):
            if under(path, target):
                rel = posixpath.relpath(path, target) if path != target else ""
                return posixpath.join(source.rstrip("/"), rel).rstrip("/")
            continue
        place = posixpath.join(target, posixpath.basename(source)) if into_dir else target
        if under(path, place):
            rel = posixpath.relpath(path, place) if path != place else ""
            return posixpath.join(source, rel).rstrip("/")
    return None
