"""Where a planned change sits in the file as it was read, and the edits that turn that file
into the migrated one.

A change's :attr:`~refactor.engine.codemod.Explanation.line` is a line of the migrated file
(the runner resolves it in the final tree). Annotations (``--format github``) and editor
diagnostics (:mod:`refactor.app.lsp`) point into the file as it is, so :class:`LineMap` maps a
migrated line back through the diff's opcodes (:func:`~refactor.app.diffing.opcodes`, the
ones the printed diff is made of): a kept line to itself, a line of a replaced block to the
whole block it replaces, an inserted line to the line it follows (the first line for an
insertion at the top). :meth:`LineMap.edits` gives the replaced blocks as character offsets
into the old text, each with its new text: applied in any order, they give the migrated text
exactly (lines split as BuildKit splits them, on LF only, so CR and every other byte stay as
they were).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

from refactor.app.diffing import Opcode, opcodes
from refactor.syntax.tree import split_lines

__all__ = ["Edit", "LineMap"]


@dataclass(frozen=True)
class Edit:
    """Replace the old text's characters ``[start, end)`` with ``text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class LineMap:
    """The diff of one file's text and its migrated text, line by line."""

    old: tuple[str, ...]
    new: tuple[str, ...]
    codes: tuple[Opcode, ...]

    @classmethod
    def of(cls, old: str, new: str) -> LineMap:
        a, b = split_lines(old), split_lines(new)
        return cls(tuple(a), tuple(b), tuple(opcodes(a, b)))

    def span(self, new_line: int | None) -> tuple[int, int] | None:
        """The old lines (1-based, first and last) that migrated line ``new_line`` (1-based)
        comes from; None for a change without a line."""
        if new_line is None:
            return None
        last = max(len(self.old), 1)
        j = new_line - 1
        for tag, i1, i2, j1, j2 in self.codes:
            if not j1 <= j < j2:
                continue
            if tag == "equal":
                line = i1 + (j - j1) + 1
                return line, line
            if i2 > i1:  # replace: the whole block
                return i1 + 1, i2
            line = min(max(i1, 1), last)  # insert: the line before (or the first)
            return line, line
        return last, last  # past the end (a change the runner placed after the last line)

    def line_start(self, line: int) -> int:
        """The character offset of old line ``line`` (1-based; one past the last: the end)."""
        return sum(len(text) for text in self.old[: line - 1])

    def edits(self) -> list[Edit]:
        """The changed blocks as edits of the old text, in order."""
        starts = [0, *accumulate(len(text) for text in self.old)]
        return [
            Edit(starts[i1], starts[i2], "".join(self.new[j1:j2]))
            for tag, i1, i2, j1, j2 in self.codes
            if tag != "equal"
        ]
