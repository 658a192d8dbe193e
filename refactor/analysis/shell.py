"""Shell analysis of Dockerfile ``RUN`` scripts (shell form and heredoc bodies).

``analyse(script)`` returns every simple command of the script in source order, with its words
after quote removal, its leading environment assignments, the working directory it runs in
(tracked through ``cd``/``pushd``/``popd``) and whether ``set -e`` is in effect.

Parsing uses tree-sitter-bash (see ``docs/shell-parser.md`` for the measurement against
bashlex).  Whatever tree-sitter cannot read cleanly is handed to a quote-, heredoc- and
keyword-aware splitter: the region is split at top-level separators, every piece is parsed
again on its own, then tokenized with shell quoting rules, and only the pieces that still
cannot be read become opaque commands.  ``analyse`` never raises.

Decisions worth knowing:

* Commands run by command substitution (``$(...)``, backticks, ``<(...)``) are included, in
  the order the shell runs them (before the command whose words contain them), flagged with
  ``substitution=True``.  A ``cd`` inside them never changes the directory of what follows.
* Words keep expansions as written (``$FOO``, ``${A:-b}``, ``$(cmd)``, ``~``); quotes and
  backslashes are removed and ``$'...'`` strings are decoded.
* ``Command.text`` is the exact substring of the script (``script[start:start+len(text)]``)
  including the command's assignments and redirections, but not a here-document body.
* Control flow is followed for the directory: branches of ``if``/``case`` that end in
  different directories give ``None`` afterwards, loops whose body changes directory give
  ``None``, a pipeline element, subshell or ``&`` job never leaks its ``cd``; ``&&``/``||``
  lists are taken as if every part runs.
* Commands in function bodies are listed where the function is defined; their ``cwd`` is the
  directory of the call sites when all calls agree (``None`` when they do not).  Calling a
  function that changes directory changes the directory of what follows.
"""

from __future__ import annotations

import posixpath
import re
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

try:  # pragma: no cover - exercised only when the dependency is missing
    import tree_sitter as _ts
    import tree_sitter_bash as _ts_bash
except ImportError:  # pragma: no cover
    _ts = None
    _ts_bash = None

__all__ = ["BACKEND", "Command", "Script", "analyse", "split_commands"]

#: Which parser reads scripts: "tree-sitter-bash", or "fallback" (splitter only) when the
#: tree-sitter packages are not installed.
BACKEND = "tree-sitter-bash" if _ts is not None else "fallback"

_SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox", "posh", "yash"})


# --------------------------------------------------------------------------------------------
# Public data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command."""

    words: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...]
    cwd: str | None
    text: str
    opaque: bool = False
    #: offset of ``text`` in the analysed script (-1 when unknown)
    start: int = -1
    #: redirections as written, e.g. ``('2>&1', '> /dev/null', '<<EOF')``
    redirects: tuple[str, ...] = ()
    #: True for commands run by a command/process substitution ``$(...)``, `...`, ``<(...)``
    substitution: bool = False
    #: True when ``set -e`` (errexit) is in effect when this command runs
    errexit: bool = False

    @property
    def name(self) -> str:
        """Basename of the first word, e.g. ``/usr/bin/pip3`` -> ``pip3`` ('' if no words)."""
        if not self.words:
            return ""
        return self.words[0].rpartition("/")[2]

    @property
    def args(self) -> tuple[str, ...]:
        """The words after the command name."""
        return self.words[1:]

    def has_flag(self, *flags: str) -> bool:
        """True if an argument equals one of ``flags`` or starts with ``flag + '='``."""
        for w in self.words[1:]:
            for f in flags:
                if w == f or (w.startswith(f) and w[len(f) : len(f) + 1] == "="):
                    return True
        return False


@dataclass(frozen=True, slots=True)
class Script:
    """The result of :func:`analyse`."""

    commands: tuple[Command, ...]
    opaque: bool
    errexit: bool
    #: basename of the ``#!`` interpreter when the script starts with one, else None
    interpreter: str | None = None

    def find(self, name: str) -> list[Command]:
        """Commands whose :attr:`Command.name` equals ``name``."""
        return [c for c in self.commands if c.name == name]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.commands]


# --------------------------------------------------------------------------------------------
# Small lexical helpers
# --------------------------------------------------------------------------------------------

_BS_ANY = re.compile(r"\\(.)", re.S)
_BS_DQ = re.compile(r'\\([$`"\\\n])')
_ANSI = re.compile(
    r"\\(?:([abeEfnrtv\\'\"?])|([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})"
    r"|U([0-9a-fA-F]{1,8})|c(.)|(.))",
    re.S,
)
_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_NAME_EQ = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?)=")


def _unq(s: str) -> str:
    """Quote removal for unquoted text: ``\\x`` -> ``x``, backslash-newline vanishes."""
    if "\\" not in s:
        return s
    return _BS_ANY.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), s)


def _unq_dq(s: str) -> str:
    """Quote removal inside double quotes: only ``\\$ \\` \\" \\\\`` and backslash-newline."""
    if "\\" not in s:
        return s
    return _BS_DQ.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), s)


def _ansi_repl(m: re.Match[str]) -> str:
    simple, octal, hx, u4, u8, ctl, other = m.groups()
    if simple is not None:
        return _ANSI_SIMPLE[simple]
    try:
        if octal is not None:
            return chr(int(octal, 8) & 0xFF)
        if hx is not None:
            return chr(int(hx, 16))
        if u4 is not None:
            return chr(int(u4, 16))
        if u8 is not None:
            return chr(int(u8, 16))
    except (ValueError, OverflowError):
        return m.group(0)
    if ctl is not None:
        return chr(ord(ctl) & 0x1F)
    return "\\" + other


def _ansi_c(raw: str) -> str:
    """Decode ``$'...'`` (raw includes the ``$'`` and closing quote)."""
    body = raw[2:-1] if raw.endswith("'") and len(raw) >= 3 else raw[2:]
    if "\\" not in body:
        return body
    return _ANSI.sub(_ansi_repl, body)


# --------------------------------------------------------------------------------------------
# Working-directory / option state
# --------------------------------------------------------------------------------------------

_UNKNOWN_STACK = None


