"""The generic probe of ``msb-migrate verify``: does the migrated image work like the original?

It needs no input from the user. Both images run with their own start command, the same
environment (with ``PORT`` set as Cloud Run or Heroku set it when the start command reads
``$PORT`` and the image does not set it: :func:`platform_env`) and the same ``--hostname`` (so a
page that prints the host name does not differ),
each in a container of its own that is always removed; every call has a timeout. The probe then
compares what it observed (:func:`assess`, pure, unit-tested without Docker):

``runs``
    After a settle time (:data:`SETTLE`) both are still running (a server), or both exited (a
    one-shot program) with the same status and the same standard output. When the original
    exited, the migrated container is given up to :data:`ONE_SHOT_TIMEOUT` to exit too.
``port N``
    Every port either image EXPOSEs, that its start command names (``--port 8080``, ``-p 8080``,
    ``--bind :8080``, ``0.0.0.0:5000``, ``tcp://host:9000``) or that a ``PORT``-like ENV holds
    (``PORT``, ``*_PORT``; ``*ADDR*``/``*BIND*``/``*LISTEN*`` with a ``host:port`` value) is
    published on 127.0.0.1 and asked ``GET /`` (no redirects followed, ``Host: localhost:N`` in
    both). The same HTTP status is required and, for a 2xx, the same body. **Time-varying bodies**:
    the original is asked twice, a second apart; when its two bodies differ the page carries
    time-varying data, so only the media types of the ``Content-Type`` headers are compared
    (parameters such as ``charset`` ignored). A port that does not speak HTTP but keeps a
    connection open (or greets first) "accepts a connection"; that is compared instead. Docker's
    userland proxy accepts every connection on a published port and closes it at once when
    nothing listens inside, so an immediate end of stream counts as *not* accepting. A port that
    answers in neither image is "not serving": not applicable, not a failure. Ports are polled
    until they answer, for at most :data:`ANSWER_TIMEOUT` seconds from the container's start, and
    for at most :data:`STRAGGLER_WAIT` seconds after the first port answered (a metrics port
    that is off by default must not cost the whole timeout). The migrated image waits only for
    the ports the original answered on; the others are asked once.
``paths``
    Paths the migrated image's ENTRYPOINT, CMD and ENV name (absolute words, ``--flag=value``
    values, words of a ``sh -c`` script; relative ones resolved against its WORKDIR; the program
    looked up on its ``PATH``) that exist in the original image but not in the migrated one.
    Listings come from ``docker export`` of a created, never started, container, so images
    without a shell (distroless, scratch) are read too; symbolic links are followed.
``missing`` (no check of its own)
    Files of the original's WORKDIR that the migrated image lacks, collapsed to the topmost
    absent folder (``/app/config/``). A split drops build inputs on purpose, so an absent file is
    no failure by itself; when a check fails, the list is appended to the reason, since it is
    the likeliest cause ("exited with status 1 ...; missing from the migrated image:
    /app/config/").

The result is a :class:`ProbeResult` of :class:`Check` records (passed / failed with a one-line
reason / not applicable); ``--format json`` carries it. :class:`Progress` shows on a terminal
which image is built or probed, the current build step and the elapsed time (stderr), and stays
silent otherwise.
"""

from __future__ import annotations

import contextlib
import http.client
import posixpath
import re
import shlex
import shutil
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from refactor.app.docker import DockerEngine, DockerError, FileList, ImageInfo

__all__ = [
    "ANSWER_TIMEOUT",
    "ONE_SHOT_TIMEOUT",
    "SETTLE",
    "Answer",
    "Check",
    "Observation",
    "Outcome",
    "ProbeResult",
    "Progress",
    "assess",
    "compare_port",
    "compare_runs",
    "exists",
    "missing_in_workdir",
    "named_paths",
    "observe",
    "ports_of",
    "probe",
]

