"""What the shell knows while it runs a script, and the builtins that change it.

:class:`ShellState` holds the working directory, ``OLDPWD``, the ``pushd`` stack and whether
``set -e`` is on; ``cd``, ``pushd``, ``popd`` and ``set`` update it as the shell would.
Anything that cannot be known statically becomes ``None`` (unknown), never a guess: a ``cd``
to ``$VAR`` that the environment does not name, ``~user``, a glob.  :meth:`ShellState.merge`
is how control flow joins paths (branches, loops): what differs becomes unknown.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping

__all__ = ["OPAQUE_CD", "ShellState", "apply_cd", "apply_popd", "apply_pushd", "apply_set"]

_UNKNOWN_STACK = None

#: the ``pushd`` stack (below the current directory); None when unknown
Stack = tuple[str | None, ...] | None


class ShellState:
    """What the shell knows while walking: directory, OLDPWD, pushd stack, errexit."""

    __slots__ = ("cwd", "errexit", "oldpwd", "stack")

    def __init__(
        self,
        cwd: str | None,
        oldpwd: str | None,
        stack: Stack,
        errexit: bool,
    ) -> None:
        self.cwd = cwd
        self.oldpwd = oldpwd
        self.stack = stack
        self.errexit = errexit

    def copy(self) -> ShellState:
        return ShellState(self.cwd, self.oldpwd, self.stack, self.errexit)

    def key(self) -> tuple[str | None, str | None, Stack, bool]:
        return (self.cwd, self.oldpwd, self.stack, self.errexit)

    def assign(self, other: ShellState) -> None:
        self.cwd, self.oldpwd, self.stack, self.errexit = (
            other.cwd,
            other.oldpwd,
            other.stack,
            other.errexit,
        )

    def merge(self, states: Iterable[ShellState]) -> None:
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


def _resolve_word(word: str, env: Mapping[str, str], st: ShellState) -> str | None:
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


def apply_cd(
    words: tuple[str, ...], st: ShellState, env: Mapping[str, str], pushd: bool = False
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


def apply_pushd(words: tuple[str, ...], st: ShellState, env: Mapping[str, str]) -> None:
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
    apply_cd(("cd", args[0]), st, env, pushd=True)


def apply_popd(words: tuple[str, ...], st: ShellState) -> None:
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


def apply_set(words: tuple[str, ...], st: ShellState) -> None:
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


#: text that may change directory: an opaque command matching it makes the directory unknown
OPAQUE_CD = re.compile(r"(?:^|[\s;&|(`{])(?:cd|pushd|popd)(?:$|[\s;&|)`}])")
