"""name-stages: give every stage of a multi-stage build a lowercase name and refer to it by name.

Unnamed stages are named after what they do (``runtime`` for the final stage, ``builder``,
``test``, ``deps``, else the base image's family), ``COPY --from=<index>`` and
``RUN --mount=…,from=<index>`` are rewritten to the names, and BuildKit's ``FromAsCasing``
(``AS`` in the case of ``FROM``) and ``StageNameCasing`` (lowercase stage names) checks are
fixed (also on the single stage of a one-stage file, which is otherwise left unnamed: nothing
refers to it). Existing names are kept (CI may ``--target`` them) except for the casing fix, which
is safe: BuildKit lowercases stage names when it parses ``FROM … AS`` and looks ``--target`` up
case-insensitively (moby/buildkit ``parseBuildStageName``, ``dispatchStates.findStateByName``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from refactor.analysis.model import BuildModel, Edge, RunState, Stage, build_model
from refactor.analysis.shell import analyse
from refactor.engine.codemod import Codemod, Context, Explanation, Result, Skip
from refactor.syntax.buildkit import continuation_regex
from refactor.syntax.tree import Dockerfile, Flag, Instruction, split_lines

__all__ = [
    "SHELLS",
    "NameStages",
    "Words",
    "exec_commands",
    "program",
    "run_commands",
    "shell_commands",
    "word_spans",
]

STAGE_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
#: Names BuildKit reserves (``FROM scratch``, the ``context`` named context).
RESERVED_NAMES = frozenset({"scratch", "context"})
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})

Words = tuple[str, ...]


# -- what commands do -------------------------------------------------------------------------
def _subs(spec: str) -> frozenset[str]:
    """Subcommands separated by ``|``: ``"|install"`` is a bare invocation or ``install``."""
    return frozenset(spec.split("|"))


_MAVEN_BUILD = _subs("package|install|verify|compile|deploy")
_MAVEN_DEPS = _subs("dependency:go-offline|dependency:resolve|dependency:resolve-plugins")
_GRADLE_BUILD = _subs(
    "build|assemble|bootJar|jar|shadowJar|installDist|bootWar|war|distTar|distZip|compileJava"
    "|nativeCompile"
)

#: Program → subcommands (None: any invocation). Two-word subcommands ("mod download") match
#: the first two arguments.
TEST_COMMANDS: Mapping[str, frozenset[str] | None] = {
    **dict.fromkeys(["go"], _subs("test|vet")),
    **dict.fromkeys(["cargo"], _subs("test|nextest")),
    **dict.fromkeys(["npm"], _subs("test|t")),
    **dict.fromkeys(["gradle", "gradlew", "make"], _subs("test|check")),
    **dict.fromkeys(["rake"], _subs("test|spec")),
    **dict.fromkeys(
        _subs("dotnet|yarn|pnpm|bun|deno|mvn|mvnw|mix|cabal|stack|swift|sbt"),
        _subs("test"),
    ),
    **dict.fromkeys(
        _subs("pytest|py.test|unittest|tox|nox|jest|vitest|mocha|rspec|phpunit|ctest|bats"),
    ),
}
BUILD_COMMANDS: Mapping[str, frozenset[str] | None] = {
    "go": _subs("build|install|generate"),
    "cargo": _subs("build|install|rustc|chef cook"),
    "dotnet": _subs("build|publish|pack"),
    **dict.fromkeys(["npm", "yarn", "pnpm", "bun"], _subs("build")),
    **dict.fromkeys(["mvn", "mvnw"], _MAVEN_BUILD),
    **dict.fromkeys(["gradle", "gradlew"], _GRADLE_BUILD),
    "sbt": _subs("compile|package|assembly|stage"),
    "lein": _subs("uberjar|jar|compile"),
    "mix": _subs("release|compile"),
    **dict.fromkeys(["cabal", "stack"], _subs("build|install")),
    **dict.fromkeys(["swift", "bazel", "vite", "ng", "next", "nuxt"], _subs("build")),
    "zig": _subs("build|build-exe"),
    **dict.fromkeys(["pip", "pip3"], _subs("wheel")),
    "setup.py": _subs("build|bdist_wheel|sdist|install"),
    **dict.fromkeys(
        _subs(
            "build|make|cmake|ninja|meson|gcc|g++|cc|c++|clang|clang++|javac|rustc|tsc|webpack"
            "|nix-build|hugo|native-image"
        ),
    ),
}
DEPS_COMMANDS: Mapping[str, frozenset[str] | None] = {
    "npm": _subs("ci|install|i"),
    "yarn": _subs("|install"),
    "pnpm": _subs("install|i|fetch"),
    "bun": _subs("install"),
    **dict.fromkeys(["pip", "pip3"], _subs("install|download")),
    "poetry": _subs("install"),
    "pipenv": _subs("install|sync"),
    "uv": _subs("sync|pip install"),
    "bundle": _subs("|install"),
    "go": _subs("mod download|mod tidy|mod vendor|get"),
    "cargo": _subs("fetch|chef cook"),
    **dict.fromkeys(["mvn", "mvnw"], _MAVEN_DEPS),
    **dict.fromkeys(["gradle", "gradlew"], _subs("dependencies")),
    "dotnet": _subs("restore"),
    **dict.fromkeys(["apt-get", "apt"], _subs("install|update")),
    "apk": _subs("add|update"),
    **dict.fromkeys(["gem", "composer", "yum", "dnf", "microdnf", "conda"], _subs("install")),
    "mix": _subs("deps.get"),
}
#: Commands that only prepare the file system; they do not change what a stage is for.
HELPER_COMMANDS = _subs(
    "|set|cd|mkdir|rm|cp|mv|chmod|chown|ln|echo|export|true|touch|cat|ls|tee|printf|test|[|umask"
)
#: Tools whose targets/goals can come in any order (``mvn clean package``).
_ANY_ARGUMENT = frozenset({"mvn", "mvnw", "gradle", "gradlew", "make", "sbt", "lein", "rake"})
#: ``X run <script>`` for package managers, ``<runner> <tool> …`` for tool runners.
_SCRIPT_RUNNERS = frozenset({"npm", "yarn", "pnpm", "bun"})
_TOOL_RUNNERS: Mapping[str, tuple[str, ...]] = {
    "npx": (),
    "bundle": ("exec",),
    "poetry": ("run",),
    "pipenv": ("run",),
    "uv": ("run",),
    "pnpm": ("exec",),
}


# -- shell helpers (shared with jdk-to-jre) ---------------------------------------------------
def shell_commands(script: str, state: RunState, depth: int = 0) -> tuple[list[Words], bool]:
    """The commands a shell script runs (``sh -c`` scripts followed), and whether any is opaque."""
    parsed = analyse(script, state.workdir, state.variables)
    out: list[Words] = []
    opaque = parsed.opaque
    for command in parsed.commands:
        if command.opaque:
            continue
        words, inner_opaque = exec_commands(command.words, state, depth)
        out.extend(words)
        opaque = opaque or inner_opaque
    return out, opaque


def exec_commands(
    words: Sequence[str], state: RunState, depth: int = 0
) -> tuple[list[Words], bool]:
    """One exec-form command, or the commands of its ``sh -c`` script."""
    if not words:
        return [], False
    script = _shell_script(words)
    if script is not None and depth < 3:
        return shell_commands(script, state, depth + 1)
    return [tuple(words)], False


def run_commands(inst: Instruction, state: RunState) -> tuple[list[Words], bool]:
    """The commands a RUN executes (exec form, shell form, heredoc scripts)."""
    exec_args = inst.exec_args
    if exec_args is not None:
        return exec_commands(exec_args, state)
    commands, opaque = shell_commands(inst.value, state)
    if inst.heredocs and all(_is_bare_shell(words) for words in commands):
        commands, opaque = [], False
        for doc in inst.heredocs:
            found, doc_opaque = shell_commands(doc.content, state)
            commands.extend(found)
            opaque = opaque or doc_opaque
    return commands, opaque


def program(words: Words) -> str:
    """The program's name: ``/usr/bin/java`` → ``java``."""
    return words[0].rpartition("/")[2] if words else ""


