"""The checks that decide, before anything is read, whether a file can be split at all.

A split needs exactly one stage, on a plain, non-Windows, non-scratch base image without
``--platform``, and no ONBUILD or SHELL (their effect on a new stage is not modelled). Each
check raises :class:`~refactor.engine.codemod.Unsupported` with its stable code; the order of
the checks is the order the user sees the first failing one in.
"""

from __future__ import annotations

from refactor.analysis.images import ImageRef
from refactor.analysis.model import BuildModel, Stage
from refactor.analysis.semantics import is_windows
from refactor.engine.codemod import Codemod, Unsupported
from refactor.syntax.tree import Dockerfile

__all__ = ["splittable"]

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
                tree.line_numbers.get(id(inst)),
                code="SPL007",
            )
    return stage, image
