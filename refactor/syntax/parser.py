"""Text → lossless syntax tree, following BuildKit's line scanner exactly.

The scanner walks physical lines as ``parser.Parse`` in moby/buildkit does: parser directives
first, then comments and blank lines between instructions, continuation lines (with the
embedded comments and empty lines BuildKit skips), and heredoc bodies after the line that
opens them. Every byte lands in exactly one node, so printing the tree gives the input back.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from refactor.errors import DockerfileSyntaxError, InputError
from refactor.syntax import buildkit
from refactor.syntax.buildkit import (
    InstructionError,
    ParsedLine,
    continuation_regex,
    go_ltrim_space,
)
from refactor.syntax.lexer import GO_SPACE_CHARS
from refactor.syntax.tree import (
    Blank,
    Comment,
    Directive,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    Node,
    _join,
    split_lines,
)

__all__ = [
    "INSTRUCTIONS",
    "MAX_BYTES",
    "check_buildable",
    "decode",
    "onbuild_instruction",
    "parse",
    "parse_bytes",
    "parse_file",
    "parse_instruction",
]

#: Inputs above this size are refused (the largest real Dockerfiles are a few hundred KB).
MAX_BYTES = 32 * 1024 * 1024
#: BuildKit reads lines with a bufio.Scanner: a line of more bytes (without its LF) is an error.
MAX_LINE_BYTES = 65535

_DIRECTIVE = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$")
_VALID_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_GO_SPACE_SET = frozenset(GO_SPACE_CHARS)
# Instruction's fields but ``escape`` (keyword, args, flags, heredocs, leading, args_prefix,
# eol), by name; shared by every node read from the same text, never changed
_Fields = dict[str, Any]


def _utf16(data: bytes) -> bool:
    """UTF-16 text: a UTF-16 byte order mark, or ASCII with every other byte NUL."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:512]
    even, odd = head[0::2], head[1::2]
    return len(head) >= 4 and (
        (not odd.strip(b"\x00") and even.isascii() and b"\x00" not in even)
        or (not even.strip(b"\x00") and odd.isascii() and b"\x00" not in odd)
    )


def decode(data: bytes, path: str | None = None) -> str:
    """Decode a Dockerfile's bytes, refusing binary, UTF-16 and non-UTF-8 input with a clear
    error (BuildKit reads UTF-8 only)."""
    name = path or "<input>"
    if len(data) > MAX_BYTES:
        raise InputError(name, f"file is too large (over {MAX_BYTES} bytes)")
    if _utf16(data):
        raise InputError(name, "UTF-16 text: convert it to UTF-8 (BuildKit reads UTF-8 only)")
    if b"\x00" in data:
        raise InputError(name, "binary file (contains NUL bytes), not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            name, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line})", line
        ) from None


def parse_bytes(data: bytes, path: str | None = None) -> Dockerfile:
    """Parse raw bytes (decoded as UTF-8, BOM kept)."""
    return parse(decode(data, path), path)


def parse_file(path: str | os.PathLike[str]) -> Dockerfile:
    """Read and parse a Dockerfile. Nothing is ever written."""
    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except IsADirectoryError:
        raise InputError(name, "is a directory, not a Dockerfile") from None
    except OSError as exc:
        raise InputError(name, exc.strerror or str(exc)) from None
    return parse_bytes(data, name)


class _Directives:
    """BuildKit's DirectiveParser: directives only before anything else, each at most once."""

    def __init__(self) -> None:
        self.done = False
        self.seen: set[str] = set()

    def parse(self, line: str) -> tuple[str, str] | None:
        if self.done:
            return None
        if not line.startswith("#"):
            self.done = True
            return None
        match = _DIRECTIVE.match(go_ltrim_space(line[1:]))
        if not match:
            self.done = True
            return None
        name = match.group(1).lower()
        if name not in _VALID_DIRECTIVES:
            self.done = True
            return None
        if name in self.seen:
            raise InstructionError(f"only one {name} parser directive can be used")
        self.seen.add(name)
        return name, match.group(2)


