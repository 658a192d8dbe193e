"""Node.js: JavaScript is the same on every platform, native modules are not.

An install whose ``node_modules`` reaches the runtime (copied itself, or the folder it runs in,
or a Next.js standalone output) moves only when the package.json it installs is known (traced
to the build context through the COPY instructions) and proves no native code: no install
hooks, no ``binding.gyp``, and a ``package-lock.json`` v2+ in which no package has an install
script or os/cpu restrictions (dev packages are ignored when only production dependencies stay
installed). Global installs are build tools (copies from their folders are refused elsewhere).
yarn.lock and pnpm-lock.yaml do not record install scripts, so they prove nothing.
"""

from __future__ import annotations

import json
import posixpath
from typing import TYPE_CHECKING

from codemods.cross_platform.facts import BuildFacts, Step, Toolchain
from refactor.analysis.crossbuild import context_source
from refactor.analysis.semantics import under
from refactor.data import platforms as pf
from refactor.engine.codemod import Unsupported

if TYPE_CHECKING:
    from codemods.cross_platform.planner import CrossBuild

__all__ = ["Node"]


class Node(Toolchain):
    kind = "node"

    def classify(self, plan: CrossBuild, step: Step, facts: BuildFacts) -> bool:
        if step.name not in pf.NODE_INSTALLS:
            return False
        args = step.args
        first = args[0] if args else ""
        if first in pf.NODE_INSTALLS[step.name] or (first.startswith("-") and step.name == "yarn"):
            if "-g" in args or "--global" in args:
                return True  # a global tool for the build (copies from /usr/local/lib are refused)
            facts.node_installs.append(step)
        facts.kinds[step.stage.index].add(self.kind)
        return True

    def check(self, plan: CrossBuild, facts: BuildFacts) -> None:
        copies = [path for path, _, _ in plan.runtime_copies()]
        installs = [
            step
            for step in facts.node_installs
            if any(
                "node_modules" in p or ".next/standalone" in p or under(step.cwd, p) for p in copies
            )
        ]
        for step in installs:
            chain = step.stage.ancestry()
            manifest = context_source(
                chain, posixpath.join(step.cwd, "package.json"), before=step.inst
            )
            if manifest is None:
                raise Unsupported(
                    f"cannot tell which package.json of the context `{step.cmd.text}` installs, "
                    "so native modules cannot be ruled out",
                    step.line,
                    code="XP024",
                )
            folder = posixpath.dirname(manifest)
            self.check_package(plan, folder, self.production_install(plan, step), step.line)

    @staticmethod
    def production_install(plan: CrossBuild, step: Step) -> bool:
        """Whether only production dependencies stay installed (flags, NODE_ENV, a prune)."""
        if any(flag in step.cmd.words for flag in pf.NODE_PRODUCTION_FLAGS):
            return True
        if step.state.env.get("NODE_ENV") == "production":
            return True
        for other in plan.build:
            for run, state in zip(other.instructions, other.states, strict=True):
                if run.directive != "RUN":
                    continue
                for later in plan.steps_of(other, run, state):
                    words = later.cmd.words
                    prune = later.cmd.name == "npm" and words[1:2] == ("prune",)
                    if prune and any(f in words for f in pf.NODE_PRODUCTION_FLAGS):
                        return True
        return False

    @staticmethod
    def check_package(plan: CrossBuild, folder: str, production: bool, line: int | None) -> None:
        ctx = plan.ctx

        def path(name: str) -> str:
            return posixpath.join(folder, name) if folder else name

        text = ctx.read(path("package.json"))
        if text is None:
            raise Unsupported(
                f"cannot read {path('package.json')} to rule out native modules",
                line,
                code="XP024",
            )
        try:
            package = json.loads(text)
        except ValueError:
            raise Unsupported(
                f"{path('package.json')} is not valid JSON", line, code="XP024"
            ) from None
        scripts = package.get("scripts") or {}
        hooks = [s for s in ("preinstall", "install", "postinstall") if s in scripts]
        if hooks:
            raise Unsupported(
                f"package.json has an `{hooks[0]}` script, which may build native code",
                line,
                code="XP025",
            )
        if ctx.exists(path("binding.gyp")):
            raise Unsupported("the project is a native addon (binding.gyp)", line, code="XP025")
        groups = ("dependencies", "optionalDependencies", "devDependencies")
        if not any(package.get(g) for g in groups):
            return
        lock_text = ctx.read(path("package-lock.json")) or ctx.read(path("npm-shrinkwrap.json"))
        if lock_text is None:
            other = next((f for f in ("yarn.lock", "pnpm-lock.yaml") if ctx.exists(path(f))), None)
            if other:
                raise Unsupported(
                    f"cannot tell from {other} which packages run install scripts or are "
                    "platform-specific",
                    line,
                    code="XP024",
                )
            raise Unsupported(
                "no package-lock.json: native modules cannot be ruled out", line, code="XP024"
            )
        try:
            lock = json.loads(lock_text)
        except ValueError:
            raise Unsupported("package-lock.json is not valid JSON", line, code="XP024") from None
        packages = lock.get("packages")
        if not isinstance(packages, dict):
            raise Unsupported(
                "package-lock.json v1 does not record install scripts: native modules cannot "
                "be ruled out",
                line,
                code="XP024",
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
                    code="XP025",
                )
            if info.get("cpu") or info.get("os"):
                raise Unsupported(
                    f"`{name}` is made for particular platforms (os/cpu in package-lock.json)",
                    line,
                    code="XP025",
                )
