"""BuildKit's parsing rules for one logical instruction line.

These functions reproduce ``frontend/dockerfile/parser`` of moby/buildkit on strings: joining
continuation lines, splitting the keyword from its flags and arguments, the per-instruction
argument parsers (JSON exec form, whitespace lists, ``key=value`` pairs, HEALTHCHECK,
ONBUILD) and heredoc detection. The lossless tree (``refactor.syntax.tree``) keeps the raw text;
everything it says about the *meaning* of an instruction comes from here, so that our reading
matches the engine's. ``tests/test_conformance.py`` checks the result against the official
parser on BuildKit's own test cases and on real-world files.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from dataclasses import dataclass

from refactor.syntax.lexer import GO_SPACE_CHARS, Lex, LexError, is_go_space

_GO_SPACE_SET = frozenset(GO_SPACE_CHARS)

__all__ = [
    "HeredocSpec",
    "InstructionError",
    "Values",
    "continuation_regex",
    "extract_flags",
    "heredoc_specs",
    "parse_values",
    "parse_words",
    "split_keyword",
]

# Instructions whose arguments may hold heredocs; ONBUILD may wrap one of them.
HEREDOC_DIRECTIVES = frozenset({"add", "copy", "run"})

_RE_WS = re.compile(r"[\t\v\f\r ]+")
_RE_HEREDOC = re.compile(r"^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$")  # Go's \d is ASCII only
_RE_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTINUATION: dict[str, re.Pattern[str]] = {}


class InstructionError(ValueError):
    """An instruction BuildKit rejects; the message is BuildKit's own wording."""


def continuation_regex(escape: str) -> re.Pattern[str]:
    """The regular expression BuildKit uses to find a line-continuation escape."""
    regex = _CONTINUATION.get(escape)
    if regex is None:
        e = re.escape(escape)
        regex = re.compile(rf"([^{e}]){e}[ \t]*$|^{e}[ \t]*$")
        _CONTINUATION[escape] = regex
    return regex


def go_trim_space(text: str) -> str:
    """Go's ``strings.TrimSpace``."""
    return text.strip(GO_SPACE_CHARS)


def go_ltrim_space(text: str) -> str:
    """Go's ``strings.TrimLeftFunc(text, unicode.IsSpace)``."""
    return text.lstrip(GO_SPACE_CHARS)


@dataclass(frozen=True)
class Token:
    """A token of a logical line: its processed text and its [start, end) in that line."""

    text: str
    start: int
    end: int


def split_keyword(line: str) -> tuple[Token, int]:
    """The keyword of a logical line and the index where its arguments begin."""
    keyword, rest, _ = _split_keyword(line)
    return keyword, rest


def _split_keyword(line: str) -> tuple[Token, int, int]:
    """``split_keyword`` plus the end of the line without trailing white space."""
    start = len(line) - len(line.lstrip(GO_SPACE_CHARS))
    end = max(start, len(line.rstrip(GO_SPACE_CHARS)))
    match = _RE_WS.search(line, start, end)
    if match is None:
        return Token(line[start:end], start, end), end, end
    return Token(line[start : match.start()], start, match.start()), match.end(), end


def _char_bytes(ch: str) -> bytes:
    try:
        return ch.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no decoder produced
        return ch.encode("utf-8", "surrogatepass")


def go_bytes_view(text: str) -> tuple[str, list[int]]:
    """``text`` as Go's byte loops see it: one Latin-1 character per UTF-8 byte.

    Some BuildKit loops index a string byte by byte and cast each byte to a rune
    (``rune(line[pos])``), so a non-ASCII character is read as several Latin-1 characters
    (``ü`` as ``Ã¼``) and the bytes 0x85 and 0xA0 inside one count as white space. Also
    returns the byte offset where each character starts (plus the total length).
    """
    pieces = [_char_bytes(ch) for ch in text]
    starts = [0]
    for piece in pieces:
        starts.append(starts[-1] + len(piece))
    return b"".join(pieces).decode("latin-1"), starts


def from_go_bytes(view: str) -> str:
    """Back from a byte view to text (bytes that are not valid UTF-8 as surrogate escapes)."""
    return view.encode("latin-1").decode("utf-8", "surrogateescape")


