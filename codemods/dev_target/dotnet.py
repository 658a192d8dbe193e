""".NET: ``dotnet watch run`` of the one project at the context root, in ASP.NET Core's
Development environment on the production port (polling: file events do not cross a bind
mount)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.dev_target.plan import DevPlan
from refactor.engine.codemod import Unsupported

if TYPE_CHECKING:
    from codemods.dev_target.planner import DevStage

__all__ = ["plan"]


def plan(dev: DevStage) -> DevPlan:
    projects = dev.ctx.glob("*.csproj")
    if len(projects) != 1:
        raise Unsupported(
            "`dotnet watch` needs exactly one project file at the context root", code="DEV015"
        )
    plan = DevPlan(
        ["dotnet", "watch", "run", "--no-launch-profile"],
        f"{projects[0]} (dotnet watch rebuilds on change)",
        port=dev.port,
    )
    env = "ASPNETCORE_ENVIRONMENT=Development DOTNET_USE_POLLING_FILE_WATCHER=true"
    if dev.port:
        env += f" ASPNETCORE_URLS=http://+:{dev.port}"
    plan.add(
        dev.new("ENV", env),
        f"the development stage sets {env}",
        "ASP.NET Core runs in its Development environment on the production port",
    )
    return plan
