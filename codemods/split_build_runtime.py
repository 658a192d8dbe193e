"""split-build-runtime: a single-stage Dockerfile becomes a builder and a minimal runtime stage.

The original stage keeps its base image and every build step and is named ``builder``; a new
``runtime`` stage on the ecosystem's minimal image copies only what the start command runs
(binaries, jars, a virtualenv, the app folder with production dependencies, a static site) and
takes over the runtime metadata (EXPOSE, CMD, ENTRYPOINT, HEALTHCHECK, LABEL, USER…). Whatever
cannot be proven to keep working is skipped with a reason: the runtime must hold every file
the start command needs, every system package the build installed for run time, and nothing
the original did after the build may be lost.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from refactor.analysis.images import ImageRef
from refactor.analysis.model import RunState, resolve_workdir, substitute
from refactor.analysis.shell import Command, analyse
from refactor.data import ecosystems as eco
from refactor.data import java
from refactor.data.distros import distro_of
from refactor.engine.codemod import Codemod, Context, Explanation, Planner, Result, Unsupported
from refactor.syntax.tree import Blank, Comment, Dockerfile, Instruction, Node

BUILDER = "builder"
RUNTIME = "runtime"
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")

#: Instructions that describe how the image runs: they move to the runtime stage.
MOVED = frozenset({"CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "LABEL", "STOPSIGNAL", "VOLUME"})
#: Directories whose contents never reach the runtime (caches, package lists, scratch space).
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/var/lib/apt", "/var/cache", "/root/.cache", "/root/.npm")
#: File-writing commands and how their written paths are found.
FILE_COMMANDS = frozenset(
    {"mkdir", "cp", "mv", "install", "ln", "chmod", "chown", "chgrp", "touch", "sed"}
)
#: Where the split refuses to copy a whole folder (system places, not an app folder).
SYSTEM_ROOTS = frozenset({"/", "/usr", "/usr/local", "/var", "/opt", "/home"})
SYSTEM_DIRS = (
    "/etc",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/usr/share",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/local/lib",
    "/var/lib",
    "/var/cache",
    "/opt/venv",
)
USER_COMMANDS = frozenset({"useradd", "adduser", "groupadd", "addgroup", "usermod"})
PACKAGE_MANAGERS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf"})


@dataclass
class _Run:
    inst: Instruction
    state: RunState
    commands: tuple[Command, ...]
    line: int


@dataclass
class _Copy:
    """A ``COPY --from=builder`` of the runtime stage."""

    source: str
    dest: str
    why: str


@dataclass
class _Plan:
    runtime_image: str
    runtime_why: str
    programs: frozenset[str]  # programs the runtime image provides
    copies: list[_Copy] = field(default_factory=list)
    # builder edits: instruction -> nodes replacing it
    replace: dict[int, list[Node]] = field(default_factory=dict)
    before: dict[int, list[Node]] = field(default_factory=dict)
    after: dict[int, list[Node]] = field(default_factory=dict)
    runtime_head: list[Node] = field(default_factory=list)  # after FROM (ENV, RUN)
    runtime_tail: list[Node] = field(default_factory=list)  # after the copies
    explanations: list[tuple[Node, str, str]] = field(default_factory=list)
    static_site: bool = False  # nginx serves the files with its own CMD
    start: Instruction | None = None  # replaces the original CMD/ENTRYPOINT when set
    port: str | None = None  # the port a static site keeps
    tag_free: bool = False  # the runtime image does not depend on the builder's tag
    has_package_manager: bool = True


class SplitBuildRuntime(Codemod):
    name = "split-build-runtime"
    description = (
        "Split a single-stage Dockerfile into a `builder` stage (the original base image and "
        "build steps) and a minimal `runtime` stage on the ecosystem's slim, distroless or JRE "
        "image that copies only the artifacts the start command runs; skipped with a reason "
        "whenever the runtime cannot be proven to keep working."
    )
    default = True

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: _Splitter(self, tree, ctx).run())


# ---------------------------------------------------------------------------------------------


def _words_of(run: Instruction, state: RunState) -> tuple[Command, ...]:
    """The simple commands of a RUN (shell form, exec form or heredoc script)."""
    if run.heredocs:
        head = run.value.strip()
        words = head.split()
        if (words and words[0].startswith("<<")) or (
            len(words) == 2 and words[0] in ("sh", "bash")
        ):
            return analyse(run.heredocs[0].content, state.workdir, state.variables).commands
        raise Unsupported("a RUN feeds a heredoc to a program; cannot read what it does")
    if run.is_json:
        items = tuple(run.values.items)
        return (Command(items, (), state.workdir, " ".join(items)),)
    return analyse(run.value, state.workdir, state.variables).commands


def _abs(cwd: str | None, path: str) -> str:
    if cwd is None and not path.startswith("/"):
        raise Unsupported(f"cannot tell which directory `{path}` is relative to")
    return resolve_workdir(cwd or "/", path)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _operands(cmd: Command) -> list[str]:
    """Non-option arguments of a command (``--`` ends the options)."""
    out: list[str] = []
    options = True
    for word in cmd.args:
        if options and word == "--":
            options = False
        elif options and word.startswith("-") and word != "-":
            continue
        else:
            out.append(word)
    return out


def _option(cmd: Command, *names: str) -> str | None:
    """The value of ``-o X`` / ``--out=X`` style options (the last one)."""
    found = None
    words = cmd.args
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                found = words[i + 1]
            elif word.startswith(name + "=") and name.startswith("--"):
                found = word[len(name) + 1 :]
            elif len(name) == 2 and word.startswith(name) and len(word) > 2:
                found = word[2:]  # -oPATH
    return found


class _Splitter(Planner[SplitBuildRuntime]):
    def __init__(self, codemod: SplitBuildRuntime, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree.ensure_final_newline(), ctx)

    # -- checks common to every ecosystem --------------------------------------------------------
    def run(self) -> Result:
        model = self.model
        if not model.stages:
            raise Unsupported("the file has no FROM")
        if len(model.stages) > 1:
            raise Unsupported("already multi-stage")
        stage = model.stages[0]
        self.stage = stage
        if not self.codemod.allowed(self.tree, stage.from_):
            raise Unsupported("opted out (# msb-migrate: skip=split-build-runtime)")
        image = stage.image
        if image is None:
            raise Unsupported(
                f"the base image `{stage.base}` is not a plain reference (uses a variable)"
            )
        self.image = image
        text = f"{image.path}:{image.tag or ''}".lower()
        if self.tree.escape == "`" or any(
            w in text for w in ("windows", "nanoserver", "servercore")
        ):
            raise Unsupported(
                "Windows base images (or the Windows escape character `) are not supported"
            )
        if image.is_scratch:
            raise Unsupported("the image is built FROM scratch: there is no build to split")
        if stage.platform is not None:
            raise Unsupported("FROM --platform needs a cross-build aware split (not supported yet)")
        for inst in stage.instructions[1:]:
            if inst.directive in ("ONBUILD", "SHELL"):
                raise Unsupported(
                    f"{inst.directive} is not supported by the split", self.line(inst)
                )
        self.final = stage.final_state
        assert self.final is not None
        self.runs: list[_Run] = []
        for inst, state in zip(stage.instructions, stage.states, strict=True):
            if inst.directive == "RUN":
                commands = _words_of(inst, state)
                if any(c.opaque for c in commands):
                    raise Unsupported("a RUN step cannot be read (opaque shell)", self.line(inst))
                self.runs.append(_Run(inst, state, commands, self.line(inst) or 0))
        self.start = self.start_words()
        self.rewritten: tuple[str, list[str]] | None = None
        self.ecosystem = self.detect()
        plan = self.plan()
        return self.render(plan)

    def all_commands(self) -> list[tuple[_Run, Command]]:
        return [(run, cmd) for run in self.runs for cmd in run.commands]

    def detect(self) -> str:
        by_image = eco.ecosystem_of_image(self.image)
        names = {cmd.name for _, cmd in self.all_commands()}
        if by_image is not None:
            return by_image.name
        if java.jre_for(self.image) is not None:
            return "java"
        distro = distro_of(self.image)
        plain = self.image.hub_name in ("debian", "ubuntu", "buildpack-deps")
        if plain and distro is not None and names & {"make", "cmake", "gcc", "g++", "cc", "c++"}:
            return "c"
        raise Unsupported(
            f"unknown ecosystem for base image `{self.image}` (no builder/runtime pair is known)"
        )

    def start_words(self) -> list[str]:
        """ENTRYPOINT + CMD as the runtime would run them (shell form read as one command)."""
        stage = self.stage
        entry = stage.last("ENTRYPOINT")
        cmd = stage.last("CMD")  # a CMD of the same stage survives a later ENTRYPOINT
        if entry is None and cmd is None:
            raise Unsupported("no CMD or ENTRYPOINT: cannot tell what the runtime runs")
        words: list[str] = []
        for inst in (entry, cmd):
            if inst is None:
                continue
            if inst.is_json:
                words.extend(inst.values.items)
            else:
                state = stage.state_of(inst)
                commands = analyse(inst.value, state.workdir, state.variables).commands
                if len(commands) != 1 or commands[0].opaque:
                    raise Unsupported(
                        f"the start command `{inst.value}` is a shell script too complex to check",
                        self.line(inst),
                    )
                words.extend(commands[0].words)
                if inst is entry:
                    break  # shell-form ENTRYPOINT ignores CMD
        if words and words[0] == "exec":
            words = words[1:]
        if not words:
            raise Unsupported("the start command is empty")
        return words

    def index(self, inst: Instruction) -> int:
        for i, other in enumerate(self.stage.instructions):
            if other is inst:
                return i
        raise ValueError(inst)

    def toolchain_start(self) -> None:
        words = [posixpath.basename(self.start[0]), *self.start[1:]]
        if self.start[0].startswith("./"):
            words[0] = self.start[0]
        for prefix, why in eco.TOOLCHAIN_STARTS:
            if tuple(words[: len(prefix)]) == prefix:
                binary = self.built_equivalent(words)
                if binary is None:
                    raise Unsupported(f"the start command needs the toolchain: {why}")
                self.rewritten = (" ".join(self.start), binary)
                self.start = binary

    def built_equivalent(self, words: list[str]) -> list[str] | None:
        """``go run PKG ARGS`` / ``cargo run --release -- ARGS`` as the binary an identical build
        in the same directory wrote, when there is one (only the start CMD, no ENTRYPOINT)."""
        if self.stage.last("ENTRYPOINT") is not None:
            return None
        workdir = self.final.workdir
        if words[:2] == ["go", "run"] and len(words) > 2 and not words[2].startswith("-"):
            package, args = words[2], words[3:]
            for _, cmd in self.all_commands():
                if cmd.name != "go" or cmd.args[:1] != ("build",) or cmd.cwd != workdir:
                    continue
                output = _option(cmd, "-o")
                rest = [w for w in cmd.args[1:] if w not in ("-o", output, "-trimpath")]
                if output and rest == [package]:
                    return [_abs(workdir, output), *args]
            return None
        if words[:3] == ["cargo", "run", "--release"] and words[3:4] in ([], ["--"]):
            bins = self.cargo_bins()
            built = any(
                c.name == "cargo" and c.args == ("build", "--release") and c.cwd == workdir
                for _, c in self.all_commands()
            )
            if built and len(bins) == 1 and bins[0] != "*":
                return [_abs(workdir, f"target/release/{bins[0]}"), *words[4:]]
        return None

    # -- facts about the build --------------------------------------------------------------------
    def copy_roots(self) -> list[str]:
        """Absolute places the original COPY/ADD instructions wrote build-context files to."""
        roots: list[str] = []
        for inst, state in zip(self.stage.instructions, self.stage.states, strict=True):
            if inst.directive not in ("COPY", "ADD") or inst.flag("from") is not None:
                continue
            items = list(inst.values.items)
            if inst.heredocs or len(items) < 2:
                continue
            dest = substitute(items[-1], state.variables, inst.escape)
            sources = items[:-1]
            path = _abs(state.workdir, dest)
            is_dir = (
                dest.endswith("/")
                or len(sources) > 1
                or any(s in (".", "./") or s.endswith("/") for s in sources)
            )
            if not is_dir and dest in (".", "./"):
                is_dir = True
            roots.append(path if is_dir else posixpath.dirname(path) or "/")
        top: list[str] = []
        for root in sorted(set(roots), key=len):
            if not any(_under(root, t) for t in top):
                top.append(root)
        return top

    def last_build_index(self) -> int:
        """Index (in the stage) of the last RUN that runs a build command of the ecosystem."""
        names = eco.BUILD_COMMANDS[self.ecosystem]
        last = -1
        for run in self.runs:
            if any(c.name in names or c.name.startswith("./") for c in run.commands):
                last = max(last, self.index(run.inst))
        return last

    def packages(self) -> tuple[list[str], list[_Run]]:
        """System packages the build installs that the runtime needs, and user-creating RUNs."""
        needed: list[str] = []
        user_runs: list[_Run] = []
        family = distro_of(self.image)
        for run in self.runs:
            for cmd in run.commands:
                if cmd.name in USER_COMMANDS:
                    if run not in user_runs:
                        user_runs.append(run)
                    continue
                if cmd.name not in PACKAGE_MANAGERS:
                    continue
                ops = _operands(cmd)
                if not ops or ops[0] not in ("install", "add"):
                    continue
                for pkg in ops[1:]:
                    if "$" in pkg:
                        raise Unsupported(
                            f"installs packages named by a variable ({pkg})", run.line
                        )
                    mapped = eco.runtime_package(pkg)
                    if mapped is None:
                        raise Unsupported(
                            f"installs system package `{pkg}`; cannot tell whether the runtime "
                            "needs it (no known runtime mapping)",
                            run.line,
                        )
                    if mapped and family is not None and family.family != "debian":
                        raise Unsupported(
                            f"runtime package mapping for `{pkg}` is known for Debian only",
                            run.line,
                        )
                    needed.extend(p for p in mapped if p not in needed)
        return needed, user_runs

    def check_after_build(self, kept: Sequence[str]) -> None:
        """Every RUN after the build must have no effect the runtime would lose."""
        last = self.last_build_index()
        for run in self.runs:
            if self.index(run.inst) <= last:
                continue
            for cmd in run.commands:
                name = cmd.name
                if name in eco.NEUTRAL_COMMANDS or name in USER_COMMANDS:
                    continue
                if name in PACKAGE_MANAGERS:
                    continue  # installs are judged by packages()
                if name in FILE_COMMANDS:
                    for path in self.written(cmd):
                        if not any(_under(path, k) for k in (*kept, *SCRATCH_DIRS)):
                            raise Unsupported(
                                f"a RUN after the build writes `{path}`, which the runtime "
                                "stage would not have",
                                run.line,
                            )
                    continue
                raise Unsupported(
                    f"a RUN after the build runs `{name}`; cannot tell whether the runtime "
                    "needs its effect",
                    run.line,
                )

    def written(self, cmd: Command) -> list[str]:
        ops = _operands(cmd)
        if cmd.name == "sed":
            if not cmd.has_flag("-i") and not any(w.startswith("-i") for w in cmd.args):
                return []
            ops = ops[1:]
        elif cmd.name in ("chmod", "chown", "chgrp"):
            ops = ops[1:]
        elif cmd.name in ("cp", "mv", "install", "ln") and len(ops) > 1:
            ops = ops[-1:]
        return [_abs(cmd.cwd, op) for op in ops if "$" not in op]

    # -- what the start command runs -----------------------------------------------------------
    def produced(self) -> list[str]:
        """Paths (fnmatch patterns) the build is known to create, besides copied folders."""
        out: list[str] = []
        for run in self.runs:
            for cmd in run.commands:
                out.extend(self.outputs(cmd, run.state.env))
        return out

    def outputs(self, cmd: Command, variables: Mapping[str, str]) -> list[str]:
        """Paths (fnmatch patterns) one build command creates."""
        name = cmd.name
        ops = _operands(cmd)
        cwd = cmd.cwd
        out: list[str] = []
        if name in ("cp", "mv", "install") and len(ops) >= 2:  # not ln: a link needs its target
            dest = _abs(cwd, ops[-1])
            out.append(dest)
            out.extend(posixpath.join(dest, posixpath.basename(s.rstrip("/"))) for s in ops[:-1])
        elif name == "go" and ops[:1] in (["build"], ["install"]):
            target = _option(cmd, "-o")
            if ops[0] == "build" and target:
                path = _abs(cwd, target)
                out.extend((path, posixpath.join(path, "*")))
            elif ops[0] == "build":
                module = self.go_module_name()
                if module and len(ops) <= 2 and (len(ops) == 1 or ops[1] in (".", "./")):
                    out.append(_abs(cwd, module))
            else:
                gopath = variables.get("GOPATH", "/go")
                out.append(posixpath.join(gopath, "bin", "*"))
        elif name in ("gcc", "g++", "cc", "c++", "clang") and _option(cmd, "-o"):
            out.append(_abs(cwd, _option(cmd, "-o") or ""))
        elif name == "jar":
            target = _option(cmd, "--file", "-f")
            if target is None and ops and re.fullmatch(r"c\w*f\w*", cmd.args[0]):
                target = ops[1] if len(ops) > 1 else None
            if target:
                out.append(_abs(cwd, target))
        elif name == "javac" and _option(cmd, "-d"):
            out.append(_abs(cwd, _option(cmd, "-d") or "") + "/*")
            out.append(_abs(cwd, _option(cmd, "-d") or ""))
        elif name in ("mvn", "mvnw") and set(ops) & {"package", "install", "verify"}:
            out.append(_abs(cwd, f"target/{self.maven_artifact()}"))
        elif name in ("gradle", "gradlew") and set(ops) & {
            "build",
            "bootJar",
            "jar",
            "assemble",
            "shadowJar",
        }:
            out.append(_abs(cwd, "build/libs/*.jar"))
        elif name in ("gradle", "gradlew") and "installDist" in ops:
            out.append(_abs(cwd, "build/install/*"))
        elif name == "cargo" and ops[:1] == ["build"] and cmd.has_flag("--release"):
            for binary in self.cargo_bins():
                out.append(_abs(cwd, f"target/release/{binary}"))
        elif name == "cargo" and ops[:1] == ["install"]:
            home = variables.get("CARGO_HOME", "/usr/local/cargo")
            out.extend(posixpath.join(home, "bin", b) for b in self.cargo_bins())
        elif name == "dotnet" and ops[:1] == ["publish"]:
            target = _option(cmd, "-o", "--output")
            path = _abs(cwd, target) if target else _abs(cwd, "*bin/*/publish")
            out.extend((path, path + "/*"))  # default: [project/]bin/<config>/<tfm>/publish
        elif name == "make" and "install" in ops:
            prefix = "/usr/local"
            destdir = ""
            for op in ops:
                if op.startswith("PREFIX="):
                    prefix = op.split("=", 1)[1]
                elif op.startswith("DESTDIR="):
                    destdir = op.split("=", 1)[1]
            out.append(destdir.rstrip("/") + prefix.rstrip("/") + "/bin/*")
        elif name == "make":
            out.append(_abs(cwd, "*"))
        return out

    def maven_artifact(self) -> str:
        """The file name ``mvn package`` writes, from pom.xml (``<finalName>`` or
        ``artifactId-version``, ``.jar``/``.war`` by ``<packaging>``), else ``*.jar``/``*.war``."""
        pom = self.ctx.read("pom.xml")
        if pom is None:
            return "*.[jw]ar"
        own = re.sub(
            r"<(parent|dependencies|dependencyManagement|plugins|pluginManagement|profiles)>"
            r".*?</\1>",
            "",
            re.sub(r"<!--.*?-->", "", pom, flags=re.S),
            flags=re.S,
        )

        def tag(name: str) -> str | None:
            found = re.search(rf"<{name}>\s*([^<]+?)\s*</{name}>", own)
            return found.group(1) if found else None

        packaging = tag("packaging") or "jar"
        if packaging not in ("jar", "war"):
            return "*.[jw]ar"
        artifact, version = tag("artifactId"), tag("version")
        name = tag("finalName") or (f"{artifact}-{version}" if artifact and version else None)
        if name is None or "${" in name:
            return f"*.{packaging}"
        return f"{name}.{packaging}"

    def go_module_name(self) -> str | None:
        text = self.ctx.read("go.mod")
        if text is None:
            return None
        found = re.search(r"^module\s+(\S+)", text, re.M)
        if not found:
            return None
        parts = found.group(1).strip('"').split("/")
        if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
            return parts[-2]
        return parts[-1]

    def cargo_bins(self) -> list[str]:
        text = self.ctx.read("Cargo.toml")
        if text is None:
            return ["*"]
        bins = re.findall(r"\[\[bin\]\][^\[]*?name\s*=\s*\"([^\"]+)\"", text, re.S)
        package = re.search(r"\[package\][^\[]*?name\s*=\s*\"([^\"]+)\"", text, re.S)
        if package and not bins:
            bins.append(package.group(1))
        return bins or ["*"]

    def resolve_program(self, word: str, produced: Sequence[str]) -> str | None:
        """The builder path of the program the start command runs, or None when the runtime
        image provides it (raises when neither)."""
        workdir = self.final.workdir
        if "/" in word:
            return _abs(workdir, word)
        path = self.final.env.get("PATH", "")
        dirs = [d for d in path.split(":") if d.startswith("/")]
        dirs += [*DEFAULT_PATH, *eco.TOOLCHAIN_PATHS.get(self.ecosystem, ())]
        for directory in dirs:
            candidate = posixpath.join(directory, word)
            if any(fnmatch.fnmatchcase(candidate, pattern) for pattern in produced):
                return candidate
        return None

    def context_files_after_build(self) -> list[str]:
        """Paths (patterns) the COPY/ADD instructions after a compiled build bring in from the
        context: they move to the runtime stage, so their files need no COPY --from."""
        out: list[str] = []
        last_build = self.last_build_index()
        for i, (inst, state) in enumerate(
            zip(self.stage.instructions, self.stage.states, strict=True)
        ):
            items = inst.values.items
            if (
                i <= last_build
                or inst.directive not in ("COPY", "ADD")
                or inst.flag("from") is not None
                or len(items) < 2
            ):
                continue
            dest = _abs(state.workdir, substitute(items[-1], state.variables, inst.escape))
            is_dir = items[-1].endswith("/") or len(items) > 2
            out.append(posixpath.join(dest, "*") if is_dir else dest)
        return out

    def artifact(self, path: str, produced: Sequence[str], what: str) -> _Copy | None:
        """The COPY --from that brings ``path`` to the runtime (None when a moved COPY of the
        context brings it); raises when the build is not known to produce it."""
        if any(fnmatch.fnmatchcase(path, p) for p in self.context_files_after_build()):
            return None
        if "*" in path:
            if any(fnmatch.fnmatchcase(p, path) or fnmatch.fnmatchcase(path, p) for p in produced):
                return _Copy(path, posixpath.dirname(path) + "/", what)
            raise Unsupported(f"cannot tell where the build puts `{path}`")
        if not any(fnmatch.fnmatchcase(path, pattern) for pattern in produced):
            raise Unsupported(
                f"unknown artifact location: the build does not visibly produce `{path}`"
            )
        return _Copy(path, path, what)

    # -- planning ---------------------------------------------------------------------------------
    def plan(self) -> _Plan:
        self.toolchain_start()
        if self.last_build_index() < 0:
            raise Unsupported(
                "no build step in the Dockerfile: nothing a runtime stage would leave behind"
            )
        planner = {
            "go": self.plan_go,
            "java": self.plan_java,
            "node": self.plan_node,
            "python": self.plan_python,
            "rust": self.plan_native,
            "c": self.plan_native,
            "dotnet": self.plan_dotnet,
        }[self.ecosystem]
        plan = planner()
        self.dependency_layer(plan)
        return plan

    def dependency_layer(self, plan: _Plan) -> None:
        """Pattern 2: when the original copies the whole context and then only installs the
        dependencies, copy the manifests and install before the sources (a cached layer)."""
        if not self.ctx.has_context:
            return
        instructions = self.stage.instructions
        for i, inst in enumerate(instructions):
            if inst.directive not in ("COPY", "ADD") or inst.flag("from") is not None:
                continue
            items = inst.values.items
            if inst.is_json or len(items) != 2 or items[0] not in (".", "./"):
                continue
            following = next(
                (n for n in instructions[i + 1 :] if n.directive not in ("ENV", "ARG", "LABEL")),
                None,
            )
            run = next((r for r in self.runs if r.inst is following), None)
            if run is None or self.has_comment_above(run.inst):
                return
            manifests = self.manifests(run, self.stage.states[i].workdir, items[1])
            if manifests:
                self.install_first(plan, inst, items[1], run, manifests)
            return

    def has_comment_above(self, inst: Instruction) -> bool:
        nodes = self.tree.nodes
        index = next(i for i, n in enumerate(nodes) if n is inst)
        return index > 0 and isinstance(nodes[index - 1], Comment)

    def manifests(self, run: _Run, workdir: str, dest: str) -> list[str]:
        """The context files ``run`` needs when it only installs dependencies, else []."""
        if _abs(workdir, dest) != workdir:
            return []
        ignore = self.ctx.read(".dockerignore") or ""
        ignored = {line.strip().lstrip("/") for line in ignore.splitlines()}
        needed: list[str] = []
        for cmd in run.commands:
            if cmd.cwd != workdir:
                return []
            found = eco.dependency_manifests(cmd, self.ctx.read)
            if found is None:
                return []
            needed.extend(f for f in found if f not in needed)
        if not needed or any(f in ignored or not self.ctx.exists(f) for f in needed):
            return []
        modules_copied = self.ctx.exists("node_modules") and not ignored & {
            "node_modules",
            "node_modules/",
            "**/node_modules",
        }
        if "package.json" in needed and modules_copied:
            return []  # COPY . . after the install would overwrite node_modules
        return needed

    def install_first(
        self, plan: _Plan, copy: Instruction, dest: str, run: _Run, manifests: list[str]
    ) -> None:
        key = id(run.inst)
        moved = [
            *plan.before.pop(key, []),
            *plan.replace.pop(key, [run.inst]),
            *plan.after.pop(key, []),
        ]
        target = dest if dest.endswith("/") else f"{dest}/"
        new_copy = self.new(copy.directive, " ".join([*manifests, target]))
        plan.before.setdefault(id(copy), []).extend([new_copy, *moved])
        plan.replace[key] = []
        plan.explanations.append(
            (
                new_copy,
                f"copies {', '.join(manifests)} and installs the dependencies before the sources",
                "the dependency layer stays cached until a manifest changes",
            )
        )

    def flavour(self, allowed: Sequence[str], default: str) -> str:
        flavour = self.ctx.options.runtime_flavour or default
        if flavour not in allowed:
            raise Unsupported(
                f"runtime flavour `{flavour}` is not valid for a {self.ecosystem} build "
                f"(valid: {', '.join(allowed)})"
            )
        if flavour == "alpine":
            family = distro_of(self.image)
            if family is None or family.family != "alpine":
                raise Unsupported("the alpine flavour needs an alpine (musl) builder image")
        return flavour

    def explicit(self, image: str) -> str:
        return self.ctx.options.runtime_image or image

    def system_packages(self, plan: _Plan, packages: list[str], user_runs: list[_Run]) -> None:
        """Carry runtime packages and user creation into a runtime that can install them."""
        if packages:
            runtime = distro_of(ImageRef.parse(plan.runtime_image))
            if runtime is None or runtime.family != "debian":
                raise Unsupported(
                    f"the runtime needs system packages ({', '.join(packages)}) and "
                    f"`{plan.runtime_image}` is not known to be Debian-based"
                )
            if not plan.has_package_manager:
                raise Unsupported(
                    f"the runtime needs system packages ({', '.join(packages)}) and the "
                    f"`{plan.runtime_image}` image has no package manager"
                )
            run = self.new(
                "RUN",
                "apt-get update && apt-get install -y --no-install-recommends "
                f"{' '.join(packages)} && rm -rf /var/lib/apt/lists/*",
            )
            plan.runtime_head.append(run)
            plan.programs = plan.programs | set(packages)
            plan.explanations.append(
                (
                    run,
                    f"installs {', '.join(packages)} in the runtime stage",
                    "the runtime libraries of the -dev/runtime packages the build installed",
                )
            )
        if self.final.user is None:
            return
        user = self.final.user.split(":", 1)[0]
        if user.isdigit() or user == "root":
            return
        if not user_runs:
            if user not in {"node", "nobody", "nonroot", "www-data", "nginx"}:
                raise Unsupported(
                    f"USER {user} is not created in the Dockerfile nor known in the runtime"
                )
            return
        if not plan.has_package_manager:
            raise Unsupported(f"the runtime image has no shell to create the user `{user}`")
        for run in user_runs:
            if any(c.name not in USER_COMMANDS | {"mkdir", "chown", "chmod"} for c in run.commands):
                raise Unsupported(
                    f"the RUN that creates user `{user}` does more than create it", run.line
                )
            copy = dataclasses.replace(run.inst)
            plan.runtime_head.append(copy)
            plan.explanations.append(
                (copy, f"creates user `{user}` in the runtime stage", "the USER the image runs as")
            )

    def app_copies(self, plan: _Plan, why: str) -> list[str]:
        roots = self.copy_roots()
        for root in roots:
            if root in SYSTEM_ROOTS or any(_under(root, d) for d in SYSTEM_DIRS):
                raise Unsupported(
                    f"the build copies files into `{root}`; the split keeps app folders only"
                )
            plan.copies.append(_Copy(root, root, why))
        return roots

    def check_start_paths(self, roots: Sequence[str], plan: _Plan) -> None:
        """Interpreted apps: the program must be in the runtime or under a copied folder."""
        word = self.start[0]
        if "/" in word:
            path = _abs(self.final.workdir, word)
            if not any(_under(path, r) for r in (*roots, eco.VENV)):
                raise Unsupported(
                    f"the start command runs `{path}`, which is outside the copied folders"
                )
            return
        if word in plan.programs:
            return
        raise Unsupported(
            f"the start command runs `{word}`, which the runtime image does not provide"
        )

    # -- ecosystems -------------------------------------------------------------------------
    def plan_go(self) -> _Plan:
        builds = [
            (r, c) for r, c in self.all_commands() if c.name == "go" and c.args[:1] == ("build",)
        ]
        builds += [
            (r, c) for r, c in self.all_commands() if c.name == "go" and c.args[:1] == ("install",)
        ]
        if not builds:
            raise Unsupported("no `go build` or `go install` step: unknown artifact location")
        packages, user_runs = self.packages()
        static, why, cgo_edit = self.go_static(builds)
        family = distro_of(self.image)
        alpine = family is not None and family.family == "alpine"
        codename = "bookworm" if static or alpine else self.codename(packages)
        allowed = ["distroless", "slim", "scratch", "alpine"] if static else ["distroless", "slim"]
        if alpine and not static:
            allowed = ["alpine"]  # a musl binary runs on musl only
        flavour = self.flavour(allowed, "alpine" if alpine and not static else "distroless")
        if flavour == "scratch" and not static:
            raise Unsupported("scratch needs a static binary")
        needs_apt = bool([p for p in packages if p not in eco.DISTROLESS_STATIC_PROVIDES])
        if needs_apt and flavour in ("distroless", "scratch", "alpine"):
            if self.ctx.options.runtime_flavour in ("distroless", "scratch") or flavour == "alpine":
                raise Unsupported(
                    f"the runtime needs system packages; a {flavour} runtime cannot install them"
                )
            flavour = "slim"
        if not needs_apt:
            packages = []
        if flavour == "alpine":
            image = f"alpine:{self.alpine_version()}"
        else:
            image = eco.native_runtime("static" if static else "base", flavour, codename)
        plan = _Plan(
            self.explicit(image),
            f"{why}; the runtime needs no Go toolchain",
            eco.RUNTIME_PROGRAMS["slim" if flavour in ("slim", "alpine") else "distroless"],
            has_package_manager=flavour == "slim",
            tag_free=static,
        )
        if cgo_edit is not None:
            run, new_inst = cgo_edit
            plan.replace[id(run.inst)] = [new_inst]
            plan.explanations.append(
                (
                    new_inst,
                    "added CGO_ENABLED=0 to the go build",
                    'no cgo in the sources (no import "C") and no C toolchain use: the binary '
                    "is built static so it runs without libc on the static runtime",
                )
            )
        self.system_packages(plan, packages, user_runs)
        self.compiled_copies(plan)
        return plan

    def codename(self, packages: Sequence[str]) -> str:
        """The builder's Debian release (a dynamic binary needs a runtime glibc as new)."""
        codename = eco.builder_codename(self.image)
        if codename is None:
            raise Unsupported(f"unknown Debian release of `{self.image}`: cannot match its glibc")
        if packages and codename != eco.PACKAGES_CODENAME:
            raise Unsupported(
                f"runtime library names are known for Debian {eco.PACKAGES_CODENAME}, and "
                f"`{self.image}` is built on {codename}"
            )
        return codename

    def alpine_version(self) -> str:
        """The builder's alpine release, else ``3`` (the newest 3.x: musl runs binaries linked
        against an older musl of the same major)."""
        found = re.search(r"alpine(\d+\.\d+)", self.image.tag or "")
        return found.group(1) if found else "3"

    def go_static(
        self, builds: list[tuple[_Run, Command]]
    ) -> tuple[bool, str, tuple[_Run, Instruction] | None]:
        """Whether the Go binary is static, why, and the build edit that makes it so."""
        values = []
        for run, cmd in builds:
            assigned = dict(cmd.assignments).get("CGO_ENABLED")
            values.append(assigned if assigned is not None else run.state.env.get("CGO_ENABLED"))
        if all(v == "0" for v in values):
            return True, "CGO_ENABLED=0: a static binary", None
        if any(v not in (None, "0") for v in values):
            return False, "cgo is enabled: the binary links glibc", None
        if not self.ctx.has_context:
            return False, "no build context to prove the absence of cgo: glibc runtime", None
        sources = self.ctx.glob("**/*.go")
        if not sources:
            return False, "no Go sources in the context to prove the absence of cgo", None
        for path in sources:
            text = self.ctx.read(path) or ""
            if re.search(r'^\s*import\s+(?:\(\s*[^)]*?)?"C"', text, re.M):
                return False, f'{path} uses cgo (import "C"): the binary links glibc', None
        toolchain = {"gcc", "g++", "cc", "clang", "make", "pkg-config"}
        for _run, cmd in self.all_commands():
            if cmd.name in toolchain or (
                cmd.name in PACKAGE_MANAGERS and any(p.endswith("-dev") for p in cmd.args)
            ):
                return False, "the build uses a C toolchain: the binary may link glibc", None
        if len(builds) != 1:
            return False, "several go builds: cannot make them all static", None
        run, cmd = builds[0]
        raw = run.inst.args
        if raw.count(cmd.text) != 1:
            return False, "cannot edit the go build to set CGO_ENABLED=0", None
        edited = run.inst.with_args(raw.replace(cmd.text, f"CGO_ENABLED=0 {cmd.text}", 1))
        return True, "no cgo in the sources: a static binary (CGO_ENABLED=0 added)", (run, edited)

    def compiled_copies(self, plan: _Plan) -> None:
        """Binary ecosystems: copy the program the start command runs (and its files)."""
        produced = self.produced()
        program = self.resolve_program(self.start[0], produced)
        if program is None:
            if self.start[0] in plan.programs:
                raise Unsupported(
                    f"the start command runs `{self.start[0]}`: cannot tell which built files "
                    "it needs"
                )
            raise Unsupported(
                f"unknown artifact location: the build does not produce `{self.start[0]}`"
            )
        copy = self.artifact(program, produced, "the program the start command runs")
        if copy is not None and posixpath.dirname(program) in eco.TOOLCHAIN_PATHS.get(
            self.ecosystem, ()
        ):
            copy.dest = posixpath.join("/usr/local/bin", posixpath.basename(program))
            copy.why += " (found on the toolchain image's PATH; /usr/local/bin is on every PATH)"
        if copy is not None:
            plan.copies.append(copy)
        if self.rewritten is not None:
            original, binary = self.rewritten
            plan.start = self.new("CMD", json.dumps(binary))
            plan.explanations.append(
                (
                    plan.start,
                    f"runs the built {binary[0]} instead of `{original}`",
                    "the same package built by the same toolchain in the same directory: the "
                    "binary is what the run command would compile and start",
                )
            )
        self.asset_copies(plan)
        self.check_after_build([c.source for c in plan.copies])

    def asset_copies(self, plan: _Plan) -> None:
        """Runtime files the sources name: folders (templates, static, config, migrations…) and
        top-level data files (config.yaml, .env…) of the context copied into the WORKDIR."""
        if not self.ctx.has_context:
            return
        workdir = self.final.workdir
        roots = self.copy_roots()
        sources = [
            self.ctx.read(p) or ""
            for ext in eco.SOURCE_SUFFIXES
            for p in self.ctx.glob(f"**/*.{ext}")[:200]
        ]
        names = [f for f in eco.ASSET_FOLDERS if self.ctx.exists(f)]
        names += [
            f
            for f in sorted(self.ctx.file_names())
            if f.endswith(eco.ASSET_FILE_SUFFIXES) and f not in eco.MANIFEST_FILES
        ]
        for name in names:
            mention = re.compile(rf"[\"'`/]{re.escape(name)}[/\"'`]")
            path = posixpath.join(workdir, name)
            if any(mention.search(s) for s in sources) and any(_under(path, r) for r in roots):
                plan.copies.append(_Copy(path, path, "the program reads it at run time"))

    def plan_native(self) -> _Plan:
        packages, user_runs = self.packages()
        if self.ecosystem == "c":
            packages.extend(p for p in self.linked_libraries() if p not in packages)
            image = self.c_runtime(packages)
            flavour = "slim"
        else:
            flavour = self.flavour(["distroless", "slim"], "distroless")
            if packages and flavour == "distroless":
                if self.ctx.options.runtime_flavour == "distroless":
                    raise Unsupported("the runtime needs system packages; distroless has none")
                flavour = "slim"
            image = eco.native_runtime("cc", flavour, self.codename(packages))
            if not [r for r, c in self.all_commands() if c.name == "cargo"]:
                raise Unsupported("no cargo build step: unknown artifact location")
            self.check_rust_sys_crates(packages)
        plan = _Plan(
            self.explicit(image),
            "the compiled program needs only glibc and the runtime libraries",
            eco.RUNTIME_PROGRAMS["slim" if flavour == "slim" else "distroless"],
            has_package_manager=flavour == "slim",
        )
        self.system_packages(plan, packages, user_runs)
        self.compiled_copies(plan)
        self.check_native_installs(plan)
        return plan

    def linked_libraries(self) -> list[str]:
        """Runtime packages of the libraries a C/C++ build links (``-lX`` of the compiler
        commands, the Makefile, CMake's find_package). The gcc image ships many -dev libraries,
        so a make/cmake build there whose files cannot be read is skipped."""
        flags: list[str] = []
        for _, cmd in self.all_commands():
            if cmd.name in ("gcc", "g++", "cc", "c++", "clang"):
                flags.extend(w[2:] for w in cmd.args if w.startswith("-l") and len(w) > 2)
        builds = {c.name for _, c in self.all_commands()} & {"make", "cmake"}
        makefile = self.ctx.read("Makefile")
        cmake = self.ctx.read("CMakeLists.txt")
        if makefile is not None:
            flags.extend(re.findall(r"(?<![\w-])-l([\w+.-]+)", makefile))
        if cmake is not None:
            found = [
                p
                for p in re.findall(r"(?:find_package|pkg_check_modules)\s*\(\s*(\w+)", cmake, re.I)
                if p != "Threads"
            ]
            if found:
                raise Unsupported(
                    f"CMakeLists.txt links `{found[0]}`: its runtime library is unknown"
                )
        unread = ("make" in builds and makefile is None) or ("cmake" in builds and cmake is None)
        if unread and self.image.hub_name in eco.IMAGES_WITH_DEV_LIBRARIES:
            raise Unsupported(
                f"`{self.image}` ships many -dev libraries and the build files cannot be read: "
                "cannot tell which libraries the program links"
            )
        packages: list[str] = []
        for flag in flags:
            mapped = eco.LINK_LIBRARIES.get(flag)
            if mapped is None:
                raise Unsupported(f"the program links `-l{flag}`, whose runtime package is unknown")
            packages.extend(p for p in mapped if p not in packages)
        return packages

    def check_rust_sys_crates(self, packages: Sequence[str]) -> None:
        """The rust image ships -dev libraries a ``*-sys`` crate links silently: unless the
        Dockerfile installed (and so mapped) them, such a crate is a reason to skip."""
        lock = self.ctx.read("Cargo.lock") or ""
        for crate in re.findall(r'^name = "([\w-]+-sys)"', lock, re.M):
            if crate not in eco.RUST_SAFE_SYS_CRATES and not packages:
                raise Unsupported(
                    f"Cargo.lock has `{crate}`, which may link a system library of the rust "
                    "image that the runtime does not have"
                )

    def check_native_installs(self, plan: _Plan) -> None:
        """A native program may link libraries or read data that a ``make install`` put next
        to it: only an install whose Makefile installs nothing but programs is accepted."""
        for run, cmd in self.all_commands():
            if cmd.name == "ldconfig" or (cmd.name == "cmake" and cmd.has_flag("--install")):
                raise Unsupported(
                    "the build installs shared libraries (ldconfig/cmake --install) that the "
                    "program may need at run time",
                    run.line,
                )
            if cmd.name in ("make", "ninja") and "install" in _operands(cmd):
                makefile = self.ctx.read("Makefile")
                if makefile is not None and re.search(
                    r"\$\((?:PREFIX|prefix|DESTDIR)\)[^\n]*/(?:lib|share|etc)\b|\.so\b",
                    makefile,
                ):
                    raise Unsupported(
                        "`make install` also installs libraries or data files, which the "
                        "runtime stage would not have",
                        run.line,
                    )
                installed = self.outputs(cmd, run.state.env)
                if not any(
                    fnmatch.fnmatchcase(c.source, p) for c in plan.copies for p in installed
                ):
                    raise Unsupported(
                        "`make install` installs files the program may need, but the start "
                        "command does not run an installed program",
                        run.line,
                    )

    def c_runtime(self, packages: Sequence[str]) -> str:
        """The slim image of the builder's own distribution release."""
        self.flavour(["slim"], "slim")
        image = self.image
        tag = (image.tag or "latest").lower()
        if image.hub_name == "gcc":
            codename = self.codename(packages)
            system_gcc = codename == "bookworm" and re.split(r"[.-]", tag)[0] == "12"
            if not system_gcc and not self.proven_c_only():
                raise Unsupported(
                    f"`{image}` ships another libstdc++ than Debian's: a C++ program may "
                    "not run on debian-slim (cannot prove the sources are C only)"
                )
            return f"debian:{codename}-slim"
        if packages and tag not in ("bookworm", "12", "bookworm-slim", "12-slim"):
            raise Unsupported(
                f"runtime library names are known for Debian {eco.PACKAGES_CODENAME}, not "
                f"for `{image}`"
            )
        if image.hub_name == "debian":
            if tag in ("latest", "stable"):
                return "debian:stable-slim"
            return str(image) if "slim" in tag else f"debian:{tag}-slim"
        if image.hub_name == "ubuntu":
            return str(image)
        raise Unsupported(f"unknown runtime for a C/C++ build on `{image}`")

    def proven_c_only(self) -> bool:
        if not self.ctx.has_context:
            return False
        cxx = [p for e in ("cpp", "cc", "cxx", "hpp") for p in self.ctx.glob(f"**/*.{e}")]
        return not cxx and not any(c.name in ("g++", "c++") for _, c in self.all_commands())

    def plan_java(self) -> _Plan:
        self.flavour(["slim", "alpine"], "slim")
        jre = java.jre_for(self.image)
        if jre is None:
            raise Unsupported(f"unknown Java image `{self.image}`: cannot pick the JRE")
        if isinstance(jre, java.NoJre):
            raise Unsupported(f"no JRE image for `{self.image}`: {jre.reason}")
        image = str(jre.image)
        packages, user_runs = self.packages()
        why = "a JRE of the JDK's major version runs the jar; compilers stay in the builder"
        plan = _Plan(
            self.explicit(image),
            f"{why} ({jre.note})" if jre.note else why,
            eco.RUNTIME_PROGRAMS["java"],
        )
        self.system_packages(plan, packages, user_runs)
        produced = self.produced()
        if posixpath.basename(self.start[0]) != "java":
            return self.java_start_script(plan, produced)
        words = self.start[1:]
        paths: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            if word == "-jar" and i + 1 < len(words):
                paths.append(words[i + 1])
                paths.extend(w for w in words[i + 2 :] if w.endswith(".jar"))
                break
            if word in ("-cp", "-classpath", "--class-path") and i + 1 < len(words):
                paths.extend(p for p in words[i + 1].split(":") if p)
                i += 2
                continue
            if word.startswith("-"):
                i += 1
                continue
            break  # the main class
        if not paths:
            raise Unsupported(
                "the java command names no jar or classpath: unknown artifact location"
            )
        for path in paths:
            full = _abs(self.final.workdir, path)
            if full.endswith("/*"):
                full = full[:-2]
            copy = self.artifact(full, produced, "the jar/classes java runs")
            if copy is not None:
                plan.copies.append(copy)
        self.check_after_build([c.source for c in plan.copies])
        return plan

    def java_start_script(self, plan: _Plan, produced: Sequence[str]) -> _Plan:
        """``gradle installDist`` writes build/install/<name> (lib/ with the jars, bin/ with a
        start script that needs sh and java, both in the JRE image): copy that folder."""
        program = _abs(self.final.workdir, self.start[0])
        found = re.match(r"^(.*/build/install/[^/]+)/bin/[^/]+$", program)
        if found is None or not any(fnmatch.fnmatchcase(found.group(1), p) for p in produced):
            raise Unsupported(f"the start command runs `{self.start[0]}`, not java")
        folder = found.group(1)
        plan.copies.append(_Copy(folder, folder, "the installDist folder: jars and start script"))
        self.check_after_build([folder])
        return plan

    def plan_dotnet(self) -> _Plan:
        self.flavour(["slim", "alpine"], "slim")
        tag = self.image.tag
        if tag is None:
            raise Unsupported("the .NET SDK image has no version tag to match the runtime to")
        web = True
        projects = self.ctx.glob("**/*.csproj")
        if projects:
            web = any("Microsoft.NET.Sdk.Web" in (self.ctx.read(p) or "") for p in projects)
        repo = eco.DOTNET_RUNTIME_REPO["web" if web else "console"]
        packages, user_runs = self.packages()
        plan = _Plan(
            self.explicit(f"{repo}:{tag}"),
            "the published app needs the .NET runtime, not the SDK",
            eco.RUNTIME_PROGRAMS["dotnet"],
        )
        self.system_packages(plan, packages, user_runs)
        produced = self.produced()
        if posixpath.basename(self.start[0]) == "dotnet":
            dll = next((w for w in self.start[1:] if w.endswith(".dll")), None)
            if dll is None:
                raise Unsupported("the dotnet start command names no .dll")
            target = _abs(self.final.workdir, dll)
        else:
            target = self.resolve_program(self.start[0], produced) or self.start[0]
        folder = posixpath.dirname(target)
        if not any(p.endswith("/*") and fnmatch.fnmatchcase(folder, p[:-2]) for p in produced):
            raise Unsupported(
                f"unknown artifact location: `{target}` is not in a `dotnet publish` folder"
            )
        plan.copies.append(_Copy(folder, folder, "the `dotnet publish` output"))
        self.check_after_build([c.source for c in plan.copies])
        return plan

    # -- interpreted ecosystems ---------------------------------------------------------------
    def plan_python(self) -> _Plan:
        installs: list[tuple[_Run, Command]] = []
        for run, cmd in self.all_commands():
            words = cmd.words
            if cmd.name in ("python", "python3") and words[1:3] == ("-m", "pip"):
                words = ("pip", *words[3:])
            elif re.fullmatch(r"pip(3(\.\d+)?)?", cmd.name) and "/" in words[0]:
                raise Unsupported(
                    f"pip is run by its path `{words[0]}`, bypassing a virtualenv", run.line
                )
            name = posixpath.basename(words[0])
            if re.fullmatch(r"pip(3(\.\d+)?)?", name) and "install" in words[1:2]:
                bad = [f for f in ("--user", "--target", "-t", "--prefix", "--root") if f in words]
                if bad:
                    raise Unsupported(
                        f"`pip install {bad[0]}` does not install into a virtualenv", run.line
                    )
                installs.append((run, cmd))
            elif name in ("poetry", "pipenv") and "install" in words[1:2]:
                installs.append((run, cmd))  # both install into the active VIRTUAL_ENV
            elif name in ("uv", "conda", "pdm"):
                raise Unsupported(f"{name} installs are not supported by the split yet", run.line)
        if not installs:
            raise Unsupported(
                "no pip/poetry/pipenv install step: nothing a runtime stage would leave behind"
            )
        tag = eco.slim_tag(self.image.tag, self.image.hub_name)
        if tag is None:
            raise Unsupported(f"no slim variant is known for `{self.image}`")
        self.flavour(["slim", "alpine"], "slim")
        if self.start[0] in ("poetry", "pipenv"):
            raise Unsupported(f"the start command runs {self.start[0]}, which is a build tool")
        packages, user_runs = self.packages()
        image = str(self.image.with_tag(tag))
        plan = _Plan(
            self.explicit(image),
            "the same Python on the slim image; the dependencies come in a virtualenv built "
            "in the builder",
            eco.RUNTIME_PROGRAMS["python"],
        )
        first = installs[0][0]
        venv_run = self.new("RUN", f"python -m venv {eco.VENV}")
        venv_env = self.new("ENV", f'VIRTUAL_ENV={eco.VENV} PATH="{eco.VENV}/bin:$PATH"')
        plan.before[id(first.inst)] = [venv_run, venv_env]
        plan.explanations.append(
            (
                venv_run,
                f"creates a virtualenv in {eco.VENV} before installing dependencies",
                "pip installs into it, so the runtime copies one folder with every dependency",
            )
        )
        plan.runtime_head.append(dataclasses.replace(venv_env))
        self.system_packages(plan, packages, user_runs)
        plan.copies.append(_Copy(eco.VENV, eco.VENV, "the virtualenv with the dependencies"))
        roots = self.app_copies(plan, "the application files")
        word = self.start[0]
        if "/" not in word and word not in plan.programs:
            plan.programs = plan.programs | {word}  # a console script pip put in the venv
        self.check_start_paths(roots, plan)
        self.check_after_build([*roots, eco.VENV])
        return plan

    def package_json(self) -> dict[str, object] | None:
        text = self.ctx.read("package.json")
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def script(self, name: str) -> str | None:
        data = self.package_json()
        scripts = data.get("scripts") if data else None
        value = scripts.get(name) if isinstance(scripts, dict) else None
        return value if isinstance(value, str) else None

    def node_start_script(self) -> str | None:
        """The package.json script the start command runs (``npm start``, ``npm run x``)."""
        words = self.start
        name = posixpath.basename(words[0])
        if name == "npm" and words[1:2] == ["start"]:
            return "start"
        if name == "npm" and words[1:2] in (["run"], ["run-script"]) and len(words) > 2:
            return words[2]
        if name in ("yarn", "pnpm") and len(words) > 1:
            return words[2] if words[1] == "run" and len(words) > 2 else words[1]
        return None

    def plan_node(self) -> _Plan:
        for run, cmd in self.all_commands():
            if cmd.name in ("npm", "yarn", "pnpm") and (
                cmd.has_flag("-g", "--global")
                or (cmd.name == "yarn" and cmd.args[:1] == ("global",))
            ):
                raise Unsupported("a global package install lives outside the app folder", run.line)
        script_name = self.node_start_script()
        script_text = None
        if script_name is not None:
            script_text = self.script(script_name)
            if script_text is None:
                if script_name == "start" and self.ctx.has_context and self.package_json():
                    script_text = "node server.js"  # npm's default start
                else:
                    raise Unsupported(
                        f"the start command runs the package.json script `{script_name}`, "
                        "which cannot be read"
                    )
        command = script_text or " ".join(self.start)
        if eco.NEXT_START.search(command) and self.next_standalone():
            return self.plan_next(command)
        for pattern, port in eco.STATIC_SERVERS:
            found = pattern.search(command)
            if found:
                return self.plan_spa(command, found, port)
        if eco.DEV_SERVER_SCRIPT.search(command):
            raise Unsupported(f"the start command runs a development server (`{command}`)")
        if posixpath.basename(self.start[0]) == "npx":
            raise Unsupported("the start command runs npx, which may need dev dependencies")
        tag = eco.slim_tag(self.image.tag, self.image.hub_name)
        if tag is None:
            raise Unsupported(f"no slim variant is known for `{self.image}`")
        self.flavour(["slim", "alpine"], "slim")
        packages, user_runs = self.packages()
        plan = _Plan(
            self.explicit(str(self.image.with_tag(tag))),
            "the same Node.js on the slim image with production dependencies only",
            eco.RUNTIME_PROGRAMS["node"],
        )
        self.system_packages(plan, packages, user_runs)
        self.node_prune(plan)
        roots = self.app_copies(plan, "the application with its production node_modules")
        self.check_start_paths(roots, plan)
        self.check_after_build(roots)
        return plan

    def next_standalone(self) -> bool:
        """Whether next.config.* asks for the standalone output (a self-contained server)."""
        return any(
            re.search(r"""output\s*:\s*["']standalone["']""", self.ctx.read(path) or "")
            for path in self.ctx.glob("next.config.*")
        )

    def plan_next(self, command: str) -> _Plan:
        """Next.js with ``output: 'standalone'``: the runtime runs .next/standalone/server.js."""
        if not any(
            c.name in ("npm", "yarn", "pnpm") and "build" in c.args[:2]
            for _, c in self.all_commands()
        ):
            raise Unsupported("the Next.js app is not built in the Dockerfile")
        tag = eco.slim_tag(self.image.tag, self.image.hub_name)
        if tag is None:
            raise Unsupported(f"no slim variant is known for `{self.image}`")
        self.flavour(["slim", "alpine"], "slim")
        packages, user_runs = self.packages()
        given = re.search(r"(?:-p|--port)[= ](\d+)", command)
        port = given.group(1) if given else "3000"
        plan = _Plan(
            self.explicit(str(self.image.with_tag(tag))),
            "Next.js standalone output is a self-contained server: node on the slim image runs "
            "it without node_modules",
            eco.RUNTIME_PROGRAMS["node"],
        )
        self.system_packages(plan, packages, user_runs)
        workdir = self.final.workdir
        plan.copies.append(
            _Copy(
                f"{workdir}/.next/standalone", workdir, "the standalone server (output: standalone)"
            )
        )
        plan.copies.append(
            _Copy(
                f"{workdir}/.next/static",
                f"{workdir}/.next/static",
                "static assets the standalone server serves but does not include",
            )
        )
        if self.ctx.exists("public"):
            plan.copies.append(_Copy(f"{workdir}/public", f"{workdir}/public", "public assets"))
        env = self.new("ENV", f"PORT={port} HOSTNAME=0.0.0.0")
        plan.runtime_head.append(env)
        plan.start = self.new("CMD", '["node", "server.js"]')
        plan.explanations.append(
            (
                plan.start,
                f"runs the standalone server.js instead of `{command}`",
                "Next.js documents server.js as the standalone equivalent of `next start`; PORT "
                f"({port}) and HOSTNAME keep it listening where it did",
            )
        )
        self.check_after_build([workdir])
        return plan

    def node_prune(self, plan: _Plan) -> None:
        installs = [
            (r, c)
            for r, c in self.all_commands()
            if (c.name == "npm" and c.args[:1] in (("ci",), ("install",), ("i",)))
            or (c.name in ("yarn", "pnpm") and c.args[:1] in ((), ("install",)))
        ]
        if not installs:
            raise Unsupported(
                "no npm/yarn/pnpm install step: nothing a runtime stage would leave behind"
            )
        data = self.package_json()
        dev = None if data is None else bool(data.get("devDependencies"))
        production = all(
            c.has_flag("--production", "--only", "--omit")
            or r.state.env.get("NODE_ENV") == "production"
            for r, c in installs
        )
        if dev is False or production:
            return
        if any(c.name != "npm" for _, c in installs):
            raise Unsupported("yarn/pnpm installs with dev dependencies: cannot prune them safely")
        last = self.last_build_index()
        anchor = self.stage.instructions[last]
        prune = self.new("RUN", "npm prune --omit=dev")
        plan.after[id(anchor)] = [prune]
        plan.explanations.append(
            (prune, "prunes dev dependencies after the build", "the runtime copies node_modules")
        )

    def plan_spa(self, command: str, found: re.Match[str], port: int) -> _Plan:
        build = self.script("build")
        if build is None:
            raise Unsupported("a static site whose build script cannot be read")
        folder = found.groupdict().get("dir")
        if folder is None:
            folder = next((f for p, f in eco.SPA_BUILDERS if p.search(build)), None)
        if folder is None:
            raise Unsupported(f"unknown output folder of the build script `{build}`")
        for config in self.ctx.glob("vite.config.*"):
            if "outDir" in (self.ctx.read(config) or ""):
                raise Unsupported(f"{config} sets build.outDir: unknown output folder")
        if not any(
            c.name in ("npm", "yarn", "pnpm") and "build" in c.args[:2]
            for _, c in self.all_commands()
        ):
            raise Unsupported("the static site is not built in the Dockerfile")
        given = re.search(r"(?:--port|-p|-l|--listen)[= ](\d+)", command)
        port = int(given.group(1)) if given else port
        self.flavour(["slim"], "slim")
        plan = _Plan(
            self.explicit(eco.NGINX_IMAGE),
            "the site is static files: nginx serves them without Node.js",
            eco.RUNTIME_PROGRAMS["nginx"],
            static_site=True,
            port=str(port),
        )
        conf = eco.NGINX_CONF_TEMPLATE.format(port=port, root=eco.NGINX_HTML).replace("\n", "\\n")
        run = self.new("RUN", f"printf '{conf}' > {eco.NGINX_CONF}")
        plan.runtime_tail.append(run)
        plan.explanations.append(
            (
                run,
                f"configures nginx to listen on {port} with a single-page-app fallback",
                f"the original server listened on {port}, so the port stays the same; pid and "
                "temporary files go to /tmp so nginx also runs as a non-root user",
            )
        )
        source = _abs(self.final.workdir, folder)
        plan.copies.append(_Copy(source.rstrip("/") + "/", eco.NGINX_HTML + "/", "the built site"))
        self.check_after_build([source])
        return plan

    # -- rendering ----------------------------------------------------------------------------
    def render(self, plan: _Plan) -> Result:
        tree = self.tree
        stage = self.stage
        style = self.style
        explanations: list[Explanation] = []
        name = stage.alias or BUILDER
        from_ = stage.from_
        as_word = self.as_word()
        if stage.alias is None:
            new_from = from_.with_args(f"{from_.args.rstrip()} {as_word} {BUILDER}")
            explanations.append(
                self.codemod.explain(
                    f"named the build stage `{BUILDER}`",
                    "the runtime stage copies the artifacts from it",
                    new_from,
                )
            )
        else:
            new_from = from_
        ports = self.model.exposed_ports(stage)
        moved = self.moved_instructions()
        # Move each moved instruction with the comments right above it; new builder steps go
        # above the comments of the instruction they precede.
        nodes = list(tree.nodes)
        take: set[int] = set()
        before_at: dict[int, list[Node]] = {}
        for i, node in enumerate(nodes):
            j = i - 1
            while j >= 0 and isinstance(nodes[j], Comment):
                j -= 1
            if id(node) in moved:
                take.update(range(j + 1, i + 1))
            if id(node) in plan.before:
                before_at[j + 1] = plan.before[id(node)]
        last_inst = max(i for i, n in enumerate(nodes) if isinstance(n, Instruction))
        builder: list[Node] = []
        runtime_moved: list[Node] = []
        trailing: list[Node] = []
        removed = False
        for i, node in enumerate(nodes):
            if i > last_inst:
                trailing.append(node)
                continue
            builder.extend(before_at.get(i, []))
            if i in take:
                removed = True
                if isinstance(node, Instruction):
                    if node.directive == "HEALTHCHECK" and plan.static_site:
                        raise Unsupported(
                            "the HEALTHCHECK checks a server nginx replaces", self.line(node)
                        )
                    replaced = plan.static_site or plan.start is not None
                    if node.directive in ("CMD", "ENTRYPOINT") and replaced:
                        continue
                    if node.directive == "USER" and plan.static_site:
                        continue  # the Node.js server's user; nginx runs as its own
                runtime_moved.append(node)
                continue
            if isinstance(node, Blank):
                if runtime_moved and i - 1 in take and i + 1 in take:
                    runtime_moved.append(node)
                    continue
                if removed and builder and isinstance(builder[-1], Blank):
                    continue
                builder.append(node)
                continue
            removed = False
            if node is from_:
                builder.append(new_from)
                continue
            key = id(node)
            builder.extend(plan.replace.get(key, [node]))
            builder.extend(plan.after.get(key, []))
        while builder and isinstance(builder[-1], Blank):
            builder.pop()
        user = stage.last("USER")
        if user is not None and id(user) not in moved and not plan.static_site:
            runtime_moved.insert(0, dataclasses.replace(user))
        # Healthcheck commands must exist in the runtime.
        for node in runtime_moved:
            if isinstance(node, Instruction) and node.directive == "HEALTHCHECK":
                self.check_healthcheck(node, plan)
        runtime: list[Node] = [Blank("", style.eol)]
        runtime_from = self.new("FROM", f"{self.runtime_base(plan)} {as_word} {RUNTIME}")
        runtime.append(runtime_from)
        explanations.append(
            self.codemod.explain(
                f"added the `{RUNTIME}` stage on {plan.runtime_image}",
                plan.runtime_why,
                runtime_from,
            )
        )
        runtime.extend(self.runtime_env(plan, runtime_moved))
        runtime.extend(plan.runtime_head)
        if self.final.workdir != "/" and not plan.static_site:
            runtime.append(self.new("WORKDIR", self.final.workdir))
        for copy in plan.copies:
            if any(c.isspace() for c in copy.source + copy.dest):
                raise Unsupported(f"the artifact path `{copy.source}` contains white space")
            inst = self.new("COPY", f"{copy.source} {copy.dest}", flags=[f"--from={name}"])
            runtime.append(inst)
            explanations.append(
                self.codemod.explain(f"copies {copy.source} from the builder", copy.why, inst)
            )
        runtime.extend(plan.runtime_tail)
        if plan.static_site and not ports and plan.port:
            runtime_moved.insert(0, self.new("EXPOSE", plan.port))
        if plan.start is not None:
            runtime_moved.append(plan.start)
        if runtime_moved:
            if len(runtime) > 2:
                runtime.append(Blank("", style.eol))
            runtime.extend(runtime_moved)
            what = sorted({n.directive for n in runtime_moved if isinstance(n, Instruction)})
            first = next(n for n in runtime_moved if isinstance(n, Instruction))
            explanations.append(
                self.codemod.explain(
                    f"moved {', '.join(what)} to the runtime stage",
                    "they describe how the image runs",
                    first,
                )
            )
        if plan.static_site:
            explanations.append(
                self.codemod.explain(
                    "dropped the static server's CMD/ENTRYPOINT (and USER)",
                    "the nginx image's own CMD serves the files, as nginx's own user",
                    runtime_from,
                )
            )
        for node, message, why in plan.explanations:
            explanations.append(self.codemod.explain(message, why, node))
        new_tree = tree.with_changes(nodes=(*builder, *runtime, *trailing))
        return Result(new_tree, explanations=tuple(explanations))

    def runtime_base(self, plan: _Plan) -> str:
        """The runtime image as written: a FROM that uses an ARG keeps it when the runtime is
        the same image (``node:${NODE_VERSION}-alpine``); other variable FROMs are skipped."""
        written = self.stage.from_.values.items[0]
        if "$" not in written or self.ctx.options.runtime_image or plan.tag_free:
            return plan.runtime_image
        if plan.runtime_image == str(self.image):
            return written
        raise Unsupported(
            f"the base image `{written}` uses a variable; the runtime image cannot follow it"
        )

    def as_word(self) -> str:
        """``AS`` as the file writes it (from a named FROM), else in the keyword case."""
        items = self.stage.from_.values.items
        if len(items) == 3 and items[1].lower() == "as":
            return items[1]
        return "AS" if self.style.upper else "as"

    def moved_instructions(self) -> set[int]:
        """Instructions that move to the runtime stage (ids): runtime metadata, COPYs of files
        after a compiled build, and USERs after the last RUN."""
        stage = self.stage
        moved: set[int] = set()
        last_build = self.last_build_index()
        last_run = max((self.index(r.inst) for r in self.runs), default=0)
        compiled = self.ecosystem in ("go", "rust", "c", "java", "dotnet")
        for i, inst in enumerate(stage.instructions[1:], start=1):
            directive = inst.directive
            after_build = directive in ("COPY", "ADD") and inst.flag("from") is None
            if (
                directive in MOVED
                or (after_build and i > last_build and compiled)
                or (directive == "USER" and i > last_run)
            ):
                moved.add(id(inst))
        return moved

    def runtime_env(self, plan: _Plan, moved: Sequence[Node]) -> list[Node]:
        """ENV the runtime needs, and the ARGs they or the moved instructions use, in order."""
        out: list[Node] = []
        if plan.static_site:
            return out
        referenced: set[str] = set()
        for node in moved:
            if isinstance(node, Instruction):
                referenced.update(re.findall(r"\$\{?(\w+)", node.logical))
        envs: list[Instruction] = []
        for inst in self.stage.instructions:
            if inst.directive != "ENV":
                continue
            items = inst.values.items
            pairs = [(items[i], items[i + 1], items[i + 2]) for i in range(0, len(items) - 2, 3)]
            keep = [p for p in pairs if not eco.build_only_env(p[0])]
            if not keep:
                continue
            if len(keep) == len(pairs):
                envs.append(dataclasses.replace(inst))
            elif all(sep == "=" for _, _, sep in keep):
                envs.append(self.new("ENV", " ".join(f"{k}={v}" for k, v, _ in keep)))
            else:
                raise Unsupported("an ENV mixes build and runtime variables in the legacy form")
            for _, value, _ in keep:
                referenced.update(re.findall(r"\$\{?(\w+)", value))
        args = [
            dataclasses.replace(inst)
            for inst in self.stage.instructions
            if inst.directive == "ARG"
            and any(w.split("=", 1)[0] in referenced for w in inst.values.items)
        ]
        out.extend(args)
        out.extend(envs)
        return out

    def check_healthcheck(self, node: Instruction, plan: _Plan) -> None:
        value = node.value.strip()
        if value.upper().startswith("NONE"):
            return
        cmd = re.sub(r"^(?:--\S+\s+)*CMD\s+", "", value, flags=re.I)
        words: list[str]
        if cmd.startswith("["):
            try:
                words = json.loads(cmd)
            except ValueError:
                words = []
        else:
            commands = analyse(cmd).commands
            words = list(commands[0].words) if commands else []
        program = posixpath.basename(words[0]) if words else ""
        if program in ("CMD-SHELL",) and len(words) > 1:
            program = posixpath.basename(words[1].split()[0])
        if program in plan.programs:
            return
        if any(program == posixpath.basename(c.source) for c in plan.copies):
            return
        raise Unsupported(
            f"the HEALTHCHECK runs `{program}`, which the runtime image "
            f"`{plan.runtime_image}` does not have",
            self.line(node),
        )
