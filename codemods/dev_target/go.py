"""Go: ``go run`` of the package the go build compiles, or ``air`` with ``.air.toml``.

The go build is the one whose ``-o`` program the production command starts (or the only one,
named after its module); it must run in the working directory, where ``go run`` will. With
``.air.toml`` in the context and a Go new enough for air's module, the stage runs air (pinned,
installed unless the build installs it).
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from codemods.dev_target.plan import DevPlan
from refactor.analysis.crossbuild import effective_words
from refactor.analysis.semantics import option
from refactor.data import platforms as pf
from refactor.engine.codemod import Unsupported

if TYPE_CHECKING:
    from codemods.dev_target.planner import DevStage

__all__ = ["plan"]


def plan(dev: DevStage) -> DevPlan:
    builds = [
        (cmd, words)
        for cmd in dev.commands()
        for words in [effective_words(cmd)[0]]
        if words[:1] and posixpath.basename(words[0]) == "go" and words[1:2] == ("build",)
    ]
    if not builds:
        raise Unsupported("the build stage has no `go build` to run with `go run`", code="DEV013")
    program = posixpath.basename(dev.start[0]) if dev.start else ""
    matching = [b for b in builds if posixpath.basename(option(b[1], "-o") or "") == program]
    if len(matching) == 1:
        cmd, words = matching[0]
    elif len(builds) == 1 and option(builds[0][1], "-o") is None:
        cmd, words = builds[0]  # named after the module: assume the runtime starts it
    elif len(builds) == 1:
        raise Unsupported(
            "the production command does not start the program go build makes", code="DEV015"
        )
    else:
        raise Unsupported("several go builds: cannot tell which program to run", code="DEV015")
    if cmd.cwd != dev.workdir:
        raise Unsupported(
            f"the go build runs in `{cmd.cwd}`, not in the working directory", code="DEV016"
        )
    args = dev.start[1:]
    if dev.visible(".air.toml") and go_version(dev) >= pf.AIR_MIN_GO:
        plan = DevPlan(["air", "-c", ".air.toml"], ".air.toml in the context", port=dev.port)
        if not any(
            c.name == "go" and pf.AIR_MODULE.split("@")[0] in c.text for c in dev.commands()
        ):
            plan.add(
                dev.new("RUN", f"go install {pf.AIR_MODULE}"),
                f"the development stage installs air ({pf.AIR_MODULE})",
                "air rebuilds and restarts the program when a source file changes",
            )
        return plan
    tags = option(words, "-tags")
    command = [
        "go",
        "run",
        *(["-tags", tags] if tags else []),
        *(pf.go_packages(words) or ["."]),
    ]
    return DevPlan([*command, *args], "the package the go build compiles", port=dev.port)


def go_version(dev: DevStage) -> tuple[int, int]:
    image = dev.chain[0].image
    tag = (image.tag or "latest") if image is not None else ""
    if tag == "latest" or re.fullmatch(r"1(?:-.*)?|alpine.*|bookworm|trixie", tag):
        return (99, 0)
    found = re.match(r"(\d+)\.(\d+)", tag)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)