class _State:
    """What the shell knows while walking: directory, OLDPWD, pushd stack, errexit."""

    __slots__ = ("cwd", "errexit", "oldpwd", "stack")

    def __init__(
        self,
        cwd: str | None,
        oldpwd: str | None,
        stack: tuple[str | None, ...] | None,
        errexit: bool,
    ) -> None:
        self.cwd = cwd
        self.oldpwd = oldpwd
        self.stack = stack
        self.errexit = errexit

    def copy(self) -> _State:
        return _State(self.cwd, self.oldpwd, self.stack, self.errexit)

    def key(self) -> tuple[Any, ...]:
        return (self.cwd, self.oldpwd, self.stack, self.errexit)

    def assign(self, other: _State) -> None:
        self.cwd, self.oldpwd, self.stack, self.errexit = (
            other.cwd,
            other.oldpwd,
            other.stack,
            other.errexit,
        )

    def merge(self, states: Iterable[_State]) -> None:
        """Become what is common to ``states``; anything that differs becomes unknown."""
        sts = list(states)
        if not sts:
            return
        first = sts[0]
        cwd, oldpwd, stack, errexit = first.cwd, first.oldpwd, first.stack, first.errexit
        for s in sts[1:]:
            if s.cwd != cwd:
                cwd = None
            if s.oldpwd != oldpwd:
                oldpwd = None
            if s.stack != stack:
                stack = _UNKNOWN_STACK
            if s.errexit != errexit:
                errexit = False
        self.cwd, self.oldpwd, self.stack, self.errexit = cwd, oldpwd, stack, errexit


