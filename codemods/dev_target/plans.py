"""The planners, by the name of the ecosystem (:mod:`refactor.data.ecosystems`) they serve.

Each is a module with ``plan(dev) -> DevPlan`` that finds the dev command in the build context
or raises :class:`~refactor.engine.codemod.Unsupported`. Adding an ecosystem is one module, a
line here and its golden cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from codemods.dev_target import dotnet, go, java, node, python, rust
from codemods.dev_target.plan import DevPlan

if TYPE_CHECKING:
    from codemods.dev_target.planner import DevStage

__all__ = ["PLANS"]

PLANS: Mapping[str, Callable[[DevStage], DevPlan]] = {
    "node": node.plan,
    "python": python.plan,
    "go": go.plan,
    "rust": rust.plan,
    "java": java.plan,
    "dotnet": dotnet.plan,
}
