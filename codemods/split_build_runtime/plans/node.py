"""Node.js: the app folder with production ``node_modules`` on the slim image of the same Node;
a Next.js standalone build as its self-contained ``server.js``; a static site (vite, CRA, Vue
CLI) served by nginx on the port the original server listened on.

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
"""

from __future__ import annotations

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
from refactor.analysis.shell import Command
from refactor.data import ecosystems as eco
from refactor.data import system
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    script_name = _start_script(f.start)
    script_text = None
    if script_name is not None:
        script_text = manifests.script(f.ctx, script_name)
        if script_text is None:
            if script_name == "start" and f.ctx.has_context and manifests.package_json(f.ctx):
                script_text = eco.NPM_DEFAULT_START
            else:
                raise Unsupported(
                    f"the start command runs the package.json script `{script_name}`, "
                    "which cannot be read",
                    code="SPL009",
                )
    command = script_text or shlex.join(f.start)
    globals_used = _global_installs(f, command)
    if eco.NEXT_START.search(command) and manifests.next_standalone(f.ctx):
        return _next(f, command)
    for pattern, port in eco.STATIC_SERVERS:
        found = pattern.search(command)
        if found:
            return _static_site(f, command, found, port)
    if eco.DEV_SERVER_SCRIPT.search(command):
        raise Unsupported(
            f"the start command runs a development server (`{command}`)", code="SPL011"
        )
    if posixpath.basename(f.start[0]) == "npx":
        raise Unsupported(
            "the start command runs npx, which may need dev dependencies", code="SPL011"
        )
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
    pruned = _prune(f, result, command, [c.source for c in outside])
    what = "production node_modules" if pruned or _production(f) else "node_modules"
    if what == "node_modules":
        result.runtime_why = "the same Node.js on the slim image"
    roots = steps.app_copies(f, result, f"the application with its {what}")
    result.copies.extend(outside)
    steps.check_start_paths(f, roots, result)
    steps.check_after_build(f, [*roots, *(c.source for c in outside)])
    worth_splitting(f, result, [pruned] if pruned else [])
    return result


# -- dependencies installed outside the app folder ------------------------------------------------


def _global_installs(f: Facts, command: str) -> list[tuple[Run, Command]]:
    """The global installs the start command uses (its program is not one the runtime has,
    or ``NODE_PATH`` is set); a global install of another package manager than npm that may
    be used is Unsupported."""
    found = [
        (run, cmd)
        for run, cmd in f.all_commands
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
    for _, cmd in f.all_commands:
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
    return any(
        c.name in ("npm", "yarn", "pnpm") and "build" in c.args[:2] for _, c in f.all_commands
    )


def _prune(f: Facts, plan: Plan, command: str, outside: Sequence[str]) -> str | None:
    """Prune the dev dependencies after the build unless the installs left them out or one
    may be loaded at run time (then say why they are kept); what the prune drops, or None."""
    installs = [(r, c) for r, c in f.all_commands if _installs_modules(c)]
    if not installs:
        raise Unsupported(
            "no npm/yarn/pnpm install step: nothing a runtime stage would leave behind",
            code="SPL012",
        )
    data = manifests.package_json(f.ctx)
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
        for r, c in f.all_commands
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
    used = [(p, where) for p, where in graph.packages.items() if p in dev]
    if used:
        listed = ", ".join(f"`{p}` (imported by {where})" for p, where in used)
        return f"devDependencies the program loads at run time: {listed}"
    return None


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


def _static_site(f: Facts, command: str, found: re.Match[str], port: int) -> Plan:
    """A static site: nginx serves the built folder on the original port."""
    build = manifests.script(f.ctx, "build")
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
    source = absolute(f.final.workdir, folder)
    result.copies.append(Copy(source.rstrip("/") + "/", eco.NGINX_HTML + "/", "the built site"))
    steps.check_after_build(f, [source])
    return result
