"""Which user the stage runs as, where USER goes, and what is handed to the user.

The user is the first of: the one the Dockerfile already creates or hands files to
(``useradd``, ``chown``, ``COPY --chown``; several is the author's choice, a name without a
fixed uid cannot be written numerically), the one the base image ships
(:func:`refactor.data.users.image_user`), a new system user made with the family's commands
(:data:`refactor.data.users.CREATE_USER`; scratch needs none). ``USER`` goes after the stage's
last RUN and before the CMD/ENTRYPOINT/HEALTHCHECK that follows it; the app directory (the
final WORKDIR, when it is not a system or shared folder) is handed to the user, not recursively,
and so is every other folder the app writes at run time (:func:`written_folders`), created by
the same RUN when missing (``mkdir -p /logs && chown …``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from codemods.non_root_user.commands import chown_owner, group_created, owner_of, user_created
from codemods.non_root_user.facts import Facts, Write
from refactor.analysis.model import substitute
from refactor.analysis.semantics import under
from refactor.data import users as data
from refactor.data.distros import distro_of
from refactor.data.system import SHARED_DIRS, SYSTEM_DIRS
from refactor.engine.codemod import Unsupported
from refactor.syntax.tree import Instruction

#: The instructions USER goes before.
START = ("CMD", "ENTRYPOINT", "HEALTHCHECK")
_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_PLAIN_PATH = re.compile(r"^/[\w./-]+$")


@dataclass(frozen=True)
class Choice:
    """The user the final stage will run as, and how it comes to exist."""

    user: data.ImageUser
    why: str  # where the user comes from, for the explanations
    create: tuple[str, ...] = ()  # commands that create it (empty: it exists already)
    home: str | None = None


@dataclass
class Seen:
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


def choose(facts: Facts) -> Choice:
    """The user the stage will run as (raises Unsupported when none can be told)."""
    family = distro_of(facts.image)
    known = dict(data.NAMED_SYSTEM_USERS.get(family.family if family else "", {}))
    entry = data.image_user(facts.image)
    if entry is not None and entry.user is not None:
        known[entry.user.name] = entry.user
    mine = _dockerfile_user(facts, known)
    if mine is not None:
        return mine
    if entry is not None and entry.user is not None:
        why = f"{facts.image_name} ships user {entry.user.label}"
        return Choice(entry.user, f"{why} ({entry.note})" if entry.note else why)
    if family is None:
        raise Unsupported(f"cannot tell how to create a user on {facts.image_name}", code="USR016")
    if family.family == "scratch":
        return Choice(data.SCRATCH_USER, "scratch has no /etc/passwd: a numeric user works")
    commands = data.CREATE_USER.get(family.family)
    if commands is None:
        raise Unsupported(f"cannot tell how to create a user on {facts.image_name}", code="USR016")
    missing = data.lacks_useradd(facts.image)
    if missing:
        raise Unsupported(f"cannot create a user on {facts.image_name}: {missing}", code="USR017")
    if not facts.posix_shell():
        raise Unsupported(
            f"the stage's SHELL {list(facts.final.shell)} is not a POSIX shell", code="USR018"
        )
    name, uid = facts.ctx.options.user_name, facts.ctx.options.user_uid
    if not _NAME.match(name) or not 0 < uid < 2**31:
        raise Unsupported(
            f"the user name or uid option is not valid ({name!r}, {uid})", code="USR019"
        )
    home = f"/home/{name}"
    user = data.ImageUser(name, uid, uid)
    create = tuple(c.format(name=name, uid=uid, gid=uid, home=home) for c in commands)
    return Choice(user, f"{facts.image_name} has no unprivileged user", create, home)


def _dockerfile_user(facts: Facts, known: Mapping[str, data.ImageUser]) -> Choice | None:
    """The user the Dockerfile creates or hands files to, but never switches to."""
    groups: dict[str, int] = {}
    seen: list[Seen] = []

    def note(name: str | None, uid: int | None, gid: int | None, line: int | None) -> None:
        if name is not None and name in known:
            uid = uid if uid is not None else known[name].uid
            gid = gid if gid is not None else known[name].gid
        for entry in seen:
            if (name is not None and name in entry.names) or (uid is not None and uid == entry.uid):
                entry.merge(name, uid, gid)
                return
        seen.append(Seen({name} if name else set(), uid, gid, line))

    for run, state, commands in facts.runs():
        for cmd in commands:
            words = tuple(substitute(w, state.variables) for w in cmd.words)
            if cmd.name in ("groupadd", "addgroup"):
                group = group_created(words)
                if group is not None and group[1] is not None:
                    groups[group[0]] = group[1]
            elif cmd.name in ("useradd", "adduser"):
                created = user_created(words, groups)
                if created is not None:
                    note(*created, facts.line(run))
            elif cmd.name == "chown":
                owner = owner_of(chown_owner(words))
                if owner is not None:
                    note(*owner, facts.line(run))
    for inst, state in facts.pairs():
        if inst.directive in ("COPY", "ADD"):
            owner = owner_of(substitute(inst.flag("chown") or "", state.variables))
            if owner is not None:
                note(*owner, facts.line(inst))
    if len(seen) > 1:
        names = ", ".join(entry.label for entry in seen)
        raise Unsupported(
            f"the Dockerfile prepares several users ({names}); cannot tell which one "
            "should run the app",
            code="USR020",
        )
    if not seen:
        return None
    entry = seen[0]
    if entry.uid is None:
        raise Unsupported(
            f"the Dockerfile prepares user {entry.label} (line {entry.line}) without a fixed "
            f"uid; a numeric USER needs one (or add USER {entry.label} yourself)",
            entry.line,
            code="USR021",
        )
    user = data.ImageUser(entry.label, entry.uid, entry.gid)
    return Choice(user, f"the Dockerfile already prepares {user.label} (line {entry.line})")


def last_run(facts: Facts) -> Instruction:
    """The stage's last RUN (its FROM when it has none): root's work ends there."""
    runs = [i for i in facts.stage.instructions if i.directive == "RUN"]
    return runs[-1] if runs else facts.stage.from_


def anchor(facts: Facts) -> list[Instruction]:
    """The first CMD/ENTRYPOINT/HEALTHCHECK after the last RUN: USER goes before it."""
    insts = facts.stage.instructions
    last = next(i for i, inst in enumerate(insts) if inst is last_run(facts))
    return [i for i in insts[last + 1 :] if i.directive in START][:1]


def has_shell(facts: Facts, creates: bool) -> bool:
    """Whether a RUN can hand folders over (a POSIX shell the stage already runs)."""
    family = distro_of(facts.image)
    ran_shell = any(i.directive == "RUN" and not i.is_json for i, _ in facts.pairs())
    return creates or (
        facts.posix_shell() and (ran_shell or (family is not None and family.has_shell))
    )


def writable(path: str) -> bool:
    """Whether anyone may write in ``path`` already (/tmp, /dev…)."""
    return any(under(path, d) for d in data.WORLD_WRITABLE)


def can_hand_over(path: str) -> bool:
    """Whether ``path`` may be given to the user: not a system or shared folder itself."""
    return path not in SHARED_DIRS and path not in SYSTEM_DIRS and bool(_PLAIN_PATH.match(path))


def written_folders(facts: Facts) -> dict[str, list[Write]]:
    """The folders the app writes at run time that the user must own, each with its writes
    (resolved writes only; :mod:`.checks` stops on the others)."""
    out: dict[str, list[Write]] = {}
    for write in facts.writes:
        folder = write.needs
        if folder is not None and not writable(folder) and not facts.covered(folder):
            out.setdefault(folder, []).append(write)
    return out


def handed_folders(facts: Facts, choice: Choice) -> list[str]:
    """The folders the RUN creates and gives to the user: the app directory (the final
    WORKDIR) and the folders the app writes at run time."""
    app_dir = facts.final.workdir
    folders = [app_dir] if is_app_dir(app_dir) and _PLAIN_PATH.match(app_dir) else []
    folders.extend(f for f in written_folders(facts) if f not in folders)
    folders = [f for f in folders if not facts.covered(f)]
    return folders if folders and has_shell(facts, bool(choice.create)) else []


def app_dir_step(facts: Facts, choice: Choice) -> str | None:
    """``mkdir -p /app && chown …`` handing the app directory itself (and the folders the app
    writes, see :func:`written_folders`) to the user, or None."""
    folders = " ".join(handed_folders(facts, choice))
    if not folders:
        return None
    return f"mkdir -p {folders} && chown {choice.user.spec} {folders}"


def is_app_dir(path: str) -> bool:
    """Whether ``path`` can be the app's own directory (not a system or shared place)."""
    return path not in SHARED_DIRS and not any(under(path, d) for d in SYSTEM_DIRS)
