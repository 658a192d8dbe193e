"""What the words of one command mean to non-root-user.

Pure functions over words, no tree: the programs a RUN or a start command runs (``sh -c``
scripts followed, launchers such as ``tini --`` and ``env A=1`` dropped), the commands of them
that need root, the ports a command is told to listen on, installs that land in root's home,
and the users and groups ``useradd``/``adduser``/``groupadd``/``addgroup``/``chown`` name.
What a RUN executes is not read here but by the semantics layer
(:func:`refactor.analysis.semantics.run_commands`); start commands are read here because
launchers (``tini --``, ``exec``) must be dropped before a ``sh -c`` script is followed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence

from refactor.analysis.model import RunState, resolve_workdir
from refactor.analysis.semantics import shell_script
from refactor.analysis.shell import Command, analyse
from refactor.data import users as data
from refactor.data.commands import program
from refactor.data.system import SHELLS
from refactor.syntax.tree import Instruction

#: The PATH of a stage that does not set one.
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


_HOST_PORT = re.compile(r"^(?:[a-z]+://)?[\w.*+\[\]:-]*:(\d{1,5})/?$")
_PORT_FLAGS = frozenset({"--port", "-p", "--http-port", "--listen-port", "--server.port", "-port"})


def is_root(user: str) -> bool:
    return user.split(":", 1)[0].strip() in ("root", "0", "")


def strip_launchers(words: Sequence[str]) -> tuple[str, ...]:
    """The real program of ``tini -- x``, ``dumb-init x``, ``exec x``, ``env A=1 x``."""
    out = tuple(words)
    while out and program(out) in data.LAUNCHERS:
        rest = out[1:]
        if "--" in rest:
            rest = rest[rest.index("--") + 1 :]
        else:
            while rest and (rest[0].startswith("-") or "=" in rest[0]):
                rest = rest[1:]
        out = rest
    return out


def start_programs(inst: Instruction, state: RunState) -> list[tuple[str, ...]]:
    """The programs a CMD/ENTRYPOINT runs (``sh -c`` scripts followed, launchers dropped)."""
    if inst.is_json:
        words = tuple(inst.values.items)
        return programs([Command(words, (), state.workdir, inst.value)])
    return programs(analyse(inst.value, state.workdir, state.variables).commands)


def programs(commands: Iterable[Command], depth: int = 0) -> list[tuple[str, ...]]:
    """Each command's words from its real program on, following ``sh -c`` scripts; an
    unreadable part gives the root-needing commands it mentions."""
    out: list[tuple[str, ...]] = []
    for cmd in commands:
        if cmd.opaque:
            out.extend((word,) for word in root_words(cmd.text))
            continue
        words = strip_launchers(cmd.words)
        if not words:
            continue
        script = shell_script(words)
        if script is not None and depth < 3:
            out.extend(programs(analyse(script).commands, depth + 1))
        out.append(words)
    return out


def root_words(text: str) -> list[str]:
    """Words of ``text`` that name a command needing root."""
    return [w for w in re.findall(r"[\w.-]+", text) if w in data.ROOT_COMMANDS]


def root_command_in(script: str) -> str | None:
    """The command of a script that most needs root (ROOT_COMMANDS order: gosu before chown)."""
    names = {program(words) for words in programs(analyse(script).commands)}
    return next((name for name in data.ROOT_COMMANDS if name in names), None)


def script_word(words: Sequence[str]) -> str | None:
    """The script a start command runs: the program, or the file a shell is given."""
    if program(words) in SHELLS:
        args = [w for w in words[1:] if not w.startswith("-")]
        return args[0] if args and shell_script(words) is None else None
    if looks_like_script(words[0]) or "/" in words[0]:
        return words[0]
    return None


def looks_like_script(word: str) -> bool:
    base = posixpath.basename(word).lower()
    return base.endswith(".sh") or "entrypoint" in base


def node_script(client: str, args: Sequence[str]) -> str | None:
    """The package.json script ``npm start`` / ``yarn dev`` / ``pnpm run build`` runs."""
    if client not in data.NODE_CLIENTS or not args:
        return None
    if args[0] in ("run", "run-script") and len(args) > 1:
        return args[1]
    if client == "npm":
        return args[0] if args[0] in ("start", "test") else None
    if args[0] in data.NODE_CLIENTS[client] or "." in args[0] or "/" in args[0]:
        return None
    return args[0]


def path_dirs(state: RunState) -> list[str]:
    path = state.env.get("PATH")
    dirs = [d for d in path.split(":") if d.startswith("/")] if path else []
    return dirs or list(DEFAULT_PATH)


def program_paths(word: str, state: RunState) -> list[str]:
    """Where the program ``word`` names may be: a path (with a ``/``) resolved against the
    working directory, else each folder of ``PATH`` in order."""
    if "/" in word:
        return [resolve_workdir(state.workdir, word)]
    return [posixpath.join(d, word) for d in path_dirs(state)]


def command_ports(words: Sequence[str]) -> list[int]:
    """Ports a start command is told to listen on (``--port 80``, ``-b 0.0.0.0:80``)."""
    ports: list[int] = []
    for i, word in enumerate(words):
        flag, eq, value = word.partition("=")
        if flag in _PORT_FLAGS:
            value = value if eq else (words[i + 1] if i + 1 < len(words) else "")
            if value.isdigit():
                ports.append(int(value))
            continue
        match = _HOST_PORT.match(word)
        if match and not word.startswith("-"):
            ports.append(int(match.group(1)))
    return ports


def installs_into_home(commands: Sequence[Command], state: RunState) -> str | None:
    """Why a RUN leaves the app's packages in root's home (pip --user, poetry, pipenv)."""
    env = state.variables
    for cmd in commands:
        words = cmd.words
        pip = cmd.name.startswith("pip") or (cmd.name.startswith("python") and "pip" in words[1:3])
        if pip and "install" in words and "--user" in words and "PYTHONUSERBASE" not in env:
            return "installs packages with pip install --user into /root/.local"
        if cmd.name == "pipx" and "install" in words:
            return "installs with pipx into /root/.local"
        if cmd.name == "poetry" and "install" in words:
            in_project = env.get("POETRY_VIRTUALENVS_IN_PROJECT", "").lower() in ("1", "true")
            no_venv = env.get("POETRY_VIRTUALENVS_CREATE", "").lower() in ("0", "false")
            if not (in_project or no_venv or _poetry_configured(commands)):
                return "installs with poetry into a virtualenv under /root/.cache"
        pipenv = cmd.name == "pipenv" and "install" in words and "--system" not in words
        if pipenv and "PIPENV_VENV_IN_PROJECT" not in env:
            return "installs with pipenv into a virtualenv under /root/.local"
    return None


def _poetry_configured(commands: Sequence[Command]) -> bool:
    """Whether the same RUN tells poetry not to keep its virtualenv under root's home."""
    for cmd in commands:
        text = " ".join(cmd.words)
        if cmd.name == "poetry" and (
            "virtualenvs.create false" in text or "virtualenvs.in-project true" in text
        ):
            return True
    return False


