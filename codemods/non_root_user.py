"""non-root-user: the final stage runs as an unprivileged user that exists in the image.

The user is, in this order: one the Dockerfile already creates or hands files to (``useradd``,
``chown``, ``COPY --chown``) but never switches to; one the base image ships (``node``, the
distroless ``nonroot``, .NET's ``app``…, see :mod:`refactor.data.users`); or a new system user
(with a home, so tools writing to $HOME work) made with the base family's own commands
(scratch needs none: a numeric user works without /etc/passwd).

``USER uid:gid`` goes after the last RUN (everything that may need root) and before the
CMD/ENTRYPOINT/HEALTHCHECK that follows it. The app directory (the final WORKDIR) is handed to
the user: COPY/ADD into it get ``--chown``, and the directory itself is chowned (not
recursively) so the app can create files there; system paths stay root-owned. Ids are numeric,
so no user lookup is needed at COPY time and Kubernetes ``runAsNonRoot`` can verify the user.

Images that must start as root are left alone with the reason: servers binding ports below
1024, entrypoints that step down themselves (gosu, su-exec), init systems, docker-in-docker,
Windows images, start commands that build into the app directory, state in root's home.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from refactor.analysis.model import RunState, Stage, resolve_workdir, substitute
from refactor.analysis.shell import Command, analyse
from refactor.caching import cached
from refactor.data import users as data
from refactor.data.distros import distro_of
from refactor.engine.codemod import (
    Codemod,
    Context,
    Explanation,
    Planner,
    Result,
    Skip,
    Unsupported,
)
from refactor.syntax.tree import Blank, Comment, Dockerfile, Instruction, Node

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"})
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
#: Never an app directory, nor anything under them: files copied there stay root-owned.
SYSTEM_DIRS = (
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin",
    "/sys", "/tmp", "/usr/bin", "/usr/include", "/usr/lib", "/usr/libexec", "/usr/sbin",
    "/usr/share", "/usr/local/bin", "/usr/local/etc", "/usr/local/include", "/usr/local/lib",
    "/usr/local/sbin", "/usr/local/share", "/var/cache", "/var/lib", "/var/log", "/var/tmp",
)  # fmt: skip
#: Never an app directory themselves (folders below them can be).
SHARED_DIRS = (
    "/", "/home", "/media", "/mnt", "/opt", "/srv", "/usr", "/usr/local", "/usr/src", "/var",
    "/var/www",
)  # fmt: skip
START = ("CMD", "ENTRYPOINT", "HEALTHCHECK")
_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_PLAIN_PATH = re.compile(r"^/[\w./-]+$")
_ROOT_HOME = re.compile(r"(?<![\w./-])(?:/root|~)(?=/|:|$|\s)")
_EXPOSED = re.compile(r"^(\d+)(?:-\d+)?(?:/\w+)?$")
_HOST_PORT = re.compile(r"^(?:[a-z]+://)?[\w.*+\[\]:-]*:(\d{1,5})/?$")
_PORT_FLAGS = frozenset({"--port", "-p", "--http-port", "--listen-port", "--server.port", "-port"})
_PORT_ENV = frozenset(
    {"PORT", "HTTP_PORT", "SERVER_PORT", "LISTEN_PORT", "APP_PORT", "HTTP_PORTS",
     "ASPNETCORE_HTTP_PORTS"}
)  # fmt: skip
_NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
#: The site each include folder of a stock nginx holds (it listens on port 80).
_NGINX_DEFAULT_SITES = {
    "conf.d": "default.conf",
    "http.d": "default.conf",
    "sites-enabled": "default",
}


@dataclass(frozen=True)
class _Choice:
    """The user the final stage will run as, and how it comes to exist."""

    user: data.ImageUser
    why: str  # where the user comes from, for the explanations
    create: tuple[str, ...] = ()  # commands that create it (empty: it exists already)
    home: str | None = None


@dataclass
class _Seen:
    """A user the Dockerfile creates or hands files to, by name and/or uid."""

    names: set[str]
    uid: int | None
    gid: int | None
    line: int | None

    def merge(self, name: str | None, uid: int | None, gid: int | None) -> None:
        if name:
            self.names.add(name)
        self.uid = self.uid if self.uid is not None else uid
        self.gid = self.gid if self.gid is not None else gid

    @property
    def label(self) -> str:
        return min(self.names) if self.names else str(self.uid)


@dataclass(frozen=True)
class _Placed:
    """What one source of a COPY/ADD puts into the image.

    ``kind`` is ``context`` (``source`` relative to the build context), ``heredoc``
    (``content`` is its text; also a file a RUN writes with ``printf``), ``stage`` (``source``
    is a path in stage ``stage``) or ``image``.
    """

    kind: str
    dest: str
    into_dir: bool
    source: str
    name: str
    line: int
    content: str | None = None
    stage: int | None = None


class NonRootUser(Codemod):
    name = "non-root-user"
    description = (
        "Makes the final stage run as an unprivileged user that exists in the image: reuses a "
        "user the Dockerfile or the base image already has (node, distroless nonroot, .NET app), "
        "else creates one with the base distribution's commands, switches to it with a numeric "
        "USER after the last RUN, and hands it the app directory (the final WORKDIR and the "
        "files COPYed into it). Images that must start as root (ports below 1024, entrypoints "
        "that step down with gosu or su-exec, init systems, docker-in-docker) are left alone."
    )
    default = True

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: _Plan(self, tree, ctx).apply())


class _Plan(Planner[NonRootUser]):
    """Reads the target stage, decides the user and edits the tree (raises Unsupported to skip)."""

    def __init__(self, codemod: NonRootUser, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree, ctx)
        stage = self.model.stage(ctx.target) if ctx.target else self.model.final
        if stage is None:
            raise Unsupported(f"no stage named {ctx.target}" if ctx.target else "no final stage")
        self.stage = stage
        self.chain = self._chain(stage)
        self.image = self.chain[0].image
        self.image_name = str(self.image) if self.image else self.chain[0].base
        self.final = stage.final_state or stage.states[-1]

    def _chain(self, stage: Stage) -> list[Stage]:
        """``stage`` and the stages it is built FROM, the one on an image first."""
        chain = [stage]
        while chain[-1].parent is not None:
            chain.append(self.model.stages[chain[-1].parent])
        return chain[::-1]

    def pairs(self, chain: Sequence[Stage] | None = None) -> Iterator[tuple[Instruction, RunState]]:
        """Every instruction of the chain with the state it runs in, in build order."""
        for stage in self.chain if chain is None else chain:
            yield from zip(stage.instructions, stage.states, strict=True)

    def runs(self) -> Iterator[tuple[Instruction, RunState, tuple[Command, ...]]]:
        for inst, state in self.pairs():
            if inst.directive == "RUN":
                yield inst, state, _run_commands(inst, state)

    # -- the plan ---------------------------------------------------------------------------
    def apply(self) -> Result:
        for inst in (self.stage.from_, *self.stage.all("USER"), *self._anchor()):
            if not self.codemod.allowed(self.tree, inst):
                raise Unsupported(
                    "opted out with # msb-migrate: skip=non-root-user", self.line(inst)
                )
        if data.is_windows(self.image, self.chain[0].platform) or _windows_shell(self.final):
            raise Unsupported(f"{self.image_name} is a Windows image", self.line(self.stage.from_))
        self._check_current_user()
        nginx = self.nginx_server and self._nginx_unprivileged()
        reason = data.root_image(self.image)
        if reason and not nginx:
            raise Unsupported(f"{self.image_name} must start as root: {reason}")
        for inst in self.stage.all("ONBUILD"):
            if inst.sub is not None and inst.sub.directive in ("RUN", "ADD", "COPY"):
                raise Unsupported(
                    "ONBUILD triggers would run in child images as the non-root user",
                    self.line(inst),
                )
        self._check_start_commands(nginx)
        if not nginx:
            self._check_ports()
        self._check_root_home()
        self._check_volumes()
        return self._edit(self._choose())

    def _check_current_user(self) -> None:
        user = self.final.user
        if user:
            setter = next(i for i, _ in reversed(list(self.pairs())) if i.directive == "USER")
            if "$" in user:
                raise Unsupported(
                    f"the final USER {user} depends on a variable not set in the Dockerfile: "
                    "left to the author",
                    self.line(setter),
                )
            if _is_root(user):
                raise Unsupported(
                    f"the final stage ends with USER {user}: the author chose root",
                    self.line(setter),
                )
            raise Unsupported(f"already runs as non-root user {user}", self.line(setter))
        entry = data.image_user(self.image)
        if entry is not None and entry.default and entry.user is not None:
            raise Unsupported(
                f"already runs as non-root user {entry.user.label}, the default user of "
                f"{self.image_name}",
                self.line(self.stage.from_),
            )

    # -- start commands ---------------------------------------------------------------------
    @cached
    def start(self) -> list[tuple[Instruction, RunState, list[tuple[str, ...]]]]:
        """The ENTRYPOINT and CMD in effect, each with the programs it runs."""
        found = []
        for directive in ("ENTRYPOINT", "CMD"):
            for inst, state in reversed(list(self.pairs())):
                if inst.directive == directive:
                    found.append((inst, state, _start_programs(inst, state)))
                    break
        return found

    @cached
    def nginx_server(self) -> bool:
        """Whether the final stage serves with nginx (the nginx image, or a start command)."""
        if self.image is not None and self.image.hub_name == "nginx":
            return True
        return any(_program(words) == "nginx" for _, _, progs in self.start for words in progs)

    def _check_start_commands(self, nginx: bool) -> None:
        for inst, state, programs in self.start:
            where = f"{inst.directive} (line {self.line(inst)})"
            for words in programs:
                name = _program(words)
                if name in data.ROOT_COMMANDS:
                    raise Unsupported(
                        f"{where} runs {name}, which {data.ROOT_COMMANDS[name]}", self.line(inst)
                    )
                if name == "nginx" and not nginx:
                    raise Unsupported(
                        f"{where} starts nginx, whose master process needs root unless its "
                        "config (pid, temp paths, listen ports) is provably unprivileged",
                        self.line(inst),
                    )
                build = self._builds(words, state)
                if build:
                    raise Unsupported(
                        f"{where} runs {build} at start, which writes into the app directory "
                        "where RUN steps left root-owned files",
                        self.line(inst),
                    )
                script = _script_word(words)
                if script is not None:
                    self._check_script(script, state, where, inst)

    def _builds(self, words: tuple[str, ...], state: RunState, depth: int = 0) -> str | None:
        """The build or install a start command runs (``cargo run``, a dev-server script)."""
        name = _program(words)
        runner = data.SCRIPT_RUNNERS.get(name)
        if runner in words[1:-1]:
            return self._builds(words[words.index(runner) + 1 :], state, depth + 1)
        args = [w for w in words[1:] if not w.startswith("-")]
        sub = args[0] if args else ""
        if name in data.BUILDS_AT_START:
            subs = data.BUILDS_AT_START[name]
            if subs is None:
                return name
            if sub in subs:
                return f"{name} {sub}".strip()
        script = _node_script(name, args)
        if script is None or depth > 2:
            return None
        command = " ".join([name, *args[: args.index(script) + 1]])
        text = self._lookup(posixpath.join(state.workdir, "package.json"))[1]
        try:
            scripts = json.loads(text).get("scripts", {}) if text else None
        except (ValueError, AttributeError):
            scripts = None
        if not isinstance(scripts, dict):
            return (
                f"{command} (package.json unreadable)" if data.DEV_SCRIPT.search(script) else None
            )
        body = scripts.get(script)
        if not isinstance(body, str):
            return None
        for inner in _programs(analyse(body).commands):
            build = self._builds(inner, state, depth + 1)
            if build:
                return f"{command} ({build})"
        return None

    def _check_script(self, word: str, state: RunState, where: str, inst: Instruction) -> None:
        """Skip when a start script needs root (gosu, chown…) or cannot be read."""
        paths = (
            [resolve_workdir(state.workdir, word)]
            if "/" in word
            else [posixpath.join(d, word) for d in _path_dirs(state)]
        )
        for path in paths:
            found, content, origin = self._lookup(path)
            if not found:
                continue
            if content is None:
                if _looks_like_script(word):
                    raise Unsupported(
                        f"{where} runs {word} ({origin}), which cannot be read to check that "
                        "it does not switch users or need root itself",
                        self.line(inst),
                    )
                return
            bad = _root_command_in(content)
            if bad:
                raise Unsupported(
                    f"{where} runs {word}, which calls {bad}: it {data.ROOT_COMMANDS[bad]}",
                    self.line(inst),
                )
            return
        if not _looks_like_script(word):
            return
        base = posixpath.basename(word)
        for run, _, commands in self.runs():
            text = run.logical + "".join(d.body for d in run.heredocs)
            ran = {c.name for c in commands}
            bad = next((w for w in _root_words(text) if w not in ran), None)
            if base in text and bad:
                raise Unsupported(
                    f"{where} runs {word}, written by the RUN at line {self.line(run)}, which "
                    f"mentions {bad}: it {data.ROOT_COMMANDS[bad]}",
                    self.line(inst),
                )

    # -- ports -------------------------------------------------------------------------------
    def _check_ports(self) -> None:
        found: list[tuple[int, str]] = []
        for inst, state in self.pairs():
            if inst.directive == "EXPOSE":
                for word in inst.values.items:
                    match = _EXPOSED.match(substitute(word, state.variables, inst.escape))
                    if match:
                        found.append((int(match.group(1)), f"EXPOSE at line {self.line(inst)}"))
        env = self.final.env
        default = data.default_port(self.image, env)
        if default is not None:
            found.append((default, f"{self.image_name} listens on it by default"))
        for key, value in env.items():
            if key in _PORT_ENV and re.fullmatch(r"[\d;, ]+", value):
                found.extend((int(port), f"ENV {key}") for port in re.findall(r"\d+", value))
            elif key in ("ASPNETCORE_URLS", "URLS"):
                found.extend((int(port), f"ENV {key}") for port in re.findall(r":(\d+)", value))
        for inst, _, programs in self.start:
            where = f"{inst.directive} at line {self.line(inst)}"
            found.extend((port, where) for words in programs for port in _command_ports(words))
        low = [(port, where) for port, where in found if 0 < port < data.PRIVILEGED_PORT_LIMIT]
        if not low:
            return
        for run, _, commands in self.runs():
            if any(c.name == "setcap" for c in commands) or (
                "cap_net_bind_service" in run.logical.lower()
            ):
                return
        port, where = low[0]
        raise Unsupported(
            f"binds port {port} ({where}): ports below 1024 need root, and nothing grants "
            "cap_net_bind_service (setcap)"
        )

    # -- nginx -------------------------------------------------------------------------------
    def _nginx_unprivileged(self) -> bool:
        """Whether nginx's config provably runs without root: high ports, pid and temp in /tmp."""
        found, main, _ = self._lookup("/etc/nginx/nginx.conf")
        if not found or main is None:
            return False
        confs = [main]
        for placed in self.files:
            if _inside(placed.dest, "/etc/nginx") and placed.dest != "/etc/nginx/nginx.conf":
                confs.extend(_contents(placed, self.ctx))
        text = "\n".join(_strip_nginx_comments(c) for c in confs)
        pid = re.search(r"(?m)^\s*pid\s+([^;\s]+)\s*;", text)
        if pid is None or not pid.group(1).startswith("/tmp/"):
            return False
        for temp in _NGINX_TEMP:
            path = re.search(rf"\b{temp}_temp_path\s+([^;\s]+)", text)
            if path is None or not path.group(1).startswith("/tmp/"):
                return False
        ports = [_listen_port(v) for v in re.findall(r"\blisten\s+([^;\s]+)", text)]
        if not ports or any(p is not None and p < data.PRIVILEGED_PORT_LIMIT for p in ports):
            return False
        return all(self._default_site_replaced(inc) for inc in _nginx_includes(main))

    def _default_site_replaced(self, include: str) -> bool:
        """Whether the image's default site under an included folder is replaced or removed."""
        folder = posixpath.basename(posixpath.dirname(include))
        default = _NGINX_DEFAULT_SITES.get(folder)
        if default is None:
            return True
        path = posixpath.join("/etc/nginx", folder, default)
        if self._lookup(path)[0]:
            return True
        return any(
            cmd.name == "rm"
            and any(
                w in (path, posixpath.dirname(path)) or fnmatch.fnmatch(path, w)
                for w in cmd.words[1:]
            )
            for _, _, commands in self.runs()
            for cmd in commands
        )

    # -- root's home and volumes -------------------------------------------------------------
    def _check_root_home(self) -> None:
        if _ROOT_HOME.search(self.final.workdir):
            raise Unsupported(f"the WORKDIR {self.final.workdir} is in root's home (mode 700)")
        for key, value in self.final.env.items():
            if _ROOT_HOME.search(value):
                raise Unsupported(
                    f"ENV {key}={value} points into root's home, which a non-root user cannot read"
                )
        for inst, state in self.pairs():
            if inst.directive in ("COPY", "ADD") and len(inst.values.items) > 1:
                dest = _dest(inst, state)
                if _ROOT_HOME.search(dest):
                    raise Unsupported(
                        f"{inst.directive} at line {self.line(inst)} puts files in root's home "
                        f"({dest}), which a non-root user cannot read",
                        self.line(inst),
                    )
        for inst, _, _ in self.start:
            if _ROOT_HOME.search(inst.value):
                raise Unsupported(f"{inst.directive} runs from root's home", self.line(inst))
        for run, state, commands in self.runs():
            why = _installs_into_home(commands, state)
            if why:
                raise Unsupported(
                    f"RUN at line {self.line(run)} {why}, in root's home: the non-root user "
                    "would not find it",
                    self.line(run),
                )

    @cached
    def owned(self) -> list[tuple[str, bool]]:
        """Paths the chain's RUNs chown/chmod, and whether recursively."""
        out: list[tuple[str, bool]] = []
        for _, state, commands in self.runs():
            for cmd in commands:
                if cmd.name in ("chown", "chmod", "chgrp"):
                    recursive = cmd.has_flag("-R", "--recursive")
                    operands = [w for w in cmd.words[1:] if not w.startswith("-")]
                    for word in operands[1:]:
                        path = resolve_workdir(state.workdir, substitute(word, state.variables))
                        out.append((path, recursive))
        return out

    def _covered(self, path: str) -> bool:
        return any(p == path or (rec and _inside(path, p)) for p, rec in self.owned)

    def _check_volumes(self) -> None:
        for inst, state in self.pairs():
            if inst.directive != "VOLUME":
                continue
            for word in inst.values.items:
                volume = resolve_workdir(state.workdir, substitute(word, state.variables))
                if not (_inside(volume, "/tmp") or _inside(volume, "/var/tmp")) and not (
                    self._covered(volume)
                ):
                    raise Unsupported(
                        f"VOLUME {volume} (line {self.line(inst)}) stays owned by root: the "
                        "non-root user could not write to it",
                        self.line(inst),
                    )

    # -- choosing the user -------------------------------------------------------------------
    def _choose(self) -> _Choice:
        family = distro_of(self.image)
        known = dict(data.NAMED_SYSTEM_USERS.get(family.family if family else "", {}))
        entry = data.image_user(self.image)
        if entry is not None and entry.user is not None:
            known[entry.user.name] = entry.user
        mine = self._dockerfile_user(known)
        if mine is not None:
            return mine
        if entry is not None and entry.user is not None:
            why = f"{self.image_name} ships user {entry.user.label}"
            return _Choice(entry.user, f"{why} ({entry.note})" if entry.note else why)
        if family is None:
            raise Unsupported(f"cannot tell how to create a user on {self.image_name}")
        if family.family == "scratch":
            return _Choice(data.SCRATCH_USER, "scratch has no /etc/passwd: a numeric user works")
        commands = data.CREATE_USER.get(family.family)
        if commands is None:
            raise Unsupported(f"cannot tell how to create a user on {self.image_name}")
        missing = data.lacks_useradd(self.image)
        if missing:
            raise Unsupported(f"cannot create a user on {self.image_name}: {missing}")
        if not self._posix_shell():
            raise Unsupported(f"the stage's SHELL {list(self.final.shell)} is not a POSIX shell")
        name, uid = self.ctx.options.user_name, self.ctx.options.user_uid
        if not _NAME.match(name) or not 0 < uid < 2**31:
            raise Unsupported(f"the user name or uid option is not valid ({name!r}, {uid})")
        home = f"/home/{name}"
        user = data.ImageUser(name, uid, uid)
        create = tuple(c.format(name=name, uid=uid, gid=uid, home=home) for c in commands)
        return _Choice(user, f"{self.image_name} has no unprivileged user", create, home)

    def _posix_shell(self) -> bool:
        shell = self.final.shell
        return bool(shell) and posixpath.basename(shell[0]) in SHELLS

    def _dockerfile_user(self, known: Mapping[str, data.ImageUser]) -> _Choice | None:
        """The user the Dockerfile creates or hands files to, but never switches to."""
        groups: dict[str, int] = {}
        seen: list[_Seen] = []

        def note(name: str | None, uid: int | None, gid: int | None, line: int | None) -> None:
            if name is not None and name in known:
                uid = uid if uid is not None else known[name].uid
                gid = gid if gid is not None else known[name].gid
            for entry in seen:
                if (name is not None and name in entry.names) or (
                    uid is not None and uid == entry.uid
                ):
                    entry.merge(name, uid, gid)
                    return
            seen.append(_Seen({name} if name else set(), uid, gid, line))

        for run, state, commands in self.runs():
            for cmd in commands:
                words = tuple(substitute(w, state.variables) for w in cmd.words)
                if cmd.name in ("groupadd", "addgroup"):
                    group = _group_created(words)
                    if group is not None and group[1] is not None:
                        groups[group[0]] = group[1]
                elif cmd.name in ("useradd", "adduser"):
                    created = _user_created(words, groups)
                    if created is not None:
                        note(*created, self.line(run))
                elif cmd.name == "chown":
                    owner = _owner(_chown_owner(words))
                    if owner is not None:
                        note(*owner, self.line(run))
        for inst, state in self.pairs():
            if inst.directive in ("COPY", "ADD"):
                owner = _owner(substitute(inst.flag("chown") or "", state.variables))
                if owner is not None:
                    note(*owner, self.line(inst))
        if len(seen) > 1:
            names = ", ".join(entry.label for entry in seen)
            raise Unsupported(
                f"the Dockerfile prepares several users ({names}); cannot tell which one "
                "should run the app"
            )
        if not seen:
            return None
        entry = seen[0]
        if entry.uid is None:
            raise Unsupported(
                f"the Dockerfile prepares user {entry.label} (line {entry.line}) without a fixed "
                f"uid; a numeric USER needs one (or add USER {entry.label} yourself)",
                entry.line,
            )
        user = data.ImageUser(entry.label, entry.uid, entry.gid)
        return _Choice(user, f"the Dockerfile already prepares {user.label} (line {entry.line})")

    # -- editing -----------------------------------------------------------------------------
    def _last_run(self) -> Instruction:
        """The stage's last RUN (its FROM when it has none): root's work ends there."""
        runs = [i for i in self.stage.instructions if i.directive == "RUN"]
        return runs[-1] if runs else self.stage.from_

    def _anchor(self) -> list[Instruction]:
        """The first CMD/ENTRYPOINT/HEALTHCHECK after the last RUN: USER goes before it."""
        insts = self.stage.instructions
        last = next(i for i, inst in enumerate(insts) if inst is self._last_run())
        return [i for i in insts[last + 1 :] if i.directive in START][:1]

    def _app_dir_step(self, choice: _Choice) -> str | None:
        """``mkdir -p /app && chown …`` handing the app directory itself to the user, or None."""
        app_dir = self.final.workdir
        family = distro_of(self.image)
        ran_shell = any(i.directive == "RUN" and not i.is_json for i, _ in self.pairs())
        has_shell = bool(choice.create) or (
            self._posix_shell() and (ran_shell or (family is not None and family.has_shell))
        )
        if not _app_dir(app_dir) or not _PLAIN_PATH.match(app_dir) or self._covered(app_dir):
            return None
        if not has_shell:
            return None
        return f"mkdir -p {app_dir} && chown {choice.user.spec} {app_dir}"

    def _edit(self, choice: _Choice) -> Result:
        tree = self.tree
        style = tree.style
        anchors = self._anchor()
        if not anchors:
            tree = tree.ensure_final_newline()
        nodes = list(tree.nodes)  # ensure_final_newline replaces nodes one for one
        index = {id(node): i for i, node in enumerate(self.tree.nodes)}
        explanations: list[Explanation] = []
        kept: list[tuple[Node, str]] = []
        spec, label, app_dir = choice.user.spec, choice.user.label, self.final.workdir
        for inst, state in zip(self.stage.instructions, self.stage.states, strict=True):
            if inst.directive not in ("COPY", "ADD") or inst.flag("chown") is not None:
                continue
            if len(inst.values.items) < 2:
                continue
            dest = _dest(inst, state)
            i = index[id(inst)]
            if not _app_dir(app_dir) or not _inside(dest, app_dir):
                why = (
                    f"outside the app directory {app_dir}"
                    if _app_dir(app_dir)
                    else f"there is no app directory: the final WORKDIR is {app_dir}"
                )
                kept.append(
                    (
                        nodes[i],
                        f"{inst.directive} to {dest} stays root-owned ({why}): "
                        "the app only needs to read it",
                    )
                )
            elif self.codemod.allowed(self.tree, inst):
                nodes[i] = nodes[i].with_flag(f"--chown={spec}")
                explanations.append(
                    self.codemod.explain(
                        f"{inst.directive} into {dest} gives the files to {label} (--chown={spec})",
                        f"{dest} is inside the app directory {app_dir} (the final WORKDIR), "
                        "so the app can write its own files (caches, uploads)",
                        node=nodes[i],
                    )
                )
        last_run = self._last_run()
        step = self._app_dir_step(choice)
        commands = [*choice.create, step] if step else list(choice.create)
        user_node = Instruction.create("USER", spec, style=style)
        if anchors:
            user_at = index[id(anchors[0])]
            while user_at > 0 and isinstance(nodes[user_at - 1], Comment):
                user_at -= 1
            user_node = user_node.with_changes(leading=anchors[0].leading)
        else:
            user_at = index[id(self.stage.instructions[-1])] + 1
            user_node = user_node.with_changes(leading=self.stage.instructions[-1].leading)
        inserts: list[tuple[int, list[Node]]] = [(user_at, [user_node])]
        if commands:
            leading = self._neighbour(last_run).leading
            joiner = " && "
            if choice.create:
                joiner = f" {style.escape}{style.eol}{leading}{style.indent}&& "
            run_node = Instruction.create("RUN", joiner.join(commands), style=style)
            run_node = run_node.with_changes(leading=leading)
            run_at = index[id(last_run)] + 1
            if run_at == user_at:
                inserts = [(user_at, [run_node, user_node])]
            else:
                inserts.insert(0, (run_at, [run_node]))
            explanations.extend(self._explain_run(choice, run_node, step))
        for at, new in reversed(inserts):
            self._insert(nodes, at, new)
        where = f"before {anchors[0].directive}" if anchors else "at the end of the stage"
        if last_run.directive == "RUN":
            where = f"after the last RUN (line {self.line(last_run)}), which may need root, {where}"
        explanations.append(
            self.codemod.explain(
                f"the final stage runs as {label} (USER {spec})",
                f"{choice.why}; placed {where}; numeric ids let Kubernetes runAsNonRoot verify "
                "the user",
                node=user_node,
            )
        )
        new_tree = tree.with_changes(nodes=tuple(nodes))
        lines = new_tree.line_numbers
        skips = tuple(Skip(self.codemod.name, why, lines.get(id(node))) for node, why in kept)
        return Result(new_tree, explanations=tuple(explanations), skips=skips)

    def _explain_run(self, choice: _Choice, node: Node, step: str | None) -> list[Explanation]:
        user = choice.user
        what, why = [], []
        if choice.create:
            what.append(
                f"created system user {user.name} (uid {user.uid}) and group {user.name} "
                f"(gid {user.gid}) with home {choice.home} and no login shell"
            )
            why.append(f"{choice.why}; a home keeps tools that write to $HOME working")
        if step:
            app_dir = self.final.workdir
            what.append(f"handed the app directory {app_dir} itself to {user.label}")
            why.append(
                f"so the app can create files in {app_dir} (databases, uploads, logs); not "
                "recursive, RUN outputs stay root-owned"
            )
        early = "after the last RUN" if self._last_run().directive == "RUN" else "right after FROM"
        why.append(f"placed {early} so code changes keep it cached")
        return [self.codemod.explain("; ".join(what), "; ".join(why), node=node)]

    def _neighbour(self, inst: Instruction) -> Instruction:
        """The instruction after ``inst`` in the stage (``inst`` when it is the last)."""
        insts = self.stage.instructions
        i = next(i for i, other in enumerate(insts) if other is inst)
        return insts[i + 1] if i + 1 < len(insts) else inst

    def _insert(self, nodes: list[Node], at: int, new: list[Node]) -> None:
        """Insert instructions, separated by blank lines when the stage is written that way."""
        if self.spaced:
            blank = Blank("", self.tree.style.eol)
            new = [n for node in new for n in (blank, node)][1:]
            if at > 0 and not isinstance(nodes[at - 1], Blank):
                new.insert(0, blank)
            if at < len(nodes) and not isinstance(nodes[at], Blank):
                new.append(blank)
        nodes[at:at] = new

    @cached
    def spaced(self) -> bool:
        """Whether the stage separates every instruction from the next with a blank line."""
        index = {id(node): i for i, node in enumerate(self.tree.nodes)}
        positions = [index[id(i)] for i in self.stage.instructions]
        gaps = list(itertools.pairwise(positions))
        return len(gaps) >= 2 and all(
            any(isinstance(n, Blank) for n in self.tree.nodes[a + 1 : b]) for a, b in gaps
        )

    # -- files put into the image ------------------------------------------------------------
    @cached
    def files(self) -> list[_Placed]:
        return self._placements(self.chain)

    def _placements(self, chain: Sequence[Stage]) -> list[_Placed]:
        """What the chain's COPY/ADD (and RUN printf > file) put into the image, in order."""
        placed: list[_Placed] = []
        for inst, state in self.pairs(chain):
            if inst.directive == "RUN":
                placed.extend(_written_files(inst, state, self.line(inst) or 0))
                continue
            if inst.directive not in ("COPY", "ADD"):
                continue
            items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
            if len(items) < 2:
                continue
            sources, raw_dest = items[:-1], items[-1]
            dest = resolve_workdir(state.workdir, raw_dest)
            into_dir = raw_dest.endswith("/") or len(sources) > 1
            line = self.line(inst) or 0
            ref = inst.flag("from")
            docs = {d.name: d for d in inst.heredocs}
            for source in sources:
                name = posixpath.basename(source.rstrip("/")) or source
                if source.startswith("<<"):
                    doc = docs.get(source.lstrip("<-").strip("'\""))
                    if doc is not None:
                        placed.append(
                            _Placed("heredoc", dest, into_dir, "", doc.name, line, doc.content)
                        )
                elif ref is not None:
                    stage = self.model.stage(substitute(ref, state.variables))
                    kind, index = ("stage", stage.index) if stage else ("image", None)
                    path = resolve_workdir("/", source)
                    placed.append(_Placed(kind, dest, into_dir, path, name, line, stage=index))
                elif "://" not in source:
                    rel = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
                    placed.append(_Placed("context", dest, into_dir, rel, name, line))
        return placed

    def _lookup(
        self, path: str, files: Sequence[_Placed] | None = None, depth: int = 0
    ) -> tuple[bool, str | None, str]:
        """Whether a COPY/ADD put ``path`` into the image, its text if readable, from where.

        Sources named like the file win over folders whose contents might hold it.
        """
        files = self.files if files is None else files
        for exact in (True, False):
            for placed in reversed(files):
                found = self._lookup_in(placed, path, exact, depth)
                if found is not None:
                    return found
        return False, None, ""

    def _lookup_in(
        self, placed: _Placed, path: str, exact: bool, depth: int
    ) -> tuple[bool, str | None, str] | None:
        if placed.kind == "heredoc":
            target = posixpath.join(placed.dest, placed.name) if placed.into_dir else placed.dest
            if exact and target == path:
                return True, placed.content, f"a heredoc at line {placed.line}"
            return None
        for source in _candidates(placed, path, exact):
            origin = f"copied from {source} at line {placed.line}"
            if placed.kind == "stage" and placed.stage is not None and depth < 3:
                chain = self._chain(self.model.stages[placed.stage])
                found = self._lookup(source, self._placements(chain), depth + 1)
                return found if found[0] else (True, None, origin)
            if placed.kind != "context" or not self.ctx.has_context:
                return True, None, origin
            if not any(c in source for c in "*?["):
                text = self.ctx.read(source)
                if text is not None or self.ctx.exists(source):
                    return True, text, origin
        return None


