"""Java: the jar (or class path) ``java`` runs, or the folder ``gradle installDist`` wrote,
on the JRE image of the JDK's vendor and major version (:func:`refactor.data.java.jre_for`).

The start command is read through ``sh -c "java …"``. ``java Main`` with no class path runs
the classes of the working directory (the JVM's default class path, unless CLASSPATH is set):
the class files ``javac`` wrote there are copied. A Java version with no JRE image (a non-LTS
JDK such as 20) gets a runtime ``jlink`` assembles in the builder from the modules ``jdeps``
finds in the app, on the slim image of the JDK's own OS release, when that is provable: the
tag names the release, and the class path holds only what the build compiled from the
project's own sources (``jdeps`` cannot see a dependency's modules inside a fat jar).

Files the program reads outside the jar, relative to the working directory or by path
(Spring Boot's ``application.*`` and ``config/`` beside the jar, folders such as
``templates/``, and every path the start command or ENV names in a ``-D…=`` or
``--spring.config.*=`` option), are copied from the builder when a COPY of the context put
them there (:func:`refactor.analysis.destinations.context_targets`).
"""

from __future__ import annotations

import fnmatch
import posixpath
import shlex
from collections.abc import Sequence

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.artifacts import artifact, produced
from codemods.split_build_runtime.facts import Facts, absolute
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.analysis.context import IgnoreRules, PatternError, ignore_file
from refactor.analysis.destinations import context_targets
from refactor.analysis.semantics import shell_script, under
from refactor.analysis.shell import analyse
from refactor.data import ecosystems as eco
from refactor.data import java
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    steps.flavour(f, "java")
    start = java_words(f)
    jre = java.jre_for(f.image)
    if jre is None:
        raise Unsupported(f"unknown Java image `{f.image}`: cannot pick the JRE", code="SPL024")
    jlink: str | None = None
    if isinstance(jre, java.NoJre):
        jlink = _jlink_base(f, jre, start)
        why = (
            f"{f.image} has no JRE image for Java {jre.major}: a runtime jlink assembles from "
            f"the modules jdeps finds in the app, on the JDK's own release ({jlink})"
        )
        image = jlink
    else:
        why = "a JRE of the JDK's major version runs the jar; compilers stay in the builder"
        why = f"{why} ({jre.note})" if jre.note else why
        image = str(jre.image)
    packages, user_runs = steps.packages(f)
    result = Plan(steps.explicit(f, image), why, eco.RUNTIME_PROGRAMS["java"])
    steps.system_packages(f, result, packages, user_runs)
    built = produced(f)
    if posixpath.basename(start[0]) != "java":
        _start_script(f, result, built)
        if jlink is not None:
            assert isinstance(jre, java.NoJre)
            _jlink(f, result, jre, [f"{result.copies[-1].source}/lib/*.jar"])
        return result
    paths, main = _class_path(start[1:])
    if not paths:
        paths = _default_class_path(f, main)
    for path in paths:
        full = absolute(f.final.workdir, path)
        if full.endswith("/*"):
            full = full[:-2]
        copy = artifact(f, full, built, "the jar/classes java runs")
        if copy is not None:
            result.copies.append(copy)
    scanned = [c.source for c in result.copies]
    _read_files(f, result, start)
    steps.check_after_build(f, [c.source for c in result.copies])
    if jlink is not None:
        assert isinstance(jre, java.NoJre)
        _jlink(f, result, jre, scanned)
    return result


def java_words(f: Facts) -> tuple[str, ...]:
    """The start command's words, read through ``sh -c "java …"`` (one command, ``exec``
    allowed); anything else as it is."""
    script = shell_script(f.start)
    if script is None:
        return f.start
    commands = analyse(script, f.final.workdir, f.final.env).commands
    if len(commands) != 1 or commands[0].opaque:
        raise Unsupported(
            f"the start command runs the shell script `{script}`: cannot tell which java "
            "command it runs",
            code="SPL021",
        )
    words = tuple(commands[0].words)
    return words[1:] if words[:1] == ("exec",) and len(words) > 1 else words


def _class_path(words: Sequence[str]) -> tuple[list[str], str | None]:
    """The jars and folders ``java`` runs (``-jar`` and the jars after it, or the class path)
    and the main class (None with ``-jar``)."""
    paths: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-jar" and i + 1 < len(words):
            paths.append(words[i + 1])
            paths.extend(w for w in words[i + 2 :] if w.endswith(".jar"))
            return paths, None
        if word in java.CLASSPATH_OPTIONS and i + 1 < len(words):
            paths.extend(p for p in words[i + 1].split(":") if p)
            i += 2
            continue
        if word.startswith(("-", "$")):  # an option, or options in a variable ($JAVA_OPTS)
            i += 1
            continue
        return paths, word
    return paths, None


def _default_class_path(f: Facts, main: str | None) -> list[str]:
    """``java Main`` with no class path: CLASSPATH, else the working directory, where the
    main class's package folder (or, in the default package, the class files) is copied."""
    if main is None or not java.MAIN_CLASS.fullmatch(main):
        raise Unsupported(
            "the java command names no jar, class path or main class: unknown artifact location",
            code="SPL013",
        )
    if "CLASSPATH" in f.final.env:
        return [p for p in f.final.env["CLASSPATH"].split(":") if p]
    if "." not in main:
        return ["*.class"]  # the default package: the class files of the working directory
    return [main.split(".", 1)[0]]  # the top package folder


# -- files read outside the jar ---------------------------------------------------------------


