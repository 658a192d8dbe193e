"""Fuzz the command line: random file trees and random options, run the real ``msb-migrate``.

Hypothesis builds a random tree in a fresh temporary directory and runs the installed
``msb-migrate`` console script on it in a subprocess (a new session, a time budget, an address
space limit). The only allowed outcomes are a result or clear errors (issue 14, "Must show"):

* the exit status is 0, 1 or 2; 1 only with ``--check`` when a file would change (never for an
  error), 0 with ``--check`` only when none would; 2 exactly when an error is printed;
* no ``Traceback`` on standard error, nor in a text standard output (a JSON report may carry an
  internal error's traceback in its field, by design); every line of standard error is one of
  the tool's own
  (``msb-migrate: error: …`` — a usage error too, one line ending in ``(msb-migrate --help)`` —,
  ``msb-migrate: …``, the summary, ``rewrote …``, ``# …`` notes), so a message split by a
  newline shows up;
  the text diff on standard output keeps the unified-diff line grammar; JSON and SARIF parse;
* no hang: the run ends within :data:`BUDGET` seconds, and leaves no process behind;
* nothing outside the tree changes: a sentinel directory beside the tree (its files hashed,
  with modes and link targets) and the listing of the tree's parent;
* the tree itself changes only with ``--write`` (never with ``-``, which writes to standard
  output), and then only in Dockerfiles (same mode) and ``.dockerignore`` files, with no
  leftover temporary file.

The tree: Dockerfiles drawn from the real-world corpus (``../shared/corpus/realworld`` through
:mod:`shared_data`) and the golden inputs (``corpus/*/*/before.Dockerfile``), plus garbage,
ELF, NUL, empty, UTF-16, Latin-1, CRLF/BOM, a file over the size limit, a line over the line
limit, 1,200 stages; symlinks inside, outside (into the sentinel), dangling, looping, to
``/dev/zero``; FIFOs and a socket (named like a Dockerfile, ``.gitignore``, the configuration
file); names with spaces, newlines, tabs, non-ASCII, non-UTF-8 bytes and leading dashes; modes
000, 111, 444, 555; a git repository or not (with a ``core.fsmonitor`` that would touch the
sentinel); ``.gitignore`` / ``.dockerignore`` files with odd patterns; a ``.msb-migrate.toml`` /
``pyproject.toml`` valid or not. The options:
``--dry-run/--write/--check`` (one, none or two), ``--format``, ``--color``, ``-v``, ``-j 1/2``,
``-c/--skip/--enable`` with valid and unknown names, ``--runtime-flavour``, ``--runtime-image``
(valid and not), ``--user-uid`` in and out of range, ``--target``, ``--context``, ``--exclude``,
and ``-`` with bytes or ``/dev/zero`` on standard input; ``LC_ALL`` C.UTF-8 or C; standard
output a file, ``/dev/full`` (ENOSPC) or a pipe nobody reads (EPIPE: death by SIGPIPE is
allowed too, and nothing is checked of the lost output).

Permission bits do not stop root: when the tests run as root and ``setpriv`` exists, some runs
drop ``CAP_DAC_OVERRIDE`` and ``CAP_DAC_READ_SEARCH`` from the bounding set, so the tool (still
uid 0, so the Python installation under ``/root`` stays reachable) obeys the modes; otherwise
that dimension only applies to a non-root user running the tests.

Decisions: the subprocess runs with ``HOME`` set to the tree (the configuration search stops
there) and without the ``MSB_*`` variables; ``--context`` only names directories inside the
tree or missing ones (a context the user names outside is theirs to write); ``--branch``,
``--push``, ``--verify`` and the subcommands are not fuzzed (forge, git and Docker have their
own tests). An example is a plain data record, so Hypothesis's report of a failing example is
its reproduction; the assertion message adds the command line, the tree and both outputs.

Runs (``derandomize=True``, no example database: CI sees the same examples every time):

* default: :data:`EXAMPLES` examples (about 40 s on a quiet machine);
* ``MSB_FUZZ_EXAMPLES=500``: more examples (benchmarks, manual runs);
* ``MSB_FUZZ_SEED=N``: other examples than CI's (random generation from seed N);
* ``MSB_FUZZ_LOG=FILE``: a survey — every failing example is appended to FILE as one JSON line
  (the example, the problems, the outputs) and the run goes on instead of failing and shrinking.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sysconfig
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, seed, settings
from hypothesis import strategies as st
from shared_data import REALWORLD, realworld_files, required, unavailable

from refactor.engine.runner import CODEMOD_MODULES
from refactor.syntax.parser import MAX_BYTES

REPO = Path(__file__).resolve().parents[1]
#: Seconds one run of the tool may take (a hang is anything longer).
BUDGET = 20.0
#: The address space of one run (reading /dev/zero whole ends in MemoryError, not the machine).
MEMORY = 2 * 1024**3
#: Examples in a default (CI) run; ``MSB_FUZZ_EXAMPLES`` overrides.
EXAMPLES = 50

CODEMODS = list(CODEMOD_MODULES)  # names only: no codemod is imported


def _cli() -> list[str] | None:
    """The installed console script (run as a real user would), or None."""
    script = Path(sysconfig.get_path("scripts")) / "msb-migrate"
    if script.is_file():
        return [str(script)]
    found = shutil.which("msb-migrate")
    return [found] if found else None


def _can_drop_caps() -> bool:
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


# -- file contents ---------------------------------------------------------------------------------

GOLDEN = sorted(REPO.glob("corpus/*/*/before.Dockerfile"))
REALWORLD_FILES = realworld_files()

SYNTHETIC: dict[str, Callable[[], bytes]] = {
    "empty": lambda: b"",
    "hello": lambda: b"hello world\n",
    "garbage": lambda: bytes(range(32, 127)) * 3 + b"\n{]\\\n",
    "elf": lambda: b"\x7fELF\x02\x01\x01" + bytes(64),
    "nul": lambda: b"FROM alpine\nRUN echo \x00\n",
    "utf16": lambda: "FROM python:3.11\nRUN pip install x\n".encode("utf-16"),
    "latin1": lambda: 'FROM debian\nLABEL a="Jos\xe9"\n'.encode("latin-1"),
    "crlf-bom": lambda: b"\xef\xbb\xbfFROM golang:1.22\r\nRUN go build -o /app .\r\n",
    "comment-only": lambda: b"# syntax=docker/dockerfile:1\n# nothing\n",
    "extra-from-args": lambda: b"FROM python:3.11 # msb-migrate: skip\nRUN pip install .\n",
    "bad-optout": lambda: b"# msb-migrate: skip=cache-mount\nFROM node:20\nRUN npm ci\n",
    "unclosed-heredoc": lambda: b"FROM alpine\nRUN <<EOF\necho hi\n",
    "long-line": lambda: b"FROM alpine\nRUN echo " + b"x" * 70_000 + b"\n",
    "over-limit": lambda: b"FROM alpine\n" + b"RUN true\n" * (MAX_BYTES // 9 + 1),
    "many-stages": lambda: b"".join(
        b"FROM alpine AS s%d\nCOPY --from=s%d /x /x\n" % (i, max(i - 1, 0)) for i in range(1200)
    ),
}


def content_labels() -> list[str]:
    """Every file content an example may name: ``realworld:<path>``, ``golden:<path>`` or a
    synthetic one."""
    real = [f"realworld:{p.relative_to(REALWORLD).as_posix()}" for p in REALWORLD_FILES]
    golden = [f"golden:{p.relative_to(REPO).as_posix()}" for p in GOLDEN]
    return [*real, *golden, *SYNTHETIC]


def content(label: str) -> bytes:
    kind, _, rest = label.partition(":")
    if kind == "realworld":
        return (REALWORLD / rest).read_bytes()
    if kind == "golden":
        return (REPO / rest).read_bytes()
    return SYNTHETIC[label]()


CONFIGS: dict[str, bytes] = {
    "valid": b'codemods = ["split-build-runtime", "non-root-user"]\nuser-uid = 1000\n',
    "valid-image": b'runtime-image = "python:3.11-slim"\nruntime-flavour = "slim"\n',
    "valid-enable": b'enable = ["dockerignore", "dev-target"]\nskip = ["cache-mounts"]\n',
    "empty": b"",
    "broken": b"[[[ not toml\n",
    "unknown-key": b"frobnicate = 1\n",
    "unknown-codemod": b'codemods = ["no-such-codemod"]\n',
    "wrong-type": b'codemods = "split-build-runtime"\nuser-uid = "x"\n',
    "uid-out-of-range": b"user-uid = 99999999999999999999\n",
    "bad-image": b'runtime-image = "python:3.11-slim AS builder"\n',
    "bad-flavour": b'runtime-flavour = "bogus"\n',
    "non-utf8": b'runtime-image = "caf\xe9"\n',
    "utf16": 'codemods = ["name-stages"]\n'.encode("utf-16"),
    "nul": b"codemods = []\x00\n",
    "pyproject": b'[tool.msb-migrate]\ncodemods = ["name-stages"]\n',
    "pyproject-bad": b"[tool]\nmsb-migrate = 5\n",
}
IGNORES: dict[str, bytes] = {
    "all-dockerfiles": b"*.Dockerfile\nDockerfile*\n",
    "negated": b"*\n!Dockerfile\n!*/\n",
    "dir-only": b"sub dir/\nnode_modules/\n/-rf\n",
    "bad-pattern": b"[\n**/\n\\\n",
    "non-utf8": b"caf\xe9/\n",
}

# -- names ---------------------------------------------------------------------------------------

DOCKERFILE_NAMES = [
    "Dockerfile",
    "Containerfile",
    "app.Dockerfile",
    "Dockerfile.dev",
    "build.dockerfile",
    "Dockerfile.orig",
    "Dockerfile.dockerignore",
]
OTHER_NAMES = [
    ".msb-migrate.toml",
    "pyproject.toml",
    ".gitignore",
    ".dockerignore",
    "README",
    "requirements.txt",
    "package.json",
    "go.mod",
]
ODD = ["-", "--write ", " ", "\n", "\t", "ü", "💥", "\udcff", "\\", "*", "[", "'", '"', "$(x)"]

dockerfile_names = st.one_of(
    st.sampled_from(DOCKERFILE_NAMES),
    st.builds(lambda a, b: f"{a}{b}.Dockerfile", st.sampled_from(ODD), st.sampled_from(ODD)),
    st.builds(lambda a: f"Dockerfile.{a}", st.sampled_from(ODD)),
    st.builds(lambda a: f"-{a}Dockerfile", st.sampled_from(["", "-", "rf ", "c "])),
)
file_names = st.one_of(dockerfile_names, st.sampled_from(OTHER_NAMES))
dir_names = st.sampled_from(
    ["src", "sub dir", "-rf", "\n", "ünï", "\udcfe", ".hidden", "node_modules", "a", "b"]
)

# -- an example ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One thing in the tree. ``what`` is a content label (file), a configuration label
    (config), an ignore-file label (ignore: ``.gitignore``, ``.dockerignore``), a link target (symlink: ``in:<rel>``, ``out:<name>``, ``dangling``, ``self``,
    ``parent``, ``/dev/zero``) or empty (fifo, socket, dir)."""

    path: tuple[str, ...]
    kind: str  # file, config, ignore, symlink, fifo, socket, dir
    what: str = ""
    mode: int | None = None


