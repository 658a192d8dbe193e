"""The one redaction function: every text msb-migrate displays or persists that may hold a
secret passes through :func:`redact` (records through :func:`redact_data`).

What it removes, replacing it with ``***``:

- The user information of URLs. ``scheme://user:password@host`` and ``scheme://token@host``
  become ``scheme://***@host`` (with a scheme the whole user information goes: a token is often
  the user name); an scp-like ``user:password@host:path`` becomes ``***@host:path`` (a user name
  alone, ``git@host:path``, stays: it is no secret).
- The secrets: the tokens of the environment variables in :data:`SECRET_VARIABLES` (read at
  each call, surrounding whitespace stripped, so a process that never loaded a token still
  redacts it) and every value given to :func:`add_secret`. Each is found in any mix of its raw,
  percent-encoded (``%74``), JSON-escaped (``\\u0074``, ``\\/``) and HTML-entity (``&#116;``)
  forms, and inside base64 text (``Basic`` authorization of ``user:token``, at any alignment;
  the two bytes at either end of the token that share a base64 group with other bytes can
  stay). Secrets shorter than :data:`MIN_SECRET` characters are not searched for: they would
  blank ordinary words and are no credential.
- Authorization values (``Bearer …``, ``Basic …``) and strings shaped like GitHub and GitLab
  tokens (``ghp_…``, ``github_pat_…``, ``glpat-…``) even when they are not the known token (a
  forge may echo part of it, or another one).

Redact first, then cut: a text is never shortened before it is redacted (a secret cut in half
is no longer recognised).
"""

from __future__ import annotations

import base64
import functools
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MIN_SECRET", "SECRET_VARIABLES", "add_secret", "redact", "redact_data", "secrets"]

SECRET_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN")
MIN_SECRET = 4
MASK = "***"

_registered: set[str] = set()

# scheme://userinfo@ — up to the last @ before the path, a space or a quote
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s'\"<>]*@")
# scp-like user:password@host — at the start of a word, followed by a host name
_SCP_USERINFO = re.compile(r"(?:^|(?<=[\s'\"(<=,;]))[^\s/@:'\"<>]+:[^\s/'\"<>]*@(?=[A-Za-z0-9\[])")
_BEARER = re.compile(r"\b(?P<scheme>[Bb]earer|BEARER)(?P<gap>\s+)[^\s'\",;]+")
# Basic and base64 text (a digit, + / =, or a capital after the first letter): not "Basic auth"
_BASIC = re.compile(
    r"\b(?P<scheme>[Bb]asic|BASIC)(?P<gap>\s+)"
    r"(?=[A-Za-z0-9+/]*(?:[0-9+/=]|(?<=[A-Za-z0-9+/])[A-Z]))[A-Za-z0-9+/]{8,}={0,2}"
)
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{8,}|github_pat_[A-Za-z0-9_]{8,}|glpat-[A-Za-z0-9_-]{8,})"
)


def add_secret(value: str) -> None:
    """Redact ``value`` (surrounding whitespace stripped) from now on in this process."""
    value = value.strip()
    if len(value) >= MIN_SECRET:
        _registered.add(value)


def secrets(env: Mapping[str, str] | None = None) -> frozenset[str]:
    """The secrets :func:`redact` removes: the registered ones and the tokens of ``env``."""
    env = os.environ if env is None else env
    found = set(_registered)
    for name in SECRET_VARIABLES:
        value = env.get(name, "").strip()
        if len(value) >= MIN_SECRET:
            found.add(value)
    return frozenset(found)


def _hex(number: int, width: int) -> str:
    """A pattern for ``number`` in hexadecimal, either case."""
    return "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d for d in f"{number:0{width}x}")


def _char(c: str) -> str:
    """A pattern for one character of a secret in any of its escaped forms."""
    code = ord(c)
    forms = [re.escape(c), "%" + "%".join(_hex(b, 2) for b in c.encode("utf-8"))]
    if code < 0x10000:
        forms.append(r"\\u" + _hex(code, 4))
    if c in '/"\\':
        forms.append(re.escape("\\" + c))
    forms += [f"&#0*{code};", f"&#[xX]0*{_hex(code, 1)};"]
    return "(?:" + "|".join(forms) + ")"


def _base64_cores(secret: str) -> list[str]:
    """The base64 text that holds ``secret`` whatever precedes it, for each of the three
    alignments: the groups made of the secret's bytes alone (standard and URL-safe)."""
    data = secret.encode("utf-8")
    cores = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode("ascii")
        start = 4 if shift else 0
        end = (shift + len(data)) // 3 * 4
        core = encoded[start:end]
        if len(core) >= 8:
            cores += [core, core.translate(str.maketrans("+/", "-_"))]
    return cores


@functools.lru_cache(maxsize=64)
def _pattern(secret: str) -> re.Pattern[str]:
    forms = ["".join(_char(c) for c in secret), *map(re.escape, _base64_cores(secret))]
    return re.compile("|".join(forms))


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` without credentials: see the module's documentation. ``extra``: more secrets."""
    if not text:
        return text
    text = _URL_USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", text)
    text = _SCP_USERINFO.sub(MASK + "@", text)
    for scheme in (_BEARER, _BASIC):
        text = scheme.sub(lambda m: m.group("scheme") + m.group("gap") + MASK, text)
    known = set(secrets()) | {s.strip() for s in extra if len(s.strip()) >= MIN_SECRET}
    for secret in sorted(known, key=len, reverse=True):
        text = _pattern(secret).sub(MASK, text)
    return _TOKEN_SHAPES.sub(MASK, text)


def redact_data(data: Any) -> Any:
    """``data`` (JSON-like: mappings, sequences, strings, numbers) with every string, keys
    included, passed through :func:`redact`: a record is redacted before it is serialised."""
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, Mapping):
        return {redact_data(k): redact_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redact_data(v) for v in data]
    return data
