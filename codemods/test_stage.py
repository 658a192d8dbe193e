"""test-stage: a ``test`` stage FROM the builder runs the project's tests (pattern 3).

The test command comes from the build context: ``go test ./...`` (go.mod and ``*_test.go``
files), ``mvn test`` / ``gradle test`` (``src/test``), ``npm test`` (a test script in
package.json), ``python -m pytest`` (test files, and pytest in a requirements file),
``cargo test`` (``tests/`` or ``#[test]``), ``dotnet test`` (a test project). The stage is
inserted right before the final stage, so the default target stays the runtime and nothing
depends on the test stage: a plain build never runs it, ``docker build --target test`` runs the
tests. Files without a builder stage, without tests, or whose builder does not hold the tests
(not copied, excluded by .dockerignore, deleted) are skipped with a reason, under one of the
stable codes in ``TestStage.codes`` (one code per kind of reason). When several builders or
several test tools are each ruled out, the joined reason keeps the code they share, or TST006
when their codes differ.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from refactor.analysis.destinations import context_target
from refactor.analysis.model import RunState, Stage, resolve_workdir
from refactor.analysis.semantics import run_commands
from refactor.analysis.shell import analyse
from refactor.data import ecosystems as eco
from refactor.data import java
from refactor.data import stages as data
from refactor.engine.codemod import Codemod, Context, Planner, Result, Unsupported
from refactor.syntax.tree import Blank, Comment, Dockerfile, Instruction, Node

__all__ = ["TestStage"]

#: Context files checked against the builder's copies (enough to show the tests are there).
MAX_CHECKED = 200
#: Folders whose files are not the project's own tests.
VENDORED = frozenset({"node_modules", "venv", ".venv", "site-packages", "vendor", "target"})
#: Mount types a test command shares with the builder step it mirrors.
SHARED_MOUNTS = frozenset({"cache", "secret", "ssh"})


@dataclass(frozen=True)
class _Step:
    """One builder command: the RUN it is in, that RUN's state, its words, and where the RUN
    is among the instructions of the stages (first base first)."""

    inst: Instruction
    state: RunState
    words: tuple[str, ...]
    order: int


@dataclass
class _Plan:
    builder: Stage
    recipe: data.TestRecipe
    command: str
    evidence: str  # what shows the project has tests
    root: str  # the project folder in the builder
    before: list[tuple[str, str, str]] = field(default_factory=list)  # (command, what, why)


class TestStage(Codemod):
    name = "test-stage"
    description = (
        "Add a `test` stage FROM the builder that runs the project's tests (`go test ./...`, "
        "`mvn test`, `gradle test`, `npm test`, `pytest`, `cargo test`, `dotnet test`, found "
        "from the build context), before the runtime stage: `docker build --target test` runs "
        "them and the default build does not; skipped when no test command is found."
    )
    default = False
    codes: ClassVar[Mapping[str, str]] = {
        "TST001": "single-stage file: there is no builder stage to test",
        "TST002": "a test stage already exists",
        "TST003": "the build already runs the tests",
        "TST004": "the stage opted out (# msb-migrate: skip)",
        "TST005": "no stage the image needs copies the sources and runs a build",
        "TST006": "every builder or test tool was ruled out, each for its own reason",
        "TST007": "several builders, test commands or test projects apply: cannot tell which",
        "TST008": "the builder stage has no name to build the test stage FROM",
        "TST009": "no build context to find the project's tests in",
        "TST010": "the builder runs no tool with a known test command",
        "TST011": "the manifest the test command needs is not at the root of the build context",
        "TST012": "the build context holds no tests (test files, test script or test project)",
        "TST013": "package.json cannot be read",
        "TST014": "the builder installs production dependencies only and the tests need dev ones",
        "TST015": "pytest is not listed in a requirements file",
        "TST016": "the tests are not copied into the builder",
        "TST017": "a file the tests need is excluded by .dockerignore",
        "TST018": "the builder deletes files the tests need",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: _Tester(self, tree, ctx).run())


def _context_copies(stage: Stage) -> list[tuple[Instruction, RunState]]:
    return [
        (inst, state)
        for inst, state in zip(stage.instructions, stage.states, strict=True)
        if inst.directive in ("COPY", "ADD")
        and inst.flag("from") is None
        and not inst.heredocs
        and len(inst.values.items) >= 2
    ]


def _shared_code(skips: Sequence[Unsupported]) -> str:
    """The code of ``skips`` when they share one, else TST006 (the joined reason lists each)."""
    codes = {skip.code for skip in skips}
    return codes.pop() if len(codes) == 1 else "TST006"


def _ignored(path: str, patterns: Sequence[str]) -> bool:
    """Whether a .dockerignore pattern may exclude ``path`` (exceptions with ``!`` are not
    trusted: a file any pattern matches counts as excluded)."""
    for pattern in patterns:
        pattern = pattern.strip().lstrip("/").removeprefix("./").rstrip("/")
        if not pattern or pattern.startswith(("#", "!")):
            continue
        candidates = [pattern, pattern.replace("**/", "")]
        prefixes = [path.rsplit("/", n)[0] for n in range(path.count("/") + 1)]
        if any(fnmatch.fnmatchcase(p, c) for p in prefixes for c in candidates):
            return True
    return False


class _Tester(Planner[TestStage]):
    def __init__(self, codemod: TestStage, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree, ctx)

    def new(self, directive: str, args: str, flags: Sequence[str] = ()) -> Instruction:
        """A new instruction; several flags go on continuation lines of their own."""
        inst = Instruction.create(directive, args, flags=flags, style=self.style)
        if len(flags) < 2:
            return inst
        wrap = self.style.continuation
        return inst.with_changes(
            flags=(inst.flags[0], *(f.with_prefix(wrap) for f in inst.flags[1:])),
            args_prefix=wrap,
        )

    def steps(self, stages: Sequence[Stage]) -> list[_Step]:
        out: list[_Step] = []
        pairs = [p for stage in stages for p in stage.steps()]
        for order, (inst, state) in enumerate(pairs):
            if inst.directive == "RUN":
                words = run_commands(inst, state).words()
                out.extend(_Step(inst, state, w, order) for w in words)
        return out

    # -- the checks --------------------------------------------------------------------------
    def run(self) -> Result:
        model = self.model
        if len(model.stages) < 2:
            raise Unsupported(
                "single-stage file: there is no builder stage to test "
                "(split-build-runtime makes one)",
                code="TST001",
            )
        existing = next((s for s in model.stages if s.name in data.TEST_STAGE_NAMES), None)
        if existing is not None:
            raise Unsupported(
                f"a test stage already exists (`{existing.alias}`)",
                self.line(existing.from_),
                code="TST002",
            )
        for step in self.steps(model.stages):
            if data.runs_tests(step.words):
                stage = model.stage_of(step.inst)
                where = f"stage `{stage.ref}`" if stage is not None else "a stage"
                raise Unsupported(
                    f"the tests already run in {where} (`{' '.join(step.words)}`)",
                    self.line(step.inst),
                    code="TST003",
                )
        final = model.final
        assert final is not None
        if not self.codemod.allowed(self.tree, final.from_):
            raise Unsupported(f"opted out (# msb-migrate: skip={self.codemod.name})", code="TST004")
        candidates = self.builders()
        if not candidates:
            raise Unsupported(
                "cannot identify the builder: no stage the image needs copies the sources and "
                "runs a build",
                code="TST005",
            )
        plans: list[_Plan] = []
        reasons: list[tuple[Stage, Unsupported]] = []
        for builder in candidates:
            try:
                plans.append(self.plan(builder))
            except Unsupported as skip:
                reasons.append((builder, skip))
        if not plans:
            if len({skip.reason for _, skip in reasons}) == 1:
                raise reasons[0][1]
            raise Unsupported(
                "; ".join(f"`{stage.ref}`: {skip.reason}" for stage, skip in reasons),
                code=_shared_code([skip for _, skip in reasons]),
            )
        if len(plans) > 1:
            names = ", ".join(f"`{p.builder.ref}`" for p in plans)
            raise Unsupported(
                f"several build stages have tests ({names}): cannot tell which to test",
                code="TST007",
            )
        return self.render(plans[0], final)

    def builders(self) -> list[Stage]:
        """The stages the image needs that copy sources (not only manifests) from the build
        context and run a build, less the ones another such stage is built FROM."""
        model = self.model
        final = model.final
        assert final is not None
        found = [
            stage
            for stage in model.stages
            if stage.index in model.needed()
            and stage is not final
            and any(
                not data.is_manifest(source)
                for s in stage.ancestry()
                for inst, _ in _context_copies(s)
                for source in inst.values.items[:-1]
            )
            and self.steps(stage.ancestry())
        ]
        ancestors = {s.index for stage in found for s in stage.ancestry()[:-1]}
        return [s for s in found if s.index not in ancestors]

    def plan(self, builder: Stage) -> _Plan:
        if not self.codemod.allowed(self.tree, builder.from_):
            raise Unsupported(f"opted out (# msb-migrate: skip={self.codemod.name})", code="TST004")
        if builder.name is None:
            raise Unsupported(
                "the builder stage has no name to build the test stage FROM", code="TST008"
            )
        chain = builder.ancestry()
        steps = self.steps(chain)
        for step in steps:
            if data.builder_runs_tests(step.words):
                raise Unsupported(
                    f"the builder already runs the tests (`{' '.join(step.words)}`)",
                    self.line(step.inst),
                    code="TST003",
                )
        if not self.ctx.has_context:
            raise Unsupported("no build context to find the project's tests in", code="TST009")
        names = {posixpath.basename(s.words[0]) for s in steps}
        recipes = [r for r in data.TEST_RECIPES if names & set(r.programs)]
        if not recipes:
            tools = sorted({p for r in data.TEST_RECIPES for p in r.programs})
            raise Unsupported(
                f"no test command found: the builder runs none of {', '.join(tools)}",
                code="TST010",
            )
        found: list[_Plan] = []
        skips: list[Unsupported] = []
        for recipe in recipes:
            try:
                found.append(self.recipe_plan(builder, recipe, chain, steps))
            except Unsupported as skip:
                skips.append(skip)
        if not found:
            raise Unsupported(
                f"no test command found: {'; '.join(skip.reason for skip in skips)}",
                code=_shared_code(skips),
            )
        if len(found) > 1:
            ecosystem = self.ecosystem(chain[0])
            found = [p for p in found if p.recipe.ecosystem == ecosystem] or found
        if len(found) > 1:
            commands = ", ".join(f"`{p.command}`" for p in found)
            raise Unsupported(
                f"several test commands apply ({commands}): cannot tell which one to run",
                code="TST007",
            )
        return found[0]

    def ecosystem(self, root: Stage) -> str | None:
        by_image = eco.ecosystem_of_image(root.image)
        if by_image is not None:
            return by_image.name
        if root.image is not None and java.jre_for(root.image) is not None:
            return "java"
        return None

    # -- finding the tests ----------------------------------------------------------------------
    def recipe_plan(
        self, builder: Stage, recipe: data.TestRecipe, chain: list[Stage], steps: list[_Step]
    ) -> _Plan:
        # Maven and Gradle run as the builder runs them (``./mvnw``, ``gradle``…).
        tool = next(
            (s.words[0] for s in steps if posixpath.basename(s.words[0]) in recipe.programs),
            recipe.programs[0],
        )
        manifest = next((m for m in recipe.manifests if self.ctx.exists(m)), None)
        if recipe.manifests and manifest is None:
            raise Unsupported(
                f"no {' or '.join(recipe.manifests)} at the root of the build context",
                code="TST011",
            )
        tests = self.test_files(recipe)
        before: list[tuple[str, str, str]] = []
        command = recipe.command.format(tool=tool)
        evidence = ""
        if recipe.tool == "node":
            command, evidence = self.node(steps, before)
        elif recipe.tool == "python":
            if not tests:
                raise Unsupported("no tests/ folder or test_*.py file", code="TST012")
            evidence = self.pytest(tests, chain, steps, before)
        elif recipe.tool == "dotnet":
            command, manifest, tests = self.dotnet()
            evidence = f"the test project {tests[0]}" if len(tests) == 1 else "test projects"
        elif recipe.tool == "rust" and not tests:
            tests = self.rust_inline_tests()
        elif recipe.tool == "gradle" and any("--no-daemon" in s.words for s in steps):
            command += " --no-daemon"
        if recipe.tests and not tests:
            raise Unsupported(
                f"no test files ({', '.join(recipe.tests)}) in the build context", code="TST012"
            )
        evidence = evidence or f"{manifest} and {len(tests)} test file(s)"
        anchor = manifest or tests[0]
        root = self.project_root(chain, anchor)
        self.check_tests(chain, steps, root, [anchor, *tests])
        return _Plan(builder, recipe, command, evidence, root, before)

    def test_files(self, recipe: data.TestRecipe) -> list[str]:
        files: list[str] = []
        for pattern in recipe.tests:
            for path in self.ctx.glob(pattern):
                if path not in files and not VENDORED & set(path.split("/")[:-1]):
                    files.append(path)
        return files[:MAX_CHECKED]

    def node(self, steps: list[_Step], before: list[tuple[str, str, str]]) -> tuple[str, str]:
        try:
            package = json.loads(self.ctx.read("package.json") or "")
        except ValueError as exc:
            raise Unsupported("package.json cannot be read", code="TST013") from exc
        scripts = package.get("scripts") if isinstance(package, dict) else None
        test = scripts.get("test") if isinstance(scripts, dict) else None
        if not isinstance(test, str) or data.NPM_PLACEHOLDER_TEST.search(test):
            raise Unsupported("package.json has no test script", code="TST012")
        installs = [s for s in steps if data.installs_dependencies(s.words)]
        managers = [posixpath.basename(s.words[0]) for s in installs]
        manager = next((m for m in managers if m in ("yarn", "pnpm")), "npm")
        dropped = any(
            data.NODE_PRUNE.match(" ".join(s.words))
            or (data.installs_dependencies(s.words) and self.production_install(s))
            for s in steps
        )
        if dropped:
            install = next(
                (" ".join(s.words[:2]) for s in installs if s.words[0] == "npm"), "npm install"
            )
            reinstall = data.NODE_DEV_REINSTALL.get(install, data.NODE_DEV_REINSTALL["npm install"])
            if manager != "npm":
                raise Unsupported(
                    f"the builder installs production dependencies only with {manager}: the "
                    "tests need the dev dependencies",
                    code="TST014",
                )
            before.append(
                (
                    reinstall,
                    "installs the dev dependencies again in the test stage",
                    "the builder leaves them out of node_modules and the tests need them",
                )
            )
        return f"{manager} test", f"the package.json test script `{test}`"

    def production_install(self, step: _Step) -> bool:
        return any(w in data.NODE_PRODUCTION_FLAGS for w in step.words) or (
            step.state.env.get("NODE_ENV") == "production"
        )

    def pytest(
        self,
        tests: list[str],
        chain: list[Stage],
        steps: list[_Step],
        before: list[tuple[str, str, str]],
    ) -> str:
        requirements = [
            path
            for pattern in data.REQUIREMENTS_GLOBS
            for path in self.ctx.glob(pattern)
            if data.PYTEST_REQUIREMENT.search(self.ctx.read(path) or "")
        ]
        if not requirements:
            raise Unsupported("pytest is not listed in a requirements*.txt file", code="TST015")
        installed: set[str] = set()
        for step in steps:
            if data.program_of(step.words) in ("pip", "pip3", "uv"):
                args = list(step.words)
                for i, word in enumerate(args[:-1]):
                    if word in ("-r", "--requirement"):
                        installed.add(resolve_workdir(step.state.workdir, args[i + 1]))
        root = self.project_root(chain, tests[0])
        for path in requirements:
            if posixpath.join(root, path) in installed:
                return f"{len(tests)} test file(s) and pytest in {path}"
        path = requirements[0]
        self.check_tests(chain, steps, root, [path])
        # A builder that uninstalls pip (a virtualenv kept lean for its runtime) gets it back
        # from the interpreter's own ensurepip first.
        lean = any("uninstall" in step.words and step.words[-1:] == ("pip",) for step in steps)
        before.append(
            (
                ("python -m ensurepip && " if lean else "") + f"python -m pip install -r {path}",
                f"installs {path} in the test stage",
                "it lists pytest, which the builder does not install"
                + (
                    "; the builder uninstalled pip, so ensurepip puts it back first" if lean else ""
                ),
            )
        )
        return f"{len(tests)} test file(s) and pytest in {path}"

    def rust_inline_tests(self) -> list[str]:
        return [
            path
            for path in self.ctx.glob(data.RUST_SOURCES)[:MAX_CHECKED]
            if data.RUST_INLINE_TEST.search(self.ctx.read(path) or "")
        ]

    def dotnet(self) -> tuple[str, str, list[str]]:
        projects = [
            path
            for pattern in data.DOTNET_PROJECTS
            for path in self.ctx.glob(pattern)
            if data.DOTNET_TEST_PROJECT.search(self.ctx.read(path) or "")
        ]
        if not projects:
            raise Unsupported(
                "no test project (a project referencing Microsoft.NET.Test.Sdk)", code="TST012"
            )
        if len(projects) == 1:
            return f"dotnet test {projects[0]}", projects[0], projects
        solutions = [p for p in self.ctx.glob("*.sln") if "/" not in p]
        if len(solutions) != 1:
            raise Unsupported(
                "several test projects and no single solution file at the root", code="TST007"
            )
        return "dotnet test", solutions[0], projects

    # -- is the project in the builder ------------------------------------------------------------
    def image_path(self, chain: list[Stage], path: str) -> str | None:
        """Where the builder has the context file ``path`` (the last COPY that brings it)."""
        folders = self.ctx.is_dir if self.ctx.has_context else None
        return context_target(chain[-1], path, folders)

    def project_root(self, chain: list[Stage], anchor: str) -> str:
        where = self.image_path(chain, anchor)
        if where is None or not where.endswith(f"/{anchor}"):
            raise Unsupported(
                f"`{anchor}` is not copied into the builder (or not where it can be found)",
                code="TST016",
            )
        return where[: -len(anchor) - 1] or "/"

    def check_tests(
        self, chain: list[Stage], steps: list[_Step], root: str, files: Sequence[str]
    ) -> None:
        ignore = (self.ctx.read(".dockerignore") or "").splitlines()
        for path in files:
            if _ignored(path, ignore):
                raise Unsupported(f"`{path}` is excluded by .dockerignore", code="TST017")
            if self.image_path(chain, path) != posixpath.join(root, path):
                raise Unsupported(
                    f"the tests are not copied into the builder (`{path}`)", code="TST016"
                )
        copies = [i for stage in chain for i, _ in _context_copies(stage)]
        order = {i: n for n, i in enumerate(i for stage in chain for i in stage.instructions)}
        last_copy = max((order[i] for i in copies), default=-1)
        for step in steps:
            if data.program_of(step.words) != "rm" or step.order < last_copy:
                continue
            for word in step.words[1:]:
                if word.startswith("-") or "$" in word:
                    continue
                gone = resolve_workdir(step.state.workdir, word)
                if (
                    root == gone
                    or root.startswith(gone.rstrip("/") + "/")
                    or any(
                        posixpath.join(root, f).startswith(gone.rstrip("/") + "/") for f in files
                    )
                ):
                    raise Unsupported(
                        f"the builder deletes `{word}`, which the tests need",
                        self.line(step.inst),
                        code="TST018",
                    )

    # -- rendering --------------------------------------------------------------------------------
    def mounts(self, command: str, steps: list[_Step]) -> list[str]:
        """The cache/secret mounts of the builder's last RUN of the same program."""
        words = analyse(command).commands[0].words
        program = data.program_of(words)
        found: list[str] = []
        for step in steps:
            if data.program_of(step.words) == program:
                found = [
                    f.text
                    for f in step.inst.flags
                    if f.name == "mount"
                    and any(
                        part.strip().lower() in {f"type={t}" for t in SHARED_MOUNTS}
                        for part in (f.value or "").split(",")
                    )
                ] or found
        return found

    def render(self, plan: _Plan, final: Stage) -> Result:
        builder = plan.builder
        steps = self.steps(builder.ancestry())
        as_word = "AS" if self.style.upper else "as"
        eol = self.style.eol
        from_ = self.new("FROM", f"{builder.alias} {as_word} {data.TEST_STAGE}")
        added: list[Node] = [from_]
        explanations = [
            self.codemod.explain(
                f"added a `{data.TEST_STAGE}` stage FROM `{builder.alias}` that runs "
                f"`{plan.command}`",
                f"`docker build --target {data.TEST_STAGE}` runs the tests ({plan.evidence}); "
                f"the default target stays `{final.alias or 'the last stage'}`, which does not "
                "depend on it",
                from_,
            )
        ]
        if plan.recipe.env is not None:
            env = self.new("ENV", plan.recipe.env)
            added.append(env)
            explanations.append(
                self.codemod.explain(
                    f"sets {plan.recipe.env} for the tests",
                    "test runners then run once instead of watching for changes",
                    env,
                )
            )
        assert builder.final_state is not None
        if plan.root != builder.final_state.workdir:
            workdir = self.new("WORKDIR", plan.root)
            added.append(workdir)
            explanations.append(
                self.codemod.explain(
                    f"runs the tests in {plan.root}",
                    "the project's files are there; the builder ends in another directory",
                    workdir,
                )
            )
        for command, what, why in plan.before:
            run = self.new("RUN", command, self.mounts(command, steps))
            added.append(run)
            explanations.append(self.codemod.explain(what, why, run))
        added.append(self.new("RUN", plan.command, self.mounts(plan.command, steps)))
        nodes = list(self.tree.nodes)
        at = next(i for i, n in enumerate(nodes) if n is final.from_)
        while at > 0 and isinstance(nodes[at - 1], Comment):
            at -= 1
        if at > 0 and not isinstance(nodes[at - 1], Blank):
            added.insert(0, Blank("", eol))
        added.append(Blank("", eol))
        nodes[at:at] = added
        tree = self.tree.with_changes(nodes=tuple(nodes))
        return Result(tree, explanations=tuple(explanations))
