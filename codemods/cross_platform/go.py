"""Go: ``go build`` cross-compiles pure Go code, so its stage moves once it is wired.

A go build is wired with ``GOOS=$TARGETOS GOARCH=$TARGETARCH`` (whichever it does not set
already, from the RUN or the stage's ENV as written) and ``CGO_ENABLED=0`` when cgo is unset
and the sources are proven cgo-free (no ``import "C"`` in the context, no C toolchain
installed); the stage declares ``ARG TARGETOS TARGETARCH`` when it does not. The assignments
are inserted right before each ``go`` word of the RUN's raw text, so the rest of the line
keeps its layout. ``go install`` is refused: cross-compiled, it writes to
``$GOPATH/bin/<os>_<arch>`` (or refuses with GOBIN set).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codemods.cross_platform.facts import BuildFacts, Step, Toolchain
from refactor.analysis.crossbuild import raw_env
from refactor.analysis.model import resolve_workdir
from refactor.analysis.semantics import option, word_spans
from refactor.data import platforms as pf
from refactor.engine.codemod import Unsupported
from refactor.syntax.tree import Instruction

if TYPE_CHECKING:
    from codemods.cross_platform.planner import CrossBuild

__all__ = ["Go", "Wiring", "edit_run", "outputs", "refuse_own_program", "wire"]


class Go(Toolchain):
    kind = "go"

    def classify(self, plan: CrossBuild, step: Step, facts: BuildFacts) -> bool:
        if step.name != "go":
            return False
        if step.args[:1] == ("build",):
            facts.go_builds.append(step)
            facts.kinds[step.stage.index].add(self.kind)
        elif step.args[:1] == ("install",):
            raise Unsupported(
                "`go install` puts cross-compiled programs in $GOPATH/bin/<os>_<arch> (or "
                "refuses with GOBIN set): use `go build -o` to cross-compile",
                step.line,
                code="XP013",
            )
        return True


def build_outputs(build: Step) -> list[str]:
    """Where a go build writes its program (a folder output: everything in it)."""
    output = option(build.words, "-o")
    if output:
        path = resolve_workdir(build.cwd, output)
        return [path, *([] if not output.endswith("/") else [path + "/*"])]
    packages = pf.go_packages(build.words)
    name = posixpath.basename(packages[0]) if packages and packages[0] not in (".", "./") else ""
    return [resolve_workdir(build.cwd, name or posixpath.basename(build.cwd))]


def outputs(facts: BuildFacts) -> set[str]:
    """Where the go builds write their programs (compiled for the target once wired)."""
    return {out for build in facts.go_builds for out in build_outputs(build)}


def refuse_own_program(step: Step, facts: BuildFacts) -> None:
    """Refuse a step that runs a program a go build makes: it would be the target's."""
    found = outputs(facts)
    words = step.words
    program = resolve_workdir(step.cmd.cwd or "/", words[0]) if "/" in words[0] else None
    if program in found or step.name in {posixpath.basename(o) for o in found}:
        raise Unsupported(
            f"the build runs `{words[0]}`, which go build would compile for the target platform",
            step.line,
            code="XP016",
        )


def cgo_unproven(plan: CrossBuild) -> str | None:
    """Why the Go sources may use cgo, or None when they are proven cgo-free."""
    ctx = plan.ctx
    if not ctx.has_context:
        return "no build context to prove the Go sources do not use cgo (CGO_ENABLED unset)"
    sources = ctx.glob("**/*.go")
    if not sources:
        return "no Go sources in the context to prove they do not use cgo"
    for path in sources:
        if pf.CGO_IMPORT.search(ctx.read(path) or ""):
            return f'{path} uses cgo (import "C"): cross-compiling needs a C cross-compiler'
    for stage in plan.build:
        for inst, state in zip(stage.instructions, stage.states, strict=True):
            if inst.directive != "RUN":
                continue
            for step in plan.steps_of(stage, inst, state):
                cmd = step.cmd
                if cmd.name in pf.PACKAGE_INSTALLERS and any(
                    w in pf.C_TOOLCHAIN_PACKAGES or w.endswith("-dev") for w in cmd.words
                ):
                    return "the build installs a C toolchain: the program may use cgo"
    return None


@dataclass
class Wiring:
    """What the go builds need: per RUN its builds with the assignments to insert, per stage
    index the ARGs to declare."""

    runs: dict[Instruction, list[tuple[Step, str]]] = field(default_factory=dict)
    args: dict[int, set[str]] = field(default_factory=dict)


def wire(plan: CrossBuild, facts: BuildFacts) -> Wiring:
    """The assignments and ARGs that make every go build compile for the target."""
    wiring = Wiring()
    proof: str | None = None
    proved = False
    for build in facts.go_builds:
        line = build.line
        env = raw_env(build.stage.ancestry(), build.inst)
        given = {**env, **build.assignments}
        if "-race" in build.words or "-msan" in build.words:
            raise Unsupported("`go build -race` needs cgo", line, code="XP021")
        goarch, goos = given.get("GOARCH"), given.get("GOOS")
        if goarch is not None and "TARGETARCH" not in goarch:
            raise Unsupported(f"the go build pins GOARCH={goarch}", line, code="XP022")
        if goos is not None and "TARGETOS" not in goos and goos != "linux":
            raise Unsupported(f"the go build targets GOOS={goos}", line, code="XP022")
        cgo = build.assignments.get("CGO_ENABLED", build.state.env.get("CGO_ENABLED"))
        add: list[str] = []
        if cgo is None:
            if not proved:
                proof, proved = cgo_unproven(plan), True
            if proof is not None:
                raise Unsupported(proof, line, code="XP021")
            add.append("CGO_ENABLED=0")
        elif cgo != "0":
            raise Unsupported(
                f"cgo is on (CGO_ENABLED={cgo}): cross-compiling needs a C cross-compiler "
                "for every target",
                line,
                code="XP021",
            )
        if goos is None:
            add.append("GOOS=$TARGETOS")
        if goarch is None:
            add.append("GOARCH=$TARGETARCH")
        needed = {"TARGETARCH"}
        if goos is None or "TARGETOS" in goos:
            needed.add("TARGETOS")
        missing = needed - set(build.state.args)
        if missing:
            wiring.args.setdefault(build.stage.index, set()).update(missing)
        if add:
            wiring.runs.setdefault(build.inst, []).append((build, " ".join(add)))
    return wiring


def edit_run(plan: CrossBuild, inst: Instruction, builds: list[tuple[Step, str]]) -> Instruction:
    """Insert the assignments right before each ``go`` word of the RUN's raw text."""
    line = plan.line(inst)
    if inst.heredocs or inst.is_json:
        raise Unsupported(
            "cannot edit a go build in a heredoc or exec-form RUN", line, code="XP023"
        )
    raw = inst.args
    spans = word_spans(raw, inst.escape)
    words = [raw[a:b] for a, b in spans]
    starts = [
        spans[i][0]
        for i in range(len(words) - 1)
        if words[i].rpartition("/")[2] == "go" and words[i + 1] == "build"
    ]
    first = builds[0][0]
    all_builds = [
        step.cmd
        for step in plan.steps_of(first.stage, inst, first.state)
        if step.words[:1] and step.name == "go" and step.args[:1] == ("build",)
    ]
    if len(starts) != len(all_builds):
        raise Unsupported(
            "cannot find each go build in the RUN text to edit it", line, code="XP023"
        )
    inserts = {starts[all_builds.index(build.cmd)]: text for build, text in builds}
    for start in sorted(inserts, reverse=True):
        raw = raw[:start] + inserts[start] + " " + raw[start:]
    return inst.with_args(raw)
