"""``msb-migrate verify``: build the original and the migrated Dockerfile and compare them.

Both are built with the local engine (:class:`refactor.app.docker.DockerEngine`) against the same
build context; for each image the size, the layer count and the user it runs as are reported,
and with a smoke command both images run it (as entrypoint and arguments, so it works on images
without a shell) and their outputs are compared. With ``stages`` every stage of the migrated
file is also built on its own (``--target``) and its size reported, as in "Check Stage Sizes":
how big the builder is next to what ships. When both build, the generic probe
(:mod:`refactor.app.probe`) runs both images with their own start command and compares them;
its :class:`~refactor.app.probe.ProbeResult` is ``Verification.probe``. The images are removed
afterwards.
"""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from refactor.analysis.model import build_model
from refactor.app.docker import DockerEngine, DockerError, RunResult, UnreadableAnswer
from refactor.app.probe import ProbeResult, Progress
from refactor.app.probe import probe as run_probe
from refactor.errors import MsbError
from refactor.syntax.parser import parse

__all__ = ["Build", "StageBuild", "Verification", "render", "verify"]

SMOKE_TIMEOUT = 120.0
#: The original and the migrated image are built at once when the engine has this many CPUs: a
#: build keeps one or two busy, so on fewer the two would only slow each other down. BuildKit
#: runs a step the two files share once, whichever build reaches it first.
PARALLEL_MIN_CPUS = 4
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

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 2),
            "size": self.size,
            "layers": self.layers,
            "user": self.user,
            "uid": self.uid,
            "smoke_exit_code": self.smoke.exit_code if self.smoke else None,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class StageBuild:
    """One stage of the migrated file built on its own with ``--target``."""

    index: int
    name: str | None  # None: an unnamed stage, which ``--target`` cannot build
    base: str
    final: bool  # the stage that ships (the build's target)
    ok: bool = False
    seconds: float = 0.0
    size: int | None = None
    layers: int | None = None
    problem: str | None = None
    log_tail: str = ""

    @property
    def label(self) -> str:
        return self.name or f"stage {self.index}"

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.label,
            "target": self.name,
            "base": self.base,
            "final": self.final,
            "ok": self.ok,
            "seconds": round(self.seconds, 2),
            "size": self.size,
            "layers": self.layers,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class Verification:
    """Original vs migrated for one Dockerfile."""

    path: str
    original: Build
    migrated: Build
    smoke: tuple[str, ...] = ()
    stages: tuple[StageBuild, ...] = ()
    probe: ProbeResult | None = None  # None: not run (a build failed, or disabled)

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
        for stage in self.stages:
            if stage.name is not None and not stage.ok:
                detail = f": {stage.problem}" if stage.problem else ""
                out.append(f"stage {stage.name} failed to build{detail}")
        if self.probe is not None and not self.probe.ok:
            out.append(f"the probe failed: {self.probe.reason}")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "problems": self.problems,
            "original": self.original.as_json(),
            "migrated": self.migrated.as_json(),
            "smoke_matches": self.smoke_matches,
            "stages": [stage.as_json() for stage in self.stages],
            "probe": self.probe.as_json() if self.probe is not None else None,
        }


def _has_stage(text: str, target: str) -> bool:
    try:
        return build_model(parse(text)).stage(target) is not None
    except MsbError:
        return False


def _build_stages(
    engine: DockerEngine, text: str, context: Path, token: str, target: str | None
) -> tuple[StageBuild, ...]:
    """Build every stage of ``text`` with ``--target`` and measure each image."""
    model = build_model(parse(text))
    shipped = (model.stage(target) if target else None) or model.final
    out = []
    for stage in model.stages:
        entry = StageBuild(stage.index, stage.name, stage.base, stage is shipped)
        if stage.name is None:
            out.append(replace(entry, problem="unnamed: --target needs a stage name"))
            continue
        tag = f"{TAG_REPOSITORY}:{token}-stage-{stage.index}"
        try:
            result = engine.build(text, context, tag, target=stage.name)
            entry = replace(entry, seconds=result.seconds, log_tail=result.log_tail)
            if result.ok:
                info = engine.image_info(tag)
                entry = replace(entry, ok=True, size=info.size, layers=info.layers)
            else:
                entry = replace(entry, problem=f"exit {result.returncode}")
        except DockerError as exc:
            entry = replace(entry, ok=False, problem=exc.message, log_tail=exc.log_tail)
        finally:
            engine.remove(tag)
        out.append(entry)
    return tuple(out)


