"""The entry points: :func:`analyse` (cached, never raises) and :func:`analyse_uncached`.

A ``#!`` line picks the interpreter: a script for another interpreter (``#!/usr/bin/env
python3``) is one opaque command, a shell's ``-e`` (``#!/bin/sh -e``) turns errexit on.  The
cache key holds only the environment variables the script names (and ``HOME``/``OLDPWD``, which
``~``, ``cd`` and ``cd -`` read without naming them), so one script analysed under different
stages' environments is analysed once.

Which interpreters are shells is :data:`refactor.data.system.SHELLS`, the one table every
codemod reads (it took ``posh`` and ``yash`` from the analyser's former copy).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from refactor.analysis.shell.control import Analyser
from refactor.analysis.shell.model import Command, Script
from refactor.analysis.shell.state import ShellState
from refactor.data.system import SHELLS

__all__ = ["analyse", "analyse_uncached", "clear_cache"]


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
    is_shell = interp in SHELLS
    errexit = False
    for i, p in enumerate(rest):
        if _SHEBANG_SHELL_E.match(p) or (p == "-o" and rest[i + 1 : i + 2] == ["errexit"]):
            errexit = True
    return interp, is_shell, errexit


def analyse_uncached(
    script: str,
    cwd: str | None,
    env: Mapping[str, str],
    errexit: bool,
) -> Script:
    """:func:`analyse` without the cache and without its last-resort guard (for timing)."""
    interp, is_shell, shebang_e = _shebang(script)
    if not is_shell:
        cmd = Command((), (), cwd, script, opaque=True, start=0)
        return Script((cmd,), True, False, interp)
    st = ShellState(cwd, env.get("OLDPWD"), (), errexit or shebang_e)
    has_subst = "$(" in script or "`" in script or "<(" in script or ">(" in script
    an = Analyser(env, has_subst)
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
    return analyse_uncached(script, cwd, dict(env_items), errexit)


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


def clear_cache() -> None:
    """Forget every memoized analysis (a benchmark pass starts as cold as a new process)."""
    _analyse_cached.cache_clear()


def _last_resort(script: object, cwd: str | None) -> Script:
    text = script if isinstance(script, str) else repr(script)
    return Script((Command((), (), cwd, text, opaque=True, start=0),), True, False)
