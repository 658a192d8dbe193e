"""``migrate(targets, options) -> results``: the application's migration of Dockerfiles, under
both command-line adapters (:mod:`refactor.app.cli`, :mod:`refactor.app.bulk`).

A target's bytes are read (size-capped), decoded, parsed and run through the codemods the
settings choose for its directory; the files codemods write beside it (relative to the build
context, never outside it) are compared with what is on disk. Every problem with one file
becomes its result's ``error`` (with the line when the problem has one); nothing here prints
or writes.

Reads. Only a regular file is read: it is opened with ``O_NONBLOCK`` (a FIFO never blocks)
and checked with ``fstat`` before a byte is read, and at most :data:`MAX_BYTES` + 1 bytes are
read from it or from standard input (``/dev/zero``, ``yes |`` end in "too large", never in
``MemoryError``). What was read is stamped (:class:`~refactor.app.write.Stamp`) so that
``--write`` replaces only those bytes. A file that BuildKit would refuse after parsing (not a
Dockerfile: ``hello world``, ``/etc/passwd``; extra ``FROM`` words) is an error
(:func:`~refactor.syntax.parser.check_buildable`), never "unchanged". Two outputs that are the
same file (a ``.dockerignore`` that is a link to the Dockerfile) are refused. An opt-out
comment that names no codemod is a warning on the result. From :data:`PARALLEL_FROM` files
on, the default is one process per CPU (:mod:`refactor.app.pool`).
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from refactor.app.config import Settings
from refactor.app.diffing import FileDiff
from refactor.app.discover import Target
from refactor.app.pool import forked_map, usable_cpus
from refactor.app.report import FileResult
from refactor.app.write import Stamp, display
from refactor.engine.codemod import Context, opt_out_problems
from refactor.engine.runner import CODEMOD_MODULES, run_codemods
from refactor.errors import DockerfileSyntaxError, InputError, MsbError
from refactor.syntax.parser import MAX_BYTES, check_buildable, decode, parse
from refactor.syntax.tree import Dockerfile

__all__ = [
    "PARALLEL_FROM",
    "STDIN_NAME",
    "MigrateOptions",
    "display",
    "migrate",
    "migrate_bytes",
    "migrate_target",
    "read_capped",
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
    #: The back-off's choices (:mod:`refactor.app.backoff`; empty in a normal run): the variant
    #: asked of a codemod (name -> variant), and the codemods whose change is left out.
    variants: Mapping[str, str] = field(default_factory=dict)
    dropped: frozenset[str] = frozenset()


def _error_text(exc: MsbError) -> str:
    if isinstance(exc, InputError) and exc.line is not None:
        return f"{exc.path}:{exc.line}: {exc.problem}"
    return str(exc)


def _failed(path: str, real: Path | None, exc: MsbError) -> FileResult:
    return FileResult(path, real, error=_error_text(exc), error_line=getattr(exc, "line", None))


def read_capped(fd: int) -> bytes:
    """At most :data:`MAX_BYTES` + 1 bytes from ``fd`` (one more than allowed: "too large")."""
    chunks: list[bytes] = []
    left = MAX_BYTES + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_input(path: Path, shown: str) -> tuple[bytes, Stamp]:
    """A regular file's bytes (capped) and its stamp; never blocks on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise InputError(shown, exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(shown, "is a directory, not a Dockerfile")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(shown, "not a regular file (a FIFO, socket or device); not read")
        if info.st_size > MAX_BYTES:
            raise InputError(shown, f"file is too large ({info.st_size} bytes, limit {MAX_BYTES})")
        data = read_capped(fd)
    except OSError as exc:
        raise InputError(shown, exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    return data, Stamp.of(info, data)


def _extra_files(
    report_files: dict[str, str], context: Path, real: Path | None, root: Path | None
) -> tuple[dict[Path, str], dict[Path, Stamp | None], list[FileDiff]]:
    """Codemod-written files (relative to the context) that differ from what is on disk, with
    what was read of each (None: no file yet). Refused: a file outside the context (or the
    target's root), or one that is the Dockerfile itself (a symbolic link to it)."""
    if not report_files:
        return {}, {}, []
    base = context.resolve()
    extra: dict[Path, str] = {}
    stamps: dict[Path, Stamp | None] = {}
    diffs = []
    for rel, content in report_files.items():
        dest = (base / rel).resolve()
        for top, what in ((base, "the build context"), (root, "the repository")):
            if top is not None and dest != top and top not in dest.parents:
                raise InputError(rel, f"refusing to write outside {what} {top}")
        if real is not None and dest == real:
            raise InputError(
                display(base / rel),
                f"is the Dockerfile itself ({display(real)}); refusing to write both",
            )
        try:
            data: bytes | None = dest.read_bytes() if dest.exists() else None
            old = None if data is None else data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(display(dest), f"cannot read it to update it ({exc})") from None
        if old != content:
            extra[dest] = content
            stamps[dest] = None if data is None else Stamp.of(dest.stat(), data)
            diffs.append(FileDiff.of(display(dest), old, content))
    return extra, stamps, diffs


def _opt_out_warnings(shown: str, tree: Dockerfile) -> list[str]:
    return [f"{shown}:{line}: {text}" for line, text in opt_out_problems(tree, CODEMOD_MODULES)]


def migrate_bytes(
    shown: str,
    real: Path | None,
    data: bytes,
    context: Path,
    options: MigrateOptions,
    *,
    read: Stamp | None = None,
    root: Path | None = None,
) -> FileResult:
    """Migrate one Dockerfile's bytes (``real`` is None for standard input; ``read`` what was
    read of it, ``root`` the tree nothing may be written outside of)."""
    codemods, codemod_options = options.settings.resolve(real.parent if real else context)
    codemods = [c for c in codemods if c.name not in options.dropped]
    try:
        text = decode(data, shown)
        tree = parse(text, shown)
        check_buildable(tree)
        ctx = Context(
            context_dir=context,
            dockerfile=real,
            options=codemod_options,
            target=options.target,
            variants=dict(options.variants),
        )
        report = run_codemods(tree, ctx, codemods)
        extra, extra_read, extra_diffs = _extra_files(report.files, context, real, root)
    except (InputError, DockerfileSyntaxError) as exc:
        return _failed(shown, real, exc)
    diffs = [FileDiff.of(shown, text, report.output), *extra_diffs]
    result = FileResult(shown, real, report, diffs=diffs, extra=extra)
    result.config = options.settings.source(real.parent if real else context)
    result.read, result.extra_read = read, extra_read
    result.warnings = _opt_out_warnings(shown, tree)
    return result


def migrate_target(target: Target, options: MigrateOptions) -> FileResult:
    """Migrate one Dockerfile found on disk."""
    shown = display(target.path)
    if target.problem is not None:
        return _failed(shown, target.real, InputError(shown, target.problem))
    context = options.context_dir or target.real.parent
    try:
        data, read = _read_input(target.real, shown)
    except InputError as exc:
        return _failed(shown, target.real, exc)
    return migrate_bytes(shown, target.real, data, context, options, read=read, root=target.root)


def migrate(targets: Sequence[Target], options: MigrateOptions) -> Iterable[FileResult]:
    """Each target's result, in order (as they come when one process does them all)."""
    jobs = options.jobs or (usable_cpus() if len(targets) >= PARALLEL_FROM else 1)
    return forked_map(functools.partial(migrate_target, options=options), targets, jobs)
