"""Compare our tree with the official BuildKit parser (PyPI ``dockerfile``)."""

from __future__ import annotations

from typing import Any

from refactor.syntax.buildkit import ParsedLine, go_quote
from refactor.syntax.tree import Dockerfile, Instruction

_PAIRS = {"env", "label"}


def ours(tree: Dockerfile) -> list[tuple[Any, ...]]:
    """Our instruction list in the shape the official binding reports."""
    out = []
    for node, start, end in tree.lines():
        if not isinstance(node, Instruction):
            continue
        parsed = node.parsed
        cmd = parsed.keyword.text or None
        sub_cmd = None
        target = parsed
        if parsed.command == "onbuild" and parsed.values.sub is not None:
            target = parsed.values.sub
            sub_cmd = target.keyword.text
        items = target.values.items
        if target.command in _PAIRS and not target.values.json:
            items = tuple(v for i, v in enumerate(items) if i % 3 != 2)
        original = None if node.heredocs else node.logical
        out.append(
            (
                cmd,
                sub_cmd,
                target.values.json,
                original,
                start,
                end,
                node.flag_values,
                items,
                tuple((h.name, h.body) for h in node.heredocs),
            )
        )
    return out


def official(text: str) -> list[tuple[Any, ...]]:
    """The official parser's instruction list for ``text`` (raises on rejection)."""
    import dockerfile  # type: ignore[import-not-found]  # the PyPI binding ships no types

    out = []
    for c in dockerfile.parse_string(text):
        out.append(
            (
                c.cmd,
                c.sub_cmd,
                c.json,
                None if c.heredocs else c.original,
                c.start_line,
                c.end_line,
                tuple(c.flags),
                tuple(c.value),
                tuple((h.name, h.content) for h in c.heredocs),
            )
        )
    return out


def _dump_line(parsed: ParsedLine, flags: tuple[str, ...]) -> str:
    out = parsed.keyword.text.lower()
    if flags:
        out += " [" + " ".join(go_quote(f) for f in flags) + "]"
    values = parsed.values
    if values.sub is not None:
        out += " (" + _dump_line(values.sub, tuple(t.text for t in values.sub.flags)) + ")"
    for item in values.items:
        out += " " + go_quote(item)
    return out.strip()


def dump(tree: Dockerfile) -> str:
    """BuildKit's ``AST.Dump()`` (plus the final newline ``result`` files have)."""
    lines = []
    for node in tree.instructions:
        lines.append("(" + _dump_line(node.parsed, node.flag_values) + ")")
    return "\n".join(lines) + "\n"
