"""How msb-migrate runs git: THE place every git command takes its argv prefix and environment
from (:func:`git_command`; :func:`run_git` for a subprocess) — subprocess or GitPython, in
discovery, in the single-repository command and in bulk. A repository's configuration is data,
never a command.

Hooks, fsmonitor, signing and background gc are off (:data:`SAFE_CONFIG`); the transports are
allowlisted (:data:`PROTOCOLS`: no ``ext::``, ``fd::`` or other remote helpers); and each
command-running key the repository's own configuration sets (its ``.git/config``,
``config.worktree`` and the files they include: filter drivers, credential helpers,
``core.sshCommand``, ``core.askPass``, ``core.gitProxy``…) is
overridden in the command-line scope with the user's own value (system, global or ``-c``) or a
neutral one (:func:`repository_overrides`); the remote programs are named on the command line
(:data:`UPLOAD_PACK`, :data:`RECEIVE_PACK`). The user's own configuration and environment are
trusted: a ``GIT_SSH_COMMAND`` or a global credential helper keeps working. Each command has a
timeout (:data:`GIT_TIMEOUT`, :data:`NETWORK_TIMEOUT`). The list and the reasons are in
docs/security.md.

Kept apart from :mod:`refactor.app.gitops` so that discovery does not import GitPython (about
50 ms of start-up).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path

from refactor.errors import MsbError

__all__ = [
    "GIT_TIMEOUT",
    "LOCAL_RECEIVE_PACK",
    "NETWORK_TIMEOUT",
    "PROTOCOLS",
    "RECEIVE_PACK",
    "SAFE_CONFIG",
    "UPLOAD_PACK",
    "GitOpsError",
    "config_read_once",
    "git_command",
    "is_local_url",
    "repository_overrides",
    "run_git",
]


class GitOpsError(MsbError):
    """A git operation msb-migrate refuses or that failed (credentials scrubbed)."""


#: The transports git may use (``GIT_ALLOW_PROTOCOL``, which overrides every ``protocol.*``
#: setting): local paths and ``file://`` (bulk clones local repositories), ssh, http(s) and
#: git. Not ``ext::`` (runs a command), ``fd::`` (hangs on a descriptor) nor any other remote
#: helper (``git-remote-<name>`` programs, ``remote.<name>.vcs``).
PROTOCOLS = ("file", "git", "http", "https", "ssh")

#: Set for every git command, over every configuration file (command-line scope).
SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),  # a command (or daemon) run by status, check-ignore, …
    ("core.hooksPath", "/dev/null"),  # no hook: post-checkout, reference-transaction, pre-push…
    ("commit.gpgSign", "false"),  # commit-tree would run gpg.program
    ("gc.auto", "0"),  # no background gc / maintenance left running after a command
    ("maintenance.auto", "false"),
)

#: The remote programs a fetch, ls-remote and push run, given on their command line: for
#: ``remote.<name>.uploadpack`` and ``receivepack`` the first value wins, so no later
#: setting can undo a repository's (a local remote runs them as a shell command).
UPLOAD_PACK = "--upload-pack=git-upload-pack"
RECEIVE_PACK = "--receive-pack=git-receive-pack"
#: A push to a repository on this machine runs receive-pack here, in that repository, without
#: the settings of this process (git clears them for a local transport): its hooks and the
#: update of its checkout (``receive.denyCurrentBranch=updateInstead`` runs its filters) are
#: turned off on receive-pack's own command line. A remote server's hooks are its own business.
LOCAL_RECEIVE_PACK = (
    "--receive-pack=git -c core.hooksPath=/dev/null -c core.fsmonitor=false "
    "-c receive.denyCurrentBranch=refuse receive-pack"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

#: Seconds for a local git command, and for one that talks to a remote (clone, fetch, push,
#: ls-remote) when the caller gives none.
GIT_TIMEOUT = 120.0
NETWORK_TIMEOUT = 600.0

_UNTRUSTED_SCOPES = ("local", "worktree")  # the repository's own files (and their includes)
_FILTER = re.compile(r"^filter\.(?P<name>.+)\.(?:clean|smudge|process)$", re.IGNORECASE)
_HELPER = re.compile(r"^credential\.(?:.+\.)?helper$", re.IGNORECASE)
_DIFF = re.compile(r"^diff\.(?:external|.+\.(?:command|textconv))$", re.IGNORECASE)
_COOKIES = re.compile(r"^http\.(?:.+\.)?savecookies$", re.IGNORECASE)


def is_local_url(url: str) -> bool:
    """Whether git reaches ``url`` by a local transport (a path or ``file://``), as git decides:
    no scheme, and no colon before the first slash (``host:path`` is ssh)."""
    if _SCHEME.match(url):
        return url.lower().startswith("file://")
    colon, slash = url.find(":"), url.find("/")
    return colon < 0 or 0 <= slash < colon


def _neutral(key: str) -> str | None:
    """The harmless value of a command-running key when the user sets none (None: not one)."""
    lower = key.lower()
    if lower == "core.sshcommand":
        ssh = os.environ.get("GIT_SSH")
        return shlex.quote(ssh) if ssh else "ssh"
    if lower == "core.askpass" or _FILTER.match(key) or _DIFF.match(key):
        return ""  # an empty askPass or filter or diff command is not run
    if lower == "core.alternaterefscommand":
        return "true"  # no refs from alternates: only a less efficient negotiation
    if _COOKIES.match(key):
        return "false"  # the cookie file would be written where the repository says
    return None


def _config_entries(repo: Path) -> list[tuple[str, str, str]]:
    """``(scope, key, value)`` of every setting git reads in ``repo`` (includes followed)."""
    try:
        proc = subprocess.run(
            ["git", "--no-pager", "config", "--list", "--show-scope", "-z"],
            cwd=repo,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **_static_env()},
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:
        # A configuration git cannot parse stops every git command before it runs anything.
        return []
    fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    entries = []
    for scope, item in zip(fields[0::2], fields[1::2], strict=False):
        key, _, value = item.partition("\n")
        entries.append((scope, key, value))
    return entries


_Entries = list[tuple[str, str, str]]
_read_once: ContextVar[dict[str, _Entries] | None] = ContextVar("_read_once", default=None)


@contextlib.contextmanager
def config_read_once() -> Iterator[None]:
    """Within the block, each repository's configuration is read once (not before every git
    command): for git commands that change no configuration and no branch (a branch can
    include configuration), such as discovery's ``rev-parse`` and ``check-ignore``. A nested
    block shares the outer one's reads; nothing is kept once the outer block ends, so a
    long-lived process (the language server) never reuses a reading."""
    if _read_once.get() is not None:
        yield
        return
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


def _entries(repo: Path) -> _Entries:
    """:func:`_config_entries`, once per repository within :func:`config_read_once`."""
    read = _read_once.get()
    if read is None:
        return _config_entries(repo)
    key = os.path.abspath(repo)
    if key not in read:
        read[key] = _config_entries(repo)
    return read[key]


def repository_overrides(repo: Path | None) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """What undoes each command-running key ``repo``'s own configuration sets: command-line
    settings (the user's value — the last one from the system, global or command-line scope —
    when there is one, else a neutral value; credential helpers are a list: reset, then the
    user's own helpers again, in order) and environment variables (``core.gitProxy`` is a
    list where the first match wins: only ``GIT_PROXY_COMMAND`` beats it)."""
    if repo is None:
        return [], {}
    entries = _entries(repo)
    mine = [(k, v) for scope, k, v in entries if scope not in _UNTRUSTED_SCOPES]
    theirs = {k for scope, k, _ in entries if scope in _UNTRUSTED_SCOPES}
    settings: list[tuple[str, str]] = []
    env: dict[str, str] = {}
    for key in sorted(theirs):
        neutral = _neutral(key)
        if neutral is not None:
            user = [v for k, v in mine if k == key]
            settings.append((key, user[-1] if user else neutral))
        filter_driver = _FILTER.match(key)
        if filter_driver:
            settings.append((f"filter.{filter_driver.group('name')}.required", "false"))
        if key.lower() == "core.gitproxy" and "GIT_PROXY_COMMAND" not in os.environ:
            env["GIT_PROXY_COMMAND"] = ""  # empty: no proxy command
    if any(_HELPER.match(k) for k in theirs):
        settings.append(("credential.helper", ""))  # an empty helper resets the list
        settings.extend((k, v) for k, v in mine if _HELPER.match(k))
    return list(dict.fromkeys(settings)), env


def _static_env() -> dict[str, str]:
    """The environment every git command gets, whatever the repository."""
    return {
        "GIT_ALLOW_PROTOCOL": ":".join(PROTOCOLS),
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password
        "GIT_PAGER": "cat",
        "GIT_OPTIONAL_LOCKS": "0",  # status and friends never rewrite the user's index
        "LC_ALL": "C",  # messages as parsed here
    }


def _config_env(settings: Sequence[tuple[str, str]]) -> dict[str, str]:
    """``settings`` as ``GIT_CONFIG_COUNT``/``KEY``/``VALUE`` variables (the scope of ``-c``,
    inherited by the git processes git starts), after those of the caller's environment."""
    try:
        first = int(os.environ.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        first = 0
    env = {"GIT_CONFIG_COUNT": str(first + len(settings))}
    for i, (key, value) in enumerate(settings, start=first):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


def git_command(repo: Path | None = None) -> tuple[list[str], dict[str, str]]:
    """The argv prefix and the environment variables (to lay over ``os.environ``) of a git
    command run in ``repo`` (a directory in a work tree, or None outside any repository, e.g.
    ``git clone``): THE place that decides how msb-migrate runs git. The repository's
    configuration is read each time (one ``git config --list``, a few milliseconds), or once
    within :func:`config_read_once`."""
    settings, env = repository_overrides(repo)
    return ["git", "--no-pager"], {
        **_static_env(),
        **env,
        **_config_env([*SAFE_CONFIG, *settings]),
    }


def run_git(
    args: Sequence[str],
    repo: Path | None = None,
    *,
    input: bytes | None = None,
    timeout: float = GIT_TIMEOUT,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``repo`` as :func:`git_command` says, output captured (bytes),
    standard input closed unless ``input`` is given; :class:`GitOpsError` when git cannot be
    started or runs past ``timeout`` seconds (it is killed)."""
    prefix, env = git_command(repo)
    try:
        return subprocess.run(
            [*prefix, *args],
            cwd=repo,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            env={**os.environ, **env},
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        command = next((a for a in args if not a.startswith("-")), "git")
        raise GitOpsError(f"git {command} did not finish in {timeout:g} seconds") from None
    except OSError as exc:
        raise GitOpsError(f"cannot run git: {exc.strerror or exc}") from None
