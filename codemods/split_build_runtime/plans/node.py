"""Node.js: the app folder with production ``node_modules`` on the slim image of the same Node;
a Next.js standalone build as its self-contained ``server.js``; a static site (vite, CRA, Vue
CLI, Angular) served by nginx on the port the original server listened on.

Decisions:

* Dependencies installed outside the app folder are copied to the same absolute path, where
  Node.js finds them as before: ``npm install && mv node_modules ../`` (found through Node's
  parent-folder lookup), ``npm install --prefix DIR``, folders named by ``NODE_PATH``. A global
  ``npm install -g`` the start command uses (its program, or ``NODE_PATH``) is run again in
  the runtime stage: npm's bin links cannot be copied (a copied link target loses the package's
  relative requires); a global install nothing uses is a build tool the runtime leaves behind.
* Dev dependencies are pruned only when none is reachable from the start file's import graph
  (:mod:`..nodegraph`); otherwise they are kept and the explanation says which one (or why the
  graph is not proven). A kept dev dependency is never a skip: the split still drops the
  toolchain image.
* On the builder's own image (``node:24-slim``, an alpine tag), the download cache an install
  leaves (``~/.npm``, yarn's cache) is not the split's gain, as pip's is not for Python:
  cache-mounts (on by default) keeps it out of the single-stage image too, and a split that only
  moves the same files into a second stage is skipped (SPL035).
* The build's installs are also found inside the package.json scripts it runs (``npm run
  build`` → ``cd client && npm install && …``), and package.json is the file the build copied
  into the WORKDIR (``COPY src/package*.json ./``), not only the context root's.
* ``ng serve`` of the production configuration serves the bundle ``ng build`` of the same
  configuration writes: the builder builds it and nginx serves it on the same port (the folder
  from angular.json's build target). Any other ``ng serve`` stays a development server.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Sequence

from codemods.split_build_runtime import manifests, nodegraph, steps, variants
from codemods.split_build_runtime.checks import worth_splitting
from codemods.split_build_runtime.facts import Facts, Run, absolute, operands
from codemods.split_build_runtime.plan import Copy, Plan
from codemods.split_build_runtime.sources import origin
from refactor.analysis.semantics import under
from refactor.analysis.shell import Command, analyse
from refactor.data import ecosystems as eco
from refactor.data import node, system
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    manifest = _manifest(f, f.final.workdir) or "package.json"
    script_name = _start_script(f.start)
    script_text = None
    if script_name is not None:
        script_text = manifests.script(f.ctx, script_name, manifest)
        if script_text is None:
            if (
                script_name == "start"
                and f.ctx.has_context
                and manifests.package_json(f.ctx, manifest)
            ):
                script_text = eco.NPM_DEFAULT_START
            else:
                raise Unsupported(
                    f"the start command runs the package.json script `{script_name}`, "
                    "which cannot be read",
                    code="SPL009",
                )
    command = script_text or shlex.join(f.start)
    if eco.NEXT_START.search(command) and manifests.next_standalone(f.ctx):
        return _next(f, command)
    for pattern, port in eco.STATIC_SERVERS:
        found = pattern.search(command)
        if found:
            return _static_site(f, command, found, port, manifest)
    if node.ANGULAR_SERVE.search(command):
        return _angular(f, command, script_text is not None)
    if eco.DEV_SERVER_SCRIPT.search(command):
        raise Unsupported(
            f"the start command runs a development server (`{command}`)", code="SPL011"
        )
    if posixpath.basename(f.start[0]) == "npx":
        raise Unsupported(
            "the start command runs npx, which may need dev dependencies", code="SPL011"
        )
    globals_used = _global_installs(f, command)  # a static site leaves them all behind
    tag = _slim_tag(f)
    steps.flavour(f, "node")
    packages, user_runs = steps.packages(f)
    result = Plan(
        steps.explicit(f, str(f.image.with_tag(tag))),
        "the same Node.js on the slim image with production dependencies only",
        eco.RUNTIME_PROGRAMS["node"],
    )
    steps.system_packages(f, result, packages, user_runs)
    _reinstall_globals(f, result, globals_used, command)
    outside = _outside_modules(f, f.copy_roots)
    pruned = _prune(f, result, command, [c.source for c in outside], manifest)
    nested = _build_only_modules(f, result, command)
    what = "production node_modules" if pruned or _production(f) else "node_modules"
    if what == "node_modules":
        result.runtime_why = "the same Node.js on the slim image"
    roots = steps.app_copies(f, result, f"the application with its {what}")
    result.copies.extend(outside)
    steps.check_start_paths(f, roots, result)
    kept = [*roots, *(c.source for c in outside)]
    steps.check_after_build(f, kept)
    worth_splitting(f, result, [d for d in (pruned, *nested) if d is not None])
    return result


# -- dependencies installed outside the app folder ------------------------------------------------


def _global_installs(f: Facts, command: str) -> list[tuple[Run, Command]]:
    """The global installs the start command uses (its program is not one the runtime has,
    or ``NODE_PATH`` is set); a global install of another package manager than npm that may
    be used is Unsupported."""
    found = [
        (run, cmd)
        for run, cmd in _commands(f)
        if cmd.name in ("npm", "yarn", "pnpm")
        and (cmd.has_flag("-g", "--global") or (cmd.name == "yarn" and cmd.args[:1] == ("global",)))
    ]
    if not found:
        return []
    if not _global_programs(command) and "NODE_PATH" not in f.final.env:
        return []  # build tools: the runtime leaves them behind
    for run, cmd in found:
        if cmd.name != "npm" or cmd.cwd is None:
            raise Unsupported(
                "a global package install lives outside the app folder", run.line, code="SPL026"
            )
    return found


def _global_programs(command: str) -> set[str]:
    """The programs of the start command that no runtime image has: a global install's."""
    return {
        p
        for p in nodegraph.start_programs(command)
        if "/" not in p and p not in eco.RUNTIME_PROGRAMS["node"]
    }


