"""What a shell analysis reports: :class:`Command` (one simple command) and :class:`Script`.

Both are frozen values: a :class:`Script` is cached per (script, directory, relevant
environment) by :func:`refactor.analysis.shell.analyse` and shared by every caller.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Command", "Script"]


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command."""

    words: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...]
    cwd: str | None
    text: str
    opaque: bool = False
    #: offset of ``text`` in the analysed script (-1 when unknown)
    start: int = -1
    #: redirections as written, e.g. ``('2>&1', '> /dev/null', '<<EOF')``
    redirects: tuple[str, ...] = ()
    #: True for commands run by a command/process substitution ``$(...)``, `...`, ``<(...)``
    substitution: bool = False
    #: True when ``set -e`` (errexit) is in effect when this command runs
    errexit: bool = False

    @property
    def name(self) -> str:
        """Basename of the first word, e.g. ``/usr/bin/pip3`` -> ``pip3`` ('' if no words)."""
        if not self.words:
            return ""
        return self.words[0].rpartition("/")[2]

    @property
    def args(self) -> tuple[str, ...]:
        """The words after the command name."""
        return self.words[1:]

    def has_flag(self, *flags: str) -> bool:
        """True if an argument equals one of ``flags`` or starts with ``flag + '='``."""
        for w in self.words[1:]:
            for f in flags:
                if w == f or (w.startswith(f) and w[len(f) : len(f) + 1] == "="):
                    return True
        return False


@dataclass(frozen=True, slots=True)
class Script:
    """The result of :func:`analyse`."""

    commands: tuple[Command, ...]
    opaque: bool
    errexit: bool
    #: basename of the ``#!`` interpreter when the script starts with one, else None
    interpreter: str | None = None

    def find(self, name: str) -> list[Command]:
        """Commands whose :attr:`Command.name` equals ``name``."""
        return [c for c in self.commands if c.name == name]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.commands]
