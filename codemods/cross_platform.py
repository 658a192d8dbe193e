"""cross-platform: build stages run on ``$BUILDPLATFORM`` and compile for ``$TARGETPLATFORM``.

Pattern 4 of multi-stage builds: with ``docker buildx build --platform linux/amd64,linux/arm64``
every stage runs on the target platform unless its FROM says ``--platform=$BUILDPLATFORM``;
without it a build stage for another architecture runs under emulation, slowly or not at all.
This codemod moves the stages the image is built from (not the runtime stage) to the build
platform when what they hand to the runtime is provably right for the target:

* Go: ``go build`` gets ``GOOS=$TARGETOS GOARCH=$TARGETARCH`` (and ``ARG TARGETOS TARGETARCH``)
  with cgo off (``CGO_ENABLED=0``, added when the sources are proven cgo-free);
* Java bytecode, JavaScript without native modules (``package-lock.json`` shows no install
  scripts and no os/cpu-specific packages), pure-Python dependencies, a portable .NET publish
  and plain files are the same on every platform, so those stages need no other change.

It skips with a reason when the runtime stage has a RUN (it executes on the target platform,
so the build still needs emulation), when cgo, native modules, compiled wheels, Rust or C/C++
builds, RID-specific .NET publishes or platform binaries copied from a build stage make the
result depend on the machine the build runs on.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from codemods.name_stages import word_spans
from refactor.analysis.model import BuildModel, RunState, Stage, resolve_workdir, substitute
from refactor.analysis.shell import Command, analyse
from refactor.data import platforms as pf
from refactor.data.users import is_windows
from refactor.engine.codemod import Codemod, Context, Explanation, Planner, Result, Unsupported
from refactor.syntax.tree import Dockerfile, Instruction, Node

__all__ = [
    "CrossPlatform",
    "Unsupported",
    "chain_of",
    "commands_of",
    "context_source",
    "effective_words",
    "go_packages",
    "option",
    "under",
]

_TARGET_VARIABLE = re.compile(r"\$\{?TARGET(?:PLATFORM|OS|ARCH|VARIANT)\b")
_CGO_IMPORT = re.compile(r'^\s*import\s+(?:\(\s*[^)]*?)?"C"', re.M)
_C_TOOLCHAIN_PACKAGES = frozenset({"gcc", "g++", "clang", "musl-dev", "build-base", "libc6-dev"})
_SHELLS = frozenset({"sh", "bash", "dash", "ash"})

#: Why each kind of build stage may run on the build machine.
_WHY: Mapping[str, str] = {
    "go": "go build cross-compiles for $TARGETOS/$TARGETARCH without emulation",
    "java": "Java bytecode runs on every platform",
    "node": "its JavaScript output runs on every platform (no native modules)",
    "python": "its Python packages are pure Python",
    "dotnet": "a portable (framework-dependent) .NET publish runs on every platform",
    "files": "it only prepares files that are the same on every platform",
}


# -- helpers shared with dev-target --------------------------------------------------------------
def under(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or inside it."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def chain_of(model: BuildModel, stage: Stage) -> list[Stage]:
    """``stage`` and the stages it derives from (``FROM <stage>``), the root first."""
    chain = [stage]
    while chain[-1].parent is not None:
        chain.append(model.stages[chain[-1].parent])
    return chain[::-1]


def commands_of(inst: Instruction, state: RunState) -> tuple[Command, ...]:
    """The simple commands a RUN executes (shell form, exec form, ``sh -c`` and heredoc
    scripts); raises :class:`Unsupported` when the script cannot be read."""
    if inst.heredocs:
        head = inst.value.split()
        if not head or head[0].startswith("<<") or (len(head) == 2 and head[0] in _SHELLS):
            script = inst.heredocs[0].content
        else:
            raise Unsupported("a RUN feeds a heredoc to a program; cannot read what it does")
    elif inst.is_json:
        words = tuple(inst.values.items)
        inner = _shell_script(words)
        if inner is None:
            return (Command(words, (), state.workdir, " ".join(words)),)
        script = inner
    else:
        script = inst.value
    parsed = analyse(script, state.workdir, state.variables)
    if parsed.opaque or any(c.opaque for c in parsed.commands):
        raise Unsupported("a RUN step cannot be read (opaque shell)")
    out: list[Command] = []
    for cmd in parsed.commands:
        inner = _shell_script(cmd.words)
        if inner is None:
            out.append(cmd)
            continue
        nested = analyse(inner, cmd.cwd or state.workdir, state.variables)
        if nested.opaque or any(c.opaque for c in nested.commands):
            raise Unsupported("a RUN step runs a shell script that cannot be read")
        out.extend(nested.commands)
    return tuple(out)


def _shell_script(words: Sequence[str]) -> str | None:
    """The script of ``sh -c 'script'``, else None."""
    if not words or words[0].rpartition("/")[2] not in _SHELLS:
        return None
    for i, word in enumerate(words[1:], start=1):
        if not word.startswith("-") or word.startswith("--"):
            return None
        if "c" in word[1:]:
            return words[i + 1] if i + 1 < len(words) else None
    return None


def effective_words(cmd: Command) -> tuple[tuple[str, ...], dict[str, str]]:
    """The command's words and assignments, looking through ``env A=B program …``."""
    words = cmd.words
    assignments = dict(cmd.assignments)
    if cmd.name == "env":
        rest = list(words[1:])
        while rest and re.match(r"^[A-Za-z_]\w*=", rest[0]):
            key, _, value = rest.pop(0).partition("=")
            assignments[key] = value
        words = tuple(rest)
    return words, assignments


