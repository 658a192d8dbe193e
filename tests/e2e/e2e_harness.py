"""Reusable end-to-end harness: build an app's Dockerfile, measure the image and smoke-test it.

``check_app`` takes the Dockerfile *text*, so the same call checks an app's original
single-stage Dockerfile and, later, the multi-stage one produced by msb-migrate::

    before = check_app(engine, app_dir, original_text, "msb-e2e/go-http:original")
    after = check_app(engine, app_dir, migrated_text, "msb-e2e/go-http:migrated")
    register_report(before, "before")
    register_report(after, "after")

Registered reports are printed as a size table at the end of the pytest session (conftest.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from refactor.app.docker import DockerEngine, DockerError

APPS_DIR = Path(__file__).resolve().parent / "apps"
REPO_ROOT = Path(__file__).resolve().parents[2]

HTTP_STARTUP_TIMEOUT = 90.0
STDOUT_RUN_TIMEOUT = 60.0
BUILD_TIMEOUT = 900.0

Phase = Literal["before", "after"]


@dataclass(frozen=True)
class SmokeSpec:
    """Parsed ``smoke.json``: ``kind`` is "http" (port, path) or "stdout" (args)."""

    kind: Literal["http", "stdout"]
    expect: str
    port: int | None = None
    path: str = "/"
    args: list[str] = field(default_factory=list)
    #: Ports a migrated image may legitimately serve on instead of ``port`` (e.g. a static site
    #: moved from ``vite preview`` on 4173 to nginx on 80); used only when the image does not
    #: EXPOSE ``port`` but EXPOSEs one of these.
    alt_ports: list[int] = field(default_factory=list)

    def port_for(self, exposed: list[str]) -> int | None:
        """The port to probe on an image that EXPOSEs ``exposed`` (e.g. ["80/tcp"])."""
        numbers = {int(p.split("/", 1)[0]) for p in exposed if p.split("/", 1)[0].isdigit()}
        if self.port is None or self.port in numbers or not numbers:
            return self.port
        for alt in self.alt_ports:
            if alt in numbers:
                return alt
        return self.port

    @classmethod
    def load(cls, app_dir: Path) -> SmokeSpec:
        data: dict[str, Any] = json.loads((Path(app_dir) / "smoke.json").read_text())
        kind = data.get("kind")
        expect = data.get("expect")
        if not isinstance(expect, str) or not expect:
            raise ValueError(f"{app_dir}/smoke.json: 'expect' must be a non-empty string")
        if kind == "http":
            port = data.get("port")
            if not isinstance(port, int):
                raise ValueError(f"{app_dir}/smoke.json: http smoke needs an integer 'port'")
            alt = data.get("alt_ports", [])
            if not isinstance(alt, list) or not all(isinstance(p, int) for p in alt):
                raise ValueError(f"{app_dir}/smoke.json: 'alt_ports' must be a list of integers")
            return cls("http", expect, port=port, path=str(data.get("path", "/")), alt_ports=alt)
        if kind == "stdout":
            args = data.get("args", [])
            if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
                raise ValueError(f"{app_dir}/smoke.json: 'args' must be a list of strings")
            return cls("stdout", expect, args=list(args))
        raise ValueError(f"{app_dir}/smoke.json: unknown kind {kind!r}")


@dataclass
class AppReport:
    app: str
    tag: str
    build_ok: bool
    build_seconds: float
    size: int | None = None
    layers: int | None = None
    uid: int | None = None
    user: str | None = None
    smoke_kind: str | None = None
    smoke_port: int | None = None
    smoke_passed: bool = False
    smoke_output: str = ""
    error: str | None = None
    build_log_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.build_ok and self.smoke_passed

    def describe(self) -> str:
        """Multi-line text for assertion messages."""
        lines = [
            f"app={self.app} tag={self.tag} build_ok={self.build_ok} "
            f"smoke_passed={self.smoke_passed} uid={self.uid} size={self.size}",
        ]
        if self.error:
            lines.append(f"error: {self.error}")
        if self.smoke_output:
            lines.append("smoke output:\n" + self.smoke_output[-2000:])
        if not self.build_ok and self.build_log_tail:
            lines.append("build log tail:\n" + self.build_log_tail)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_FROM_RE = re.compile(
    r"^\s*FROM\s+(?:--platform=\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<name>\S+))?",
    re.IGNORECASE | re.MULTILINE,
)


def base_images(dockerfile_text: str) -> list[str]:
    """External images named by FROM lines (stage references and ``scratch`` left out)."""
    stages: set[str] = set()
    images: list[str] = []
    for m in _FROM_RE.finditer(dockerfile_text):
        image = m.group("image")
        if image.lower() not in stages and image != "scratch" and "$" not in image:
            images.append(image)
        if m.group("name"):
            stages.add(m.group("name").lower())
    return images


def stage_count(dockerfile_text: str) -> int:
    return len(_FROM_RE.findall(dockerfile_text))


def list_apps() -> list[Path]:
    return sorted(p for p in APPS_DIR.iterdir() if (p / "smoke.json").is_file())


def run_smoke(
    engine: DockerEngine, tag: str, spec: SmokeSpec, port: int | None = None
) -> tuple[bool, str]:
    """Run the smoke check (HTTP on ``port``, default ``spec.port``); returns (passed, output)."""
    if spec.kind == "http":
        port = port or spec.port
        assert port is not None
        res = engine.http_get(tag, port, spec.path, timeout=HTTP_STARTUP_TIMEOUT)
        passed = res.ok and spec.expect in res.body
        head = f"GET :{port}{spec.path} -> {res.status} in {res.seconds:.1f}s"
        if res.error:
            head += f" ({res.error})"
        output = f"{head}\n{res.body.strip()}"
        if not passed:
            output += f"\n--- container logs ---\n{res.container_logs.strip()}"
        return passed, output
    run = engine.run(tag, spec.args, timeout=STDOUT_RUN_TIMEOUT)
    passed = run.exit_code == 0 and spec.expect in run.stdout
    output = run.stdout.strip()
    if not passed:
        output += f"\n--- exit {run.exit_code}, stderr ---\n{run.stderr.strip()}"
    return passed, output


def check_app(
    engine: DockerEngine,
    app_dir: Path,
    dockerfile_text: str,
    tag: str,
    *,
    target: str | None = None,
    port: int | None = None,
) -> AppReport:
    """Build ``dockerfile_text`` with ``app_dir`` as context, then measure and smoke-test it.

    HTTP apps are probed on ``port`` when given, else on smoke.json's ``port`` (or one of its
    ``alt_ports`` when the image EXPOSEs that instead of ``port``).

    Never raises for a failing build or smoke test: those are reported in the AppReport (so a
    caller can compare before/after); engine-level errors (timeouts, daemon gone) do raise.
    """
    app_dir = Path(app_dir)
    spec = SmokeSpec.load(app_dir)
    build = engine.build(
        dockerfile_text,
        app_dir,
        tag,
        target=target,
        timeout=BUILD_TIMEOUT,
        labels={"msb-migrate.e2e": app_dir.name},
    )
    report = AppReport(
        app=app_dir.name,
        tag=tag,
        build_ok=build.ok,
        build_seconds=round(build.seconds, 1),
        smoke_kind=spec.kind,
        build_log_tail=build.log_tail,
    )
    if not build.ok:
        report.error = f"build failed (exit {build.returncode})"
        return report
    info = engine.image_info(tag)
    report.size = info.size
    report.layers = info.layers
    report.user = info.user
    try:
        report.uid = engine.whoami(tag)
    except DockerError as exc:
        report.error = f"whoami: {exc.message}"
    if spec.kind == "http":
        report.smoke_port = port or spec.port_for(info.exposed_ports)
    report.smoke_passed, report.smoke_output = run_smoke(engine, tag, spec, report.smoke_port)
    if not report.smoke_passed and report.error is None:
        report.error = "smoke check failed"
    return report


# -- report registry (printed by conftest.pytest_terminal_summary) -----------------------------

REPORTS: dict[str, dict[Phase, AppReport]] = {}


def register_report(report: AppReport, phase: Phase = "before") -> None:
    REPORTS.setdefault(report.app, {})[phase] = report


def _mb(size: int | None) -> str:
    return "-" if size is None else f"{size / 1_000_000:.1f} MB"


def _pair(before: AppReport | None, after: AppReport | None, attr: str) -> str:
    vals = [getattr(r, attr) if r else None for r in (before, after)]
    return " -> ".join("-" if v is None else str(v) for v in vals)


def size_table(reports: dict[str, dict[Phase, AppReport]] | None = None) -> str:
    """app | size before | size after | reduction (+ layers, uid, build seconds)."""
    reports = REPORTS if reports is None else reports
    header = [
        "app",
        "size before",
        "size after",
        "reduction",
        "layers",
        "uid",
        "build s",
        "smoke",
    ]
    rows = [header]
    for app in sorted(reports):
        before = reports[app].get("before")
        after = reports[app].get("after")
        reduction = "-"
        if before and after and before.size and after.size is not None:
            reduction = f"{100 * (before.size - after.size) / before.size:.0f}%"
        smoke = " -> ".join(
            "-" if r is None else ("ok" if r.smoke_passed else "FAIL") for r in (before, after)
        )
        rows.append(
            [
                app,
                _mb(before.size if before else None),
                _mb(after.size if after else None),
                reduction,
                _pair(before, after, "layers"),
                _pair(before, after, "uid"),
                _pair(before, after, "build_seconds"),
                smoke,
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def reports_json(reports: dict[str, dict[Phase, AppReport]] | None = None) -> str:
    reports = REPORTS if reports is None else reports
    return json.dumps(
        {app: {ph: r.to_dict() for ph, r in phases.items()} for app, phases in reports.items()},
        indent=2,
    )
