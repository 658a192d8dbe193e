"""Quote removal as the shell does it: backslashes, double-quoted text and ``$'...'`` strings.

Words keep their expansions as written (``$FOO``, ``$(cmd)``); only quoting is removed.
"""

from __future__ import annotations

import re

__all__ = ["NAME_EQ", "ansi_c", "unquote", "unquote_dq"]


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
#: ``NAME=`` or ``NAME+=`` at the start of a word (an assignment)
NAME_EQ = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?)=")


def unquote(s: str) -> str:
    """Quote removal for unquoted text: ``\\x`` -> ``x``, backslash-newline vanishes."""
    if "\\" not in s:
        return s
    return _BS_ANY.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), s)


def unquote_dq(s: str) -> str:
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


def ansi_c(raw: str) -> str:
    """Decode ``$'...'`` (raw includes the ``$'`` and closing quote)."""
    body = raw[2:-1] if raw.endswith("'") and len(raw) >= 3 else raw[2:]
    if "\\" not in body:
        return body
    return _ANSI.sub(_ansi_repl, body)