def _reinstall_globals(
    f: Facts, plan: Plan, found: Sequence[tuple[Run, Command]], command: str
) -> None:
    """Run the global installs the start command uses again in the runtime stage (the
    programs of the start command the runtime lacks are theirs)."""
    if found:
        plan.programs = plan.programs | _global_programs(command)
    for _, cmd in found:
        run = f.new("RUN", shlex.join(cmd.words))
        plan.runtime_head.append(run)
        names = [op for op in operands(cmd) if op not in ("install", "i", "add")]
        plan.explanations.append(
            (
                run,
                f"installs the global package{'s' if len(names) > 1 else ''} "
                f"{', '.join(names)} again in the runtime stage",
                "the start command uses npm's global folder; the runtime finds the packages at "
                "the same path (npm's bin links cannot be copied from the builder)",
            )
        )


def _outside_modules(f: Facts, roots: Sequence[str]) -> list[Copy]:
    """The copies of the ``node_modules`` folders the build put outside the copied app
    folders (an install in another folder or with ``--prefix``, a move to a parent folder),
    to the same path, where Node.js finds them as before."""
    found: dict[str, str] = {}  # folder -> how the build put it there
    for _, cmd in _commands(f):
        ops = operands(cmd)
        if cmd.name in ("mv", "cp") and len(ops) >= 2:
            moved = [s for s in ops[:-1] if posixpath.basename(s.rstrip("/")) == "node_modules"]
            if not moved:
                continue
            dest = ops[-1]
            target = absolute(cmd.cwd, dest)
            if dest.endswith("/") or posixpath.basename(dest.rstrip("/")) in (".", ".."):
                target = posixpath.join(target, "node_modules")
            if cmd.name == "mv":
                for source in moved:
                    found.pop(absolute(cmd.cwd, source.rstrip("/")), None)
            found[target] = f"`{cmd.name} {' '.join(moved)} {dest}`"
        elif _installs_modules(cmd):
            prefix = _option(cmd.args, "--prefix") or "."
            folder = posixpath.join(absolute(cmd.cwd, prefix), "node_modules")
            found[folder] = f"`{' '.join(cmd.words[:2])}` in {posixpath.dirname(folder)}"
    workdir = f.final.workdir
    node_path = f.final.env.get("NODE_PATH", "").split(":")
    copies: list[Copy] = []
    for folder, how in found.items():
        if any(under(folder, r) for r in (*roots, *(c.source for c in copies))):
            continue
        if folder in eco.SYSTEM_ROOTS or any(under(folder, d) for d in system.SYSTEM_DIRS):
            raise Unsupported(
                f"Node.js packages are put in `{folder}` ({how}), a system folder",
                code="SPL026",
            )
        if folder in node_path:
            lookup = "through NODE_PATH"
        elif under(workdir, posixpath.dirname(folder)):
            lookup = "through its parent-folder lookup from the app folder"
        else:
            lookup = "at the same path"
        copies.append(
            Copy(
                folder,
                folder,
                f"the dependencies the build put outside the app folder ({how}); Node.js "
                f"finds them {lookup} as before",
            )
        )
    return copies


