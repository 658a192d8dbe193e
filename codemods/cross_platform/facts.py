"""What the build stages do, read once: the steps the toolchains classify and the facts they
record for the checks and the rendering.

A :class:`Step` is one simple command of a build stage's RUN with ``env A=B`` looked through;
:class:`BuildFacts` gathers, over every build stage, the kinds of output each stage makes (the
keys of :data:`refactor.data.platforms.PORTABLE_OUTPUTS`), the go builds to wire, the installs
the Node.js and Python checks must prove portable, and the downloads that must not reach the
runtime. A :class:`Toolchain` claims the steps of one ecosystem (see ``toolchains.py``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from refactor.analysis.model import RunState, Stage
from refactor.analysis.shell import Command
from refactor.syntax.tree import Instruction

if TYPE_CHECKING:
    from codemods.cross_platform.planner import CrossBuild

__all__ = ["BuildFacts", "Download", "Step", "Toolchain"]


@dataclass(frozen=True, eq=False)
class Step:
    """One simple command a build stage's RUN executes."""

    stage: Stage
    inst: Instruction
    state: RunState
    cmd: Command
    words: tuple[str, ...]  # with ``env A=B`` looked through
    assignments: dict[str, str]
    line: int | None

    @property
    def name(self) -> str:
        """The program's base name."""
        return self.words[0].rpartition("/")[2]

    @property
    def args(self) -> tuple[str, ...]:
        return self.words[1:]

    @property
    def cwd(self) -> str:
        """Where the command runs."""
        return self.cmd.cwd or self.state.workdir


@dataclass(frozen=True)
class Download:
    """Something fetched (``url``, ``""`` for an unpacked download) into the image ``dest``."""

    dest: str
    url: str
    line: int | None


@dataclass
class BuildFacts:
    kinds: dict[int, set[str]] = field(default_factory=dict)  # stage index -> PORTABLE_OUTPUTS keys
    go_builds: list[Step] = field(default_factory=list)
    node_installs: list[Step] = field(default_factory=list)
    python_installs: list[Step] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)


class Toolchain(ABC):
    """The steps of one ecosystem: which it claims, and what must hold for its output to be
    the same on every platform."""

    #: The key of :data:`refactor.data.platforms.PORTABLE_OUTPUTS` its stages make.
    kind: ClassVar[str]

    @abstractmethod
    def classify(self, plan: CrossBuild, step: Step, facts: BuildFacts) -> bool:
        """Record what ``step`` makes and return True when it is this toolchain's, raise
        :class:`~refactor.engine.codemod.Unsupported` when its output depends on the machine
        it runs on; False when the step is not this toolchain's."""

    def check(self, plan: CrossBuild, facts: BuildFacts) -> None:  # noqa: B027 (optional hook)
        """Prove what the recorded steps make is portable, once every step is read (raises
        :class:`~refactor.engine.codemod.Unsupported`)."""
