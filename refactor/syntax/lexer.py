"""BuildKit's word lexer: quote processing, variable expansion and word splitting.

Dockerfile instructions (FROM, ARG, ENV, WORKDIR, USER, COPY…) expand ``$VAR`` and
``${VAR:-default}`` with the rules of BuildKit's ``shell.Lex``, which differ from POSIX sh in
small ways (the escape token can be a backtick, ``${x:+y}``/``${x#p}`` forms only, no command
substitution). This module reproduces those rules so the build model substitutes ARG and ENV
values exactly as the engine does; it is checked against BuildKit's own ``envVarTest`` and
``wordsTest`` tables (``tests/test_lexer.py``).

The parser also uses it the way BuildKit does to find heredoc words (``<<EOF``) in a line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Lex", "LexError", "ProcessResult", "is_go_space"]

# Go's unicode.IsSpace (Python's str.isspace also accepts \x1c-\x1f, which Go does not).
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
#: The same characters as one string, for ``str.strip`` (Go's TrimSpace, TrimLeftFunc(IsSpace)).
GO_SPACE_CHARS = "".join(sorted(_GO_SPACE))
_SPECIAL_PARAMS = frozenset("@*#?-$!0")


def is_go_space(ch: str) -> bool:
    """Whether ``ch`` is white space in Go's ``unicode.IsSpace`` sense."""
    return ch in _GO_SPACE


class LexError(ValueError):
    """A word the lexer cannot process (unterminated quote, bad substitution…)."""


@dataclass
class ProcessResult:
    """The outcome of processing one word: the joined result, its words, the names used."""

    result: str
    words: list[str]
    matched: set[str] = field(default_factory=set)
    unmatched: set[str] = field(default_factory=set)


class _Words:
    """BuildKit's ``wordsStruct``.

    ``buf`` is the scanner's one shared word buffer (BuildKit's ``shellWord.wordsBuffer``, since
    4c935cf9a, v0.15): every ``processStopOn`` call, nested ones included, resets it, so the
    part of a word before a ``${name:-word}``, ``${name#pattern}`` or ``${name/a/b}`` is lost
    from the *words* (not from the joined result). We reproduce that, as the engine does it.
    """

    __slots__ = ("buf", "in_word", "words")

    def __init__(self, buf: list[str]) -> None:
        self.buf = buf
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch in _GO_SPACE:
            if self.in_word and self.buf:
                self.words.append("".join(self.buf))
                self.buf.clear()
                self.in_word = False
        else:
            self.add_raw_char(ch)

    def add_raw_char(self, ch: str) -> None:
        self.buf.append(ch)
        self.in_word = True

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def add_raw_string(self, text: str) -> None:
        if text:  # the buffer holds no empty pieces: ``bool(buf)`` is Go's ``buf.Len() > 0``
            self.buf.append(text)
        self.in_word = True

    def get_words(self) -> list[str]:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf.clear()
            self.in_word = False
        return self.words


class Lex:
    """Word processing with BuildKit's semantics.

    ``escape`` is the Dockerfile's escape token (``\\`` or a backtick). The flags mirror
    BuildKit's: ``raw_quotes`` keeps quote characters, ``raw_escapes`` keeps escape tokens,
    ``skip_unset_env`` leaves references to unknown variables as written.
    """

    def __init__(
        self,
        escape: str = "\\",
        *,
        raw_quotes: bool = False,
        raw_escapes: bool = False,
        skip_process_quotes: bool = False,
        skip_unset_env: bool = False,
    ) -> None:
        self.escape = escape
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_process_quotes = skip_process_quotes
        self.skip_unset_env = skip_unset_env

    def process_word(self, word: str, env: Mapping[str, str] | None = None) -> str:
        """Expand and unquote ``word`` keeping spaces between words (ENV, WORKDIR…)."""
        return _Scanner(self, word, env or {}).run().result

    def process_words(self, word: str, env: Mapping[str, str] | None = None) -> list[str]:
        """Expand ``word`` then split it into words, as BuildKit does for COPY sources."""
        return _Scanner(self, word, env or {}).run().words

    def process(self, word: str, env: Mapping[str, str] | None = None) -> ProcessResult:
        """Both forms at once, with the variable names found and not found in ``env``."""
        return _Scanner(self, word, env or {}).run()


