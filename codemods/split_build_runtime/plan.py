"""What a planner returns: the :class:`Plan` of the runtime stage and the builder's edits.

A plan names the runtime image (and why), the programs that image provides, the
``COPY --from=builder`` of each artifact, the edits to the builder (nodes replacing an
instruction, or put before or after one, keyed by the instruction's identity) and the nodes
of the runtime stage around the copies. :mod:`.render` turns it into the new tree. A plan is
assembled step by step (:mod:`.steps`), so it is a mutable record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from codemods.split_build_runtime.facts import Facts
from refactor.syntax.tree import Instruction, Node

__all__ = ["Copy", "Plan", "Planner"]


@dataclass
class Copy:
    """A ``COPY --from=builder`` of the runtime stage."""

    source: str
    dest: str
    why: str


@dataclass
class Plan:
    runtime_image: str
    runtime_why: str
    programs: frozenset[str]  # programs the runtime image provides
    copies: list[Copy] = field(default_factory=list)
    # builder edits: instruction -> nodes replacing it / put before it / after it
    replace: dict[Node, list[Node]] = field(default_factory=dict)
    before: dict[Node, list[Node]] = field(default_factory=dict)
    after: dict[Node, list[Node]] = field(default_factory=dict)
    runtime_head: list[Node] = field(default_factory=list)  # after FROM (ENV, RUN)
    runtime_tail: list[Node] = field(default_factory=list)  # after the copies
    explanations: list[tuple[Node, str, str]] = field(default_factory=list)
    static_site: bool = False  # nginx serves the files with its own CMD
    start: Instruction | None = None  # replaces the original CMD/ENTRYPOINT when set
    port: str | None = None  # the port a static site keeps
    tag_free: bool = False  # the runtime image does not depend on the builder's tag
    has_package_manager: bool = True


#: A planner: the facts of a build of its ecosystem in, the plan out (or Unsupported).
Planner = Callable[[Facts], Plan]
