"""The worker pool of ``msb-migrate -j N``: the items are shared among this process and
``N - 1`` forked workers.

Forked workers start with everything loaded (the codemods imported, the configuration read),
which is what makes them cheap; each result comes back pickled. Shares are fixed and
interleaved, so there is no message per item; each worker sends its results back at once. A
share whose worker cannot be started, fails or dies is done here, which then meets the same
error (or result) a one-process run would. Only on Linux (elsewhere one process does all).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

__all__ = ["forked_map", "usable_cpus"]

T = TypeVar("T")
R = TypeVar("R")


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def forked_map(func: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterable[R]:
    """``func`` of each item, in order, in ``jobs`` processes (lazily in this one alone when
    ``jobs`` is 1 or forking is not the way here)."""
    jobs = min(jobs, len(items))
    if jobs <= 1 or not sys.platform.startswith("linux"):
        return (func(item) for item in items)
    return _shared(func, items, jobs)


def _shared(func: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    shares = [range(first, len(items), jobs) for first in range(jobs)]
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # a worker must not inherit (and repeat) pending output
    gc.freeze()  # the workers' garbage collector leaves the parent's objects (and pages) alone
    workers: list[tuple[int, int, range]] = []
    reaped: set[int] = set()
    local = [shares[0]]
    try:
        for share in shares[1:]:
            try:
                workers.append((*_fork_worker(func, items, share), share))
            except OSError:  # no process to spare: this one does it
                local.append(share)
        results: dict[int, R] = {}
        for share in local:
            results.update((i, func(items[i])) for i in share)
        for pid, fd, share in workers:
            data = _read_all(fd)
            status = os.waitpid(pid, 0)[1]
            reaped.add(pid)
            found: list[R] | None = _answer(data, status, len(share))
            if found is None:
                found = [func(items[i]) for i in share]
            results.update(zip(share, found, strict=True))
    finally:
        for pid, fd, _ in workers:
            if pid not in reaped:  # interrupted: stop it
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
                    os.waitpid(pid, 0)
            os.close(fd)
        gc.unfreeze()
    return [results[i] for i in range(len(items))]


def _fork_worker(func: Callable[[T], R], items: Sequence[T], share: range) -> tuple[int, int]:
    """Fork a worker doing ``share``; its pid and the pipe its results come from."""
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    if pid:
        os.close(write)
        return pid, read
    status = 1
    try:  # the worker: never returns to the caller
        os.close(read)
        results = [func(items[i]) for i in share]
        with os.fdopen(write, "wb") as pipe:
            pickle.dump(results, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the parent's buffers


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(data: bytes, status: int, count: int) -> list[Any] | None:
    """A worker's results, or None when it failed (exit status, short or garbled answer)."""
    if status != 0:
        return None
    try:
        results = pickle.loads(data)
    except Exception:  # cut short
        return None
    return results if isinstance(results, list) and len(results) == count else None
