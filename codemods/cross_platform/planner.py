"""Which stages run where, what their steps make, and what reaches the runtime.

:class:`CrossBuild` splits the image into the runtime (the target stage and the stages it
derives from, which stay on the target platform) and the build stages it needs, refuses the
shapes where moving them changes the image (a RUN in the runtime, a pinned platform, a build
stage sharing a parent with the runtime or copying from it), then reads every step of the
build stages once. Steps that ask for the architecture, compile native code or bundle a
native runtime are refused outright; the rest go to the toolchains of ``toolchains.py`` in
their order, then to the generic rules (downloads, unpacked archives, tools whose output is
the same everywhere). Anything left unknown is refused: the codemod only moves stages whose
output it can prove portable.
"""

from __future__ import annotations

import posixpath
import re

from codemods.cross_platform import go
from codemods.cross_platform.facts import BuildFacts, Download, Step
from codemods.cross_platform.toolchains import TOOLCHAINS
from refactor.analysis.crossbuild import Unreadable, effective_words, every_command
from refactor.analysis.model import RunState, Stage, resolve_workdir, substitute
from refactor.analysis.semantics import is_windows, option, under
from refactor.data import platforms as pf
from refactor.engine.codemod import Codemod, Context, Planner, Unsupported
from refactor.syntax.tree import Dockerfile, Instruction

__all__ = ["CrossBuild"]


