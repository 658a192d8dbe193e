"""The semantics the codemods stand on: what a RUN executes, what a stage is for, Windows.

Codemods ask the same questions of a Dockerfile; each question has one answer here, read from
the build model (:mod:`refactor.analysis.model`), the shell analysis
(:mod:`refactor.analysis.shell`) and the knowledge tables (:mod:`refactor.data.commands`,
:mod:`refactor.data.system`). A codemod never imports another codemod; what two of them share
lives here or in a table.

:func:`run_commands` – the one rule for the commands a RUN executes:

* exec form: the argv is one command, unless it is a shell's ``-c`` (``["sh", "-ec", "…"]``),
  whose script is read instead;
* shell form: the script is read as the stage's SHELL runs it (a non-POSIX SHELL, such as
  PowerShell, is still split into words by the POSIX reader, and flagged ``"shell"``: words of
  simple commands are the same, the semantics are not);
* heredocs: when the RUN's own command line runs nothing but bare shells (``RUN <<EOF``,
  ``RUN bash <<EOF``, ``RUN sh -e <<A <<B``), every heredoc body is a script and is read in
  order, in place of the line; a heredoc fed to any other program (``RUN python3 <<EOF``,
  ``RUN cat <<EOF > /etc/x``) is that program's input: the line's commands are kept, and the
  result is flagged ``"stdin"``;
* inside any script, ``sh -c '…'`` is followed (three levels deep), starting in the directory
  the ``sh`` runs in; ``-e`` in the shell's options (SHELL, ``sh -ec``) sets errexit.

Opaque commands (what the analyser could not read, or a heredoc with a non-shell ``#!``) stay
in :attr:`RunScript.commands` with ``opaque=True`` and flag the result ``"opaque"``; callers
that need every command read refuse when :attr:`RunScript.readable` is false, callers that name
or describe stages use :meth:`RunScript.words`, which leaves them out.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from refactor.analysis.images import ImageRef
from refactor.analysis.model import RunState, Stage
from refactor.analysis.shell import Command, analyse
from refactor.data.commands import (
    BUILD_COMMANDS,
    DEPS_COMMANDS,
    HELPER_COMMANDS,
    TEST_COMMANDS,
    CommandTable,
    Words,
    matches,
    program,
)
from refactor.data.system import (
    SHELLS,
    WINDOWS_REPOSITORIES,
    WINDOWS_SHELLS,
    WINDOWS_TAG,
)
from refactor.syntax.buildkit import continuation_regex
from refactor.syntax.tree import Instruction, split_lines

__all__ = [
    "Problem",
    "RunScript",
    "exec_commands",
    "first_command",
    "is_posix_shell",
    "is_windows",
    "is_windows_shell",
    "option",
    "run_commands",
    "script_commands",
    "shell_script",
    "stage_commands",
    "stage_role",
    "under",
    "word_spans",
]

#: Why a RUN could not be read completely.
#: ``opaque`` – some shell text could not be read; ``stdin`` – a heredoc is the input of a
#: program that is not a bare shell; ``shell`` – the SHELL is not a POSIX shell.
Problem = Literal["opaque", "stdin", "shell"]
#: How deep ``sh -c`` scripts are followed.
_MAX_DEPTH = 3


@dataclass(frozen=True, slots=True)
class RunScript:
    """The commands a RUN (or a script, or an argv) executes, in order, and what was not read."""

    commands: tuple[Command, ...]
    problems: frozenset[Problem] = frozenset()

    @property
    def readable(self) -> bool:
        """Whether every command was read (no problem)."""
        return not self.problems

    def words(self) -> list[Words]:
        """The words of the commands that were read (opaque and empty commands left out)."""
        return [c.words for c in self.commands if c.words and not c.opaque]

    def __add__(self, other: RunScript) -> RunScript:
        return RunScript(self.commands + other.commands, self.problems | other.problems)


_EMPTY = RunScript(())


def run_commands(instruction: Instruction, state: RunState) -> RunScript:
    """The commands a RUN executes (see the module docstring for the rule)."""
    argv = instruction.exec_args
    if argv is not None:
        return exec_commands(argv, state)
    errexit = _errexit(state.shell)
    line = script_commands(instruction.value, state, errexit=errexit)
    if not is_posix_shell(state.shell):
        line = RunScript(line.commands, line.problems | {"shell"})
    if not instruction.heredocs:
        return line
    if all(not c.opaque and (not c.words or _bare_shell(c.words)) for c in line.commands):
        out = RunScript((), line.problems - {"opaque"})
        for doc in instruction.heredocs:
            out += script_commands(doc.content, state, errexit=errexit)
        return out
    return RunScript(line.commands, line.problems | {"stdin"})


def script_commands(
    script: str,
    state: RunState,
    *,
    cwd: str | None = None,
    errexit: bool = False,
    depth: int = 0,
) -> RunScript:
    """The commands of a shell script run in ``state`` (from ``cwd``, default its WORKDIR),
    ``sh -c`` scripts in it followed."""
    parsed = analyse(script, cwd or state.workdir, state.variables, errexit=errexit)
    out = RunScript((), frozenset({"opaque"}) if parsed.opaque else frozenset())
    for command in parsed.commands:
        inner = shell_script(command.words) if command.words and depth < _MAX_DEPTH else None
        if inner is None:
            out += RunScript((command,))
        else:
            out += script_commands(
                inner,
                state,
                cwd=command.cwd or state.workdir,
                errexit=_errexit(command.words),
                depth=depth + 1,
            )
    return out


def exec_commands(argv: Sequence[str], state: RunState) -> RunScript:
    """The commands of an exec-form argv: itself, or its ``sh -c`` script's."""
    if not argv:
        return _EMPTY
    inner = shell_script(argv)
    if inner is not None:
        return script_commands(inner, state, errexit=_errexit(argv), depth=1)
    words = tuple(argv)
    return RunScript((Command(words, (), state.workdir, " ".join(words)),))


