"""What the application says to its user on the terminal: the program's name and exit
statuses, the one-line error, the diff of a result with its explanations, the summary line.

Both adapters (:mod:`refactor.app.cli`, :mod:`refactor.app.bulk`) print through these, so the
bulk command's saved diffs are exactly what ``msb-migrate --dry-run`` prints.

Names. Every line the tool says on standard error goes through :func:`say` (or :func:`error`),
which escapes control characters and the bytes of names that are not UTF-8 with
:func:`~refactor.app.diffing.escape_name`, the escaping of the diff headers
(:func:`~refactor.app.diffing.quote_path`): a newline in a file name never splits a message,
whichever layer built it. The ``#`` notes of a diff are escaped the same way.

Standard output. What goes there (diffs, reports, the result of ``-``) is written by
:func:`out`/:func:`out_bytes`, which turn a write error into :class:`OutputError`;
:func:`output_failed` ends the run for it: standard output closed early (``EPIPE``,
``msb-migrate | head``) ends it the way ``cat`` and ``git`` end, killed by ``SIGPIPE`` (status
141 in a shell) and silent; any other error (``ENOSPC``: ``> /dev/full``, ``EIO``) is one error
line and exit status 2. Neither is ever 1 ("would change"). Standard output is pointed at
``/dev/null`` first, so that the interpreter's last flush cannot fail again.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from refactor.app.diffing import assign_explanations, escape_name
from refactor.app.report import FileResult, summary
from refactor.errors import MsbError

__all__ = [
    "EXIT_CHANGED",
    "EXIT_ERROR",
    "PROG",
    "Failure",
    "OutputError",
    "echo_diff",
    "error",
    "one_line",
    "out",
    "out_bytes",
    "output_failed",
    "plural",
    "say",
    "styled_diff",
    "summary_line",
]

PROG = "msb-migrate"
EXIT_CHANGED = 1
EXIT_ERROR = 2


class Failure(Exception):
    """Stops the command with ``msb-migrate: error: <message>`` and exit status 2."""


class OutputError(MsbError):
    """Standard output could not be written (closed early, a full disk)."""

    def __init__(self, exc: OSError) -> None:
        self.errno = exc.errno
        super().__init__(f"cannot write to standard output: {exc.strerror or exc}")


def one_line(text: str) -> str:
    """``text`` with its line breaks, other control characters and the bytes of names that are
    not UTF-8 escaped (:func:`~refactor.app.diffing.escape_name`): one line."""
    return escape_name(text)


def say(message: str) -> None:
    """One line on standard error (escaped: :func:`one_line`)."""
    click.echo(one_line(message), err=True)


def error(message: str) -> None:
    """``msb-migrate: error: <message>`` on standard error, always one line."""
    say(f"{PROG}: error: {message}")


def out(text: str, *, color: bool | None = None) -> None:
    """``text`` and a newline on standard output; :class:`OutputError` when it cannot be
    written."""
    try:
        click.echo(text, color=color)
    except OSError as exc:
        raise OutputError(exc) from None


def out_bytes(data: bytes) -> None:
    """``data`` as it is on standard output; :class:`OutputError` when it cannot be written."""
    try:
        stdout = sys.stdout.buffer
        stdout.write(data)
        stdout.flush()
    except OSError as exc:
        raise OutputError(exc) from None


def output_failed(exc: OutputError) -> NoReturn:
    """End the run after a write error on standard output: killed by ``SIGPIPE`` when it was
    closed early, else one error line and exit status 2."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())  # the interpreter's last flush goes nowhere
        os.close(null)
        real = True
    except (OSError, ValueError):  # not a file descriptor (a test's capture)
        real = False
    if real and exc.errno == errno.EPIPE and hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    error(str(exc))
    sys.exit(EXIT_ERROR)


def plural(n: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


_LINE_STYLES: dict[str, dict[str, Any]] = {
    "-": {"fg": "red"},
    "+": {"fg": "green"},
    "\\": {"dim": True},
}


def echo_diff(result: FileResult, verbose: bool, color: bool | None) -> None:
    """Print a result's diffs, each hunk with its explanations (and skips with verbose)."""
    lines = styled_diff(result, verbose)
    if lines:
        out("\n".join(lines), color=color)  # at once: one echo per line costs more


def styled_diff(result: FileResult, verbose: bool) -> list[str]:
    """The lines :func:`echo_diff` prints, styled (``click.unstyle`` takes the colours off)."""

    lines: list[str] = []

    def add(text: str, **style: Any) -> None:
        lines.append(click.style(text, **style) if style else text)

    def note(text: str, **style: Any) -> None:
        add(f"# {one_line(text)}", **style)

    explanations = result.explanations
    for diff in result.diffs:
        if not diff.hunks:
            continue
        old, new = diff.header
        add(f"--- {old}", bold=True)
        add(f"+++ {new}", bold=True)
        for hunk, notes in zip(
            diff.hunks, assign_explanations(diff.hunks, explanations), strict=True
        ):
            for text in notes:
                note(str(text), fg="yellow")
            add(hunk.header, fg="cyan")
            for line in hunk.lines:
                add(line, **_LINE_STYLES.get(line[:1], {}))
        explanations = []
    if verbose:
        if not result.changed and result.error is None:
            note(f"{result.path}: unchanged", dim=True)
        for skip in result.skips:
            note(str(skip), fg="magenta")
    return lines


def summary_line(results: Sequence[FileResult], verb: str) -> str:
    """``2 files would change, 1 unchanged, 0 errors``."""
    counts = summary(results)
    return (
        f"{plural(counts['changed'], 'file')} {verb}, {counts['unchanged']} unchanged, "
        f"{plural(counts['errors'], 'error')}"
    )
