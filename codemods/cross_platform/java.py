"""JVM: bytecode is the same on every platform, unless a goal makes native code.

Maven and Gradle builds move unless a goal or profile among
:data:`refactor.data.platforms.JAVA_NATIVE_GOALS` compiles native code (GraalVM) or assembles
a runtime image of the build machine; ``java``, ``javac``, ``jar``, ``kotlinc``, ``sbt`` and
``ant`` steps mark the stage as making bytecode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.cross_platform.facts import BuildFacts, Step, Toolchain
from refactor.data import platforms as pf
from refactor.engine.codemod import Unsupported

if TYPE_CHECKING:
    from codemods.cross_platform.planner import CrossBuild

__all__ = ["Java"]

_BUILD_TOOLS = frozenset({"mvn", "mvnw", "gradle", "gradlew"})
_BYTECODE_TOOLS = frozenset({"java", "javac", "jar", "kotlinc", "sbt", "ant"})


class Java(Toolchain):
    kind = "java"

    def classify(self, plan: CrossBuild, step: Step, facts: BuildFacts) -> bool:
        if step.name in _BUILD_TOOLS:
            native = [w for w in step.args if any(goal in w for goal in pf.JAVA_NATIVE_GOALS)]
            if native:
                raise Unsupported(
                    f"`{step.name} {native[0]}` makes native code or a runtime image of the "
                    "build machine",
                    step.line,
                    code="XP012",
                )
        elif step.name not in _BYTECODE_TOOLS:
            return False
        facts.kinds[step.stage.index].add(self.kind)
        return True
