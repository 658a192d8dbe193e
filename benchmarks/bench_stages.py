"""How msb-migrate scales with the number of stages (issue 14, item 9).

Generates Dockerfiles of N stages in four shapes and times, in this process, each step a
file goes through on ``msb-migrate FILE``, then the command itself from start to exit:

* ``chain``: ``FROM alpine AS s0``, ``FROM s0 AS s1``, … (every stage built FROM the last);
* ``copy``: every stage on ``alpine``, copying from the previous one (``COPY --from``) and
  mounting the one before (``RUN --mount=…,from=``);
* ``fan``: one base stage, N-2 stages FROM it, a last one copying from every one of them;
* ``copies``: two stages, the second with N ``COPY --from`` of the first (N is not a number of
  stages here: it is how many COPY/ADD one stage's destinations are looked up for).

Steps: parse; the build model and its stage graph (the stages the build needs, and each
stage's dependencies and users, as codemods ask); the default codemods (``run_codemods``);
the unified diff of the result (:class:`refactor.app.diffing.FileDiff`); then *end to end*:
``msb-migrate --dry-run FILE`` in a new process (Python start-up and imports included) on the
code of the tree this script is in, cut at ``--timeout`` seconds (shown as ``>T``). The stage
graph used to be walked in roughly cubic time (1,000 stages: 13.6 s, 10,000: no end), then
difflib's diff was quadratic in the number of interleaved changes (10,000 stages: minutes);
the table shows what each step costs now. Usage::

    python benchmarks/bench_stages.py [--stages 1000 10000] [--shapes chain copy fan copies]
                                      [--timeout 600]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from refactor.analysis.model import build_model  # noqa: E402
from refactor.app.diffing import FileDiff  # noqa: E402
from refactor.engine.codemod import Context  # noqa: E402
from refactor.engine.runner import run_codemods, select_codemods  # noqa: E402
from refactor.syntax.parser import parse  # noqa: E402


def chain(n: int) -> str:
    return "FROM alpine AS s0\n" + "".join(f"FROM s{i - 1} AS s{i}\n" for i in range(1, n))


def copy(n: int) -> str:
    lines = ["FROM alpine AS s0", "RUN echo hi > /f0"]
    for i in range(1, n):
        lines += [
            f"FROM alpine AS s{i}",
            f"COPY --from=s{i - 1} /f{i - 1} /f{i}",
            f"RUN --mount=type=cache,target=/c,from=s{max(0, i - 2)} echo {i}",
        ]
    return "\n".join(lines) + "\n"


def fan(n: int) -> str:
    lines = ["FROM alpine AS base", "RUN echo hi > /f"]
    lines += [f"FROM base AS s{i}\nRUN echo {i} > /f{i}" for i in range(1, n - 1)]
    lines.append("FROM alpine")
    lines += [f"COPY --from=s{i} /f{i} /f{i}" for i in range(1, n - 1)]
    return "\n".join(lines) + "\n"


def copies(n: int) -> str:
    lines = ["FROM alpine AS s0", "RUN echo hi > /f0", "FROM alpine"]
    lines += [f"COPY --from=s0 /f0 /d{i}/f" for i in range(n)]
    return "\n".join(lines) + "\n"


SHAPES: dict[str, Callable[[int], str]] = {
    "chain": chain,
    "copy": copy,
    "fan": fan,
    "copies": copies,
}


def measure(text: str) -> dict[str, float]:
    """Seconds per step for one file (a fresh tree: nothing cached between files)."""
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step], clock = now - clock, now

    tree = parse(text)
    lap("parse")
    model = build_model(tree)
    model.needed()
    for stage in model.stages:
        model.dependencies(stage.index)
        model.users_of(stage.index)
    lap("model")
    report = run_codemods(tree, Context(), select_codemods())
    lap("codemods")
    FileDiff.of("Dockerfile", text, report.output)
    lap("diff")
    return seconds


#: What the ``msb-migrate`` console script runs.
_COMMAND = "import sys; from refactor.app.cli import main; sys.exit(main())"


def end_to_end(text: str, timeout: float) -> float | None:
    """Seconds ``msb-migrate --dry-run FILE`` takes from start to exit (None past ``timeout``),
    importing this tree's code (``PYTHONPATH``), whatever is installed."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "Dockerfile")
        path.write_text(text)
        command = [sys.executable, "-c", _COMMAND, "--dry-run", str(path)]
        start = time.perf_counter()
        try:
            done = subprocess.run(command, env=env, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"msb-migrate exited {done.returncode}: {done.stderr.decode()[-300:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=sorted(SHAPES))
    parser.add_argument("--timeout", type=float, default=600, help="end to end, in seconds")
    args = parser.parse_args()
    steps = ("parse", "model", "codemods", "diff")
    print(f"| shape | N | {' | '.join(steps)} | total (s) | end to end (s) |")
    print(f"|---|---:|{'---:|' * len(steps)}---:|---:|")
    for shape in args.shapes:
        for n in args.stages:
            text = SHAPES[shape](n)
            seconds = measure(text)
            whole = end_to_end(text, args.timeout)
            cells = " | ".join(f"{seconds[s]:.2f}" for s in steps)
            total = f"{sum(seconds.values()):.2f}"
            wall = f">{args.timeout:g}" if whole is None else f"{whole:.2f}"
            print(f"| {shape} | {n} | {cells} | {total} | {wall} |", flush=True)


if __name__ == "__main__":
    main()
