"""``migrate(targets, options) -> results``: the application's migration of Dockerfiles, under
both command-line adapters (:mod:`refactor.app.cli`, :mod:`refactor.app.bulk`).

A target's bytes are read (size-capped), decoded, parsed and run through the codemods the
settings choose for its directory; the files codemods write beside it (relative to the build
context, never outside it) are compared with what is on disk. Every problem with one file
becomes its result's ``error`` (with the line when the problem has one); nothing here prints
or writes. From :data:`PARALLEL_FROM` files on, the default is one process per CPU
(:mod:`refactor.app.pool`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from refactor.app.config import Settings
from refactor.app.diffing import FileDiff
from refactor.app.discover import Target
from refactor.app.pool import forked_map, usable_cpus
from refactor.app.report import FileResult
from refactor.engine.codemod import Context
from refactor.engine.runner import run_codemods
from refactor.errors import DockerfileSyntaxError, InputError, MsbError
from refactor.syntax.parser import MAX_BYTES, decode, parse

__all__ = [
    "PARALLEL_FROM",
    "STDIN_NAME",
    "MigrateOptions",
    "display",
    "migrate",
    "migrate_bytes",
    "migrate_target",
]

STDIN_NAME = "<stdin>"
#: From this many files on, the default is one worker process per CPU.
PARALLEL_FROM = 16


@dataclass(frozen=True)
class MigrateOptions:
    """How to migrate: the codemods and options per directory, the stage that ships, the build
    context (default: each Dockerfile's directory) and the number of processes (default: one,
    or one per CPU from :data:`PARALLEL_FROM` files on)."""

    settings: Settings
    target: str | None = None
    context_dir: Path | None = None
    jobs: int | None = None


def display(path: Path) -> str:
    """``path`` relative to the current directory when below it (posix)."""
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _error_text(exc: MsbError) -> str:
    if isinstance(exc, InputError) and exc.line is not None:
        return f"{exc.path}:{exc.line}: {exc.problem}"
    return str(exc)


def _failed(path: str, real: Path | None, exc: MsbError) -> FileResult:
    return FileResult(path, real, error=_error_text(exc), error_line=getattr(exc, "line", None))


def _read_input(path: Path, shown: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(shown, f"file is too large ({size} bytes, limit {MAX_BYTES})")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(shown, exc.strerror or str(exc)) from None


def _extra_files(
    report_files: dict[str, str], context: Path
) -> tuple[dict[Path, str], list[FileDiff]]:
    """Codemod-written files (relative to the context) that differ from what is on disk."""
    if not report_files:
        return {}, []
    root = context.resolve()
    extra: dict[Path, str] = {}
    diffs = []
    for rel, content in report_files.items():
        dest = (root / rel).resolve()
        if dest != root and root not in dest.parents:
            raise InputError(rel, f"refusing to write outside the build context {root}")
        try:
            old: str | None = dest.read_text(encoding="utf-8")
        except FileNotFoundError:
            old = None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(display(dest), f"cannot read it to update it ({exc})") from None
        if old != content:
            extra[dest] = content
            diffs.append(FileDiff.of(display(dest), old, content))
    return extra, diffs


def migrate_bytes(
    shown: str, real: Path | None, data: bytes, context: Path, options: MigrateOptions
) -> FileResult:
    """Migrate one Dockerfile's bytes (``real`` is None for standard input)."""
    codemods, codemod_options = options.settings.resolve(real.parent if real else context)
    try:
        text = decode(data, shown)
        tree = parse(text, shown)
        ctx = Context(
            context_dir=context, dockerfile=real, options=codemod_options, target=options.target
        )
        report = run_codemods(tree, ctx, codemods)
        extra, extra_diffs = _extra_files(report.files, context)
    except (InputError, DockerfileSyntaxError) as exc:
        return _failed(shown, real, exc)
    diffs = [FileDiff.of(shown, text, report.output), *extra_diffs]
    return FileResult(shown, real, report, diffs=diffs, extra=extra)


def migrate_target(target: Target, options: MigrateOptions) -> FileResult:
    """Migrate one Dockerfile found on disk."""
    shown = display(target.path)
    context = options.context_dir or target.real.parent
    try:
        data = _read_input(target.real, shown)
    except InputError as exc:
        return _failed(shown, target.real, exc)
    return migrate_bytes(shown, target.real, data, context, options)


def migrate(targets: Sequence[Target], options: MigrateOptions) -> Iterable[FileResult]:
    """Each target's result, in order (as they come when one process does them all)."""
    jobs = options.jobs or (usable_cpus() if len(targets) >= PARALLEL_FROM else 1)
    return forked_map(functools.partial(migrate_target, options=options), targets, jobs)
