"""Typed interface to the local Docker engine (used by ``msb-migrate verify`` and the e2e tests).

Everything goes through the ``docker`` CLI with an argument list (never a shell) and a timeout on
every call. Builds always run with ``DOCKER_BUILDKIT=1``; the docker.io client shipped by Debian
(``/usr/bin/docker``, 20.10) has BuildKit built in, while newer clients need the ``buildx`` plugin,
so the binary is configurable:

1. the ``binary`` argument,
2. else the ``MSB_DOCKER`` environment variable,
3. else ``/usr/bin/docker`` when it is executable,
4. else ``docker`` on ``PATH``.

Uid detection (:meth:`DockerEngine.whoami`) runs ``id -u`` inside the image when the image has
``id``. Distroless and ``scratch`` images ship no ``id`` (nor any shell), so for them the uid is
resolved from ``Config.User``: numeric users are taken as is, names are looked up in the image's
own ``/etc/passwd`` (copied out of a created, never started, container) and then in a small table
of well-known names (``root``, ``nonroot``, ``nobody``, ...).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refactor.errors import MsbError

__all__ = [
    "KNOWN_USERS",
    "BuildResult",
    "DockerEngine",
    "DockerError",
    "DockerTimeoutError",
    "FileList",
    "HttpResult",
    "ImageInfo",
    "RunResult",
    "UnreadableAnswer",
    "resolve_binary",
]

#: Lines of output kept in :class:`BuildResult` and in error messages.
LOG_TAIL_LINES = 60

#: Default timeouts in seconds.
INFO_TIMEOUT = 20.0
BUILD_TIMEOUT = 1200.0
CLI_TIMEOUT = 60.0
EXPORT_TIMEOUT = 180.0

#: At most this many entries are read from ``docker export`` (:meth:`DockerEngine.list_files`).
EXPORT_LIMIT = 1_000_000

#: Uids of user names commonly found in base images (used when ``/etc/passwd`` is unreadable).
KNOWN_USERS: dict[str, int] = {
    "root": 0,
    "daemon": 1,
    "bin": 2,
    "www-data": 33,
    "nginx": 101,
    "node": 1000,
    "app": 1000,
    "nonroot": 65532,
    "nobody": 65534,
}

_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$")


class DockerError(MsbError):
    """A docker command failed. Carries the command line and the tail of its output."""

    def __init__(
        self,
        message: str,
        cmd: Sequence[str] = (),
        log_tail: str = "",
        returncode: int | None = None,
    ) -> None:
        self.message = message
        self.cmd = list(cmd)
        self.log_tail = log_tail
        self.returncode = returncode
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        if self.cmd:
            parts.append("command: " + " ".join(self.cmd))
        if self.returncode is not None:
            parts.append(f"exit code: {self.returncode}")
        if self.log_tail:
            parts.append("output (tail):\n" + self.log_tail.rstrip())
        return "\n".join(parts)


class UnreadableAnswer(DockerError):
    """The engine answered something msb-migrate cannot read (not JSON, not the documented
    shape): an error of the engine, not a verdict on the images (exit status 2, not 1)."""


class DockerTimeoutError(DockerError):
    """A docker command did not finish within its timeout."""


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    tag: str
    log_tail: str
    seconds: float
    returncode: int
    image_id: str | None = None
    target: str | None = None
    command: list[str] = field(default_factory=list)

    def raise_for_status(self) -> BuildResult:
        if not self.ok:
            raise DockerError(
                f"build of {self.tag} failed", self.command, self.log_tail, self.returncode
            )
        return self


@dataclass(frozen=True)
class ImageInfo:
    tag: str
    id: str
    size: int
    layers: int
    user: str
    entrypoint: list[str] | None
    cmd: list[str] | None
    architecture: str
    os: str
    workdir: str = ""
    exposed_ports: list[str] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def size_mb(self) -> float:
        return self.size / 1_000_000


@dataclass(frozen=True)
class RunResult:
    stdout: str
    stderr: str
    exit_code: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True)
class HttpResult:
    """Outcome of :meth:`DockerEngine.http_get`: ``status`` is None when nothing ever answered."""

    ok: bool
    url: str
    status: int | None
    body: str
    seconds: float
    container_logs: str
    error: str | None = None


@dataclass(frozen=True)
class FileList:
    """The paths of an image's filesystem (:meth:`DockerEngine.list_files`): absolute, normalised,
    without a trailing slash. ``complete`` is False when the listing stopped at its limit or
    timeout, so an absent path proves nothing."""

    files: frozenset[str]  # everything that is neither a directory nor a symbolic link
    dirs: frozenset[str]
    links: Mapping[str, str]  # symbolic link -> its target as stored
    complete: bool = True


def resolve_binary(binary: str | None = None) -> str:
    """Pick the docker client binary (see module docstring for the order)."""
    if binary:
        return binary
    env = os.environ.get("MSB_DOCKER")
    if env:
        return env
    if os.access("/usr/bin/docker", os.X_OK):
        return "/usr/bin/docker"
    return shutil.which("docker") or "docker"


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data


def _parse_uid(user: str, passwd: str | None) -> int | None:
    """Resolve a ``Config.User`` value (``name``, ``uid``, ``name:group``...) to a uid."""
    name = user.split(":", 1)[0].strip()
    if not name:
        return 0
    if name.isdigit():
        return int(name)
    if passwd:
        for line in passwd.splitlines():
            fields = line.split(":")
            if len(fields) >= 3 and fields[0] == name and fields[2].isdigit():
                return int(fields[2])
    return KNOWN_USERS.get(name)


class DockerEngine:
    """The local Docker engine, driven through its CLI."""

    def __init__(self, binary: str | None = None) -> None:
        self.binary = resolve_binary(binary)
        self.env = dict(os.environ)
        self.env["DOCKER_BUILDKIT"] = "1"
        self.env.setdefault("BUILDKIT_PROGRESS", "plain")
        self._cpus: int | None = None

    def __repr__(self) -> str:
        return f"DockerEngine(binary={self.binary!r})"

    # -- plumbing -------------------------------------------------------------------------------

    def _exec(
        self,
        args: Sequence[str],
        *,
        timeout: float = CLI_TIMEOUT,
        input: str | None = None,
        check: bool = True,
        what: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        cmd = [self.binary, *args]
        try:
            proc = subprocess.run(
                cmd,
                input=input,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                env=self.env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = _text(exc.stdout) + _text(exc.stderr)
            raise DockerTimeoutError(
                f"{what or 'docker command'} timed out after {timeout:.0f}s", cmd, _tail(out)
            ) from exc
        except OSError as exc:  # binary missing / not executable
            raise DockerError(f"cannot run {self.binary}: {exc}", cmd) from exc
        if check and proc.returncode != 0:
            raise DockerError(
                f"{what or 'docker command'} failed",
                cmd,
                _tail(proc.stdout + proc.stderr),
                proc.returncode,
            )
        return proc

    def _stream(
        self,
        args: Sequence[str],
        input: str,
        timeout: float,
        on_line: Callable[[str], None],
        what: str,
    ) -> subprocess.CompletedProcess[str]:
        """:meth:`_exec` (check=False) with stdout and stderr merged and each line passed to
        ``on_line`` as it comes; killed and :class:`DockerTimeoutError` after ``timeout``."""
        cmd = [self.binary, *args]
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                env=self.env,
            )
        except OSError as exc:
            raise DockerError(f"cannot run {self.binary}: {exc}", cmd) from exc
        lines: list[str] = []

        def pump() -> None:
            assert proc.stdin is not None and proc.stdout is not None
            with contextlib.suppress(OSError):
                proc.stdin.write(input)
                proc.stdin.close()
            for line in proc.stdout:
                lines.append(line)
                on_line(line.rstrip("\n"))

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            proc.wait()
            raise DockerTimeoutError(
                f"{what} timed out after {timeout:.0f}s", cmd, _tail("".join(lines))
            ) from exc
        reader.join(timeout=CLI_TIMEOUT)
        return subprocess.CompletedProcess(cmd, proc.returncode, "".join(lines), "")

    # -- engine ---------------------------------------------------------------------------------

    def unavailable_reason(self) -> str | None:
        """None when the engine answers and can build with BuildKit, else why not."""
        try:
            proc = self._exec(
                ["version", "--format", "{{.Client.Version}} {{.Server.Version}}"],
                timeout=INFO_TIMEOUT,
                check=False,
            )
        except DockerError as exc:
            return exc.message
        if proc.returncode != 0:
            return f"docker engine not reachable via {self.binary}: " + _tail(
                proc.stderr or proc.stdout, 3
            )
        client = proc.stdout.split()[0] if proc.stdout.split() else ""
        major = client.split(".")[0]
        if major.isdigit() and int(major) >= 23:
            # Clients from 23 on delegate BuildKit builds to the buildx plugin.
            try:
                bx = self._exec(["buildx", "version"], timeout=INFO_TIMEOUT, check=False)
            except DockerError as exc:
                return exc.message
            if bx.returncode != 0:
                return (
                    f"{self.binary} (client {client}) has no buildx plugin, so it cannot build "
                    "with BuildKit; set MSB_DOCKER=/usr/bin/docker (docker.io 20.10)"
                )
        return None

    def available(self) -> bool:
        return self.unavailable_reason() is None

    def cpus(self) -> int:
        """How many CPUs the engine has (``docker info``); 1 when it does not say."""
        if self._cpus is None:
            try:
                proc = self._exec(
                    ["info", "--format", "{{.NCPU}}"], timeout=INFO_TIMEOUT, check=False
                )
                text = proc.stdout.strip()
                self._cpus = int(text) if proc.returncode == 0 and text.isdigit() else 1
            except DockerError:
                self._cpus = 1
        return max(1, self._cpus)

    # -- images ---------------------------------------------------------------------------------

    def build(
        self,
        dockerfile_text: str,
        context: Path,
        tag: str,
        target: str | None = None,
        platform: str | None = None,
        build_args: Mapping[str, str] | None = None,
        *,
        timeout: float = BUILD_TIMEOUT,
        no_cache: bool = False,
        labels: Mapping[str, str] | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> BuildResult:
        """Build ``dockerfile_text`` (fed on stdin, ``-f -``) against ``context``.

        A failing build returns ``ok=False`` with the log tail; a timeout raises
        :class:`DockerTimeoutError`. ``on_line`` receives each line of the build's output as
        it comes (progress on a terminal).
        """
        context = Path(context)
        if not context.is_dir():
            raise DockerError(f"build context {context} is not a directory")
        if not _TAG_RE.match(tag):
            raise DockerError(f"invalid image tag {tag!r} (lower case, no spaces)")
        with tempfile.TemporaryDirectory(prefix="msb-build-") as tmp:
            iidfile = Path(tmp) / "iid"
            args = ["build", "--progress=plain", "-f", "-", "-t", tag, "--iidfile", str(iidfile)]
            if target:
                args += ["--target", target]
            if platform:
                args += ["--platform", platform]
            if no_cache:
                args.append("--no-cache")
            for key, value in (build_args or {}).items():
                args += ["--build-arg", f"{key}={value}"]
            for key, value in (labels or {}).items():
                args += ["--label", f"{key}={value}"]
            args.append(str(context))
            start = time.monotonic()
            if on_line is None:
                proc = self._exec(
                    args,
                    timeout=timeout,
                    input=dockerfile_text,
                    check=False,
                    what=f"build of {tag}",
                )
            else:
                proc = self._stream(args, dockerfile_text, timeout, on_line, f"build of {tag}")
            seconds = time.monotonic() - start
            image_id = iidfile.read_text().strip() if iidfile.exists() else None
        return BuildResult(
            ok=proc.returncode == 0,
            tag=tag,
            log_tail=_tail(proc.stdout + proc.stderr),
            seconds=seconds,
            returncode=proc.returncode,
            image_id=image_id or None,
            target=target,
            command=[self.binary, *args],
        )

    def inspect(self, tag: str) -> dict[str, Any]:
        proc = self._exec(["image", "inspect", tag], what=f"inspect of {tag}")
        try:
            data = json.loads(proc.stdout)
        except ValueError:
            raise UnreadableAnswer(
                f"docker image inspect {tag} printed no JSON: {proc.stdout[:80]!r}"
            ) from None
        if not data:
            raise DockerError(f"no such image: {tag}")
        if not isinstance(data, list) or not isinstance(data[0], dict):
            raise UnreadableAnswer(f"docker image inspect {tag} printed unexpected JSON")
        first: dict[str, Any] = data[0]
        return first

    def image_info(self, tag: str) -> ImageInfo:
        raw = self.inspect(tag)
        config = raw.get("Config") or {}
        return ImageInfo(
            tag=tag,
            id=raw.get("Id", ""),
            size=int(raw.get("Size") or 0),
            layers=len((raw.get("RootFS") or {}).get("Layers") or []),
            user=config.get("User") or "",
            entrypoint=config.get("Entrypoint"),
            cmd=config.get("Cmd"),
            architecture=raw.get("Architecture", ""),
            os=raw.get("Os", ""),
            workdir=config.get("WorkingDir") or "",
            exposed_ports=sorted((config.get("ExposedPorts") or {}).keys()),
            env=list(config.get("Env") or []),
            labels=dict(config.get("Labels") or {}),
        )

    def exists(self, tag: str) -> bool:
        return self._exec(["image", "inspect", tag], check=False).returncode == 0

    def remove(self, tag: str, *, missing_ok: bool = True) -> None:
        proc = self._exec(["image", "rm", "--force", tag], check=False)
        if proc.returncode != 0 and not (missing_ok and "No such image" in proc.stderr):
            raise DockerError(f"removing {tag} failed", ["image", "rm", tag], proc.stderr)

    # -- containers -----------------------------------------------------------------------------

    def run(
        self,
        tag: str,
        args: Sequence[str] | None = None,
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        entrypoint: str | None = None,
        user: str | None = None,
    ) -> RunResult:
        """``docker run --rm`` the image; on timeout the container is killed and an error raised."""
        name = f"msb-run-{uuid.uuid4().hex[:12]}"
        cmd = ["run", "--rm", "--name", name]
        for key, value in (env or {}).items():
            cmd += ["-e", f"{key}={value}"]
        if entrypoint is not None:
            cmd += ["--entrypoint", entrypoint]
        if user is not None:
            cmd += ["--user", user]
        cmd += [tag, *(args or [])]
        start = time.monotonic()
        try:
            proc = self._exec(cmd, timeout=timeout, check=False, what=f"run of {tag}")
        except DockerTimeoutError:
            self._remove_container(name)
            raise
        return RunResult(proc.stdout, proc.stderr, proc.returncode, time.monotonic() - start)

    def _remove_container(self, name: str) -> None:
        with contextlib.suppress(DockerError):
            self._exec(["rm", "--force", "--volumes", name], timeout=CLI_TIMEOUT, check=False)

    def http_get(
        self,
        tag: str,
        port: int,
        path: str = "/",
        *,
        timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
        args: Sequence[str] | None = None,
        request_timeout: float = 5.0,
    ) -> HttpResult:
        """Start ``tag`` detached with ``port`` published on 127.0.0.1 (random host port), poll
        ``path`` with urllib for up to ``timeout`` seconds until it answers, and always remove
        the container. Any HTTP status counts as an answer; ``ok`` means 2xx/3xx."""
        name = f"msb-http-{uuid.uuid4().hex[:12]}"
        cmd = ["run", "-d", "--name", name, "-p", f"127.0.0.1::{port}"]
        for key, value in (env or {}).items():
            cmd += ["-e", f"{key}={value}"]
        cmd += [tag, *(args or [])]
        start = time.monotonic()
        url = ""
        last_error: str | None = "never polled"
        # Ignore *_proxy variables: the container is on loopback.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            self._exec(cmd, what=f"start of {tag}")
            mapping = self._exec(["port", name, f"{port}/tcp"], check=False)
            if mapping.returncode != 0 or not mapping.stdout.strip():
                # The mapping disappears when the container has already exited.
                if self._running(name):
                    raise DockerError(
                        f"no host port published for {port}/tcp",
                        [self.binary, "port", name, f"{port}/tcp"],
                        mapping.stderr,
                        mapping.returncode,
                    )
                return HttpResult(
                    ok=False,
                    url=url,
                    status=None,
                    body="",
                    seconds=time.monotonic() - start,
                    container_logs=self._logs(name),
                    error="container exited before answering",
                )
            host_port = mapping.stdout.strip().splitlines()[0].rsplit(":", 1)[1]
            url = f"http://127.0.0.1:{host_port}/{path.lstrip('/')}"
            deadline = start + timeout
            while time.monotonic() < deadline:
                try:
                    with opener.open(url, timeout=request_timeout) as resp:
                        body = resp.read().decode("utf-8", "replace")
                        return HttpResult(
                            ok=True,
                            url=url,
                            status=resp.status,
                            body=body,
                            seconds=time.monotonic() - start,
                            container_logs=self._logs(name),
                        )
                except urllib.error.HTTPError as exc:
                    body = exc.read().decode("utf-8", "replace")
                    return HttpResult(
                        ok=exc.code < 400,
                        url=url,
                        status=exc.code,
                        body=body,
                        seconds=time.monotonic() - start,
                        container_logs=self._logs(name),
                        error=f"HTTP {exc.code}",
                    )
                except (OSError, ValueError) as exc:  # refused / reset by docker-proxy / timeout
                    last_error = f"{type(exc).__name__}: {exc}"
                if not self._running(name):
                    last_error = "container exited before answering"
                    break
                time.sleep(0.5)
            else:
                last_error = f"no answer within {timeout:.0f}s ({last_error})"
            return HttpResult(
                ok=False,
                url=url,
                status=None,
                body="",
                seconds=time.monotonic() - start,
                container_logs=self._logs(name),
                error=last_error,
            )
        finally:
            self._remove_container(name)

    def _running(self, name: str) -> bool:
        proc = self._exec(["inspect", "-f", "{{.State.Running}}", name], check=False)
        return proc.stdout.strip() == "true"

    def _logs(self, name: str) -> str:
        proc = self._exec(["logs", "--tail", str(LOG_TAIL_LINES), name], check=False)
        return proc.stdout + proc.stderr

    def start(
        self,
        tag: str,
        name: str,
        *,
        ports: Sequence[int] = (),
        env: Mapping[str, str] | None = None,
        hostname: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """``docker run -d`` the image as ``name`` with its own start command and each of
        ``ports`` published on 127.0.0.1 (random host port). Not ``--rm``: the exit status and
        the logs are read after it stops, so the caller removes it (:meth:`remove_container`).
        A start that fails (a missing executable) returns its non-zero status."""
        cmd = ["run", "-d", "--name", name]
        if hostname:
            cmd += ["--hostname", hostname]
        for port in ports:
            cmd += ["-p", f"127.0.0.1::{port}"]
        for key, value in (env or {}).items():
            cmd += ["-e", f"{key}={value}"]
        return self._exec([*cmd, tag], check=False, what=f"start of {tag}")

    def container_state(self, name: str) -> tuple[bool, int | None]:
        """(running, exit code) of a container; (False, None) when there is no such container."""
        proc = self._exec(
            ["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", name], check=False
        )
        words = proc.stdout.split()
        if proc.returncode != 0 or len(words) != 2:
            return False, None
        code = int(words[1]) if words[1].lstrip("-").isdigit() else None
        return words[0] == "true", code

    def container_output(self, name: str, limit: int = 1 << 20) -> tuple[str, str]:
        """(stdout, stderr) a container wrote so far, each cut to its last ``limit`` characters."""
        proc = self._exec(["logs", name], check=False)
        return proc.stdout[-limit:], proc.stderr[-limit:]

    def host_port(self, name: str, port: int) -> tuple[str, int] | None:
        """The host address a running container's ``port``/tcp is published on."""
        proc = self._exec(["port", name, f"{port}/tcp"], check=False)
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines:
            return None
        host, _, number = lines[0].rpartition(":")
        return (host.strip("[]") or "127.0.0.1", int(number)) if number.isdigit() else None

    def remove_container(self, name: str) -> None:
        """Remove a container (running or not) and its anonymous volumes; never raises."""
        self._remove_container(name)

    def list_files(
        self, tag: str, *, timeout: float = EXPORT_TIMEOUT, limit: int = EXPORT_LIMIT
    ) -> FileList:
        """Every path in the image, read from ``docker export`` of a created (never started)
        container: works on images without a shell or ``ls`` (distroless, scratch). Bounded by
        ``timeout`` and ``limit`` entries; a listing cut short says so (``complete=False``)."""
        name = f"msb-ls-{uuid.uuid4().hex[:12]}"
        files: set[str] = set()
        dirs: set[str] = {"/"}
        links: dict[str, str] = {}
        complete = False
        try:
            self._exec(["create", "--name", name, tag, "/"], what=f"create from {tag}")
            cmd = [self.binary, "export", name]
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.env
            )
            killed = threading.Event()

            def kill() -> None:
                killed.set()
                proc.kill()

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                assert proc.stdout is not None
                with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                    for count, member in enumerate(tar):
                        if count >= limit:
                            break
                        path = posixpath.normpath("/" + member.name.lstrip("/"))
                        if member.isdir():
                            dirs.add(path)
                        elif member.issym():
                            links[path] = member.linkname
                        else:
                            files.add(path)
                    else:
                        complete = True
            except (tarfile.TarError, OSError):
                complete = False
            finally:
                timer.cancel()
                proc.kill()
                proc.wait()
                if proc.stdout is not None:
                    proc.stdout.close()
            complete = complete and not killed.is_set()
        finally:
            self._remove_container(name)
        return FileList(frozenset(files), frozenset(dirs), links, complete)

    def read_file(self, tag: str, path: str) -> str | None:
        """Text of ``path`` inside the image, via a created (never started) container."""
        name = f"msb-cp-{uuid.uuid4().hex[:12]}"
        try:
            self._exec(["create", "--name", name, tag, "/"], what=f"create from {tag}")
            cmd = [self.binary, "cp", f"{name}:{path}", "-"]
            try:
                proc = subprocess.run(
                    cmd, capture_output=True, timeout=CLI_TIMEOUT, env=self.env, check=False
                )
            except subprocess.TimeoutExpired as exc:
                raise DockerTimeoutError("docker cp timed out", cmd) from exc
            if proc.returncode != 0:
                return None
            with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
                for member in tar:
                    if member.isfile():
                        fh = tar.extractfile(member)
                        return fh.read().decode("utf-8", "replace") if fh else None
            return None
        finally:
            self._remove_container(name)

    def whoami(self, tag: str) -> int:
        """The uid ``tag`` runs as by default.

        Runs ``id -u`` (``--entrypoint id``) when the image has ``id``; distroless and scratch
        images have no ``id``, so then ``Config.User`` is resolved instead (numeric, or a name
        looked up in the image's ``/etc/passwd``, or in :data:`KNOWN_USERS`).
        """
        try:
            res = self.run(tag, ["-u"], entrypoint="id", timeout=CLI_TIMEOUT)
        except DockerTimeoutError:
            res = None
        if res is not None and res.exit_code == 0 and res.stdout.strip().isdigit():
            return int(res.stdout.strip())
        user = self.image_info(tag).user
        name = user.split(":", 1)[0]
        passwd = None
        if name and not name.isdigit():
            try:
                passwd = self.read_file(tag, "/etc/passwd")
            except DockerError:
                passwd = None
        uid = _parse_uid(user, passwd)
        if uid is None:
            raise DockerError(
                f"cannot resolve user {user!r} of {tag} to a uid",
                log_tail=res.stderr if res else "",
            )
        return uid