def context_source(
    chain: Sequence[Stage], path: str, before: Instruction | None = None
) -> str | None:
    """The build-context path (``""`` for the context root) that COPY/ADD instructions of
    ``chain`` (root first) put at the absolute image ``path``, or None when none is known.
    Only instructions before ``before`` count when it is given."""
    found: str | None = None
    for stage in chain:
        for inst, state in zip(stage.instructions, stage.states, strict=True):
            if inst is before:
                return found
            if inst.directive not in ("COPY", "ADD") or inst.flag("from") is not None:
                continue
            items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
            if inst.heredocs or len(items) < 2:
                continue
            match = _copied_from(items[:-1], items[-1], state.workdir, path)
            if match is not None:
                found = match
    return found


def _copied_from(sources: Sequence[str], dest: str, workdir: str, path: str) -> str | None:
    target = resolve_workdir(workdir, dest)
    into_dir = (
        dest.endswith("/")
        or dest in (".", "./")
        or target == workdir  # the WORKDIR exists as a folder
        or len(sources) > 1
        or any("*" in s for s in sources)
    )
    for raw in sources:
        source = raw[2:] if raw.startswith("./") else raw
        if source in (".", ""):
            if under(path, target):
                return posixpath.relpath(path, target) if path != target else ""
            continue
        if "*" in source:
            name = posixpath.basename(path)
            if posixpath.dirname(path) == target and fnmatch.fnmatchcase(
                name, posixpath.basename(source)
            ):
                return posixpath.join(posixpath.dirname(source), name)
            continue
        if source.endswith("/"):
            if under(path, target):
                rel = posixpath.relpath(path, target) if path != target else ""
                return posixpath.join(source.rstrip("/"), rel).rstrip("/")
            continue
        place = posixpath.join(target, posixpath.basename(source)) if into_dir else target
        if under(path, place):
            rel = posixpath.relpath(path, place) if path != place else ""
            return posixpath.join(source, rel).rstrip("/")
    return None


# -- the codemod ---------------------------------------------------------------------------------
class CrossPlatform(Codemod):
    name = "cross-platform"
    description = (
        "Run the build stages on $BUILDPLATFORM (FROM --platform=$BUILDPLATFORM) and compile for "
        "$TARGETPLATFORM where the toolchain cross-compiles without emulation (Go: GOOS=$TARGETOS "
        "GOARCH=$TARGETARCH with cgo off; Java, JavaScript without native modules, pure Python, "
        "portable .NET and plain files need nothing more), so `docker buildx build --platform "
        "linux/amd64,linux/arm64` builds natively; skipped with a reason when a RUN in the "
        "runtime stage, cgo, native modules or compiled code would need emulation."
    )
    default = False

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: _CrossBuild(self, tree, ctx).run())


@dataclass
class _GoBuild:
    stage: Stage
    inst: Instruction
    state: RunState
    cmd: Command
    words: tuple[str, ...]
    assignments: dict[str, str]


@dataclass
class _StageFacts:
    kinds: dict[int, set[str]] = field(default_factory=dict)  # stage index -> _WHY keys
    go_builds: list[_GoBuild] = field(default_factory=list)
    node_installs: list[tuple[Stage, Instruction, Command]] = field(default_factory=list)
    python_installs: list[tuple[Stage, Instruction, Command]] = field(default_factory=list)
    downloads: list[tuple[str, str, int | None]] = field(default_factory=list)  # dest, url, line