# -- helpers ---------------------------------------------------------------------------------
_PRINTF_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"', "%": "%"}


def _printf_text(fmt: str) -> str | None:
    """What ``printf FMT`` prints, for a format with no conversions (None otherwise)."""
    out: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch in "\\%":
            nxt = fmt[i + 1] if i + 1 < len(fmt) else ""
            if ch == "%" and nxt != "%":
                return None
            if ch == "\\" and nxt not in _PRINTF_ESCAPES:
                return None
            out.append(_PRINTF_ESCAPES[nxt] if ch == "\\" else "%")
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _written_files(inst: Instruction, state: RunState, line: int) -> list[_Placed]:
    """Files a RUN writes with ``printf 'literal' > /path`` (their text is known)."""
    placed = []
    for cmd in _run_commands(inst, state):
        if cmd.name != "printf" or len(cmd.words) != 2 or len(cmd.redirects) != 1:
            continue
        redirect = cmd.redirects[0]
        if not redirect.startswith(">") or redirect.startswith(">>"):
            continue
        target = redirect[1:].strip()
        text = _printf_text(cmd.words[1])
        if text is None or not target.startswith("/") or "$" in target:
            continue
        name = posixpath.basename(target)
        placed.append(_Placed("heredoc", posixpath.dirname(target), True, "", name, line, text))
    return placed


