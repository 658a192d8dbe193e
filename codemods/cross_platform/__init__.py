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

The package, in the order a run goes through it:

* ``planner.py`` — :class:`~codemods.cross_platform.planner.CrossBuild`: which stages are the
  runtime and which the build, the shapes refused outright, each build step read once and
  classified, and what reaches the runtime (copies, downloads);
* ``facts.py`` — the steps and the facts recorded about them, and the ``Toolchain`` interface;
* ``toolchains.py`` — the registry: ``go.py``, ``dotnet.py``, ``java.py``, ``node.py``,
  ``python.py``, one ecosystem each (what it claims, what must hold for its output to be
  portable);
* ``render.py`` — the edits and their explanations.

The tables (which tools compile native code, which outputs are portable and why) are
:mod:`refactor.data.platforms`; the step reading shared with ``dev-target`` is
:mod:`refactor.analysis.crossbuild`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from codemods.cross_platform import go
from codemods.cross_platform.planner import CrossBuild
from codemods.cross_platform.render import render
from codemods.cross_platform.toolchains import TOOLCHAINS
from refactor.engine.codemod import Codemod, Context, Result
from refactor.syntax.tree import Dockerfile

__all__ = ["CrossPlatform"]


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
    codes: ClassVar[Mapping[str, str]] = {
        "XP001": "the file has no FROM",
        "XP002": "the target stage does not exist",
        "XP003": "Windows images are not supported",
        "XP004": "no build stage: every stage of the image runs on the target platform",
        "XP005": "a build stage shares a parent with the runtime stage or copies from it",
        "XP006": "a RUN in the runtime stage executes on the target platform",
        "XP007": "a stage pins its --platform",
        "XP008": "the build stage opts out (# msb-migrate: skip=cross-platform)",
        "XP009": "a RUN step of a build stage cannot be read",
        "XP010": "a build step asks the machine for its architecture",
        "XP011": "a build step compiles native code for the machine it runs on",
        "XP012": "a build step makes native code or bundles a runtime of the build machine",
        "XP013": "`go install` cannot cross-compile into a known place",
        "XP014": "the .NET output is specific to one platform",
        "XP015": "the runtime starts a native .NET apphost built for the build platform",
        "XP016": "the build runs a program that go build compiles for the target",
        "XP017": "a build step runs a program whose output may depend on the platform",
        "XP018": "a moved stage uses a TARGET* variable outside the go build wiring",
        "XP019": "the runtime copies programs or libraries from a build stage",
        "XP020": "a download that may be made for one platform reaches the runtime",
        "XP021": "the Go build may use cgo",
        "XP022": "the go build pins another target platform",
        "XP023": "a go build cannot be found or edited in the RUN text",
        "XP024": "what the build installs cannot be read or proven portable",
        "XP025": "a Node.js package may build native code or is made for particular platforms",
        "XP026": "a Python package may be compiled for the build platform",
        "XP027": "the build stages already run on $BUILDPLATFORM and compile for the target",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: self.plan(CrossBuild(self, tree, ctx)))

    @staticmethod
    def plan(build: CrossBuild) -> Result:
        build.split()
        facts = build.analyse()
        build.check_copies(facts)
        for toolchain in TOOLCHAINS:
            toolchain.check(build, facts)
        return render(build, facts, go.wire(build, facts))
