"""``msb-migrate bulk REPOS``: the migration of many repositories (see docs/bulk.md).

REPOS is a file of clone URLs or local paths (one a line, ``#`` comments) or a directory whose
subdirectories are repositories. Each repository is cloned (``git clone --depth 1``, local
paths through ``file://``, so the user's repositories are only read) into the workspace, and
the clone goes through exactly what the single-repository command does: discovery, codemods,
then the dry-run report or the bot branch (``--push``, ``--open-pr``), with the application's
own functions (:mod:`refactor.app.migrate`, :mod:`refactor.app.publish`); the command line
(:mod:`refactor.app.cli`) hands this module a typed :class:`BulkOptions`.

Runs are resumable and shardable. The state file ``<workspace>/state.jsonl`` is append-only
JSON lines, each record fsync'd: a ``run`` record per invocation, a ``start`` record when a
worker takes a repository and a ``done`` record holding its result, written by the parent once
the result is in. A repository counts as done only after its ``done`` record; ``--resume``
skips those and redoes the rest; an unreadable (truncated) line is ignored. ``--shard K/N``
keeps the repositories whose identifier's SHA-1 is K-1 modulo N, the same on every machine;
``--shard auto`` takes K and N from the engine running the copies (:mod:`refactor.app.shards`),
and :mod:`refactor.app.bulk_report` merges the shards' reports.

Nothing is written outside the workspace (temporary files included) except the ``--report``
file the user names and pushes to the remotes the user asks for. A repository's problem —
missing, not a git repository, empty, no Dockerfile, an unparsable one, a refused push — is
reported as skipped or failed with the reason; it never stops the run, and neither does a
worker process that dies (its repository is retried alone, then reported as failed).

Every step is bounded: a clone by ``--clone-timeout`` (:data:`CLONE_TIMEOUT`), each
Dockerfile's migration by ``--file-timeout`` (:data:`FILE_TIMEOUT`; the file fails, the run goes
on), every other git command by :mod:`refactor.app.gitrun`'s timeouts. A REPOS line that names
no repository (longer than :data:`MAX_LINE`, a URL the parser refuses) is one failed entry
named ``<file>:<line>``. git runs as :mod:`refactor.app.gitrun` says: no hooks, no command from
a repository's configuration, allowlisted transports.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import io
import json
import multiprocessing
import os
import posixpath
import re
import shutil
import signal
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from refactor.analysis.context import is_dockerfile_name
from refactor.app.config import Settings
from refactor.app.discover import Target, discover
from refactor.app.gitops import BranchTouched, scrub
from refactor.app.gitrun import NETWORK_TIMEOUT, GitOpsError, run_git
from refactor.app.migrate import MigrateOptions, display, migrate_target
from refactor.app.options import Config, option_table
from refactor.app.output import EXIT_ERROR, PROG, Failure, echo_diff, plural
from refactor.app.publish import Publication, PublishOptions
from refactor.app.redact import redact_data
from refactor.app.report import FileResult, tool_version
from refactor.app.shards import ShardError, auto_shard
from refactor.app.write import write_atomic
from refactor.errors import MsbError

__all__ = [
    "STATUSES",
    "BulkOptions",
    "RepoResult",
    "RepoSpec",
    "read_repos",
    "repo_id",
    "run_bulk",
    "shard_of",
]

WORKSPACE = ".msb-migrate-workspace"
STATE = "state.jsonl"
REPORT = "report.json"
CLONES = "repos"
DIFFS = "diffs"
TMP = "tmp"
LOCK = ".lock"
#: pending: migrated, but --pr-limit left its pull request (and push) to a later run.
STATUSES = ("changed", "unchanged", "skipped", "failed", "pending")
#: One commit, the default branch only: all a migration needs, and fast.
CLONE = ("clone", "--quiet", "--depth", "1", "--no-tags", "--single-branch")
STATUS = ("status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=all")
#: Default seconds a clone may take, and one Dockerfile's migration (--clone-timeout,
#: --file-timeout; docs/bulk.md). A push or fetch has gitrun.NETWORK_TIMEOUT, a local git
#: command gitrun.GIT_TIMEOUT.
CLONE_TIMEOUT = 600.0
FILE_TIMEOUT = 60.0
#: A longer line of REPOS is no repository (one failed entry, not a dead run).
MAX_LINE = 4096
LOCK_WAIT = 10.0  # seconds: the workers of a run killed with -9 take a moment to die
PR_SET_PDEATHSIG = 1

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>.*)$")
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


# -- the list of repositories ----------------------------------------------------------------------


@dataclass(frozen=True)
class RepoSpec:
    """One repository to migrate."""

    id: str  # normalised identifier: shards, state and report (no credentials)
    url: str  # what git clones (file:// for a local path)
    source: str  # as the user wrote it, credentials scrubbed
    worktree: Path | None = None  # the user's checkout on this machine (read, never written)
    problem: tuple[str, str] | None = None  # (status, reason) known before cloning

    @property
    def slug(self) -> str:
        """The clone's directory name: readable and unique."""
        last = self.id.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        name = _SLUG.sub("-", last).strip("-.")[:40] or "repo"
        return f"{name}-{hashlib.sha1(self.id.encode('utf-8')).hexdigest()[:10]}"


