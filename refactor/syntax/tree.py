"""The lossless Dockerfile syntax tree.

A :class:`Dockerfile` is a tuple of nodes, one per top-level construct: parser
:class:`Directive` lines, :class:`Comment` lines, :class:`Blank` lines and
:class:`Instruction` s. Each node owns an exact slice of the source, so
``Dockerfile.code`` is the original text byte for byte (BOM, CRLF, trailing spaces, comments
inside continuations, heredoc bodies, a missing final newline).

Nodes are immutable and compare by identity, as libcst's do: ``a == b`` is ``a is b``, and a
node hashes by identity, so nodes key dictionaries and sets the way the edits find them
(:meth:`Dockerfile.replace` and friends splice by identity). Two nodes written alike are still
two nodes; :func:`deep_equals` compares structure where structure is meant (tests, "did this
edit change anything"). The value parts of a node (:class:`Flag`, :class:`Heredoc`,
:class:`Style`) are plain values and compare by value.

Change nodes the libcst way, with :meth:`Node.with_changes`, which
returns a new node; only the pieces you change are re-rendered, so an edited instruction keeps
everything else it had (continuations, comments, spacing). :meth:`Instruction.create` makes a
new instruction in a file's :class:`Style` (keyword case, line ending, continuation indent).

What an instruction *means* (its logical keyword, flag values, arguments, JSON exec form,
heredocs) is read from its text with BuildKit's rules (:mod:`refactor.syntax.buildkit`). Making
nodes from text is the parser's (:func:`refactor.syntax.parser.parse_instruction`, and
:func:`~refactor.syntax.parser.onbuild_instruction` for the instruction ONBUILD wraps): the tree
does not import the parser, which builds trees.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Self, TypeVar, cast, overload

from refactor.caching import cached
from refactor.syntax import buildkit
from refactor.syntax.buildkit import ParsedLine, Values, continuation_regex

T = TypeVar("T")
D = TypeVar("D")
_MISSING: Final = object()

__all__ = [
    "Blank",
    "Comment",
    "Directive",
    "Dockerfile",
    "Flag",
    "Heredoc",
    "Instruction",
    "Node",
    "Style",
    "deep_equals",
]


@dataclass(frozen=True, eq=False)
class Node:
    """Base of all nodes: immutable, printable, changeable with :meth:`with_changes`; equal
    only to itself (see :func:`deep_equals`)."""

    @property
    def code(self) -> str:
        raise NotImplementedError

    def with_changes(self, **changes: Any) -> Self:
        """A copy of this node with the given fields replaced."""
        return dataclasses.replace(self, **changes)

    @cached
    def line_count(self) -> int:
        """How many lines the node's text starts (0 for no text)."""
        code = self.code
        return code.count("\n") + (0 if not code or code.endswith("\n") else 1)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without what is cached (readings, line numbers, the build model)."""
        return {f.name: self.__dict__[f.name] for f in dataclasses.fields(self)}


@dataclass(frozen=True, eq=False)
class Blank(Node):
    """An empty or white-space-only line."""

    text: str = ""
    eol: str = "\n"

    @property
    def code(self) -> str:
        return self.text + self.eol


@dataclass(frozen=True, eq=False)
class Comment(Node):
    """A comment line, as written (indentation included)."""

    text: str
    eol: str = "\n"

    @property
    def code(self) -> str:
        return self.text + self.eol

    @property
    def body(self) -> str:
        """The comment's words, without the ``#`` and surrounding spaces."""
        return self.text.strip().removeprefix("#").strip()


@dataclass(frozen=True, eq=False)
class Directive(Node):
    """A parser directive line such as ``# syntax=docker/dockerfile:1``."""

    name: str
    value: str
    text: str
    eol: str = "\n"

    @property
    def code(self) -> str:
        return self.text + self.eol


@dataclass(frozen=True)
class Flag:
    """A flag of an instruction, ``--mount=type=cache,target=/root/.cache``.

    ``prefix`` is the raw text between the previous token and the flag (a space, or a
    continuation with comments); ``text`` is the flag as written.
    """

    text: str
    prefix: str = " "
    escape: str = field(default="\\", compare=False)

    @cached
    def value_text(self) -> str:
        """The flag as BuildKit reads it (quotes removed), e.g. ``--from=build``."""
        flags, _ = buildkit.extract_flags(_join(self.text, self.escape)[0], 0, self.escape)
        return flags[0].text if flags else ""

    @property
    def name(self) -> str:
        """``mount`` for ``--mount=…``; ``link`` for ``--link``."""
        return self.value_text[2:].split("=", 1)[0].lower()

    @property
    def value(self) -> str | None:
        """The value after ``=``, or None for a bare flag."""
        parts = self.value_text.split("=", 1)
        return parts[1] if len(parts) == 2 else None

    def with_prefix(self, prefix: str) -> Flag:
        return dataclasses.replace(self, prefix=prefix)

    @classmethod
    def make(cls, name: str, value: str | None = None) -> Flag:
        """A new flag ``--name=value`` (or ``--name``)."""
        return cls(f"--{name}" if value is None else f"--{name}={value}")


