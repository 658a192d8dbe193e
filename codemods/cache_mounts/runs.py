"""What one RUN runs: its script, the tools its commands run, and accounts it creates.

A RUN is read when its script is a POSIX shell script the analysis understands: shell form,
exec form ``["sh", "-c", script]``, or a single heredoc given to a plain shell. Anything else
(other exec form, a non-POSIX SHELL, an opaque script) is a ``problem``: the codemod then only
knows which tool names the text mentions. Each command that runs a tool
(:func:`refactor.data.caches.find_use`) is kept with the environment it runs in, following
``export`` and ``unset`` through the script, so a cache directory moved by a variable is seen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from refactor.analysis.model import RunState, Stage
from refactor.analysis.semantics import (
    exec_commands,
    is_posix_shell,
    script_commands,
    shell_script,
)
from refactor.analysis.shell import Command, Script, analyse
from refactor.caching import cached
from refactor.data.caches import (
    TOOLS,
    PackageIndex,
    Tool,
    Use,
    find_use,
    option_value,
)
from refactor.data.commands import Words, positionals, program
from refactor.data.system import SHELLS
from refactor.data.users import ImageUser
from refactor.syntax.tree import Instruction

#: Every command name that runs a tool of :data:`refactor.data.caches.TOOLS`.
_TOOL_NAMES = frozenset(name for tool in TOOLS for name in tool.commands)


@dataclass
class ToolUse:
    """A command of a RUN that runs a tool, with the environment and directory it runs in."""

    use: Use
    command: Command
    env: dict[str, str]
    index: int  # position in the script's commands

    @cached
    def offline(self) -> bool:
        tool = self.use.tool
        if self.use.has(tool.offline_flags):
            return True
        for var, values in (tool.offline_env or {}).items():
            value = self.env.get(var, "")
            if value in values or any(v in value.split() for v in values):
                return True
        return False


@dataclass(eq=False)
class Run:
    """What the codemod knows about one RUN (one record per RUN: compared by identity)."""

    inst: Instruction
    stage: Stage
    state: RunState
    line: int
    script: Script | None = None
    problem: str | None = None  # why the script cannot be read
    editable: bool = False  # shell form without heredoc: the raw args may be edited
    uses: list[ToolUse] = field(default_factory=list)
    envs: list[dict[str, str]] = field(default_factory=list)  # env of each command
    mentions: frozenset[str] = frozenset()  # tool commands named anywhere in the text

    def uses_of(self, tool: Tool) -> list[ToolUse]:
        return [u for u in self.uses if u.use.tool is tool]

    @property
    def tools(self) -> list[Tool]:
        out: list[Tool] = []
        for u in self.uses:
            if u.use.downloads and u.use.tool not in out:
                out.append(u.use.tool)
        return out


@dataclass
class Who:
    """Who a RUN runs as: root, or a user with known ids and home."""

    root: bool
    name: str = "root"
    uid: int | None = None
    gid: int | None = None
    home: str | None = None

    def options(self) -> str:
        """The ``,uid=…,gid=…`` a cache mount needs for this user ("" for root)."""
        if self.root or self.uid is None:
            return ""
        gid = f",gid={self.gid}" if self.gid is not None else ""
        return f",uid={self.uid}{gid}"


def read_run(run: Run, base_env: Mapping[str, str]) -> None:
    """Fill in what ``run`` executes: its script, the tools its commands run and the
    environment each runs in (``base_env`` is what the base image sets), or why its script
    cannot be read."""
    inst, state = run.inst, run.state
    run.mentions = _mentions(text_of(inst))
    if inst.is_json:
        inner = shell_script(inst.exec_args or [])
        if inner is None:
            run.problem = "exec-form RUN that is not `sh -c`"
            return
        run.script = analyse(inner, state.workdir, state.variables)
    elif state.shell and not is_posix_shell(state.shell):
        run.problem = f"SHELL is not a POSIX shell ({state.shell[0]})"
        return
    elif inst.heredocs:
        words = [w for w in inst.value.split() if not w.startswith("<<")]
        plain = not words or (
            program(words) in SHELLS and all(w.startswith("-") and "c" not in w for w in words[1:])
        )
        if len(inst.heredocs) != 1 or not plain:
            run.problem = "heredoc RUN whose command is not a shell"
            return
        run.script = analyse(inst.heredocs[0].content, state.workdir, state.variables)
    else:
        run.script = analyse(inst.value, state.workdir, state.variables)
        run.editable = True
    if run.script.opaque:
        run.problem = "the shell analysis cannot read this RUN's script"
        return
    env = {**base_env, **state.variables}
    for i, command in enumerate(run.script.commands):
        _track_exports(command, env)
        local = {**env, **dict(command.assignments)}
        run.envs.append(local)
        use = find_use(command.words)
        if use is not None and not command.substitution:
            run.uses.append(ToolUse(use, command, local, i))


def _mentions(text: str) -> frozenset[str]:
    words = re.split(r"[\s;&|()<>`'\"]+", text)
    return frozenset(w.rpartition("/")[2] for w in words) & _TOOL_NAMES


def _track_exports(command: Command, env: dict[str, str]) -> None:
    """Follow ``export K=V``, ``unset K`` and bare assignments through the script."""
    if not command.words:
        env.update(dict(command.assignments))
        return
    if command.name == "export":
        for word in command.words[1:]:
            key, sep, value = word.partition("=")
            if sep:
                env[key] = value
    elif command.name == "unset":
        for word in command.words[1:]:
            env.pop(word, None)


def start_commands(value: list[str] | str | None, state: RunState) -> list[Words]:
    """The simple commands of a CMD/ENTRYPOINT value (exec list or shell string) run in
    ``state``."""
    if value is None:
        return []
    if isinstance(value, str):
        exec_list = _json_prefix(value)
        if exec_list is None:
            return script_commands(value, state).words()
        value = exec_list
    return exec_commands(value, state).words()


def _json_prefix(text: str) -> list[str] | None:
    """The JSON array ``text`` starts with, read as BuildKit reads it (ignoring what follows).

    BuildKit decodes exec form with ``json.NewDecoder(...).Decode``, which stops after the
    first value: ``CMD ["cargo", "run"]q`` runs ``cargo run``. The engine's parser requires
    the whole text to be JSON and calls it shell form; this reads it like BuildKit.
    """
    try:
        data, _ = json.JSONDecoder().raw_decode(text.lstrip())
    except ValueError:
        return None
    if isinstance(data, list) and data and all(isinstance(item, str) for item in data):
        return data
    return None


def read_account(
    words: Sequence[str], accounts: dict[str, ImageUser], groups: dict[str, int]
) -> None:
    """Record the user or group ``useradd``/``adduser``/``groupadd``/``addgroup`` creates.

    ``adduser`` is Debian's when it has long options, else BusyBox's (``-G group -h home``).
    """
    if not words:
        return
    name = words[0].rpartition("/")[2]
    args = list(words[1:])
    operands = positionals(args, _ACCOUNT_VALUE_OPTIONS)
    if name in ("groupadd", "addgroup") and operands:
        group_id = _opt(args, "-g", "--gid")
        if group_id and group_id.isdigit():
            groups[operands[-1]] = int(group_id)
        return
    if name not in ("useradd", "adduser") or not operands:
        return
    debian = name == "adduser" and any(a.startswith("--") for a in args)
    if debian and len(operands) > 1:
        return  # `adduser user group` adds a member to a group
    uid = _opt(args, "-u", "--uid")
    if uid is None or not uid.isdigit():
        return
    if name == "useradd":
        group, home = _opt(args, "-g", "--gid"), _opt(args, "-d", "--home-dir")
    elif debian:
        group, home = _opt(args, "--gid", "--ingroup"), _opt(args, "--home")
    else:
        group, home = _opt(args, "-G"), _opt(args, "-h")
    gid: int | None = None
    if group:
        gid = int(group) if group.isdigit() else groups.get(group)
    user = operands[0]
    if home is None and not (debian and "--system" in args):
        home = f"/home/{user}"
    accounts[user] = ImageUser(user, int(uid), gid, home)


_ACCOUNT_VALUE_OPTIONS = frozenset(
    {"-u", "--uid", "-g", "--gid", "-G", "--groups", "-d", "--home-dir", "-h", "--home", "-s"}
    | {"--shell", "-c", "--comment", "--gecos", "--ingroup", "-k", "-K", "-e", "-f"}
)


def _opt(args: Sequence[str], *names: str) -> str | None:
    for name in names:
        value = option_value(args, name)
        if value is not None:
            return value
    return None


def stale_reader(index: PackageIndex, uses: list[ToolUse]) -> ToolUse | None:
    """The first command that reads the package index without refreshing it in the RUN."""
    updated = False
    for u in uses:
        if u.use.subcommand in index.update:
            updated = True
        elif u.use.subcommand in index.readers and not (updated or u.use.has(index.refresh_flags)):
            return u
    return None


def uses_tool(run: Run, tool: Tool) -> bool:
    """Whether ``run`` downloads with ``tool`` (or, when it cannot be read, names it)."""
    if run.problem:
        return bool(run.mentions & tool.commands)
    return any(u.use.downloads for u in run.uses_of(tool))


def text_of(inst: Instruction) -> str:
    """A RUN's script text: its arguments and heredoc bodies."""
    return inst.value + "".join(doc.content for doc in inst.heredocs)
