"""dev-target: a ``development`` stage that runs the project's development server.

Pattern 5 of multi-stage builds: ``docker build --target development`` gives an image with the
toolchain, the dev dependencies and the project's dev command (``npm run dev``, ``flask run
--debug``, ``uvicorn --reload``, ``python manage.py runserver``, ``air``/``go run``, ``cargo
run``, ``spring-boot:run``/``bootRun``, ``dotnet watch``), while a plain build still produces the
production stage: the new stage derives from the build stage that holds the whole project and
is placed right before the production stage, which stays the last one (it is named
``production`` only when it has no name: existing names are public). The dev command comes from
the build context (package.json scripts, requirements, manage.py, .air.toml, pom.xml…); without
one the codemod skips with a reason.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from codemods.cross_platform import (
    chain_of,
    commands_of,
    context_source,
    effective_words,
    go_packages,
    option,
)
from refactor.analysis.model import Stage
from refactor.analysis.shell import Command, analyse
from refactor.data import ecosystems as eco
from refactor.data import java
from refactor.data import platforms as pf
from refactor.engine.codemod import Codemod, Context, Explanation, Planner, Result, Unsupported
from refactor.syntax.tree import Blank, Comment, Dockerfile, Instruction, Node

__all__ = ["DevTarget"]

DEVELOPMENT = "development"
PRODUCTION = "production"
#: Stage names that already mean a development image (``dev``, ``development``, ``dev-envs``…).
DEV_NAMES = re.compile(r"^dev(?:elop(?:ment)?)?(?:[-_.].*)?$")
ANY_HOST = "0.0.0.0"
#: ``python -m flask`` runs wherever pip put Flask (a virtualenv, ``--user``), unlike ``flask``.
_FLASK = ("python", "-m", "flask")
#: pip options that install where the stage's own python does not look.
_ELSEWHERE = frozenset({"--prefix", "--target", "-t", "--root"})


class DevTarget(Codemod):
    name = "dev-target"
    description = (
        "Add a `development` stage (build it with `--target development`) that derives from the "
        "build stage holding the project, installs the dev dependencies and runs the project's "
        "dev command (npm run dev, flask run --debug, uvicorn --reload, manage.py runserver, "
        "air/go run, cargo run, spring-boot:run, dotnet watch) found in the build context; it is "
        "placed before the production stage, which stays last so a plain build is unchanged; "
        "skipped with a reason when no dev command can be found."
    )
    default = False

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: _DevStage(self, tree, ctx).run())


@dataclass
class _Plan:
    command: list[str]
    source: str  # where the command comes from (for the explanation)
    setup: list[tuple[Instruction, str, str]] = field(default_factory=list)  # node, what, why
    port: str | None = None

    def add(self, node: Instruction, what: str, why: str) -> None:
        self.setup.append((node, what, why))


class _DevStage(Planner[DevTarget]):
    def __init__(self, codemod: DevTarget, tree: Dockerfile, ctx: Context) -> None:
        super().__init__(codemod, tree, ctx)

    # -- the stage it derives from ----------------------------------------------------------------
    def run(self) -> Result:
        model = self.model
        if not model.stages:
            raise Unsupported("the file has no FROM")
        if len(model.stages) == 1:
            raise Unsupported(
                "single stage: there is no build stage to derive a development stage from "
                "(split-build-runtime makes one)"
            )
        existing = next((s for s in model.stages if s.name and DEV_NAMES.match(s.name)), None)
        if existing is not None:
            raise Unsupported(f"already has a `{existing.name}` stage", self.line(existing.from_))
        final = model.final
        assert final is not None
        self.final = final
        if not self.codemod.allowed(self.tree, final.from_):
            raise Unsupported(f"opted out (# msb-migrate: skip={self.codemod.name})")
        if final.alias is None and model.stage(PRODUCTION) is not None:
            raise Unsupported("another stage is already called `production`")
        self.base = self.base_stage()
        self.chain = chain_of(model, self.base)
        for stage in self.chain:
            entry = stage.last("ENTRYPOINT")
            if entry is not None:
                raise Unsupported(
                    f"build stage `{stage.ref}` sets an ENTRYPOINT, which the dev command "
                    "would be passed to",
                    self.line(entry),
                )
        assert self.base.final_state is not None
        self.workdir = self.base.final_state.workdir
        self.start = self.start_words()
        ports = model.exposed_ports(final)
        self.port = ports[0].split("/", 1)[0] if ports else None
        ecosystem = self.ecosystem()
        planner = {
            "node": self.plan_node,
            "python": self.plan_python,
            "go": self.plan_go,
            "rust": self.plan_rust,
            "java": self.plan_java,
            "dotnet": self.plan_dotnet,
        }.get(ecosystem)
        if planner is None:
            raise Unsupported(f"no development command is known for a {ecosystem} build")
        return self.render(planner())

    def base_stage(self) -> Stage:
        """The build stage that holds the whole project in its working directory (the one the
        production stage copies from when there are several)."""
        model = self.model
        runtime = {s.index for s in chain_of(model, self.final)}
        candidates = [
            model.stages[i]
            for i in model.needed(self.final.index)
            if i not in runtime and self.holds_project(model.stages[i])
        ]
        if not candidates:
            raise Unsupported(
                "no build stage holds the whole project in its working directory (`COPY . .`): "
                "a development server would have nothing to run"
            )
        direct = {e.source for e in model.edges if e.target in runtime}
        preferred = [s for s in candidates if s.index in direct]
        return (preferred or candidates)[-1]

    def holds_project(self, stage: Stage) -> bool:
        state = stage.final_state
        return (
            state is not None and context_source(chain_of(self.model, stage), state.workdir) == ""
        )

    def start_words(self) -> list[str]:
        """The production stage's ENTRYPOINT + CMD as words ([] when unknown)."""
        words: list[str] = []
        for value in (self.model.entrypoint(self.final), self.model.cmd(self.final)):
            if isinstance(value, list):
                words.extend(value)
            elif value:
                commands = analyse(value).commands
                if len(commands) != 1:
                    return []
                words.extend(commands[0].words)
        return words[1:] if words[:1] == ["exec"] else words

    def ecosystem(self) -> str:
        root = self.chain[0]
        found = eco.ecosystem_of_image(root.image)
        if found is not None:
            return found.name
        if root.image is not None and java.jre_for(root.image) is not None:
            return "java"
        names = {c.name for c in self.commands()}
        for candidate in eco.ECOSYSTEMS:
            if names & set(candidate.commands):
                return candidate.name
        raise Unsupported(f"unknown ecosystem of build stage `{self.base.ref}`")

    def commands(self) -> list[Command]:
        out: list[Command] = []
        for stage in self.chain:
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst.directive == "RUN":
                    try:
                        out.extend(commands_of(inst, state))
                    except Unsupported as exc:
                        raise Unsupported(exc.reason, self.line(inst)) from None
        return out

    def read_json(self, path: str) -> dict[str, object]:
        text = self.ctx.read(path)
        if text is None:
            raise Unsupported(f"cannot read {path} to find the dev command")
        try:
            data = json.loads(text)
        except ValueError:
            raise Unsupported(f"{path} is not valid JSON") from None
        if not isinstance(data, dict):
            raise Unsupported(f"{path} is not a JSON object")
        return data

    def visible(self, path: str) -> bool:
        """Whether the context file ``path`` exists and .dockerignore does not drop it."""
        ignore = self.ctx.read(".dockerignore") or ""
        ignored = {line.strip().lstrip("/") for line in ignore.splitlines()}
        return self.ctx.exists(path) and path not in ignored

    # -- Node.js -----------------------------------------------------------------------------
    def plan_node(self) -> _Plan:
        package = self.read_json("package.json")
        scripts = package.get("scripts")
        scripts = scripts if isinstance(scripts, dict) else {}
        name = next((s for s in pf.DEV_SCRIPTS if isinstance(scripts.get(s), str)), None)
        if name is None:
            raise Unsupported(
                f"package.json has no dev script ({', '.join(pf.DEV_SCRIPTS)}): no dev command"
            )
        script = str(scripts[name])
        client = "pnpm" if self.visible("pnpm-lock.yaml") else "npm"
        client = "yarn" if self.visible("yarn.lock") else client
        command = {"npm": ["npm", "run", name], "yarn": ["yarn", name]}.get(
            client, ["pnpm", "run", name]
        )
        server = pf.dev_server(script)
        port = self.port
        if server is not None:
            port = str(server.port) if server.port else port
            if server.host_args:
                if re.search(r"&&|\|\||[;|&]", script):
                    raise Unsupported(
                        f"the dev script `{script}` runs several commands: cannot make its "
                        "server listen on every interface"
                    )
                command += [*(["--"] if client == "npm" else []), *server.host_args]
        plan = _Plan(command, f"the `{name}` script of package.json", port=port)
        plan.add(
            self.new("ENV", "NODE_ENV=development"),
            "the development stage sets NODE_ENV=development",
            "dev servers and tools run in development mode",
        )
        installs = [
            c
            for c in self.commands()
            if c.name in pf.NODE_INSTALLS and (c.args[:1] or ("",))[0] in pf.NODE_INSTALLS[c.name]
        ]
        if not installs:
            raise Unsupported("the build stage installs no node packages")
        if package.get("devDependencies") and self.production_only(installs):
            words = [w for w in installs[-1].words if w not in pf.NODE_PRODUCTION_FLAGS]
            words = [w for i, w in enumerate(words) if not _omit_dev(words, i)]
            plan.add(
                self.new("RUN", " ".join(words)),
                f"the development stage reinstalls the dependencies (`{' '.join(words)}`)",
                "the build stage keeps production dependencies only; the dev command needs the "
                "dev dependencies",
            )
        return plan

    def production_only(self, installs: Sequence[Command]) -> bool:
        """Whether the build stage ends with production dependencies only (install flags,
        NODE_ENV=production at the install, or a later ``npm prune --omit=dev``)."""
        last = installs[-1]
        words = last.words
        if any(f in words for f in pf.NODE_PRODUCTION_FLAGS) or "--omit" in words:
            return True
        for stage in self.chain:
            for inst, state in zip(stage.instructions, stage.states, strict=True):
                if inst.directive != "RUN":
                    continue
                for cmd in commands_of(inst, state):
                    if cmd == last and state.env.get("NODE_ENV") == "production":
                        return True
                    prune = cmd.name == "npm" and cmd.args[:1] == ("prune",)
                    if prune and any(f in cmd.words for f in pf.NODE_PRODUCTION_FLAGS):
                        return True
        return False

    # -- Python ------------------------------------------------------------------------------
    def requirements_text(self) -> str:
        files = [
            *self.ctx.glob("requirements*.txt"),
            *self.ctx.glob("requirements/*.txt"),
            *[
                f
                for f in ("pyproject.toml", "Pipfile", "setup.cfg", "setup.py")
                if self.ctx.exists(f)
            ],
        ]
        return "\n".join(self.ctx.read(f) or "" for f in files)

    def plan_python(self) -> _Plan:
        requirements = self.requirements_text()
        if not requirements:
            raise Unsupported("cannot read the project's requirements to find the dev command")

        def has(package: str) -> bool:
            return re.search(rf"(?im)^[\s\"']*{package}\b", requirements) is not None

        for cmd in self.commands():
            placed = [w for w in cmd.words if w.split("=", 1)[0] in _ELSEWHERE]
            pip = re.fullmatch(r"pip[\d.]*", cmd.name) or cmd.words[1:3] == ("-m", "pip")
            if pip and "install" in cmd.words and placed:
                raise Unsupported(
                    f"`pip install {placed[0]}` puts the packages where the build stage's python "
                    "does not find them"
                )
        words = self.start
        if len(words) >= 3 and re.fullmatch(r"python[\d.]*", words[0]) and words[1] == "-m":
            words = words[2:]
        program = posixpath.basename(words[0]) if words else ""
        target = (
            _app_target(words[1:]) if program in ("gunicorn", "uvicorn", "waitress-serve") else None
        )
        port = _bound_port(words) or self.port
        worker = option(words, "-k", "--worker-class") or ""
        if program == "uvicorn" or (program == "gunicorn" and "uvicorn" in worker.lower()):
            if target is None or not has("uvicorn"):
                raise Unsupported("cannot tell which ASGI app uvicorn serves")
            port = port or "8000"
            command = ["python", "-m", "uvicorn", target, "--reload", "--host", ANY_HOST]
            command += ["--port", port]
            plan = _Plan(command, "uvicorn in the requirements (the production server)", port=port)
        elif has("django") and self.visible("manage.py"):
            port = port or "8000"
            command = ["python", "manage.py", "runserver", f"{ANY_HOST}:{port}"]
            plan = _Plan(command, "manage.py of the Django project", port=port)
        elif has("flask"):
            target = target or self.flask_script(words)
            port = port or "5000"
            plan = self.flask(target, port, requirements)
        else:
            shown = " ".join(self.start) or "no start command"
            raise Unsupported(f"no development server is known for `{shown}`")
        for node in self.python_dev_dependencies():
            plan.add(
                node,
                f"the development stage installs the dev dependencies (`{node.value}`)",
                "tools and tests the project uses while developing",
            )
        return plan

    def flask_script(self, words: Sequence[str]) -> str:
        """``module:app`` of ``python app.py`` when app.py creates the Flask app."""
        script = words[1] if len(words) > 1 and re.fullmatch(r"python[\d.]*", words[0]) else ""
        text = self.ctx.read(script) if script.endswith(".py") else None
        found = re.search(r"^(\w+)\s*=\s*Flask\(", text or "", re.M)
        if found is None:
            raise Unsupported("cannot tell which Flask app the production command serves")
        return f"{script[:-3].replace('/', '.')}:{found.group(1)}"

    def flask(self, target: str, port: str, requirements: str) -> _Plan:
        """``flask --app X run --debug`` (Flask 2.3+), else FLASK_APP/FLASK_DEBUG (run through
        ``python -m``)."""
        pinned = re.search(r"(?im)^[\s\"']*flask\s*(==|~=|>=|>|<=|<)\s*(\d+)\.(\d+)", requirements)
        source = "Flask in the requirements"
        if pinned is None or (
            pinned.group(1) in ("==", "~=", ">=", ">")
            and (int(pinned.group(2)), int(pinned.group(3))) >= (2, 3)
        ):
            command = [*_FLASK, "--app", target, "run", "--debug", "--host", ANY_HOST]
            return _Plan([*command, "--port", port], source, port=port)
        plan = _Plan([*_FLASK, "run", "--host", ANY_HOST, "--port", port], source, port=port)
        plan.add(
            self.new("ENV", f"FLASK_APP={target} FLASK_DEBUG=1"),
            f"the development stage sets FLASK_APP={target} FLASK_DEBUG=1",
            "Flask before 2.3 takes the app and the debug mode from the environment",
        )
        return plan

    def python_dev_dependencies(self) -> list[Instruction]:
        out: list[Instruction] = []
        found = next((f for f in pf.DEV_REQUIREMENTS if self.visible(f)), None)
        if found is not None:
            out.append(self.new("RUN", f"pip install --no-cache-dir -r {found}"))
        for cmd in self.commands():
            words, _ = effective_words(cmd)
            name = posixpath.basename(words[0]) if words else ""
            if name == "poetry" and words[1:2] == ("install",):
                kept = [w for w in words if w not in pf.PYTHON_PRODUCTION_FLAGS]
                kept = [w for i, w in enumerate(kept) if not _without_dev(kept, i)]
                if kept != list(words):
                    out.append(self.new("RUN", " ".join(kept)))
            elif name == "pipenv" and words[1:2] == ("install",) and "--dev" not in words:
                out.append(self.new("RUN", " ".join([*words, "--dev"])))
        return out

    # -- Go ----------------------------------------------------------------------------------
    def plan_go(self) -> _Plan:
        builds = [
            (cmd, words)
            for cmd in self.commands()
            for words in [effective_words(cmd)[0]]
            if words[:1] and posixpath.basename(words[0]) == "go" and words[1:2] == ("build",)
        ]
        if not builds:
            raise Unsupported("the build stage has no `go build` to run with `go run`")
        program = posixpath.basename(self.start[0]) if self.start else ""
        matching = [b for b in builds if posixpath.basename(option(b[1], "-o") or "") == program]
        if len(matching) == 1:
            cmd, words = matching[0]
        elif len(builds) == 1 and option(builds[0][1], "-o") is None:
            cmd, words = builds[0]  # named after the module: assume the runtime starts it
        elif len(builds) == 1:
            raise Unsupported("the production command does not start the program go build makes")
        else:
            raise Unsupported("several go builds: cannot tell which program to run")
        if cmd.cwd != self.workdir:
            raise Unsupported(f"the go build runs in `{cmd.cwd}`, not in the working directory")
        args = self.start[1:]
        if self.visible(".air.toml") and self.go_version() >= pf.AIR_MIN_GO:
            plan = _Plan(["air", "-c", ".air.toml"], ".air.toml in the context", port=self.port)
            if not any(
                c.name == "go" and pf.AIR_MODULE.split("@")[0] in c.text for c in self.commands()
            ):
                plan.add(
                    self.new("RUN", f"go install {pf.AIR_MODULE}"),
                    f"the development stage installs air ({pf.AIR_MODULE})",
                    "air rebuilds and restarts the program when a source file changes",
                )
            return plan
        tags = option(words, "-tags")
        command = ["go", "run", *(["-tags", tags] if tags else []), *(go_packages(words) or ["."])]
        return _Plan([*command, *args], "the package the go build compiles", port=self.port)

    def go_version(self) -> tuple[int, int]:
        image = self.chain[0].image
        tag = (image.tag or "latest") if image is not None else ""
        if tag == "latest" or re.fullmatch(r"1(?:-.*)?|alpine.*|bookworm|trixie", tag):
            return (99, 0)
        found = re.match(r"(\d+)\.(\d+)", tag)
        return (int(found.group(1)), int(found.group(2))) if found else (0, 0)

    # -- Rust, Java, .NET ----------------------------------------------------------------------
    def plan_rust(self) -> _Plan:
        text = self.ctx.read("Cargo.toml")
        if text is None:
            raise Unsupported("cannot read Cargo.toml to find the program `cargo run` starts")
        bins = re.findall(r"\[\[bin\]\][^\[]*?name\s*=\s*\"([^\"]+)\"", text, re.S)
        program = posixpath.basename(self.start[0]) if self.start else ""
        command = ["cargo", "run"]
        if len(bins) > 1:
            if program not in bins:
                raise Unsupported("several binaries in Cargo.toml: cannot tell which one runs")
            command += ["--bin", program]
        if self.start[1:]:
            command += ["--", *self.start[1:]]
        return _Plan(
            command, "Cargo.toml (cargo run builds and starts the program)", port=self.port
        )

    def plan_java(self) -> _Plan:
        names = {c.name for c in self.commands()}
        pom = self.ctx.read("pom.xml") or ""
        gradle = (self.ctx.read("build.gradle") or "") + (self.ctx.read("build.gradle.kts") or "")
        if "spring-boot-maven-plugin" in pom:
            tool = "./mvnw" if "mvnw" in names and self.visible("mvnw") else "mvn"
            if tool == "mvn" and "mvn" not in names:
                raise Unsupported("the build stage has no Maven to run spring-boot:run")
            return _Plan([tool, "spring-boot:run"], "the Spring Boot Maven plugin", port=self.port)
        if "org.springframework.boot" in gradle:
            tool = "./gradlew" if "gradlew" in names and self.visible("gradlew") else "gradle"
            if tool == "gradle" and "gradle" not in names:
                raise Unsupported("the build stage has no Gradle to run bootRun")
            return _Plan([tool, "bootRun"], "the Spring Boot Gradle plugin", port=self.port)
        raise Unsupported("no development command is known for this Java build (not Spring Boot)")

    def plan_dotnet(self) -> _Plan:
        projects = self.ctx.glob("*.csproj")
        if len(projects) != 1:
            raise Unsupported("`dotnet watch` needs exactly one project file at the context root")
        plan = _Plan(
            ["dotnet", "watch", "run", "--no-launch-profile"],
            f"{projects[0]} (dotnet watch rebuilds on change)",
            port=self.port,
        )
        env = "ASPNETCORE_ENVIRONMENT=Development DOTNET_USE_POLLING_FILE_WATCHER=true"
        if self.port:
            env += f" ASPNETCORE_URLS=http://+:{self.port}"
        plan.add(
            self.new("ENV", env),
            f"the development stage sets {env}",
            "ASP.NET Core runs in its Development environment on the production port",
        )
        return plan

    # -- rendering ---------------------------------------------------------------------------
    def render(self, plan: _Plan) -> Result:
        tree = self.tree
        if any("$" in word for word in plan.command):
            raise Unsupported(
                f"the dev command `{' '.join(plan.command)}` uses a variable, which an exec-form "
                "CMD does not expand"
            )
        explanations: list[Explanation] = []
        replace: dict[int, Node] = {}
        base_ref = self.base.alias
        if base_ref is None:
            if self.model.stage("builder") is not None:
                raise Unsupported("the build stage has no name and `builder` is taken")
            base_ref = "builder"
            named = self.name_stage(self.base.from_, base_ref)
            replace[id(self.base.from_)] = named
            explanations.append(
                self.codemod.explain(
                    f"named the build stage `{base_ref}`",
                    "the development stage derives from it",
                    named,
                )
            )
        if self.final.alias is None:
            named = self.name_stage(self.final.from_, PRODUCTION)
            replace[id(self.final.from_)] = named
            explanations.append(
                self.codemod.explain(
                    f"named the production stage `{PRODUCTION}`",
                    "it stays the last stage, so a plain `docker build` still produces it; the "
                    "name makes `--target production` explicit",
                    named,
                )
            )
        as_word = "AS" if self.style.upper else "as"
        head = self.new("FROM", f"{base_ref} {as_word} {DEVELOPMENT}")
        block: list[Node] = [head, *(node for node, _, _ in plan.setup)]
        exposed = {p.split("/", 1)[0] for s in self.chain for p in self.model.exposed_ports(s)}
        if plan.port and plan.port not in exposed:
            block.append(self.new("EXPOSE", plan.port))
        cmd = self.new("CMD", json.dumps(plan.command))
        block += [cmd, Blank("", self.style.eol)]
        explanations.append(
            self.codemod.explain(
                f"added the `{DEVELOPMENT}` stage (FROM {base_ref}) running "
                f"`{' '.join(plan.command)}`",
                f"the dev command comes from {plan.source}; build it with `docker build --target "
                f"{DEVELOPMENT}`, while a plain build still produces the last (production) stage",
                head,
            )
        )
        for node, what, why in plan.setup:
            explanations.append(self.codemod.explain(what, why, node))
        nodes = list(tree.nodes)
        at = next(i for i, n in enumerate(nodes) if n is self.final.from_)
        while at > 0 and isinstance(nodes[at - 1], Comment):
            at -= 1
        if at > 0 and not isinstance(nodes[at - 1], Blank):
            block.insert(0, Blank("", self.style.eol))
        out = [replace.get(id(n), n) for n in nodes[:at]]
        out += block
        out += [replace.get(id(n), n) for n in nodes[at:]]
        return Result(tree.with_changes(nodes=tuple(out)), explanations=tuple(explanations))

    def name_stage(self, from_: Instruction, name: str) -> Instruction:
        as_word = "AS" if self.style.upper else "as"
        return from_.with_args(f"{from_.args.rstrip()} {as_word} {name}")