@dataclass(frozen=True)
class Example:
    entries: tuple[Entry, ...]
    git: str  # none, plain, fsmonitor
    args: tuple[str, ...]
    stdin: str  # a content label, "/dev/zero" or "" (no input)
    drop_caps: bool
    locale: str
    stdout: str  # file; full: /dev/full (ENOSPC); closed: a pipe nobody reads (EPIPE)


LINK_TARGETS = [
    "out:Dockerfile",
    "out:.",
    "out:sub/Dockerfile",
    "out-rel:Dockerfile",
    "dangling",
    "self",
    "parent",
    "/dev/zero",
    "/dev/null",
]
MODES = [None, None, None, 0o000, 0o111, 0o444, 0o555]


@st.composite
def entries(draw: st.DrawFn) -> tuple[Entry, ...]:
    dirs: list[tuple[str, ...]] = [()]
    for _ in range(draw(st.integers(0, 3))):
        parent = draw(st.sampled_from(dirs))
        dirs.append((*parent, draw(dir_names)))
    labels = content_labels()
    out: list[Entry] = [Entry(d, "dir", mode=draw(st.sampled_from(MODES))) for d in dirs[1:]]
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.sampled_from(dirs))
        kind = draw(
            st.sampled_from(
                ["file"] * 6 + ["config", "ignore", "symlink", "symlink", "fifo", "socket"]
            )
        )
        if kind == "config":
            name = draw(st.sampled_from([".msb-migrate.toml", "pyproject.toml"]))
            what = draw(st.sampled_from(sorted(CONFIGS)))
        elif kind == "ignore":
            name = draw(st.sampled_from([".gitignore", ".dockerignore", "Dockerfile.dockerignore"]))
            what = draw(st.sampled_from(sorted(IGNORES)))
        else:
            name = draw(dockerfile_names if kind == "file" else file_names)
            what = ""
            if kind == "file":
                what = draw(st.sampled_from(labels))
            elif kind == "symlink":
                inside = [f"in:{'/'.join(e.path)}" for e in out] or ["in:."]
                what = draw(st.sampled_from(LINK_TARGETS + inside))
        mode = draw(st.sampled_from(MODES)) if kind in ("file", "config", "ignore") else None
        out.append(Entry((*where, name), kind, what, mode))
    return tuple(out)


