"""BuildKit's parsing rules for one logical instruction line.

These functions reproduce ``frontend/dockerfile/parser`` of moby/buildkit on strings: joining
continuation lines, splitting the keyword from its flags and arguments, the per-instruction
argument parsers (JSON exec form, whitespace lists, ``key=value`` pairs, HEALTHCHECK,
ONBUILD) and heredoc detection. The lossless tree (``refactor.syntax``) keeps the raw text;
everything it says about the *meaning* of an instruction comes from here, so that our reading
matches the engine's. ``tests/test_conformance.py`` checks the result against the official
parser on BuildKit's own test cases and on real-world files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .lexer import Lex, LexError, is_go_space

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
_RE_HEREDOC = re.compile(r"^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)$")
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
    start, end = 0, len(text)
    while start < end and is_go_space(text[start]):
        start += 1
    while end > start and is_go_space(text[end - 1]):
        end -= 1
    return text[start:end]


def go_ltrim_space(text: str) -> str:
    start = 0
    while start < len(text) and is_go_space(text[start]):
        start += 1
    return text[start:]


@dataclass(frozen=True)
class Token:
    """A token of a logical line: its processed text and its [start, end) in that line."""

    text: str
    start: int
    end: int


def split_keyword(line: str) -> tuple[Token, int]:
    """The keyword of a logical line and the index where its arguments begin."""
    start = 0
    end = len(line)
    while start < end and is_go_space(line[start]):
        start += 1
    while end > start and is_go_space(line[end - 1]):
        end -= 1
    match = _RE_WS.search(line, start, end)
    if match is None:
        return Token(line[start:end], start, end), end
    return Token(line[start : match.start()], start, match.start()), match.end()


def extract_flags(line: str, pos: int, escape: str) -> tuple[list[Token], int | None]:
    """BuildKit's ``extractBuilderFlags`` from ``pos``: the flags and where the rest starts.

    Returns ``None`` as the rest's start when the line holds only flags. A bare ``--`` ends
    the flags and is returned as a token with text ``--``.
    """
    flags: list[Token] = []
    n = len(line)
    while True:
        while pos < n and is_go_space(line[pos]):
            pos += 1
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
            if is_go_space(ch):
                break
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                pos += 1
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
    keyword, rest_start = split_keyword(line)
    flags: list[Token] = []
    args_start: int | None = None
    args = ""
    if rest_start < len(line):
        flags, args_start = extract_flags(line, rest_start, escape)
        if args_start is not None:
            args = go_trim_space(line[args_start:])
    values = parse_values(keyword.text.lower(), args, escape)
    return ParsedLine(keyword, tuple(flags), args_start, args, values)


def parse_values(command: str, rest: str, escape: str) -> Values:
    """Dispatch to BuildKit's parser for ``command`` (lower case)."""
    parser = _DISPATCH.get(command)
    if parser is None:
        return Values(("",))
    return parser(rest, escape)


def _parse_json(rest: str) -> list[str] | None:
    rest = go_ltrim_space(rest)
    if not rest.startswith("["):
        return None
    try:
        data = json.loads(rest)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list):
        return None
    if not all(isinstance(item, str) for item in data):
        raise InstructionError(
            "when using JSON array syntax, arrays must be comprised of strings only"
        )
    return data


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
    sep = 0
    while sep < len(rest) and not is_go_space(rest[sep]):
        sep += 1
    nxt = sep
    while nxt < len(rest) and is_go_space(rest[nxt]):
        nxt += 1
    if sep == 0:
        return Values(())
    cmd = _maybe_json(rest[nxt:], escape)
    return Values((rest[:sep], *cmd.items), json=cmd.json)


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
        specs.append(HeredocSpec(name, chomp == "-", quotes == raw_quotes, int(fd_text or 0)))
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