#: Seconds a container runs before the probe decides "server" (still running) or "one-shot".
SETTLE = 5.0
#: Seconds a migrated one-shot program may take to exit when the original exited.
ONE_SHOT_TIMEOUT = 60.0
#: Seconds from a container's start within which its ports must answer.
ANSWER_TIMEOUT = 30.0
#: Seconds the other ports get once one port answered.
STRAGGLER_WAIT = 5.0
#: Seconds one HTTP request or TCP connection may take.
REQUEST_TIMEOUT = 5.0
#: Seconds between the two requests that tell a time-varying body.
VARY_PAUSE = 1.0
#: Bytes of a body read and compared.
BODY_LIMIT = 1 << 20
#: Host name of both containers.
HOSTNAME = "msb-probe"
#: Paths listed in a reason at most.
REASON_PATHS = 5

Outcome = Literal["passed", "failed", "not-applicable"]

_PORT_FLAGS = frozenset(
    {"-p", "--port", "--http-port", "--server-port", "--listen-port", "-b", "--bind", "--listen"}
    | {"-l", "--addr", "--address", "--host-port", "--http", "--http-addr", "--web.listen-address"}
)
_HOST_PORT = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[\w.-]*|\[[0-9a-fA-F:.]*\]):(\d{1,5})/?$")
_PORT_KEY = re.compile(r"(?:^|_)PORT$")
_READS_PORT = re.compile(r"\$\{?PORT\b")
#: The port :func:`platform_env` gives an app that reads ``$PORT`` and EXPOSEs none (Cloud
#: Run's default).
PLATFORM_PORT = 8080
_ADDR_KEY = re.compile(r"ADDR|BIND|LISTEN")
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})