def _is_bare_shell(words: Words) -> bool:
    return not words or (program(words) in SHELLS and _shell_script(words) is None)


def _shell_script(words: Sequence[str]) -> str | None:
    """The script of ``sh -c 'script'`` (options such as ``-ec``, ``-lc`` allowed)."""
    if words[0].rpartition("/")[2] not in SHELLS:
        return None
    for i, word in enumerate(words[1:], start=1):
        if word == "--" or not word.startswith(("-", "+")):
            return None
        if word.startswith("-") and "c" in word[1:] and not word.startswith("--"):
            return words[i + 1] if i + 1 < len(words) else None
    return None


# -- stage roles ----------------------------------------------------------------------------
def _invocation(words: Words) -> tuple[str, list[str]]:
    """The tool a command runs and its non-option arguments, through runners and ``-m``."""
    name = program(words)
    args = [w for w in words[1:] if not w.startswith("-")]
    if name.startswith("python") and "-m" in words:
        rest = list(words[words.index("-m") + 1 :])
        return (rest[0], [w for w in rest[1:] if not w.startswith("-")]) if rest else (name, [])
    if name.startswith("python") and args and args[0].endswith("setup.py"):
        return "setup.py", args[1:]
    runner = _TOOL_RUNNERS.get(name)
    if runner is not None and args[: len(runner)] == list(runner) and len(args) > len(runner):
        return _invocation(tuple(args[len(runner) :]))
    if name in _SCRIPT_RUNNERS and args[:1] in (["run"], ["run-script"]):
        return name, args[1:]
    return name, args