def extract_flags(line: str, pos: int, escape: str) -> tuple[list[Token], int | None]:
    """BuildKit's ``extractBuilderFlags`` from ``pos``: the flags and where the rest starts.

    Returns ``None`` as the rest's start when the line holds only flags. A bare ``--`` ends
    the flags and is returned as a token with text ``--``.
    """
    flags, rest, _ = _extract_flags(line, pos, escape)
    return flags, rest


def _extract_flags(line: str, pos: int, escape: str) -> tuple[list[Token], int | None, str]:
    """``extract_flags`` plus the rest of the line as BuildKit reads it.

    BuildKit scans flags byte by byte (see :func:`go_bytes_view`): flag texts hold the Latin-1
    reading of non-ASCII bytes, as the engine's do. Token offsets are character offsets into
    ``line``, rounded up when BuildKit splits inside a character.
    """
    if line.isascii():
        flags, rest = _scan_flags(line, pos, escape)
        return flags, rest, "" if rest is None else line[rest:]
    view, starts = go_bytes_view(line)
    flags, rest = _scan_flags(view, starts[pos], escape)
    tokens = [
        Token(t.text, bisect_left(starts, t.start), bisect_left(starts, t.end)) for t in flags
    ]
    if rest is None:
        return tokens, None, ""
    return tokens, bisect_left(starts, rest), from_go_bytes(view[rest:])


def _plain_run(escape: str) -> re.Pattern[str]:
    """Characters a flag word takes as they are: not white space, a quote or the escape."""
    special = "".join(sorted(_GO_SPACE_SET)) + "'\"" + escape
    return re.compile("[^" + "".join(re.escape(c) for c in special) + "]+")


_PLAIN_RUN = {escape: _plain_run(escape) for escape in ("\\", "`")}


def _scan_flags(line: str, pos: int, escape: str) -> tuple[list[Token], int | None]:
    flags: list[Token] = []
    plain = _PLAIN_RUN.get(escape) or _plain_run(escape)
    n = len(line)
    if pos < n and line[pos] not in _GO_SPACE_SET and not line.startswith("--", pos):
        return flags, pos  # no flags, the common case
    while True:
        pos = n - len(line[pos:].lstrip(GO_SPACE_CHARS))
        if pos >= n:
            return flags, None
        if line[pos] != "-" or pos + 1 >= n or line[pos + 1] != "-":
            return flags, pos
        start = pos
        buf: list[str] = []
        quote = ""
        blank_ok = False
        while pos < n:
            ch = line[pos]
            if quote:
                if ch == quote:
                    quote = ""
                    pos += 1
                    continue
                if ch == escape:
                    if pos + 1 == n:
                        quote = ""
                        pos += 1
                        continue
                    pos += 1
                    ch = line[pos]
                buf.append(ch)
                pos += 1
                continue
            if ch in _GO_SPACE_SET:
                break
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                pos += 1
                continue
            if ch != escape:  # a run of ordinary characters at once
                end = plain.match(line, pos).end()  # type: ignore[union-attr]
                buf.append(line[pos:end])
                pos = end
                continue
            if ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            buf.append(ch)
            pos += 1
        word = "".join(buf)
        if word == "--":
            if pos >= n:
                return flags, None
            flags.append(Token("--", start, pos))
            return flags, pos
        if blank_ok or word:
            flags.append(Token(word, start, pos))


def parse_words(rest: str, escape: str) -> list[str]:
    """BuildKit's ``parseWords``: split on white space, keeping quotes and escapes."""
    words: list[str] = []
    buf: list[str] = []
    in_word = False
    quote = ""
    blank_ok = False
    n = len(rest)
    pos = 0
    while pos < n:
        ch = rest[pos]
        if not in_word and not quote:
            if is_go_space(ch):
                pos += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote != "'":
                if pos + 1 == n:
                    quote = ""
                    pos += 1
                    continue
                buf.append(ch)
                pos += 1
                ch = rest[pos]
            buf.append(ch)
            pos += 1
            continue
        if is_go_space(ch):
            in_word = False
            if blank_ok or buf:
                words.append("".join(buf))
            buf = []
            blank_ok = False
            pos += 1
            continue
        if ch in ("'", '"'):
            quote = ch
            blank_ok = True
        if ch == escape:
            if pos + 1 == n:
                pos += 1
                continue
            buf.append(ch)
            pos += 1
            ch = rest[pos]
        buf.append(ch)
        pos += 1
    if (in_word or quote) and (blank_ok or buf):
        words.append("".join(buf))
    return words


