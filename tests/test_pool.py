"""``forked_map``: results in order whoever computes them; chunks go to the process that asks
(a slow worker leaves the rest to the others); a dead worker's chunks are done here."""

from __future__ import annotations

import os
import sys
import time

import pytest

from refactor.app.pool import _chunks, forked_map

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux")


@pytest.mark.parametrize(
    ("count", "jobs"), [(1, 2), (2, 2), (5, 4), (182, 2), (1820, 2), (10**5, 3)]
)
def test_chunks_cover_the_items_in_order(count: int, jobs: int) -> None:
    chunks = _chunks(count, jobs)
    assert [i for chunk in chunks for i in chunk] == list(range(count))
    assert len(chunks) >= min(jobs, count) and len(chunks) <= 2048
    assert max(len(c) for c in chunks) <= max(8, -(-count // 2048))


def test_a_slow_worker_leaves_the_other_chunks_to_this_process() -> None:
    parent = os.getpid()

    def work(item: int) -> tuple[int, int]:
        if os.getpid() != parent:
            time.sleep(0.2)  # the worker is slow: this process should not wait for it
        return item * item, os.getpid()

    results = list(forked_map(work, list(range(100)), 2))
    assert [square for square, _ in results] == [i * i for i in range(100)]
    workers = {pid for _, pid in results} - {parent}
    assert len(workers) == 1  # the worker did its first chunk
    done_here = sum(pid == parent for _, pid in results)
    assert done_here > 80  # fixed shares would have left it 50


def test_a_dead_workers_chunks_are_done_here() -> None:
    parent = os.getpid()

    def work(item: int) -> int:
        if os.getpid() != parent:
            os._exit(3)
        return item + 1

    assert list(forked_map(work, list(range(40)), 3)) == list(range(1, 41))
