"""The build model: what a Dockerfile builds, read from the syntax tree.

Stages with their base images and names, global ARGs substituted into FROM, the stage graph
(``FROM <stage>``, ``COPY --from``, ``RUN --mount=…,from=``), the stages a target needs, and
for every instruction the state it runs in: absolute working directory, user, environment,
shell. Substitution uses BuildKit's lexer (:mod:`refactor.syntax.lexer`), so ``${VAR:-default}``
and friends resolve as the engine resolves them.

The model is read-only once built: the graph's edges are indexed by target and by source,
stages by name and instructions by identity (each index built on first use), so walking the
graph of a Dockerfile with thousands of stages stays linear.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from refactor.analysis.images import ImageRef
from refactor.caching import cached
from refactor.syntax.lexer import Lex, LexError
from refactor.syntax.tree import Dockerfile, Instruction

__all__ = ["BuildModel", "Edge", "RunState", "Stage", "build_model"]

#: ARGs BuildKit defines for every build (values for a linux/amd64 build on amd64).
PLATFORM_ARGS: Mapping[str, str] = {
    "BUILDPLATFORM": "linux/amd64",
    "BUILDOS": "linux",
    "BUILDARCH": "amd64",
    "BUILDVARIANT": "",
    "TARGETPLATFORM": "linux/amd64",
    "TARGETOS": "linux",
    "TARGETARCH": "amd64",
    "TARGETVARIANT": "",
}
_STATE_CHANGERS = frozenset({"ARG", "ENV", "WORKDIR", "USER", "SHELL"})
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
DEFAULT_SHELL = ("/bin/sh", "-c")


@dataclass(frozen=True)
class RunState:
    """The state an instruction runs in: working directory, user, environment, shell."""

    workdir: str
    user: str | None
    env: Mapping[str, str]
    args: Mapping[str, str]
    shell: tuple[str, ...] = DEFAULT_SHELL

    @cached
    def variables(self) -> Mapping[str, str]:
        """ARGs then ENVs (ENV wins), as seen by substitution in this instruction (read-only;
        instructions that change nothing share one state)."""
        return MappingProxyType({**self.args, **self.env})

    @property
    def home(self) -> str | None:
        """The user's home: ENV HOME, ``/root`` for root; None when only /etc/passwd knows."""
        if "HOME" in self.env:
            return self.env["HOME"]
        user = (self.user or "root").split(":", 1)[0]
        return "/root" if user in ("root", "0", "") else None


@dataclass(frozen=True)
class Edge:
    """A dependency between stages: ``source`` is used by ``target``."""

    source: int | None
    target: int
    kind: str  # "from", "copy", "mount"
    reference: str
    instruction: Instruction
    image: str | None = None  # set when the reference is an external image

    @property
    def dangling(self) -> bool:
        return self.source is None and self.image is None


@dataclass
class Stage:
    """One build stage: its FROM, its instructions and what it derives from."""

    index: int
    from_: Instruction
    base: str
    name: str | None = None
    alias: str | None = None  # the name as written (case kept)
    platform: str | None = None
    image: ImageRef | None = None
    parent: int | None = None
    instructions: list[Instruction] = field(default_factory=list)
    states: list[RunState] = field(default_factory=list)
    final_state: RunState | None = None
    #: the stage named by ``parent`` (set by :func:`build_model`)
    parent_stage: Stage | None = field(default=None, repr=False, compare=False)

    @property
    def ref(self) -> str:
        """How other stages refer to this one: its name, else its index."""
        return self.name or str(self.index)

    def ancestry(self) -> list[Stage]:
        """The stage and the stages it derives from (``FROM <stage>``), the root first."""
        chain = [self]
        while chain[-1].parent_stage is not None:
            chain.append(chain[-1].parent_stage)
        return chain[::-1]

    def steps(self, *directives: str) -> list[tuple[Instruction, RunState]]:
        """Each instruction with the state it runs in (only ``directives`` when given)."""
        return [
            (inst, state)
            for inst, state in zip(self.instructions, self.states, strict=True)
            if not directives or inst.directive in directives
        ]

    def state_of(self, instruction: Instruction) -> RunState:
        for inst, state in zip(self.instructions, self.states, strict=True):
            if inst is instruction:
                return state
        raise ValueError("instruction is not in this stage")

    def last(self, directive: str) -> Instruction | None:
        """The last instruction of a kind in this stage (``CMD``, ``USER``…)."""
        for inst in reversed(self.instructions):
            if inst.directive == directive:
                return inst
        return None

    def all(self, directive: str) -> list[Instruction]:
        return [i for i in self.instructions if i.directive == directive]


