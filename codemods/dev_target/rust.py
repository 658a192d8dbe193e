"""Rust: ``cargo run`` (``--bin`` the program the production command starts when Cargo.toml
has several), with the production command's arguments."""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from codemods.dev_target.plan import DevPlan
from refactor.engine.codemod import Unsupported

if TYPE_CHECKING:
    from codemods.dev_target.planner import DevStage

__all__ = ["plan"]


def plan(dev: DevStage) -> DevPlan:
    text = dev.ctx.read("Cargo.toml")
    if text is None:
        raise Unsupported(
            "cannot read Cargo.toml to find the program `cargo run` starts", code="DEV011"
        )
    bins = re.findall(r"\[\[bin\]\][^\[]*?name\s*=\s*\"([^\"]+)\"", text, re.S)
    program = posixpath.basename(dev.start[0]) if dev.start else ""
    command = ["cargo", "run"]
    if len(bins) > 1:
        if program not in bins:
            raise Unsupported(
                "several binaries in Cargo.toml: cannot tell which one runs", code="DEV015"
            )
        command += ["--bin", program]
    if dev.start[1:]:
        command += ["--", *dev.start[1:]]
    return DevPlan(command, "Cargo.toml (cargo run builds and starts the program)", port=dev.port)