MODE_FLAGS = [(), (), ("--dry-run",), ("--write",), ("--write",), ("--write",), ("--check",)]
MODE_FLAGS += [("--check",), ("--check",), ("--check", "--write")]
NAMES = [*CODEMODS, "no-such-codemod", "", "SPLIT-BUILD-RUNTIME"]
GOOD_IMAGES = ["python:3.11-slim", "gcr.io/distroless/static-debian12", "scratch"]
BAD_IMAGES = ["python:3.11-slim AS builder", "", "UPPER/Case:1", "a b", "--evil", "x\ny"]
BAD_IMAGES += ["$(touch PWNED)"]


@st.composite
def options(draw: st.DrawFn, paths: list[str]) -> tuple[str, ...]:
    """Random options; an invalid value (a usage error) in about one run in six."""
    args: list[str] = [*draw(st.sampled_from(MODE_FLAGS))]

    def maybe(flag: str, good: list[str], bad: list[str] = []) -> None:  # noqa: B006
        if draw(st.integers(0, 2)) == 2:
            odd = bad and draw(st.integers(0, 5)) == 5
            args.append(flag)
            if good or bad:
                args.append(draw(st.sampled_from(bad if odd else good)))

    maybe("--format", ["text", "json", "sarif"])
    maybe("-v", [])
    maybe("--color", ["always", "never"])
    maybe("-j", ["1", "2"], ["0"])
    maybe("-c", CODEMODS, NAMES)
    maybe("--skip", CODEMODS, NAMES)
    maybe("--enable", CODEMODS, NAMES)
    maybe("--runtime-flavour", ["distroless", "slim", "alpine", "scratch"], ["x"])
    maybe("--runtime-image", GOOD_IMAGES, BAD_IMAGES)
    maybe("--user-uid", ["0", "1000", "2147483647"], ["2147483648", "-1", "x"])
    maybe("--target", ["builder", "runtime"], ["nope"])
    maybe("--context", ["."], ["missing-dir", paths[0]])
    maybe("--exclude", ["*.Dockerfile", "sub dir", "["])
    maybe("--syntax-directive", [])
    chosen = draw(st.lists(st.sampled_from([".", ".", "missing", *paths]), max_size=3, unique=True))
    if draw(st.integers(0, 5)) == 5:  # standard input, alone or (a usage error) with paths
        chosen = ["-"] if draw(st.integers(0, 5)) < 5 else [*chosen, "-"]
    if chosen and draw(st.integers(0, 1)) == 1:
        args.append("--")
    return (*args, *chosen)