def _read_files(f: Facts, plan: Plan, start: Sequence[str]) -> None:
    """Copy what the program reads beside the jar (:func:`~refactor.data.java.workdir_read`)
    or at a path the start command or ENV names, when a COPY of the build context put it in
    the builder (without the context nothing is known to be there; files the .dockerignore
    excludes are not in it)."""
    if not f.ctx.has_context:
        return
    ignore = ignore_file(f.ctx)
    try:
        rules = IgnoreRules.parse((f.ctx.read(ignore) or "") if ignore else "")
    except PatternError:  # BuildKit rejects the file: the original does not build either
        rules = IgnoreRules.parse("")
    workdir = f.final.workdir
    named = [absolute(workdir, p) for p in java.named_paths(start, f.final.env)]
    folders = f.ctx.is_dir
    wanted: dict[str, str] = {}
    files = [r for r in f.ctx.glob("**/*") if not folders(r) and not rules.excluded(r)]
    files = files[: java.MAX_CONTEXT_FILES]
    for target in context_targets(f.stage, files, folders).values():
        if target is None:
            continue
        if target != workdir and under(target, workdir):
            top = target[len(workdir.rstrip("/")) + 1 :].split("/", 1)[0]
            why = java.workdir_read(top, folder=target != posixpath.join(workdir, top))
            if why:
                wanted.setdefault(posixpath.join(workdir, top), why)
        for path in named:
            if under(target, path):
                wanted.setdefault(path, "the start command or ENV names it")
    copied = [c.source for c in plan.copies]
    moved = f.context_files_after_build  # COPYs the runtime stage keeps: nothing to copy
    for path, why in wanted.items():
        if any(fnmatch.fnmatchcase(path, p) for p in moved):
            continue
        if not any(under(path, c) for c in copied):
            plan.copies.append(Copy(path, path, f"the program reads it at run time: {why}"))


# -- a jlink runtime ----------------------------------------------------------------------------


def _jlink_base(f: Facts, jre: java.NoJre, start: Sequence[str]) -> str:
    """The slim image a jlink runtime runs on, when such a runtime is provably complete."""
    if jre.major is None:
        raise Unsupported(f"no JRE image for `{f.image}`: {jre.reason}", code="SPL024")
    prefix = f"no JRE image for `{f.image}` ({jre.reason}) and no provable jlink runtime: "
    if jre.major < java.JLINK_MIN_MAJOR:
        raise Unsupported(
            f"{prefix}jdeps before Java {java.JLINK_MIN_MAJOR} stops at a missing class",
            code="SPL024",
        )
    if posixpath.basename(start[0]) != "java":
        program = absolute(f.final.workdir, start[0])
        if java.GRADLE_INSTALL_DIST.match(program) is None:
            raise Unsupported(f"{prefix}the start command does not run java", code="SPL024")
        dependencies = ""  # installDist's lib/ holds every jar: jdeps reads them all
    else:
        dependencies = java.build_dependencies(f.ctx.read, f.command_names, f.ctx.has_context)
    if dependencies:
        raise Unsupported(
            f"{prefix}{dependencies}: jdeps reads only the app's own classes, not the modules "
            "its dependencies need",
            code="SPL024",
        )
    base = java.jlink_base(f.image)
    if isinstance(base, java.NoJre):
        raise Unsupported(f"{prefix}{base.reason}", code="SPL024")
    return base


def _jlink(f: Facts, plan: Plan, jre: java.NoJre, scanned: Sequence[str]) -> None:
    """The builder assembles the runtime after the build; the runtime stage copies it first
    and finds its ``java`` on the PATH."""
    if not scanned:
        raise Unsupported(
            f"no JRE image for Java {jre.major}: the class path is copied from the context, "
            "and jdeps needs the built classes",
            code="SPL024",
        )
    home = java.JLINK_HOME
    paths = " ".join(p if "*" in p else shlex.quote(p) for p in scanned)
    modules = f"jdeps --ignore-missing-deps --multi-release {jre.major} --print-module-deps {paths}"
    script = (
        f'jlink --add-modules "$({modules})" \\\n    {" ".join(java.JLINK_OPTIONS)} --output {home}'
    )
    run = f.new("RUN", script)
    anchor = f.stage.instructions[f.last_build_index]
    plan.after.setdefault(anchor, []).append(run)
    plan.explanations.append(
        (
            run,
            f"assembles a Java {jre.major} runtime in {home} with jlink",
            "only the modules jdeps finds in the app, without debug data, headers or man "
            "pages: smaller than any JDK, and the same build of Java",
        )
    )
    plan.copies.insert(0, Copy(home, home, "the Java runtime jlink assembled"))
    env = f.new("ENV", f'JAVA_HOME={home} PATH="{home}/bin:$PATH"')
    plan.runtime_head.append(env)
    plan.explanations.append(
        (env, f"puts {home}/bin on the PATH", "the start command runs `java` from it")
    )


def _start_script(f: Facts, plan: Plan, built: Sequence[str]) -> None:
    """``gradle installDist`` writes build/install/<name> (lib/ with the jars, bin/ with a
    start script that needs sh and java, both in the JRE image): copy that folder."""
    program = absolute(f.final.workdir, f.start[0])
    found = java.GRADLE_INSTALL_DIST.match(program)
    if found is None or not any(fnmatch.fnmatchcase(found.group(1), p) for p in built):
        raise Unsupported(f"the start command runs `{f.start[0]}`, not java", code="SPL021")
    folder = found.group(1)
    plan.copies.append(Copy(folder, folder, "the installDist folder: jars and start script"))
    steps.check_after_build(f, [folder])
