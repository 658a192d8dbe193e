"""The worker pool of ``msb-migrate -j N``: the items are shared among this process and
``N - 1`` forked workers.

Forked workers start with everything loaded (the codemods imported, the configuration read),
which is what makes them cheap; each result comes back pickled. The items are cut into
chunks of consecutive items; each process starts with one and then claims the next free one
from a pipe holding their ids, so a process that a busy machine slows down takes fewer (fixed
shares left the other one waiting for it); each worker sends its results back at once. The
chunks of a worker that cannot be started, fails or dies are done here, which then meets the
same error (or result) a one-process run would. Only on Linux (elsewhere one process does all).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    chunks = _chunks(len(items), jobs)
    jobs = min(jobs, len(chunks))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # a worker must not inherit (and repeat) pending output
    gc.freeze()  # the workers' garbage collector leaves the parent's objects (and pages) alone
    # The chunks after each process's first are handed out as the processes ask: an id each
    # (2 bytes; the whole queue fits in the smallest pipe, so it is written before forking).
    queue_read, queue_write = os.pipe()
    os.write(queue_write, b"".join(_CHUNK_ID.pack(k) for k in range(jobs, len(chunks))))
    workers: list[tuple[int, int]] = []
    reaped: set[int] = set()
    mine = [0]
    try:
        for first in range(1, jobs):
            try:
                workers.append(_fork_worker(func, items, chunks, first, queue_read, queue_write))
            except OSError:  # no process to spare: this one does its first chunk
                mine.append(first)
        os.close(queue_write)
        queue_write = -1
        results: dict[int, list[R]] = {}
        for k in _claimed(mine, queue_read):
            results[k] = [func(items[i]) for i in chunks[k]]
        for pid, fd in workers:
            data = _read_all(fd)
            status = os.waitpid(pid, 0)[1]
            reaped.add(pid)
            results.update(_answer(data, status, chunks))
        for k, chunk in enumerate(chunks):  # a worker that failed or died: done here
            if k not in results:
                results[k] = [func(items[i]) for i in chunk]
    finally:
        for pid, fd in workers:
            if pid not in reaped:  # interrupted: stop it
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
                    os.waitpid(pid, 0)
            os.close(fd)
        os.close(queue_read)
        if queue_write >= 0:
            os.close(queue_write)
        gc.unfreeze()
    return [result for k in range(len(chunks)) for result in results[k]]


_CHUNK_ID = struct.Struct(">H")
_MAX_CHUNKS = 2048  # ids of 2 bytes, 4 KiB: what the smallest pipe holds (a page)


def _chunks(count: int, jobs: int) -> list[range]:
    """``range(count)`` cut into consecutive chunks: about eight per process (each process
    asks for the next when done, so a process the machine slows down takes fewer), at most
    eight items each, at most :data:`_MAX_CHUNKS`, at least one per process."""
    size = max(1, min(8, count // (jobs * 8)), -(-count // _MAX_CHUNKS))
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def _claimed(first: Sequence[int], queue: int) -> Iterator[int]:
    """The chunks one process does: ``first``, then each id it reads from ``queue`` (reads
    of 2 bytes from a pipe holding whole ids are whole; two processes never read the same)."""
    yield from first
    while len(data := os.read(queue, _CHUNK_ID.size)) == _CHUNK_ID.size:
        yield _CHUNK_ID.unpack(data)[0]


def _fork_worker(
    func: Callable[[T], R],
    items: Sequence[T],
    chunks: Sequence[range],
    first: int,
    queue: int,
    queue_write: int,
) -> tuple[int, int]:
    """Fork a worker doing chunk ``first`` and those it claims from ``queue``; its pid and the
    pipe its results (chunk id -> results) come from."""
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
        os.close(queue_write)  # the queue ends (EOF) once every process has closed it
        results = {k: [func(items[i]) for i in chunks[k]] for k in _claimed([first], queue)}
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


def _answer(data: bytes, status: int, chunks: Sequence[range]) -> dict[int, list[Any]]:
    """A worker's results by chunk id; nothing when it failed (exit status, short or garbled
    answer), and only whole chunks."""
    if status != 0:
        return {}
    try:
        results = pickle.loads(data)
    except Exception:  # cut short
        return {}
    if not isinstance(results, dict):
        return {}
    return {
        k: found
        for k, found in results.items()
        if isinstance(k, int)
        and 0 <= k < len(chunks)
        and isinstance(found, list)
        and len(found) == len(chunks[k])
    }
