"""The planners, one per ecosystem: :data:`PLANNERS` maps each ecosystem's ``name`` (a row of
:data:`refactor.data.ecosystems.ECOSYSTEMS`) to the function that plans its runtime stage.

A planner takes the :class:`~codemods.split_build_runtime.facts.Facts` of a build of its
ecosystem and returns a :class:`~codemods.split_build_runtime.plan.Plan`, or raises
:class:`~refactor.engine.codemod.Unsupported` with an ``SPL`` code. It combines the steps of
:mod:`codemods.split_build_runtime.steps` with its ecosystem's tables; it keeps no knowledge a
table could hold. Adding an ecosystem is a module here, its row in ``ECOSYSTEMS`` (and its
``BUILD_COMMANDS``, ``RUNTIME_PROGRAMS``, ``RUNTIME_FLAVOURS`` rows) and one line below; a
test holds the registry and the rows equal.
"""

from __future__ import annotations

from collections.abc import Mapping

from codemods.split_build_runtime.plan import Planner
from codemods.split_build_runtime.plans import (
    dotnet,
    elixir,
    go,
    haskell,
    java,
    native,
    node,
    php,
    python,
    ruby,
    rust,
    swift,
)

__all__ = ["PLANNERS", "planner_for"]

PLANNERS: Mapping[str, Planner] = {
    "go": go.plan,
    "java": java.plan,
    "node": node.plan,
    "python": python.plan,
    "rust": rust.plan,
    "dotnet": dotnet.plan,
    "c": native.plan,
    "ruby": ruby.plan,
    "php": php.plan,
    "elixir": elixir.plan,
    "haskell": haskell.plan,
    "swift": swift.plan,
}


def planner_for(ecosystem: str) -> Planner:
    """The planner of ``ecosystem`` (KeyError when an ecosystem row has no planner)."""
    return PLANNERS[ecosystem]
