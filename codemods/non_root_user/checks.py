"""Why the target stage must keep starting as root: each check raises Unsupported.

In the order the user reads them: an inline opt-out, a Windows image, a USER the author already
chose, a base image whose server starts as root (``postgres``, ``nginx`` unless its config is
provably unprivileged, see :mod:`codemods.non_root_user.nginx`), ONBUILD triggers, start
commands that need root (``gosu``, init systems, a script calling ``chown``) or that build into
the app directory at start, ports below 1024 without ``setcap``, state in root's home, and
VOLUMEs nothing hands over. A start script is looked up where the image has it (build context,
heredoc, another stage); one that cannot be read is a reason to stop, not to guess.
"""

from __future__ import annotations

import json
import posixpath
import re

from codemods.non_root_user.commands import (
    command_ports,
    installs_into_home,
    is_root,
    looks_like_script,
    node_script,
    program_paths,
    programs,
    root_command_in,
    root_words,
    script_word,
)
from codemods.non_root_user.facts import Facts, dest_of
from codemods.non_root_user.nginx import nginx_unprivileged
from codemods.non_root_user.plan import anchor, can_hand_over, writable
from refactor.analysis.model import RunState, resolve_workdir, substitute
from refactor.analysis.semantics import is_windows, is_windows_shell, under
from refactor.analysis.shell import analyse
from refactor.data import users as data
from refactor.data.commands import program
from refactor.engine.codemod import Unsupported
from refactor.syntax.parser import onbuild_instruction
from refactor.syntax.tree import Instruction

_ROOT_HOME = re.compile(r"(?<![\w./-])(?:/root|~)(?=/|:|$|\s)")
_EXPOSED = re.compile(r"^(\d+)(?:-\d+)?(?:/\w+)?$")


_PORT_ENV = frozenset(
    {"PORT", "HTTP_PORT", "SERVER_PORT", "LISTEN_PORT", "APP_PORT", "HTTP_PORTS",
     "ASPNETCORE_HTTP_PORTS"}
)  # fmt: skip


def check(facts: Facts) -> None:
    """Raise Unsupported with the first reason the stage must start as root."""
    for inst in (facts.stage.from_, *facts.stage.all("USER"), *anchor(facts)):
        if not facts.codemod.allowed(facts.tree, inst):
            raise Unsupported(
                "opted out with # msb-migrate: skip=non-root-user", facts.line(inst), code="USR002"
            )
    if is_windows(facts.image, facts.chain[0].platform) or is_windows_shell(facts.final.shell):
        raise Unsupported(
            f"{facts.image_name} is a Windows image", facts.line(facts.stage.from_), code="USR003"
        )
    _check_current_user(facts)
    nginx = facts.nginx_server and nginx_unprivileged(facts)
    reason = data.root_image(facts.image)
    if reason and not nginx:
        raise Unsupported(f"{facts.image_name} must start as root: {reason}", code="USR007")
    for inst in facts.stage.all("ONBUILD"):
        wrapped = onbuild_instruction(inst)
        if wrapped is not None and wrapped.directive in ("RUN", "ADD", "COPY"):
            raise Unsupported(
                "ONBUILD triggers would run in child images as the non-root user",
                facts.line(inst),
                code="USR008",
            )
    _check_start_commands(facts, nginx)
    if not nginx:
        _check_ports(facts)
    _check_root_home(facts)
    _check_volumes(facts)
    _check_writes(facts)


def _check_current_user(facts: Facts) -> None:
    user = facts.final.user
    if user:
        setter = next(i for i, _ in reversed(list(facts.pairs())) if i.directive == "USER")
        if "$" in user:
            raise Unsupported(
                f"the final USER {user} depends on a variable not set in the Dockerfile: "
                "left to the author",
                facts.line(setter),
                code="USR004",
            )
        if is_root(user):
            raise Unsupported(
                f"the final stage ends with USER {user}: the author chose root",
                facts.line(setter),
                code="USR005",
            )
        raise Unsupported(
            f"already runs as non-root user {user}", facts.line(setter), code="USR006"
        )
    entry = data.image_user(facts.image)
    if entry is not None and entry.default and entry.user is not None:
        raise Unsupported(
            f"already runs as non-root user {entry.user.label}, the default user of "
            f"{facts.image_name}",
            facts.line(facts.stage.from_),
            code="USR006",
        )