def _is_root(user: str) -> bool:
    return user.split(":", 1)[0].strip() in ("root", "0", "")


def _windows_shell(state: RunState) -> bool:
    if not state.shell:
        return False
    program = posixpath.basename(state.shell[0].replace("\\", "/")).lower()
    return program.removesuffix(".exe") in ("cmd", "powershell", "pwsh")


def _app_dir(path: str) -> bool:
    """Whether ``path`` can be the app's own directory (not a system or shared place)."""
    return path not in SHARED_DIRS and not any(_inside(path, d) for d in SYSTEM_DIRS)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _dest(inst: Instruction, state: RunState) -> str:
    raw = substitute(inst.values.items[-1], state.variables, inst.escape)
    return resolve_workdir(state.workdir, raw)


def _program(words: Sequence[str]) -> str:
    return posixpath.basename(words[0]) if words else ""


def _run_commands(inst: Instruction, state: RunState) -> tuple[Command, ...]:
    """The commands a RUN executes (heredoc scripts included)."""
    if inst.is_json:
        words = tuple(inst.values.items)
        script = _shell_script(words)
        if script is None:
            return (Command(words, (), state.workdir, inst.value),)
        return analyse(script, state.workdir, state.variables).commands
    head = analyse(inst.value, state.workdir, state.variables).commands
    if not inst.heredocs:
        return head
    named = [c for c in head if c.words]
    if not named or (len(named) == 1 and named[0].name in SHELLS):
        body = analyse(inst.heredocs[0].content, state.workdir, state.variables).commands
        return head + body
    return head


