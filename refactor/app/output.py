"""What the application says to its user on the terminal: the program's name and exit
statuses, the one-line error, the diff of a result with its explanations, the summary line.

Both adapters (:mod:`refactor.app.cli`, :mod:`refactor.app.bulk`) print through these, so the
bulk command's saved diffs are exactly what ``msb-migrate --dry-run`` prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from refactor.app.diffing import assign_explanations
from refactor.app.report import FileResult, summary

__all__ = [
    "EXIT_CHANGED",
    "EXIT_ERROR",
    "PROG",
    "Failure",
    "echo_diff",
    "error",
    "plural",
    "summary_line",
]

PROG = "msb-migrate"
EXIT_CHANGED = 1
EXIT_ERROR = 2


class Failure(Exception):
    """Stops the command with ``msb-migrate: error: <message>`` and exit status 2."""


def error(message: str) -> None:
    """``msb-migrate: error: <message>`` on standard error."""
    click.echo(f"{PROG}: error: {message}", err=True)


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

    lines: list[str] = []  # echoed at once: one echo per line costs more than the diff

    def out(text: str, **style: Any) -> None:
        lines.append(click.style(text, **style) if style else text)

    explanations = result.explanations
    for diff in result.diffs:
        if not diff.hunks:
            continue
        old, new = diff.header
        out(f"--- {old}", bold=True)
        out(f"+++ {new}", bold=True)
        for hunk, notes in zip(
            diff.hunks, assign_explanations(diff.hunks, explanations), strict=True
        ):
            for note in notes:
                out(f"# {note}", fg="yellow")
            out(hunk.header, fg="cyan")
            for line in hunk.lines:
                out(line, **_LINE_STYLES.get(line[:1], {}))
        explanations = []
    if verbose:
        if not result.changed and result.error is None:
            out(f"# {result.path}: unchanged", dim=True)
        for skip in result.skips:
            out(f"# {skip}", fg="magenta")
    if lines:
        click.echo("\n".join(lines), color=color)


def summary_line(results: Sequence[FileResult], verb: str) -> str:
    """``2 files would change, 1 unchanged, 0 errors``."""
    counts = summary(results)
    return (
        f"{plural(counts['changed'], 'file')} {verb}, {counts['unchanged']} unchanged, "
        f"{plural(counts['errors'], 'error')}"
    )
