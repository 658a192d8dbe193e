"""Java: Spring Boot's ``spring-boot:run`` (Maven) or ``bootRun`` (Gradle), through the
wrapper when the build uses it and the context has it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.dev_target.plan import DevPlan
from refactor.engine.codemod import Unsupported

if TYPE_CHECKING:
    from codemods.dev_target.planner import DevStage

__all__ = ["plan"]


def plan(dev: DevStage) -> DevPlan:
    names = {c.name for c in dev.commands()}
    pom = dev.ctx.read("pom.xml") or ""
    gradle = (dev.ctx.read("build.gradle") or "") + (dev.ctx.read("build.gradle.kts") or "")
    if "spring-boot-maven-plugin" in pom:
        tool = "./mvnw" if "mvnw" in names and dev.visible("mvnw") else "mvn"
        if tool == "mvn" and "mvn" not in names:
            raise Unsupported("the build stage has no Maven to run spring-boot:run", code="DEV013")
        return DevPlan([tool, "spring-boot:run"], "the Spring Boot Maven plugin", port=dev.port)
    if "org.springframework.boot" in gradle:
        tool = "./gradlew" if "gradlew" in names and dev.visible("gradlew") else "gradle"
        if tool == "gradle" and "gradle" not in names:
            raise Unsupported("the build stage has no Gradle to run bootRun", code="DEV013")
        return DevPlan([tool, "bootRun"], "the Spring Boot Gradle plugin", port=dev.port)
    raise Unsupported(
        "no development command is known for this Java build (not Spring Boot)", code="DEV009"
    )