def shell_script(argv: Sequence[str]) -> str | None:
    """The script of ``sh -c 'script'`` (options such as ``-ec``, ``-lc``, ``-o pipefail``
    before it allowed), else None."""
    if not argv or program(argv) not in SHELLS:
        return None
    for i, word in enumerate(argv[1:], start=1):
        if word == "--" or not word.startswith(("-", "+")):
            if argv[i - 1] in ("-o", "+o") and word != "--":
                continue  # the value of -o
            return None
        if word.startswith("-") and "c" in word[1:] and not word.startswith("--"):
            return argv[i + 1] if i + 1 < len(argv) else None
    return None


def _bare_shell(words: Sequence[str]) -> bool:
    """A shell that reads its script from stdin (``bash``, ``sh -e``), not from -c or a file."""
    if program(words) not in SHELLS or shell_script(words) is not None:
        return False
    return all(w.startswith(("-", "+")) for w in words[1:])


def _errexit(argv: Sequence[str]) -> bool:
    """Whether a shell's options set errexit (``-e``, ``-ec``, ``-o errexit``)."""
    for i, word in enumerate(argv[1:], start=1):
        if re.fullmatch(r"-[a-zA-Z]*e[a-zA-Z]*", word) or (
            word == "-o" and argv[i + 1 : i + 2] == ["errexit"]
        ):
            return True
    return False


def is_posix_shell(shell: Sequence[str]) -> bool:
    """Whether a SHELL argv runs a POSIX shell (``/bin/sh -c``, ``bash -o pipefail -c``)."""
    return bool(shell) and _shell_name(shell[0]) in SHELLS


def is_windows_shell(shell: Sequence[str]) -> bool:
    """Whether a SHELL argv runs a Windows shell (``cmd``, ``powershell``, ``pwsh``)."""
    return bool(shell) and _shell_name(shell[0]) in WINDOWS_SHELLS


def _shell_name(path: str) -> str:
    return posixpath.basename(path.replace("\\", "/")).lower().removesuffix(".exe")


def is_windows(image: ImageRef | None, platform: str | None = None) -> bool:
    """Whether a stage builds a Windows image: by its ``--platform``, the repository of its
    base image or the tag (``…-windowsservercore``, ``ltsc2022``, ``nanoserver``)."""
    if platform and platform.lower().startswith("windows"):
        return True
    if image is None:
        return False
    if image.hub_name.startswith(WINDOWS_REPOSITORIES):
        return True
    return WINDOWS_TAG.search((image.tag or "").lower()) is not None


# -- what a stage is for ------------------------------------------------------------------------
def stage_commands(stage: Stage) -> Iterator[Words]:
    """The words of every command the stage's RUNs execute (read ones only), in order."""
    for inst, state in stage.steps("RUN"):
        yield from run_commands(inst, state).words()


def first_command(stage: Stage, table: CommandTable) -> Words | None:
    """The first command of the stage that is one of ``table``'s."""
    return next((c for c in stage_commands(stage) if matches(c, table)), None)


def stage_role(stage: Stage, is_final: bool) -> tuple[str | None, str]:
    """A role for the stage (``runtime``, ``builder``, ``test``, ``deps``) and why, or
    (None, '') when its commands say nothing."""
    if is_final:
        return "runtime", "it is the final stage, the image that runs"
    commands = list(stage_commands(stage))
    builds = [c for c in commands if matches(c, BUILD_COMMANDS)]
    tests = [c for c in commands if matches(c, TEST_COMMANDS)]
    deps = [c for c in commands if matches(c, DEPS_COMMANDS)]
    if builds:
        return "builder", f"it compiles (`{' '.join(builds[0])}`)"
    if tests:
        return "test", f"it runs tests (`{' '.join(tests[0])}`)"
    others = [c for c in commands if c not in deps and program(c) not in HELPER_COMMANDS]
    if deps and not others:
        return "deps", f"it only installs dependencies (`{' '.join(deps[0])}`)"
    return None, ""


# -- where words are in an instruction ----------------------------------------------------------
def word_spans(args: str, escape: str) -> list[tuple[int, int]]:
    """Where each word of an instruction's raw ``args`` is (continuations and comments skipped)."""
    regex = continuation_regex(escape)
    spans: list[tuple[int, int]] = []
    pos = 0
    for i, line in enumerate(split_lines(args)):
        start, pos = pos, pos + len(line)
        body = line.rstrip("\r\n")
        if i and (not body.strip() or body.lstrip(" \t").startswith("#")):
            continue
        match = regex.search(body)
        if match:
            body = body[: match.start()] + (match.group(1) or "")
        spans.extend((start + m.start(), start + m.end()) for m in re.finditer(r"[^ \t\r]+", body))
    return spans


def option(words: Sequence[str], *names: str, attached: bool = False) -> str | None:
    """The value of the last of ``names`` given in ``words``: ``-o X``, ``--output=X`` (``=``
    only after a long name) and, with ``attached``, ``-oX`` after a one-letter name."""
    found = None
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                found = words[i + 1]
            elif name.startswith("--") and word.startswith(name + "="):
                found = word[len(name) + 1 :]
            elif attached and len(name) == 2 and word.startswith(name) and len(word) > 2:
                found = word[2:]
    return found


def under(path: str, root: str) -> bool:
    """Whether the image path ``path`` is ``root`` or inside it."""
    return path == root or path.startswith(root.rstrip("/") + "/")