def _shell_script(words: Sequence[str]) -> str | None:
    """The script of ``sh -c 'script'`` (any flags before ``-c``), else None."""
    if not words or _program(words) not in SHELLS:
        return None
    for i, word in enumerate(words[1:], 1):
        if not word.startswith("-"):
            return None
        if not word.startswith("--") and "c" in word:
            return words[i + 1] if i + 1 < len(words) else None
    return None


def _strip_launchers(words: Sequence[str]) -> tuple[str, ...]:
    """The real program of ``tini -- x``, ``dumb-init x``, ``exec x``, ``env A=1 x``."""
    out = tuple(words)
    while out and _program(out) in data.LAUNCHERS:
        rest = out[1:]
        if "--" in rest:
            rest = rest[rest.index("--") + 1 :]
        else:
            while rest and (rest[0].startswith("-") or "=" in rest[0]):
                rest = rest[1:]
        out = rest
    return out


def _start_programs(inst: Instruction, state: RunState) -> list[tuple[str, ...]]:
    """The programs a CMD/ENTRYPOINT runs (``sh -c`` scripts followed, launchers dropped)."""
    if inst.is_json:
        words = tuple(inst.values.items)
        return _programs([Command(words, (), state.workdir, inst.value)])
    return _programs(analyse(inst.value, state.workdir, state.variables).commands)


