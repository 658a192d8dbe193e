"""Unified diffs (``a/path`` ``b/path``, 3 lines of context) with the explanations per hunk.

Lines split on LF only, as BuildKit does, so a CR stays part of its line (CRLF files diff as
CRLF, and the patch applies back byte for byte); a last line without a newline is followed by
``\\ No newline at end of file``. Hunks come from :class:`difflib.SequenceMatcher`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from refactor.engine.codemod import Explanation
from refactor.syntax.tree import split_lines

__all__ = ["CONTEXT_LINES", "FileDiff", "Hunk", "assign_explanations", "diff_text"]

CONTEXT_LINES = 3
NO_NEWLINE = "\\ No newline at end of file"


def _range(start: int, length: int) -> str:
    """A hunk range as diff prints it (``start`` is 0-based)."""
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


@dataclass(frozen=True)
class Hunk:
    """One hunk: its ranges (``old_start``/``new_start`` 0-based) and its diff lines."""

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: tuple[str, ...]

    @property
    def header(self) -> str:
        old = _range(self.old_start, self.old_len)
        new = _range(self.new_start, self.new_len)
        return f"@@ -{old} +{new} @@"

    def covers(self, line: int) -> bool:
        """Whether new-file line ``line`` (1-based) is shown in this hunk."""
        return self.new_start < line <= self.new_start + max(self.new_len, 1)


@dataclass(frozen=True)
class FileDiff:
    """The diff of one file; ``old`` is None for a file that does not exist yet."""

    path: str
    old: str | None
    hunks: tuple[Hunk, ...]

    @classmethod
    def of(cls, path: str, old: str | None, new: str, context: int = CONTEXT_LINES) -> FileDiff:
        a, b = split_lines(old or ""), split_lines(new)
        hunks = []
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for group in matcher.get_grouped_opcodes(context):
            lines: list[str] = []
            for tag, i1, i2, j1, j2 in group:
                if tag == "equal":
                    lines += _show(" ", a[i1:i2])
                    continue
                if tag in ("replace", "delete"):
                    lines += _show("-", a[i1:i2])
                if tag in ("replace", "insert"):
                    lines += _show("+", b[j1:j2])
            first, last = group[0], group[-1]
            hunks.append(
                Hunk(first[1], last[2] - first[1], first[3], last[4] - first[3], tuple(lines))
            )
        return cls(path, old, tuple(hunks))

    @property
    def header(self) -> tuple[str, str]:
        old = "/dev/null" if self.old is None else f"a/{self.path}"
        return old, f"b/{self.path}"


def _show(prefix: str, lines: Sequence[str]) -> list[str]:
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(prefix + line[:-1])
        else:
            out += [prefix + line, NO_NEWLINE]
    return out


def diff_text(diffs: Sequence[FileDiff]) -> str:
    """The unified diff of several files, one patch."""
    out: list[str] = []
    for diff in diffs:
        if not diff.hunks:
            continue
        old, new = diff.header
        out += [f"--- {old}", f"+++ {new}"]
        for hunk in diff.hunks:
            out.append(hunk.header)
            out.extend(hunk.lines)
    return "".join(line + "\n" for line in out)


def assign_explanations(
    hunks: Sequence[Hunk], explanations: Sequence[Explanation]
) -> list[list[Explanation]]:
    """The explanations to show before each hunk: by new-file line, the rest before the first."""
    groups: list[list[Explanation]] = [[] for _ in hunks]
    if not hunks:
        return groups
    for exp in explanations:
        index = next(
            (i for i, h in enumerate(hunks) if exp.line is not None and h.covers(exp.line)), 0
        )
        groups[index].append(exp)
    return groups