@dataclass(frozen=True)
class Heredoc:
    """A heredoc attached to RUN, COPY or ADD: its body lines and terminator line."""

    name: str
    body: str
    terminator: str
    chomp: bool = False
    expand: bool = True
    fd: int = 0

    @property
    def code(self) -> str:
        return self.body + self.terminator

    def with_terminator(self, terminator: str) -> Heredoc:
        return dataclasses.replace(self, terminator=terminator)

    @property
    def content(self) -> str:
        """The body as BuildKit gives it to the build (leading tabs removed for ``<<-``)."""
        if not self.chomp:
            return self.body
        return "".join(line.lstrip("\t") for line in split_lines(self.body))


@dataclass(frozen=True)
class Style:
    """How a file writes its instructions, so new lines look like their neighbours."""

    upper: bool = True
    eol: str = "\n"
    indent: str = "    "
    escape: str = "\\"

    def keyword(self, word: str) -> str:
        return word.upper() if self.upper else word.lower()

    @property
    def continuation(self) -> str:
        """Text that ends a line and starts an indented continuation line."""
        return f" {self.escape}{self.eol}{self.indent}"


@dataclass(frozen=True, eq=False)
class Instruction(Node):
    """One instruction with everything it spans: continuations, embedded comments, heredocs.

    The raw pieces, in order, are ``leading`` (white space before the keyword), ``keyword``,
    each flag's ``prefix`` and ``text``, ``args_prefix``, ``args`` (to the end of the last
    line, without its line ending), ``eol`` and the heredocs.
    """

    keyword: str
    args: str = ""
    flags: tuple[Flag, ...] = ()
    heredocs: tuple[Heredoc, ...] = ()
    leading: str = ""
    args_prefix: str = " "
    eol: str = "\n"
    escape: str = field(default="\\", compare=False)

    @cached
    def code(self) -> str:
        if not self.flags and not self.heredocs:
            return self.leading + self.keyword + self.args_prefix + self.args + self.eol
        parts = [self.leading, self.keyword]
        for flag in self.flags:
            parts.append(flag.prefix)
            parts.append(flag.text)
        parts.append(self.args_prefix)
        parts.append(self.args)
        parts.append(self.eol)
        for doc in self.heredocs:
            parts.append(doc.code)
        return "".join(parts)

    # -- meaning ------------------------------------------------------------------------
    @cached
    def logical(self) -> str:
        """The instruction's logical line: continuations joined, embedded comments dropped."""
        head = self.code
        if self.heredocs:
            head = head[: len(head) - sum(len(d.code) for d in self.heredocs)]
        return _join(head, self.escape)[0]

    @cached
    def parsed(self) -> ParsedLine:
        """BuildKit's reading of the logical line (raises on what BuildKit rejects)."""
        return buildkit.parse_line(self.logical, self.escape)

    @cached
    def directive(self) -> str:
        """The keyword in upper case (``RUN``), whatever case the file uses."""
        if self.keyword.isalpha():  # as written is as read (no continuation inside it)
            return self.keyword.upper()
        return self.parsed.keyword.text.upper()

    @property
    def flag_values(self) -> tuple[str, ...]:
        """The flags as BuildKit reports them (``--from=build``)."""
        return tuple(t.text for t in self.parsed.flags if t.text != "--")

    def flag(self, name: str) -> str | None:
        """The value of the last ``--name`` flag ('' for a bare flag), or None."""
        found = None
        for flag in self.flags:
            if flag.text != "--" and flag.name == name.lower():
                found = flag.value if flag.value is not None else ""
        return found

    def flags_named(self, name: str) -> list[str]:
        """Every value of a repeatable flag such as ``--mount``."""
        return [f.value or "" for f in self.flags if f.text != "--" and f.name == name.lower()]

    @property
    def value(self) -> str:
        """The arguments after the flags as one string (BuildKit's ``args``)."""
        return self.parsed.args

    @property
    def values(self) -> Values:
        """BuildKit's parsed arguments (JSON form, word lists, key/value triples)."""
        return self.parsed.values

    @property
    def is_json(self) -> bool:
        """Whether the arguments are in exec (JSON array) form."""
        return self.parsed.values.json

    @property
    def exec_args(self) -> list[str] | None:
        """The JSON array of an exec-form instruction, else None."""
        if not self.is_json:
            return None
        items = self.parsed.values.items
        # HEALTHCHECK's first item is its type (CMD); the array follows it.
        return list(items[1:] if self.parsed.command == "healthcheck" else items)

    @classmethod
    def create(
        cls,
        directive: str,
        args: str,
        *,
        flags: Sequence[str] = (),
        style: Style | None = None,
        heredocs: Sequence[Heredoc] = (),
    ) -> Instruction:
        """A new instruction rendered in ``style`` (the file's keyword case and line ending)."""
        style = style or Style()
        return cls(
            keyword=style.keyword(directive),
            args=args,
            flags=tuple(Flag(text, " ", style.escape) for text in flags),
            heredocs=tuple(heredocs),
            args_prefix=" " if args else "",
            eol=style.eol,
            escape=style.escape,
        )

    def with_flag(self, text: str, *, first: bool = False) -> Instruction:
        """A copy with the flag ``text`` added after the existing flags (or before them)."""
        new = Flag(text, " ", self.escape)
        flags = (new, *self.flags) if first else (*self.flags, new)
        return self.with_changes(flags=flags)

    def without_flags(self, name: str) -> Instruction:
        """A copy with every ``--name`` flag removed."""
        kept = tuple(f for f in self.flags if f.text == "--" or f.name != name.lower())
        if kept and self.flags and kept[0] is not self.flags[0]:
            kept = (kept[0].with_prefix(self.flags[0].prefix), *kept[1:])
        return self.with_changes(flags=kept)

    def with_args(self, args: str) -> Instruction:
        """A copy with new arguments (the flags, keyword and line ending are kept)."""
        return self.with_changes(args=args, args_prefix=self.args_prefix or " ")

    @cached
    def _style_votes(self) -> tuple[int, tuple[str, ...]]:
        """What this instruction says of the file's style: keyword case (1 upper, -1 lower,
        0 neither) and the indents of its continuation lines."""
        word = self.keyword
        case = 1 if word.isupper() else -1 if word.islower() else 0
        code = self.code
        # only continuation lines teach the indent (one-line instructions have none)
        if self.heredocs or code.find("\n") in (-1, len(code) - 1):
            return case, ()
        indents = []
        for line in code.split("\n")[1:]:
            stripped = line.lstrip(" \t")
            if stripped and stripped != line:
                indents.append(line[: len(line) - len(stripped)])
        return case, tuple(indents)

    @property
    def start_offset_lines(self) -> int:
        """How many physical lines the instruction spans, heredocs included."""
        code = self.code
        return code.count("\n") + (0 if code.endswith("\n") else 1)


