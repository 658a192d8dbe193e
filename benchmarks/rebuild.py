"""Rebuild time and image size, before and after the migration, measured by real builds.

For each app (the end-to-end apps in ``tests/e2e/apps`` and the real applications of
``../shared/realapps``), on a throw-away copy of its build context and with BuildKit on a warm
engine (base images present), this times, for the author's Dockerfile and for the file
``msb-migrate`` (default codemods) makes of it, alternating which one goes first:

* **cold**: a build with no layer cache and empty cache mounts (``--no-cache`` after the
  engine's cache mounts are pruned), so downloads and compilers run in full;
* **code**: a rebuild after a one-line change to a source file (a comment appended to the app's
  main source file, a new one each run);
* **deps**: a rebuild after a dependency manifest change: one dependency added, from a
  registry reachable here (PyPI for ``requirements.txt``, npm for ``package.json`` when no lock
  file pins it); ``-`` where the app has no manifest we can change that way;

``--runs`` times each (the median is printed), and reports the image size. Before each timed
rebuild the pristine tree is built again (untimed) so the cache holds the state a developer
starts from. The table prints app | cold | code | deps | size, before -> after with the ratio,
and totals: the median and the geometric mean of the per-app ratios.

    python3 benchmarks/rebuild.py                       # every app, 3 runs
    python3 benchmarks/rebuild.py --runs 1 go-http cloudrun-node
    python3 benchmarks/rebuild.py --json out.json

Ratios are before/after for times (2.0x: the migrated rebuild takes half the time) and
after/before for sizes (0.40: the migrated image is 60% smaller). Apps the migration leaves
unchanged are measured too (their ratios are 1 within noise) and counted in the totals, since
the targets are per app over the apps. Apps whose original does not build here are listed as
unmeasurable. Needs the Docker engine and the stand-in images (``.ci/docker-up.sh``).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realapps import REALAPPS, _apps, _docker, _ensure_bases, _migrate, table

ROOT = Path(__file__).resolve().parents[1]
E2E_APPS = ROOT / "tests" / "e2e" / "apps"
TAG = "msb-rebuild"
BUILD_TIMEOUT = 900.0

#: Comment syntax per source suffix, for the one-line code change.
COMMENTS = {
    ".py": "# msb-rebuild {n}",
    ".rb": "# msb-rebuild {n}",
    ".sh": "# msb-rebuild {n}",
    ".js": "// msb-rebuild {n}",
    ".mjs": "// msb-rebuild {n}",
    ".cjs": "// msb-rebuild {n}",
    ".ts": "// msb-rebuild {n}",
    ".tsx": "// msb-rebuild {n}",
    ".jsx": "// msb-rebuild {n}",
    ".go": "// msb-rebuild {n}",
    ".rs": "// msb-rebuild {n}",
    ".c": "// msb-rebuild {n}",
    ".cc": "// msb-rebuild {n}",
    ".cpp": "// msb-rebuild {n}",
    ".h": "// msb-rebuild {n}",
    ".java": "// msb-rebuild {n}",
    ".cs": "// msb-rebuild {n}",
    ".html": "<!-- msb-rebuild {n} -->",
}
#: Preferred names of an app's main source file, best first (the stem, any suffix above).
MAIN_STEMS = ("main", "app", "server", "index", "program", "hello", "api", "wsgi", "manage")
SKIP_DIRS = {"node_modules", "vendor", "test", "tests", ".git", "target", "dist", "build", "docs"}
#: One dependency per run, so that each run's manifest differs from every earlier one: PyPI
#: packages with no dependencies of their own, npm packages likewise.
PYPI_ADDS = ("iniconfig==2.0.0", "iniconfig==1.1.1", "iniconfig==1.0.1", "iniconfig==1.0.0")
NPM_ADDS = ("is-number@7.0.0", "is-number@6.0.0", "is-number@5.0.0", "is-number@4.0.0")


@dataclass
class Timing:
    cold: list[float] = field(default_factory=list)
    code: list[float] = field(default_factory=list)
    deps: list[float] = field(default_factory=list)
    size_mb: float | None = None
    problem: str = ""

    def median(self, kind: str) -> float | None:
        values: list[float] = getattr(self, kind)
        return statistics.median(values) if values else None


@dataclass
class App:
    name: str
    context: Path
    dockerfile: Path
    changed: bool = False
    split: bool = False
    code_file: str = ""
    deps_file: str = ""
    before: Timing = field(default_factory=Timing)
    after: Timing = field(default_factory=Timing)
    problem: str = ""


def _apps_to_measure(names: list[str]) -> list[tuple[str, Path, Path]]:
    found: list[tuple[str, Path, Path]] = []
    for app in sorted(E2E_APPS.iterdir()) if E2E_APPS.is_dir() else []:
        if (app / "Dockerfile").is_file():
            found.append((app.name, app, app / "Dockerfile"))
    if (REALAPPS / "manifest.tsv").is_file():
        for row in _apps():
            context = REALAPPS / row["name"] / "src" / row["folder"]
            found.append((row["name"], context, context / row["dockerfile"]))
    return [f for f in found if not names or f[0] in names]


def _main_source(context: Path) -> Path | None:
    """The file a one-line code change goes into: the app's main source file by name, else the
    first source file in the tree (sorted, outside dependency and test folders)."""
    candidates: list[Path] = []
    for path in sorted(context.rglob("*")):
        rel = path.relative_to(context)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            continue
        if path.is_file() and not path.is_symlink() and path.suffix in COMMENTS:
            candidates.append(path)
    for stem in MAIN_STEMS:
        for path in sorted(candidates, key=lambda p: len(p.parts)):
            if path.stem == stem:
                return path
    return candidates[0] if candidates else None


def _deps_change(context: Path, run: int) -> tuple[str, str] | None:
    """(manifest relative path, its text with one dependency added) for run ``run``. The text
    also carries a mark of this moment, so that no build of an earlier benchmark run (the
    engine keeps its layer cache) can answer for it."""
    nonce = str(time.time_ns())
    for requirements in sorted(context.rglob("requirements.txt"), key=lambda p: len(p.parts)):
        text = requirements.read_text(encoding="utf-8")
        if "iniconfig" not in text:
            line = PYPI_ADDS[run % len(PYPI_ADDS)]
            body = text if text.endswith("\n") or not text else text + "\n"
            return str(requirements.relative_to(context)), f"{body}{line}  # {nonce}\n"
    package = context / "package.json"
    locks = ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json")
    if package.is_file() and not any((context / lock).exists() for lock in locks):
        data = json.loads(package.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "is-number" not in (data.get("dependencies") or {}):
            name, version = NPM_ADDS[run % len(NPM_ADDS)].split("@")
            data.setdefault("dependencies", {})[name] = version
            data["description"] = f"{data.get('description', '')} {nonce}".strip()
            return "package.json", json.dumps(data, indent=2) + "\n"
    return None


def _build(dockerfile: Path, context: Path, tag: str, *, cold: bool = False) -> float:
    """Seconds one build took; raises RuntimeError with the last error line when it fails."""
    if cold:
        _docker("builder", "prune", "-f", "--filter", "type=exec.cachemount", timeout=300)
    args = ["build", "-q", "-t", tag, "-f", str(dockerfile)]
    if cold:
        args.append("--no-cache")
    start = time.monotonic()
    proc = _docker(*args, str(context), timeout=BUILD_TIMEOUT)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr.strip().splitlines() or ["build failed"])[-1][:200])
    return elapsed


def _size(tag: str) -> float:
    out = _docker("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip()
    return round(int(out) / 1e6, 1)


def measure(name: str, context: Path, dockerfile: Path, runs: int) -> App:
    app = App(name, context, dockerfile)
    with tempfile.TemporaryDirectory(prefix="msb-rebuild-") as tmp:
        work = Path(tmp) / "context"
        shutil.copytree(context, work, symlinks=True)
        original = dockerfile.read_text(encoding="utf-8")
        migrated, error = _migrate(dockerfile, context, [])
        if error:
            app.problem = f"msb-migrate: {error}"
            return app
        app.changed = migrated != original
        app.split = _froms(migrated) > _froms(original)
        files = {"before": Path(tmp) / "before.Dockerfile", "after": Path(tmp) / "after.Dockerfile"}
        files["before"].write_text(original, encoding="utf-8")
        files["after"].write_text(migrated, encoding="utf-8")
        _ensure_bases(original, migrated)
        source = _main_source(work)
        app.code_file = str(source.relative_to(work)) if source else ""
        pristine = {p: p.read_bytes() for p in [source] if p is not None}
        timings = {"before": app.before, "after": app.after}
        tags = {side: f"{TAG}/{name}:{side}" for side in files}
        try:
            for run in range(runs):
                order = ("before", "after") if run % 2 == 0 else ("after", "before")
                for side in order:
                    timings[side].cold.append(_build(files[side], work, tags[side], cold=True))
                if run == 0:
                    for side in order:
                        timings[side].size_mb = _size(tags[side])
                if source is not None:
                    comment = COMMENTS[source.suffix].format(n=f"{run}-{time.time_ns()}")
                    text = pristine[source].decode("utf-8", "replace")
                    changed = text + ("" if text.endswith("\n") else "\n") + comment + "\n"
                    for side in order:
                        source.write_bytes(pristine[source])
                        _build(files[side], work, tags[side])
                        source.write_text(changed, encoding="utf-8")
                        timings[side].code.append(_build(files[side], work, tags[side]))
                    source.write_bytes(pristine[source])
                change = _deps_change(work, run)
                if change is not None:
                    manifest = work / change[0]
                    app.deps_file = change[0]
                    saved = manifest.read_bytes()
                    for side in order:
                        manifest.write_bytes(saved)
                        _build(files[side], work, tags[side])
                        manifest.write_text(change[1], encoding="utf-8")
                        timings[side].deps.append(_build(files[side], work, tags[side]))
                    manifest.write_bytes(saved)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            app.problem = str(exc)
        finally:
            _docker("image", "rm", "-f", *tags.values())
    return app


def _froms(text: str) -> int:
    return sum(1 for line in text.splitlines() if re.match(r"\s*FROM\s", line, re.IGNORECASE))


def _ratio(before: float | None, after: float | None, *, inverse: bool = False) -> float | None:
    if not before or not after:
        return None
    return after / before if inverse else before / after


def _cell(before: float | None, after: float | None, ratio: float | None, unit: str) -> str:
    if before is None or after is None or ratio is None:
        return "-"
    suffix = "" if unit == "MB" else "x"
    return f"{before:.1f} -> {after:.1f} {unit} ({ratio:.2f}{suffix})"


def _summary(values: list[float]) -> str:
    if not values:
        return "-"
    geo = math.exp(sum(math.log(v) for v in values) / len(values))
    return f"median {statistics.median(values):.2f}, geometric mean {geo:.2f} (n={len(values)})"


def render(apps: list[App]) -> str:
    head = (
        "app",
        "split",
        "cold build",
        "code-change rebuild",
        "dependency-change rebuild",
        "image size",
    )
    rows = [head]
    ratios: dict[str, list[float]] = {"cold": [], "code": [], "deps": [], "size": []}
    for app in apps:
        if app.problem:
            rows.append((app.name, "-", f"unmeasurable: {app.problem}", "", "", ""))
            continue
        cells = [app.name, "yes" if app.split else ("changed" if app.changed else "no")]
        for kind in ("cold", "code", "deps"):
            b, a = app.before.median(kind), app.after.median(kind)
            r = _ratio(b, a)
            if r is not None:
                ratios[kind].append(r)
            cells.append(_cell(b, a, r, "s"))
        r = _ratio(app.before.size_mb, app.after.size_mb, inverse=True)
        if r is not None:
            ratios["size"].append(r)
        cells.append(_cell(app.before.size_mb, app.after.size_mb, r, "MB"))
        rows.append(tuple(cells))
    lines = table(rows)
    lines += [
        "",
        "ratios: times before/after (higher is faster), size after/before (lower is smaller)",
        f"cold build                {_summary(ratios['cold'])}",
        f"code-change rebuild       {_summary(ratios['code'])}",
        f"dependency-change rebuild {_summary(ratios['deps'])}",
        f"image size                {_summary(ratios['size'])}",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("apps", nargs="*", help="app names (default: every app)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each kind (median)")
    parser.add_argument("--json", type=Path, help="also write the measurements as JSON here")
    args = parser.parse_args()
    apps = []
    for name, context, dockerfile in _apps_to_measure(args.apps):
        start = time.monotonic()
        app = measure(name, context, dockerfile, max(1, args.runs))
        apps.append(app)
        state = f"unmeasurable ({app.problem})" if app.problem else "measured"
        print(f"{name}: {state} ({time.monotonic() - start:.0f} s)", file=sys.stderr, flush=True)
    print(render(apps))
    if args.json:
        records = [
            {**asdict(a), "context": str(a.context), "dockerfile": str(a.dockerfile)} for a in apps
        ]
        args.json.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