_VAR_REF = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^${}`]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


def _resolve_word(word: str, env: Mapping[str, str], st: _State) -> str | None:
    """Expand ``~``, ``$VAR``, ``${VAR}``, ``${VAR:-default}`` from env; None if unknowable."""
    if word.startswith("~"):
        head, sep, rest = word.partition("/")
        if head != "~":
            return None  # ~user
        home = env.get("HOME")
        if home is None:
            return None
        word = home + sep + rest
    if "$" in word:

        def repl(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(4)
            val = env.get(name)
            if val is None and name == "PWD" and st.cwd is not None:
                val = st.cwd
            if val is None and name == "OLDPWD" and st.oldpwd is not None:
                val = st.oldpwd
            op = m.group(2)
            # an unknown variable may still be set by the base image: no guessing a default
            if op is not None and val is not None and val == "" and op.startswith(":"):
                val = m.group(3)
            if val is None:
                raise KeyError(name)
            return val

        try:
            word = _VAR_REF.sub(repl, word)
        except KeyError:
            return None
        if "$" in word:
            return None
    if "`" in word or "*" in word or "?" in word or "[" in word:
        return None
    return word


def _join(cwd: str | None, target: str) -> str | None:
    if target.startswith("/"):
        return posixpath.normpath(target)
    if cwd is None:
        return None
    return posixpath.normpath(posixpath.join(cwd, target))


def _apply_cd(
    words: tuple[str, ...], st: _State, env: Mapping[str, str], pushd: bool = False
) -> None:
    args = list(words[1:])
    while args and args[0].startswith("-") and args[0] != "-":
        if args[0] == "--":
            args.pop(0)
            break
        args.pop(0)
    if not args:
        home = env.get("HOME")
        new = _join(st.cwd, home) if home else None
    elif args[0] == "-":
        new = st.oldpwd
    else:
        target = _resolve_word(args[0], env, st)
        if target is None:
            new = None
        elif target == "":
            new = st.cwd  # `cd ""` is a no-op in bash
        else:
            new = _join(st.cwd, target)
    if pushd:
        st.stack = None if st.stack is None else (st.cwd, *st.stack)
    st.oldpwd = st.cwd
    st.cwd = new


def _apply_pushd(words: tuple[str, ...], st: _State, env: Mapping[str, str]) -> None:
    args = [w for w in words[1:] if w not in ("-n", "--")]
    if args and (args[0].startswith("+") or args[0].startswith("-")):
        st.oldpwd, st.cwd, st.stack = st.cwd, None, None
        return
    if not args:  # swap the two top directories
        if st.stack:
            top = st.stack[0]
            st.oldpwd = st.cwd
            st.stack = (st.cwd, *st.stack[1:])
            st.cwd = top
        elif st.stack is None:
            st.oldpwd, st.cwd = st.cwd, None
        return
    _apply_cd(("cd", args[0]), st, env, pushd=True)


def _apply_popd(words: tuple[str, ...], st: _State) -> None:
    args = [w for w in words[1:] if w not in ("-n", "--")]
    if args:  # popd +N / -N: remove an entry; keep it simple
        st.stack = None
        return
    if st.stack is None:
        st.oldpwd, st.cwd = st.cwd, None
    elif st.stack:
        st.oldpwd = st.cwd
        st.cwd = st.stack[0]
        st.stack = st.stack[1:]
    # empty stack: popd fails, directory unchanged


def _apply_set(words: tuple[str, ...], st: _State) -> None:
    args = words[1:]
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a in ("--", "-", "+") or a[:1] not in ("-", "+"):
            break
        on = a[0] == "-"
        for ch in a[1:]:
            if ch == "e":
                st.errexit = on
            elif ch == "o" and i < len(args):
                if args[i] == "errexit":
                    st.errexit = on
                i += 1


_OPAQUE_CD = re.compile(r"(?:^|[\s;&|(`{])(?:cd|pushd|popd)(?:$|[\s;&|)`}])")


# --------------------------------------------------------------------------------------------
# Source text with byte -> character offsets
# --------------------------------------------------------------------------------------------


class _Src:
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

    def node(self, n: Any) -> str:
        return self.text(n.start_byte, n.end_byte)


# --------------------------------------------------------------------------------------------
# Fallback scanner: quote/heredoc/keyword aware splitting and word tokenizing
# --------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"[^\\'\"`$()<>;&|#\s{}]+")
_WORD_AT = re.compile(r"[^\s;&|()<>]+")
_OPENERS = {"if": "fi", "case": "esac", "for": "done", "while": "done", "until": "done"}
_OPENERS["select"] = "done"
_OPENERS["{"] = "}"
_CLOSERS = frozenset({"fi", "esac", "done", "}"})
_KEEP_CMD_START = frozenset(
    {"then", "do", "else", "elif", "if", "while", "until", "!", "{", "time"}
)
_META_BEFORE_COMMENT = frozenset(" \t\n;&|()<>")


class _Unterminated(Exception):
    pass


def _skip_sq(t: str, i: int, n: int) -> int:
    """i points after an opening ' ; return index after the closing '."""
    j = t.find("'", i, n)
    if j < 0:
        raise _Unterminated
    return j + 1


def _skip_ansi(t: str, i: int, n: int) -> int:
    """i points after $' ; backslash escapes apply."""
    while i < n:
        c = t[i]
        if c == "\\":
            i += 2
        elif c == "'":
            return i + 1
        else:
            i += 1
    raise _Unterminated


def _skip_bq(t: str, i: int, n: int) -> int:
    while i < n:
        c = t[i]
        if c == "\\":
            i += 2
        elif c == "`":
            return i + 1
        else:
            i += 1
    raise _Unterminated


def _skip_dq(t: str, i: int, n: int) -> int:
    """i points after an opening " ; return index after the closing "."""
    while i < n:
        c = t[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif c == "`":
            i = _skip_bq(t, i + 1, n)
        elif c == "$" and i + 1 < n and t[i + 1] in "({":
            i = _skip_group(t, i + 2, n, ")" if t[i + 1] == "(" else "}")
        else:
            i += 1
    raise _Unterminated


def _skip_group(t: str, i: int, n: int, closer: str) -> int:
    """i points after ``$(``, ``(``, ``${``; return index after the matching closer."""
    depth = 0
    word_start = True
    while i < n:
        c = t[i]
        if c == "\\":
            i += 2
            word_start = False
            continue
        if c == "'":
            i = _skip_sq(t, i + 1, n)
        elif c == '"':
            i = _skip_dq(t, i + 1, n)
        elif c == "`":
            i = _skip_bq(t, i + 1, n)
        elif c == "$" and i + 1 < n and t[i + 1] == "'":
            i = _skip_ansi(t, i + 2, n)
        elif c == "$" and i + 1 < n and t[i + 1] in "({":
            i = _skip_group(t, i + 2, n, ")" if t[i + 1] == "(" else "}")
        elif c == "#" and word_start and closer == ")":
            j = t.find("\n", i, n)
            i = n if j < 0 else j
        elif c == "(" and closer == ")":
            depth += 1
            i += 1
        elif c == closer:
            if depth == 0:
                return i + 1
            depth -= 1
            i += 1
        else:
            i += 1
        word_start = c in _META_BEFORE_COMMENT
        continue
    raise _Unterminated


def _heredoc_delim(t: str, i: int, n: int) -> tuple[int, str, bool]:
    """i points after ``<<``; return (index after delimiter word, delimiter, strip_tabs)."""
    strip = False
    if i < n and t[i] == "-":
        strip = True
        i += 1
    while i < n and t[i] in " \t":
        i += 1
    out: list[str] = []
    while i < n and t[i] not in " \t\n;&|()<>":
        c = t[i]
        if c in "'\"":
            j = t.find(c, i + 1, n)
            if j < 0:
                raise _Unterminated
            out.append(t[i + 1 : j])
            i = j + 1
        elif c == "\\" and i + 1 < n:
            out.append(t[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return i, "".join(out), strip


def _skip_heredoc_bodies(t: str, i: int, n: int, pending: list[tuple[str, bool]]) -> int:
    """i points after the newline ending a line with heredocs; return index after bodies."""
    for delim, strip in pending:
        while i < n:
            j = t.find("\n", i, n)
            end = n if j < 0 else j
            line = t[i:end]
            if strip:
                line = line.lstrip("\t")
            i = end + 1 if j >= 0 else n
            if line == delim:
                break
    pending.clear()
    return min(i, n)


def _split(t: str, start: int, n: int, loose: bool) -> tuple[list[tuple[int, int]], bool]:
    """Split ``t[start:n]`` into pieces at top-level separators.

    Strict mode (``loose=False``) splits only at newlines, ``;`` and ``&`` outside of
    ``if/case/for/while/until/{}`` blocks, so that each piece is a complete statement.
    Loose mode also splits at ``&&``, ``||``, ``|`` and ignores keywords.  Returns the
    pieces (comments and surrounding blanks excluded) and whether something was left open
    (quote, parenthesis, keyword block); an unterminated quote or group makes the rest of the
    text a single piece.
    """
    pieces: list[tuple[int, int]] = []
    kw: list[str] = []
    pending: list[tuple[str, bool]] = []
    cs = start  # current piece start
    i = start
    cmd_start = True
    word_start = True
    unbalanced = False

    def cut(a: int, b: int) -> None:
        while a < b and t[a] in " \t\n":
            a += 1
        while b > a and t[b - 1] in " \t\n":
            b -= 1
        if a < b:
            pieces.append((a, b))

    try:
        while i < n:
            c = t[i]
            if c in " \t":
                i += 1
                word_start = True
                continue
            if c == "\n":
                if pending:
                    i = _skip_heredoc_bodies(t, i + 1, n, pending)
                else:
                    i += 1
                if loose or not kw:
                    cut(cs, i)
                    cs = i
                cmd_start = word_start = True
                continue
            if c == "#" and word_start:
                j = t.find("\n", i, n)
                j = n if j < 0 else j
                if loose or not kw:
                    cut(cs, i)
                    cs = j
                i = j
                continue
            if cmd_start and not loose:
                m = _WORD_AT.match(t, i)
                if m is not None:
                    w = m.group(0)
                    if w in _OPENERS:
                        kw.append(_OPENERS[w])
                    elif w in _CLOSERS and kw and kw[-1] == w:
                        kw.pop()
                    if w in _KEEP_CMD_START or w in _CLOSERS:
                        i = m.end()
                        cmd_start = True
                        word_start = False
                        continue
            word_start = False
            if c == "\\":
                i += 2
                cmd_start = False
            elif c == "'":
                i = _skip_sq(t, i + 1, n)
                cmd_start = False
            elif c == '"':
                i = _skip_dq(t, i + 1, n)
                cmd_start = False
            elif c == "`":
                i = _skip_bq(t, i + 1, n)
                cmd_start = False
            elif c == "$":
                nx = t[i + 1] if i + 1 < n else ""
                if nx == "'":
                    i = _skip_ansi(t, i + 2, n)
                elif nx == '"':
                    i = _skip_dq(t, i + 2, n)
                elif nx in ("(", "{"):
                    i = _skip_group(t, i + 2, n, ")" if nx == "(" else "}")
                else:
                    i += 1
                cmd_start = False
            elif c == "(":
                i = _skip_group(t, i + 1, n, ")")
                cmd_start = True  # `f() {`, `( ... ) ;`
                word_start = True
            elif c == ")":
                i += 1  # stray: case pattern
                cmd_start = word_start = True
            elif c in ";&|":
                three = t[i : i + 3]
                two = three[:2]
                if three == ";;&":
                    size, sep = 3, loose or not kw
                elif two in (";;", ";&"):
                    size, sep = 2, loose or not kw
                elif two in ("&&", "||", "|&"):
                    size, sep = 2, loose
                elif two == "&>":
                    i += 2  # &> redirection
                    cmd_start = False
                    continue
                else:
                    size, sep = 1, loose or (c != "|" and not kw)
                if sep:
                    cut(cs, i)
                    cs = i + size
                i += size
                cmd_start = word_start = True
            elif c == "<":
                if t.startswith("<<<", i):
                    i += 3
                elif t.startswith("<<", i):
                    i, delim, strip = _heredoc_delim(t, i + 2, n)
                    pending.append((delim, strip))
                elif t.startswith("<(", i):
                    i = _skip_group(t, i + 2, n, ")")
                elif t[i + 1 : i + 2] in ("&", ">"):
                    i += 2
                else:
                    i += 1
                cmd_start = False
            elif c == ">":
                if t.startswith(">(", i):
                    i = _skip_group(t, i + 2, n, ")")
                elif t[i + 1 : i + 2] in ("&", "|", ">"):
                    i += 2
                else:
                    i += 1
                cmd_start = False
            else:
                m = _PLAIN.match(t, i)
                i = m.end() if m is not None else i + 1
                cmd_start = False
    except (_Unterminated, RecursionError):
        unbalanced = True
        i = n
    cut(cs, n)
    if kw:
        unbalanced = True
    return pieces, unbalanced


def split_commands(text: str) -> list[str]:
    """Split ``text`` at top-level ``&&``, ``||``, ``;``, ``|``, ``&`` and newlines.

    Quote-, substitution- and heredoc-aware; comments dropped.  Never raises.
    """
    pieces, _ = _split(text, 0, len(text), loose=True)
    return [text[a:b] for a, b in pieces]


_RESERVED_LEAD = frozenset({"then", "do", "else", "elif", "if", "while", "until", "!", "{", "}"})
_NOT_COMMANDS = frozenset({"fi", "done", "esac", "}", "for", "case", "select", "function", "in"})
_REDIR_OP = re.compile(r"(\d*)(>>|>&|>\||<&|<>|&>>|&>|<<<|<<-|<<|>|<)")


def _tokenize(t: str) -> tuple[list[tuple[str, str]], list[str]] | None:
    """Shell-like tokenization of one simple command.

    Returns ([(raw, value)], redirects) or None when the text cannot be read (unterminated
    quote, or an operator or parenthesis where a word is expected).
    """
    words: list[tuple[str, str]] = []
    redirects: list[str] = []
    n = len(t)
    i = 0
    pending_redirect: str | None = None
    heredocs: list[tuple[str, bool]] = []
    try:
        while i < n:
            c = t[i]
            if c in " \t":
                i += 1
                continue
            if c == "\n":
                i = _skip_heredoc_bodies(t, i + 1, n, heredocs) if heredocs else i + 1
                continue
            if c == "#":
                j = t.find("\n", i)
                i = n if j < 0 else j
                continue
            start = i
            if t[i + 1 : i + 2] != "(":
                m = _REDIR_OP.match(t, i)
                if m is not None:
                    op = m.group(2)
                    i = m.end()
                    if op in ("<<", "<<-"):
                        i, delim, strip = _heredoc_delim(t, i - len(op) + 2, n)
                        heredocs.append((delim, strip))
                        redirects.append(t[start:i].strip())
                    else:
                        pending_redirect = t[start:i]
                    continue
            if c in "();&|":
                return None
            parts: list[str] = []
            while i < n:
                c = t[i]
                nx = t[i + 1 : i + 2]
                if c in "<>" and nx == "(":  # process substitution
                    j = _skip_group(t, i + 2, n, ")")
                    parts.append(t[i:j])
                    i = j
                elif c in " \t\n;&|<>":
                    break
                elif c in "()":
                    return None
                elif c == "\\":
                    parts.append(nx if nx != "\n" else "")
                    i += 2
                elif c == "'":
                    j = _skip_sq(t, i + 1, n)
                    parts.append(t[i + 1 : j - 1])
                    i = j
                elif c == '"' or (c == "$" and nx == '"'):
                    k = i + 1 if c == '"' else i + 2
                    j = _skip_dq(t, k, n)
                    parts.append(_unq_dq(t[k : j - 1]))
                    i = j
                elif c == "`":
                    j = _skip_bq(t, i + 1, n)
                    parts.append(t[i:j])
                    i = j
                elif c == "$" and nx == "'":
                    j = _skip_ansi(t, i + 2, n)
                    parts.append(_ansi_c(t[i:j]))
                    i = j
                elif c == "$" and nx in ("(", "{"):
                    j = _skip_group(t, i + 2, n, ")" if nx == "(" else "}")
                    parts.append(t[i:j])
                    i = j
                else:
                    m2 = _PLAIN.match(t, i)
                    j = m2.end() if m2 is not None and m2.end() > i else i + 1
                    parts.append(t[i:j])
                    i = j
            if i == start:  # cannot happen, but never loop forever
                return None
            raw = t[start:i]
            value = "".join(parts)
            if pending_redirect is not None:
                redirects.append((pending_redirect + raw).strip())
                pending_redirect = None
            else:
                words.append((raw, value))
    except (_Unterminated, RecursionError):
        return None
    if pending_redirect is not None:
        redirects.append(pending_redirect.strip())
    return words, redirects


# --------------------------------------------------------------------------------------------
# tree-sitter
# --------------------------------------------------------------------------------------------

_tls = threading.local()


def _parser() -> Any:
    p = getattr(_tls, "parser", None)
    if p is None:
        p = _ts.Parser(_language())
        _tls.parser = p
    return p


@lru_cache(maxsize=1)
def _language() -> Any:
    return _ts.Language(_ts_bash.language())


_EXPANSIONS = frozenset(
    [
        "simple_expansion",
        "expansion",
        "command_substitution",
        "arithmetic_expansion",
        "process_substitution",
    ]
)
_PLAIN_WORDS = frozenset(
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
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_SUBST = frozenset({"command_substitution", "process_substitution"})
_STATEMENTS = frozenset(
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
_SIMPLE = frozenset(
    [
        "command",
        "declaration_command",
        "unset_command",
        "test_command",
        "variable_assignment",
        "variable_assignments",
    ]
)
_PREAMBLE = frozenset(
    [
        "set",
        "shopt",
        "export",
        "declare",
        "typeset",
        "readonly",
        "local",
        "umask",
        "trap",
        ":",
        "true",
        "unset",
        "alias",
        "",
    ]
)


_MAX_DEPTH = 150
_STEP_BUDGET = 20_000


class _Func:
    __slots__ = ("body", "calls", "first", "last", "nested_calls", "src")

    def __init__(self, body: Any, src: _Src, first: int, last: int) -> None:
        self.body = body
        self.src = src
        self.first = first
        self.last = last
        self.calls: list[_State] = []
        self.nested_calls = False


class _Analyser:
    """Walks tree-sitter trees (and the fallback pieces) and emits Commands."""

    def __init__(self, env: Mapping[str, str], has_subst: bool) -> None:
        self.env = env
        self.out: list[Command] = []
        self.opaque = False
        self.src = _Src("")
        self.has_subst = has_subst
        self.dry = 0
        self.funcs: dict[str, _Func] = {}
        self.calling: set[str] = set()
        self.first_errexit: bool | None = None
        self.depth = 0
        self.steps = 0
        self.record = True  # register functions and their call sites (off while re-walking)
        self.in_def = 0  # > 0 while walking a function body where it is defined
        self._dispatch: dict[str, Callable[[Any, _State, bool], None]] = {
            "program": self._seq,
            "compound_statement": self._compound,
            "do_group": self._seq,
            "list": self._oplist,
            "negated_command": self._seq,
            "pipeline": self._oplist,
            "subshell": self._subshell,
            "redirected_statement": self._redirected,
            "command": self._command,
            "declaration_command": self._declaration,
            "unset_command": self._declaration,
            "variable_assignment": self._assignments,
            "variable_assignments": self._assignments,
            "test_command": self._test,
            "if_statement": self._if,
            "while_statement": self._while,
            "for_statement": self._for,
            "c_style_for_statement": self._c_for,
            "case_statement": self._case,
            "function_definition": self._function,
        }

    # ---------------------------------------------------------------- emission & effects

    def emit(
        self,
        st: _State,
        sub: bool,
        words: tuple[str, ...],
        assignments: tuple[tuple[str, str], ...],
        start_char: int,
        text: str,
        redirects: tuple[str, ...] = (),
        opaque: bool = False,
    ) -> None:
        cmd = Command(
            words=words,
            assignments=assignments,
            cwd=st.cwd,
            text=text,
            opaque=opaque,
            start=start_char,
            redirects=redirects,
            substitution=sub,
            errexit=st.errexit,
        )
        if not self.dry:
            self.out.append(cmd)
            if self.first_errexit is None and not sub and (opaque or cmd.name not in _PREAMBLE):
                self.first_errexit = st.errexit
            if opaque:
                self.opaque = True
        if opaque:
            if _OPAQUE_CD.search(text):
                st.oldpwd, st.cwd, st.stack = st.cwd, None, None
            return
        name = cmd.name
        if name == "cd":
            _apply_cd(words, st, self.env)
        elif name == "set":
            _apply_set(words, st)
        elif name == "pushd":
            _apply_pushd(words, st, self.env)
        elif name == "popd":
            _apply_popd(words, st)
        elif name in self.funcs and len(words[0]) == len(name):
            self._call(name, st)

    def _call(self, name: str, st: _State) -> None:
        func = self.funcs[name]
        if not self.dry and self.record:
            if self.in_def:  # called from another function: the real call site is unknown
                func.nested_calls = True
            else:
                func.calls.append(st.copy())
        if name in self.calling or self.depth > 50 or self.steps > _STEP_BUDGET:
            # recursion or pathological input: give up on the directory
            st.oldpwd, st.cwd, st.stack = st.cwd, None, None
            return
        self.calling.add(name)
        saved_src = self.src
        self.src = func.src
        self.dry += 1
        try:
            self.walk(func.body, st, False)
        finally:
            self.dry -= 1
            self.src = saved_src
            self.calling.discard(name)

    # ---------------------------------------------------------------- tree walking

    def walk(self, node: Any, st: _State, sub: bool) -> None:
        handler = self._dispatch.get(node.type)
        if handler is not None:
            self.steps += 1
            if self.depth > _MAX_DEPTH:  # absurd nesting: do not recurse further
                start, text = self._span(node.start_byte, node.end_byte)
                self.emit(st, sub, (), (), start, text, opaque=True)
                return
            self.depth += 1
            try:
                handler(node, st, sub)
            finally:
                self.depth -= 1
        elif node.is_named and node.type not in ("comment", "heredoc_body"):
            self._subs(node, st)

    def _seq(self, node: Any, st: _State, sub: bool) -> None:
        children = node.children
        last = len(children) - 1
        for i, c in enumerate(children):
            if c.is_named:
                if i < last and children[i + 1].type == "&":  # background job: a subshell
                    self.walk(c, st.copy(), sub)
                else:
                    self.walk(c, st, sub)

    def _compound(self, node: Any, st: _State, sub: bool) -> None:
        if node.child_count and node.children[0].type == "((":
            self._subs(node, st, sub)
            return
        self._seq(node, st, sub)

    @staticmethod
    def _and_or(node: Any) -> tuple[list[list[Any]], dict[int, list[Any]]]:
        """The pipelines of an and-or list: ``[[a, b, c], [d], [e]]`` for ``a|b|c && d || e``.

        tree-sitter-bash nests these with the wrong precedence (``a | b | c && d`` becomes
        ``pipeline(a, list(pipeline(b, c), d))``, and ``a && b 2>&1 | c`` puts the redirection
        on the list ``a && b``); flattening operands and operators and regrouping them
        restores the shell's reading.  Redirections found on a nested list go to its last
        operand (second result, by node id).  Iterative: chains can be long.
        """
        groups: list[list[Any]] = [[]]
        moved: dict[int, list[Any]] = {}
        todo = [node]
        while todo:
            x = todo.pop()
            t = x.type
            if t == "list" or t == "pipeline":
                todo.extend(reversed(x.children))
                continue
            if t == "redirected_statement":
                body = x.child_by_field_name("body")
                if body is not None and (body.type == "list" or body.type == "pipeline"):
                    leaf = body
                    while leaf.type in ("list", "pipeline", "redirected_statement"):
                        if leaf.type == "redirected_statement":
                            inner = leaf.child_by_field_name("body")
                            if inner is None or inner.type not in ("list", "pipeline"):
                                break
                            leaf = inner
                            continue
                        named = [c for c in leaf.children if c.is_named and c.type != "comment"]
                        if not named:
                            break
                        leaf = named[-1]
                    moved.setdefault(leaf.id, []).append(x)
                    todo.append(body)
                    continue
            if t == "&&" or t == "||":
                groups.append([])
            elif x.is_named and t != "comment":
                groups[-1].append(x)
        return [g for g in groups if g], moved

    def _oplist(
        self,
        node: Any,
        st: _State,
        sub: bool,
        reds: tuple[str, ...] = (),
        end: int | None = None,
    ) -> None:
        groups, moved = self._and_or(node)
        last_group = len(groups) - 1
        for gi, group in enumerate(groups):
            fork = len(group) > 1  # every element of a real pipeline runs in a subshell
            last = len(group) - 1
            for i, part in enumerate(group):
                s = st.copy() if fork else st
                preds: tuple[str, ...] = ()
                pend = None
                after: list[Any] = []
                for rs in reversed(moved.get(part.id, ())):  # innermost first
                    r, e, a = self._redirect_info(rs, s)
                    preds += tuple(r)
                    pend = e if pend is None or (e is not None and e > pend) else pend
                    after += a
                if gi == last_group and i == last and (reds or end is not None):
                    preds += reds
                    pend = end if pend is None or (end is not None and end > pend) else pend
                if preds or pend is not None:
                    self._with_redirects(part, s, sub, preds, pend)
                else:
                    self.walk(part, s, sub)
                for h in after:
                    self.walk(h, s, sub)

    def _subshell(self, node: Any, st: _State, sub: bool) -> None:
        self._seq(node, st.copy(), sub)

    def _subs(self, node: Any, st: _State, sub: bool = True) -> None:
        """Emit the commands of every command/process substitution below ``node``."""
        if not self.has_subst:
            return
        stack = [node]
        found = []
        while stack:
            n = stack.pop()
            if n.type in _SUBST:
                found.append(n)
                continue
            if n.child_count:
                stack.extend(reversed(n.children))
        for s in found:
            inner = st.copy()
            for c in s.children:
                if c.is_named:
                    self.walk(c, inner, True)

    def _word(self, node: Any) -> str:
        t = node.type
        src = self.src
        if t in _PLAIN_WORDS:
            return _unq(src.node(node))
        if t == "raw_string":
            s = src.node(node)
            return s[1:-1] if len(s) >= 2 and s.endswith("'") else s[1:]
        if t == "string":
            return self._dq(node)
        if t in _EXPANSIONS:
            return src.node(node)
        if t == "ansi_c_string":
            return _ansi_c(src.node(node))
        if t == "translated_string":
            for c in node.children:
                if c.type == "string":
                    return self._dq(c)
            return src.node(node)[1:]
        if t == "command_name" and node.child_count == 1:
            return self._word(node.children[0])
        if node.child_count == 0:
            return _unq(src.node(node))
        # concatenation and anything else: glue the parts, text between them unquoted
        out = []
        pos = node.start_byte
        for c in node.children:
            if c.start_byte > pos:
                out.append(_unq(src.text(pos, c.start_byte)))
            out.append(self._word(c) if c.is_named else _unq(src.node(c)))
            pos = max(pos, c.end_byte)
        if pos < node.end_byte:
            out.append(_unq(src.text(pos, node.end_byte)))
        return "".join(out)

    def _dq(self, node: Any) -> str:
        src = self.src
        s, e = node.start_byte, node.end_byte
        children = node.children
        end = e - 1 if children and children[-1].type == '"' and e - s >= 2 else e
        pos = s + 1
        out = []
        for c in children:
            if c.type in _EXPANSIONS:
                out.append(_unq_dq(src.text(pos, c.start_byte)))
                out.append(src.node(c))
                pos = c.end_byte
        out.append(_unq_dq(src.text(pos, end)))
        return "".join(out)

    def _assign(self, node: Any) -> tuple[str, str]:
        name = ""
        value = ""
        for c in node.children:
            if not c.is_named:
                continue
            if not name and c.type in ("variable_name", "subscript"):
                name = self.src.node(c)
            else:
                value = self._word(c)
        return name, value

    def _span(self, start_byte: int, end_byte: int) -> tuple[int, str]:
        src = self.src
        a = src.pos(start_byte)
        return src.base + a, src.s[a : src.pos(end_byte)]

    def _command(
        self,
        node: Any,
        st: _State,
        sub: bool,
        redirects: tuple[str, ...] = (),
        end_byte: int | None = None,
    ) -> None:
        children = node.children
        for c in children:
            if c.type == "regex":  # tree-sitter reads `echo a == b ...` as a test: re-read
                self._region(node.start_byte, node.end_byte, st, sub, use_ts=False)
                return
        assigns: list[tuple[str, str]] = []
        words: list[str] = []
        reds: list[str] = []
        last_end = -1
        last_assign = False
        for c in children:
            t = c.type
            if t == "comment":
                continue
            self._subs(c, st)
            if t in _REDIRECTS:
                reds.append(self.src.node(c).strip())
                continue
            if c.start_byte == last_end:
                # tree-sitter-bash sometimes splits one shell word in two (`a-$(x)-$Y.tar`,
                # `P=$A/$B/c`, tree-sitter-bash#315): touching nodes are one word
                if last_assign:
                    k, v = assigns[-1]
                    assigns[-1] = (k, v + self._word(c))
                else:
                    words[-1] += self._word(c)
            elif t == "variable_assignment" and not words:
                assigns.append(self._assign(c))
                last_assign = True
            elif (
                not words
                and t != "command_name"
                and (m := _NAME_EQ.match(self.src.node(c))) is not None
            ):
                assigns.append((m.group(1), self._word(c)[m.end() :]))  # after a healed split
                last_assign = True
            else:
                words.append(self._word(c))
                last_assign = False
            last_end = c.end_byte
        start, text = self._span(node.start_byte, max(node.end_byte, end_byte or 0))
        self.emit(st, sub, tuple(words), tuple(assigns), start, text, (*reds, *redirects))

    def _declaration(
        self,
        node: Any,
        st: _State,
        sub: bool,
        redirects: tuple[str, ...] = (),
        end_byte: int | None = None,
    ) -> None:
        words: list[str] = []
        reds: list[str] = []
        last_end = -1
        for c in node.children:
            t = c.type
            if t == "comment":
                continue
            self._subs(c, st)
            if t in _REDIRECTS:
                reds.append(self.src.node(c).strip())
                continue
            if t == "variable_assignment":
                k, v = self._assign(c)
                value = f"{k}={v}"
            else:
                value = self._word(c)
            if c.start_byte == last_end and words:  # one word split in two, see _command
                words[-1] += value
            else:
                words.append(value)
            last_end = c.end_byte
        start, text = self._span(node.start_byte, max(node.end_byte, end_byte or 0))
        self.emit(st, sub, tuple(words), (), start, text, (*reds, *redirects))

    def _assignments(
        self,
        node: Any,
        st: _State,
        sub: bool,
        redirects: tuple[str, ...] = (),
        end_byte: int | None = None,
    ) -> None:
        self._subs(node, st)
        if node.type == "variable_assignment":
            assigns = (self._assign(node),)
        else:
            assigns = tuple(
                self._assign(c) for c in node.children if c.type == "variable_assignment"
            )
        start, text = self._span(node.start_byte, max(node.end_byte, end_byte or 0))
        self.emit(st, sub, (), assigns, start, text, redirects)

    def _test(
        self,
        node: Any,
        st: _State,
        sub: bool,
        redirects: tuple[str, ...] = (),
        end_byte: int | None = None,
    ) -> None:
        self._subs(node, st)
        words: list[str] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n is not node and (
                n.type in _PLAIN_WORDS
                or n.type in _EXPANSIONS
                or n.type in ("string", "raw_string", "concatenation", "ansi_c_string")
                or not n.is_named
            ):
                words.append(self._word(n) if n.is_named else self.src.node(n))
                continue
            if n.type == "comment":
                continue
            stack.extend(reversed(n.children))
        start, text = self._span(node.start_byte, max(node.end_byte, end_byte or 0))
        self.emit(st, sub, tuple(words), (), start, text, redirects)

    def _redirect_info(self, node: Any, st: _State) -> tuple[list[str], int | None, list[Any]]:
        """Redirections of a redirected_statement: (texts, end byte, statements after a heredoc)."""
        reds: list[str] = []
        end = None
        after: list[Any] = []
        for c in node.children:
            if c.type == "file_redirect" or c.type == "herestring_redirect":
                self._subs(c, st)
                reds.append(self.src.node(c).strip())
                end = c.end_byte
            elif c.type == "heredoc_redirect":
                self._subs(c, st)
                hend = c.start_byte
                for h in c.children:
                    ht = h.type
                    if ht == "heredoc_start" or ht == "<<" or ht == "<<-" or ht == "file_redirect":
                        hend = h.end_byte
                    elif ht in _STATEMENTS:
                        after.append(h)  # `cat <<EOF > f && chmod +x f`, `cat <<EOF | sh`
                    elif ht == "heredoc_body":
                        break
                reds.append(self.src.text(c.start_byte, hend).strip())
                end = hend if end is None or hend > end else end
        return reds, end, after

    def _redirected(self, node: Any, st: _State, sub: bool) -> None:
        body = node.child_by_field_name("body")
        reds, end, after = self._redirect_info(node, st)
        if body is not None:
            self._with_redirects(body, st, sub, tuple(reds), end)
        for h in after:
            if h.type == "pipeline":  # `cat <<EOF | sh`
                for c in h.children:
                    if c.is_named:
                        self.walk(c, st.copy(), sub)
            else:
                self.walk(h, st, sub)

    def _with_redirects(
        self, node: Any, st: _State, sub: bool, reds: tuple[str, ...], end: int | None
    ) -> None:
        """Walk ``node`` giving ``reds`` to its last simple command.

        tree-sitter-bash attaches the redirections of ``a && b > f`` to the whole list; in
        the shell they belong to ``b``.
        """
        t = node.type
        if t in _SIMPLE:
            self._dispatch[t](node, st, sub, reds, end)  # type: ignore[call-arg]
        elif t == "list" or t == "pipeline":
            self._oplist(node, st, sub, reds, end)
        elif t == "negated_command":
            parts = [c for c in node.children if c.is_named and c.type != "comment"]
            for c in parts[:-1]:
                self.walk(c, st, sub)
            if parts:
                self._with_redirects(parts[-1], st, sub, reds, end)
        else:
            self.walk(node, st, sub)

    def _split_keywords(self, node: Any, sep: str) -> tuple[list[Any], list[Any], list[Any]]:
        before: list[Any] = []
        after: list[Any] = []
        clauses: list[Any] = []
        seen = False
        for c in node.children:
            t = c.type
            if t == sep:
                seen = True
            elif t in ("elif_clause", "else_clause"):
                clauses.append(c)
            elif c.is_named:
                (after if seen else before).append(c)
        return before, after, clauses

    def _if(self, node: Any, st: _State, sub: bool) -> None:
        cond, body, clauses = self._split_keywords(node, "then")
        for c in cond:
            self.walk(c, st, sub)
        outcomes: list[_State] = []
        b = st.copy()
        for c in body:
            self.walk(c, b, sub)
        outcomes.append(b)
        cur = st.copy()
        has_else = False
        for clause in clauses:
            if clause.type == "elif_clause":
                ccond, cbody, _ = self._split_keywords(clause, "then")
                for c in ccond:
                    self.walk(c, cur, sub)
                b = cur.copy()
                for c in cbody:
                    self.walk(c, b, sub)
                outcomes.append(b)
            else:
                has_else = True
                b = cur.copy()
                self._seq(clause, b, sub)
                outcomes.append(b)
        if not has_else:
            outcomes.append(cur)
        st.merge(outcomes)

    def _dry_loop(self, st: _State, run: Callable[[_State], None]) -> None:
        probe = st.copy()
        run(probe)
        if probe.key() != st.key():
            st.merge([st.copy(), probe])

    def _loop_entry(self, st: _State, run: Callable[[_State], None]) -> None:
        """Make ``st`` the state at the top of every iteration (merge with one iteration)."""
        if self.steps > _STEP_BUDGET:  # pathological input: stop simulating
            st.oldpwd, st.cwd, st.stack = None, None, None
            return
        probe = st.copy()
        self.dry += 1
        try:
            run(probe)
        finally:
            self.dry -= 1
        if probe.key() != st.key():
            st.merge([st.copy(), probe])

    def _while(self, node: Any, st: _State, sub: bool) -> None:
        cond = [c for c in node.children if c.is_named and c.type != "do_group"]
        body = node.child_by_field_name("body")

        def run(s: _State) -> None:
            for c in cond:
                self.walk(c, s, sub)
            if body is not None:
                self.walk(body, s, sub)

        if self.dry:  # only the end state matters: one merged pass (no exponential probing)
            self._dry_loop(st, run)
            return
        self._loop_entry(st, run)
        for c in cond:
            self.walk(c, st, sub)
        if body is not None:
            self.walk(body, st.copy(), sub)

    def _for(self, node: Any, st: _State, sub: bool) -> None:
        values = node.children_by_field_name("value")
        for v in values:
            self._subs(v, st)
        body = node.child_by_field_name("body")
        if body is None:
            return
        if self.dry:
            self._dry_loop(st, lambda s: self.walk(body, s, sub))
            return
        entry = st.copy()
        self._loop_entry(entry, lambda s: self.walk(body, s, sub))
        end = entry.copy()
        self.walk(body, end, sub)
        literal = bool(values) and all(
            v.type in ("word", "number", "raw_string")
            and not any(ch in self.src.node(v) for ch in "*?[")
            for v in values
        )
        if literal:  # runs at least once
            st.assign(end)
        else:
            st.merge([st.copy(), end])

    def _c_for(self, node: Any, st: _State, sub: bool) -> None:
        body = node.child_by_field_name("body")
        for c in node.children:
            if c.is_named and c is not body and c.type != "do_group":
                self._subs(c, st)
        if body is None:
            return
        if self.dry:
            self._dry_loop(st, lambda s: self.walk(body, s, sub))
            return
        self._loop_entry(st, lambda s: self.walk(body, s, sub))
        self.walk(body, st.copy(), sub)

    def _case(self, node: Any, st: _State, sub: bool) -> None:
        outcomes: list[_State] = []
        has_default = False
        for c in node.children:
            if c.type == "case_item":
                b = st.copy()
                values = c.children_by_field_name("value")
                for v in values:
                    if self.src.node(v) == "*":
                        has_default = True
                value_ids = {v.id for v in values}
                for cc in c.children:
                    if cc.is_named and cc.id not in value_ids:
                        self.walk(cc, b, sub)
                outcomes.append(b)
            elif c.is_named and c.type != "comment":
                self._subs(c, st)
        if not has_default:
            outcomes.append(st.copy())
        st.merge(outcomes)

    def _function(self, node: Any, st: _State, sub: bool) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if body is None or name_node is None:
            return
        name = self.src.node(name_node)
        first = len(self.out)
        self.in_def += 1
        try:
            self.walk(body, st.copy(), sub)
        finally:
            self.in_def -= 1
        if not self.dry and self.record:
            self.funcs[name] = _Func(body, self.src, first, len(self.out))

    def finish_functions(self) -> None:
        """Give function-body commands the directory of their call sites."""
        for func in list(self.funcs.values()):
            if not func.calls and not func.nested_calls:
                continue
            entry = func.calls[0].copy() if func.calls else _State(None, None, None, False)
            entry.merge(func.calls)
            if func.nested_calls:
                entry.cwd = entry.oldpwd = entry.stack = None
            saved_out, saved_src = self.out, self.src
            self.out = []
            self.src = func.src
            self.record = False
            try:
                self.walk(func.body, entry, False)
                fresh = self.out
            finally:
                self.out, self.src, self.record = saved_out, saved_src, True
            span = self.out[func.first : func.last]
            if len(fresh) == len(span):
                self.out[func.first : func.last] = [
                    Command(
                        words=o.words,
                        assignments=o.assignments,
                        cwd=f.cwd,
                        text=o.text,
                        opaque=o.opaque,
                        start=o.start,
                        redirects=o.redirects,
                        substitution=o.substitution,
                        errexit=f.errexit,
                    )
                    for o, f in zip(span, fresh, strict=True)
                ]

    # ---------------------------------------------------------------- unreadable regions

    def run_tree(self, text: str, base: int, st: _State, sub: bool, check: bool) -> bool:
        """Parse ``text`` and walk it; return False (emitting nothing) if it has errors."""
        if _ts is None:
            return False
        src = _Src(text, base)
        tree = _parser().parse(src.b)
        root = tree.root_node
        if check and root.has_error:
            return False
        saved = self.src
        self.src = src
        try:
            self.walk(root, st, sub)
        finally:
            self.src = saved
        return True

    def _region(
        self, start_byte: int, end_byte: int, st: _State, sub: bool, use_ts: bool = True
    ) -> None:
        src = self.src
        a, b = src.pos(start_byte), src.pos(end_byte)
        self.fallback(src.s[a:b], src.base + a, st, sub, use_ts)

    def fallback(self, text: str, base: int, st: _State, sub: bool, use_ts: bool = True) -> None:
        pieces, unbalanced = _split(text, 0, len(text), loose=False)
        if unbalanced:
            self.opaque = True
        for a, b in pieces:
            piece = text[a:b]
            if use_ts and self.run_tree(piece, base + a, st, sub, check=True):
                continue
            subpieces, _ = _split(piece, 0, len(piece), loose=True)
            for sa, sb in subpieces:
                chunk = piece[sa:sb]
                if (
                    use_ts
                    and len(subpieces) > 1
                    and self.run_tree(chunk, base + a + sa, st, sub, True)
                ):
                    continue
                self._tokens(chunk, base + a + sa, st, sub, use_ts)

    def _tokens(self, chunk: str, start: int, st: _State, sub: bool, use_ts: bool = True) -> None:
        if chunk.startswith("(") and chunk.endswith(")") and not chunk.startswith("(("):
            # a subshell: read its inside, and keep its cd to itself
            self.fallback(chunk[1:-1], start + 1, st.copy(), sub, use_ts)
            return
        res = _tokenize(chunk)
        if res is None:
            self.emit(st, sub, (), (), start, chunk, opaque=True)
            return
        toks, redirects = res
        while toks and toks[0][0] in _RESERVED_LEAD:
            toks.pop(0)
        if not toks and not redirects:
            return
        if toks and toks[0][0] in _NOT_COMMANDS:
            return
        assigns: list[tuple[str, str]] = []
        while toks:
            m = _NAME_EQ.match(toks[0][0])
            if m is None:
                break
            _raw, value = toks.pop(0)
            assigns.append(
                (m.group(1), value[m.end() :] if value.startswith(m.group(0)) else value)
            )
        self.emit(
            st, sub, tuple(v for _, v in toks), tuple(assigns), start, chunk, tuple(redirects)
        )


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

_SHEBANG_SHELL_E = re.compile(r"^-[A-Za-z]*e")


def _shebang(script: str) -> tuple[str | None, bool, bool]:
    """(interpreter basename, is a shell, starts with -e)."""
    if not script.startswith("#!"):
        return None, True, False
    line = script[2:].split("\n", 1)[0].strip()
    parts = line.split()
    if not parts:
        return None, True, False
    interp = parts[0].rpartition("/")[2]
    rest = parts[1:]
    if interp == "env":
        rest = [p for p in rest if not (p.startswith("-") and not p.startswith("--"))]
        rest = [p for p in rest if "=" not in p]
        if not rest:
            return interp, False, False
        interp = rest[0].rpartition("/")[2]
        rest = rest[1:]
    is_shell = interp in _SHELLS
    errexit = False
    for i, p in enumerate(rest):
        if _SHEBANG_SHELL_E.match(p) or (p == "-o" and rest[i + 1 : i + 2] == ["errexit"]):
            errexit = True
    return interp, is_shell, errexit


def _analyse(
    script: str,
    cwd: str | None,
    env: Mapping[str, str],
    errexit: bool,
) -> Script:
    interp, is_shell, shebang_e = _shebang(script)
    if not is_shell:
        cmd = Command((), (), cwd, script, opaque=True, start=0)
        return Script((cmd,), True, False, interp)
    st = _State(cwd, env.get("OLDPWD"), (), errexit or shebang_e)
    has_subst = "$(" in script or "`" in script or "<(" in script or ">(" in script
    an = _Analyser(env, has_subst)
    if not an.run_tree(script, 0, st, False, check=True):
        an.fallback(script, 0, st, False, use_ts=True)
    an.finish_functions()
    commands = tuple(an.out)
    first = an.first_errexit
    script_errexit = st.errexit if first is None else first
    opaque = an.opaque or any(c.opaque for c in commands)
    return Script(commands, opaque, script_errexit, interp)


_CD_VARIABLES = frozenset({"HOME", "OLDPWD"})


@lru_cache(maxsize=4096)
def _analyse_cached(
    script: str, cwd: str | None, env_items: tuple[tuple[str, str], ...], errexit: bool
) -> Script:
    return _analyse(script, cwd, dict(env_items), errexit)


def analyse(
    script: str,
    cwd: str = "/",
    env: Mapping[str, str] | None = None,
    *,
    errexit: bool = False,
) -> Script:
    """Analyse a shell script (a shell-form RUN or a heredoc body).

    ``cwd`` is the directory the script starts in (the stage's WORKDIR); ``env`` resolves
    ``$VAR``/``${VAR}``/``~`` in ``cd`` targets (and HOME for a bare ``cd``); ``errexit``
    says the shell was started with ``-e``.  Never raises: unreadable parts become opaque
    commands.
    """
    try:
        if isinstance(script, bytes | bytearray):
            script = bytes(script).decode("utf-8", "surrogateescape")
        elif not isinstance(script, str):
            script = str(script)
        # Only variables the script names (and HOME, OLDPWD for ``~``, ``cd``, ``cd -``) can
        # matter: the same script in another environment is the same analysis.
        env_items = (
            tuple(
                sorted(
                    (str(k), str(v))
                    for k, v in env.items()
                    if k in _CD_VARIABLES or str(k) in script
                )
            )
            if env
            else ()
        )
        return _analyse_cached(script, cwd, env_items, bool(errexit))
    except Exception:  # pragma: no cover - last-resort guarantee (incl. RecursionError)
        return _last_resort(script, cwd)


def _last_resort(script: Any, cwd: str | None) -> Script:
    text = script if isinstance(script, str) else repr(script)
    return Script((Command((), (), cwd, text, opaque=True, start=0),), True, False)