def _build(
    engine: DockerEngine,
    text: str,
    context: Path,
    tag: str,
    target: str | None,
    smoke: Sequence[str],
    on_line: Callable[[str], None] | None = None,
) -> Build:
    try:
        result = engine.build(text, context, tag, target=target, on_line=on_line)
    except DockerError as exc:
        return Build(False, 0.0, exc.log_tail, problem=exc.message)
    if not result.ok:
        return Build(False, result.seconds, result.log_tail, problem=f"exit {result.returncode}")
    try:
        info = engine.image_info(tag)
    except UnreadableAnswer:
        raise  # the engine's fault, not the image's: one error line, exit status 2
    except DockerError as exc:
        return Build(False, result.seconds, result.log_tail, problem=exc.message)
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
    stages: bool = False,
    probe: bool = True,
    progress: Progress | None = None,
) -> Verification:
    """Build ``original`` and ``migrated`` against ``context`` and compare the images.

    ``target`` is built in the migrated file, and in the original when it has that stage.
    ``smoke`` is a command (argv) run in both images. With ``stages`` each stage of the
    migrated file is built too (``--target``) and its size reported. With ``probe`` both
    images are run and compared (:func:`refactor.app.probe.probe`). ``progress`` shows what
    runs on a terminal.
    """
    token = uuid.uuid4().hex[:12]
    tags = (f"{TAG_REPOSITORY}:{token}-original", f"{TAG_REPOSITORY}:{token}-migrated")
    on_line = progress.build_line if progress is not None else None
    outcome = None
    try:
        original_target = target if target and _has_stage(original, target) else None
        if engine.cpus() >= PARALLEL_MIN_CPUS:
            if progress is not None:
                progress.phase(f"{path}: building the original and the migrated image at once")
            # No per-line progress: the two builds' lines would interleave.
            with ThreadPoolExecutor(max_workers=2) as pool:
                first = pool.submit(
                    _build, engine, original, context, tags[0], original_target, smoke
                )
                second = pool.submit(_build, engine, migrated, context, tags[1], target, smoke)
                before, after = first.result(), second.result()
        else:
            if progress is not None:
                progress.phase(f"{path}: building the original image")
            before = _build(engine, original, context, tags[0], original_target, smoke, on_line)
            if progress is not None:
                progress.phase(f"{path}: building the migrated image")
            after = _build(engine, migrated, context, tags[1], target, smoke, on_line)
        if probe and before.ok and after.ok:
            outcome = run_probe(engine, tags[0], tags[1], progress=progress)
    finally:
        if progress is not None:
            progress.done()
        for tag in tags:
            engine.remove(tag)
    per_stage = _build_stages(engine, migrated, context, token, target) if stages else ()
    return Verification(path, before, after, tuple(smoke), per_stage, outcome)


def _size(build: Build) -> str:
    return f"{build.size / 1_000_000:.1f} MB" if build.size is not None else "-"


def render(v: Verification) -> str:
    """A small table: build, size, layers, user (and smoke) of both images."""
    a, b = v.original, v.migrated
    rows: list[tuple[str, ...]] = [("", "original", "migrated")]
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
    lines += v.probe.lines() if v.probe is not None else []
    lines += _render_stages(v.stages)
    failed: list[tuple[Build | StageBuild, str]] = [
        (x, f"{side} build") for x, side in ((a, "original"), (b, "migrated"))
    ]
    failed += [
        (x, f"stage {x.label}") for x in v.stages if x.name is not None
    ]  # unnamed: in the table
    for build, side in failed:
        if not build.ok and build.problem and not build.log_tail:  # e.g. no JSON from docker
            lines.append(f"  {side}: {build.problem}")
        if not build.ok and build.log_tail:
            tail = "\n".join("    " + line for line in build.log_tail.splitlines()[-15:])
            lines.append(f"  {side} log (tail):\n{tail}")
    for build, side in ((a, "original"), (b, "migrated")):
        if v.smoke_matches is False and build.smoke is not None:
            out = (build.smoke.stdout + build.smoke.stderr).strip()[-800:]
            shown = "\n".join("    " + s for s in out.splitlines())
            lines.append(f"  {side} smoke output:\n{shown}")
    return "\n".join(lines)


def _render_stages(stages: Sequence[StageBuild]) -> list[str]:
    """Each stage of the migrated file: its base, its size and layers, or why it has none."""
    if not stages:
        return []
    rows = []
    for stage in stages:
        if stage.ok and stage.size is not None:
            what = f"{stage.size / 1_000_000:.1f} MB  {stage.layers} layers"
        elif stage.name is None:
            what = f"- ({stage.problem})"
        else:
            what = f"FAILED ({stage.problem})"
        rows.append((stage.label, stage.base, what + ("  (final)" if stage.final else "")))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = ["  stages of the migrated file (docker build --target STAGE):"]
    lines += [f"    {n.ljust(widths[0])}  {b.ljust(widths[1])}  {w}".rstrip() for n, b, w in rows]
    return lines