def _is_url(text: str) -> bool:
    """Whether git reads ``text`` as a URL (scheme://… or scp-like host:path) or a path."""
    if _SCHEME.match(text):
        return True
    colon, slash = text.find(":"), text.find("/")
    return colon > 0 and (slash < 0 or colon < slash)


def _strip_repo_path(path: str) -> str:
    path = re.sub(r"/+", "/", path).strip("/")
    return path.removesuffix(".git").rstrip("/")


def repo_id(text: str) -> str:
    """The normalised identifier of a repository as written in REPOS.

    URLs become ``host[:port]/path`` (host lower-cased, credentials, scheme, trailing ``/`` and
    ``.git`` dropped), so an https and an ssh URL of one repository are one repository; paths
    (and ``file://`` URLs) are normalised as written (``posixpath.normpath``).
    """
    text = text.strip()
    if _SCHEME.match(text):
        parsed = urllib.parse.urlsplit(text)
        if parsed.scheme.lower() == "file":
            return posixpath.normpath(urllib.parse.unquote(parsed.path))
        host = (parsed.hostname or "").lower()
        with contextlib.suppress(ValueError):
            host += f":{parsed.port}" if parsed.port else ""
        return f"{host}/{_strip_repo_path(parsed.path)}"
    match = _SCP.match(text) if _is_url(text) else None
    if match is not None:
        return f"{match.group('host').lower()}/{_strip_repo_path(match.group('path'))}"
    return posixpath.normpath(text)


def _git_layout(path: Path) -> str | None:
    """``worktree``, ``bare`` or None (not a git repository) by the directory's layout."""
    if (path / ".git").exists():
        return "worktree"
    if (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir():
        return "bare"
    return None


def _local_spec(ident: str, path: Path, shown: str) -> RepoSpec:
    if path.is_symlink() and not path.exists():
        return RepoSpec(ident, "", shown, problem=("failed", "a symbolic link to nowhere"))
    if not path.exists():
        return RepoSpec(ident, "", shown, problem=("failed", "no such directory"))
    if not path.is_dir():
        return RepoSpec(ident, "", shown, problem=("skipped", "not a directory"))
    layout = _git_layout(path)
    if layout is None:
        return RepoSpec(ident, "", shown, problem=("skipped", "not a git repository"))
    real = path.resolve()
    return RepoSpec(ident, real.as_uri(), shown, real if layout == "worktree" else None)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _from_line(line: str, source: Path) -> RepoSpec:
    ident = repo_id(line)
    if _is_url(line) and not line.lower().startswith("file://"):
        return RepoSpec(ident, line, scrub(line))
    if line.lower().startswith("file://"):
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(line).path))
    else:
        path = Path(line).expanduser()
    return _local_spec(ident, source.parent / path, line)