def _check_start_commands(facts: Facts, nginx: bool) -> None:
    for inst, state, progs in facts.start:
        where = f"{inst.directive} (line {facts.line(inst)})"
        for words in progs:
            name = program(words)
            if name in data.ROOT_COMMANDS:
                raise Unsupported(
                    f"{where} runs {name}, which {data.ROOT_COMMANDS[name]}",
                    facts.line(inst),
                    code="USR009",
                )
            if name == "nginx" and not nginx:
                raise Unsupported(
                    f"{where} starts nginx, whose master process needs root unless its "
                    "config (pid, temp paths, listen ports) is provably unprivileged",
                    facts.line(inst),
                    code="USR010",
                )
            build = _builds(facts, words, state)
            if build:
                raise Unsupported(
                    f"{where} runs {build} at start, which writes into the app directory "
                    "where RUN steps left root-owned files",
                    facts.line(inst),
                    code="USR011",
                )
            script = script_word(words)
            if script is not None:
                _check_script(facts, script, state, where, inst)


def _builds(facts: Facts, words: tuple[str, ...], state: RunState, depth: int = 0) -> str | None:
    """The build or install a start command runs (``cargo run``, a dev-server script)."""
    name = program(words)
    runner = data.SCRIPT_RUNNERS.get(name)
    if runner in words[1:-1]:
        return _builds(facts, words[words.index(runner) + 1 :], state, depth + 1)
    args = [w for w in words[1:] if not w.startswith("-")]
    sub = args[0] if args else ""
    if name in data.BUILDS_AT_START:
        subs = data.BUILDS_AT_START[name]
        if subs is None:
            return name
        if sub in subs:
            return f"{name} {sub}".strip()
    script = node_script(name, args)
    if script is None or depth > 2:
        return None
    command = " ".join([name, *args[: args.index(script) + 1]])
    text = facts.lookup(posixpath.join(state.workdir, "package.json"))[1]
    try:
        scripts = json.loads(text).get("scripts", {}) if text else None
    except (ValueError, AttributeError):
        scripts = None
    if not isinstance(scripts, dict):
        return f"{command} (package.json unreadable)" if data.DEV_SCRIPT.search(script) else None
    body = scripts.get(script)
    if not isinstance(body, str):
        return None
    for inner in programs(analyse(body).commands):
        build = _builds(facts, inner, state, depth + 1)
        if build:
            return f"{command} ({build})"
    return None


def _check_script(facts: Facts, word: str, state: RunState, where: str, inst: Instruction) -> None:
    """Skip when a start script needs root (gosu, chown…) or cannot be read."""
    for path in program_paths(word, state):
        found, content, origin = facts.lookup(path)
        if not found:
            continue
        if content is None:
            if looks_like_script(word):
                raise Unsupported(
                    f"{where} runs {word} ({origin}), which cannot be read to check that "
                    "it does not switch users or need root itself",
                    facts.line(inst),
                    code="USR012",
                )
            return
        bad = root_command_in(content)
        if bad:
            raise Unsupported(
                f"{where} runs {word}, which calls {bad}: it {data.ROOT_COMMANDS[bad]}",
                facts.line(inst),
                code="USR009",
            )
        return
    if not looks_like_script(word):
        return
    base = posixpath.basename(word)
    for run, _, commands in facts.runs():
        text = run.logical + "".join(d.body for d in run.heredocs)
        ran = {c.name for c in commands}
        bad = next((w for w in root_words(text) if w not in ran), None)
        if base in text and bad:
            raise Unsupported(
                f"{where} runs {word}, written by the RUN at line {facts.line(run)}, which "
                f"mentions {bad}: it {data.ROOT_COMMANDS[bad]}",
                facts.line(inst),
                code="USR009",
            )


def _check_ports(facts: Facts) -> None:
    low = low_ports(facts)
    if not low or facts.ctx.options.unprivileged_ports:
        return
    for run, _, commands in facts.runs():
        if any(c.name == "setcap" for c in commands) or (
            "cap_net_bind_service" in run.logical.lower()
        ):
            return
    port, where = low[0]
    raise Unsupported(
        f"binds port {port} ({where}): ports below 1024 need root, and nothing grants "
        "cap_net_bind_service (setcap); where the image runs on Docker Engine 20.10+ or "
        "containerd 2.0+ (ports below 1024 unprivileged) turn on --unprivileged-ports",
        code="USR013",
    )


