"""What an ecosystem's planner returns: the dev command, where it comes from, the
instructions the development stage needs before it, and the port it serves on.

The stage names are here too: the new stage is ``development``; the production stage is named
``production`` only when it has no name (existing names are public); dev servers are told to
listen on :data:`ANY_HOST` so the published port reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from refactor.syntax.tree import Instruction

__all__ = ["ANY_HOST", "DEVELOPMENT", "PRODUCTION", "DevPlan"]

DEVELOPMENT = "development"
PRODUCTION = "production"
ANY_HOST = "0.0.0.0"


@dataclass
class DevPlan:
    command: list[str]
    source: str  # where the command comes from (for the explanation)
    setup: list[tuple[Instruction, str, str]] = field(default_factory=list)  # node, what, why
    port: str | None = None

    def add(self, node: Instruction, what: str, why: str) -> None:
        """Put ``node`` in the development stage, explained by ``what`` and ``why``."""
        self.setup.append((node, what, why))