def _from_list(source: Path) -> list[RepoSpec]:
    """A file of URLs or paths; relative paths are relative to the file's directory. A line
    that names no repository (too long, a NUL, a path the system refuses) is one failed
    repository, identified by its place in the file."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Failure(f"cannot read {source}: {exc}") from None
    specs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source.name}:{number}"
        if len(line) > MAX_LINE:
            why = f"the line is {len(line)} characters long (limit {MAX_LINE})"
            specs.append(RepoSpec(where, "", scrub(_clip(line)), problem=("failed", why)))
            continue
        try:
            specs.append(_from_line(line, source))
        except (OSError, ValueError) as exc:
            why = f"not a repository: {getattr(exc, 'strerror', None) or exc}"
            specs.append(RepoSpec(where, "", scrub(_clip(line)), problem=("failed", why)))
    return specs


def _from_directory(source: Path, workspace: Path) -> list[RepoSpec]:
    """Each visible subdirectory (the workspace excepted) is a repository; symlinks are not
    followed."""
    specs = []
    for entry in sorted(os.scandir(source), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.name.startswith(".") or path.absolute() == workspace:
            continue
        shown = path.as_posix()
        if entry.is_symlink():
            problem = ("skipped", "a symbolic link (not followed)")
            specs.append(RepoSpec(entry.name, "", shown, problem=problem))
        elif entry.is_dir():
            specs.append(_local_spec(entry.name, path, shown))
    return specs


def read_repos(source: Path, workspace: Path) -> tuple[list[RepoSpec], list[str]]:
    """The repositories of REPOS (a list file or a directory of repositories), each once, and
    the lines left out as duplicates."""
    specs = _from_directory(source, workspace) if source.is_dir() else _from_list(source)
    unique: dict[str, RepoSpec] = {}
    duplicates = []
    for spec in specs:
        if spec.id in unique:
            duplicates.append(spec.source)
        else:
            unique[spec.id] = spec
    return list(unique.values()), duplicates


def shard_of(ident: str, count: int) -> int:
    """The shard (1 to ``count``) of a repository identifier: SHA-1, stable everywhere."""
    digest = hashlib.sha1(ident.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def _parse_shard(value: str | None, count: int | None = None) -> tuple[int, int] | None:
    """``--shard K/N``, or ``--shard auto``: the shard of the engine running this copy
    (:mod:`refactor.app.shards`; ``count`` is ``--shard-count``)."""
    if value is None:
        if count is not None:
            raise click.UsageError("--shard-count goes with --shard auto")
        return None
    if value.strip() == "auto":
        try:
            shard = auto_shard(os.environ, count)
        except ShardError as exc:
            raise click.BadParameter(f"auto: {exc}", param_hint="'--shard'") from None
        click.echo(f"{PROG}: shard {shard} ({shard.source})", err=True)
        return shard.number, shard.count
    if count is not None:
        raise click.UsageError("--shard-count goes with --shard auto")
    match = _SHARD.match(value)
    if match is None or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise click.BadParameter("expected K/N with 1 <= K <= N", param_hint="'--shard'")
    return int(match.group(1)), int(match.group(2))


# -- results and the state file ------------------------------------------------------------------


@dataclass
class RepoResult:
    """One repository's outcome, as the state file and the report hold it."""

    repo: str
    source: str
    status: str = "unchanged"  # one of STATUSES
    reason: str | None = None  # why it was skipped
    errors: list[str] = field(default_factory=list)  # why it failed
    warnings: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    explanations: int = 0
    diff: str | None = None  # the dry-run report, relative to the workspace
    branch: dict[str, Any] | None = None
    pull_request: dict[str, Any] | None = None
    seconds: float = 0.0
    verify_seconds: float = 0.0  # of ``seconds``, the time --verify spent building and probing

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RepoResult:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def skip(self, reason: str) -> None:
        self.status, self.reason = "skipped", reason

    def fail(self, error: str) -> None:
        self.status = "failed"
        self.errors.append(error)

    @property
    def headline(self) -> str:
        """What happened, in a few words."""
        if self.status in ("skipped", "pending"):
            return f"{self.status}: {self.reason}"
        if self.status == "failed":
            return f"failed: {'; '.join(self.errors)}"
        changed = sum(f["status"] == "changed" for f in self.files)
        text = f"{self.status} ({plural(changed, 'file')}, {plural(self.explanations, 'change')})"
        if self.pull_request:
            text += f", pull request {self.pull_request['url']}"
        elif self.branch:
            text += f", branch {self.branch['name']} {self.branch['status']}"
        return text


class StateFile:
    """Append-only JSON lines, one fsync'd ``os.write`` per record (O_APPEND: the workers and
    the parent append to the same file without interleaving)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def open(self) -> None:
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        size = os.fstat(self.fd).st_size
        if size:
            with self.path.open("rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":  # a record cut short by a kill: end its line
                    self._write(b"\n")

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def append(self, record: Mapping[str, Any]) -> None:
        record = redact_data(record)  # no credential is persisted (issue 14)
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        self._write(line.encode("utf-8"))

    def _write(self, data: bytes) -> None:
        assert self.fd is not None
        os.write(self.fd, data)
        os.fsync(self.fd)

    def records(self) -> list[dict[str, Any]]:
        """Every readable record (a truncated line is left out)."""
        try:
            lines = self.path.read_bytes().split(b"\n")
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                out.append(record)
        return out


def _resumed(state: StateFile, options: Mapping[str, Any]) -> dict[str, RepoResult] | None:
    """The results of the repositories done since the last run that did not resume (None when
    there is no run to resume)."""
    records = state.records()
    starts = [i for i, r in enumerate(records) if r.get("event") == "run" and not r.get("resume")]
    if not starts:
        return None
    run = records[starts[-1]]
    if run.get("options") != dict(options):
        before = run.get("options") or {}
        differ = [k for k in options if before.get(k) != options[k]] or ["the mode"]
        raise Failure(
            f"--resume: the run in this workspace used other options ({', '.join(differ)}); "
            "run without --resume to start over"
        )
    done: dict[str, RepoResult] = {}
    for record in records[starts[-1] + 1 :]:
        result = record.get("result")
        if record.get("event") == "done" and isinstance(result, dict):
            if result.get("status") == "pending":  # its pull request is still to be opened
                continue
            done.setdefault(str(record.get("repo")), RepoResult.from_json(result))
    return done


# -- one repository (in a worker process) ----------------------------------------------------------


@dataclass(frozen=True)
class BulkOptions:
    """``msb-migrate bulk``'s options: the option table's settings given on the command line,
    where results go, the files left out, and the run's workspace, report, parallelism, shard
    (``K/N``) and resumption."""

    command_line: Config = field(default_factory=Config)
    publish: PublishOptions = field(default_factory=PublishOptions)
    exclude: tuple[str, ...] = ()
    workspace: Path | None = None
    report: Path | None = None
    jobs: int = 1
    shard: str | None = None  # K/N or auto (the engine's environment)
    shard_count: int | None = None  # --shard-count, with --shard auto
    resume: bool = False
    dry_run: bool = False
    verbose: bool = False
    clone_timeout: float = CLONE_TIMEOUT
    file_timeout: float = FILE_TIMEOUT
    verify: bool = False  # build, probe and back off (refactor.app.backoff) before publishing
    pr_limit: int | None = None  # --pr-limit: new pull requests this run may open

    def outcome(self, mode: str) -> dict[str, Any]:
        """The options that decide a repository's outcome (``--resume`` refuses a state
        written with others): the mode, where the result goes, the files left out and every
        setting of the option table that has a flag; redacted, as the state file holds it."""
        p = self.publish
        publishing = {
            "branch": p.branch,
            "remote": p.remote,
            "open_pr": p.open_pr,
            "forge": p.forge,
            "forge_url": p.forge_url,
        }
        settings = {
            row.name: self.command_line.values.get(row.name, () if row.multiple else None)
            for row in option_table()
            if row.flags and row.bulk
        }
        record = {"mode": mode, **publishing, "exclude": self.exclude, **settings}
        if self.verify:  # only then: a state written before --verify existed still resumes
            record["verify"] = True
        if p.labels:  # likewise
            record["labels"] = list(p.labels)
        return dict(redact_data(json.loads(json.dumps(record))))


@dataclass(frozen=True)
class _Job:
    """What every worker needs to know."""

    options: BulkOptions
    mode: str  # dry-run | branch
    workspace: Path
    #: --pr-limit: the new pull requests still allowed, shared by the workers (a
    #: multiprocessing.Value; None without a limit)
    slots: Any = None


class _Skipped(Exception):
    """Ends a repository's work as skipped, with the reason."""


