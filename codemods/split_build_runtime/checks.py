"""The checks that decide, before anything is read, whether a file can be split at all.

A split needs exactly one stage, on a plain, non-Windows, non-scratch base image without
``--platform``, and no ONBUILD or SHELL (their effect on a new stage is not modelled). Each
check raises :class:`~refactor.engine.codemod.Unsupported` with its stable code; the order of
the checks is the order the user sees the first failing one in.

:func:`worth_splitting` is the last check, run by a planner on its plan: a split onto the
builder's own image that leaves nothing behind gains nothing (measured on real apps: a
``python:3.11-slim`` app split onto the same slim image came out larger), so it is skipped
(SPL035) and the file is left to the other codemods.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from codemods.split_build_runtime.facts import Facts, operands
from codemods.split_build_runtime.plan import Plan
from refactor.analysis.images import ImageRef
from refactor.analysis.model import BuildModel, Stage
from refactor.analysis.semantics import is_windows
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Codemod, Unsupported
from refactor.syntax.tree import Dockerfile

__all__ = ["splittable", "worth_splitting"]

#: Instructions whose effect on a new stage the split does not model.
_UNSUPPORTED = ("ONBUILD", "SHELL")


def splittable(codemod: Codemod, tree: Dockerfile, model: BuildModel) -> tuple[Stage, ImageRef]:
    """The single stage of ``tree`` and its base image, when the file can be split."""
    if not model.stages:
        raise Unsupported("the file has no FROM", code="SPL001")
    if len(model.stages) > 1:
        raise Unsupported("already multi-stage", code="SPL001")
    stage = model.stages[0]
    if not codemod.allowed(tree, stage.from_):
        raise Unsupported("opted out (# msb-migrate: skip=split-build-runtime)", code="SPL002")
    image = stage.image
    if image is None:
        raise Unsupported(
            f"the base image `{stage.base}` is not a plain reference (uses a variable)",
            code="SPL003",
        )
    if tree.escape == "`" or is_windows(image, stage.platform):
        raise Unsupported(
            "Windows base images (or the Windows escape character `) are not supported",
            code="SPL004",
        )
    if image.is_scratch:
        raise Unsupported(
            "the image is built FROM scratch: there is no build to split", code="SPL005"
        )
    if stage.platform is not None:
        raise Unsupported(
            "FROM --platform needs a cross-build aware split (not supported yet)", code="SPL006"
        )
    for inst in stage.instructions[1:]:
        if inst.directive in _UNSUPPORTED:
            raise Unsupported(
                f"{inst.directive} is not supported by the split",
                tree.line_of(inst, None),
                code="SPL007",
            )
    return stage, image


def worth_splitting(f: Facts, plan: Plan, dropped: Sequence[str]) -> None:
    """The benefit gate: no split when the runtime would be the builder's own image and the
    build leaves nothing behind — no toolchain or compiler, no system package the runtime does
    not install again, nothing the planner drops (``dropped``: dev dependencies…), no build
    command other than installs of what the runtime copies whole. A package manager's download
    cache is not a gain: cache-mounts (on by default) keeps it out of the single-stage image
    too. Such a split only moves the same files into a second stage."""
    if plan.runtime_image != str(f.image) or dropped:
        return
    for _, cmd in f.all_commands:
        name = posixpath.basename(cmd.name)
        if name in eco.PACKAGE_MANAGERS:
            ops = operands(cmd)
            if ops[:1] in (["install"], ["add"]) and any(
                eco.runtime_package(p) != (p,) for p in ops[1:]
            ):
                return  # a compiler or a -dev package stays in the builder
            continue
        if name in ("npm", "yarn", "pnpm") and (
            cmd.has_flag("-g", "--global") or cmd.args[:1] == ("global",)
        ):
            return  # a global install the runtime leaves behind
        if name in eco.NEUTRAL_COMMANDS or name in eco.FILE_COMMANDS or name in eco.USER_COMMANDS:
            continue
        words = (name, *cmd.args)
        if not any(words[: len(prefix)] == prefix for prefix in eco.COPIED_INSTALLS):
            return  # a build step: what it leaves behind is the split's gain
    raise Unsupported(
        f"the runtime would be the same image (`{plan.runtime_image}`) and the build leaves "
        "nothing behind (no compiler, toolchain or dev dependencies; a download cache is "
        "cache-mounts' to keep out): nothing to gain",
        code="SPL035",
    )