def group_created(words: Sequence[str]) -> tuple[str, int | None] | None:
    """``(name, gid)`` of a groupadd/addgroup command."""
    positional, options = _parse(words[1:], frozenset("gKpR"), _LONG_GROUP)
    if not positional:
        return None
    name = positional[0] if program(words) == "addgroup" else positional[-1]
    return name, _int(options.get("g") or options.get("gid"))


def user_created(
    words: Sequence[str], groups: Mapping[str, int]
) -> tuple[str, int | None, int | None] | None:
    """``(name, uid, gid)`` of the user a useradd/adduser creates (ids None when not fixed)."""
    useradd = program(words) == "useradd"
    short = frozenset("bcdefgGkKpRPsuZ") if useradd else frozenset("hgsGuk")
    positional, options = _parse(words[1:], short, _LONG_USER)
    if not positional or (useradd and "D" in options):
        return None
    name = positional[-1] if useradd else positional[0]
    group = options.get("g" if useradd else "G") or options.get("gid") or options.get("ingroup")
    gid = _int(group) if group and group.isdigit() else groups.get(group or name)
    return name, _int(options.get("u") or options.get("uid")), gid


_LONG_GROUP = frozenset({"gid", "key", "password", "root", "prefix"})
_LONG_USER = frozenset(
    {"base-dir", "comment", "home-dir", "expiredate", "inactive", "gid", "groups", "skel"}
    | {"key", "password", "root", "prefix", "shell", "uid", "selinux-user", "home"}
    | {"ingroup", "gecos", "firstuid", "lastuid", "firstgid", "lastgid", "conf"}
)


def _parse(
    args: Sequence[str], short_values: frozenset[str], long_values: frozenset[str]
) -> tuple[list[str], dict[str, str]]:
    """Positional words and option values (``-u 1000``, ``-u1000``, ``--uid=1000``, ``-ms x``)."""
    positional: list[str] = []
    options: dict[str, str] = {}
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word.startswith("--") and len(word) > 2:
            key, eq, value = word[2:].partition("=")
            if key in long_values and not eq and i < len(args):
                value = args[i]
                i += 1
            options[key] = value
        elif word.startswith("-") and len(word) > 1:
            for j, letter in enumerate(word[1:], 1):
                if letter in short_values:
                    value = word[j + 1 :]
                    if not value and i < len(args):
                        value = args[i]
                        i += 1
                    options[letter] = value
                    break
                options[letter] = ""
        else:
            positional.append(word)
    return positional, options


def owner_of(spec: str | None) -> tuple[str | None, int | None, int | None] | None:
    """``(name, uid, gid)`` of an ``owner[:group]`` spec; None for root or no owner."""
    if not spec:
        return None
    owner, _, group = spec.partition(":")
    if is_root(owner):
        return None
    if owner.isdigit():
        return None, int(owner), _int(group)
    return owner, None, _int(group)


def chown_owner(words: Sequence[str]) -> str | None:
    """The ``owner[:group]`` of a chown command (None for --reference)."""
    for word in words[1:]:
        if word.startswith("--reference"):
            return None
        if not word.startswith("-"):
            return word
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
