"""``msb-migrate verify``: build the original and the migrated Dockerfile and compare them.

Both are built with the local engine (:class:`refactor.docker.DockerEngine`) against the same
build context; for each image the size, the layer count and the user it runs as are reported,
and with a smoke command both images run it (as entrypoint and arguments, so it works on images
without a shell) and their outputs are compared. The images are removed afterwards.
"""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .docker import DockerEngine, DockerError, RunResult
from .errors import MsbError
from .model import build_model
from .parser import parse

__all__ = ["Build", "Verification", "render", "verify"]

SMOKE_TIMEOUT = 120.0
TAG_REPOSITORY = "msb-migrate-verify"


@dataclass(frozen=True)
class Build:
    """One side of a verification: the build and, when it succeeded, the image."""

    ok: bool
    seconds: float
    log_tail: str = ""
    size: int | None = None
    layers: int | None = None
    user: str | None = None  # Config.User ("" = root by default)
    uid: int | None = None
    smoke: RunResult | None = None
    problem: str | None = None

    @property
    def who(self) -> str:
        name = self.user or "root"
        return f"{name} (uid {self.uid})" if self.uid is not None else name


@dataclass(frozen=True)
class Verification:
    """Original vs migrated for one Dockerfile."""

    path: str
    original: Build
    migrated: Build
    smoke: tuple[str, ...] = ()

    @property
    def smoke_matches(self) -> bool | None:
        a, b = self.original.smoke, self.migrated.smoke
        if not self.smoke or a is None or b is None:
            return None
        return (a.exit_code, a.stdout) == (b.exit_code, b.stdout)

    @property
    def problems(self) -> list[str]:
        out = []
        for side, build in (("original", self.original), ("migrated", self.migrated)):
            if not build.ok:
                detail = f": {build.problem}" if build.problem else ""
                out.append(f"the {side} build failed{detail}")
        if self.smoke and self.original.ok and self.migrated.ok and not self.smoke_matches:
            out.append("the smoke command's output differs")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems


def _has_stage(text: str, target: str) -> bool:
    try:
        return build_model(parse(text)).stage(target) is not None
    except MsbError:
        return False


def _build(
    engine: DockerEngine,
    text: str,
    context: Path,
    tag: str,
    target: str | None,
    smoke: Sequence[str],
) -> Build:
    try:
        result = engine.build(text, context, tag, target=target)
    except DockerError as exc:
        return Build(False, 0.0, exc.log_tail, problem=exc.message)
    if not result.ok:
        return Build(False, result.seconds, result.log_tail, problem=f"exit {result.returncode}")
    info = engine.image_info(tag)
    try:
        uid: int | None = engine.whoami(tag)
    except DockerError:
        uid = None
    run = None
    if smoke:
        try:
            run = engine.run(tag, list(smoke[1:]), entrypoint=smoke[0], timeout=SMOKE_TIMEOUT)
        except DockerError as exc:
            run = RunResult("", exc.message, -1, SMOKE_TIMEOUT)
    return Build(True, result.seconds, result.log_tail, info.size, info.layers, info.user, uid, run)


def verify(
    engine: DockerEngine,
    path: str,
    original: str,
    migrated: str,
    context: Path,
    *,
    target: str | None = None,
    smoke: Sequence[str] = (),
) -> Verification:
    """Build ``original`` and ``migrated`` against ``context`` and compare the images.

    ``target`` is built in the migrated file, and in the original when it has that stage.
    ``smoke`` is a command (argv) run in both images.
    """
    token = uuid.uuid4().hex[:12]
    tags = (f"{TAG_REPOSITORY}:{token}-original", f"{TAG_REPOSITORY}:{token}-migrated")
    try:
        before = _build(
            engine,
            original,
            context,
            tags[0],
            target if target and _has_stage(original, target) else None,
            smoke,
        )
        after = _build(engine, migrated, context, tags[1], target, smoke)
    finally:
        for tag in tags:
            engine.remove(tag)
    return Verification(path, before, after, tuple(smoke))


def _size(build: Build) -> str:
    return f"{build.size / 1_000_000:.1f} MB" if build.size is not None else "-"


def render(v: Verification) -> str:
    """A small table: build, size, layers, user (and smoke) of both images."""
    a, b = v.original, v.migrated
    rows = [("", "original", "migrated")]
    rows.append(("build", *(f"{'ok' if x.ok else 'FAILED'} ({x.seconds:.1f}s)" for x in (a, b))))
    size_b = _size(b)
    if a.size and b.size is not None:
        size_b += f" ({(b.size - a.size) / a.size:+.1%})"
    rows.append(("size", _size(a), size_b))
    rows.append(("layers", *(str(x.layers) if x.layers is not None else "-" for x in (a, b))))
    rows.append(("user", *(x.who if x.ok else "-" for x in (a, b))))
    if v.smoke:
        rows.append(("smoke", *(f"exit {x.smoke.exit_code}" if x.smoke else "-" for x in (a, b))))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{v.path}: {'verified' if v.ok else 'verification failed'}"]
    lines += [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    if v.smoke and v.smoke_matches is not None:
        same = "identical" if v.smoke_matches else "DIFFERENT"
        lines.append(f"  smoke command {shlex.join(v.smoke)}: outputs {same}")
    for build, side in ((a, "original"), (b, "migrated")):
        if not build.ok and build.log_tail:
            tail = "\n".join("    " + line for line in build.log_tail.splitlines()[-15:])
            lines.append(f"  {side} build log (tail):\n{tail}")
        if v.smoke_matches is False and build.smoke is not None:
            out = (build.smoke.stdout + build.smoke.stderr).strip()[-800:]
            shown = "\n".join("    " + s for s in out.splitlines())
            lines.append(f"  {side} smoke output:\n{shown}")
    return "\n".join(lines)