class _Worker:
    """Per worker process: the codemods loaded once, the state file open for start records."""

    def __init__(self, job: _Job) -> None:
        self.job = job
        command_line = job.options.command_line
        self.migrate = MigrateOptions(Settings(command_line), command_line.get("target"))
        self.state = StateFile(job.workspace / STATE)
        self.state.open()


_worker: _Worker | None = None


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when the parent dies (even by ``kill -9``), so a resumed
    run never races a leftover worker on the same repository."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _init_worker(job: _Job, parent: int) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent(parent)
    tmp = str(job.workspace / TMP)
    os.environ["TMPDIR"] = tmp  # git and tempfile write their scratch files in the workspace
    tempfile.tempdir = tmp
    _worker = _Worker(job)


def _work(spec: RepoSpec) -> RepoResult:
    """A worker's task: one repository, whatever happens."""
    assert _worker is not None
    started = time.perf_counter()
    _worker.state.append({"event": "start", "repo": spec.id, "pid": os.getpid(), "time": _now()})
    result = RepoResult(spec.id, spec.source)
    try:
        _migrate(spec, _worker, result)
    except _Skipped as exc:
        result.skip(str(exc))
    except (Failure, MsbError) as exc:
        result.fail(str(exc))
    except Exception as exc:  # a bug must not cost the other repositories their run
        result.fail(f"internal error: {exc!r}")
    result.seconds = round(time.perf_counter() - started, 3)
    return RepoResult.from_json(redact_data(asdict(result)))  # shown and recorded redacted


def _clone(url: str, dest: Path, timeout: float) -> None:
    """``git clone`` as gitrun says (no hooks, allowlisted transports), at most ``timeout``
    seconds."""
    proc = run_git([*CLONE, "--", url, str(dest)], timeout=timeout)
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace")
        lines = [line for line in stderr.splitlines() if line.strip()]
        detail = "; ".join(lines[-2:]) or f"exit status {proc.returncode}"
        raise GitOpsError(scrub(f"git clone failed: {detail}"))


def _is_empty_clone(clone: Path) -> bool:
    """Whether HEAD names a branch that does not exist (a repository without commits)."""
    git_dir = clone / ".git"
    head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    if not head.startswith("ref: "):
        return False
    ref = head[5:]
    if (git_dir / ref).is_file():
        return False
    packed = git_dir / "packed-refs"
    return not (packed.is_file() and f" {ref}\n" in packed.read_text(encoding="utf-8"))