def _programs(commands: Iterable[Command], depth: int = 0) -> list[tuple[str, ...]]:
    """Each command's words from its real program on, following ``sh -c`` scripts; an
    unreadable part gives the root-needing commands it mentions."""
    out: list[tuple[str, ...]] = []
    for cmd in commands:
        if cmd.opaque:
            out.extend((word,) for word in _root_words(cmd.text))
            continue
        words = _strip_launchers(cmd.words)
        if not words:
            continue
        script = _shell_script(words)
        if script is not None and depth < 3:
            out.extend(_programs(analyse(script).commands, depth + 1))
        out.append(words)
    return out


def _root_words(text: str) -> list[str]:
    """Words of ``text`` that name a command needing root."""
    return [w for w in re.findall(r"[\w.-]+", text) if w in data.ROOT_COMMANDS]


def _root_command_in(script: str) -> str | None:
    """The command of a script that most needs root (ROOT_COMMANDS order: gosu before chown)."""
    names = {_program(words) for words in _programs(analyse(script).commands)}
    return next((name for name in data.ROOT_COMMANDS if name in names), None)


def _script_word(words: Sequence[str]) -> str | None:
    """The script a start command runs: the program, or the file a shell is given."""
    if _program(words) in SHELLS:
        args = [w for w in words[1:] if not w.startswith("-")]
        return args[0] if args and _shell_script(words) is None else None
    if _looks_like_script(words[0]) or "/" in words[0]:
        return words[0]
    return None