def parse(text: str, path: str | None = None) -> Dockerfile:
    """Parse Dockerfile text into a lossless tree.

    Raises :class:`DockerfileSyntaxError` (with file and line) for what BuildKit rejects.
    """
    name = path or "<input>"
    bom = text.startswith("\ufeff")
    body = text[1:] if bom else text
    lines = split_lines(body)
    if len(text) * 4 > MAX_LINE_BYTES:  # at most 4 UTF-8 bytes a character
        _check_line_lengths(lines, bom, name)
    directives = _Directives()
    escape = "\\"
    regex = continuation_regex(escape)
    nodes: list[Node] = []
    i = 0
    n = len(lines)
    has_instruction = False
    while i < n:
        raw = lines[i]
        content = raw.rstrip("\r\n")
        eol = raw[len(content) :]
        stripped = content.lstrip(GO_SPACE_CHARS)
        try:
            found = None if directives.done else directives.parse(stripped)
        except InstructionError as exc:
            raise DockerfileSyntaxError(name, i + 1, str(exc)) from None
        if found is not None:
            if found[0] == "escape":
                if found[1] not in ("\\", "`"):
                    raise DockerfileSyntaxError(
                        name, i + 1, f"invalid escape token '{found[1]}' does not match ` or \\"
                    )
                escape = found[1]
                regex = continuation_regex(escape)
            nodes.append(Directive(found[0], found[1], content, eol))
            i += 1
            continue
        if stripped.startswith("#"):
            nodes.append(Comment(content, eol))
            i += 1
            continue
        if not stripped:
            nodes.append(Blank(content, eol))
            i += 1
            continue
        start = i
        # Gather the physical lines of the logical line.
        # The regex only matches a line ending with the escape token (and spaces, tabs).
        ended = not stripped.rstrip(" \t").endswith(escape) or regex.search(stripped) is None
        i += 1
        one_line = ended
        while not ended and i < n:
            line = lines[i].rstrip("\r\n")
            i += 1
            light = line.lstrip(GO_SPACE_CHARS)
            if light.startswith("#") or not light:
                continue
            ended = not line.rstrip(" \t").endswith(escape) or regex.search(line) is None
        head = raw if one_line else "".join(lines[start:i])
        try:
            node, i = _instruction(head, lines, i, escape, one_line=one_line)
        except InstructionError as exc:
            raise DockerfileSyntaxError(name, start + 1, str(exc)) from None
        except _Unterminated as exc:
            raise DockerfileSyntaxError(name, start + 1, str(exc)) from None
        has_instruction = True
        nodes.append(node)
    if not has_instruction:
        raise DockerfileSyntaxError(name, max(n, 1), "file with no instructions")
    return Dockerfile(tuple(nodes), bom, escape, path)


#: Every instruction BuildKit's dockerfile frontend knows (``instructions.ParseInstruction``).
INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
        "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
        "WORKDIR",
    }
)  # fmt: skip


def check_buildable(tree: Dockerfile) -> None:
    """Refuse what BuildKit's frontend rejects after parsing, which :func:`parse` (BuildKit's
    parser, that accepts any keyword) lets through — so a file that is not a Dockerfile
    (``hello world``, ``/etc/passwd``) is an error, never "unchanged":

    - the first instruction must be ``FROM`` or ``ARG`` ("no build stage in current context");
    - every keyword must be an instruction ("unknown instruction");
    - ``FROM`` takes one image, or an image, ``AS`` and a name ("FROM requires either one or
      three arguments": ``FROM python:3.11 # note`` has four, an inline ``#`` is no comment).
    """
    name = tree.path or "<input>"
    for index, inst in enumerate(tree.instructions):
        line = tree.line_of(inst)
        keyword = inst.directive
        if keyword not in INSTRUCTIONS:
            if index == 0:
                raise DockerfileSyntaxError(
                    name, line, f"not a Dockerfile (starts with '{_shown(inst)}', not FROM)"
                )
            raise DockerfileSyntaxError(name, line, f"unknown instruction: {keyword}")
        if index == 0 and keyword not in ("FROM", "ARG"):
            raise DockerfileSyntaxError(
                name, line, f"not a Dockerfile (its first instruction is {keyword}, not FROM)"
            )
        if keyword == "FROM":
            words = inst.parsed.values.items
            if not (len(words) == 1 or (len(words) == 3 and words[1].lower() == "as")):
                raise DockerfileSyntaxError(
                    name,
                    line,
                    "FROM takes an image and an optional 'AS name', nothing more "
                    "(BuildKit: FROM requires either one or three arguments; "
                    "'#' after an instruction is not a comment)",
                )


def _shown(inst: Instruction) -> str:
    text = inst.keyword.strip()
    return text if len(text) <= 40 else text[:39] + "…"


def _check_line_lengths(lines: list[str], bom: bool, name: str) -> None:
    for number, line in enumerate(lines, 1):
        if (len(line) + 1) * 4 <= MAX_LINE_BYTES:  # +1: a BOM (3 bytes) on line 1
            continue
        size = len(line.removesuffix("\n").encode("utf-8", "surrogatepass"))
        if number == 1 and bom:
            size += 3  # BuildKit drops the BOM after reading the first line
        if size > MAX_LINE_BYTES:
            raise DockerfileSyntaxError(
                name, number, f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES}"
            )


class _Unterminated(Exception):
    pass


def parse_instruction(line: str, escape: str = "\\") -> Instruction:
    """One instruction from its text (which may span continuation lines, no heredoc)."""
    node, _ = _instruction(line, [], 0, escape, allow_heredocs=False)
    return node