@st.composite
def examples(draw: st.DrawFn) -> Example:
    tree = draw(entries())
    paths = ["/".join(e.path) for e in tree]
    args = draw(options(paths))
    stdin = ""
    if "-" in args:
        stdin = draw(st.sampled_from(["/dev/zero", *content_labels()]))
    return Example(
        tree,
        draw(st.sampled_from(["none", "none", "plain", "fsmonitor"])),
        args,
        stdin,
        _can_drop_caps() and draw(st.booleans()),
        draw(st.sampled_from(["C.UTF-8", "C"])),
        draw(st.sampled_from(["file"] * 8 + ["full", "closed"])),
    )


# -- building and watching the tree --------------------------------------------------------------


def _build(example: Example, tree: Path, outside: Path) -> None:
    tree.mkdir()
    if example.git != "none":
        subprocess.run(["git", "init", "-q", str(tree)], check=True)
        if example.git == "fsmonitor":
            hook = f"touch {outside / 'PWNED'}; echo"
            subprocess.run(["git", "-C", str(tree), "config", "core.fsmonitor", hook], check=True)
    for entry in example.entries:
        path = tree.joinpath(*entry.path)
        if os.path.lexists(path) or not path.parent.is_dir() or path.parent.is_symlink():
            continue
        if entry.kind == "dir":
            path.mkdir()
        elif entry.kind == "file":
            path.write_bytes(content(entry.what))
        elif entry.kind == "config":
            path.write_bytes(CONFIGS[entry.what])
        elif entry.kind == "ignore":
            path.write_bytes(IGNORES[entry.what])
        elif entry.kind == "fifo":
            os.mkfifo(path)
        elif entry.kind == "socket":
            with socket.socket(socket.AF_UNIX) as sock:
                try:
                    sock.bind(str(path))
                except OSError:  # a path too long for a socket address
                    continue
        elif entry.kind == "symlink":
            os.symlink(_link_target(entry.what, path, tree, outside), path)
    for entry in sorted(example.entries, key=lambda e: -len(e.path)):
        path = tree.joinpath(*entry.path)
        if entry.mode is not None and path.exists() and not path.is_symlink():
            path.chmod(entry.mode)