@dataclass
class BuildModel:
    """Everything the codemods need to know about a Dockerfile's build."""

    global_args: dict[str, str | None]
    stages: list[Stage]
    edges: list[Edge]

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    @cached
    def _by_name(self) -> Mapping[str, list[Stage]]:
        """The stages of each name, in order."""
        names: dict[str, list[Stage]] = {}
        for stage in self.stages:
            if stage.name is not None:
                names.setdefault(stage.name, []).append(stage)
        return names

    @cached
    def _needed(self) -> dict[int, list[int]]:
        """:meth:`needed` by target stage index, as computed."""
        return {}

    @cached
    def _by_instruction(self) -> Mapping[int, Stage]:
        """The first stage holding each instruction, by the instruction's identity."""
        owners: dict[int, Stage] = {}
        for stage in self.stages:
            for inst in stage.instructions:
                owners.setdefault(id(inst), stage)
        return owners

    @cached
    def _sources(self) -> Mapping[int, frozenset[int]]:
        """The stages each stage uses directly, by the user's index."""
        sources: dict[int, set[int]] = {}
        for edge in self.edges:
            if edge.source is not None:
                sources.setdefault(edge.target, set()).add(edge.source)
        return {target: frozenset(used) for target, used in sources.items()}

    @cached
    def _users(self) -> Mapping[int, list[Edge]]:
        """The edges from each stage, in the order of :attr:`edges`."""
        users: dict[int, list[Edge]] = {}
        for edge in self.edges:
            if edge.source is not None:
                users.setdefault(edge.source, []).append(edge)
        return users

    def stage(self, ref: str | int) -> Stage | None:
        """A stage by name (case-insensitive) or index."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            idx = int(ref)
            return self.stages[idx] if 0 <= idx < len(self.stages) else None
        named = self._by_name.get(ref.lower())
        return named[0] if named else None

    def named(self, name: str) -> list[Stage]:
        """Every stage called ``name`` (lower case), in order."""
        return list(self._by_name.get(name, ()))

    def stage_of(self, instruction: Instruction) -> Stage | None:
        # the model holds every indexed instruction: no other live object has its id
        return self._by_instruction.get(id(instruction))

    def dependencies(self, index: int) -> set[int]:
        """The stages ``index`` uses directly."""
        return set(self._sources.get(index, ()))

    def needed(self, target: str | int | None = None) -> list[int]:
        """Stages a build of ``target`` (default: the last stage) needs, in order."""
        stage = self.final if target is None else self.stage(target)
        if stage is None:
            return []
        known = self._needed.get(stage.index)
        if known is not None:
            return list(known)
        seen: set[int] = set()
        todo = [stage.index]
        while todo:
            idx = todo.pop()
            if idx in seen:
                continue
            seen.add(idx)
            todo.extend(self._sources.get(idx, ()))
        self._needed[stage.index] = sorted(seen)
        return list(self._needed[stage.index])

    @property
    def dangling(self) -> list[Edge]:
        """References to stages that do not exist (or come later)."""
        return [e for e in self.edges if e.dangling]

    def users_of(self, index: int) -> list[Edge]:
        return list(self._users.get(index, ()))

    @cached
    def is_multistage(self) -> bool:
        return len(self.stages) > 1

    def cmd(self, stage: Stage) -> list[str] | str | None:
        """The effective CMD of a stage (exec list or shell string), following FROM <stage>."""
        return self._inherited(stage, "CMD")

    def entrypoint(self, stage: Stage) -> list[str] | str | None:
        return self._inherited(stage, "ENTRYPOINT")

    def _inherited(self, stage: Stage, directive: str) -> list[str] | str | None:
        for current in reversed(stage.ancestry()):
            own = current.last(directive)
            if own is not None:
                return command_of(own)
            if directive == "CMD" and current.last("ENTRYPOINT") is not None:
                # ENTRYPOINT resets a CMD inherited from the base (not one set in its stage).
                return None
        return None

    def exposed_ports(self, stage: Stage) -> list[str]:
        return [
            substitute(word, state.variables)
            for st in stage.ancestry()
            for inst, state in st.steps("EXPOSE")
            for word in inst.values.items
        ]


def command_of(inst: Instruction) -> list[str] | str:
    """CMD/ENTRYPOINT/RUN arguments: the exec-form list, or the shell-form string."""
    if inst.is_json:
        return list(inst.values.items)
    return inst.value


def substitute(
    word: str, variables: Mapping[str, str], escape: str = "\\", *, complete: bool = False
) -> str:
    """Expand ``$VAR`` references like BuildKit.

    With ``complete`` the variables are all there are (FROM sees only global ARGs), so an
    unknown one expands to nothing and ``${X:-default}`` to its default, as in BuildKit.
    Otherwise an unknown variable may come from the base image's ENV and is left as written.
    """
    if "$" not in word and escape not in word and "'" not in word and '"' not in word:
        return word
    try:
        return Lex(escape, skip_unset_env=not complete).process_word(word, variables)
    except LexError:
        return word


def _key_values(inst: Instruction, variables: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """ENV/ARG pairs with BuildKit's substitution (ARG without default gives None)."""
    items = inst.values.items
    if inst.directive == "ARG":
        pairs: list[tuple[str, str | None]] = []
        for word in items:
            if "=" in word:
                key, value = word.split("=", 1)
                pairs.append((key, substitute(value, variables, inst.escape)))
            else:
                pairs.append((word, None))
        return pairs
    # All pairs of one ENV see the variables from before it (`ENV a=1 b=$a` uses the old a).
    return [
        (items[i], substitute(items[i + 1], variables, inst.escape))
        for i in range(0, len(items) - 2, 3)
    ]


