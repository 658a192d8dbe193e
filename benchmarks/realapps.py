"""Real applications as the measuring stick: build each app of ``../shared/realapps`` as its
author wrote it and as msb-migrate migrates it, run its smoke check against both, and print

    app | changed | split | built | answers | non-root | size before -> after

with totals. The sources are used in place (read-only): the migrated Dockerfile is written to a
temporary folder and built with ``-f`` against the app's own context, so nothing is copied into
this project and nothing is written into ``../shared``.

    python3 benchmarks/realapps.py                      # every app, default codemods
    python3 benchmarks/realapps.py cloudrun-node tweetapp
    python3 benchmarks/realapps.py --json out.json -- --enable deps-stage
    python3 benchmarks/realapps.py --verify             # msb-migrate --verify: back off first

Arguments after ``--`` go to ``msb-migrate`` unchanged. The migration is what the command
prints for standard input with ``--context`` set to the app's build context. An app whose
original does not build or answer here is reported as unverifiable, never as the migration's
failure. Needs the Docker engine and the stand-in images (``.ci/docker-up.sh``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALAPPS = Path(os.environ.get("MSB_REALAPPS", ROOT.parent / "shared" / "realapps"))
DOCKER = os.environ.get("MSB_DOCKER", "/usr/bin/docker")
STANDIN = REALAPPS.parent / "e2e" / "standin-images.sh"
MSB_MIGRATE = os.environ.get("MSB_MIGRATE") or shutil.which("msb-migrate") or "msb-migrate"
TAG = "msb-realapps"
BUILD_TIMEOUT = 900.0


@dataclass
class Side:
    """One image: the original or the migrated one."""

    built: bool = False
    build_s: float = 0.0
    answers: bool | None = None  # None: not tried (the build failed)
    user: str = ""
    size_mb: float | None = None
    problem: str = ""

    @property
    def non_root(self) -> bool:
        return self.built and self.user.split(":")[0] not in ("", "root", "0")


@dataclass
class AppResult:
    name: str
    changed: bool = False
    split: bool = False
    error: str = ""
    original: Side = field(default_factory=Side)
    migrated: Side = field(default_factory=Side)
    backoffs: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if not (self.original.built and self.original.answers):
            return "unverifiable"
        if self.error:
            return "error"
        if not self.changed:
            return "unchanged"
        if not (self.migrated.built and self.migrated.answers):
            return "broken"
        return "working"


def _docker(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    return subprocess.run(
        [DOCKER, *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def _apps() -> list[dict[str, str]]:
    with (REALAPPS / "manifest.tsv").open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _migrate(dockerfile: Path, context: Path, extra: list[str]) -> tuple[str, str]:
    """The migrated text (or the original when nothing changes), and an error line."""
    proc = subprocess.run(
        [MSB_MIGRATE, "--context", str(context), *extra, "-"],
        input=dockerfile.read_bytes(),
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return "", lines[-1] if lines else f"msb-migrate exited {proc.returncode}"
    return proc.stdout.decode("utf-8"), ""


def _migrate_verified(
    dockerfile: Path, context: Path, extra: list[str]
) -> tuple[str, str, list[str]]:
    """``msb-migrate --verify --write`` on a throw-away copy of the build context: the text it
    wrote (the original when it withheld or changed nothing), an error line, and its back-offs
    (one line each)."""
    with tempfile.TemporaryDirectory(prefix="msb-realapps-verify-") as tmp:
        copy = Path(tmp) / "context"
        shutil.copytree(context, copy, symlinks=True)
        target = copy / dockerfile.relative_to(context)
        command = [MSB_MIGRATE, "--verify", "--write", "--format", "json"]
        proc = subprocess.run(
            [*command, "--context", str(copy), *extra, str(target)],
            capture_output=True,
            timeout=3600,
            cwd=ROOT,
            check=False,
        )
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            return "", lines[-1] if lines else f"msb-migrate exited {proc.returncode}", []
        files = report.get("files", []) if isinstance(report, dict) else []
        backoffs = [
            f"{b['codemod']}: {b['variant'] or 'dropped'} ({b['outcome']}: "
            f"{b['cause'] or b['reason']})"
            for entry in files
            for b in entry.get("backoffs") or []
        ]
        withheld = [f"withheld: {e['withheld']}" for e in files if e.get("withheld")]
        return target.read_text(encoding="utf-8"), "", backoffs + withheld


def _ensure_bases(*texts: str) -> None:
    """Tag the stand-in for every base image the files name (no registry is reachable here)."""
    images = set()
    for text in texts:
        for line in text.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0].upper() == "FROM":
                image = next((w for w in words[1:] if not w.startswith("--")), "")
                if image and "$" not in image and image.lower() != "scratch":
                    images.add(image)
    if images and STANDIN.is_file():
        subprocess.run(["bash", str(STANDIN), "--ensure", *sorted(images)], capture_output=True)


def _build(dockerfile: Path, context: Path, tag: str) -> Side:
    side = Side()
    start = time.monotonic()
    try:
        proc = _docker(
            "build", "-q", "-t", tag, "-f", str(dockerfile), str(context), timeout=BUILD_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        side.problem = f"build timed out after {BUILD_TIMEOUT:.0f} s"
        return side
    side.build_s = time.monotonic() - start
    if proc.returncode != 0:
        side.problem = "build failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:200]
        return side
    side.built = True
    inspect = _docker("image", "inspect", "--format", "{{json .}}", tag)
    info = json.loads(inspect.stdout)
    side.user = info.get("Config", {}).get("User") or ""
    side.size_mb = round(info.get("Size", 0) / 1e6, 1)
    return side


def _smoke(tag: str, smoke: dict[str, object]) -> tuple[bool, str]:
    """Run the app's smoke check against ``tag``: whether it answered, and what was seen."""
    env = smoke.get("env") or {}
    assert isinstance(env, dict)
    run = ["run", "-d"]
    for key, value in env.items():
        run += ["-e", f"{key}={value}"]
    if smoke.get("memory_limit_mb"):
        run += ["--memory", f"{smoke['memory_limit_mb']}m"]
    wait = float(str(smoke.get("wait_s", 30)))
    expect = str(smoke["expect"])
    if smoke["kind"] == "http":
        run += ["-p", f"127.0.0.1::{smoke['port']}", tag]
    else:
        run += [tag, *[str(a) for a in smoke.get("args", []) or []]]  # type: ignore[union-attr]
    proc = _docker(*run)
    if proc.returncode != 0:
        return False, "run failed: " + proc.stderr.strip()[-200:]
    cid = proc.stdout.strip()
    try:
        deadline = time.monotonic() + wait
        seen = ""
        while time.monotonic() < deadline:
            if smoke["kind"] == "http":
                port = _docker("port", cid, str(smoke["port"])).stdout.strip().splitlines()
                if port:
                    url = f"http://{port[0]}{smoke.get('path', '/')}"
                    try:
                        with urllib.request.urlopen(url, timeout=5) as resp:
                            seen = resp.read(1 << 20).decode("utf-8", "replace")
                    except (urllib.error.URLError, OSError) as exc:
                        seen = str(exc)
            else:
                logs = _docker("logs", cid)
                seen = logs.stdout + logs.stderr
            if expect in seen:
                return True, ""
            time.sleep(1)
        logs = _docker("logs", "--tail", "5", cid)
        return False, (logs.stdout + logs.stderr).strip()[-300:] or seen[-300:]
    finally:
        _docker("rm", "-f", cid)