def _link_target(what: str, path: Path, tree: Path, outside: Path) -> str:
    kind, _, rest = what.partition(":")
    if kind == "in":
        return os.path.relpath(tree / rest, path.parent)
    if kind == "out":
        return str(outside / rest)
    if kind == "out-rel":
        return os.path.relpath(outside / rest, path.parent)
    return {"dangling": "does-not-exist", "self": path.name, "parent": ".."}.get(what, what)


def _sentinel(outside: Path, labels: list[str]) -> None:
    """A directory beside the tree that symlinks lead into: real Dockerfiles that change."""
    outside.mkdir()
    (outside / "sub").mkdir()
    pool = [label for label in labels if label.startswith("golden:")] or ["hello"]
    (outside / "Dockerfile").write_bytes(content(pool[0]))
    (outside / "sub" / "Dockerfile").write_bytes(content(pool[-1]))


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every path under ``root`` (not following links): its type and mode, a regular file's
    hash, a link's target. FIFOs and sockets are never opened; what the tests cannot read (not
    being root) is recorded as such."""
    out: dict[str, tuple[Any, ...]] = {}

    def visit(path: Path, rel: str) -> None:
        st_ = path.lstat()
        kind = stat.S_IFMT(st_.st_mode)
        mode = stat.S_IMODE(st_.st_mode)
        if stat.S_ISREG(st_.st_mode):
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except PermissionError:  # a mode-000 file when the tests do not run as root
                digest = "unreadable"
            out[rel] = (kind, mode, digest)
        elif stat.S_ISLNK(st_.st_mode):
            out[rel] = (kind, mode, os.readlink(path))
        else:
            out[rel] = (kind, mode)
        if stat.S_ISDIR(st_.st_mode):
            try:
                children = sorted(os.listdir(path))
            except PermissionError:
                children = []
            for child in children:
                visit(path / child, f"{rel}/{child}" if rel else child)

    visit(root, "")
    return out


def _unlock(root: Path) -> None:
    """Give every directory and file back to its owner (for cleanup and snapshots)."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, 0o700)
    os.chmod(root, 0o700)


