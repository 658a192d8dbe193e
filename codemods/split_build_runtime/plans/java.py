"""Java: the jar (or class path) ``java`` runs, or the folder ``gradle installDist`` wrote,
on the JRE image of the JDK's vendor and major version (:func:`refactor.data.java.jre_for`)."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Sequence

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.artifacts import artifact, produced
from codemods.split_build_runtime.facts import Facts, absolute
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.data import ecosystems as eco
from refactor.data import java
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    steps.flavour(f, "java")
    jre = java.jre_for(f.image)
    if jre is None:
        raise Unsupported(f"unknown Java image `{f.image}`: cannot pick the JRE", code="SPL024")
    if isinstance(jre, java.NoJre):
        raise Unsupported(f"no JRE image for `{f.image}`: {jre.reason}", code="SPL024")
    packages, user_runs = steps.packages(f)
    why = "a JRE of the JDK's major version runs the jar; compilers stay in the builder"
    result = Plan(
        steps.explicit(f, str(jre.image)),
        f"{why} ({jre.note})" if jre.note else why,
        eco.RUNTIME_PROGRAMS["java"],
    )
    steps.system_packages(f, result, packages, user_runs)
    built = produced(f)
    if posixpath.basename(f.start[0]) != "java":
        return _start_script(f, result, built)
    paths = _class_path(f.start[1:])
    if not paths:
        raise Unsupported(
            "the java command names no jar or classpath: unknown artifact location",
            code="SPL013",
        )
    for path in paths:
        full = absolute(f.final.workdir, path)
        if full.endswith("/*"):
            full = full[:-2]
        copy = artifact(f, full, built, "the jar/classes java runs")
        if copy is not None:
            result.copies.append(copy)
    steps.check_after_build(f, [c.source for c in result.copies])
    return result


def _class_path(words: Sequence[str]) -> list[str]:
    """The jars and folders ``java`` runs (``-jar`` and the jars after it, or the class path)."""
    paths: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-jar" and i + 1 < len(words):
            paths.append(words[i + 1])
            paths.extend(w for w in words[i + 2 :] if w.endswith(".jar"))
            break
        if word in java.CLASSPATH_OPTIONS and i + 1 < len(words):
            paths.extend(p for p in words[i + 1].split(":") if p)
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        break  # the main class
    return paths


def _start_script(f: Facts, plan: Plan, built: Sequence[str]) -> Plan:
    """``gradle installDist`` writes build/install/<name> (lib/ with the jars, bin/ with a
    start script that needs sh and java, both in the JRE image): copy that folder."""
    program = absolute(f.final.workdir, f.start[0])
    found = java.GRADLE_INSTALL_DIST.match(program)
    if found is None or not any(fnmatch.fnmatchcase(found.group(1), p) for p in built):
        raise Unsupported(f"the start command runs `{f.start[0]}`, not java", code="SPL021")
    folder = found.group(1)
    plan.copies.append(Copy(folder, folder, "the installDist folder: jars and start script"))
    steps.check_after_build(f, [folder])
    return plan
