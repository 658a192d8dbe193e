"""What non-root-user reads from the target stage and the stages it is built FROM.

:class:`Facts` is the codemod's :class:`~refactor.engine.codemod.Planner`: the stage to change,
its chain of parents (``Stage.ancestry()``, the one on an image first), every instruction with
the state it runs in, the commands each RUN executes (the semantics layer's
:func:`~refactor.analysis.semantics.run_commands`), the start commands in effect, the paths RUNs
chown, and what COPY/ADD (and ``RUN printf 'text' > /path``) put into the image, so a file the
start command runs (an entrypoint script, nginx's config) can be found and read in the build
context, in a heredoc, or through ``COPY --from`` in another stage. Everything here is read once
and cached; nothing decides.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codemods.non_root_user.commands import (
    program_paths,
    script_word,
    start_programs,
    strip_launchers,
)
from refactor.analysis.destinations import copy_destination, destinations
from refactor.analysis.model import RunState, Stage, resolve_workdir, substitute
from refactor.analysis.semantics import is_posix_shell, run_commands, shell_script, under
from refactor.analysis.shell import Command, analyse
from refactor.caching import cached
from refactor.data import users as data
from refactor.data.commands import invocation, matches, program
from refactor.engine.codemod import Context, Planner, Unsupported
from refactor.syntax.tree import Dockerfile, Instruction

if TYPE_CHECKING:
    from codemods.non_root_user import NonRootUser


@dataclass(frozen=True)
class Placed:
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


@dataclass(frozen=True)
class Write:
    """Something the app writes at run time: ``path`` (absolute, None when it cannot be
    resolved), ``what`` writes it and where that was read (``origin``). ``folder``: ``path``
    is a folder the app creates or fills, else a file whose folder must be writable."""

    path: str | None
    what: str
    origin: str
    folder: bool = False

    @property
    def needs(self) -> str | None:
        """The folder that must be writable for the write to work."""
        if self.path is None:
            return None
        return self.path if self.folder else posixpath.dirname(self.path) or "/"


class Facts(Planner["NonRootUser"]):
    """The target stage and what its chain of stages puts into the image (raises
    Unsupported when there is no stage to change)."""

    def __init__(self, codemod: NonRootUser, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree, ctx)
        stage = self.model.stage(ctx.target) if ctx.target else self.model.final
        if stage is None:
            missing = f"no stage named {ctx.target}" if ctx.target else "no final stage"
            raise Unsupported(missing, code="USR001")
        self.stage = stage
        self.chain = stage.ancestry()
        self.image = self.chain[0].image
        self.image_name = str(self.image) if self.image else self.chain[0].base
        self.final = stage.final_state or stage.states[-1]

    def pairs(self, chain: Sequence[Stage] | None = None) -> Iterator[tuple[Instruction, RunState]]:
        """Every instruction of the chain with the state it runs in, in build order."""
        for stage in self.chain if chain is None else chain:
            yield from stage.steps()

    def runs(self) -> Iterator[tuple[Instruction, RunState, tuple[Command, ...]]]:
        """Every RUN of the chain with its state and the commands it executes."""
        for inst, state in self.pairs():
            if inst.directive == "RUN":
                yield inst, state, run_commands(inst, state).commands

    @cached
    def start(self) -> list[tuple[Instruction, RunState, list[tuple[str, ...]]]]:
        """The ENTRYPOINT and CMD in effect, each with the programs it runs."""
        found = []
        for directive in ("ENTRYPOINT", "CMD"):
            for inst, state in reversed(list(self.pairs())):
                if inst.directive == directive:
                    found.append((inst, state, start_programs(inst, state)))
                    break
        return found

    @cached
    def start_scripts(self) -> list[tuple[str, str, RunState]]:
        """The start scripts the image has and their text: ``(word, text, state)``."""
        found: list[tuple[str, str, RunState]] = []
        for _, state, progs in self.start:
            for words in progs:
                script = script_word(words)
                if script is None:
                    continue
                for path in program_paths(script, state):
                    present, text, _ = self.lookup(path)
                    if present:
                        if text is not None:
                            found.append((script, text, state))
                        break
        return found

    @cached
    def writes(self) -> list[Write]:
        """What the app writes at run time: the start command and scripts (state-creating
        commands such as migrations, FIFOs, redirections, ``mkdir``/``touch``…) and the
        sources the image holds (:data:`refactor.data.users.SOURCE_WRITES`)."""
        out: list[Write] = []
        for inst, state in ((i, s) for i, s, _ in self.start):
            where = f"{inst.directive} (line {self.line(inst)})"
            out.extend(command_writes(start_commands(inst, state), state, where))
        for word, text, state in self.start_scripts:
            script = analyse(text, state.workdir, state.env)
            out.extend(command_writes(script.commands, state, word))
        out.extend(self._source_writes())
        return out

    def _source_writes(self) -> list[Write]:
        suffixes = tuple(s for row in data.SOURCE_WRITES for s in row.suffixes)
        out: list[Write] = []
        for placed in self.files:
            if placed.kind != "context" or not self.ctx.has_context:
                continue
            for rel in _source_files(placed, self.ctx, suffixes):
                text = self.ctx.read(rel)
                if text is None:
                    continue
                for row in data.SOURCE_WRITES:
                    if not rel.endswith(row.suffixes):
                        continue
                    for match in row.pattern.finditer(text):
                        literal = _LITERAL.fullmatch(match.group("arg").strip())
                        if literal is None and not row.strict:
                            continue
                        path = (
                            resolve_workdir(self.final.workdir, literal.group(2))
                            if literal is not None
                            else None
                        )
                        out.append(Write(path, row.what, rel, row.folder))
        return out

    @cached
    def nginx_server(self) -> bool:
        """Whether the final stage serves with nginx (the nginx image, or a start command)."""
        if self.image is not None and self.image.hub_name == "nginx":
            return True
        return any(program(words) == "nginx" for _, _, progs in self.start for words in progs)

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

    def covered(self, path: str) -> bool:
        return any(p == path or (rec and under(path, p)) for p, rec in self.owned)

    def posix_shell(self) -> bool:
        return is_posix_shell(self.final.shell)

    @cached
    def files(self) -> list[Placed]:
        return self.placements(self.chain)

    def placements(self, chain: Sequence[Stage]) -> list[Placed]:
        """What the chain's COPY/ADD (and RUN printf > file) put into the image, in order."""
        placed: list[Placed] = []
        resolved = destinations(chain[-1]) if chain else {}
        for inst, state in self.pairs(chain):
            if inst.directive == "RUN":
                placed.extend(_written_files(inst, state, self.line(inst) or 0))
                continue
            if inst.directive not in ("COPY", "ADD"):
                continue
            found = resolved.get(inst)
            if found is None:
                continue
            items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
            sources, dest, into_dir = items[:-1], found.path, found.into
            line = self.line(inst) or 0
            ref = inst.flag("from")
            docs = {d.name: d for d in inst.heredocs}
            for source in sources:
                name = posixpath.basename(source.rstrip("/")) or source
                if source.startswith("<<"):
                    doc = docs.get(source.lstrip("<-").strip("'\""))
                    if doc is not None:
                        placed.append(
                            Placed("heredoc", dest, into_dir, "", doc.name, line, doc.content)
                        )
                elif ref is not None:
                    stage = self.model.stage(substitute(ref, state.variables))
                    kind, index = ("stage", stage.index) if stage else ("image", None)
                    path = resolve_workdir("/", source)
                    placed.append(Placed(kind, dest, into_dir, path, name, line, stage=index))
                elif "://" not in source:
                    rel = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
                    placed.append(Placed("context", dest, into_dir, rel, name, line))
        return placed

    def lookup(
        self, path: str, files: Sequence[Placed] | None = None, depth: int = 0
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
        self, placed: Placed, path: str, exact: bool, depth: int
    ) -> tuple[bool, str | None, str] | None:
        if placed.kind == "heredoc":
            target = posixpath.join(placed.dest, placed.name) if placed.into_dir else placed.dest
            if exact and target == path:
                return True, placed.content, f"a heredoc at line {placed.line}"
            return None
        for source in _candidates(placed, path, exact):
            origin = f"copied from {source} at line {placed.line}"
            if placed.kind == "stage" and placed.stage is not None and depth < 3:
                chain = self.model.stages[placed.stage].ancestry()
                found = self.lookup(source, self.placements(chain), depth + 1)
                return found if found[0] else (True, None, origin)
            if placed.kind != "context" or not self.ctx.has_context:
                return True, None, origin
            if not any(c in source for c in "*?["):
                text = self.ctx.read(source)
                if text is not None or self.ctx.exists(source):
                    return True, text, origin
        return None


