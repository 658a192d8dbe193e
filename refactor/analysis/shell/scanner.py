"""The fallback reader: quote-, heredoc- and keyword-aware splitting and word tokenizing.

Used for whatever tree-sitter-bash cannot read cleanly (see :mod:`.walker`): :func:`split_pieces`
cuts a region at top-level separators (strictly at statement boundaries, or loosely at every
``&&``/``||``/``|`` too) and :func:`tokenize` reads one simple command with the shell's quoting
rules.  Neither raises on bad input: an unterminated quote or group is reported (``unbalanced``
or ``None``), and the caller turns what is left into an opaque command.
"""

from __future__ import annotations

import re

from refactor.analysis.shell.quoting import ansi_c, unquote_dq

__all__ = ["split_commands", "split_pieces", "tokenize"]

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


def split_pieces(t: str, start: int, n: int, loose: bool) -> tuple[list[tuple[int, int]], bool]:
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
    pieces, _ = split_pieces(text, 0, len(text), loose=True)
    return [text[a:b] for a, b in pieces]


_REDIR_OP = re.compile(r"(\d*)(>>|>&|>\||<&|<>|&>>|&>|<<<|<<-|<<|>|<)")


def tokenize(t: str) -> tuple[list[tuple[str, str]], list[str]] | None:
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
                    parts.append(unquote_dq(t[k : j - 1]))
                    i = j
                elif c == "`":
                    j = _skip_bq(t, i + 1, n)
                    parts.append(t[i:j])
                    i = j
                elif c == "$" and nx == "'":
                    j = _skip_ansi(t, i + 2, n)
                    parts.append(ansi_c(t[i:j]))
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