def _empty_reason(clone: Path) -> str:
    """Why a clone has nothing checked out: no commits at all, or an origin whose HEAD names
    a branch it does not have (its other branches named)."""
    head = (clone / ".git" / "HEAD").read_text(encoding="utf-8").strip().removeprefix("ref: ")
    try:  # a single-branch clone of a missing HEAD fetched nothing: ask the origin
        proc = run_git(["ls-remote", "--heads", "origin"], clone, timeout=NETWORK_TIMEOUT)
    except GitOpsError:
        return "the repository is empty (no commits)"
    lines = proc.stdout.decode("utf-8", "replace").splitlines() if proc.returncode == 0 else []
    branches = [line.split("\t", 1)[-1].removeprefix("refs/heads/") for line in lines]
    if not branches:
        return "the repository is empty (no commits)"
    listed = ", ".join(branches[:5]) + (", …" if len(branches) > 5 else "")
    missing = head.removeprefix("refs/heads/")
    return f"the origin's HEAD names branch {missing}, which does not exist (branches: {listed})"


def _dirty_paths(worktree: Path) -> set[str]:
    """Paths with uncommitted changes (staged, modified, untracked) in the user's checkout,
    read without refreshing its index."""
    proc = run_git(["--no-optional-locks", *STATUS], worktree)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitOpsError(f"git status failed: {'; '.join(detail[-1:])}")
    paths: set[str] = set()
    entries = iter(proc.stdout.decode("utf-8", "surrogateescape").split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        paths.add(entry[3:])
        if entry[0] in "RC":  # a rename or copy: the next entry is the source path
            paths.add(next(entries, ""))
    return paths


def _outside_symlinks(root: Path) -> list[str]:
    """Dockerfile-named symbolic links in the clone that lead outside it (or nowhere)."""
    real_root = root.resolve()
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in (*filenames, *dirnames):
            path = Path(dirpath, name)
            if not is_dockerfile_name(name) or not path.is_symlink():
                continue
            real = path.resolve()
            if real_root not in real.parents or not real.exists():
                out.append(path.relative_to(root).as_posix())
    return sorted(out)


def _keep(attempt: Path, dest: Path, trash: Path) -> None:
    """Move a finished clone to its place (an older one is moved aside, then deleted)."""
    if dest.exists() or dest.is_symlink():
        aside = trash / f"{dest.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(dest, aside)
        shutil.rmtree(aside, ignore_errors=True)
    os.rename(attempt, dest)


def _clear_tmp(tmp: Path) -> None:
    """Start with an empty scratch directory. What a killed run left is moved aside first, then
    deleted: a git process it left behind may still be writing there."""
    if tmp.exists():
        aside = tmp.with_name(f"{tmp.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(tmp, aside)
        shutil.rmtree(aside, ignore_errors=True)
    tmp.mkdir(exist_ok=True)


def _file_entry(result: FileResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "path": result.path,
        "status": result.status,
        "changes": len(result.explanations),
        "codemods": result.codemods,
        "error": result.error,
    }
    if result.verification is not None:  # --verify
        entry["verified"] = result.verification.ok and result.withheld is None
        entry["backoffs"] = [b.as_json() for b in result.backoffs]
        entry["withheld"] = result.withheld
    return entry


def _dry_run_report(results: Sequence[FileResult], verbose: bool) -> str:
    """Exactly what ``msb-migrate --dry-run`` prints for these files (without colour)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for result in results:
            if result.error is None:
                echo_diff(result, verbose, False)
    return out.getvalue()


def _migrate(spec: RepoSpec, worker: _Worker, result: RepoResult) -> None:
    """Clone, migrate and report or publish one repository into ``result``."""
    job = worker.job
    if spec.problem is not None:
        status, reason = spec.problem
        if status == "skipped":
            raise _Skipped(reason)
        raise Failure(reason)
    dirty = _dirty_paths(spec.worktree) if spec.worktree is not None else set()
    # Each attempt clones into a directory of its own: a git process left behind by a killed
    # run can never write into the clone of the run that resumes.
    tmp = job.workspace / TMP
    clone = Path(tempfile.mkdtemp(prefix=f"{spec.slug}.", dir=tmp))
    try:
        _clone(spec.url, clone, job.options.clone_timeout)
        _migrate_clone(spec, worker, result, clone, dirty)
    finally:
        _keep(clone, job.workspace / CLONES / spec.slug, tmp)


def _migrate_clone(
    spec: RepoSpec, worker: _Worker, result: RepoResult, clone: Path, dirty: set[str]
) -> None:
    job = worker.job
    outside = _outside_symlinks(clone)
    for rel in outside:
        result.warnings.append(f"not followed: {rel} is a symbolic link outside the repository")
    targets = discover([clone], job.options.exclude, outside_links=False)
    if not targets:
        if _is_empty_clone(clone):
            raise _Skipped(_empty_reason(clone))
        raise _Skipped("no Dockerfile found" + (f" ({result.warnings[0]})" if outside else ""))
    with contextlib.chdir(clone):  # paths as the single-repository command shows them
        files = [_within_budget(t, worker.migrate, job.options.file_timeout) for t in targets]
        if job.options.verify:
            files = _verified(files, worker.migrate, result)
    result.files = [_file_entry(r) for r in files]
    result.explanations = sum(len(r.explanations) for r in files)
    changed = [r for r in files if r.changed and r.withheld is None]
    if dirty:
        note = f"{spec.source} has uncommitted changes; the clone has its last commit"
        result.warnings.append(note)
    errors = [r.error for r in files if r.error]
    if job.mode == "dry-run":
        report = _dry_run_report(files, job.options.verbose)
        if report:
            diff = job.workspace / DIFFS / f"{spec.slug}.diff"
            diff.write_text(report, encoding="utf-8")
            result.diff = diff.relative_to(job.workspace).as_posix()
    if errors:
        result.status, result.errors = "failed", errors
        return
    result.status = "changed" if changed else "unchanged"
    if job.mode == "branch" and changed:
        touched = {r.path for r in changed} | _extra_paths(changed, clone)
        overlap = sorted(touched & dirty)
        if overlap:
            raise _Skipped(
                f"{overlap[0]} has uncommitted changes in {spec.source}; the branch would "
                "leave them out (commit or stash them first)"
            )
        _publish(changed, [r for r in files if r.withheld is None], job, result)


def _verified(
    files: list[FileResult], options: MigrateOptions, result: RepoResult
) -> list[FileResult]:
    """``--verify``: each changed file built, probed and backed off from a failing migration
    (:mod:`refactor.app.backoff`); what is withheld is noted in the repository's warnings."""
    from refactor.app.backoff import verify_file
    from refactor.app.docker import DockerEngine

    engine = DockerEngine()
    reason = engine.unavailable_reason()
    if reason is not None:
        raise Failure(f"cannot verify: {reason}")
    out = []
    for file in files:
        if file.changed and file.real is not None:
            outcome = verify_file(engine, file, options, file.real.parent, target=options.target)
            result.verify_seconds += outcome.seconds
            file = outcome.result
            if file.withheld is not None:
                result.warnings.append(f"{file.path}: {outcome.status}: {file.withheld}")
        out.append(file)
    return out


class _OverBudget(BaseException):
    """Raised by the timer in the Dockerfile being migrated: a BaseException, so that no
    ``except Exception`` (the runner's, a codemod's) takes it for an ordinary error."""


def _alarm(signum: int, frame: object) -> None:
    raise _OverBudget


def _within_budget(target: Target, options: MigrateOptions, seconds: float) -> FileResult:
    """``migrate_target``, or a failed result when it takes longer than ``seconds`` (an
    interval timer in this single-threaded worker: SIGALRM)."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            return migrate_target(target, options)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _OverBudget:
        shown = display(target.path)
        why = f"{shown}: not migrated in {seconds:g} seconds (--file-timeout, the per-file budget)"
        return FileResult(shown, target.real, error=why)
    finally:
        signal.signal(signal.SIGALRM, previous)


def _extra_paths(changed: Sequence[FileResult], clone: Path) -> set[str]:
    root = clone.resolve()
    return {path.relative_to(root).as_posix() for r in changed for path in r.extra}


def _take_slot(slots: Any) -> bool:
    """One of --pr-limit's new pull requests, when one is left."""
    with slots.get_lock():
        if slots.value <= 0:
            return False
        slots.value -= 1
        return True


def _give_back(slots: Any) -> None:
    with slots.get_lock():
        slots.value += 1


def _publish(
    changed: list[FileResult],
    files: list[FileResult],
    job: _Job,
    result: RepoResult,
) -> None:
    """The single-repository --branch/--push/--open-pr, recorded in ``result``. With
    ``--pr-limit`` a repository whose pull request would be new and finds no slot left is
    pending: nothing is pushed. A branch someone else committed to is left alone (skipped)."""
    publication = Publication.prepare(changed, job.options.publish)
    slot = False
    try:
        if job.slots is not None and publication.find_pull_request() is None:
            if not _take_slot(job.slots):
                result.status = "pending"
                result.reason = (
                    f"--pr-limit {job.options.pr_limit} reached: a later run opens its pull request"
                )
                return
            slot = True
        try:
            update = publication.commit(files)
        except BranchTouched as exc:
            raise _Skipped(f"{exc}; left alone") from None
        result.branch = {
            "name": publication.branch,
            "status": update.status,
            "commit": update.commit,
            "pushed": update.pushed,
        }
        pr = publication.open_pull_request(files)
        if pr is not None:
            result.pull_request = {
                "number": pr.number,
                "url": pr.url,
                "created": pr.created,
                "labels": list(pr.labels),
            }
            slot = False  # spent
    finally:
        if slot:  # not spent: the push or the request failed, or the branch was left alone
            _give_back(job.slots)
        publication.workspace.repo.close()


# -- the run (parent process) ----------------------------------------------------------------------


def _now() -> float:
    return round(time.time(), 3)


def _pool(job: _Job, jobs: int) -> ProcessPoolExecutor:
    # fork: the workers start with the codemods already imported (Linux); elsewhere the default.
    method = "fork" if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(job, os.getpid()),
    )


def _crashed(spec: RepoSpec) -> RepoResult:
    return RepoResult(
        spec.id,
        spec.source,
        "failed",
        errors=["the worker process died while migrating this repository"],
    )


def _settle(
    future: Future[RepoResult], spec: RepoSpec, alone: bool, suspects: deque[RepoSpec]
) -> RepoResult | None:
    """A finished task's result, or None when its worker died and it is queued to run alone."""
    exc = future.exception()
    if exc is None:
        return future.result()
    if not isinstance(exc, BrokenProcessPool):  # e.g. a result that does not pickle
        return RepoResult(spec.id, spec.source, "failed", errors=[f"internal error: {exc!r}"])
    if alone:
        return _crashed(spec)
    suspects.append(spec)
    return None


def _run_all(
    todo: Sequence[RepoSpec], job: _Job, jobs: int, tick: Callable[[], None]
) -> Iterator[RepoResult]:
    """Every repository's result as it comes in, ``jobs`` at a time in worker processes
    (``tick`` is called a few times a second).

    When a worker dies (a crash, the OOM killer), the repositories in flight are rerun one at
    a time in a fresh pool; one that kills its worker alone is reported as failed.
    """
    workers = max(1, min(jobs, len(todo)))
    pending = deque(todo)
    suspects: deque[RepoSpec] = deque()
    inflight: dict[Future[RepoResult], tuple[RepoSpec, bool]] = {}
    idle_breaks = 0  # pools that broke with no task to blame: the workers cannot start
    pool = _pool(job, workers)
    try:
        while pending or suspects or inflight:
            broken = False
            while len(inflight) < workers and (pending or suspects) and not (suspects and inflight):
                alone = bool(suspects)
                queue = suspects if alone else pending
                spec = queue.popleft()
                try:
                    inflight[pool.submit(_work, spec)] = (spec, alone)
                except BrokenProcessPool:  # a worker died since the last wait
                    queue.appendleft(spec)
                    broken = True
                    break
                if alone:
                    break
            done, _ = wait(inflight, timeout=0.2, return_when=FIRST_COMPLETED)
            tick()
            if broken or any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                wait(inflight)  # the rest in flight went down with the pool (or just finished)
                done = set(inflight)
                broken = True
            blamed = False
            for future in done:
                spec, alone = inflight.pop(future)
                blamed = blamed or isinstance(future.exception(), BrokenProcessPool)
                result = _settle(future, spec, alone, suspects)
                if result is not None:
                    idle_breaks = 0
                    yield result
            if broken:
                idle_breaks = 0 if blamed else idle_breaks + 1
                if idle_breaks > 1:
                    raise Failure("the worker processes die as they start")
                pool.shutdown(wait=True)
                pool = _pool(job, workers)
        pool.shutdown(wait=True)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class _Display:
    """A progress bar on a terminal, one plain line per repository otherwise (standard error)."""

    def __init__(self, total: int, done: int) -> None:
        self.total = total
        self.count = done
        console = Console(stderr=True, highlight=False)
        self.progress: Progress | None = None
        if console.is_terminal:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                auto_refresh=False,  # refreshed by tick(): no thread beside the worker forks
            )
            self.task = self.progress.add_task("migrating", total=total, completed=done)

    def __enter__(self) -> _Display:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def tick(self) -> None:
        if self.progress is not None:
            self.progress.refresh()

    def done(self, result: RepoResult) -> None:
        self.count += 1
        line = f"[{self.count}/{self.total}] {result.repo}: {result.headline}"
        if self.progress is None:
            click.echo(line, err=True)
            return
        if result.status == "failed":
            self.progress.console.print(line, markup=False)
        self.progress.update(self.task, advance=1)
        self.progress.refresh()