_LITERAL = re.compile(r"""[rbuf]?(['"`])([^'"`$]+)\1""")
_REDIRECT = re.compile(r"(?:^|\s)[0-9&]*>>?\|?\s*(?P<target>[^\s&][^\s]*)")
_MAX_SOURCE_FILES = 2000


def _source_files(placed: Placed, ctx: Context, suffixes: tuple[str, ...]) -> list[str]:
    """The context files of one COPY source that are sources of a known ecosystem."""
    if placed.source.endswith(suffixes) and ctx.exists(placed.source):
        return [placed.source]
    pattern = "**/*" if placed.source == "." else f"{placed.source}/**/*"
    return [rel for rel in ctx.glob(pattern) if rel.endswith(suffixes)][:_MAX_SOURCE_FILES]


def start_commands(inst: Instruction, state: RunState) -> tuple[Command, ...]:
    """The commands a CMD/ENTRYPOINT runs, with their redirections (``sh -c`` followed)."""
    if not inst.is_json:
        return analyse(inst.value, state.workdir, state.env).commands
    words = tuple(inst.values.items)
    script = shell_script(words)
    if script is not None:
        return analyse(script, state.workdir, state.env).commands
    return (Command(words, (), state.workdir, inst.value),)


def _state_command(words: tuple[str, ...]) -> bool:
    """Whether a command creates state where it runs (a migration, see STATE_AT_START)."""
    name, args = invocation(words)
    if name.startswith("python") and args and args[0].endswith(".py"):
        name, args = posixpath.basename(args[0]), args[1:]
    return matches((name, *args), data.STATE_AT_START)


