"""jdk-to-jre: run the application on a JRE image instead of the JDK it was built with.

Only the runtime stage (the final stage, or ``ctx.target``) changes, and only when it merely
runs ``java``: no RUN, CMD, ENTRYPOINT or HEALTHCHECK uses a tool only the JDK has (``javac``,
``jar``, ``jlink``, ``jcmd``, ``mvn``, ``gradlew``…), no other stage copies from it, and the
container's command is visible (a script we cannot read might use JDK tools). The vendor
knowledge (tags, versions, operating systems) is in :mod:`refactor.data.java`. When the JRE
image sits on another distribution than the JDK image, the stage may only run commands every
distribution has. ``Options.distroless_java`` opts into ``gcr.io/distroless/javaN-debian12``
for stages without RUN whose ENTRYPOINT is exec-form ``java``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from refactor.analysis.images import ImageRef
from refactor.analysis.model import (
    PLATFORM_ARGS,
    BuildModel,
    RunState,
    Stage,
    build_model,
    command_of,
    substitute,
)
from refactor.analysis.semantics import (
    RunScript,
    exec_commands,
    run_commands,
    script_commands,
    word_spans,
)
from refactor.data.commands import Words, program
from refactor.data.java import (
    JDK_INSTALL_PATHS,
    JDK_ONLY_MODULES,
    JDK_ONLY_TOOLS,
    JreImage,
    NoJre,
    distroless_for,
    jre_for,
)
from refactor.data.system import SHELLS
from refactor.engine.codemod import Codemod, Context, OptionSpec, Result, Skip
from refactor.syntax.tree import Dockerfile, Instruction

__all__ = ["JdkToJre"]

#: Commands every image with a POSIX shell has (busybox or coreutils): safe on another distro.
PORTABLE_COMMANDS = frozenset(
    {"", "sh", "set", "cd", "mkdir", "rm", "rmdir", "cp", "mv", "chmod", "chown", "chgrp",
     "ln", "echo", "export", "unset", "true", "false", "touch", "cat", "ls", "tee", "printf",
     "test", "[", "umask", "sleep", "env", "pwd", "id", "whoami", "date", "exit", "exec",
     "sed", "grep", "head", "tail", "sort", "tr", "cut", "wc", "basename", "dirname",
     "readlink", "mktemp", "find", "xargs", "tar", "gzip", "gunzip", "java", "keytool"}
)  # fmt: skip
#: Programs that run the command after them (``exec java …``, ``tini -- java …``).
_WRAPPERS = frozenset({"exec", "nohup", "time", "command", "env", "nice", "tini", "dumb-init"})
_USER_WRAPPERS = frozenset({"gosu", "su-exec"})
_VARIABLE = re.compile(r"\$(?:\{(\w+)[^}]*\}|(\w+))")
_DISTROLESS_USERS = frozenset({"root", "nonroot", "nobody"})
_SYSTEM_BIN = ("/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/")


def _unwrap(words: Words) -> Words:
    """The command a wrapper runs: ``exec java`` → ``java``, ``gosu app java`` → ``java``."""
    while words:
        name = program(words)
        if name in _USER_WRAPPERS:
            words = words[2:]
        elif name in _WRAPPERS:
            rest = list(words[1:])
            while rest and (rest[0].startswith("-") or (name == "env" and "=" in rest[0])):
                if rest.pop(0) == "--":
                    break
            words = tuple(rest)
        else:
            break
    return words


def _is_script(words: Words) -> bool:
    """Whether the command runs a script or program we cannot see into."""
    name = program(words)
    if name in SHELLS:
        return any(not w.startswith(("-", "+")) for w in words[1:])
    if name in PORTABLE_COMMANDS or name in JDK_ONLY_TOOLS:
        return False
    return name.endswith(".sh") or ("/" in words[0] and not words[0].startswith(_SYSTEM_BIN))


def _java_problem(words: Words) -> str | None:
    """Why a ``java`` command line needs the JDK (a source launch, a JDK-only module)."""
    for word in words[1:]:
        if word.endswith(".java"):
            return f"`java {word}` compiles a source file, which needs the JDK's compiler"
        for part in re.split(r"[,=:/]", word):
            if part in JDK_ONLY_MODULES:
                return f"`java` uses module {part}, which only the JDK has"
    return None


def _tool_problem(words: Words) -> str | None:
    words = _unwrap(words)
    if not words:
        return None
    name = program(words)
    if name in JDK_ONLY_TOOLS:
        return f"it runs `{name}`, which only the JDK has"
    if name == "java":
        return _java_problem(words)
    return None


class JdkToJre(Codemod):
    name = "jdk-to-jre"
    description = (
        "Replaces a JDK base image with the matching JRE image (same vendor, Java version and "
        "OS where the vendor publishes one; deprecated openjdk, maven and gradle images move to "
        "eclipse-temurin) in the runtime stage, when that stage only runs java: no JDK tools "
        "in RUN, CMD, ENTRYPOINT or HEALTHCHECK and no other stage copying from it."
    )
    default = True
    #: Only through the API (golden cases, callers of ``Options``): no flag, no config key.
    options = (
        OptionSpec(
            "distroless_java",
            "Use gcr.io/distroless/javaN-debian12 for a runtime stage that needs no shell.",
            command_line=False,
            config=False,
        ),
    )
    codes: ClassVar[Mapping[str, str]] = {
        "JRE001": "there is no runtime stage (empty file or unknown --target)",
        "JRE002": "the runtime stage opts out (# msb-migrate: skip)",
        "JRE003": "the runtime stage builds on another stage, whose image it shares",
        "JRE004": "the runtime image cannot be resolved",
        "JRE005": "the runtime image is not a JDK image",
        "JRE006": "the JDK image has no JRE counterpart",
        "JRE007": "other stages build on or copy from the runtime stage",
        "JRE008": "the stage may need the JDK, or a command of it cannot be read",
        "JRE009": "distroless_java is on, but the distroless image cannot be used",
        "JRE010": "the FROM cannot be rewritten",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        model = build_model(tree)
        stage = model.stage(ctx.target) if ctx.target else model.final
        if stage is None:
            return self.skip(
                tree, "no runtime stage (empty file or unknown --target)", code="JRE001"
            )
        line = tree.line_of(stage.from_)
        if not self.allowed(tree, stage.from_):
            return self.skip(
                tree, "the runtime stage opted out (# msb-migrate: skip)", line, code="JRE002"
            )
        if stage.parent is not None:
            parent = model.stages[stage.parent].ref
            return self.skip(
                tree,
                f"the runtime stage builds on stage '{parent}', whose image it shares",
                line,
                code="JRE003",
            )
        if stage.image is None:
            return self.skip(
                tree, f"the runtime image `{stage.base}` cannot be resolved", line, code="JRE004"
            )
        found = jre_for(stage.image)
        if found is None:
            return self.skip(
                tree, f"the runtime image {stage.image} is not a JDK image", line, code="JRE005"
            )
        if isinstance(found, NoJre):
            return self.skip(tree, f"{stage.image}: {found.reason}", line, code="JRE006")
        users = sorted({e.target for e in model.users_of(stage.index)})
        if users:
            names = ", ".join(model.stages[i].ref for i in users)
            return self.skip(
                tree,
                f"stage(s) {names} build on or copy from this stage: they may need the JDK",
                code="JRE007",
            )
        problem = _needs_jdk(tree, stage, found, stage.image.family)
        if problem:
            return self.skip(tree, problem, line, code="JRE008")
        return self._replace(tree, model, stage, found, ctx)

    def _replace(
        self, tree: Dockerfile, model: BuildModel, stage: Stage, found: JreImage, ctx: Context
    ) -> Result:
        skips: list[Skip] = []
        target = found.image
        why = (
            "this stage only runs `java` (no javac, jar, jlink, jcmd, mvn or other JDK tools) "
            "and no other stage copies from it: a JRE image is smaller and ships no compiler"
        )
        if ctx.options.distroless_java:
            distroless = distroless_for(found.major)
            reason = (
                f"no distroless image for Java {found.major}"
                if distroless is None
                else _distroless_problem(stage)
            )
            if reason is None and distroless is not None:
                target = distroless
                why += (
                    "; distroless_java is on and the stage needs no shell (no RUN, exec-form "
                    "java ENTRYPOINT, which replaces distroless's own `java -jar`)"
                )
            else:
                skips.append(Skip(self.name, f"distroless_java not used: {reason}", code="JRE009"))
        if target is found.image and found.note:
            why += f"; {found.note}"
        if target is found.image and found.changes_os:
            was = f" instead of {found.os}" if found.os != "unknown" else ""
            why += (
                f"; the JRE image is based on {found.jre_os}{was}, and the stage only uses "
                "commands every distribution has"
            )
        rewritten = _rewrite_image(model, stage, target)
        if isinstance(rewritten, str):
            return self.skip(tree, rewritten, tree.line_of(stage.from_), code="JRE010")
        new_from, assumption = rewritten
        if assumption:
            why += f"; {assumption}"
        explanation = self.explain(f"runtime image {stage.image} → {target}", why, node=new_from)
        return Result(
            tree.replace(stage.from_, new_from),
            explanations=(explanation,),
            skips=tuple(skips),
        )


def _needs_jdk(tree: Dockerfile, stage: Stage, found: JreImage, family: str) -> str | None:
    """Why the stage needs its JDK image (or cannot move to the JRE's distribution), or None."""
    vendor_changes = found.image.family != family
    for inst, state in zip(stage.instructions, stage.states, strict=True):
        where = f"line {tree.line_of(inst)}"
        directive = inst.directive
        if vendor_changes and directive != "FROM":
            path = next((p for p in JDK_INSTALL_PATHS if p in inst.logical), None)
            if path:
                return f"{where} names the JDK's install path {path}, which the new image moves"
        if directive == "SHELL":
            return f"{where}: SHELL {inst.value} is not analysed"
        if directive == "RUN":
            commands, opaque = _read(run_commands(inst, state))
        elif directive == "HEALTHCHECK":
            commands, opaque = _healthcheck(inst, state)
        else:
            continue
        if opaque:
            return f"cannot read the {directive} at {where}"
        for words in commands:
            problem = _tool_problem(words) or _script_problem(words)
            if problem is None and found.changes_os:
                problem = _portable_problem(words, found)
            if problem:
                return f"{directive} at {where}: {problem}"
    return _start_problem(stage)


def _script_problem(words: Words) -> str | None:
    words = _unwrap(words)
    if words and _is_script(words):
        return f"it runs `{' '.join(words[:2])}`, which may use JDK tools (not visible here)"
    return None


def _portable_problem(words: Words, found: JreImage) -> str | None:
    name = program(_unwrap(words))
    if name in PORTABLE_COMMANDS:
        return None
    was = f"not {found.os}" if found.os != "unknown" else "not the JDK image's distribution"
    return f"it uses `{name}`, and the JRE image is based on {found.jre_os}, {was}"


def _read(script: RunScript) -> tuple[list[Words], bool]:
    """The words of the commands read, and whether some shell text could not be read."""
    return script.words(), "opaque" in script.problems


def _healthcheck(inst: Instruction, state: RunState) -> tuple[list[Words], bool]:
    items = inst.values.items
    if len(items) < 2 or items[0].upper() != "CMD":
        return [], False
    if inst.is_json:
        return _read(exec_commands(items[1:], state))
    return _read(script_commands(items[1], state))


def _start(stage: Stage) -> tuple[list[str] | str | None, list[str] | str | None]:
    """ENTRYPOINT and CMD of a stage built on an image, as BuildKit sets them.

    An ENTRYPOINT drops the image's CMD but keeps a CMD written earlier in the same stage
    (BuildKit's ``cmdSet``), so both are read from the stage's own instructions.
    """
    entrypoint, cmd = stage.last("ENTRYPOINT"), stage.last("CMD")
    return (
        command_of(entrypoint) if entrypoint else None,
        command_of(cmd) if cmd else None,
    )


def _start_problem(stage: Stage) -> str | None:
    """Why the container's start command may need the JDK, or None when it only runs java."""
    entrypoint, cmd = _start(stage)
    state = stage.final_state
    assert state is not None
    if entrypoint:
        if isinstance(entrypoint, str):
            commands, opaque = _read(script_commands(entrypoint, state))
        else:
            args = cmd if isinstance(cmd, list) else ["/bin/sh", "-c", cmd] if cmd else []
            commands, opaque = _read(exec_commands([*entrypoint, *args], state))
    elif cmd:
        commands, opaque = _read(
            script_commands(cmd, state) if isinstance(cmd, str) else exec_commands(cmd, state)
        )
    else:
        return (
            "no CMD or ENTRYPOINT: the JDK image's default command (jshell in most JDK "
            "images) is not in a JRE"
        )
    if opaque:
        return "cannot read the container's start command"
    for words in commands:
        problem = _tool_problem(words)
        if problem:
            return f"the start command needs the JDK: {problem}"
        unwrapped = _unwrap(words)
        if unwrapped and (_is_script(unwrapped) or program(unwrapped) not in PORTABLE_COMMANDS):
            return (
                f"the container starts `{' '.join(unwrapped[:2])}`, which may use JDK tools "
                "(not visible here)"
            )
    return None


def _distroless_problem(stage: Stage) -> str | None:
    """Why a distroless Java image (no shell, ENTRYPOINT ``java -jar``) would not work."""
    for inst in stage.instructions:
        directive = inst.directive
        path = next((p for p in JDK_INSTALL_PATHS if p in inst.logical), None)
        if path and directive != "FROM":
            return f"the stage names the JDK's install path {path}"
        if directive in ("RUN", "SHELL", "ONBUILD"):
            return f"the stage has {directive} instructions and distroless has no shell"
        if directive == "HEALTHCHECK" and inst.value.strip().upper() != "NONE":
            return "HEALTHCHECK needs tools distroless does not have"
        if directive == "USER" and not _known_user(inst.value):
            return f"USER {inst.value} does not exist in distroless images"
        if directive in ("COPY", "ADD"):
            owner = inst.flag("chown")
            if owner and not _known_user(owner):
                return f"--chown={owner} names a user distroless images do not have"
    entrypoint, cmd = _start(stage)
    if not isinstance(entrypoint, list) or entrypoint[:1] not in (["java"], ["/usr/bin/java"]):
        return "ENTRYPOINT is not exec-form java (distroless's ENTRYPOINT is `java -jar`)"
    if isinstance(cmd, str):
        return "CMD is in shell form and distroless has no shell"
    return None


def _known_user(spec: str) -> bool:
    return all(
        part.isdigit() or part in _DISTROLESS_USERS for part in spec.strip().split(":") if part
    )


def _rewrite_image(
    model: BuildModel, stage: Stage, target: ImageRef
) -> tuple[Instruction, str] | str:
    """The FROM with ``target`` written in place of the image word, and the ARG assumption.

    A literal image word is replaced. An ARG-built word (``eclipse-temurin:${V}-jdk``) is
    rewritten only when the change falls in its literal tail, so the ARG still picks the version.
    """
    inst = stage.from_
    spans = word_spans(inst.args, inst.escape)
    if [inst.args[s:e] for s, e in spans] != list(inst.values.items):
        return "cannot locate the image in this FROM"
    start, end = spans[0]
    raw, old, new = inst.args[start:end], stage.base, str(target)
    assumption = ""
    if raw == old:
        new_raw = new
    else:
        ends = [m.end() for m in _VARIABLE.finditer(raw)]
        tail = raw[ends[-1] :] if ends else raw
        prefix = 0
        while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
            prefix += 1
        changed = len(old) - prefix
        if changed > len(tail) or not old.endswith(tail):
            return (
                f"the image `{raw}` comes from ARG values and the JRE tag cannot be written "
                "without changing them; edit the ARG by hand"
            )
        new_raw = raw[: len(raw) - changed] + new[prefix:]
        names = sorted({m.group(1) or m.group(2) for m in _VARIABLE.finditer(raw)})
        defaults = ", ".join(f"{n}={model.global_args.get(n)}" for n in names)
        assumption = (
            f"the ARG parts of the image are kept and were checked with their defaults "
            f"({defaults}); a --build-arg picking an image without a JRE sibling would fail"
        )
    variables = {**PLATFORM_ARGS, **{k: v for k, v in model.global_args.items() if v is not None}}
    if substitute(new_raw, variables, inst.escape) != new:
        return f"rewriting `{raw}` would not give {new}"
    args = inst.args[:start] + new_raw + inst.args[end:]
    return inst.with_args(args), assumption