def resolve_workdir(current: str, path: str) -> str:
    """The absolute directory a WORKDIR or ``cd`` leads to from ``current``."""
    if not path:
        return current
    joined = path if path.startswith("/") else posixpath.join(current, path)
    norm = posixpath.normpath(joined)
    return "/" if norm in ("", ".") else ("/" + norm.lstrip("/"))


def build_model(
    tree: Dockerfile,
    build_args: Mapping[str, str] | None = None,
    image_defaults: Mapping[str, RunState] | None = None,
) -> BuildModel:
    """Read the build model of ``tree``.

    ``build_args`` are ``--build-arg`` values; ``image_defaults`` may give the state known
    images start with (working directory, user, environment), keyed by repository. Without
    them the model is read once per tree and shared: treat it as read-only.
    """
    if not build_args and not image_defaults:
        return tree.memo("model", lambda: _build_model(tree, {}, None))
    return _build_model(tree, build_args, image_defaults)


def _build_model(
    tree: Dockerfile,
    build_args: Mapping[str, str] | None,
    image_defaults: Mapping[str, RunState] | None,
) -> BuildModel:
    build_args = dict(build_args or {})
    global_args: dict[str, str | None] = {}
    global_values: dict[str, str] = dict(PLATFORM_ARGS)
    stages: list[Stage] = []
    edges: list[Edge] = []
    names: dict[str, int] = {}
    stage: Stage | None = None
    workdir = "/"
    user: str | None = None
    env: dict[str, str] = {}
    args: dict[str, str] = {}
    shell: tuple[str, ...] = DEFAULT_SHELL
    state: RunState | None = None  # the current instruction's, while nothing changes it

    def close() -> None:
        if stage is not None:
            stage.final_state = RunState(workdir, user, dict(env), dict(args), shell)

    for inst in tree.instructions:
        directive = inst.directive
        if directive == "FROM":
            close()
            base, alias = _from_parts(inst)
            base = substitute(base, global_values, inst.escape, complete=True)
            index = len(stages)
            name = alias.lower() if alias and _STAGE_NAME.match(alias.lower()) else None
            platform = inst.flag("platform")
            stage = Stage(index, inst, base, name, alias, platform)
            parent = names.get(base)  # FROM matches stage names exactly (they are lower case)
            if parent is not None:
                stage.parent = parent
                stage.parent_stage = stages[parent]
                edges.append(Edge(parent, index, "from", base, inst))
                prev = stages[parent].final_state
                assert prev is not None
                workdir, user, env, shell = prev.workdir, prev.user, dict(prev.env), prev.shell
            else:
                stage.image = ImageRef.parse(base)
                known = None
                if stage.image is not None and image_defaults:
                    known = image_defaults.get(stage.image.hub_name)
                workdir = known.workdir if known else "/"
                user = known.user if known else None
                env = dict(known.env) if known else {}
                shell = DEFAULT_SHELL
            args = {}
            stages.append(stage)
            if name:
                names[name] = index
            stage.instructions.append(inst)
            state = RunState(workdir, user, dict(env), dict(args), shell)
            stage.states.append(state)
            continue
        if stage is None:
            if directive == "ARG":
                for key, value in _key_values(inst, global_values):
                    global_args[key] = value
                    if key in build_args:
                        global_values[key] = build_args[key]
                    elif value is not None:
                        global_values[key] = value
            continue
        if state is None:  # the previous instruction changed the state
            state = RunState(workdir, user, dict(env), dict(args), shell)
        stage.instructions.append(inst)
        stage.states.append(state)
        variables = state.variables
        if directive in _STATE_CHANGERS:
            state = None
        if directive == "ARG":
            for key, value in _key_values(inst, variables):
                if key in build_args:
                    args[key] = build_args[key]
                elif value is not None:
                    args[key] = value
                elif key in global_values and (key in global_args or key in PLATFORM_ARGS):
                    args[key] = global_values[key]
                else:
                    args[key] = ""  # a declared ARG without value expands to nothing
        elif directive == "ENV":
            for key, value in _key_values(inst, variables):
                env[key] = value or ""
        elif directive == "WORKDIR":
            workdir = resolve_workdir(workdir, substitute(inst.value, variables, inst.escape))
        elif directive == "USER":
            user = substitute(inst.value, variables, inst.escape) or None
        elif directive == "SHELL":
            shell = tuple(inst.values.items) if inst.is_json else shell
        elif directive == "COPY":
            ref = inst.flag("from")
            if ref is not None:
                edges.append(_edge(ref, stage.index, "copy", inst, names, variables, len(stages)))
        elif directive == "RUN":
            for mount in inst.flags_named("mount"):
                ref = _mount_from(mount)
                if ref is not None:
                    edges.append(
                        _edge(ref, stage.index, "mount", inst, names, variables, len(stages))
                    )
    close()
    return BuildModel(global_args, stages, edges)