@dataclass(frozen=True)
class Values:
    """What BuildKit's line parser makes of an instruction's arguments.

    ``items`` is the flat list of the AST's ``Next`` chain (for ENV and LABEL: key, value,
    separator triples), ``json`` whether the exec (JSON) form was used, ``sub`` the parsed
    instruction wrapped by ONBUILD.
    """

    items: tuple[str, ...]
    json: bool = False
    sub: ParsedLine | None = None


@dataclass(frozen=True)
class ParsedLine:
    """A logical instruction line read the way BuildKit reads it."""

    keyword: Token
    flags: tuple[Token, ...]
    args_start: int | None
    args: str
    values: Values

    @property
    def command(self) -> str:
        return self.keyword.text.lower()


def parse_line(line: str, escape: str) -> ParsedLine:
    """Split and parse one logical line (``newNodeFromLine``)."""
    keyword, rest_start, end = _split_keyword(line)
    flags: list[Token] = []
    args_start: int | None = None
    args = ""
    if rest_start < end:
        if line.find("--", rest_start, end) < 0:
            # No flags (the common case): the rest starts where _RE_WS ended (BuildKit's byte
            # scan sees no white space there: a character that is, like U+0085, starts with
            # the byte 0xC2) and TrimSpace trims it.
            args_start, args = rest_start, go_trim_space(line[rest_start:end])
        else:
            # BuildKit extracts the flags from the line without its trailing white space.
            flags, args_start, rest = _extract_flags(line[:end], rest_start, escape)
            if args_start is not None:
                args = go_trim_space(rest)
    values = parse_values(keyword.text.lower(), args, escape)
    return ParsedLine(keyword, tuple(flags), args_start, args, values)


def parse_values(command: str, rest: str, escape: str) -> Values:
    """Dispatch to BuildKit's parser for ``command`` (lower case)."""
    parser = _DISPATCH.get(command)
    if parser is None:
        return Values(("",))
    return parser(rest, escape)


def _go_number(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # Go's json cannot store it in a float64: not JSON for BuildKit
        raise ValueError(f"number {text} out of range")
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"invalid character in literal {name}")  # NaN, Infinity: not JSON in Go


_JSON = json.JSONDecoder(parse_constant=_no_constant, parse_int=_go_number, parse_float=_go_number)


def _parse_json(rest: str) -> list[str] | None:
    rest = go_ltrim_space(rest)
    if not rest.startswith("["):
        return None
    try:
        data = _JSON.decode(rest)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list):
        return None
    if not all(isinstance(item, str) for item in data):
        raise InstructionError(
            "when using JSON array syntax, arrays must be comprised of strings only"
        )
    # Go decodes an unpaired surrogate escape (\ud800) as U+FFFD.
    return [item if item.isascii() else _RE_SURROGATE.sub("\ufffd", item) for item in data]


def exec_form(rest: str) -> list[str] | None:
    """The JSON array of an exec-form argument, or None when it is shell form."""
    try:
        return _parse_json(rest)
    except InstructionError:
        return None


def _maybe_json(rest: str, escape: str) -> Values:
    if not rest:
        return Values(())
    data = _parse_json(rest)
    if data is not None:
        return Values(tuple(data), json=True)
    return Values((rest,))


def _maybe_json_list(rest: str, escape: str) -> Values:
    data = _parse_json(rest)
    if data is not None:
        return Values(tuple(data), json=True)
    return _whitespace_list(rest, escape)


def _whitespace_list(rest: str, escape: str) -> Values:
    if not rest:
        return Values(())
    return Values(tuple(_RE_WS.split(rest)))


def _string(rest: str, escape: str) -> Values:
    return Values((rest,) if rest else ())


def _name_or_name_val(rest: str, escape: str) -> Values:
    return Values(tuple(parse_words(rest, escape)))


def _name_val(rest: str, escape: str, key: str) -> Values:
    words = parse_words(rest, escape)
    if not words:
        return Values(())
    if "=" not in words[0]:
        parts = _RE_WS.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise InstructionError(f"{key} must have two arguments")
        return Values((parts[0], parts[1], ""))
    items: list[str] = []
    for word in words:
        if "=" not in word:
            raise InstructionError(
                f"Syntax error - can't find = in {_go_quote(word)}. Must be of the form: name=value"
            )
        name, value = word.split("=", 1)
        items += [name, value, "="]
    return Values(tuple(items))