class _Scanner:
    def __init__(self, lex: Lex, text: str, env: Mapping[str, str]) -> None:
        self.lex = lex
        self.text = text
        # Go's text/scanner skips a byte order mark at the start of its input.
        self.pos = 1 if text.startswith("\ufeff") else 0
        self.env = env
        self.words_buf: list[str] = []
        self.raw_escapes = lex.raw_escapes
        self.matched: set[str] = set()
        self.unmatched: set[str] = set()

    # -- scanner primitives -------------------------------------------------------------
    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        if self.pos < len(self.text):
            ch = self.text[self.pos]
            self.pos += 1
            return ch
        return ""

    def run(self) -> ProcessResult:
        try:
            result, words = self.stop_on("", self.raw_escapes)
        except LexError as exc:
            raise LexError(f"failed to process {self.text!r}: {exc}") from None
        return ProcessResult(result, words, self.matched, self.unmatched)

    def get_env(self, name: str) -> tuple[str, bool]:
        if name in self.env:
            self.matched.add(name)
            return self.env[name], True
        self.unmatched.add(name)
        return "", False

    # -- the grammar ----------------------------------------------------------------------
    def stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        result: list[str] = []
        self.words_buf.clear()
        words = _Words(self.words_buf)
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            escape = self.lex.escape
            quotes = not self.lex.skip_process_quotes
            while self.pos < len(self.text):
                ch = self.text[self.pos]
                if stop and ch == stop:
                    self.pos += 1
                    return "".join(result), words.get_words()
                if ch == "$":
                    tmp = self.dollar()
                    result.append(tmp)
                    words.add_string(tmp)
                elif ch == "<":
                    tmp = self.possible_heredoc()
                    result.append(tmp)
                    words.add_raw_string(tmp)
                elif quotes and ch == "'":
                    tmp = self.single_quote()
                    result.append(tmp)
                    words.add_raw_string(tmp)
                elif quotes and ch == '"':
                    tmp = self.double_quote()
                    result.append(tmp)
                    words.add_raw_string(tmp)
                else:
                    self.pos += 1
                    if ch == escape:
                        if self.raw_escapes:
                            words.add_raw_char(ch)
                            result.append(ch)
                        ch = self.next()
                        if not ch:
                            break
                        words.add_raw_char(ch)
                    else:
                        words.add_char(ch)
                    result.append(ch)
            if stop:
                raise LexError(f"unexpected end of statement while looking for matching {stop}")
            return "".join(result), words.get_words()
        finally:
            self.raw_escapes = saved

    def single_quote(self) -> str:
        out: list[str] = []
        ch = self.next()
        if self.lex.raw_quotes:
            out.append(ch)
        while True:
            ch = self.next()
            if not ch:
                raise LexError(
                    "unexpected end of statement while looking for matching single-quote"
                )
            if ch == "'":
                if self.lex.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def double_quote(self) -> str:
        out: list[str] = []
        ch = self.next()
        if self.lex.raw_quotes:
            out.append(ch)
        escape = self.lex.escape
        while True:
            nxt = self.peek()
            if not nxt:
                raise LexError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            if nxt == '"':
                ch = self.next()
                if self.lex.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if nxt == "$":
                out.append(self.dollar())
                continue
            ch = self.next()
            if ch == escape:
                if self.raw_escapes:
                    out.append(ch)
                after = self.peek()
                if not after:
                    continue
                if after in ('"', "$", escape):
                    ch = self.next()
            out.append(ch)

    def name(self) -> str:
        start = self.pos
        text = self.text
        if self.pos < len(text):
            ch = text[self.pos]
            if ch.isdecimal():  # Go's unicode.IsDigit is category Nd, like isdecimal
                while self.pos < len(text) and text[self.pos].isdecimal():
                    self.pos += 1
                return text[start : self.pos]
            if ch in _SPECIAL_PARAMS:
                self.pos += 1
                return ch
        while self.pos < len(text):
            ch = text[self.pos]
            if not (ch.isalpha() or ch.isdecimal() or ch == "_"):
                break
            self.pos += 1
        return text[start : self.pos]

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.name()
            if not name:
                return "$"
            value, found = self.get_env(name)
            if not found and self.lex.skip_unset_env:
                return "$" + name
            return value
        self.next()
        nxt = self.peek()
        if not nxt:
            raise LexError("syntax error: missing '}'")
        if nxt in "{}:":
            raise LexError("syntax error: bad substitution")
        name = self.name()
        ch = self.next()
        chs = ch
        null_is_unset = False
        if ch == "}":
            value, found = self.get_env(name)
            if not found and self.lex.skip_unset_env:
                return "${" + name + "}"
            return value
        if ch == ":":
            null_is_unset = True
            ch = self.next()
            chs += ch
            if ch not in "+-?#%" or not ch:
                raise LexError(f"unsupported modifier ({chs}) in substitution")
        if ch and ch in "+-?#%":
            raw = ch in "#%"
            if null_is_unset and raw:
                raise LexError(f"unsupported modifier ({chs}) in substitution")
            try:
                word, _ = self.stop_on("}", raw)
            except LexError:
                if not self.peek():
                    raise LexError("syntax error: missing '}'") from None
                raise
            value, found = self.get_env(name)
            if self.lex.skip_unset_env and not found:
                return "${" + name + chs + word + "}"
            if ch == "-":
                return word if not found or (null_is_unset and value == "") else value
            if ch == "+":
                return "" if not found or (null_is_unset and value == "") else word
            if ch == "?":
                if not found:
                    raise LexError(f"{name}: {word or 'is not allowed to be unset'}")
                if null_is_unset and value == "":
                    raise LexError(f"{name}: {word or 'is not allowed to be empty'}")
                return value
            greedy = bool(word) and word[0] == ch
            if greedy:
                word = word[1:]
            if ch == "%":
                return _trim_suffix(word, value, greedy)
            return _trim_prefix(word, value, greedy)
        if ch == "/":
            replace_all = self.peek() == "/"
            if replace_all:
                self.next()
            try:
                pattern, _ = self.stop_on("/", True)
            except LexError:
                if not self.peek():
                    raise LexError("syntax error: missing '/' in ${}") from None
                raise
            try:
                replacement, _ = self.stop_on("}", True)
            except LexError:
                if not self.peek():
                    raise LexError("syntax error: missing '}'") from None
                raise
            value, found = self.get_env(name)
            if self.lex.skip_unset_env and not found:
                return "${" + name + "/" + pattern + "/" + replacement + "}"
            regex = _pattern_to_regex(pattern, greedy=True, anchored=False)
            if replace_all:
                return regex.sub(lambda _m: replacement, value)
            return regex.sub(lambda _m: replacement, value, count=1)
        raise LexError(f"unsupported modifier ({chs}) in substitution")

    def possible_heredoc(self) -> str:
        self.next()
        if self.peek() != "<":
            return "<"
        self.next()
        start = self.pos
        while self.peek() in ("\t", "\r", " ") and self.peek():
            self.pos += 1
        return "<<" + self.text[start : self.pos]