def _omit_dev(words: Sequence[str], i: int) -> bool:
    """``--omit dev`` / ``--only production`` written as two words."""
    pair = (words[i - 1], words[i]) if i else ("", words[i])
    here = (words[i], words[i + 1]) if i + 1 < len(words) else (words[i], "")
    dev_pairs = {("--omit", "dev"), ("--only", "production"), ("--only", "prod")}
    return pair in dev_pairs or here in dev_pairs


def _without_dev(words: Sequence[str], i: int) -> bool:
    """``--without dev`` / ``--only main`` written as two words (poetry)."""
    pair = (words[i - 1], words[i]) if i else ("", words[i])
    here = (words[i], words[i + 1]) if i + 1 < len(words) else (words[i], "")
    dev_pairs = {("--without", "dev"), ("--only", "main")}
    return pair in dev_pairs or here in dev_pairs


#: gunicorn/uvicorn/waitress options followed by a value.
_VALUE_OPTIONS = frozenset(
    {
        "-b", "--bind", "-w", "--workers", "-k", "--worker-class", "-c", "--config", "--host",
        "--port", "-p", "--listen", "--threads", "--timeout", "--chdir", "--log-level",
        "--access-logfile", "--error-logfile", "--root-path", "--app-dir", "--env-file",
    }
)  # fmt: skip


def _app_target(args: Sequence[str]) -> str | None:
    """The ``module:app`` operand of gunicorn/uvicorn/waitress-serve (option values skipped)."""
    value = False
    for word in args:
        if value:
            value = False
        elif word in _VALUE_OPTIONS:
            value = True
        elif re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.()]*", word):
            return word
    return None


def _bound_port(words: Sequence[str]) -> str | None:
    """The port a gunicorn/uvicorn/waitress command binds (``--bind 0.0.0.0:8000``, ``--port``)."""
    bind = re.search(r":(\d+)$", option(words, "-b", "--bind", "--listen") or "")
    if bind is not None:
        return bind.group(1)
    port = option(words, "--port", "-p")
    return port if port and port.isdigit() else None
