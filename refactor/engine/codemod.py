"""The codemod framework: a codemod is a pure function of (tree, context) → result.

Each codemod lives in its own module under ``codemods/``, subclasses :class:`Codemod`, and
has a stable kebab-case ``name`` (used on the command line and in config) and a one-paragraph
``description``. :meth:`Codemod.transform` returns a :class:`Result`: the new tree with the
:class:`Explanation` of each change, or the unchanged tree with :class:`Skip` reasons the
user can read. Codemods never write files; the runner (:mod:`refactor.engine.runner`) applies them
in a fixed order and checks every output.
"""

from __future__ import annotations

import difflib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_type_hints

from refactor.analysis.model import BuildModel, build_model
from refactor.caching import cached
from refactor.syntax.tree import Comment, Dockerfile, Instruction, Node, Style

__all__ = [
    "ENGINE_CODES",
    "Codemod",
    "Context",
    "Explanation",
    "Kind",
    "OnTree",
    "OptionSpec",
    "Options",
    "Planner",
    "Result",
    "Skip",
    "Unsupported",
    "Variant",
    "opt_out_problems",
    "opted_out",
]

#: Files read from the build context are capped (a manifest is never this large).
MAX_CONTEXT_FILE = 2 * 1024 * 1024

_OPT_OUT = re.compile(r"^\s*#\s*msb-migrate:\s*skip(?:\s*=\s*([\w\s,-]+))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Explanation:
    """One change: where, what changed, and why (a one-line explanation each)."""

    codemod: str
    message: str
    reason: str = ""
    line: int | None = None
    node: Node | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        why = f" — {self.reason}" if self.reason else ""
        where = f"line {self.line}: " if self.line else ""
        return f"[{self.codemod}] {where}{self.message}{why}"


class Kind(StrEnum):
    """What kind of outcome a :class:`Skip` is (stable values, used in JSON and SARIF)."""

    #: The codemod looked and chose to leave the file or an instruction alone.
    SKIPPED = "skipped"
    #: The codemod changed the file, but the runner's checks refused the change.
    DISCARDED = "discarded"
    #: The codemod raised; its traceback is in :attr:`Skip.detail`.
    INTERNAL_ERROR = "internal-error"


#: Codes of the outcomes the runner itself gives (a codemod's codes are its ``codes``).
ENGINE_CODES: Mapping[str, str] = {
    "MSB001": "the file opts out of every codemod (# msb-migrate: skip)",
    "MSB002": "a change was discarded: it failed the runner's checks",
    "MSB003": "a codemod raised an internal error (MSB_DEBUG=1 re-raises it)",
}


@dataclass(frozen=True)
class Skip:
    """Why a codemod left the file (or an instruction) alone, under a stable ``code``."""

    codemod: str
    reason: str
    line: int | None = None
    code: str = field(kw_only=True)
    kind: Kind = field(default=Kind.SKIPPED, kw_only=True)
    detail: str = field(default="", compare=False, repr=False, kw_only=True)

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"[{self.codemod}] skipped{where}: {self.reason}"


class Unsupported(Exception):
    """Raised inside a codemod to leave the file alone, with a reason the user can read and
    the stable code of that kind of reason."""

    def __init__(self, reason: str, line: int | None = None, *, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.code = code


@dataclass(frozen=True)
class Result:
    """What a codemod returns: the new tree and its explanations, or skips."""

    tree: Dockerfile
    explanations: tuple[Explanation, ...] = ()
    skips: tuple[Skip, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)  # other files, relative to context

    @property
    def changed(self) -> bool:
        return bool(self.explanations)


@dataclass(frozen=True)
class Options:
    """User options shared by all codemods (command line and ``[tool.msb-migrate]``)."""

    runtime_flavour: str | None = None  # distroless | slim | alpine | scratch
    runtime_image: str | None = None
    syntax_directive: bool = False
    user_name: str = "app"
    user_uid: int = 10001
    distroless_java: bool = False
    unprivileged_ports: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


@cache
def _option_fields() -> dict[str, tuple[type, object]]:
    """Each plain :class:`Options` field: its value type (``None`` left out) and default."""
    hints = get_type_hints(Options)
    out: dict[str, tuple[type, object]] = {}
    for f in fields(Options):
        kinds = [t for t in get_args(hints[f.name]) if t is not type(None)] or [hints[f.name]]
        if len(kinds) == 1 and kinds[0] in (str, int, bool):
            out[f.name] = (kinds[0], f.default)
    return out


@dataclass(frozen=True)
class OptionSpec:
    """A user option a codemod reads from ``ctx.options``, declared by the codemod in
    :attr:`Codemod.options` (as libcst's ``add_args`` and OpenRewrite's ``@Option`` declare
    theirs); the application builds its command-line flag and configuration key from it.

    ``name`` is the :class:`Options` field; its type and default are the field's. The flag is
    ``--name-with-dashes`` (``--name/--no-name`` for a boolean) and the key in
    ``.msb-migrate.toml`` is ``name-with-dashes``; ``command_line``/``config`` turn them off
    (an option only the API sets). ``choices`` limit a string, ``maximum`` an integer (from 0).
    """

    name: str
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    maximum: int | None = None
    command_line: bool = True
    config: bool = True

    def __post_init__(self) -> None:
        if self.name not in _option_fields():
            raise ValueError(f"OptionSpec {self.name!r}: not a str, int or bool Options field")

    @property
    def type(self) -> type:
        """``str``, ``int`` or ``bool``: the field's type."""
        return _option_fields()[self.name][0]

    @property
    def default(self) -> object:
        return _option_fields()[self.name][1]


@dataclass(frozen=True)
class Variant:
    """A more conservative form of a codemod's change, offered for the back-off
    (:mod:`refactor.app.backoff`): when the default change makes an image that fails
    verification, the run asks for the codemod's variants, one at a time, through
    :attr:`Context.variants`. Never used by a normal run."""

    name: str  # kebab-case, stable (reports and records name it)
    description: str  # one line: what the variant does instead of the default


@dataclass(frozen=True)
class Context:
    """What a codemod may know besides the tree: the build context, options, target.

    What is read from the build context is read once per context (every codemod, and the
    runner's second application of each, asks for the same files).
    """

    context_dir: Path | None = None
    dockerfile: Path | None = None
    options: Options = field(default_factory=Options)
    target: str | None = None
    #: The variant each codemod is asked for (codemod name -> variant name); empty in a
    #: normal run. The runner checks that each names a variant the codemod declares.
    variants: Mapping[str, str] = field(default_factory=dict)

    def variant(self, codemod: str) -> str | None:
        """The variant ``codemod`` is asked to apply, or None (its default change)."""
        return self.variants.get(codemod)

    def read(self, relative: str) -> str | None:
        """A text file of the build context, or None (missing, outside, too large, binary)."""
        cache = self._reads
        if relative not in cache:
            cache[relative] = self._read(relative)
        return cache[relative]

    def _read(self, relative: str) -> str | None:
        path = self._resolve(relative)
        if path is None or not path.is_file():
            return None
        try:
            if path.stat().st_size > MAX_CONTEXT_FILE:
                return None
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def exists(self, relative: str) -> bool:
        cache = self._exists
        if relative not in cache:
            path = self._resolve(relative)
            cache[relative] = path is not None and path.exists()
        return cache[relative]

    def is_dir(self, relative: str) -> bool:
        """Whether ``relative`` is a folder of the build context."""
        path = self._resolve(relative) if self.exists(relative) else None
        return path is not None and path.is_dir()

    @cached
    def _reads(self) -> dict[str, str | None]:
        return {}

    @cached
    def _exists(self) -> dict[str, bool]:
        return {}

    @cached
    def _globs(self) -> dict[str, tuple[str, ...]]:
        return {}

    def glob(self, pattern: str) -> list[str]:
        """Context files matching ``pattern``, relative, sorted (nothing outside the context)."""
        cache = self._globs
        if pattern not in cache:
            cache[pattern] = tuple(self._glob(pattern))
        return list(cache[pattern])

    def _glob(self, pattern: str) -> list[str]:
        root = self._root
        if root is None:
            return []
        out = []
        for path in root.glob(pattern):
            try:
                rel = self._real(path).relative_to(root)
            except (ValueError, OSError, RuntimeError):  # outside, unreadable, a symlink loop
                continue
            if ".git" not in rel.parts:
                out.append(rel.as_posix())
        return sorted(set(out))

    @cached
    def _root(self) -> Path | None:
        return self.context_dir.resolve() if self.context_dir is not None else None

    def _resolve(self, relative: str) -> Path | None:
        root = self._root
        if root is None:
            return None
        path = root / relative.lstrip("/")
        if not os.path.lexists(path):  # the common case (probing for go.mod…): no realpath walk
            return None
        try:
            path = self._real(path)
        except (OSError, RuntimeError):  # a symlink loop leads nowhere
            return None
        if path != root and root not in path.parents:
            return None  # a symlink or ../ leading outside the context
        return path

    def _real(self, path: Path) -> Path:
        """``path.resolve()`` of an existing path, with each folder's real path found once per
        context (a glob over the context resolves every file: a file that is not a symlink is
        its folder's real path and its name)."""
        if path.name == ".." or path.is_symlink():
            return path.resolve()
        folders = self._real_folders
        parent = path.parent
        real = folders.get(parent)
        if real is None:
            real = folders[parent] = parent.resolve()
        return real / path.name

    @cached
    def _real_folders(self) -> dict[Path, Path]:
        return {}

    @cached
    def has_context(self) -> bool:
        return self.context_dir is not None and self.context_dir.is_dir()

    def file_names(self) -> frozenset[str]:
        """Top-level names in the build context."""
        if not self.has_context:
            return frozenset()
        assert self.context_dir is not None
        try:
            return frozenset(os.listdir(self.context_dir))
        except OSError:
            return frozenset()


def opted_out(tree: Dockerfile, node: Node, codemod: str) -> bool:
    """Whether ``# msb-migrate: skip=NAME[,NAME…]`` sits in the comments right above ``node``."""
    nodes = tree.nodes
    # each node's (first) position, once per tree: asked for every stage, linear, not n²
    first = tree.memo("positions", lambda: {id(n): k for k, n in reversed(list(enumerate(nodes)))})
    i = first.get(id(node))
    if i is None:
        return False
    j = i - 1
    while j >= 0 and isinstance(nodes[j], Comment):
        match = _OPT_OUT.match(nodes[j].text)  # type: ignore[attr-defined]
        names = match.group(1) if match else None
        if names and codemod in {n.strip() for n in names.split(",")}:
            return True
        j -= 1
    return False


_MENTION = re.compile(r"^\s*#\s*msb-migrate\s*:", re.IGNORECASE)


def opt_out_problems(tree: Dockerfile, known: Collection[str]) -> list[tuple[int, str]]:
    """(line, message) for each opt-out comment that does nothing: a ``skip=`` name that is no
    codemod in ``known`` (with the closest name), or a ``# msb-migrate:`` comment that is not
    ``skip`` or ``skip=NAME[,NAME…]``."""
    problems: list[tuple[int, str]] = []
    for node in tree.nodes:
        if not isinstance(node, Comment) or not _MENTION.match(node.text):
            continue
        line = tree.line_of(node)
        match = _OPT_OUT.match(node.text)
        if match is None:
            problems.append(
                (line, "not an opt-out (write '# msb-migrate: skip' or 'skip=NAME[,NAME…]')")
            )
            continue
        for name in (n.strip() for n in (match.group(1) or "").split(",")):
            if name and name not in known:
                close = difflib.get_close_matches(name, list(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append((line, f"unknown codemod '{name}' in the opt-out{hint}"))
    return problems


def file_opted_out(tree: Dockerfile) -> bool:
    """Whether the file holds a bare ``# msb-migrate: skip`` comment (opts the whole file out)."""
    return any(
        isinstance(node, Comment) and (m := _OPT_OUT.match(node.text)) and not m.group(1)
        for node in tree.nodes
    )


class Codemod(ABC):
    """Base class of every codemod.

    Subclasses set ``name`` (kebab-case, stable), ``description`` (one paragraph) and
    implement :meth:`transform`, a pure function: it must not write files, and given its own
    output it must return it unchanged.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    default: ClassVar[bool] = True
    #: The stable codes of this codemod's skips, each with a one-line summary
    #: (``msb-migrate --explain CODE``): a prefix of its own and three digits.
    codes: ClassVar[Mapping[str, str]] = {}
    #: The user options this codemod reads from ``ctx.options`` (flags and configuration keys
    #: are made from them; see :class:`OptionSpec`).
    options: ClassVar[tuple[OptionSpec, ...]] = ()
    #: The more conservative variants of this codemod's change, ordered from the least to the
    #: most conservative (the back-off tries them in this order). A variant that does not apply
    #: to a file leaves the codemod answering as without it: the back-off sees the same output
    #: and spends no build on it.
    variants: ClassVar[tuple[Variant, ...]] = ()

    @abstractmethod
    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        """Return the new tree with explanations, or the same tree with skips."""

    # -- helpers for subclasses -------------------------------------------------------------
    def model(self, tree: Dockerfile) -> BuildModel:
        return build_model(tree)

    def skip(self, tree: Dockerfile, reason: str, line: int | None = None, *, code: str) -> Result:
        return Result(tree, skips=(Skip(self.name, reason, line, code=code),))

    def attempt(self, tree: Dockerfile, plan: Callable[[], Result]) -> Result:
        """``plan()``, or ``tree`` left alone with the reason ``plan`` gave by raising
        :class:`Unsupported`."""
        try:
            return plan()
        except Unsupported as skip:
            return self.skip(tree, skip.reason, skip.line, code=skip.code)

    def explain(
        self, message: str, reason: str = "", node: Node | None = None, line: int | None = None
    ) -> Explanation:
        return Explanation(self.name, message, reason, line, node)

    def allowed(self, tree: Dockerfile, node: Node) -> bool:
        """False when an inline ``# msb-migrate: skip=<name>`` protects ``node``."""
        return not opted_out(tree, node, self.name)


C = TypeVar("C", bound=Codemod)


class OnTree:
    """What planning on one tree needs at hand: the file's style, a node's line and a new
    instruction in the file's style. A base for :class:`Planner` and for a codemod's frozen
    facts record (which declares ``tree`` as a field)."""

    tree: Dockerfile

    @property
    def style(self) -> Style:
        return self.tree.style

    def line(self, node: Node) -> int | None:
        """The first line of ``node`` in the tree (None for a node that is not in it)."""
        return self.tree.line_of(node, None)

    def new(self, directive: str, args: str, flags: Sequence[str] = ()) -> Instruction:
        """A new instruction in the file's style."""
        return Instruction.create(directive, args, flags=flags, style=self.style)


class Planner(OnTree, Generic[C]):
    """Where a codemod's work on one file starts: the codemod, the tree and the context, with
    the tree's build model, style and line numbers at hand."""

    def __init__(self, codemod: C, tree: Dockerfile, ctx: Context) -> None:
        self.codemod = codemod
        self.tree = tree
        self.ctx = ctx
        self.model = build_model(tree)