# -- records ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One comparison: ``name`` ("runs", "port 8080", "paths"), its outcome, a one-line
    ``reason`` when it failed or does not apply, and an informational ``detail``."""

    name: str
    outcome: Outcome
    reason: str = ""
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "reason": self.reason,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Answer:
    """What one port gave: an HTTP answer, a connection accepted without HTTP, or nothing.
    ``varies``: a second request a second later got another body (measured on the original)."""

    kind: Literal["http", "tcp", "none"]
    status: int | None = None
    content_type: str = ""
    body: bytes = b""
    varies: bool = False

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()


NO_ANSWER = Answer("none")


@dataclass(frozen=True)
class Observation:
    """One container of one image: whether it started, whether it still ran after the settle
    time, its exit status and output, and what each probed port answered."""

    started: bool
    running: bool
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    answers: Mapping[int, Answer] = field(default_factory=dict)
    error: str = ""  # why it did not start

    def answer(self, port: int) -> Answer:
        return self.answers.get(port, NO_ANSWER)


@dataclass(frozen=True)
class ProbeResult:
    """The generic probe's verdict: the checks, the ports probed, the paths of the original's
    WORKDIR the migrated image lacks, and why the original itself gives nothing to compare."""

    checks: tuple[Check, ...]
    ports: tuple[int, ...] = ()
    missing: tuple[str, ...] = ()
    unverifiable: str | None = None  # the original did not start, or exited with an error

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.failed)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def reason(self) -> str | None:
        """One line: why the migrated image failed the probe (None when it passed)."""
        if self.ok:
            return None
        text = "; ".join(c.reason for c in self.failures)
        if self.missing:
            text += f"; missing from the migrated image: {_some(self.missing)}"
        return text

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "reason": self.reason,
            "unverifiable": self.unverifiable,
            "ports": list(self.ports),
            "missing": list(self.missing),
            "checks": [c.as_json() for c in self.checks],
        }

    def lines(self) -> list[str]:
        """The text rendering: a headline and one line a check."""
        head = "passed" if self.ok else f"FAILED: {self.reason}"
        out = [f"  probe: {head}"]
        if self.unverifiable:
            out.append(f"    (the original gives little to compare: {self.unverifiable})")
        width = max((len(c.name) for c in self.checks), default=0)
        for c in self.checks:
            words = c.reason or c.detail
            out.append(f"    {c.name.ljust(width)}  {c.outcome}" + (f"  {words}" if words else ""))
        if self.missing and self.ok:
            out.append(f"    absent from the migrated image (build inputs?): {_some(self.missing)}")
        return out


def _some(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:REASON_PATHS])
    more = len(paths) - REASON_PATHS
    return shown + (f" and {more} more" if more > 0 else "")


# -- what to probe (pure) --------------------------------------------------------------------------


def start_words(info: ImageInfo) -> list[str]:
    """The words of ENTRYPOINT and CMD, with the words of a ``sh -c SCRIPT`` script added."""
    words = [*(info.entrypoint or []), *(info.cmd or [])]
    out = list(words)
    for i, word in enumerate(words[:-2]):
        if (
            posixpath.basename(word) in _SHELLS
            and words[i + 1].startswith("-")
            and "c" in words[i + 1].lstrip("-")
        ):
            with contextlib.suppress(ValueError):
                out += shlex.split(words[i + 2])
    return out


def _env(info: ImageInfo) -> dict[str, str]:
    return dict(item.split("=", 1) for item in info.env if "=" in item)


def _port(text: str) -> int | None:
    if text.isdigit() and 0 < int(text) < 65536:
        return int(text)
    match = _HOST_PORT.match(text)
    return _port(match.group(1)) if match and match.group(1) != text else None


def _command_ports(words: Sequence[str]) -> Iterator[int | None]:
    for i, word in enumerate(words):
        flag, eq, value = word.partition("=")
        if eq and flag in _PORT_FLAGS:
            yield _port(value)
        elif word in _PORT_FLAGS and i + 1 < len(words):
            yield _port(words[i + 1])
        elif not word.isdigit():
            yield _port(word)  # host:port, :port, tcp://host:port


def _env_ports(env: Mapping[str, str]) -> Iterator[int | None]:
    for key, value in env.items():
        if (_PORT_KEY.search(key) and value.isdigit()) or (
            _ADDR_KEY.search(key) and not value.isdigit()
        ):
            yield _port(value)


def platform_env(*infos: ImageInfo) -> dict[str, str]:
    """``PORT`` as the platforms that run such images set it (Cloud Run, Heroku, App Engine,
    Azure Container Apps: the app listens where ``$PORT`` says), for a start command that reads
    ``$PORT`` from an image that does not set it; the value is the first port either image
    EXPOSEs, else :data:`PLATFORM_PORT`. Without it such an original exits at once ("'' is not
    a valid port number") and could not be verified at all."""
    if any("PORT" in _env(info) for info in infos):
        return {}
    if not any(_READS_PORT.search(word) for info in infos for word in start_words(info)):
        return {}
    exposed = sorted(
        port
        for info in infos
        for spec in info.exposed_ports
        if (port := _port(spec.partition("/")[0])) is not None
    )
    return {"PORT": str(exposed[0] if exposed else PLATFORM_PORT)}


def ports_of(*infos: ImageInfo) -> tuple[int, ...]:
    """The TCP ports to probe: EXPOSEd, named by the start command's flags or host:port words,
    or held by ``PORT``-like ENV values, in any of ``infos``; sorted."""
    ports: set[int | None] = set()
    for info in infos:
        for spec in info.exposed_ports:
            number, _, proto = spec.partition("/")
            ports.add(_port(number) if proto in ("", "tcp") else None)
        ports.update(_command_ports(start_words(info)))
        ports.update(_env_ports(_env(info)))
    return tuple(sorted(p for p in ports if p is not None))


def named_paths(info: ImageInfo) -> tuple[str, ...]:
    """Candidate paths the image's start command and ENV name: absolute words and ``--f=v``
    values, and relative words with a ``/`` or a dot resolved against WORKDIR. Whether each is
    a path is decided by the original's listing (:func:`assess`)."""
    workdir = info.workdir or "/"
    words = start_words(info)
    words += [value for key, value in _env(info).items() if key != "PATH"]
    found: list[str] = []
    for word in words:
        for text in (word, word.partition("=")[2]):
            if not text or text.startswith("-") or "$" in text or "://" in text:
                continue
            if text.startswith("/") or "/" in text or "." in text.strip("."):
                path = posixpath.normpath(posixpath.join(workdir, text))
                if path not in found and path != "/":
                    found.append(path)
    return tuple(found)


def _program(info: ImageInfo) -> str | None:
    words = [*(info.entrypoint or []), *(info.cmd or [])]
    return words[0] if words and "/" not in words[0] else None


def _path_dirs(info: ImageInfo) -> list[str]:
    return [d for d in _env(info).get("PATH", "").split(":") if d.startswith("/")]


# -- files (pure) ----------------------------------------------------------------------------------


def _resolve(files: FileList, path: str, depth: int = 0) -> str | None:
    """``path`` with every symbolic link followed, or None when it does not exist."""
    if depth > 40:
        return None
    current = "/"
    parts = [p for p in path.split("/") if p]
    for i, part in enumerate(parts):
        candidate = posixpath.join(current, part)
        if candidate in files.links:
            target = files.links[candidate]
            joined = posixpath.join(posixpath.dirname(candidate), target)
            rest = "/".join(parts[i + 1 :])
            return _resolve(files, posixpath.normpath(posixpath.join(joined, rest)), depth + 1)
        if candidate in files.dirs or (i == len(parts) - 1 and candidate in files.files):
            current = candidate
            continue
        return None
    return current


def exists(files: FileList, path: str) -> bool:
    """Whether ``path`` exists in the listed image (symbolic links followed)."""
    return _resolve(files, posixpath.normpath(path)) is not None


def missing_in_workdir(original: FileList, migrated: FileList, workdir: str) -> tuple[str, ...]:
    """Paths under ``workdir`` in the original that the migrated image lacks, each folder that is
    absent as a whole shown once (with a trailing ``/``) instead of its contents. Empty for a
    WORKDIR of ``/`` (that would list the whole system)."""
    root = posixpath.normpath(workdir or "/")
    if root == "/":
        return ()
    prefix = root + "/"
    absent_dirs: set[str] = set()
    out: list[str] = []
    # Sorted, a folder comes before its contents: an absent folder hides them.
    for path in sorted(original.dirs | original.files | set(original.links)):
        if not path.startswith(prefix):
            continue
        if posixpath.dirname(path) in absent_dirs:
            if path in original.dirs:
                absent_dirs.add(path)
        elif not exists(migrated, path):
            if path in original.dirs:
                absent_dirs.add(path)
            out.append(path + "/" if path in original.dirs else path)
    return tuple(out)


def _blamed_first(missing: Sequence[str], workdir: str, migrated: Observation) -> tuple[str, ...]:
    """``missing`` with the paths the migrated container's output names first (its error
    message is the best evidence of what it looked for)."""
    said = migrated.stderr + migrated.stdout
    root = posixpath.normpath(workdir or "/")

    def named(path: str) -> bool:
        bare = path.rstrip("/")
        return bare in said or posixpath.relpath(bare, root) in said

    return tuple(sorted(missing, key=lambda path: not named(path)))


# -- comparisons (pure) ----------------------------------------------------------------------------


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _said(obs: Observation) -> str:
    line = _last_line(obs.stderr) or _last_line(obs.stdout)
    return f": {line}" if line else ""


def compare_runs(original: Observation, migrated: Observation, settle: float = SETTLE) -> Check:
    """Both still running after ``settle`` seconds, or both exited alike."""
    name = "runs"
    if not original.started:
        return Check(name, "not-applicable", f"the original did not start: {original.error}")
    if not migrated.started:
        return Check(name, "failed", f"the migrated container did not start: {migrated.error}")
    if original.running and migrated.running:
        return Check(name, "passed", detail=f"both still running after {settle:.0f}s")
    if original.running:
        return Check(
            name,
            "failed",
            f"the migrated container exited with status {migrated.exit_code} within "
            f"{settle:.0f}s while the original keeps running{_said(migrated)}",
        )
    if migrated.running:
        return Check(
            name,
            "failed",
            f"the migrated container still runs after {migrated.seconds:.0f}s; the original "
            f"exited with status {original.exit_code}",
        )
    if original.exit_code != migrated.exit_code:
        return Check(
            name,
            "failed",
            f"the migrated program exited with status {migrated.exit_code} (the original: "
            f"{original.exit_code}){_said(migrated)}",
        )
    if original.stdout != migrated.stdout:
        a, b = original.stdout.splitlines(), migrated.stdout.splitlines()
        index = next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        got = repr(b[index][:80]) if index < len(b) else "nothing"
        return Check(
            name,
            "failed",
            f"standard output differs from the original's at line {index + 1} (got {got})",
        )
    return Check(
        name, "passed", detail=f"both exited with status {original.exit_code} and the same output"
    )


def _what(answer: Answer) -> str:
    if answer.kind == "http":
        return f"HTTP {answer.status}"
    return "accepts a connection" if answer.kind == "tcp" else "no answer"


def compare_port(port: int, original: Answer, migrated: Answer) -> Check:
    """Same HTTP status and, for a 2xx, the same body (the same media type when the original's
    body varies); or both accept a connection; not applicable when neither answers."""
    name = f"port {port}"
    if original.kind == "none":
        if migrated.kind == "none":
            return Check(name, "not-applicable", "not serving in either image")
        return Check(name, "passed", detail=f"{_what(migrated)} only in the migrated image")
    if migrated.kind == "none":
        return Check(name, "failed", f"port {port}: no answer (the original: {_what(original)})")
    if original.kind == "tcp":
        return Check(name, "passed", detail=f"{_what(migrated)} (the original accepts one)")
    if migrated.kind == "tcp":
        return Check(
            name,
            "failed",
            f"port {port}: accepts a connection but does not answer HTTP "
            f"(the original: HTTP {original.status})",
        )
    if original.status != migrated.status:
        return Check(
            name,
            "failed",
            f"port {port}: GET / answers HTTP {migrated.status} (the original: "
            f"HTTP {original.status})",
        )
    status = original.status or 0
    if not 200 <= status < 300:
        return Check(name, "passed", detail=f"HTTP {status} in both")
    if original.varies:
        if original.media_type != migrated.media_type:
            return Check(
                name,
                "failed",
                f"port {port}: GET / answers {migrated.media_type or 'no content type'} (the "
                f"original: {original.media_type or 'no content type'})",
            )
        return Check(
            name,
            "passed",
            detail=f"HTTP {status}, same content type (the original's body varies over time)",
        )
    if original.body != migrated.body:
        return Check(
            name,
            "failed",
            f"port {port}: GET / answers HTTP {status} with another body than the original's "
            f"({len(migrated.body)} bytes, the original: {len(original.body)})",
        )
    return Check(name, "passed", detail=f"HTTP {status}, same body")


def check_paths(
    original_info: ImageInfo,
    migrated_info: ImageInfo,
    original: FileList,
    migrated: FileList,
) -> Check:
    """The paths the migrated image's start command and ENV name that the original has and the
    migrated image lacks, and its program when the original finds it on PATH and it does not."""
    name = "paths"
    if not (original.complete and migrated.complete):
        return Check(name, "not-applicable", "an image could not be listed completely")
    lacking = [
        path
        for path in named_paths(migrated_info)
        if exists(original, path) and not exists(migrated, path)
    ]
    program = _program(migrated_info)
    if program is not None:
        dirs = _path_dirs(migrated_info) or ["/usr/local/bin", "/usr/bin", "/bin"]
        theirs = _path_dirs(original_info) or dirs
        mine = any(exists(migrated, posixpath.join(d, program)) for d in dirs)
        if not mine and any(exists(original, posixpath.join(d, program)) for d in theirs):
            lacking.append(f"{program} (not on PATH {':'.join(dirs)})")
    if lacking:
        return Check(
            name,
            "failed",
            f"the start command or ENV names {_some(lacking)}, absent from the migrated image",
        )
    return Check(name, "passed", detail="every path the start command and ENV name exists")


def assess(
    original_info: ImageInfo,
    migrated_info: ImageInfo,
    original: Observation,
    migrated: Observation,
    original_files: FileList | None,
    migrated_files: FileList | None,
    *,
    ports: Sequence[int] = (),
    settle: float = SETTLE,
) -> ProbeResult:
    """Compare the observations of both images into a :class:`ProbeResult`."""
    checks = [compare_runs(original, migrated, settle)]
    checks += [compare_port(p, original.answer(p), migrated.answer(p)) for p in ports]
    missing: tuple[str, ...] = ()
    if original_files is not None and migrated_files is not None:
        checks.append(check_paths(original_info, migrated_info, original_files, migrated_files))
        if original_files.complete and migrated_files.complete:
            missing = missing_in_workdir(original_files, migrated_files, original_info.workdir)
            missing = _blamed_first(missing, original_info.workdir, migrated)
    else:
        checks.append(Check("paths", "not-applicable", "the images could not be listed"))
    unverifiable = None
    if not original.started:
        unverifiable = f"it did not start: {original.error}"
    elif not original.running and original.exit_code != 0:
        unverifiable = f"it exits with status {original.exit_code}{_said(original)}"
    return ProbeResult(tuple(checks), tuple(ports), missing, unverifiable)


# -- progress --------------------------------------------------------------------------------------


class Progress:
    """One status line on stderr while verifying: the phase (which image is built or probed),
    the current build step and the elapsed time, refreshed every second. Silent unless the
    stream is a terminal (or ``enabled`` says otherwise)."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._lock = threading.Lock()
        self._phase = ""
        self._step = ""
        self._since = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def phase(self, text: str) -> None:
        """Start a phase ("building the migrated image"); the clock restarts."""
        with self._lock:
            self._phase, self._step, self._since = text, "", time.monotonic()
        self._draw()
        if self.enabled and self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def build_line(self, line: str) -> None:
        """A line of BuildKit's plain output: ``#7 [runtime 3/5] COPY ...`` becomes the step."""
        match = re.match(r"#\d+ (\[[^\]]+\] .*)", line)
        if match:
            with self._lock:
                self._step = match.group(1)
            self._draw()

    def done(self) -> None:
        """Clear the line and stop the clock."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
            self._ticker = None
        self._stop.clear()
        if self.enabled:
            self._write("\r\x1b[K")

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            text = f"[{time.monotonic() - self._since:4.0f}s] {self._phase}"
            if self._step:
                text += f": {self._step}"
        self._write("\r\x1b[K" + text[: _width()])

    def _write(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stream.write(text)
            self.stream.flush()


def _width() -> int:
    return max(20, shutil.get_terminal_size((100, 24)).columns - 1)


# -- observing (Docker) ----------------------------------------------------------------------------


def _silent(text: str) -> None:
    """No progress to show."""


def _http(host: str, port: int, container_port: int) -> Answer | None:
    """``GET /`` without following redirects; None when the port does not answer HTTP."""
    conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(
            "GET",
            "/",
            headers={"Host": f"localhost:{container_port}", "User-Agent": "msb-migrate-probe"},
        )
        resp = conn.getresponse()
        body = resp.read(BODY_LIMIT)
        return Answer("http", resp.status, resp.getheader("Content-Type") or "", body)
    except (http.client.HTTPException, OSError):
        return None
    finally:
        conn.close()


def _accepts(host: str, port: int) -> bool:
    """A connection stays open (or the server greets first); an immediate end of stream is
    Docker's userland proxy with nothing listening behind it."""
    try:
        with socket.create_connection((host, port), timeout=REQUEST_TIMEOUT) as sock:
            sock.settimeout(1.0)
            try:
                return sock.recv(1) != b""
            except TimeoutError:
                return True
    except OSError:
        return False


def _poll(
    engine: DockerEngine,
    name: str,
    ports: Sequence[int],
    patient: Iterable[int],
    started: float,
    answer_timeout: float,
    twice: bool,
) -> dict[int, Answer]:
    """Ask each port until it answers: the ``patient`` ones until the deadline, the others once."""
    addresses = {p: engine.host_port(name, p) for p in ports}
    answers: dict[int, Answer] = {}
    chosen = set(patient)
    waiting = [p for p in ports if p in chosen]
    deadline = started + answer_timeout
    tcp_rounds: dict[int, int] = {}
    while waiting and time.monotonic() < deadline:
        for port in list(waiting):
            address = addresses[port]
            if address is None:
                waiting.remove(port)
                continue
            answer = _http(*address, port)
            if answer is None and _accepts(*address):
                tcp_rounds[port] = tcp_rounds.get(port, 0) + 1
                if tcp_rounds[port] >= 3:
                    answer = Answer("tcp")
            if answer is not None:
                answers[port] = answer
                waiting.remove(port)
                deadline = min(deadline, time.monotonic() + STRAGGLER_WAIT)
        if waiting and engine.container_state(name)[0]:
            time.sleep(0.5)
        elif waiting:
            break
    for port in ports:
        address = addresses[port]
        if port in answers or address is None:
            continue
        answer = _http(*address, port)
        if answer is None:
            answer = Answer("tcp") if _accepts(*address) else NO_ANSWER
        answers[port] = answer
    if twice:
        for port, answer in list(answers.items()):
            address = addresses[port]
            if answer.kind == "http" and address is not None:
                time.sleep(VARY_PAUSE)
                again = _http(*address, port)
                if again is not None and again.body != answer.body:
                    answers[port] = Answer(
                        "http", answer.status, answer.content_type, answer.body, varies=True
                    )
    return answers


def observe(
    engine: DockerEngine,
    tag: str,
    ports: Sequence[int],
    *,
    patient: Iterable[int] | None = None,
    env: Mapping[str, str] | None = None,
    settle: float = SETTLE,
    wait_exit: float | None = None,
    answer_timeout: float = ANSWER_TIMEOUT,
    twice: bool = False,
) -> Observation:
    """Run ``tag`` with its own start command (detached, ``ports`` published, hostname
    :data:`HOSTNAME`), wait ``settle`` seconds (or until it exits, up to ``wait_exit``), ask its
    ports (``twice``: a second request tells a time-varying body), and always remove it."""
    name = f"msb-probe-{uuid.uuid4().hex[:12]}"
    started = time.monotonic()
    try:
        proc = engine.start(tag, name, ports=ports, env=env, hostname=HOSTNAME)
        if proc.returncode != 0:
            return Observation(False, False, error=_last_line(proc.stderr) or "docker run failed")
        limit = started + max(settle, wait_exit or 0.0)
        running, code = engine.container_state(name)
        while running and time.monotonic() < limit:
            time.sleep(0.25)
            running, code = engine.container_state(name)
        answers: dict[int, Answer] = {}
        if running:
            answers = _poll(
                engine,
                name,
                ports,
                ports if patient is None else patient,
                started,
                answer_timeout,
                twice,
            )
        stdout, stderr = engine.container_output(name)
        return Observation(
            True,
            running,
            None if running else code,
            stdout,
            stderr,
            time.monotonic() - started,
            answers,
        )
    finally:
        engine.remove_container(name)


def probe(
    engine: DockerEngine,
    original: str,
    migrated: str,
    *,
    env: Mapping[str, str] | None = None,
    settle: float = SETTLE,
    answer_timeout: float = ANSWER_TIMEOUT,
    progress: Progress | None = None,
) -> ProbeResult:
    """Run the images tagged ``original`` and ``migrated`` (both built) and compare them."""
    show = progress.phase if progress is not None else _silent
    infos = engine.image_info(original), engine.image_info(migrated)
    env = {**platform_env(*infos), **(env or {})}
    given = _port(env.get("PORT", ""))
    ports = tuple(sorted({*ports_of(*infos), *([given] if given is not None else [])}))
    show("probing the original image")
    before = observe(
        engine, original, ports, env=env, settle=settle, answer_timeout=answer_timeout, twice=True
    )
    show("probing the migrated image")
    after = observe(
        engine,
        migrated,
        ports,
        patient=[p for p in ports if before.answer(p).kind != "none"],
        env=env,
        settle=settle,
        wait_exit=None if before.running else ONE_SHOT_TIMEOUT,
        answer_timeout=answer_timeout,
    )
    show("listing the files of both images")
    listings: tuple[FileList | None, FileList | None]
    try:
        listings = engine.list_files(original), engine.list_files(migrated)
    except DockerError:
        listings = None, None
    return assess(*infos, before, after, *listings, ports=ports, settle=settle)