def _join(text: str, escape: str) -> tuple[str, list[tuple[int, int, int]]]:
    """Join an instruction's physical lines the way BuildKit does.

    Returns the logical line and its segments ``(logical_start, raw_start, length)``, which
    map positions of the logical line back into ``text``.
    """
    regex = continuation_regex(escape)
    pieces: list[str] = []
    segments: list[tuple[int, int, int]] = []
    logical_len = 0
    raw = 0
    first = True
    for line in split_lines(text):
        body = line.rstrip("\r\n")
        start = raw
        raw += len(line)
        if first:
            stripped = buildkit.go_ltrim_space(body)
            start += len(body) - len(stripped)
            body = stripped
            first = False
        else:
            lstripped = buildkit.go_ltrim_space(body)
            if lstripped.startswith("#") or not lstripped:
                continue
        match = regex.search(body)
        if match:
            body = body[: match.start()] + (match.group(1) or "")
        if body:
            pieces.append(body)
            segments.append((logical_len, start, len(body)))
            logical_len += len(body)
        if not match:
            break
    return "".join(pieces), segments


def split_lines(text: str) -> list[str]:
    """Split on LF only, keeping line endings (a lone CR is not a line break for BuildKit)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def deep_equals(a: object, b: object) -> bool:
    """Whether ``a`` and ``b`` are alike in structure: nodes of the same type whose compared
    fields (a file's ``path`` and the escape an instruction was read with are not compared)
    are alike, recursively through tuples; anything else by ``==``."""
    if a is b:
        return True
    if isinstance(a, Node):
        if type(a) is not type(b):
            return False
        return all(
            deep_equals(getattr(a, f.name), getattr(b, f.name))
            for f in dataclasses.fields(a)
            if f.compare
        )
    if isinstance(a, tuple):
        return (
            isinstance(b, tuple)
            and len(a) == len(b)
            and all(deep_equals(x, y) for x, y in zip(a, b, strict=True))
        )
    return a == b


@dataclass(frozen=True, eq=False)
class Dockerfile(Node):
    """A whole Dockerfile: its nodes, BOM and escape token."""

    nodes: tuple[Node, ...] = ()
    bom: bool = False
    escape: str = "\\"
    path: str | None = field(default=None, compare=False)

    @cached
    def code(self) -> str:
        return ("\ufeff" if self.bom else "") + "".join([node.code for node in self.nodes])

    @property
    def instructions(self) -> list[Instruction]:
        return list(self._instructions)

    @cached
    def _instructions(self) -> tuple[Instruction, ...]:
        return tuple(n for n in self.nodes if isinstance(n, Instruction))

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per tree: what is derived from an immutable tree (its build model)
        is shared by every codemod that reads the same tree."""
        cache: dict[str, Any] = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cast(T, cache[key])

    @property
    def directives(self) -> dict[str, str]:
        return {n.name: n.value for n in self.nodes if isinstance(n, Directive)}

    def lines(self) -> Iterator[tuple[Node, int, int]]:
        """Each node with its first and last line number (1-based)."""
        line = 1
        for node in self.nodes:
            count = node.line_count
            yield node, line, line + max(count, 1) - 1
            line += count

    @cached
    def line_numbers(self) -> Mapping[Node, int]:
        """The first line of each node, keyed on the node itself (nodes hash by identity;
        read-only)."""
        numbers: dict[Node, int] = {}
        line = 1
        for node in self.nodes:
            numbers[node] = line
            line += node.line_count
        return MappingProxyType(numbers)

    @overload
    def line_of(self, target: Node) -> int: ...

    @overload
    def line_of(self, target: Node, default: D) -> int | D: ...

    def line_of(self, target: Node, default: object = _MISSING) -> object:
        """The first line of ``target`` (by identity); ``default`` if it is not one of this
        file's nodes (without a default: ValueError)."""
        line = self.line_numbers.get(target)
        if line is None:
            if default is _MISSING:
                raise ValueError("node is not part of this Dockerfile")
            return default
        return line

    @cached
    def style(self) -> Style:
        """The file's own style: keyword case, line ending, continuation indent, escape."""
        upper = lower = 0
        eols: Counter[str] = Counter()
        indents: Counter[str] = Counter()
        for node in self.nodes:
            if isinstance(node, Instruction):
                case, indent = node._style_votes
                upper += case > 0
                lower += case < 0
                if indent:
                    indents.update(indent)
            eol = getattr(node, "eol", None)
            if eol:
                eols[eol] += 1
        return Style(
            upper=upper >= lower,
            eol=eols.most_common(1)[0][0] if eols else "\n",
            indent=indents.most_common(1)[0][0] if indents else "    ",
            escape=self.escape,
        )

    def replace(self, old: Node, new: Node | Sequence[Node]) -> Dockerfile:
        """A copy with ``old`` (by identity) replaced by one or several nodes."""
        replacement = tuple(new) if isinstance(new, Sequence) else (new,)
        return self._splice(old, replacement, keep=False, before=True)

    def insert_before(self, anchor: Node, new: Sequence[Node]) -> Dockerfile:
        return self._splice(anchor, tuple(new), keep=True, before=True)

    def insert_after(self, anchor: Node, new: Sequence[Node]) -> Dockerfile:
        return self._splice(anchor, tuple(new), keep=True, before=False)

    def remove(self, old: Node) -> Dockerfile:
        return self._splice(old, (), keep=False, before=True)

    def _splice(
        self, anchor: Node, new: tuple[Node, ...], *, keep: bool, before: bool
    ) -> Dockerfile:
        for i, node in enumerate(self.nodes):
            if node is anchor:
                mid = ((*new, node) if before else (node, *new)) if keep else new
                return self.with_changes(nodes=(*self.nodes[:i], *mid, *self.nodes[i + 1 :]))
        raise ValueError("node is not part of this Dockerfile")

    def ensure_final_newline(self) -> Dockerfile:
        """A copy whose last node ends with a line ending (needed before appending)."""
        if not self.nodes:
            return self
        last = self.nodes[-1]
        eol = self.style.eol
        if isinstance(last, Instruction) and last.heredocs:
            doc = last.heredocs[-1]
            if not doc.terminator.endswith("\n"):
                docs = (*last.heredocs[:-1], doc.with_terminator(doc.terminator + eol))
                return self.replace(last, last.with_changes(heredocs=docs))
            return self
        if getattr(last, "eol", "\n") == "":
            return self.replace(last, last.with_changes(eol=eol))
        return self
