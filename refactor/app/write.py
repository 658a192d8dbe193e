"""The writer: a migrated Dockerfile and the files its codemods wrote go to disk atomically.

Each file is written to a temporary file in its own directory, fsync'd, given the old file's
mode bits (and owner when allowed; a new file the umask's default mode) and renamed over the
old one, so a reader never sees half a file and a failure leaves the old one in place.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from refactor.app.report import FileResult

__all__ = ["write_atomic", "write_result"]


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (temp file in the same directory + os.replace), keeping
    its mode bits (and owner when allowed); a new file gets the umask's default mode."""
    try:
        old: os.stat_result | None = path.stat()
    except FileNotFoundError:
        old = None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".msb-migrate", dir=path.parent)
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
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_result(result: FileResult) -> None:
    """Write a migrated Dockerfile (when its text changed) and the other files it brings."""
    assert result.report is not None and result.real is not None
    if result.report.output != result.report.original:
        write_atomic(result.real, result.report.output)
    for path, content in result.extra.items():
        write_atomic(path, content)
