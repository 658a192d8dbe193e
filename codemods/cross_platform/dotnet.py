""".NET: a framework-dependent publish is the same on every platform.

``dotnet publish``/``build`` moves when nothing makes its output specific to one runtime
identifier: no ``-r``/``--arch``/``--os``/``--self-contained`` (unless it names
``$TARGETARCH`` or says ``--self-contained false``), no ``-p:`` or project-file property among
:data:`refactor.data.platforms.DOTNET_NATIVE_PROPERTIES`, a project file to prove it by, and a
runtime started with ``dotnet <app>.dll`` rather than the native apphost the SDK builds for the
machine it runs on.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from codemods.cross_platform.facts import BuildFacts, Step, Toolchain
from refactor.data import platforms as pf
from refactor.engine.codemod import Unsupported

if TYPE_CHECKING:
    from codemods.cross_platform.planner import CrossBuild

__all__ = ["Dotnet"]

_PROJECT_FILES = ("csproj", "fsproj", "vbproj", "props")


class Dotnet(Toolchain):
    kind = "dotnet"

    def classify(self, plan: CrossBuild, step: Step, facts: BuildFacts) -> bool:
        if step.name != "dotnet":
            return False
        if step.args[:1] in (("publish",), ("build",)):
            self.check_options(step.words, step.line)
            self.check_projects(plan, step.line)
            self.check_start(plan, step.line)
            facts.kinds[step.stage.index].add(self.kind)
        return True

    @staticmethod
    def check_options(words: tuple[str, ...], line: int | None) -> None:
        for i, word in enumerate(words):
            flag, _, value = word.partition("=")
            if flag in pf.DOTNET_NATIVE_OPTIONS:
                if not value and i + 1 < len(words) and not words[i + 1].startswith("-"):
                    value = words[i + 1]
                portable = flag in ("--self-contained", "--sc") and value.lower() == "false"
                if not portable and "TARGETARCH" not in value:
                    shown = word if "=" in word else f"{word} {value}".strip()
                    raise Unsupported(
                        f"`dotnet {words[1]} {shown}` publishes for one runtime identifier; "
                        "publishing for $TARGETARCH needs the target's runtime packs, which is "
                        "not proven",
                        line,
                        code="XP014",
                    )
            prop = re.match(r"^[-/]p(?:roperty)?:(\w+)=(\S*)", word, re.I)
            if (
                prop is not None
                and prop.group(1).lower() in {p.lower() for p in pf.DOTNET_NATIVE_PROPERTIES}
                and prop.group(2).lower() != "false"
            ):
                raise Unsupported(
                    f"`{word}` makes the .NET output platform-specific", line, code="XP014"
                )

    @staticmethod
    def check_projects(plan: CrossBuild, line: int | None) -> None:
        ctx = plan.ctx
        projects = [p for ext in _PROJECT_FILES for p in ctx.glob(f"**/*.{ext}")]
        texts = [ctx.read(p) or "" for p in projects]
        if not any("<Project" in t for t in texts):
            raise Unsupported(
                "cannot read the .NET project file to prove the publish is portable",
                line,
                code="XP024",
            )
        for path, text in zip(projects, texts, strict=True):
            for prop in pf.DOTNET_NATIVE_PROPERTIES:
                if re.search(rf"<{prop}s?>\s*(?!false)[^<]", text, re.I):
                    raise Unsupported(
                        f"{path} sets {prop}: the output is platform-specific", line, code="XP014"
                    )

    @staticmethod
    def check_start(plan: CrossBuild, line: int | None) -> None:
        start = plan.model.entrypoint(plan.final) or plan.model.cmd(plan.final)
        first = start[0] if isinstance(start, list) and start else str(start or "").split(" ")[0]
        if posixpath.basename(first) != "dotnet":
            raise Unsupported(
                f"the runtime starts `{first}`, a native apphost built for the build platform "
                "(start it with `dotnet <app>.dll`)",
                line,
                code="XP015",
            )
