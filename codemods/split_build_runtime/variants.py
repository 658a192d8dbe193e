"""The split's more conservative variants, asked for by the back-off (never by a normal run).

When the default split makes an image that fails verification (:mod:`refactor.app.backoff`),
the run asks for one of these through ``Context.variants``; the planners consult this module
where the choice is made. Ordered from the least to the most conservative, the order the
back-off tries them in:

``whole-app``
    Copy every folder the build context was copied to (the app folders) whole, instead of the
    chosen artifacts: a Go program gets its whole source folder next to the binary, so a file
    it reads at run time that the source reading did not find is there. Applied after the
    planner (:func:`adjust`).
``keep-dev-deps``
    No dev-dependency pruning (npm, yarn, pnpm): ``node_modules`` is copied as installed.
    Consulted by the Node.js planner where it decides to prune.
``keep-cgo``
    No ``CGO_ENABLED=0`` is added to the go build: cgo stays as the original had it, and the
    runtime is one with the C library of the builder's Debian release (distroless base or
    debian-slim of that release; alpine for an alpine builder). Consulted by the Go planner.
``builder-slim``
    The runtime stage runs on the builder's own slim image: its ``-slim`` tag for an
    interpreter (``python:3.11`` → ``python:3.11-slim``), the Debian slim of the builder's
    release for a compiled program (``golang:1.22`` → ``debian:bookworm-slim``): a shell, the
    same distribution and C library as the build. Applied after the planner (:func:`adjust`).

A variant that does not apply to a file (``keep-cgo`` on a Python app, ``keep-dev-deps`` when
nothing is pruned, ``builder-slim`` when the runtime already is that image, ``whole-app`` on a
static site served by nginx) leaves the split answering as without it: the back-off sees the
same output as the default and spends no build on it. No variant turns a skip into a split.
"""

from __future__ import annotations

from codemods.split_build_runtime.facts import Facts
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.analysis.semantics import under
from refactor.data import ecosystems as eco
from refactor.data import system
from refactor.engine.codemod import Variant

__all__ = [
    "BUILDER_SLIM",
    "KEEP_CGO",
    "KEEP_DEV_DEPS",
    "NAME",
    "VARIANTS",
    "WHOLE_APP",
    "adjust",
    "chosen",
]

#: The codemod whose variants these are (``Context.variants`` is keyed by codemod name).
NAME = "split-build-runtime"

WHOLE_APP = "whole-app"
KEEP_DEV_DEPS = "keep-dev-deps"
KEEP_CGO = "keep-cgo"
BUILDER_SLIM = "builder-slim"

VARIANTS: tuple[Variant, ...] = (
    Variant(
        WHOLE_APP,
        "copies the whole app folder into the runtime stage instead of the chosen artifacts",
    ),
    Variant(KEEP_DEV_DEPS, "keeps the dev dependencies (no prune of node_modules)"),
    Variant(
        KEEP_CGO,
        "keeps cgo as the original had it, on a runtime with the C library of the builder's "
        "Debian release",
    ),
    Variant(
        BUILDER_SLIM,
        "runs on the builder's own slim image (a shell, the same distribution and C library)",
    ),
)

#: Interpreters whose builder image has a ``-slim`` tag of the same version.
_SLIM_TAGGED = frozenset({"python", "node"})


def chosen(f: Facts, variant: str) -> bool:
    """Whether the run asks the split for ``variant``."""
    return f.ctx.variant(NAME) == variant


def adjust(f: Facts, plan: Plan) -> None:
    """Apply ``whole-app`` or ``builder-slim`` to a planner's plan (nothing for the others)."""
    if plan.static_site:
        return  # nginx serves the built files: no app folder, no builder runtime
    if chosen(f, WHOLE_APP):
        _whole_app(f, plan)
    elif chosen(f, BUILDER_SLIM):
        _builder_slim(f, plan)


def _whole_app(f: Facts, plan: Plan) -> None:
    """Copy each app folder whole; the copies it covers are dropped."""
    roots = [
        r
        for r in f.copy_roots
        if r not in eco.SYSTEM_ROOTS and not any(under(r, d) for d in system.SYSTEM_DIRS)
    ]
    if not roots:
        return
    kept = [
        c
        for c in plan.copies
        if not (c.source == c.dest and any(under(c.source, r) for r in roots))
    ]
    added = [
        Copy(r, r, "the whole app folder (whole-app variant: every file the program may read)")
        for r in roots
        if not any(c.source == c.dest and under(r, c.source) for c in kept)
    ]
    if added:
        plan.copies[:] = [*kept, *added]


def _builder_slim(f: Facts, plan: Plan) -> None:
    """Move the runtime to the builder's slim image."""
    image = _slim_image(f)
    if image is None or image == plan.runtime_image:
        return
    plan.runtime_image = image
    plan.runtime_why = f"the builder's own slim image (builder-slim variant); {plan.runtime_why}"
    plan.programs = plan.programs | eco.RUNTIME_PROGRAMS["slim"]
    plan.has_package_manager = True
    plan.tag_free = False


def _slim_image(f: Facts) -> str | None:
    """The builder's slim image, or None when none is known."""
    if f.ecosystem.name in _SLIM_TAGGED:
        tag = eco.slim_tag(f.image.tag, f.image.hub_name)
        return str(f.image.with_tag(tag)) if tag is not None else None
    if f.ecosystem.compiled:
        codename = eco.builder_codename(f.image)
        return eco.native_runtime("base", "slim", codename) if codename is not None else None
    return None
