"""split-build-runtime: a single-stage Dockerfile becomes a builder and a minimal runtime stage.

The original stage keeps its base image and every build step and is named ``builder``; a new
``runtime`` stage on the ecosystem's minimal image copies only what the start command runs
(binaries, jars, a virtualenv, the app folder with production dependencies, a static site) and
takes over the runtime metadata (EXPOSE, CMD, ENTRYPOINT, HEALTHCHECK, LABEL, USER…). Whatever
cannot be proven to keep working is skipped with a reason: the runtime must hold every file
the start command needs, every system package the build installed for run time, and nothing
the original did after the build may be lost.

The package is a pipeline, one module per step, the way Renovate keeps a manager per
ecosystem: :mod:`.checks` (can the file be split at all), :mod:`.facts` (what the build is,
read once), :mod:`.plans` (one planner per ecosystem, chosen by the ecosystem's row in
:mod:`refactor.data.ecosystems`), :mod:`.steps`, :mod:`.artifacts` and :mod:`.manifests`
(what the planners share) and :mod:`.render` (the new tree). Every skip carries a code of
:attr:`SplitBuildRuntime.codes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from codemods.split_build_runtime.checks import splittable
from codemods.split_build_runtime.facts import read_facts
from codemods.split_build_runtime.plans import planner_for
from codemods.split_build_runtime.render import render
from codemods.split_build_runtime.steps import dependency_layer, start_command
from codemods.split_build_runtime.variants import VARIANTS, adjust
from refactor.analysis.model import build_model
from refactor.engine.codemod import Codemod, Context, OptionSpec, Result, Unsupported
from refactor.syntax.tree import Dockerfile

__all__ = ["SplitBuildRuntime"]


class SplitBuildRuntime(Codemod):
    name = "split-build-runtime"
    description = (
        "Split a single-stage Dockerfile into a `builder` stage (the original base image and "
        "build steps) and a minimal `runtime` stage on the ecosystem's slim, distroless or JRE "
        "image that copies only the artifacts the start command runs; skipped with a reason "
        "whenever the runtime cannot be proven to keep working."
    )
    default = True
    #: What the back-off may ask for instead of the default split (:mod:`.variants`).
    variants = VARIANTS
    options = (
        OptionSpec(
            "runtime_flavour",
            "Kind of runtime image for new runtime stages.",
            choices=("distroless", "slim", "alpine", "scratch"),
        ),
        OptionSpec("runtime_image", "Runtime image to use.", metavar="IMAGE"),
    )
    codes: ClassVar[Mapping[str, str]] = {
        "SPL001": "the file is not a single-stage Dockerfile (no FROM, or already multi-stage)",
        "SPL002": "the stage opts out of the split (# msb-migrate: skip=split-build-runtime)",
        "SPL003": "the base image is named by a variable the runtime image cannot follow",
        "SPL004": "Windows base images (or the Windows escape character) are not supported",
        "SPL005": "the image is built FROM scratch: there is no build to split",
        "SPL006": "FROM --platform needs a cross-build aware split",
        "SPL007": "the stage uses an instruction the split does not support (ONBUILD, SHELL)",
        "SPL008": "a RUN step cannot be read",
        "SPL009": "the start command (CMD/ENTRYPOINT or its package.json script) cannot be read",
        "SPL010": "the ecosystem of the base image is unknown (no builder/runtime pair)",
        "SPL011": "the start command needs the toolchain or a development server",
        "SPL012": "nothing is built or installed that a runtime stage would leave behind",
        "SPL013": "unknown artifact location: where the build puts what the runtime runs",
        "SPL014": "a path is relative to a directory that cannot be told",
        "SPL015": "a system package the build installs has no known runtime package",
        "SPL016": "the runtime image cannot install the system packages the runtime needs",
        "SPL017": "the runtime flavour asked for is not valid for the build",
        "SPL018": "a RUN after the build has an effect the runtime stage would lose",
        "SPL019": "the USER the image runs as cannot be carried into the runtime stage",
        "SPL020": "the build copies files into a system folder, not an app folder",
        "SPL021": "the start command runs a program the runtime stage would not have",
        "SPL022": "the builder's Debian release or C++ runtime cannot be matched by a runtime",
        "SPL023": "the native program may need libraries or files the runtime does not have",
        "SPL024": "no runtime image is known for the builder image",
        "SPL025": "Python dependencies are not installed into a virtualenv by pip/poetry/pipenv",
        "SPL026": "Node.js packages are installed outside the app or cannot be pruned",
        "SPL027": "the HEALTHCHECK runs a program the runtime stage does not have",
        "SPL028": "an artifact path contains white space",
        "SPL029": "an ENV mixes build and runtime variables in the legacy form",
        "SPL030": "the start command needs a shell and the runtime image has none",
        "SPL035": "the runtime would be the builder's image and the build leaves nothing behind",
        "SPL036": "a PHP step is neither PHP setup nor part of the app (or a global install)",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: self._split(tree.ensure_final_newline(), ctx))

    def _split(self, tree: Dockerfile, ctx: Context) -> Result:
        """Checks, facts, the ecosystem's planner, the dependency layer, then the new tree."""
        model = build_model(tree)
        stage, image = splittable(self, tree, model)
        facts = read_facts(tree, ctx, model, stage, image)
        if facts.last_build_index < 0:
            raise Unsupported(
                "no build step in the Dockerfile: nothing a runtime stage would leave behind",
                code="SPL012",
            )
        plan = planner_for(facts.ecosystem.name)(facts)
        adjust(facts, plan)  # the variant asked for (none in a normal run)
        dependency_layer(facts, plan)
        start_command(facts, plan)
        return render(self, facts, plan)