# -- running -------------------------------------------------------------------------------------


@dataclass
class Run:
    argv: list[str]
    status: int | None  # None: killed after the time budget
    stdout: str
    stderr: str
    leftover: bool  # processes of the run were still alive after it exited


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_cli(cli: list[str], example: Example, tree: Path) -> Run:
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    argv = [*(prefix if example.drop_caps else []), *cli, *example.args]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSB_", "LC_", "LANG"))}
    env.update(HOME=str(tree), LC_ALL=example.locale, GIT_CONFIG_NOSYSTEM="1")
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(tempfile.TemporaryFile())
        sink: Any = out
        if example.stdout == "full":
            sink = stack.enter_context(open("/dev/full", "wb"))
        elif example.stdout == "closed":
            read_end, write_end = os.pipe()
            os.close(read_end)
            sink = stack.enter_context(open(write_end, "wb"))
        err = stack.enter_context(tempfile.TemporaryFile())
        stdin: Any = subprocess.DEVNULL
        if example.stdin == "/dev/zero":
            stdin = stack.enter_context(open("/dev/zero", "rb"))
        elif example.stdin:
            stdin = stack.enter_context(tempfile.TemporaryFile())
            stdin.write(content(example.stdin))
            stdin.seek(0)
        proc = subprocess.Popen(
            argv,
            cwd=tree,
            env=env,
            stdin=stdin,
            stdout=sink,
            stderr=err,
            start_new_session=True,
            preexec_fn=_limits,
        )
        try:
            status: int | None = proc.wait(timeout=BUDGET)
        except subprocess.TimeoutExpired:
            status = None
        leftover = True
        try:  # the session's group: the tool, and any worker it forked and left behind
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            leftover = False
        proc.wait()
        out.seek(0)
        err.seek(0)
        return Run(
            argv,
            status,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            leftover and status is not None,
        )


# -- the verdict ---------------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SUMMARY = re.compile(
    r"^\d+ files? (would change|rewritten|not rewritten|to migrate), \d+ unchanged, \d+ errors?$"
)
STDERR_LINES = [
    re.compile(r"^msb-migrate: .+"),
    SUMMARY,
    re.compile(r"^rewrote .+ \(\d+ changes?: [^()]+\)$"),
    re.compile(r"^# .*"),
]
#: A usage error: one line (issue 14: every failure is one clear line).
USAGE = re.compile(r"^msb-migrate: error: .+ \(msb-migrate --help\)$")
DIFF_LINE = re.compile(r"^(--- |\+\+\+ |@@ |[ +\-\\#]|$)")


def _mode(args: tuple[str, ...]) -> str:
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in ("--dry-run", "--write", "--check")]
    return flags[0] if len(flags) == 1 else ("--dry-run" if not flags else "usage")