def command_writes(commands: Sequence[Command], state: RunState, origin: str) -> list[Write]:
    """What a start command or script writes: state-creating commands write into the folder
    they run in, WRITING_COMMANDS write their operands, redirections their targets. Variables
    the script assigns are expanded; one it does not (or assigns twice) leaves the path
    unresolved."""
    variables = dict(state.env)
    assigned: dict[str, str | None] = {}
    for cmd in commands:
        for key, value in cmd.assignments:
            if not cmd.words:
                assigned[key] = value if assigned.get(key, value) == value else None
    variables.update({k: v for k, v in assigned.items() if v is not None})
    # Function bodies have no known directory; a script that never leaves its start folder
    # runs them there.
    fallback = state.workdir if all(c.cwd in (None, state.workdir) for c in commands) else None

    def resolve(word: str, cwd: str | None) -> str | None:
        value = substitute(word, variables)
        if "$" in value or "`" in value or (cwd is None and not value.startswith("/")):
            return None
        if value.startswith("~"):
            return None
        return resolve_workdir(cwd or "/", value)

    out: list[Write] = []
    for cmd in commands:
        words = strip_launchers(cmd.words)
        if not words or cmd.opaque:
            continue
        name, cwd = program(words), cmd.cwd or fallback
        if _state_command(words):
            what = " ".join(words[:3])
            out.append(Write(cwd, f"`{what}` (it may create a SQLite database)", origin, True))
        rule = data.WRITING_COMMANDS.get(name)
        if rule is not None:
            operands = [w for w in words[1:] if not w.startswith("-")]
            chosen = {"all": operands, "first": operands[:1], "last": operands[-1:]}[rule[0]]
            for word in chosen:
                out.append(Write(resolve(word, cwd), f"`{name}`", origin, rule[1]))
        for redirect in cmd.redirects:
            for match in _REDIRECT.finditer(redirect):
                target = match.group("target")
                out.append(Write(resolve(target, cwd), "a `>` redirection", origin))
    return out


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


def _written_files(inst: Instruction, state: RunState, line: int) -> list[Placed]:
    """Files a RUN writes with ``printf 'literal' > /path`` (their text is known)."""
    placed = []
    for cmd in run_commands(inst, state).commands:
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
        placed.append(Placed("heredoc", posixpath.dirname(target), True, "", name, line, text))
    return placed


def dest_of(stage: Stage, inst: Instruction, state: RunState) -> str:
    """The folder or file a COPY/ADD of ``stage``'s chain writes (BuildKit's resolution)."""
    found = copy_destination(stage, inst)
    if found is not None:
        return found.path
    return resolve_workdir(state.workdir, substitute(inst.values.items[-1], state.variables))


def _candidates(placed: Placed, path: str, exact: bool) -> list[str]:
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


def contents(placed: Placed, ctx: Context) -> list[str]:
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
