"""Node.js: the first package.json script among ``dev``, ``start:dev``, ``develop``.

It runs through the client the context's lock file names (yarn, pnpm, else npm); a known dev
server (:data:`refactor.data.platforms.DEV_SERVERS`) is told to listen on every interface when
it does not already, which needs the script to run that one command. The stage sets
``NODE_ENV=development`` and reinstalls with the dev dependencies when the build stage keeps
production ones only (install flags, ``NODE_ENV=production`` at the install, a later prune).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from codemods.dev_target.plan import DevPlan
from refactor.analysis.shell import Command
from refactor.data import platforms as pf
from refactor.engine.codemod import Unsupported

if TYPE_CHECKING:
    from codemods.dev_target.planner import DevStage

__all__ = ["plan"]


def plan(dev: DevStage) -> DevPlan:
    package = dev.read_json("package.json")
    scripts = package.get("scripts")
    scripts = scripts if isinstance(scripts, dict) else {}
    name = next((s for s in pf.DEV_SCRIPTS if isinstance(scripts.get(s), str)), None)
    if name is None:
        raise Unsupported(
            f"package.json has no dev script ({', '.join(pf.DEV_SCRIPTS)}): no dev command",
            code="DEV009",
        )
    script = str(scripts[name])
    client = "pnpm" if dev.visible("pnpm-lock.yaml") else "npm"
    client = "yarn" if dev.visible("yarn.lock") else client
    command = {"npm": ["npm", "run", name], "yarn": ["yarn", name]}.get(
        client, ["pnpm", "run", name]
    )
    server = pf.dev_server(script)
    port = dev.port
    if server is not None:
        port = str(server.port) if server.port else port
        if server.host_args:
            if re.search(r"&&|\|\||[;|&]", script):
                raise Unsupported(
                    f"the dev script `{script}` runs several commands: cannot make its "
                    "server listen on every interface",
                    code="DEV012",
                )
            command += [*(["--"] if client == "npm" else []), *server.host_args]
    plan = DevPlan(command, f"the `{name}` script of package.json", port=port)
    plan.add(
        dev.new("ENV", "NODE_ENV=development"),
        "the development stage sets NODE_ENV=development",
        "dev servers and tools run in development mode",
    )
    installs = [
        c
        for c in dev.commands()
        if c.name in pf.NODE_INSTALLS and (c.args[:1] or ("",))[0] in pf.NODE_INSTALLS[c.name]
    ]
    if not installs:
        raise Unsupported("the build stage installs no node packages", code="DEV013")
    if package.get("devDependencies") and production_only(dev, installs):
        words = [w for w in installs[-1].words if w not in pf.NODE_PRODUCTION_FLAGS]
        words = [w for i, w in enumerate(words) if not _omit_dev(words, i)]
        plan.add(
            dev.new("RUN", " ".join(words)),
            f"the development stage reinstalls the dependencies (`{' '.join(words)}`)",
            "the build stage keeps production dependencies only; the dev command needs the "
            "dev dependencies",
        )
    return plan


def production_only(dev: DevStage, installs: Sequence[Command]) -> bool:
    """Whether the build stage ends with production dependencies only (install flags,
    NODE_ENV=production at the install, or a later ``npm prune --omit=dev``)."""
    last = installs[-1]
    words = last.words
    if any(f in words for f in pf.NODE_PRODUCTION_FLAGS) or "--omit" in words:
        return True
    for state, cmd in dev.run_commands():
        if cmd == last and state.env.get("NODE_ENV") == "production":
            return True
        prune = cmd.name == "npm" and cmd.args[:1] == ("prune",)
        if prune and any(f in cmd.words for f in pf.NODE_PRODUCTION_FLAGS):
            return True
    return False


def _omit_dev(words: Sequence[str], i: int) -> bool:
    """``--omit dev`` / ``--only production`` written as two words."""
    pair = (words[i - 1], words[i]) if i else ("", words[i])
    here = (words[i], words[i + 1]) if i + 1 < len(words) else (words[i], "")
    dev_pairs = {("--omit", "dev"), ("--only", "production"), ("--only", "prod")}
    return pair in dev_pairs or here in dev_pairs