def _installs_modules(cmd: Command) -> bool:
    """A local (not global) npm/yarn/pnpm install."""
    if cmd.has_flag("-g", "--global") or cmd.args[:1] == ("global",):
        return False
    if cmd.name == "npm":
        return cmd.args[:1] in (("ci",), ("install",), ("i",))
    return cmd.name in ("yarn", "pnpm") and cmd.args[:1] in ((), ("install",), ("add",))


def _option(args: Sequence[str], name: str) -> str | None:
    for i, word in enumerate(args):
        if word == name and i + 1 < len(args):
            return args[i + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    return None


# -- the build's commands, through the package.json scripts it runs -------------------------------


def _manifest(f: Facts, folder: str) -> str | None:
    """The context path of the package.json the build copied into ``folder``, or None."""
    return origin(f, posixpath.join(folder, "package.json"))


def _commands(f: Facts) -> list[tuple[Run, Command]]:
    """Every command of every RUN, each followed by the commands of the package.json script
    it runs (``npm run build`` → ``cd client && npm install && …``), read through scripts
    that run scripts up to :data:`~refactor.data.node.SCRIPT_DEPTH` deep."""
    found: list[tuple[Run, Command]] = []
    for run, cmd in f.all_commands:
        found.append((run, cmd))
        found.extend((run, c) for c in _script_commands(f, run, cmd, node.SCRIPT_DEPTH))
    return found


def _script_commands(f: Facts, run: Run, cmd: Command, depth: int) -> list[Command]:
    """The commands of the package.json script ``cmd`` runs ([] when it runs none, or the
    script cannot be read: then nothing more is known of it)."""
    name = _script_run(cmd)
    if name is None or depth == 0 or cmd.cwd is None:
        return []
    manifest = _manifest(f, cmd.cwd)
    text = manifests.script(f.ctx, name, manifest) if manifest is not None else None
    if text is None:
        return []
    script = analyse(text, cmd.cwd, run.state.variables)
    if script.opaque:
        return []
    found: list[Command] = []
    for sub in script.commands:
        found.append(sub)
        found.extend(_script_commands(f, run, sub, depth - 1))
    return found


def _script_run(cmd: Command) -> str | None:
    """The package.json script a build command runs (``npm run x``, ``yarn x``), or None."""
    for prefix in node.SCRIPT_RUNNERS.get(cmd.name, ()):
        rest = cmd.args[len(prefix) :]
        if cmd.args[: len(prefix)] == prefix and rest and not rest[0].startswith("-"):
            return rest[0]
    return None


def _slim_tag(f: Facts) -> str:
    tag = eco.slim_tag(f.image.tag, f.image.hub_name)
    if tag is None:
        raise Unsupported(f"no slim variant is known for `{f.image}`", code="SPL024")
    return tag


def _start_script(words: tuple[str, ...]) -> str | None:
    """The package.json script the start command runs (``npm start``, ``npm run x``)."""
    name = posixpath.basename(words[0])
    if name == "npm" and words[1:2] == ("start",):
        return "start"
    if name == "npm" and words[1:2] in (("run",), ("run-script",)) and len(words) > 2:
        return words[2]
    if name in ("yarn", "pnpm") and len(words) > 1:
        return words[2] if words[1] == "run" and len(words) > 2 else words[1]
    return None


def _built(f: Facts) -> bool:
    """Whether a RUN builds the app (``npm run build``, ``yarn build``…)."""
    return any(c.name in ("npm", "yarn", "pnpm") and "build" in c.args[:2] for _, c in _commands(f))


def _prune(f: Facts, plan: Plan, command: str, outside: Sequence[str], manifest: str) -> str | None:
    """Prune the dev dependencies after the build unless the installs left them out or one
    may be loaded at run time (then say why they are kept); what the prune drops, or None."""
    installs = [(r, c) for r, c in _commands(f) if _installs_modules(c)]
    if not installs:
        raise Unsupported(
            "no npm/yarn/pnpm install step: nothing a runtime stage would leave behind",
            code="SPL012",
        )
    data = manifests.package_json(f.ctx, manifest)
    dev = data.get("devDependencies") if data is not None else None
    dev_names = sorted(dev) if isinstance(dev, dict) else None
    if _production(f) or (data is not None and not dev_names):
        return None
    tools = sorted({c.name for _, c in installs})
    why = _keep_dev(f, command, dev_names, tools, outside)
    if why is None and variants.chosen(f, variants.KEEP_DEV_DEPS):
        why = "the image pruned of them failed verification (keep-dev-deps variant)"
    if why is not None:
        plan.explanations.append((installs[-1][0].inst, "keeps the dev dependencies", why))
        return None
    assert dev_names is not None  # _keep_dev keeps them when package.json cannot be read
    anchor = f.stage.instructions[f.last_build_index]
    prune = f.new("RUN", eco.NODE_PRUNE[tools[0]])
    plan.after[anchor] = [prune]
    plan.explanations.append(
        (
            prune,
            "prunes dev dependencies after the build",
            "the runtime copies node_modules, and no devDependency is reachable from the "
            "start file's imports",
        )
    )
    return f"the dev dependencies ({', '.join(dev_names)})"


def _production(f: Facts) -> bool:
    """Whether every install leaves the dev dependencies out."""
    return all(
        c.has_flag("--production", "--only", "--omit", "--prod")
        or r.state.env.get("NODE_ENV") == "production"
        for r, c in _commands(f)
        if _installs_modules(c)
    )


def _keep_dev(
    f: Facts, command: str, dev: Sequence[str] | None, tools: Sequence[str], outside: Sequence[str]
) -> str | None:
    """Why the dev dependencies must be kept, or None when pruning them is proven safe."""
    if dev is None:
        return "package.json cannot be read: which dependencies are dev ones is unknown"
    if len(tools) > 1:
        return f"the dependencies are installed by {' and '.join(tools)}: no single prune"
    if tools[0] == "yarn" and f.ctx.exists(".yarnrc.yml"):
        return "Yarn Berry (.yarnrc.yml) has no prune of dev dependencies"
    if outside:
        return (
            f"node_modules is moved to {', '.join(outside)}: a prune in the app folder would "
            "not reach it"
        )
    graph = _start_graph(f, command)
    if isinstance(graph, str):
        return graph
    used = [(p, where) for p, where in graph.packages.items() if p in dev]
    if used:
        listed = ", ".join(f"`{p}` (imported by {where})" for p, where in used)
        return f"devDependencies the program loads at run time: {listed}"
    return None


def _start_graph(f: Facts, command: str) -> nodegraph.Graph | str:
    """The import graph of the start command's files, or why it is not proven."""
    entries = nodegraph.start_entries(command)
    if entries is None:
        return f"the start command `{command}` does not run `node FILE`: what it loads is unknown"
    files, preloads = entries
    workdir = f.final.workdir
    sources: list[str] = []
    bare = [name for name in preloads if nodegraph.package_name(name) is not None]
    for name in (*(p for p in preloads if p not in bare), *files):
        source = origin(f, absolute(workdir, name), existing=False)
        if source is None:
            return f"`{name}` does not come from the build context: its imports cannot be read"
        sources.append(source)
    graph = nodegraph.import_graph(f.ctx, sources, bare)
    if graph.problem is not None:
        return f"the start file's imports cannot all be read ({graph.problem})"
    return graph


def _build_only_modules(f: Facts, plan: Plan, command: str) -> list[str]:
    """Drop, after the build, the ``node_modules`` of installs in subfolders of the app folder
    (``cd client && npm install && npm run build``) that the program never loads: no file of
    the start file's import graph is in that subfolder (Node.js resolves a package from the
    importing file's folder upwards) and none names ``node_modules`` (a path it may read).
    Returns the folders dropped."""
    workdir = f.final.workdir
    folders = sorted(
        {
            c.cwd
            for _, c in _commands(f)
            if _installs_modules(c)
            and c.cwd is not None
            and c.cwd != workdir
            and under(c.cwd, workdir)
            and _option(c.args, "--prefix") is None
        }
    )
    if not folders or variants.chosen(f, variants.KEEP_DEV_DEPS):
        return []
    graph = _start_graph(f, command)
    if isinstance(graph, str):
        return []
    if any("node_modules" in (f.ctx.read(file) or "") for file in graph.files):
        return []
    dropped: list[str] = []
    for folder in folders:
        source = origin(f, folder, existing=False)
        if source is None or any(under(file, source) for file in graph.files):
            continue
        dropped.append(posixpath.relpath(posixpath.join(folder, "node_modules"), workdir))
    if not dropped:
        return []
    anchor = f.stage.instructions[f.last_build_index]
    run = f.new("RUN", shlex.join(["rm", "-rf", *dropped]))
    plan.after.setdefault(anchor, []).append(run)
    plan.explanations.append(
        (
            run,
            f"drops {', '.join(dropped)} after the build",
            "installed only to build in its folder: no file the program loads is in that folder "
            "(Node.js looks for packages from the importing file's folder upwards), and none "
            "names node_modules",
        )
    )
    return dropped


def _next(f: Facts, command: str) -> Plan:
    """Next.js with ``output: 'standalone'``: the runtime runs .next/standalone/server.js."""
    if not _built(f):
        raise Unsupported("the Next.js app is not built in the Dockerfile", code="SPL012")
    tag = _slim_tag(f)
    steps.flavour(f, "node")
    packages, user_runs = steps.packages(f)
    given = re.search(r"(?:-p|--port)[= ](\d+)", command)
    port = given.group(1) if given else eco.NEXT_DEFAULT_PORT
    result = Plan(
        steps.explicit(f, str(f.image.with_tag(tag))),
        "Next.js standalone output is a self-contained server: node on the slim image runs "
        "it without node_modules",
        eco.RUNTIME_PROGRAMS["node"],
    )
    steps.system_packages(f, result, packages, user_runs)
    workdir = f.final.workdir
    result.copies.append(
        Copy(f"{workdir}/.next/standalone", workdir, "the standalone server (output: standalone)")
    )
    result.copies.append(
        Copy(
            f"{workdir}/.next/static",
            f"{workdir}/.next/static",
            "static assets the standalone server serves but does not include",
        )
    )
    if f.ctx.exists("public"):
        result.copies.append(Copy(f"{workdir}/public", f"{workdir}/public", "public assets"))
    env = f.new("ENV", f"PORT={port} HOSTNAME=0.0.0.0")
    result.runtime_head.append(env)
    result.start = f.new("CMD", eco.NEXT_STANDALONE_CMD)
    result.explanations.append(
        (
            result.start,
            f"runs the standalone server.js instead of `{command}`",
            "Next.js documents server.js as the standalone equivalent of `next start`; PORT "
            f"({port}) and HOSTNAME keep it listening where it did",
        )
    )
    steps.check_after_build(f, [workdir])
    return result


def _static_site(f: Facts, command: str, found: re.Match[str], port: int, manifest: str) -> Plan:
    """A static site: nginx serves the built folder on the original port."""
    build = manifests.script(f.ctx, "build", manifest)
    if build is None:
        raise Unsupported("a static site whose build script cannot be read", code="SPL013")
    folder = found.groupdict().get("dir")
    if folder is None:
        folder = next((d for p, d in eco.SPA_BUILDERS if p.search(build)), None)
    if folder is None:
        raise Unsupported(f"unknown output folder of the build script `{build}`", code="SPL013")
    for config in f.ctx.glob("vite.config.*"):
        if "outDir" in (f.ctx.read(config) or ""):
            raise Unsupported(f"{config} sets build.outDir: unknown output folder", code="SPL013")
    if not _built(f):
        raise Unsupported("the static site is not built in the Dockerfile", code="SPL012")
    given = re.search(r"(?:--port|-p|-l|--listen)[= ](\d+)", command)
    port = int(given.group(1)) if given else port
    return _nginx(f, absolute(f.final.workdir, folder), port)


def _nginx(f: Facts, source: str, port: int) -> Plan:
    """The nginx runtime serving the built folder ``source`` on ``port``."""
    steps.flavour(f, "static-site")
    result = Plan(
        steps.explicit(f, eco.NGINX_IMAGE),
        "the site is static files: nginx serves them without Node.js",
        eco.RUNTIME_PROGRAMS["nginx"],
        static_site=True,
        port=str(port),
    )
    conf = eco.NGINX_CONF_TEMPLATE.format(port=port, root=eco.NGINX_HTML).replace("\n", "\\n")
    run = f.new("RUN", f"printf '{conf}' > {eco.NGINX_CONF}")
    result.runtime_tail.append(run)
    result.explanations.append(
        (
            run,
            f"configures nginx to listen on {port} with a single-page-app fallback",
            f"the original server listened on {port}, so the port stays the same; pid and "
            "temporary files go to /tmp so nginx also runs as a non-root user",
        )
    )
    result.copies.append(Copy(source.rstrip("/") + "/", eco.NGINX_HTML + "/", "the built site"))
    steps.check_after_build(f, [source])
    return result


# -- Angular: ng serve of the production build -----------------------------------------------------


def _angular(f: Facts, command: str, from_script: bool) -> Plan:
    """``ng serve`` of the production configuration: the builder runs ``ng build`` of the same
    configuration, and nginx serves the files on the same port (``ng serve`` serves that
    bundle from memory, with the same index.html fallback)."""
    words = shlex.split(command)
    npx = words[0] == "npx"
    build, port, production = _angular_options(command, words[3:] if npx else words[2:])
    if not production:
        raise Unsupported(
            f"the start command runs a development server (`{command}`)", code="SPL011"
        )
    if not any(_installs_modules(c) for _, c in _commands(f)):
        raise Unsupported(
            "no npm/yarn/pnpm install step: the Angular CLI is not installed", code="SPL012"
        )
    folder = _angular_output(f, build)
    anchor = next(
        i for i in reversed(f.stage.instructions) if i.directive in ("COPY", "ADD", "RUN")
    )
    if f.stage.state_of(anchor).workdir != f.final.workdir:
        raise Unsupported(
            "a WORKDIR after the last build step: where ng build runs cannot be told",
            code="SPL014",
        )
    program = ["npx", "ng"] if npx or from_script else ["ng"]
    run = f.new("RUN", shlex.join([*program, "build", *build]))
    result = _nginx(f, absolute(f.final.workdir, folder), port)
    result.after[anchor] = [run]
    result.explanations.append(
        (
            run,
            f"builds the bundle `{command}` served, into {folder}",
            "ng serve of the production configuration compiles the same bundle in memory and "
            "serves it with an index.html fallback: nginx serves the files ng build writes",
        )
    )
    return result


def _angular_options(command: str, args: Sequence[str]) -> tuple[list[str], int, bool]:
    """The ``ng build`` options of an ``ng serve``, its port, and whether it serves the
    production configuration (an option of neither kind is Unsupported)."""
    build: list[str] = []
    port = node.ANGULAR_DEFAULT_PORT
    production = False
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition("=")
        takes = name in node.ANGULAR_BUILD_OPTIONS or name in node.ANGULAR_SERVE_OPTIONS
        if takes and not eq:
            if i + 1 >= len(args):
                break
            value = args[i + 1]
            i += 1
        if name in node.ANGULAR_BUILD_OPTIONS:
            build += [name, value]
            production |= name != "--project" and node.ANGULAR_PRODUCTION in value.split(",")
        elif name == "--port" and value.isdigit():
            port = int(value)
        elif args[i] in node.ANGULAR_BUILD_FLAGS:
            build.append(args[i])
            production = True
        elif not (name in node.ANGULAR_SERVE_OPTIONS or args[i] in node.ANGULAR_SERVE_FLAGS):
            raise Unsupported(
                f"`{command}`: the ng build equivalent of `{args[i]}` is not known",
                code="SPL011",
            )
        i += 1
    return build, port, production


def _angular_output(f: Facts, build: Sequence[str]) -> str:
    """The folder (relative to the WORKDIR) ``ng build`` writes the browser files to, from
    angular.json's build target of the project (SPL013 when it cannot be told)."""
    path = origin(f, posixpath.join(f.final.workdir, "angular.json")) or "angular.json"
    text = f.ctx.read(path)
    try:
        data = json.loads(text) if text is not None else None
    except ValueError:
        data = None
    projects = data.get("projects") if isinstance(data, dict) else None
    if not isinstance(projects, dict):
        raise Unsupported("angular.json cannot be read: unknown output folder", code="SPL013")
    name = _option(build, "--project") or (data or {}).get("defaultProject")
    if name is None and len(projects) == 1:
        name = next(iter(projects))
    project = projects.get(name) if isinstance(name, str) else None
    targets = (
        (project.get("architect") or project.get("targets")) if isinstance(project, dict) else None
    )
    target = targets.get("build") if isinstance(targets, dict) else None
    if not isinstance(target, dict) or target.get("builder") not in node.ANGULAR_BUILDERS:
        raise Unsupported(
            "angular.json's build target of the project is not one of Angular's browser "
            "builders: unknown output folder",
            code="SPL013",
        )
    options = target.get("options")
    output = options.get("outputPath") if isinstance(options, dict) else None
    configurations = target.get("configurations")
    for conf in (_option(build, "--configuration") or _option(build, "-c") or "").split(","):
        chosen = configurations.get(conf) if isinstance(configurations, dict) else None
        if isinstance(chosen, dict) and "outputPath" in chosen:
            output = chosen["outputPath"]
    browser = node.ANGULAR_BUILDERS[target["builder"]]
    if isinstance(output, dict) and browser is not None:
        base, browser = output.get("base"), output.get("browser", browser)
    else:
        base = output
    if not isinstance(base, str) or not isinstance(browser, (str, type(None))):
        raise Unsupported("angular.json names no outputPath: unknown output folder", code="SPL013")
    return posixpath.normpath(posixpath.join(base, browser) if browser else base)