def measure(
    app: dict[str, str], extra: list[str], keep: bool, *, verify: bool = False
) -> AppResult:
    name = app["name"]
    result = AppResult(name)
    context = REALAPPS / name / "src" / app["folder"]
    dockerfile = context / app["dockerfile"]
    smoke = json.loads((REALAPPS / name / "smoke.json").read_text())
    original = dockerfile.read_text(encoding="utf-8")
    migrated, result.error = _migrate(dockerfile, context, extra)
    tags = (f"{TAG}/{name}:orig", f"{TAG}/{name}:migrated")
    _ensure_bases(original, migrated, app["base_image"].split()[0].join(("FROM ", "")))
    if verify and migrated and migrated != original:
        migrated, result.error, result.backoffs = _migrate_verified(dockerfile, context, extra)
    result.changed = bool(migrated) and migrated != original
    result.split = result.changed and _froms(migrated) > _froms(original)
    try:
        result.original = _build(dockerfile, context, tags[0])
        if result.original.built:
            result.original.answers, result.original.problem = _smoke(tags[0], smoke)
        if result.changed:
            with tempfile.TemporaryDirectory(prefix="msb-realapps-") as tmp:
                path = Path(tmp) / "Dockerfile"
                path.write_text(migrated, encoding="utf-8")
                result.migrated = _build(path, context, tags[1])
            if result.migrated.built:
                result.migrated.answers, result.migrated.problem = _smoke(tags[1], smoke)
        else:
            result.migrated = result.original
    finally:
        if not keep:
            _docker("image", "rm", "-f", *tags)
    return result