@lru_cache(maxsize=1024)
def _image_from(value: str) -> tuple[str | None, str | None]:
    """dockerfile-parse's reading of a FROM value (memoized: it compiles patterns per call;
    imported here, as most FROMs never need it: a start-up saving)."""
    from dockerfile_parse.parser import image_from

    image, alias = image_from(value)  # dockerfile-parse is untyped
    return (None if image is None else str(image)), (None if alias is None else str(alias))


def _platform_prefixed(word: str) -> bool:
    """Whether ``word`` starts with ``--platform=`` (any case), which that reading takes apart."""
    return word[:11].lower() == "--platform="


def _from_parts(inst: Instruction) -> tuple[str, str | None]:
    """The base and the alias of a FROM (dockerfile-parse's ``image_from`` reading)."""
    items = inst.values.items
    if len(items) == 3 and items[1].lower() == "as":
        return items[0], items[2]
    if len(items) == 1 and items[0].split() == [items[0]] and not _platform_prefixed(items[0]):
        return items[0], None  # one word: the image itself in that reading too
    if len(items) >= 1:
        image, alias = _image_from(" ".join(items))
        return image or items[0], alias
    return "", None


def _mount_from(spec: str) -> str | None:
    """The ``from=`` of a ``--mount`` spec (CSV with optional quotes)."""
    for part in _csv_fields(spec):
        key, _, value = part.partition("=")
        if key.strip().lower() == "from":
            return value.strip()
    return None


def _csv_fields(spec: str) -> list[str]:
    if '"' not in spec:
        return spec.split(",")
    out: list[str] = []
    buf: list[str] = []
    quote = ""
    for ch in spec:
        if quote:
            if ch == quote:
                quote = ""
            else:
                buf.append(ch)
        elif ch == '"':
            quote = ch
        elif ch == ",":
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


def _edge(
    ref: str,
    target: int,
    kind: str,
    inst: Instruction,
    names: Mapping[str, int],
    variables: Mapping[str, str],
    count: int,
) -> Edge:
    ref_value = substitute(ref, variables, inst.escape)
    if ref_value.isdigit():
        source = int(ref_value)
        return Edge(source if source < target else None, target, kind, ref, inst)
    named = names.get(ref_value.lower())
    if named is not None:
        return Edge(named, target, kind, ref, inst)
    image = ref_value if ImageRef.parse(ref_value) is not None else None
    return Edge(None, target, kind, ref, inst, image=image)
