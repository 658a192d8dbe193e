""".NET: the ``dotnet publish`` folder, on the ASP.NET Core runtime (a web project) or the
.NET runtime image of the SDK's tag."""

from __future__ import annotations

import fnmatch
import posixpath

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.artifacts import produced, resolve_program
from codemods.split_build_runtime.facts import Facts, absolute
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    steps.flavour(f, "dotnet")
    tag = f.image.tag
    if tag is None:
        raise Unsupported(
            "the .NET SDK image has no version tag to match the runtime to", code="SPL024"
        )
    web = True
    projects = f.ctx.glob("**/*.csproj")
    if projects:
        web = any("Microsoft.NET.Sdk.Web" in (f.ctx.read(p) or "") for p in projects)
    repo = eco.DOTNET_RUNTIME_REPO["web" if web else "console"]
    packages, user_runs = steps.packages(f)
    result = Plan(
        steps.explicit(f, f"{repo}:{tag}"),
        "the published app needs the .NET runtime, not the SDK",
        eco.RUNTIME_PROGRAMS["dotnet"],
    )
    steps.system_packages(f, result, packages, user_runs)
    built = produced(f)
    if posixpath.basename(f.start[0]) == "dotnet":
        dll = next((w for w in f.start[1:] if w.endswith(".dll")), None)
        if dll is None:
            raise Unsupported("the dotnet start command names no .dll", code="SPL013")
        target = absolute(f.final.workdir, dll)
    else:
        target = resolve_program(f, f.start[0], built) or f.start[0]
    folder = posixpath.dirname(target)
    if not any(p.endswith("/*") and fnmatch.fnmatchcase(folder, p[:-2]) for p in built):
        raise Unsupported(
            f"unknown artifact location: `{target}` is not in a `dotnet publish` folder",
            code="SPL013",
        )
    result.copies.append(Copy(folder, folder, "the `dotnet publish` output"))
    steps.check_after_build(f, [c.source for c in result.copies])
    return result