def _matches(words: Words, table: Mapping[str, frozenset[str] | None]) -> bool:
    name, args = _invocation(words)
    if name not in table:
        return False
    subs = table[name]
    if subs is None:
        return True
    first = args[0] if args else ""
    if first in subs or " ".join(args[:2]) in subs:
        return True
    return name in _ANY_ARGUMENT and any(a in subs for a in args)


def _role(stage: Stage, is_final: bool) -> tuple[str | None, str]:
    """A role name for the stage and why, or (None, '') when its commands say nothing."""
    if is_final:
        return "runtime", "it is the final stage, the image that runs"
    commands: list[Words] = []
    for inst, state in zip(stage.instructions, stage.states, strict=True):
        if inst.directive == "RUN":
            commands.extend(run_commands(inst, state)[0])
    builds = [c for c in commands if _matches(c, BUILD_COMMANDS)]
    tests = [c for c in commands if _matches(c, TEST_COMMANDS)]
    deps = [c for c in commands if _matches(c, DEPS_COMMANDS)]
    if builds:
        return "builder", f"it compiles (`{' '.join(builds[0])}`)"
    if tests:
        return "test", f"it runs tests (`{' '.join(tests[0])}`)"
    others = [c for c in commands if c not in deps and program(c) not in HELPER_COMMANDS]
    if deps and not others:
        return "deps", f"it only installs dependencies (`{' '.join(deps[0])}`)"
    return None, ""


def _family(model: BuildModel, stage: Stage) -> str | None:
    current: Stage | None = stage
    while current is not None and current.parent is not None:
        current = model.stages[current.parent]
    if current is None or current.image is None:
        return None
    family = re.sub(r"[^a-z0-9_.-]+", "-", current.image.family.lower()).strip("-")
    return family if STAGE_NAME.match(family) and family not in RESERVED_NAMES else None