def _format(args: tuple[str, ...]) -> str:
    for i, arg in enumerate(args[:-1]):
        if arg == "--format":
            return args[i + 1]
    return "text"


def problems(
    example: Example,
    run: Run,
    before: dict[str, tuple[Any, ...]],
    after: dict[str, tuple[Any, ...]],
    outside: tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]],
    listing: tuple[list[str], list[str]],
) -> list[str]:
    """What this run did that it may not, one short class name each (with a detail)."""
    found: list[str] = []
    if run.status is None:
        return [f"hang: still running after {BUDGET:.0f} s"]
    fmt = _format(example.args)
    # a JSON/SARIF report may carry an internal error's traceback in its field, by design
    if "Traceback" in run.stderr or (fmt == "text" and "Traceback" in run.stdout):
        last = [line for line in run.stderr.splitlines() if line.strip()][-1:] or ["?"]
        found.append(f"traceback: {last[0][:160]}")
    if run.leftover:
        found.append("processes left running after the tool exited")
    sigpipe = example.stdout == "closed" and run.status == -signal.SIGPIPE
    if run.status not in (0, 1, 2) and not sigpipe:
        found.append(f"exit status {run.status}")
    mode = _mode(example.args)
    stderr = ANSI.sub("", run.stderr).split("\n")
    if stderr[-1:] == [""]:
        stderr.pop()
    usage = any(USAGE.match(line) for line in stderr)
    errors = [line for line in stderr if line.startswith("msb-migrate: error:")]
    if not found:
        for line in stderr:
            if not any(p.match(line) for p in STDERR_LINES):
                found.append(f"stderr line not the tool's own (a split message?): {line[:120]!r}")
                break
    if run.status == 2 and not errors:
        found.append("exit 2 without an error line")
    if run.status in (0, 1) and errors:
        found.append(f"exit {run.status} with an error line: {errors[0][:120]}")
    changed = _would_change(run, fmt, found) if example.stdout == "file" else None
    if run.status == 1 and mode != "--check":
        found.append(f"exit 1 without --check ({mode})")
    if run.status == 1 and mode == "--check" and changed is False:
        found.append("exit 1 with --check but nothing would change")
    if run.status == 0 and mode == "--check" and changed:
        found.append("exit 0 with --check although a file would change")
    stdin_mode = "-" in example.args
    diff_out = fmt == "text" and not usage and not (stdin_mode and mode in ("--write", "--dry-run"))
    if diff_out and example.stdout == "file":
        for line in ANSI.sub("", run.stdout).split("\n"):
            if not DIFF_LINE.match(line):
                found.append(f"stdout line outside the diff grammar: {line[:120]!r}")
                break
    if outside[0] != outside[1]:
        diff = sorted(set(outside[0].items()) ^ set(outside[1].items()))
        found.append(f"wrote outside the tree (sentinel): {diff[0][0]!r}")
    if listing[0] != listing[1]:
        found.append(f"wrote outside the tree (parent listing): {listing[1]}")
    found += _tree_changes(before, after, mode == "--write" and not stdin_mode)
    return found


def _would_change(run: Run, fmt: str, found: list[str]) -> bool | None:
    """Whether the output reports a file that would change (None: cannot tell)."""
    if fmt == "text":
        return "\n+++ " in f"\n{ANSI.sub('', run.stdout)}"
    if not run.stdout.strip():
        if run.status in (0, 1):
            found.append(f"no {fmt} document on standard output")
        return None
    try:
        doc = json.loads(run.stdout)
    except ValueError:
        found.append(f"{fmt} output does not parse")
        return None
    if fmt == "json":
        return bool(doc["summary"]["changed"])
    return None