def _froms(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip().upper().startswith("FROM "))


def _mark(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """``rows`` (the first the heading) as aligned text lines, a rule under the heading."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines


def render(results: list[AppResult]) -> str:
    head = (
        "app",
        "changed",
        "split",
        "built",
        "answers",
        "non-root",
        "size MB",
        "back-offs",
        "verdict",
    )
    rows = [head]
    for r in results:
        o, m = r.original, r.migrated
        size = f"{o.size_mb} -> {m.size_mb}" if o.size_mb is not None else "-"
        rows.append(
            (
                r.name,
                _mark(r.changed),
                _mark(r.split),
                f"{_mark(o.built)}/{_mark(m.built)}",
                f"{_mark(o.answers)}/{_mark(m.answers)}",
                f"{_mark(o.non_root)}/{_mark(m.non_root)}",
                size,
                str(len(r.backoffs)),
                r.verdict,
            )
        )
    lines = table(rows)
    verdicts = [r.verdict for r in results]
    good = [
        r
        for r in results
        if r.verdict == "working"
        and r.split
        and r.migrated.non_root
        and (r.migrated.size_mb or 0) < (r.original.size_mb or 0)
    ]
    ratios = sorted(
        (r.migrated.size_mb or 0) / r.original.size_mb
        for r in results
        if r.verdict == "working" and r.original.size_mb
    )
    median = ratios[len(ratios) // 2] if ratios else None
    lines.append("")
    lines.append(
        f"{len(results)} apps: "
        + ", ".join(f"{verdicts.count(v)} {v}" for v in sorted(set(verdicts)))
        + f"; {sum(r.split for r in results)} split; {len(good)} split, working, non-root and"
        " smaller" + (f"; median size after/before {median:.2f}" if median is not None else "")
    )
    for r in results:
        lines += [f"  {r.name}: backed off: {b}" for b in r.backoffs]
    for r in results:
        if r.verdict in ("broken", "error", "unverifiable"):
            why = r.error or r.migrated.problem or r.original.problem
            lines.append(f"  {r.name}: {r.verdict}: {why}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("apps", nargs="*", help="app names (default: all)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--keep-images", action="store_true")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="migrate with msb-migrate --verify (build, probe, back off) on a copy of the context",
    )
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    if not (REALAPPS / "manifest.tsv").is_file():
        print(f"realapps: no {REALAPPS}/manifest.tsv", file=sys.stderr)
        return 2
    apps = [a for a in _apps() if not args.apps or a["name"] in args.apps]
    results = []
    for app in apps:
        start = time.monotonic()
        result = measure(app, extra, args.keep_images, verify=args.verify)
        results.append(result)
        print(f"{app['name']}: {result.verdict} ({time.monotonic() - start:.0f} s)", flush=True)
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
