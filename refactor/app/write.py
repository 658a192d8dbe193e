"""The writer: a migrated Dockerfile and the files its codemods wrote go to disk atomically,
and only over the bytes that were read.

Each file is written to a temporary file in its own directory, fsync'd, given the old file's
mode bits (and owner when allowed; a new file the umask's default mode) and renamed over the
old one, so a reader never sees half a file and a failure (a read-only directory, a full disk)
leaves the old one in place.

Lost edits. What was read is recorded as a :class:`Stamp` (size, ``mtime_ns``, device and
inode, and the SHA-256 of the bytes); just before the rename the file is stamped again and a
file that changed since (edited by hand during a long run, rewritten by a concurrent run,
created where there was none) is not replaced: :class:`StaleError`. A window of a few
system calls between that check and the rename remains (POSIX has no compare-and-rename).

Temporary files are named ``.<name>.msb-migrate-<pid>-<random>.tmp``. A run killed with
``SIGKILL`` leaves one behind; :func:`leftovers` finds them by that pattern in the directories
a run works in, and :func:`clear_leftovers` removes those whose process is gone and that are
older than the current run (a concurrent run's files are left alone). ``--write`` removes
them and says so; the other modes list them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from refactor.app.report import FileResult
from refactor.errors import MsbError

__all__ = [
    "TEMP_PATTERN",
    "StaleError",
    "Stamp",
    "WriteError",
    "clear_leftovers",
    "display",
    "leftovers",
    "write_atomic",
    "write_result",
]

#: The names of msb-migrate's temporary files (the writing process's id in group 1).
TEMP_PATTERN = re.compile(r"^\..+\.msb-migrate-(\d+)-[A-Za-z0-9_]+\.tmp$")


class WriteError(MsbError):
    """A file that could not be written (the original is left in place)."""


class StaleError(WriteError):
    """A file that changed on disk after it was read: it is not replaced."""


@dataclass(frozen=True)
class Stamp:
    """What was read from a file: its identity, size, modification time and the bytes' hash."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, info: os.stat_result, data: bytes) -> Stamp:
        digest = hashlib.sha256(data).hexdigest()
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, digest)

    @classmethod
    def read(cls, path: Path) -> Stamp | None:
        """The file's stamp now (None when it does not exist)."""
        try:
            with path.open("rb") as fh:
                info = os.fstat(fh.fileno())
                return cls.of(info, fh.read())
        except FileNotFoundError:
            return None


def display(path: Path) -> str:
    """``path`` relative to the current directory when below it (posix): the name a result
    carries and messages use. It is the name as it is (JSON keeps it); what prints it escapes
    it: standard-error lines through :func:`refactor.app.output.say`, diff headers through
    :func:`refactor.app.diffing.quote_path`, both with the one escaping of
    :func:`refactor.app.diffing.escape_name`."""
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _check_unchanged(path: Path, shown: str, read: Stamp | None) -> None:
    """Raise :class:`StaleError` when ``path`` is not what was read (``None``: no file)."""
    try:
        now = Stamp.read(path)
    except OSError as exc:
        raise WriteError(f"{shown}: cannot read it again before writing: {_why(exc)}") from None
    if now == read:
        return
    if read is None:
        why = "was created"
    elif now is None:
        why = "was removed"
    else:
        why = "changed"
    raise StaleError(f"{shown}: {why} since msb-migrate read it; not written (run again)")


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def write_atomic(path: Path, text: str, *, expect: Stamp | Literal[False] | None = False) -> None:
    """Replace ``path`` with ``text`` (temp file in the same directory + os.replace), keeping
    its mode bits (and owner when allowed); a new file gets the umask's default mode.

    ``expect`` is what was read (a :class:`Stamp`, or None for "there was no file"); the file
    is not replaced when it no longer matches (:class:`StaleError`). ``False``: no check.
    Every failure is a :class:`WriteError` naming the file; the old file stays in place.
    """
    shown = display(path)
    try:
        old: os.stat_result | None = path.stat()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise WriteError(f"{shown}: cannot write: {_why(exc)}") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}.msb-migrate-{os.getpid()}-", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:
        raise WriteError(f"{shown}: cannot write: {_why(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if old is not None:
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
            if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(OSError):
                    os.chown(tmp, old.st_uid, old.st_gid)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if expect is not False:
            _check_unchanged(path, shown, expect)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        why = _why(exc)
        raise WriteError(f"{shown}: cannot write: {why} (the original is unchanged)") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_result(result: FileResult) -> None:
    """Write a migrated Dockerfile (when its text changed) and the other files it brings, each
    only over what was read (:class:`StaleError` otherwise).

    The Dockerfile goes first; a failure stops before the files that go with it."""
    assert result.report is not None and result.real is not None
    if result.report.output != result.report.original:
        write_atomic(result.real, result.report.output, expect=result.read)
    for path, content in result.extra.items():
        write_atomic(path, content, expect=result.extra_read.get(path))


def leftovers(directories: Iterable[Path]) -> list[Path]:
    """msb-migrate's temporary files in ``directories`` (by name), sorted."""
    found: set[Path] = set()
    for directory in directories:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        found.update(directory / name for name in names if TEMP_PATTERN.match(name))
    return sorted(found)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def clear_leftovers(files: Iterable[Path], started: float) -> tuple[list[Path], list[Path]]:
    """Remove the leftovers whose writer is gone and that are older than ``started`` (a
    ``time.time()``); return (removed, kept)."""
    removed: list[Path] = []
    kept: list[Path] = []
    for path in files:
        match = TEMP_PATTERN.match(path.name)
        try:
            old = path.lstat().st_mtime < started
            if match and old and not _alive(int(match.group(1))):
                path.unlink()
                removed.append(path)
                continue
        except OSError:
            pass
        kept.append(path)
    return removed, kept