class _CrossBuild(Planner[CrossPlatform]):
    def __init__(self, codemod: CrossPlatform, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree, ctx)
        self.fetching = False  # whether the RUN being read downloads something

    # -- which stages run where ---------------------------------------------------------------
    def run(self) -> Result:
        model = self.model
        if not model.stages:
            raise Unsupported("the file has no FROM")
        final = model.stage(self.ctx.target) if self.ctx.target else model.final
        if final is None:
            raise Unsupported(f"the target stage `{self.ctx.target}` does not exist")
        if self.tree.escape == "`" or any(is_windows(s.image, s.platform) for s in model.stages):
            raise Unsupported("Windows images are not supported")
        self.final = final
        self.runtime = chain_of(model, final)
        runtime_ids = {s.index for s in self.runtime}
        self.build = [model.stages[i] for i in model.needed(final.index) if i not in runtime_ids]
        if not self.build:
            raise Unsupported(
                "no build stage: every stage of the image runs on the target platform"
            )
        self.check_runtime()
        build_ids = {s.index for s in self.build}
        for stage in self.build:
            shared = [s for s in chain_of(model, stage) if s.index in runtime_ids]
            if shared:
                raise Unsupported(
                    f"build stage `{stage.ref}` derives from `{shared[-1].ref}`, which the "
                    "runtime stage also derives from",
                    self.line(stage.from_),
                )
        for edge in model.edges:
            if edge.target in build_ids and edge.source in runtime_ids:
                raise Unsupported(
                    f"build stage `{model.stages[edge.target].ref}` copies from the runtime stage",
                    self.line(edge.instruction),
                )
        self.roots = self.build_roots()
        facts = self.analyse_build()
        self.check_copies(facts)
        if facts.node_installs:
            self.check_node(facts)
        if facts.python_installs:
            self.check_python(facts)
        return self.render(facts)

    def check_runtime(self) -> None:
        for stage in self.runtime:
            for inst in stage.instructions:
                if inst.directive == "RUN":
                    raise Unsupported(
                        f"a RUN in the runtime stage `{stage.ref}` executes on the target "
                        "platform, so building for another platform needs emulation",
                        self.line(inst),
                    )
        platform = self.runtime[0].platform
        if platform is not None and platform not in ("$TARGETPLATFORM", "${TARGETPLATFORM}"):
            raise Unsupported(
                f"the runtime stage pins --platform={platform}", self.line(self.runtime[0].from_)
            )

    def build_roots(self) -> list[Stage]:
        """The build stages built FROM an image (their descendants inherit the platform)."""
        roots: list[Stage] = []
        for stage in self.build:
            root = chain_of(self.model, stage)[0]
            if root in roots or (root.image is not None and root.image.is_scratch):
                continue
            if not self.codemod.allowed(self.tree, root.from_):
                raise Unsupported(
                    f"opted out (# msb-migrate: skip={self.codemod.name})", self.line(root.from_)
                )
            if root.platform is not None and root.platform not in pf.BUILD_PLATFORM_SPELLINGS:
                raise Unsupported(
                    f"build stage `{root.ref}` pins --platform={root.platform}",
                    self.line(root.from_),
                )
            roots.append(root)
        return roots

    def moved(self, stage: Stage) -> bool:
        """Whether the codemod moves ``stage`` to the build platform (it is not there yet)."""
        root = chain_of(self.model, stage)[0]
        return root in self.roots and root.platform is None

    # -- what the build stages do --------------------------------------------------------------
    def analyse_build(self) -> _StageFacts:
        facts = _StageFacts()
        for stage in self.build:
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst.directive == "RUN":
                    try:
                        commands = commands_of(inst, state)
                    except Unsupported as exc:
                        raise Unsupported(exc.reason, self.line(inst)) from None
                    self.fetching = any(
                        effective_words(c)[0][:1]
                        and effective_words(c)[0][0].rpartition("/")[2] in pf.DOWNLOADERS
                        for c in commands
                    )
                    for cmd in commands:
                        self.classify(stage, inst, state, cmd, facts)
                elif inst.directive == "ADD" and inst.flag("from") is None:
                    items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
                    for url in items[:-1]:
                        if re.match(r"^https?://", url):
                            dest = resolve_workdir(state.workdir, items[-1])
                            facts.downloads.append((dest, url, self.line(inst)))
                if self.moved(stage):
                    self.check_target_variables(inst, facts)
        return facts

    def classify(
        self, stage: Stage, inst: Instruction, state: RunState, cmd: Command, facts: _StageFacts
    ) -> None:
        words, assignments = effective_words(cmd)
        if not words:
            return
        name = words[0].rpartition("/")[2]
        args = words[1:]
        line = self.line(inst)
        kinds = facts.kinds.setdefault(stage.index, set())
        if pf.arch_probe(words):
            raise Unsupported(
                f"build stage `{stage.ref}` asks the machine for its architecture "
                f"(`{' '.join(words)}`), which changes on the build platform",
                line,
            )
        if name in pf.NATIVE_TOOLCHAINS:
            raise Unsupported(
                f"build stage `{stage.ref}` runs `{name}`: {pf.NATIVE_TOOLCHAINS[name]}", line
            )
        if name in pf.RUNTIME_BUNDLERS:
            raise Unsupported(f"{pf.RUNTIME_BUNDLERS[name]} (`{name}`)", line)
        if name == "go":
            if args[:1] == ("build",):
                facts.go_builds.append(_GoBuild(stage, inst, state, cmd, words, assignments))
                kinds.add("go")
            elif args[:1] == ("install",):
                raise Unsupported(
                    "`go install` puts cross-compiled programs in $GOPATH/bin/<os>_<arch> (or "
                    "refuses with GOBIN set): use `go build -o` to cross-compile",
                    line,
                )
            return
        if name == "dotnet":
            if args[:1] in (("publish",), ("build",)):
                self.check_dotnet(words, line)
                kinds.add("dotnet")
            return
        if name in ("mvn", "mvnw", "gradle", "gradlew"):
            native = [w for w in args if any(goal in w for goal in pf.JAVA_NATIVE_GOALS)]
            if native:
                raise Unsupported(
                    f"`{name} {native[0]}` makes native code or a runtime image of the build "
                    "machine",
                    line,
                )
            kinds.add("java")
            return
        if name in pf.NODE_INSTALLS:
            first = args[0] if args else ""
            if first in pf.NODE_INSTALLS[name] or (first.startswith("-") and name == "yarn"):
                if "-g" in args or "--global" in args:
                    return  # a global tool for the build (copies from /usr/local/lib are refused)
                facts.node_installs.append((stage, inst, cmd))
            kinds.add("node")
            return
        if self.python_install(words):
            facts.python_installs.append((stage, inst, cmd))
            kinds.add("python")
            return
        if name in pf.DOWNLOADERS:
            self.download(cmd, words, state, facts, line)
            return
        extracting = bool(args) and "x" in args[0].lstrip("-") and not args[0].startswith("--")
        if name == "tar" and self.fetching and extracting:
            target = option(words, "-C", "--directory") or cmd.cwd or state.workdir
            facts.downloads.append((resolve_workdir(cmd.cwd or "/", target), "", line))
            return
        if name in pf.NEUTRAL_TOOLS or name in pf.PACKAGE_INSTALLERS:
            if name in ("java", "javac", "jar", "kotlinc", "sbt", "ant"):
                kinds.add("java")
            return
        outputs = {out for build in facts.go_builds for out in self.go_outputs(build)}
        program = resolve_workdir(cmd.cwd or "/", words[0]) if "/" in words[0] else None
        if program in outputs or name in {posixpath.basename(o) for o in outputs}:
            raise Unsupported(
                f"the build runs `{words[0]}`, which go build would compile for the target "
                "platform",
                line,
            )
        raise Unsupported(
            f"build stage `{stage.ref}` runs `{name}`; cannot tell whether what it makes "
            "depends on the platform",
            line,
        )

    @staticmethod
    def python_install(words: tuple[str, ...]) -> bool:
        name = words[0].rpartition("/")[2]
        if re.fullmatch(r"python[\d.]*", name):
            if words[1:3] == ("-m", "pip"):
                return "install" in words[3:4]
            return any(w.endswith("setup.py") for w in words[1:2]) and bool(
                {"install", "build", "build_ext", "bdist_wheel", "develop"} & set(words[2:])
            )
        if re.fullmatch(r"pip[\d.]*", name):
            return "install" in words[1:2]
        subs = pf.PYTHON_INSTALLS.get(name)
        return subs is not None and bool(words[1:2]) and words[1] in subs

    def download(
        self,
        cmd: Command,
        words: tuple[str, ...],
        state: RunState,
        facts: _StageFacts,
        line: int | None,
    ) -> None:
        urls = [w for w in words[1:] if re.match(r"^https?://", w)]
        cwd = cmd.cwd or state.workdir
        name = words[0].rpartition("/")[2]
        if name == "curl":
            output = option(words, "-o", "--output")
        else:
            output = option(words, "-O", "--output-document")
        if name == "wget" and output is None:
            folder = option(words, "-P", "--directory-prefix")
            if folder is not None:
                output = posixpath.join(folder, posixpath.basename(urls[0])) if urls else folder
        if name == "curl" and output is None and ("-O" in words or "--remote-name" in words):
            output = posixpath.basename(urls[0]) if urls else None
        if name == "wget" and output is None and urls:
            output = posixpath.basename(urls[0])
        if output in (None, "-"):
            return  # to standard output: a pipe into a tool (its extraction is tracked)
        dest = resolve_workdir(cwd, output or "")
        for url in urls or [""]:
            facts.downloads.append((dest, url, line))

    def check_target_variables(self, inst: Instruction, facts: _StageFacts) -> None:
        """A stage that moves to the build platform must not use TARGET* for anything but the
        go build wiring: elsewhere it would name the target while running on the build."""
        if inst.directive == "ARG":
            return
        if inst.directive == "ENV":
            items = inst.values.items
            pairs = [(items[i], items[i + 1]) for i in range(0, len(items) - 2, 3)]
            if all(
                key in ("GOOS", "GOARCH") for key, value in pairs if _TARGET_VARIABLE.search(value)
            ):
                return
        text = inst.logical
        if inst.directive == "RUN":
            for build in facts.go_builds:
                if build.inst is inst:
                    for key in ("GOOS", "GOARCH"):
                        value = build.assignments.get(key, "")
                        text = text.replace(f"{key}={value}", "", 1)
        if _TARGET_VARIABLE.search(text):
            raise Unsupported(
                f"`{inst.logical.strip()[:60]}` uses a TARGET* variable: on the build platform "
                "it would name the target while running on the build machine",
                self.line(inst),
            )

    def check_dotnet(self, words: tuple[str, ...], line: int | None) -> None:
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
                    )
            prop = re.match(r"^[-/]p(?:roperty)?:(\w+)=(\S*)", word, re.I)
            if (
                prop is not None
                and prop.group(1).lower() in {p.lower() for p in pf.DOTNET_NATIVE_PROPERTIES}
                and prop.group(2).lower() != "false"
            ):
                raise Unsupported(f"`{word}` makes the .NET output platform-specific", line)
        projects = [
            p
            for ext in ("csproj", "fsproj", "vbproj", "props")
            for p in self.ctx.glob(f"**/*.{ext}")
        ]
        texts = [self.ctx.read(p) or "" for p in projects]
        if not any("<Project" in t for t in texts):
            raise Unsupported(
                "cannot read the .NET project file to prove the publish is portable", line
            )
        for path, text in zip(projects, texts, strict=True):
            for prop in pf.DOTNET_NATIVE_PROPERTIES:
                if re.search(rf"<{prop}s?>\s*(?!false)[^<]", text, re.I):
                    raise Unsupported(f"{path} sets {prop}: the output is platform-specific", line)
        start = self.model.entrypoint(self.final) or self.model.cmd(self.final)
        first = start[0] if isinstance(start, list) and start else str(start or "").split(" ")[0]
        if posixpath.basename(first) != "dotnet":
            raise Unsupported(
                f"the runtime starts `{first}`, a native apphost built for the build platform "
                "(start it with `dotnet <app>.dll`)",
                line,
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
        out = []
        for edge in self.model.edges:
            if edge.kind == "copy" and edge.source in needed and edge.target in needed:
                items = edge.instruction.values.items
                out.extend(resolve_workdir("/", item) for item in items[:-1])
        return out

    def check_copies(self, facts: _StageFacts) -> None:
        outputs = {out for build in facts.go_builds for out in self.go_outputs(build)}
        for path, inst, stage in self.runtime_copies():
            if any(under(path, d) for d in pf.NEUTRAL_DATA) or path in outputs:
                continue
            if any(under(path, d) or under(d, path) for d in pf.PLATFORM_BINARIES):
                raise Unsupported(
                    f"the runtime copies `{path}` from build stage `{stage.ref}`: programs and "
                    "libraries there are built for the build platform",
                    self.line(inst),
                )
        copied = self.all_copies()
        for dest, url, line in facts.downloads:
            if url and url.lower().split("?", 1)[0].endswith(pf.NEUTRAL_DOWNLOADS):
                continue
            reached = [p for p in copied if under(dest, p) or under(p, dest)]
            if reached:
                what = f"downloads `{url}`" if url else "unpacks a download"
                raise Unsupported(
                    f"the build {what} into `{dest}`, which reaches the runtime: it may be "
                    "made for one platform",
                    line,
                )

    # -- Node.js -------------------------------------------------------------------------------
    def check_node(self, facts: _StageFacts) -> None:
        copies = [path for path, _, _ in self.runtime_copies()]
        installs = []
        for stage, inst, cmd in facts.node_installs:
            cwd = cmd.cwd or stage.state_of(inst).workdir
            if any("node_modules" in p or ".next/standalone" in p or under(cwd, p) for p in copies):
                installs.append((stage, inst, cmd, cwd))
        for stage, inst, cmd, cwd in installs:
            chain = chain_of(self.model, stage)
            line = self.line(inst)
            manifest = context_source(chain, posixpath.join(cwd, "package.json"), before=inst)
            if manifest is None:
                raise Unsupported(
                    f"cannot tell which package.json of the context `{cmd.text}` installs, so "
                    "native modules cannot be ruled out",
                    line,
                )
            folder = posixpath.dirname(manifest)
            self.check_package(folder, self.production_install(stage, inst, cmd), line)

    def production_install(self, stage: Stage, inst: Instruction, cmd: Command) -> bool:
        """Whether only production dependencies stay installed (flags, NODE_ENV, a prune)."""
        if any(flag in cmd.words for flag in pf.NODE_PRODUCTION_FLAGS):
            return True
        if stage.state_of(inst).env.get("NODE_ENV") == "production":
            return True
        for other in self.build:
            for run, state in zip(other.instructions, other.states, strict=True):
                if run.directive != "RUN":
                    continue
                for later in commands_of(run, state):
                    prune = later.name == "npm" and later.words[1:2] == ("prune",)
                    if prune and any(f in later.words for f in pf.NODE_PRODUCTION_FLAGS):
                        return True
        return False

    def check_package(self, folder: str, production: bool, line: int | None) -> None:
        def path(name: str) -> str:
            return posixpath.join(folder, name) if folder else name

        text = self.ctx.read(path("package.json"))
        if text is None:
            raise Unsupported(
                f"cannot read {path('package.json')} to rule out native modules", line
            )
        try:
            package = json.loads(text)
        except ValueError:
            raise Unsupported(f"{path('package.json')} is not valid JSON", line) from None
        scripts = package.get("scripts") or {}
        hooks = [s for s in ("preinstall", "install", "postinstall") if s in scripts]
        if hooks:
            raise Unsupported(
                f"package.json has an `{hooks[0]}` script, which may build native code", line
            )
        if self.ctx.exists(path("binding.gyp")):
            raise Unsupported("the project is a native addon (binding.gyp)", line)
        groups = ("dependencies", "optionalDependencies", "devDependencies")
        if not any(package.get(g) for g in groups):
            return
        lock_text = self.ctx.read(path("package-lock.json")) or self.ctx.read(
            path("npm-shrinkwrap.json")
        )
        if lock_text is None:
            other = next(
                (f for f in ("yarn.lock", "pnpm-lock.yaml") if self.ctx.exists(path(f))), None
            )
            if other:
                raise Unsupported(
                    f"cannot tell from {other} which packages run install scripts or are "
                    "platform-specific",
                    line,
                )
            raise Unsupported("no package-lock.json: native modules cannot be ruled out", line)
        try:
            lock = json.loads(lock_text)
        except ValueError:
            raise Unsupported("package-lock.json is not valid JSON", line) from None
        packages = lock.get("packages")
        if not isinstance(packages, dict):
            raise Unsupported(
                "package-lock.json v1 does not record install scripts: native modules cannot "
                "be ruled out",
                line,
            )
        for key, info in packages.items():
            if not key or not isinstance(info, dict) or (production and info.get("dev")):
                continue
            name = key.rpartition("node_modules/")[2]
            if info.get("hasInstallScript"):
                raise Unsupported(
                    f"`{name}` runs an install script: it may build a native module for the "
                    "build platform",
                    line,
                )
            if info.get("cpu") or info.get("os"):
                raise Unsupported(
                    f"`{name}` is made for particular platforms (os/cpu in package-lock.json)",
                    line,
                )

    # -- Python --------------------------------------------------------------------------------
    def check_python(self, facts: _StageFacts) -> None:
        for stage, inst, cmd in facts.python_installs:
            words, _ = effective_words(cmd)
            chain = chain_of(self.model, stage)
            line = self.line(inst)
            cwd = cmd.cwd or stage.state_of(inst).workdir
            name = words[0].rpartition("/")[2]
            if re.fullmatch(r"python[\d.]*", name) and words[1:3] == ("-m", "pip"):
                words, name = ("pip", *words[3:]), "pip"
            if re.fullmatch(r"pip[\d.]*", name):
                names = self.pip_names(words[2:], chain, inst, cwd, line)
            elif name == "poetry":
                names = self.locked_wheels(chain, inst, cwd, "poetry.lock", line)
            elif name == "uv":
                names = self.locked_wheels(chain, inst, cwd, "uv.lock", line)
            elif name == "pipenv":
                names = self.pipfile_names(chain, inst, cwd, "--dev" in words, line)
            else:
                raise Unsupported(
                    f"cannot tell whether `{cmd.text}` installs compiled packages", line
                )
            self.check_pure(names, line)

    def read_from(
        self, chain: Sequence[Stage], inst: Instruction, cwd: str, file: str, line: int | None
    ) -> tuple[str, str]:
        rel = context_source(chain, resolve_workdir(cwd, file), before=inst)
        text = self.ctx.read(rel) if rel is not None else None
        if rel is None or text is None:
            raise Unsupported(f"cannot read {file} to rule out compiled Python packages", line)
        return rel, text

    def pip_names(
        self,
        args: Sequence[str],
        chain: Sequence[Stage],
        inst: Instruction,
        cwd: str,
        line: int | None,
    ) -> list[str]:
        names: list[str] = []
        skip_value = {
            "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
            "--cache-dir", "--progress-bar", "--upgrade-strategy", "--root", "--prefix",
            "--src", "-c", "--constraint",
        }  # fmt: skip
        i = 0
        while i < len(args):
            word = args[i]
            if word in ("-r", "--requirement") and i + 1 < len(args):
                rel, text = self.read_from(chain, inst, cwd, args[i + 1], line)
                names.extend(self.requirement_names(rel, text, line))
                i += 2
                continue
            if word in skip_value:
                i += 2
                continue
            if word in ("-t", "--target", "--platform", "--python-version"):
                raise Unsupported(f"`pip install {word}` is not supported here", line)
            if word.startswith("-"):
                i += 1
                continue
            names.append(self.requirement_name(word, line))
            i += 1
        return names

    def requirement_names(self, rel: str, text: str, line: int | None) -> list[str]:
        names: list[str] = []
        joined = re.sub(r"\\\r?\n", " ", text)
        for raw in joined.splitlines():
            entry = re.sub(r"(^|\s)#.*$", "", raw).strip()
            if not entry:
                continue
            if entry.startswith(("-r ", "--requirement")):
                nested = entry.split(None, 1)[1] if " " in entry else entry.split("=", 1)[1]
                path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), nested.strip()))
                text_nested = self.ctx.read(path)
                if text_nested is None:
                    raise Unsupported(f"cannot read {path} to rule out compiled packages", line)
                names.extend(self.requirement_names(path, text_nested, line))
                continue
            if entry.startswith(("-c ", "--constraint", "--index-url", "-i ", "--extra-index")):
                continue
            if entry.startswith("-"):
                raise Unsupported(f"{rel} has `{entry.split()[0]}`: cannot check it", line)
            names.append(self.requirement_name(entry.split(";", 1)[0].split()[0], line))
        return names

    @staticmethod
    def requirement_name(spec: str, line: int | None) -> str:
        if "[" in spec:
            raise Unsupported(f"`{spec}` asks for extras, which may be compiled packages", line)
        found = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[=<>!~]|$)", spec)
        if found is None or "/" in spec or spec.startswith("."):
            raise Unsupported(
                f"`{spec}` is a local project, file or URL: cannot prove it is pure Python", line
            )
        return pf.normalise_python_name(found.group(1))

    def locked_wheels(
        self, chain: Sequence[Stage], inst: Instruction, cwd: str, lock: str, line: int | None
    ) -> list[str]:
        """Packages of poetry.lock/uv.lock whose wheels are all ``-none-any`` (else raises)."""
        _, text = self.read_from(chain, inst, cwd, lock, line)
        for block in re.split(r"^\[\[package\]\]\s*$", text, flags=re.M)[1:]:
            name = re.search(r'^name = "([^"]+)"', block, re.M)
            label = name.group(1) if name else "a package"
            if re.search(r"^source = \{ *(?:editable|virtual) = \"\.\"", block, re.M):
                continue  # the project itself
            wheels = re.findall(r'([\w.+-]+\.whl)"', block)
            if not wheels:
                raise Unsupported(
                    f"`{label}` has no wheel in {lock}: it is built on the build platform", line
                )
            compiled = [w for w in wheels if not w.endswith("-none-any.whl")]
            if compiled:
                raise Unsupported(
                    f"`{label}` ships compiled wheels ({compiled[0]}): the build platform's "
                    "one would be installed",
                    line,
                )
        return []

    def pipfile_names(
        self, chain: Sequence[Stage], inst: Instruction, cwd: str, dev: bool, line: int | None
    ) -> list[str]:
        _, text = self.read_from(chain, inst, cwd, "Pipfile.lock", line)
        try:
            data = json.loads(text)
        except ValueError:
            raise Unsupported("Pipfile.lock is not valid JSON", line) from None
        groups = ("default", "develop") if dev else ("default",)
        return [pf.normalise_python_name(n) for g in groups for n in (data.get(g) or {})]

    @staticmethod
    def check_pure(names: Iterable[str], line: int | None) -> None:
        todo = list(names)
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if name not in pf.PURE_PYTHON:
                raise Unsupported(
                    f"`{name}` is not known to be pure Python: a compiled wheel would be the "
                    "build platform's",
                    line,
                )
            todo.extend(pf.PURE_PYTHON[name])

    # -- Go ------------------------------------------------------------------------------------
    def go_outputs(self, build: _GoBuild) -> list[str]:
        cwd = build.cmd.cwd or build.state.workdir
        output = option(build.words, "-o")
        if output:
            path = resolve_workdir(cwd, output)
            return [path, *([] if not output.endswith("/") else [path + "/*"])]
        packages = go_packages(build.words)
        name = (
            posixpath.basename(packages[0]) if packages and packages[0] not in (".", "./") else ""
        )
        return [resolve_workdir(cwd, name or posixpath.basename(cwd))]

    def cgo_unproven(self, facts: _StageFacts) -> str | None:
        """Why the Go sources may use cgo, or None when they are proven cgo-free."""
        if not self.ctx.has_context:
            return "no build context to prove the Go sources do not use cgo (CGO_ENABLED unset)"
        sources = self.ctx.glob("**/*.go")
        if not sources:
            return "no Go sources in the context to prove they do not use cgo"
        for path in sources:
            if _CGO_IMPORT.search(self.ctx.read(path) or ""):
                return f'{path} uses cgo (import "C"): cross-compiling needs a C cross-compiler'
        for stage in self.build:
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst.directive != "RUN":
                    continue
                for cmd in commands_of(inst, state):
                    if cmd.name in pf.PACKAGE_INSTALLERS and any(
                        w in _C_TOOLCHAIN_PACKAGES or w.endswith("-dev") for w in cmd.words
                    ):
                        return "the build installs a C toolchain: the program may use cgo"
        return None

    def plan_go(
        self, facts: _StageFacts
    ) -> tuple[dict[int, list[tuple[_GoBuild, str]]], dict[int, set[str]]]:
        """Per RUN, the go builds and the assignments to add; per stage, the ARGs it needs."""
        edits: dict[int, list[tuple[_GoBuild, str]]] = {}
        args: dict[int, set[str]] = {}
        proof: str | None = None
        proved = False
        for build in facts.go_builds:
            line = self.line(build.inst)
            env = _raw_env(self.model, build.stage, build.inst)
            given = {**env, **build.assignments}
            if "-race" in build.words or "-msan" in build.words:
                raise Unsupported("`go build -race` needs cgo", line)
            goarch, goos = given.get("GOARCH"), given.get("GOOS")
            if goarch is not None and "TARGETARCH" not in goarch:
                raise Unsupported(f"the go build pins GOARCH={goarch}", line)
            if goos is not None and "TARGETOS" not in goos and goos != "linux":
                raise Unsupported(f"the go build targets GOOS={goos}", line)
            cgo = build.assignments.get("CGO_ENABLED", build.state.env.get("CGO_ENABLED"))
            add: list[str] = []
            if cgo is None:
                if not proved:
                    proof, proved = self.cgo_unproven(facts), True
                if proof is not None:
                    raise Unsupported(proof, line)
                add.append("CGO_ENABLED=0")
            elif cgo != "0":
                raise Unsupported(
                    f"cgo is on (CGO_ENABLED={cgo}): cross-compiling needs a C cross-compiler "
                    "for every target",
                    line,
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
                args.setdefault(build.stage.index, set()).update(missing)
            if add:
                edits.setdefault(id(build.inst), []).append((build, " ".join(add)))
        return edits, args

    # -- rendering -----------------------------------------------------------------------------
    def render(self, facts: _StageFacts) -> Result:
        edits, args = self.plan_go(facts)
        style = self.tree.style
        replace: dict[int, Node] = {}
        after: dict[int, Node] = {}
        explanations: list[Explanation] = []
        for root in self.roots:
            if root.platform is not None:
                continue
            new_from = root.from_.with_flag(f"--platform={pf.BUILD_PLATFORM}", first=True)
            replace[id(root.from_)] = new_from
            family = [s for s in self.build if chain_of(self.model, s)[0] is root]
            kinds = sorted({k for s in family for k in facts.kinds.get(s.index, ())} or {"files"})
            why = "; ".join(_WHY[k] for k in kinds)
            explanations.append(
                self.codemod.explain(
                    f"build stage `{root.ref}` runs on $BUILDPLATFORM",
                    f"it runs natively on the build machine for every target: {why}",
                    new_from,
                )
            )
        for index, names in sorted(args.items()):
            stage = self.model.stages[index]
            ordered = [n for n in ("TARGETOS", "TARGETARCH") if n in names]
            arg = Instruction.create("ARG", " ".join(ordered), style=style)
            after[id(stage.from_)] = arg
            explanations.append(
                self.codemod.explain(
                    f"declared ARG {' '.join(ordered)} in stage `{stage.ref}`",
                    "BuildKit sets them to the platform being built; the go build reads them",
                    arg,
                )
            )
        for builds in edits.values():
            inst = builds[0][0].inst
            new_run = self.edit_run(inst, builds)
            replace[id(inst)] = new_run
            explanations.append(
                self.codemod.explain(
                    f"go build compiles for the target ({', '.join(a for _, a in builds)})",
                    "Go cross-compiles pure Go code without emulation; CGO_ENABLED=0 keeps it "
                    "pure Go",
                    new_run,
                )
            )
        if not replace and not after:
            raise Unsupported(
                "the build stages already run on $BUILDPLATFORM and compile for the target"
            )
        nodes: list[Node] = []
        for node in self.tree.nodes:
            nodes.append(replace.get(id(node), node))
            if id(node) in after:
                nodes.append(after[id(node)])
        return Result(self.tree.with_changes(nodes=tuple(nodes)), explanations=tuple(explanations))

    def edit_run(self, inst: Instruction, builds: list[tuple[_GoBuild, str]]) -> Instruction:
        """Insert the assignments right before each ``go`` word of the RUN's raw text."""
        line = self.line(inst)
        if inst.heredocs or inst.is_json:
            raise Unsupported("cannot edit a go build in a heredoc or exec-form RUN", line)
        raw = inst.args
        spans = word_spans(raw, inst.escape)
        words = [raw[a:b] for a, b in spans]
        starts = [
            spans[i][0]
            for i in range(len(words) - 1)
            if words[i].rpartition("/")[2] == "go" and words[i + 1] == "build"
        ]
        all_builds = [
            c
            for c in commands_of(inst, builds[0][0].state)
            if effective_words(c)[0][:1]
            and effective_words(c)[0][0].rpartition("/")[2] == "go"
            and effective_words(c)[0][1:2] == ("build",)
        ]
        if len(starts) != len(all_builds):
            raise Unsupported("cannot find each go build in the RUN text to edit it", line)
        inserts = {starts[all_builds.index(build.cmd)]: text for build, text in builds}
        for start in sorted(inserts, reverse=True):
            raw = raw[:start] + inserts[start] + " " + raw[start:]
        return inst.with_args(raw)


def option(words: Sequence[str], *names: str) -> str | None:
    """The value of the last ``-o X`` / ``--output=X`` option."""
    found = None
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                found = words[i + 1]
            elif name.startswith("--") and word.startswith(name + "="):
                found = word[len(name) + 1 :]
    return found


def go_packages(words: Sequence[str]) -> list[str]:
    """The package operands of ``go build`` (flag values skipped)."""
    out: list[str] = []
    i = 2
    while i < len(words):
        word = words[i]
        if word in pf.GO_BUILD_VALUE_FLAGS:
            i += 2
            continue
        if not word.startswith("-"):
            out.append(word)
        i += 1
    return out


def _raw_env(model: BuildModel, stage: Stage, before: Instruction) -> dict[str, str]:
    """ENV values as written (variables unexpanded) in ``stage``'s chain before ``before``."""
    env: dict[str, str] = {}
    for current in chain_of(model, stage):
        for inst in current.instructions:
            if inst is before:
                return env
            if inst.directive == "ENV":
                items = inst.values.items
                for i in range(0, len(items) - 2, 3):
                    env[items[i]] = items[i + 1]
    return env