def _looks_like_script(word: str) -> bool:
    base = posixpath.basename(word).lower()
    return base.endswith(".sh") or "entrypoint" in base


def _node_script(client: str, args: Sequence[str]) -> str | None:
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


def _path_dirs(state: RunState) -> list[str]:
    path = state.env.get("PATH")
    dirs = [d for d in path.split(":") if d.startswith("/")] if path else []
    return dirs or list(DEFAULT_PATH)


def _command_ports(words: Sequence[str]) -> list[int]:
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


def _installs_into_home(commands: Sequence[Command], state: RunState) -> str | None:
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


def _candidates(placed: _Placed, path: str, exact: bool) -> list[str]:
    """Sources a COPY of ``placed`` would put at ``path``: named like it (``exact``), or a
    folder whose contents land around it."""
    source, dest = placed.source, placed.dest
    if not exact:
        if path.startswith(dest.rstrip("/") + "/") and not any(c in source for c in "*?["):
            rest = path[len(dest.rstrip("/")) + 1 :]
            return [posixpath.normpath(posixpath.join(source, rest))]
        return []
    out: list[str] = []
    if path == dest and not placed.into_dir:
        out.append(source)
    name = posixpath.basename(path)
    if posixpath.dirname(path) == dest and fnmatch.fnmatch(name, placed.name):
        out.append(posixpath.normpath(posixpath.join(posixpath.dirname(source), name)))
    return list(dict.fromkeys(out))