_REGEX_SPECIALS = frozenset("[]{}.+()|^$")


def _pattern_to_regex(pattern: str, *, greedy: bool, anchored: bool) -> re.Pattern[str]:
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i = 0
    while i < len(pattern):
        tok = pattern[i]
        i += 1
        if tok == "*":
            out.append(star)
            continue
        if tok == "?":
            out.append(".")
            continue
        if tok == "\\":
            nxt = pattern[i] if i < len(pattern) else ""
            if nxt in ("}", "/"):
                continue
            out.append("\\")
            tok = nxt
            i += 1
            if tok not in ("*", "?", "\\"):
                raise LexError(f"invalid pattern ({pattern}) in substitution: invalid escape")
            out.append(tok)
            continue
        if tok in _REGEX_SPECIALS:
            out.append("\\")
        out.append(tok)
    return re.compile("".join(out))  # Go's "." does not match a newline either


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    match = _pattern_to_regex(pattern, greedy=greedy, anchored=True).search(value)
    return value[match.end() :] if match else value


def _reverse_pattern(pattern: str) -> str:
    chars = list(pattern)
    out = [""] * len(chars)
    last = len(chars) - 1
    i = 0
    while i <= last:
        tok = chars[i]
        idx = last - i
        if tok == "\\" and i != last:
            out[idx - 1] = tok
            out[idx] = chars[i + 1]
            i += 2
        else:
            out[idx] = tok
            i += 1
    return "".join(out)


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]