class CrossBuild(Planner[Codemod]):
    """One file's move to the build platform. :meth:`split` sets ``final``, ``runtime``,
    ``build`` and ``roots``; :meth:`analyse` reads the build steps into
    :class:`~codemods.cross_platform.facts.BuildFacts`; the toolchains and the rendering read
    both."""

    def __init__(self, codemod: Codemod, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree, ctx)
        self.fetching = False  # whether the RUN being read downloads something

    # -- which stages run where ---------------------------------------------------------------
    def split(self) -> None:
        """Set ``final``, ``runtime`` (its chain, root first), ``build`` and ``roots``."""
        model = self.model
        if not model.stages:
            raise Unsupported("the file has no FROM", code="XP001")
        final = model.stage(self.ctx.target) if self.ctx.target else model.final
        if final is None:
            raise Unsupported(f"the target stage `{self.ctx.target}` does not exist", code="XP002")
        if self.tree.escape == "`" or any(is_windows(s.image, s.platform) for s in model.stages):
            raise Unsupported("Windows images are not supported", code="XP003")
        self.final = final
        self.runtime = final.ancestry()
        runtime_ids = {s.index for s in self.runtime}
        self.build = [model.stages[i] for i in model.needed(final.index) if i not in runtime_ids]
        if not self.build:
            raise Unsupported(
                "no build stage: every stage of the image runs on the target platform",
                code="XP004",
            )
        self.check_runtime()
        build_ids = {s.index for s in self.build}
        for stage in self.build:
            shared = [s for s in stage.ancestry() if s.index in runtime_ids]
            if shared:
                raise Unsupported(
                    f"build stage `{stage.ref}` derives from `{shared[-1].ref}`, which the "
                    "runtime stage also derives from",
                    self.line(stage.from_),
                    code="XP005",
                )
        for edge in model.edges:
            if edge.target in build_ids and edge.source in runtime_ids:
                raise Unsupported(
                    f"build stage `{model.stages[edge.target].ref}` copies from the runtime stage",
                    self.line(edge.instruction),
                    code="XP005",
                )
        self.roots = self.build_roots()

    def check_runtime(self) -> None:
        for stage in self.runtime:
            for inst in stage.instructions:
                if inst.directive == "RUN":
                    raise Unsupported(
                        f"a RUN in the runtime stage `{stage.ref}` executes on the target "
                        "platform, so building for another platform needs emulation",
                        self.line(inst),
                        code="XP006",
                    )
        platform = self.runtime[0].platform
        if platform is not None and platform not in ("$TARGETPLATFORM", "${TARGETPLATFORM}"):
            raise Unsupported(
                f"the runtime stage pins --platform={platform}",
                self.line(self.runtime[0].from_),
                code="XP007",
            )

    def build_roots(self) -> list[Stage]:
        """The build stages built FROM an image (their descendants inherit the platform)."""
        roots: list[Stage] = []
        for stage in self.build:
            root = stage.ancestry()[0]
            if root in roots or (root.image is not None and root.image.is_scratch):
                continue
            if not self.codemod.allowed(self.tree, root.from_):
                raise Unsupported(
                    f"opted out (# msb-migrate: skip={self.codemod.name})",
                    self.line(root.from_),
                    code="XP008",
                )
            if root.platform is not None and root.platform not in pf.BUILD_PLATFORM_SPELLINGS:
                raise Unsupported(
                    f"build stage `{root.ref}` pins --platform={root.platform}",
                    self.line(root.from_),
                    code="XP007",
                )
            roots.append(root)
        return roots

    def moved(self, stage: Stage) -> bool:
        """Whether the codemod moves ``stage`` to the build platform (it is not there yet)."""
        root = stage.ancestry()[0]
        return root in self.roots and root.platform is None

    # -- what the build stages do --------------------------------------------------------------
    def steps_of(self, stage: Stage, inst: Instruction, state: RunState) -> tuple[Step, ...]:
        """The steps of a RUN of a build stage (raises when the RUN cannot be read)."""
        try:
            commands = every_command(inst, state)
        except Unreadable as exc:
            raise Unsupported(exc.reason, self.line(inst), code="XP009") from None
        out = []
        for cmd in commands:
            words, assignments = effective_words(cmd)
            out.append(Step(stage, inst, state, cmd, words, assignments, self.line(inst)))
        return tuple(out)

    def analyse(self) -> BuildFacts:
        facts = BuildFacts()
        for stage in self.build:
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst.directive == "RUN":
                    steps = self.steps_of(stage, inst, state)
                    self.fetching = any(s.words[:1] and s.name in pf.DOWNLOADERS for s in steps)
                    for step in steps:
                        if step.words:
                            self.classify(step, facts)
                elif inst.directive == "ADD" and inst.flag("from") is None:
                    items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
                    for url in items[:-1]:
                        if re.match(r"^https?://", url):
                            dest = resolve_workdir(state.workdir, items[-1])
                            facts.downloads.append(Download(dest, url, self.line(inst)))
                if self.moved(stage):
                    self.check_target_variables(inst, facts)
        return facts

    def classify(self, step: Step, facts: BuildFacts) -> None:
        name, line = step.name, step.line
        facts.kinds.setdefault(step.stage.index, set())  # the toolchains add to it
        if pf.arch_probe(step.words):
            raise Unsupported(
                f"build stage `{step.stage.ref}` asks the machine for its architecture "
                f"(`{' '.join(step.words)}`), which changes on the build platform",
                line,
                code="XP010",
            )
        if name in pf.NATIVE_TOOLCHAINS:
            raise Unsupported(
                f"build stage `{step.stage.ref}` runs `{name}`: {pf.NATIVE_TOOLCHAINS[name]}",
                line,
                code="XP011",
            )
        if name in pf.RUNTIME_BUNDLERS:
            raise Unsupported(f"{pf.RUNTIME_BUNDLERS[name]} (`{name}`)", line, code="XP012")
        if any(toolchain.classify(self, step, facts) for toolchain in TOOLCHAINS):
            return
        if name in pf.DOWNLOADERS:
            self.download(step, facts)
            return
        args = step.args
        extracting = bool(args) and "x" in args[0].lstrip("-") and not args[0].startswith("--")
        if name == "tar" and self.fetching and extracting:
            target = option(step.words, "-C", "--directory") or step.cwd
            facts.downloads.append(Download(resolve_workdir(step.cmd.cwd or "/", target), "", line))
            return
        if name in pf.NEUTRAL_TOOLS or name in pf.PACKAGE_INSTALLERS:
            return
        go.refuse_own_program(step, facts)
        raise Unsupported(
            f"build stage `{step.stage.ref}` runs `{name}`; cannot tell whether what it makes "
            "depends on the platform",
            line,
            code="XP017",
        )

    def download(self, step: Step, facts: BuildFacts) -> None:
        words = step.words
        urls = [w for w in words[1:] if re.match(r"^https?://", w)]
        if step.name == "curl":
            output = option(words, "-o", "--output")
        else:
            output = option(words, "-O", "--output-document")
        if step.name == "wget" and output is None:
            folder = option(words, "-P", "--directory-prefix")
            if folder is not None:
                output = posixpath.join(folder, posixpath.basename(urls[0])) if urls else folder
        if step.name == "curl" and output is None and ("-O" in words or "--remote-name" in words):
            output = posixpath.basename(urls[0]) if urls else None
        if step.name == "wget" and output is None and urls:
            output = posixpath.basename(urls[0])
        if output in (None, "-"):
            return  # to standard output: a pipe into a tool (its extraction is tracked)
        dest = resolve_workdir(step.cwd, output or "")
        for url in urls or [""]:
            facts.downloads.append(Download(dest, url, step.line))

    def check_target_variables(self, inst: Instruction, facts: BuildFacts) -> None:
        """A stage that moves to the build platform must not use TARGET* for anything but the
        go build wiring: elsewhere it would name the target while running on the build."""
        if inst.directive == "ARG":
            return
        if inst.directive == "ENV":
            items = inst.values.items
            pairs = [(items[i], items[i + 1]) for i in range(0, len(items) - 2, 3)]
            if all(
                key in ("GOOS", "GOARCH")
                for key, value in pairs
                if pf.TARGET_VARIABLE.search(value)
            ):
                return
        text = inst.logical
        if inst.directive == "RUN":
            for build in facts.go_builds:
                if build.inst is inst:
                    for key in ("GOOS", "GOARCH"):
                        value = build.assignments.get(key, "")
                        text = text.replace(f"{key}={value}", "", 1)
        if pf.TARGET_VARIABLE.search(text):
            raise Unsupported(
                f"`{inst.logical.strip()[:60]}` uses a TARGET* variable: on the build platform "
                "it would name the target while running on the build machine",
                self.line(inst),
                code="XP018",
            )

    # -- what reaches the runtime --------------------------------------------------------------
    def runtime_copies(self) -> list[tuple[str, Instruction, Stage]]:
        """(source path, COPY, source stage) of every COPY --from a build stage in the runtime."""
        build_ids = {s.index for s in self.build}
        runtime_ids = {s.index for s in self.runtime}
        out = []
        for edge in self.model.edges:
            if (
                edge.kind != "copy"
                or edge.source not in build_ids
                or edge.target not in runtime_ids
            ):
                continue
            stage = self.model.stages[edge.target]
            state = stage.state_of(edge.instruction)
            items = [
                substitute(w, state.variables, edge.instruction.escape)
                for w in edge.instruction.values.items
            ]
            source_stage = self.model.stages[edge.source]
            for item in items[:-1]:  # COPY --from paths start at the stage's root
                out.append((resolve_workdir("/", item), edge.instruction, source_stage))
        return out

    def all_copies(self) -> list[str]:
        """Source paths of every COPY --from between the stages of the image."""
        needed = set(self.model.needed(self.final.index))
        out: list[str] = []
        for edge in self.model.edges:
            if edge.kind == "copy" and edge.source in needed and edge.target in needed:
                items = edge.instruction.values.items
                out.extend(resolve_workdir("/", item) for item in items[:-1])
        return out

    def check_copies(self, facts: BuildFacts) -> None:
        outputs = go.outputs(facts)
        for path, inst, stage in self.runtime_copies():
            if any(under(path, d) for d in pf.NEUTRAL_DATA) or path in outputs:
                continue
            if any(under(path, d) or under(d, path) for d in pf.PLATFORM_BINARIES):
                raise Unsupported(
                    f"the runtime copies `{path}` from build stage `{stage.ref}`: programs and "
                    "libraries there are built for the build platform",
                    self.line(inst),
                    code="XP019",
                )
        copied = self.all_copies()
        for download in facts.downloads:
            url, dest = download.url, download.dest
            if url and url.lower().split("?", 1)[0].endswith(pf.NEUTRAL_DOWNLOADS):
                continue
            reached = [p for p in copied if under(dest, p) or under(p, dest)]
            if reached:
                what = f"downloads `{url}`" if url else "unpacks a download"
                raise Unsupported(
                    f"the build {what} into `{dest}`, which reaches the runtime: it may be "
                    "made for one platform",
                    download.line,
                    code="XP020",
                )
