"""Parse+print throughput of msb-migrate's parser beside the official BuildKit parser.

Reads every Dockerfile of the shared real-world corpus into memory, checks that each one
round-trips, then times, in the same process and on the same texts:

* ours: ``refactor.parse(text).code`` (parse to the lossless tree, then print it back);
* official: ``dockerfile.parse_string(text)`` (BuildKit's Go parser through its Python binding;
  it only parses).

Each engine runs in short alternating rounds (whole passes over the corpus) until it has run
at least ``--seconds`` in all, so that both see the same machine load. On a busy machine the
best round (as ``timeit`` reports) is the steadiest figure; the table also gives the median
round, the overall rate and the rate per second of CPU time. Usage::

    python benchmarks/bench_parse.py [--seconds 2] [--rounds 10] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import csv
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from refactor import clear_caches, parse  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "realworld"


def load(corpus: Path) -> list[str]:
    """The corpus texts (exact UTF-8, BOM and CRLF kept), in manifest order."""
    manifest = corpus / "manifest.tsv"
    if manifest.is_file():
        with manifest.open(encoding="utf-8", newline="") as fh:
            paths = [corpus / row["file"] for row in csv.DictReader(fh, delimiter="\t")]
    else:
        paths = sorted(p for p in corpus.rglob("*") if p.is_file())
    return [p.read_bytes().decode("utf-8") for p in paths]


def ours(text: str) -> object:
    return parse(text).code


def nothing() -> None:
    """The official parser keeps nothing between calls."""


def timed_round(
    fn: Callable[[str], object], texts: list[str], seconds: float, reset: Callable[[], None]
) -> tuple[int, float, float]:
    """Whole passes over ``texts`` until ``seconds`` have passed: (files, seconds, CPU seconds).
    ``reset`` runs before each pass (ours forgets its memoized readings: every pass is cold)."""
    gc.collect()
    files = 0
    start, cpu = time.perf_counter(), time.process_time()
    while True:
        reset()
        for text in texts:
            fn(text)
        files += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return files, elapsed, time.process_time() - cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="minimum run time per engine")
    ap.add_argument("--rounds", type=int, default=10, help="alternating rounds per engine")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args()

    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    texts = load(args.corpus)
    size = sum(len(t.encode("utf-8")) for t in texts)
    bad = [i for i, t in enumerate(texts) if parse(t).code != t]
    if bad:
        print(f"{len(bad)} files do not round-trip", file=sys.stderr)
        return 1

    engines: dict[str, Callable[[str], object]] = {"ours (parse+print)": ours}
    try:
        import dockerfile

        engines["official (parse)"] = dockerfile.parse_string
    except ImportError:
        print("the official parser (pip install dockerfile) is not installed", file=sys.stderr)
    for fn in engines.values():  # warm up
        for text in texts:
            fn(text)

    totals = {name: [0, 0.0, 0.0] for name in engines}
    rates: dict[str, list[float]] = {name: [] for name in engines}
    per_round = args.seconds / args.rounds
    for _ in range(args.rounds):
        for name, fn in engines.items():
            reset = clear_caches if fn is ours else nothing
            files, elapsed, cpu = timed_round(fn, texts, per_round, reset)
            totals[name][0] += files
            totals[name][1] += elapsed
            totals[name][2] += cpu
            rates[name].append(files / elapsed)

    print(f"corpus: {args.corpus} ({len(texts)} files, {size / 1e6:.2f} MB)")
    print(f"python {platform.python_version()} on {platform.machine()}, {args.rounds} rounds")
    print()
    head = ("engine", "files", "seconds", "best/s", "median/s", "overall/s", "cpu/s", "best MB/s")
    print("{:<20} {:>7} {:>7} {:>8} {:>8} {:>9} {:>8} {:>9}".format(*head))
    summary: dict[str, tuple[float, float, float]] = {}
    for name in engines:
        files, elapsed, cpu = totals[name]
        best, median = max(rates[name]), statistics.median(rates[name])
        summary[name] = (best, median, files / cpu if cpu else float("nan"))
        best_mbs = best * size / len(texts) / 1e6
        print(
            f"{name:<20} {files:>7} {elapsed:>7.2f} {best:>8.0f} {median:>8.0f}"
            f" {files / elapsed:>9.0f} {summary[name][2]:>8.0f} {best_mbs:>9.2f}"
        )
    if len(summary) == 2:
        (b1, m1, c1), (b2, m2, c2) = summary.values()
        print()
        print(f"ours/official: best {b1 / b2:.2f}x, median {m1 / m2:.2f}x, cpu {c1 / c2:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