# -- editing FROM and references --------------------------------------------------------------
def word_spans(args: str, escape: str) -> list[tuple[int, int]]:
    """Where each word of an instruction's raw ``args`` is (continuations and comments skipped)."""
    regex = continuation_regex(escape)
    spans: list[tuple[int, int]] = []
    pos = 0
    for i, line in enumerate(split_lines(args)):
        start, pos = pos, pos + len(line)
        body = line.rstrip("\r\n")
        if i and (not body.strip() or body.lstrip(" \t").startswith("#")):
            continue
        match = regex.search(body)
        if match:
            body = body[: match.start()] + (match.group(1) or "")
        spans.extend((start + m.start(), start + m.end()) for m in re.finditer(r"[^ \t\r]+", body))
    return spans


def _edit(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _mount_fields(spec: str) -> list[tuple[int, int]]:
    """Spans of the CSV fields of a ``--mount`` value (double quotes respected)."""
    fields, start, quoted = [], 0, False
    for i, ch in enumerate(spec):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            fields.append((start, i))
            start = i + 1
    fields.append((start, len(spec)))
    return fields


def _rename_mount(flag: Flag, reference: str, name: str) -> Flag | None:
    head, sep, spec = flag.text.partition("=")
    if not sep:
        return None
    for start, end in _mount_fields(spec):
        key, eq, value = spec[start:end].partition("=")
        if (
            eq
            and key.strip().strip('"').lower() == "from"
            and value.strip().strip('"') == reference
        ):
            new_spec = spec[:start] + f"{key}={name}" + spec[end:]
            return Flag(f"{head}={new_spec}", flag.prefix, flag.escape)
    return None


@dataclass
class _Plan:
    """What happens to one stage: its final name and the edits of its FROM."""

    stage: Stage
    name: str | None  # the name other instructions refer to it by, after the change
    edits: list[tuple[int, int, str]]
    notes: list[tuple[str, str]]  # (what, why) explanations of the FROM edits


class NameStages(Codemod):
    name = "name-stages"
    description = (
        "Names every unnamed stage of a multi-stage Dockerfile after what it does (runtime, "
        "builder, test, deps, or its base image's family), rewrites COPY --from=<index> and "
        "RUN --mount=…,from=<index> to those names, and fixes BuildKit's FromAsCasing and "
        "StageNameCasing checks (lowercase stage names, AS in the case of FROM). Existing names "
        "are kept apart from lowercasing, which BuildKit treats as the same name."
    )
    default = True

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        model = build_model(tree)
        if not model.stages:
            return self.skip(tree, "no stage")
        single = len(model.stages) == 1
        skips: list[Skip] = []
        plans = self._plan(tree, model, skips, name_new=not single)
        replacements: dict[int, Instruction] = {}
        notes: dict[int, list[tuple[str, str]]] = {}
        for plan in plans:
            if plan.edits:
                inst = plan.stage.from_
                replacements[id(inst)] = inst.with_args(_edit(inst.args, plan.edits))
                notes[id(inst)] = plan.notes
        names = {plan.stage.index: plan.name for plan in plans}
        for edge in model.edges:
            self._reference(tree, edge, names, replacements, notes, skips)
        if not replacements:
            if single:
                skips.append(Skip(self.name, "single stage: nothing refers to it"))
            elif not skips:
                skips.append(
                    Skip(self.name, "every stage already has a lowercase name used by reference")
                )
            return Result(tree, skips=tuple(skips))
        new_tree, explanations = self._apply(tree, replacements, notes)
        problem = _check(model, build_model(new_tree), names)
        if problem:
            return self.skip(tree, f"the renamed file would not build the same stages ({problem})")
        return Result(new_tree, explanations=tuple(explanations), skips=tuple(skips))

    # -- planning -----------------------------------------------------------------------------
    def _plan(
        self, tree: Dockerfile, model: BuildModel, skips: list[Skip], *, name_new: bool
    ) -> list[_Plan]:
        """Names and FROM edits per stage; a single stage keeps its name, or lack of one, and
        only gets the casing fixes (so stages split from it later start out lint-clean)."""
        taken = set(RESERVED_NAMES)
        taken.update(s.alias.lower() for s in model.stages if s.alias)
        # Words used as images: a stage named like one would capture the reference.
        used = Counter(s.base.lower() for s in model.stages)
        used.update(e.reference.lower() for e in model.edges if e.kind != "from")
        as_word = _file_as_word(tree, model)
        plans: list[_Plan] = []
        for stage in model.stages:
            inst = stage.from_
            items = list(inst.values.items)
            spans = word_spans(inst.args, inst.escape)
            line = tree.line_of(inst)
            plan = _Plan(stage, stage.name, [], [])
            plans.append(plan)
            if not self.allowed(tree, inst):
                skips.append(Skip(self.name, "stage opted out (# msb-migrate: skip)", line))
                continue
            if len(items) not in (1, 3):
                plan.name = None
                skips.append(Skip(self.name, "FROM needs one word or three (IMAGE AS NAME)", line))
                continue
            if [inst.args[s:e] for s, e in spans] != items:
                plan.name = stage.name if stage.alias == stage.name else None
                skips.append(Skip(self.name, "cannot locate the words of this FROM", line))
                continue
            keyword = _as_keyword(inst.keyword, as_word)
            if stage.alias is None and name_new:
                plan.name = self._new_name(model, stage, taken, used, plan)
                plan.edits.append((spans[0][1], spans[0][1], f" {keyword} {plan.name}"))
            elif stage.alias is not None:
                self._existing(model, stage, keyword, spans, plan, skips, line)
            self._parent(model, stage, spans, plans, plan)
        return plans

    def _new_name(
        self, model: BuildModel, stage: Stage, taken: set[str], used: Counter[str], plan: _Plan
    ) -> str:
        """A unique name: not a stage name, reserved word or image word used elsewhere."""
        role, why = _role(stage, stage is model.final)
        if role is None:
            family = _family(model, stage)
            role = family or f"stage-{stage.index}"
            why = (
                f"its commands do not say what it does, so it is named after its image ({family})"
                if family
                else "neither its commands nor its base image suggest a name"
            )
        own = stage.base.lower()
        name, n = role, 2
        while name in taken or used[name] > (1 if name == own else 0):
            name, n = f"{role}-{n}", n + 1
        taken.add(name)
        plan.notes.append(
            (
                f"named stage {stage.index} (FROM {stage.base}) '{name}'",
                f"{why}; a name survives reordering and lets you `--target {name}`",
            )
        )
        return name

    def _existing(
        self,
        model: BuildModel,
        stage: Stage,
        keyword: str,
        spans: list[tuple[int, int]],
        plan: _Plan,
        skips: list[Skip],
        line: int,
    ) -> None:
        inst, alias = stage.from_, stage.alias or ""
        lower = alias.lower()
        if not STAGE_NAME.match(lower):
            plan.name = None
            skips.append(Skip(self.name, f"stage name {alias!r} is not valid for BuildKit", line))
            return
        others = [s for s in model.stages if s is not stage and s.name == lower]
        if alias != lower and others:
            plan.name = None
            skips.append(Skip(self.name, f"stage name {lower!r} is used twice", line))
            return
        written = inst.args[spans[1][0] : spans[1][1]]
        cased = inst.keyword.isupper() or inst.keyword.islower()  # FromAsCasing applies
        if written != keyword and cased:
            plan.edits.append((*spans[1], keyword))
            plan.notes.append(
                (
                    f"`{written}` → `{keyword}`",
                    f"BuildKit's FromAsCasing check: AS should match the case of `{inst.keyword}`",
                )
            )
        if alias != lower:
            plan.edits.append((*spans[2], lower))
            plan.notes.append(
                (
                    f"stage name '{alias}' → '{lower}'",
                    "BuildKit's StageNameCasing check wants lowercase stage names; BuildKit "
                    f"lowercases stage names and matches --target case-insensitively, so "
                    f"`--target {alias}` keeps working",
                )
            )
        plan.name = lower

    def _parent(
        self,
        model: BuildModel,
        stage: Stage,
        spans: list[tuple[int, int]],
        plans: list[_Plan],
        plan: _Plan,
    ) -> None:
        """``FROM Builder`` written in another case than the (lowercase) stage name."""
        if stage.parent is None:
            return
        parent = plans[stage.parent].name
        written = stage.from_.args[spans[0][0] : spans[0][1]]
        if parent and "$" not in written and written != parent and written.lower() == parent:
            plan.edits.append((*spans[0], parent))
            plan.notes.append(
                (
                    f"FROM {written} → FROM {parent}",
                    "BuildKit matches `FROM <stage>` exactly against the lowercase stage name, "
                    f"so `FROM {written}` was read as an (invalid, upper-case) image name",
                )
            )

    # -- references ---------------------------------------------------------------------------
    def _reference(
        self,
        tree: Dockerfile,
        edge: Edge,
        names: Mapping[int, str | None],
        replacements: dict[int, Instruction],
        notes: dict[int, list[tuple[str, str]]],
        skips: list[Skip],
    ) -> None:
        if edge.kind == "from" or edge.source is None:
            return
        name, ref = names.get(edge.source), edge.reference
        if not name or ref == name or not (ref.isdigit() or ref.lower() == name):
            return
        inst = replacements.get(id(edge.instruction), edge.instruction)
        if not self.allowed(tree, edge.instruction):
            skips.append(Skip(self.name, "instruction opted out", tree.line_of(edge.instruction)))
            return
        flags = list(inst.flags)
        for i, flag in enumerate(flags):
            if flag.text == "--":
                continue
            if edge.kind == "copy" and flag.name == "from" and flag.value == ref:
                flags[i] = Flag(f"{flag.text.partition('=')[0]}={name}", flag.prefix, flag.escape)
            elif edge.kind == "mount" and flag.name == "mount":
                flags[i] = _rename_mount(flag, ref, name) or flag
        if flags == list(inst.flags):
            return
        replacements[id(edge.instruction)] = inst.with_changes(flags=tuple(flags))
        flag = "--from" if edge.kind == "copy" else "--mount=…,from"
        why = (
            "an index breaks silently when stages are added or reordered"
            if ref.isdigit()
            else "matches the stage's lowercase name"
        )
        notes.setdefault(id(edge.instruction), []).append(
            (f"{flag}={ref} → {flag}={name}", f"refers to stage '{name}' by name: {why}")
        )

    def _apply(
        self,
        tree: Dockerfile,
        replacements: Mapping[int, Instruction],
        notes: Mapping[int, list[tuple[str, str]]],
    ) -> tuple[Dockerfile, list[Explanation]]:
        nodes = []
        explanations = []
        for node in tree.nodes:
            new = replacements.get(id(node))
            if new is None:
                nodes.append(node)
                continue
            nodes.append(new)
            explanations.extend(self.explain(what, why, node=new) for what, why in notes[id(node)])
        return tree.with_changes(nodes=tuple(nodes)), explanations


def _as_keyword(from_keyword: str, file_word: str) -> str:
    """``AS`` in the case of FROM (FromAsCasing); the file's habit for a mixed-case ``From``."""
    if from_keyword.isupper():
        return "AS"
    if from_keyword.islower():
        return "as"
    return file_word


def _file_as_word(tree: Dockerfile, model: BuildModel) -> str:
    counts = Counter(
        "lower" if items[1].islower() else "upper"
        for s in model.stages
        if len(items := s.from_.values.items) == 3
    )
    if counts["lower"] != counts["upper"]:
        return "as" if counts["lower"] > counts["upper"] else "AS"
    return tree.style.keyword("as")


def _check(old: BuildModel, new: BuildModel, names: Mapping[int, str | None]) -> str | None:
    """Why the renamed file is not the same build, or None."""
    if len(old.stages) != len(new.stages):
        return "stage count changed"
    for stage in new.stages:
        want = names.get(stage.index)
        if want and stage.name != want:
            return f"stage {stage.index} is not named {want}"
    before = [(e.source, e.target, e.kind, e.image) for e in old.edges]
    after = [(e.source, e.target, e.kind, e.image) for e in new.edges]
    return None if before == after else "a reference resolves differently"
