"""tree-sitter-bash: the parser, the grammar's node types, and reading words from nodes.

tree-sitter works in UTF-8 byte offsets; :class:`Source` maps them back to character offsets
of the analysed text (cheaply: only multi-byte characters are recorded) and reads a word node
the way the shell does after quote removal, keeping expansions as written.

The packages are optional: without them :data:`BACKEND` is ``"fallback"`` and
:func:`parse` returns None, so every script goes to the fallback reader (:mod:`.scanner`).
One parser per thread (a ``tree_sitter.Parser`` is not thread-safe), one language per process.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from functools import lru_cache
from typing import TYPE_CHECKING

from refactor.analysis.shell.quoting import ansi_c, unquote, unquote_dq

try:  # pragma: no cover - exercised only when the dependency is missing
    import tree_sitter
    import tree_sitter_bash
except ImportError:  # pragma: no cover
    HAVE_TREE_SITTER = False
else:
    HAVE_TREE_SITTER = True

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = [
    "BACKEND",
    "EXPANSIONS",
    "PLAIN_WORDS",
    "REDIRECTS",
    "SIMPLE",
    "STATEMENTS",
    "SUBSTITUTIONS",
    "Source",
    "parse",
]

#: Which parser reads scripts: "tree-sitter-bash", or "fallback" (splitter only) when the
#: tree-sitter packages are not installed.
BACKEND = "tree-sitter-bash" if HAVE_TREE_SITTER else "fallback"

_tls = threading.local()


def _parser() -> tree_sitter.Parser:
    p: tree_sitter.Parser | None = getattr(_tls, "parser", None)
    if p is None:
        p = tree_sitter.Parser(_language())
        _tls.parser = p
    return p


@lru_cache(maxsize=1)
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_bash.language())


def parse(src: Source) -> Node | None:
    """The root node of ``src`` read by tree-sitter-bash (None without tree-sitter)."""
    if not HAVE_TREE_SITTER:
        return None
    return _parser().parse(src.b).root_node


EXPANSIONS = frozenset(
    [
        "simple_expansion",
        "expansion",
        "command_substitution",
        "arithmetic_expansion",
        "process_substitution",
    ]
)
PLAIN_WORDS = frozenset(
    [
        "word",
        "number",
        "extglob_pattern",
        "regex",
        "test_operator",
        "variable_name",
        "special_variable_name",
        "file_descriptor",
    ]
)
REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
STATEMENTS = frozenset(
    [
        "command",
        "declaration_command",
        "unset_command",
        "variable_assignment",
        "variable_assignments",
        "redirected_statement",
        "list",
        "pipeline",
        "subshell",
        "compound_statement",
        "if_statement",
        "while_statement",
        "for_statement",
        "c_style_for_statement",
        "case_statement",
        "function_definition",
        "negated_command",
        "test_command",
    ]
)
SIMPLE = frozenset(
    [
        "command",
        "declaration_command",
        "unset_command",
        "test_command",
        "variable_assignment",
        "variable_assignments",
    ]
)


class Source:
    """A text read by tree-sitter, with byte -> character offsets; ``base`` is the text's
    offset in the whole script (a fallback piece is parsed on its own)."""

    __slots__ = ("b", "base", "cum", "marks", "s")

    def __init__(self, s: str, base: int = 0) -> None:
        self.s = s
        self.base = base
        self.b = s.encode("utf-8", "surrogatepass")
        if len(self.b) == len(s):
            self.marks: list[int] | None = None
            self.cum: list[int] = []
        else:  # byte offsets of the ends of multi-byte characters, with cumulative extra bytes
            marks: list[int] = []
            cum: list[int] = []
            bpos = 0
            extra = 0
            for ch in s:
                o = ord(ch)
                n = 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
                bpos += n
                if n > 1:
                    extra += n - 1
                    marks.append(bpos)
                    cum.append(extra)
            self.marks = marks
            self.cum = cum

    def pos(self, byte: int) -> int:
        if self.marks is None:
            return byte
        k = bisect_right(self.marks, byte)
        return byte - (self.cum[k - 1] if k else 0)

    def text(self, start_byte: int, end_byte: int) -> str:
        if self.marks is None:
            return self.s[start_byte:end_byte]
        return self.s[self.pos(start_byte) : self.pos(end_byte)]

    def node(self, n: Node) -> str:
        return self.text(n.start_byte, n.end_byte)

    def span(self, start_byte: int, end_byte: int) -> tuple[int, str]:
        """(offset in the whole script, text) of a byte range."""
        a = self.pos(start_byte)
        return self.base + a, self.s[a : self.pos(end_byte)]

    def word(self, node: Node) -> str:
        t = node.type
        if t in PLAIN_WORDS:
            return unquote(self.node(node))
        if t == "raw_string":
            s = self.node(node)
            return s[1:-1] if len(s) >= 2 and s.endswith("'") else s[1:]
        if t == "string":
            return self._dq(node)
        if t in EXPANSIONS:
            return self.node(node)
        if t == "ansi_c_string":
            return ansi_c(self.node(node))
        if t == "translated_string":
            for c in node.children:
                if c.type == "string":
                    return self._dq(c)
            return self.node(node)[1:]
        if t == "command_name" and node.child_count == 1:
            return self.word(node.children[0])
        if node.child_count == 0:
            return unquote(self.node(node))
        # concatenation and anything else: glue the parts, text between them unquoted
        out = []
        pos = node.start_byte
        for c in node.children:
            if c.start_byte > pos:
                out.append(unquote(self.text(pos, c.start_byte)))
            out.append(self.word(c) if c.is_named else unquote(self.node(c)))
            pos = max(pos, c.end_byte)
        if pos < node.end_byte:
            out.append(unquote(self.text(pos, node.end_byte)))
        return "".join(out)

    def _dq(self, node: Node) -> str:
        s, e = node.start_byte, node.end_byte
        children = node.children
        end = e - 1 if children and children[-1].type == '"' and e - s >= 2 else e
        pos = s + 1
        out = []
        for c in children:
            if c.type in EXPANSIONS:
                out.append(unquote_dq(self.text(pos, c.start_byte)))
                out.append(self.node(c))
                pos = c.end_byte
        out.append(unquote_dq(self.text(pos, end)))
        return "".join(out)

    def assignment(self, node: Node) -> tuple[str, str]:
        name = ""
        value = ""
        for c in node.children:
            if not c.is_named:
                continue
            if not name and c.type in ("variable_name", "subscript"):
                name = self.node(c)
            else:
                value = self.word(c)
        return name, value
