"""Node.js: the app folder with production ``node_modules`` on the slim image of the same Node;
a Next.js standalone build as its self-contained ``server.js``; a static site (vite, CRA, Vue
CLI) served by nginx on the port the original server listened on."""

from __future__ import annotations

import posixpath
import re

from codemods.split_build_runtime import manifests, steps
from codemods.split_build_runtime.facts import Facts, absolute
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    for run, cmd in f.all_commands:
        if cmd.name in ("npm", "yarn", "pnpm") and (
            cmd.has_flag("-g", "--global") or (cmd.name == "yarn" and cmd.args[:1] == ("global",))
        ):
            raise Unsupported(
                "a global package install lives outside the app folder", run.line, code="SPL026"
            )
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
    command = script_text or " ".join(f.start)
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
    _prune(f, result)
    roots = steps.app_copies(f, result, "the application with its production node_modules")
    steps.check_start_paths(f, roots, result)
    steps.check_after_build(f, roots)
    return result


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


def _prune(f: Facts, plan: Plan) -> None:
    """Dev dependencies are pruned after the build unless the installs left them out."""
    installs = [
        (r, c)
        for r, c in f.all_commands
        if (c.name == "npm" and c.args[:1] in (("ci",), ("install",), ("i",)))
        or (c.name in ("yarn", "pnpm") and c.args[:1] in ((), ("install",)))
    ]
    if not installs:
        raise Unsupported(
            "no npm/yarn/pnpm install step: nothing a runtime stage would leave behind",
            code="SPL012",
        )
    data = manifests.package_json(f.ctx)
    dev = None if data is None else bool(data.get("devDependencies"))
    production = all(
        c.has_flag("--production", "--only", "--omit")
        or r.state.env.get("NODE_ENV") == "production"
        for r, c in installs
    )
    if dev is False or production:
        return
    if any(c.name != "npm" for _, c in installs):
        raise Unsupported(
            "yarn/pnpm installs with dev dependencies: cannot prune them safely", code="SPL026"
        )
    anchor = f.stage.instructions[f.last_build_index]
    prune = f.new("RUN", eco.NPM_PRUNE)
    plan.after[id(anchor)] = [prune]
    plan.explanations.append(
        (prune, "prunes dev dependencies after the build", "the runtime copies node_modules")
    )


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
