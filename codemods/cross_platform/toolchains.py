"""The toolchains, in the order they claim a build step.

Each claims the steps of its ecosystem and records or refuses them (``classify``), and may
prove what it recorded once every step is read (``check``). The order is part of the
behaviour only where claims could overlap; none do today (``go``, ``dotnet``, Maven/Gradle and
the JVM tools, npm/yarn/pnpm, Python installs). Adding an ecosystem is one module with its
:class:`~codemods.cross_platform.facts.Toolchain`, a line here, its rationale in
:data:`refactor.data.platforms.PORTABLE_OUTPUTS` and its golden cases.
"""

from __future__ import annotations

from codemods.cross_platform.dotnet import Dotnet
from codemods.cross_platform.facts import Toolchain
from codemods.cross_platform.go import Go
from codemods.cross_platform.java import Java
from codemods.cross_platform.node import Node
from codemods.cross_platform.python import Python

__all__ = ["TOOLCHAINS"]

TOOLCHAINS: tuple[Toolchain, ...] = (Go(), Dotnet(), Java(), Node(), Python())