def onbuild_instruction(node: Instruction) -> Instruction | None:
    """The instruction an ONBUILD wraps, as a node of its own (None for other instructions)."""
    if node.directive != "ONBUILD" or not node.value:
        return None
    return parse_instruction(node.value, node.escape)


def _instruction(
    head: str,
    lines: list[str],
    i: int,
    escape: str,
    *,
    allow_heredocs: bool = True,
    one_line: bool = False,
) -> tuple[Instruction, int]:
    """Build the node for the instruction whose physical lines are ``head``.

    ``one_line``: the caller knows ``head`` is one line that does not end with a continuation.
    """
    read = _read_head_cached if len(head) <= _CACHED_HEAD else _read_head
    fields, logical, parsed = read(head, escape, one_line)
    # The fields and the node's cached readings (its own code gives the same) at once: what
    # the frozen dataclass's __init__ would set one by one.
    node = object.__new__(Instruction)
    node.__dict__.update(fields)
    node.__dict__.update(escape=escape, logical=logical, parsed=parsed)
    if not allow_heredocs or "<<" not in logical or not buildkit.can_contain_heredoc(parsed):
        return node, i
    heredocs: list[Heredoc] = []
    for spec in buildkit.heredoc_specs(logical):
        body_start = i
        terminator = None
        while i < len(lines):
            line = lines[i]
            i += 1
            candidate = line.rstrip("\r\n")
            if spec.chomp:
                candidate = candidate.lstrip("\t")
            if candidate == spec.name:
                terminator = line
                break
        if terminator is None:
            raise _Unterminated("unterminated heredoc")
        body = "".join(lines[body_start : i - 1])
        heredocs.append(Heredoc(spec.name, body, terminator, spec.chomp, spec.expand, spec.fd))
    if not heredocs:
        return node, i
    with_docs = node.with_changes(heredocs=tuple(heredocs))
    with_docs.__dict__.update(logical=logical, parsed=parsed)
    return with_docs, i


def _read_head(head: str, escape: str, one_line: bool) -> tuple[_Fields, str, ParsedLine]:
    """The fields of the instruction (before any heredoc) written as ``head``, its logical
    line and BuildKit's reading of it."""
    content = head.rstrip("\r\n")
    eol = head[len(content) :]
    # BuildKit's trimNewline strips any run of CR/LF; only the last line ending is ours.
    if eol.count("\n") > 1:
        keep = eol.rfind("\n", 0, len(eol) - 1) + 1
        content, eol = head[: len(content) + keep], eol[keep:]
    if "\n" in content:
        logical, segments = _join(content, escape)
    else:  # one physical line, the common case: what _join does, without its loop
        logical = content.lstrip(GO_SPACE_CHARS)
        lead = len(content) - len(logical)
        match = None if one_line else continuation_regex(escape).search(logical)
        if match:
            logical = logical[: match.start()] + (match.group(1) or "")
        segments = [(0, lead, len(logical))] if logical else []
    parsed = buildkit.parse_line(logical, escape)

    # Map positions of the logical line back to the raw text. With one segment (one physical
    # line, or one line with text) every position of the logical line is shifted by its base.
    single = len(segments) == 1
    base = segments[0][1] if single else 0

    def raw(pos: int) -> int:
        for seg_start, raw_start, length in reversed(segments):
            if pos >= seg_start:
                return raw_start + min(pos - seg_start, length)
        return 0

    def raw_end(end: int) -> int:
        return raw(end - 1) + 1 if end > 0 else 0

    key = parsed.keyword
    if not key.text:
        k_start = k_end = len(content)
    elif single:
        k_start, k_end = base + key.start, base + key.end
    else:
        k_start, k_end = raw(key.start), raw_end(key.end)
    flags: list[Flag] = []
    cursor = k_end
    for tok in parsed.flags:
        if single:
            f_start, f_end = base + tok.start, base + tok.end
        else:
            f_start, f_end = raw(tok.start), raw_end(tok.end)
        flags.append(Flag(content[f_start:f_end], content[cursor:f_start], escape))
        cursor = f_end
    args_start = cursor
    if parsed.args_start is not None and parsed.args:
        pos = parsed.args_start
        while pos < len(logical) and logical[pos] in _GO_SPACE_SET:
            pos += 1
        args_start = base + pos if single else raw(pos)
    fields = {
        "keyword": content[k_start:k_end],
        "args": content[args_start:],
        "flags": tuple(flags),
        "heredocs": (),
        "leading": content[:k_start],
        "args_prefix": content[cursor:args_start],
        "eol": eol,
    }
    return fields, logical, parsed


# A pure function of its arguments, so memoized for instructions of ordinary size: the runner
# reads every codemod's output again, and most of its lines are unchanged (memory stays below
# a few tens of MB however large the input).
_CACHED_HEAD = 2048
_read_head_cached = lru_cache(maxsize=4096)(_read_head)
