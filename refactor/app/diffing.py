"""Unified diffs (``a/path`` ``b/path``, 3 lines of context) with the explanations per hunk.

Lines split on LF only, as BuildKit does, so a CR stays part of its line (CRLF files diff as
CRLF, and the patch applies back byte for byte); a last line without a newline is followed by
``\\ No newline at end of file``. A path with a control character, ``"`` or ``\\`` is
C-quoted in the headers, as git quotes it.

Hunks come from :class:`difflib.SequenceMatcher` while both sides are under
:data:`FAST_FROM` lines, so the diff of every ordinary file is difflib's. difflib is quadratic
when thousands of changes are interleaved with thousands of lines (a comment before each of
10,000 stages took minutes), so larger files go through :func:`_large_opcodes`: a patience
diff (common prefix and suffix trimmed; lines that occur once on each side, in the longest
order both sides agree on, anchor the rest; each gap between anchors is diffed the same way)
with difflib only on the gaps that have no such line. A codemod changes few lines of a file
and every line it leaves is kept whole, so nearly every line is an anchor and the gaps are a
few lines each. A gap without anchors that is still large is matched by difflib with its
"popular line" heuristic (``autojunk``), which stays fast and still gives a diff that
applies; such a diff can be longer than the shortest one, never wrong. Hunks are grouped as
:meth:`difflib.SequenceMatcher.get_grouped_opcodes` groups them, for both paths.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from refactor.engine.codemod import Explanation
from refactor.syntax.tree import split_lines

__all__ = [
    "CONTEXT_LINES",
    "FileDiff",
    "Hunk",
    "assign_explanations",
    "diff_text",
    "escape_name",
    "quote_path",
]

CONTEXT_LINES = 3
NO_NEWLINE = "\\ No newline at end of file"
#: From this many lines on either side, the patience diff instead of difflib alone.
FAST_FROM = 2000
#: A gap without anchors above this many lines (the longer side) is matched with autojunk.
_EXACT_GAP = 400

#: ``(tag, i1, i2, j1, j2)`` as :meth:`difflib.SequenceMatcher.get_opcodes` returns them (and,
#: inside :func:`_large_opcodes` only, ``"range"``: a part still to diff).
Opcode = tuple[str, int, int, int, int]


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
        for group in _grouped(opcodes(a, b), context):
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
        old = "/dev/null" if self.old is None else quote_path(f"a/{self.path}")
        return old, quote_path(f"b/{self.path}")


_C_ESCAPES = {"\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r"}


def _escaped(char: str) -> str:
    """One character as git escapes it: ``\\n``, ``\\t``, … or its bytes in octal (a byte of a
    name that is not UTF-8 comes as a surrogate escape and goes back to that byte)."""
    if char in _C_ESCAPES:
        return "\\" + _C_ESCAPES[char]
    try:
        data = char.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no file name decodes to
        data = char.encode("utf-8", "surrogatepass")
    return "".join(f"\\{byte:03o}" for byte in data)


def escape_name(text: str) -> str:
    """``text`` with its control and other unprintable characters escaped as :func:`quote_path`
    escapes them, without the quotes: how a name (and any message holding one) is shown on a
    line, so a newline in a file name never splits it and a name that is not UTF-8 prints."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def quote_path(name: str) -> str:
    """A path as git writes it in a diff header: as it is, or C-quoted in double quotes when
    it holds a control character, a double quote or a backslash (so a newline in a file name
    never splits the header; ``git apply`` reads it back). A name that is not UTF-8 keeps its
    bytes (``\\376``), as git writes it."""
    if name.isprintable() and '"' not in name and "\\" not in name:
        return name
    out = []
    for char in name:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif not char.isprintable():
            out.append(_escaped(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """How to turn lines ``a`` into lines ``b``, as difflib's opcodes (see the module notes)."""
    if len(a) < FAST_FROM and len(b) < FAST_FROM:
        return list(difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())
    return _large_opcodes(a, b)


def _large_opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """The patience diff: an explicit stack of ranges (no recursion limit), each one trimmed,
    split at its anchors or handed to difflib; adjacent opcodes of a kind merged."""
    out: list[Opcode] = []
    stack: list[Opcode] = [("range", 0, len(a), 0, len(b))]
    while stack:
        item = stack.pop()
        if item[0] != "range":
            out.append(item)
            continue
        _, alo, ahi, blo, bhi = item
        head = 0
        while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
            head += 1
        tail = 0
        while (
            ahi - tail > alo + head
            and bhi - tail > blo + head
            and a[ahi - tail - 1] == b[bhi - tail - 1]
        ):
            tail += 1
        todo: list[Opcode] = []  # in order; pushed reversed
        if head:
            todo.append(("equal", alo, alo + head, blo, blo + head))
        mid = (alo + head, ahi - tail, blo + head, bhi - tail)
        todo += _split(a, b, *mid)
        if tail:
            todo.append(("equal", ahi - tail, ahi, bhi - tail, bhi))
        stack += reversed(todo)
    return _merged(out)


def _split(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[Opcode]:
    """A range with no common first or last line: its anchors with the ranges between them
    (to split again), or difflib's opcodes when it has no anchor."""
    if alo == ahi or blo == bhi:
        if alo == ahi and blo == bhi:
            return []
        return [("insert" if alo == ahi else "delete", alo, ahi, blo, bhi)]
    anchors = _anchors(a, b, alo, ahi, blo, bhi)
    if not anchors:
        exact = max(ahi - alo, bhi - blo) <= _EXACT_GAP
        matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=not exact)
        return [
            (t, i1 + alo, i2 + alo, j1 + blo, j2 + blo)
            for t, i1, i2, j1, j2 in matcher.get_opcodes()
        ]
    out: list[Opcode] = []
    i, j = alo, blo
    for ai, bj in anchors:
        out.append(("range", i, ai, j, bj))
        out.append(("equal", ai, ai + 1, bj, bj + 1))
        i, j = ai + 1, bj + 1
    out.append(("range", i, ahi, j, bhi))
    return out


def _anchors(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """The lines found once in ``a[alo:ahi]`` and once in ``b[blo:bhi]``: the longest run of
    them in the same order on both sides (patience sorting), as ``(i, j)`` pairs."""
    count: dict[str, int] = {}
    for line in a[alo:ahi]:
        count[line] = count.get(line, 0) + 1
    where: dict[str, int] = {}
    for j in range(blo, bhi):
        line = b[j]
        if count.get(line) == 1:
            where[line] = -1 if line in where else j
    pairs = [(i, where[a[i]]) for i in range(alo, ahi) if where.get(a[i], -1) >= 0]
    # Longest increasing subsequence of the ``j``s (pairs are in ``i`` order).
    tops: list[int] = []  # the smallest last ``j`` of an increasing run of each length
    ends: list[int] = []  # the pair index ending that run
    back: list[int] = []  # each pair's predecessor in its run
    for k, (_, j) in enumerate(pairs):
        length = bisect_left(tops, j)
        back.append(ends[length - 1] if length else -1)
        if length == len(tops):
            tops.append(j)
            ends.append(k)
        else:
            tops[length], ends[length] = j, k
    run: list[tuple[int, int]] = []
    k = ends[-1] if ends else -1
    while k >= 0:
        run.append(pairs[k])
        k = back[k]
    return run[::-1]


def _merged(codes: list[Opcode]) -> list[Opcode]:
    """Adjacent equal opcodes as one, and adjacent changes as one (``replace`` when it both
    removes and adds lines), so hunks read as difflib writes them."""
    out: list[Opcode] = []
    for code in codes:
        if code[1] == code[2] and code[3] == code[4]:
            continue
        if out and (out[-1][0] == "equal") == (code[0] == "equal"):
            _, i1, _, j1, _ = out[-1]
            i2, j2 = code[2], code[4]
            tag = "equal" if code[0] == "equal" else _change(i1, i2, j1, j2)
            out[-1] = (tag, i1, i2, j1, j2)
        else:
            out.append(code if code[0] == "equal" else (_change(*code[1:]), *code[1:]))
    return out


def _change(i1: int, i2: int, j1: int, j2: int) -> str:
    return "replace" if i1 < i2 and j1 < j2 else "delete" if i1 < i2 else "insert"


def _grouped(codes: list[Opcode], n: int) -> list[list[Opcode]]:
    """The opcodes in hunks with up to ``n`` lines of context: the grouping of
    :meth:`difflib.SequenceMatcher.get_grouped_opcodes`."""
    codes = list(codes) or [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    groups: list[list[Opcode]] = []
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > n + n:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


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
    starts = [h.new_start for h in hunks]  # ascending; hunks never overlap
    for exp in explanations:
        index = 0
        if exp.line is not None:  # the one hunk that can cover it: the last starting before
            last = bisect_right(starts, exp.line - 1) - 1
            index = last if last >= 0 and hunks[last].covers(exp.line) else 0
        if groups:
            groups[index].append(exp)
    return groups