def _tree_changes(
    before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]], writing: bool
) -> list[str]:
    if before == after:
        return []
    if not writing:
        moved = sorted(set(before) ^ set(after) | {k for k in before if before[k] != after.get(k)})
        return [f"changed the tree without --write: {moved[0]!r}"]
    out = []
    for rel in sorted(set(before) | set(after)):
        old, new = before.get(rel), after.get(rel)
        if old == new:
            continue
        name = rel.rsplit("/", 1)[-1]
        if old is None:
            assert new is not None
            if not name.endswith(".dockerignore") or not stat.S_ISREG(new[0]):
                out.append(f"--write created {rel!r} (a leftover temporary file?)")
        elif new is None:
            out.append(f"--write removed {rel!r}")
        elif old[:2] != new[:2]:
            out.append(f"--write changed the type or mode of {rel!r}")
        elif not stat.S_ISREG(old[0]):
            out.append(f"--write changed {rel!r}")
    return out


# -- the property --------------------------------------------------------------------------------


def _settings() -> Callable[[Any], Any]:
    examples_ = int(os.environ.get("MSB_FUZZ_EXAMPLES", EXAMPLES))
    return settings(
        max_examples=examples_,
        deadline=None,
        derandomize="MSB_FUZZ_SEED" not in os.environ,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _seed(func: Callable[..., Any]) -> Callable[..., Any]:
    value = os.environ.get("MSB_FUZZ_SEED")
    return seed(int(value))(func) if value else func


def _report(example: Example, run: Run, found: list[str], tree: list[str]) -> str:
    return "\n".join(
        [
            "the run broke the command line's contract:",
            *(f"  - {p}" for p in found),
            f"argv: {run.argv!r}",
            f"stdin: {example.stdin or '(none)'}  git: {example.git}  LC_ALL={example.locale}",
            f"tree: {tree!r}",
            f"exit status: {run.status}",
            f"stderr (tail):\n{run.stderr[-2000:]}",
            f"stdout (tail):\n{run.stdout[-1000:]}",
        ]
    )


def _log(example: Example, run: Run, found: list[str]) -> None:
    record = {
        "problems": found,
        "example": asdict(example),
        "status": run.status,
        "stderr": run.stderr[-3000:],
        "stdout": run.stdout[-1000:],
    }
    with open(os.environ["MSB_FUZZ_LOG"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=True) + "\n")


@contextlib.contextmanager
def _workspace() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="msb-fuzz-"))
    try:
        yield base
    finally:
        _unlock(base)
        shutil.rmtree(base, ignore_errors=True)


@_seed
@_settings()
@given(examples())
@example(
    example=Example(
        entries=(
            Entry(path=("src",), kind="dir", what="", mode=292),
            Entry(
                path=("Dockerfile",),
                kind="file",
                what="realworld:cpp/BUAA-SE-Compiling__miniplc0-compiler__Dockerfile.Dockerfile",
                mode=None,
            ),
        ),
        git="none",
        args=("--context", "src", "-"),
        stdin="/dev/zero",
        drop_caps=True,
        locale="C.UTF-8",
        stdout="file",
    ),
).via("discovered failure")
def test_cli_outcomes(example: Example) -> None:
    cli = _cli()
    if cli is None:
        pytest.skip("the msb-migrate console script is not installed")
    if not REALWORLD_FILES and required():
        unavailable(f"the real-world corpus is missing at {REALWORLD}")
    with _workspace() as base:
        tree, outside = base / "tree", base / "outside"
        _sentinel(outside, content_labels())
        _build(example, tree, outside)
        listing = sorted(os.listdir(base))
        sentinel = snapshot(outside)
        before = snapshot(tree)
        run = run_cli(cli, example, tree)
        found = problems(
            example,
            run,
            before,
            snapshot(tree),
            (sentinel, snapshot(outside)),
            (listing, sorted(os.listdir(base))),
        )
        if found and os.environ.get("MSB_FUZZ_LOG"):
            _log(example, run, found)
            return
        assert not found, _report(example, run, found, sorted(before))