def _contents(placed: _Placed, ctx: Context) -> list[str]:
    """The readable texts a COPY put into the image (a folder's files included)."""
    if placed.kind == "heredoc":
        return [placed.content or ""]
    if placed.kind != "context":
        return []
    out = []
    for rel in ctx.glob(placed.source) or [placed.source]:
        for name in [rel, *ctx.glob(f"{rel}/**/*")]:
            text = ctx.read(name)
            if text is not None:
                out.append(text)
    return out


def _strip_nginx_comments(text: str) -> str:
    return re.sub(r"#[^\n]*", "", text)


def _nginx_includes(text: str) -> list[str]:
    return re.findall(r"\binclude\s+([^;\s]+)\s*;", _strip_nginx_comments(text))


def _listen_port(value: str) -> int | None:
    """The port of an nginx ``listen`` value (80 when only an address is given)."""
    if value.startswith("unix:"):
        return None
    tail = value.rsplit("]:", 1)[-1] if value.startswith("[") else value.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 80


def _group_created(words: Sequence[str]) -> tuple[str, int | None] | None:
    """``(name, gid)`` of a groupadd/addgroup command."""
    positional, options = _parse(words[1:], frozenset("gKpR"), _LONG_GROUP)
    if not positional:
        return None
    name = positional[0] if _program(words) == "addgroup" else positional[-1]
    return name, _int(options.get("g") or options.get("gid"))


def _user_created(
    words: Sequence[str], groups: Mapping[str, int]
) -> tuple[str, int | None, int | None] | None:
    """``(name, uid, gid)`` of the user a useradd/adduser creates (ids None when not fixed)."""
    useradd = _program(words) == "useradd"
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


def _owner(spec: str | None) -> tuple[str | None, int | None, int | None] | None:
    """``(name, uid, gid)`` of an ``owner[:group]`` spec; None for root or no owner."""
    if not spec:
        return None
    owner, _, group = spec.partition(":")
    if _is_root(owner):
        return None
    if owner.isdigit():
        return None, int(owner), _int(group)
    return owner, None, _int(group)


def _chown_owner(words: Sequence[str]) -> str | None:
    """The ``owner[:group]`` of a chown command (None for --reference)."""
    for word in words[1:]:
        if word.startswith("--reference"):
            return None
        if not word.startswith("-"):
            return word
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