@contextlib.contextmanager
def _locked(workspace: Path) -> Iterator[None]:
    """One run per workspace at a time (waiting a little for the workers of a killed run)."""
    fd = os.open(workspace / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Failure(f"another bulk run is using the workspace {workspace}") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)


def _mode(options: BulkOptions) -> str:
    """dry-run or branch; usage errors for options that make no sense together."""
    publish = options.publish
    if publish.open_pr and not publish.remote:
        raise click.UsageError("--open-pr needs --push REMOTE")
    if (publish.forge or publish.forge_url) and not publish.open_pr:
        raise click.UsageError("--forge and --forge-url go with --open-pr")
    if (publish.labels or options.pr_limit is not None) and not publish.open_pr:
        raise click.UsageError("--label and --pr-limit go with --open-pr")
    if publish.publishing and options.dry_run:
        raise click.UsageError("--dry-run cannot be combined with --branch")
    return "branch" if publish.publishing else "dry-run"


def _repositories(n: int) -> str:
    return f"{n} repositor{'y' if n == 1 else 'ies'}"


def _totals(results: Sequence[RepoResult]) -> dict[str, int]:
    counts = {status: sum(r.status == status for r in results) for status in STATUSES}
    return {
        "repositories": len(results),
        **counts,
        "files": sum(len(r.files) for r in results),
        "files_changed": sum(f["status"] == "changed" for r in results for f in r.files),
        "explanations": sum(r.explanations for r in results),
        "verify_seconds": round(sum(r.verify_seconds for r in results)),
    }