def _env(rest: str, escape: str) -> Values:
    return _name_val(rest, escape, "ENV")


def _label(rest: str, escape: str) -> Values:
    return _name_val(rest, escape, "LABEL")


def _health(rest: str, escape: str) -> Values:
    # BuildKit looks for the white space byte by byte (unicode.IsSpace(rune(rest[sep]))).
    view = rest if rest.isascii() else go_bytes_view(rest)[0]
    sep = 0
    while sep < len(view) and not is_go_space(view[sep]):
        sep += 1
    nxt = sep
    while nxt < len(view) and is_go_space(view[nxt]):
        nxt += 1
    if sep == 0:
        return Values(())
    if view is not rest:
        typ, tail = from_go_bytes(view[:sep]), from_go_bytes(view[nxt:])
    else:
        typ, tail = rest[:sep], rest[nxt:]
    cmd = _maybe_json(tail, escape)
    return Values((typ, *cmd.items), json=cmd.json)


def _onbuild(rest: str, escape: str) -> Values:
    if not rest:
        return Values(())
    return Values((), sub=parse_line(rest, escape))


_DISPATCH = {
    "add": _maybe_json_list,
    "arg": _name_or_name_val,
    "cmd": _maybe_json,
    "copy": _maybe_json_list,
    "entrypoint": _maybe_json,
    "env": _env,
    "expose": _whitespace_list,
    "from": _whitespace_list,
    "healthcheck": _health,
    "label": _label,
    "maintainer": _string,
    "onbuild": _onbuild,
    "run": _maybe_json,
    "shell": _maybe_json,
    "stopsignal": _string,
    "user": _string,
    "volume": _maybe_json_list,
    "workdir": _string,
}


def can_contain_heredoc(parsed: ParsedLine) -> bool:
    """BuildKit's ``canContainHeredoc``."""
    if parsed.command == "onbuild" and parsed.values.sub is not None:
        parsed = parsed.values.sub
    return parsed.command in HEREDOC_DIRECTIVES and not parsed.values.json


@dataclass(frozen=True)
class HeredocSpec:
    """A heredoc word found in an instruction line (``<<-"EOF"``)."""

    name: str
    chomp: bool
    expand: bool
    fd: int


_HEREDOC_WORDS = Lex("\\", raw_quotes=True, raw_escapes=True, skip_unset_env=True)
_HEREDOC_NAME = Lex("\\", skip_unset_env=True)
_HEREDOC_NAME_RAW = Lex("\\", raw_quotes=True, skip_unset_env=True)


def heredoc_specs(line: str) -> list[HeredocSpec]:
    """The heredocs a line opens, in order (BuildKit's ``heredocsFromLine``)."""
    try:
        words = _HEREDOC_WORDS.process_words(line)
    except LexError:
        words = []
    specs: list[HeredocSpec] = []
    for word in words:
        match = _RE_HEREDOC.match(word)
        if not match:
            continue
        fd_text, chomp, rest = match.groups()
        if not rest:
            continue
        try:
            names = _HEREDOC_NAME.process_words(rest)
            raws = _HEREDOC_NAME_RAW.process_words(rest)
        except LexError as exc:
            raise InstructionError(str(exc)) from None
        if len(names) != 1:
            continue
        if len(raws) != len(names):
            raise InstructionError(
                f"internal lexing of heredoc produced inconsistent results: {rest}"
            )
        name = names[0]
        quotes = name.count("'") + name.count('"')
        raw_quotes = raws[0].count("'") + raws[0].count('"')
        fd = min(int(fd_text or 0), 2**64 - 1)  # strconv.ParseUint saturates on overflow
        specs.append(HeredocSpec(name, chomp == "-", quotes == raw_quotes, fd))
    return specs


def _go_quote(text: str) -> str:
    """Go's ``%q`` / ``strconv.Quote`` for the strings that appear in dumps and errors."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\v":
            out.append("\\v")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF or ch == "\ufffd":
            out.append("\\ufffd" if ch != "\ufffd" else ch)
        elif not ch.isprintable() and code > 0x7F:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


go_quote = _go_quote