def low_ports(facts: Facts) -> list[tuple[int, str]]:
    """The ports below 1024 the app binds, each with where it is named."""
    found: list[tuple[int, str]] = []
    for inst, state in facts.pairs():
        if inst.directive == "EXPOSE":
            for word in inst.values.items:
                match = _EXPOSED.match(substitute(word, state.variables, inst.escape))
                if match:
                    found.append((int(match.group(1)), f"EXPOSE at line {facts.line(inst)}"))
    env = facts.final.env
    default = data.default_port(facts.image, env)
    if default is not None:
        found.append((default, f"{facts.image_name} listens on it by default"))
    for key, value in env.items():
        if key in _PORT_ENV and re.fullmatch(r"[\d;, ]+", value):
            found.extend((int(port), f"ENV {key}") for port in re.findall(r"\d+", value))
        elif key in ("ASPNETCORE_URLS", "URLS"):
            found.extend((int(port), f"ENV {key}") for port in re.findall(r":(\d+)", value))
    for inst, _, progs in facts.start:
        where = f"{inst.directive} at line {facts.line(inst)}"
        found.extend((port, where) for words in progs for port in command_ports(words))
    return [(port, where) for port, where in found if 0 < port < data.PRIVILEGED_PORT_LIMIT]


def _check_root_home(facts: Facts) -> None:
    if _ROOT_HOME.search(facts.final.workdir):
        raise Unsupported(
            f"the WORKDIR {facts.final.workdir} is in root's home (mode 700)", code="USR014"
        )
    for key, value in facts.final.env.items():
        if _ROOT_HOME.search(value):
            raise Unsupported(
                f"ENV {key}={value} points into root's home, which a non-root user cannot read",
                code="USR014",
            )
    for inst, state in facts.pairs():
        if inst.directive in ("COPY", "ADD") and len(inst.values.items) > 1:
            dest = dest_of(facts.stage, inst, state)
            if _ROOT_HOME.search(dest):
                raise Unsupported(
                    f"{inst.directive} at line {facts.line(inst)} puts files in root's home "
                    f"({dest}), which a non-root user cannot read",
                    facts.line(inst),
                    code="USR014",
                )
    for inst, _, _ in facts.start:
        if _ROOT_HOME.search(inst.value):
            raise Unsupported(
                f"{inst.directive} runs from root's home", facts.line(inst), code="USR014"
            )
    for run, state, commands in facts.runs():
        why = installs_into_home(commands, state)
        if why:
            raise Unsupported(
                f"RUN at line {facts.line(run)} {why}, in root's home: the non-root user "
                "would not find it",
                facts.line(run),
                code="USR014",
            )


def _check_volumes(facts: Facts) -> None:
    for inst, state in facts.pairs():
        if inst.directive != "VOLUME":
            continue
        for word in inst.values.items:
            volume = resolve_workdir(state.workdir, substitute(word, state.variables))
            if not (under(volume, "/tmp") or under(volume, "/var/tmp")) and not (
                facts.covered(volume)
            ):
                raise Unsupported(
                    f"VOLUME {volume} (line {facts.line(inst)}) stays owned by root: the "
                    "non-root user could not write to it",
                    facts.line(inst),
                    code="USR015",
                )


def _check_writes(facts: Facts) -> None:
    """Stop when the app writes at run time into a folder the user cannot be given (the
    working directory ``/``, a system folder) or somewhere that cannot be resolved."""
    unresolved = None
    for write in facts.writes:
        folder = write.needs
        if folder is None:
            unresolved = unresolved or write
            continue
        if writable(folder) or facts.covered(folder) or can_hand_over(folder):
            continue
        at = "the working directory /" if folder == "/" else f"{folder}, a system folder"
        whats = ", ".join(
            dict.fromkeys(
                w.what for w in facts.writes if w.needs == folder and w.origin == write.origin
            )
        )
        raise Unsupported(
            f"{write.origin} writes into {at} at run time ({whats}); it stays root-owned "
            "and giving it to the user is not possible without moving the app into its own "
            "WORKDIR",
            code="USR023",
        )
    if unresolved is not None:
        raise Unsupported(
            f"{unresolved.origin} writes at run time ({unresolved.what}) to a path that cannot "
            "be resolved: the non-root user may not be able to write there",
            code="USR024",
        )