def _print_table(results: Sequence[RepoResult], totals: Mapping[str, int]) -> None:
    """One row per repository and a totals row, on standard output."""
    table = Table(show_footer=True)
    table.add_column("repository", footer=_repositories(totals["repositories"]))
    table.add_column("status")
    table.add_column("changed files", justify="right", footer=str(totals["files_changed"]))
    table.add_column("changes", justify="right", footer=str(totals["explanations"]))
    table.add_column("details")
    for r in results:
        changed = sum(f["status"] == "changed" for f in r.files)
        details = [r.reason] if r.reason else list(r.errors)
        if r.branch:
            details.append(f"branch {r.branch['name']} {r.branch['status']}")
        if r.pull_request:
            details.append(str(r.pull_request["url"]))
        details += r.warnings
        table.add_row(r.repo, r.status, str(changed), str(r.explanations), "; ".join(details))
    console = Console(file=sys.stdout, highlight=False)
    if not console.is_terminal:  # a log: no wrapping at 80 columns
        console.width = 240
    console.print(table, markup=False)


def run_bulk(source: Path, options: BulkOptions) -> int:
    """``msb-migrate bulk``: migrate every repository of ``source``; the exit status."""
    mode = _mode(options)
    shard = _parse_shard(options.shard, options.shard_count)
    shown_shard = None if shard is None else f"{shard[0]}/{shard[1]}"
    Settings(options.command_line)  # unknown codemod names stop the run before any clone
    workspace = (options.workspace or Path(WORKSPACE)).absolute()
    report_path = (options.report or workspace / REPORT).absolute()
    specs, duplicates = read_repos(source, workspace)
    for duplicate in duplicates:
        click.echo(f"{PROG}: {duplicate}: listed twice, migrated once", err=True)
    if shard is not None:
        specs = [s for s in specs if shard_of(s.id, shard[1]) == shard[0]]
    for sub in (CLONES, DIFFS):
        (workspace / sub).mkdir(parents=True, exist_ok=True)
    ignore = workspace / ".gitignore"  # keep the workspace out of a surrounding repository
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    outcome = options.outcome(mode)
    with _locked(workspace):
        _clear_tmp(workspace / TMP)
        state = StateFile(workspace / STATE)
        previous = _resumed(state, outcome) if options.resume else None
        results = {s.id: previous[s.id] for s in specs if previous and s.id in previous}
        todo = [s for s in specs if s.id not in results]
        state.open()
        try:
            state.append(
                {
                    "event": "run",
                    "resume": previous is not None,
                    "time": _now(),
                    "options": outcome,
                    "shard": shown_shard,
                    "repositories": len(specs),
                    "todo": len(todo),
                }
            )
            limit = options.pr_limit
            slots = None if limit is None else multiprocessing.Value("i", limit)
            job = _Job(options, mode, workspace, slots)
            with _Display(len(specs), len(results)) as display:
                for result in _run_all(todo, job, options.jobs, display.tick):
                    record = {"event": "done", "repo": result.repo, "time": _now()}
                    state.append({**record, "result": asdict(result)})
                    results[result.repo] = result
                    display.done(result)
        except KeyboardInterrupt:
            click.echo(
                f"{PROG}: interrupted after {len(results)} of {len(specs)} repositories; "
                "run again with --resume to finish",
                err=True,
            )
            return 130
        finally:
            state.close()
    ordered = [results[s.id] for s in specs]
    totals = _totals(ordered)
    report = {
        "tool": {"name": PROG, "version": tool_version()},
        "mode": mode,
        "repos": str(source),
        "shard": shown_shard,
        "workspace": str(workspace),
        "repositories": [asdict(r) for r in ordered],
        "totals": totals,
    }
    text = json.dumps(redact_data(report), indent=2, ensure_ascii=False)
    write_atomic(report_path, text + "\n")
    _print_table(ordered, totals)
    counts = ", ".join(f"{totals[s]} {s}" for s in STATUSES)
    click.echo(f"{_repositories(len(ordered))}: {counts}; report: {report_path}", err=True)
    if options.verify:
        spent = sum(r.verify_seconds for r in ordered)
        whole = sum(r.seconds for r in ordered) or 1.0
        click.echo(
            f"verification: {spent:.0f} s of {whole:.0f} s spent on the repositories "
            f"({100 * spent / whole:.0f}%: builds, probes and back-offs)",
            err=True,
        )
    return EXIT_ERROR if totals["failed"] else 0
