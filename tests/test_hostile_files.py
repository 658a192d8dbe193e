"""Hostile and careless files through the real command line (issue 14, items 6 and 10-15;
issue 13's discovery): no write outside the tree, no lost edit, no hang, no traceback, and no
wrong answer. Each test reproduces one report; tests that need root tricks (a tmpfs, a
read-only mount) or a non-root user skip when they cannot run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docker_env import PYTHON_APP
from test_cli import install_codemod

import refactor.app.cli as cli
from refactor.app.cli import main
from refactor.app.report import FileResult
from refactor.engine.codemod import Codemod, Context
from refactor.engine.codemod import Result as CodemodResult
from refactor.syntax.parser import MAX_BYTES
from refactor.syntax.tree import Dockerfile

GO_APP = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD ["/app"]\n'
SCRIPT = shutil.which("msb-migrate")
#: The documented name of msb-migrate's temporary files (docs: .<name>.msb-migrate-<pid>-<random>.tmp).
TEMP_PATTERN = re.compile(r"^\..+\.msb-migrate-\d+-\w+\.tmp$")


def invoke(*args: str, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(main, ["--color", "never", *args], input=input)


def errors(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("msb-migrate: error")]


def assert_clean(result: Result) -> None:
    """No traceback, and the exception (if any) is the exit."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output


def run_script(
    *args: str, cwd: Path, timeout: float = 60, **kw: object
) -> subprocess.CompletedProcess[str]:
    if SCRIPT is None:
        pytest.skip("msb-migrate is not installed")
    capture: dict[str, object] = (
        {"stderr": subprocess.PIPE}
        if "stdout" in kw
        else {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    )
    return subprocess.run(
        [SCRIPT, "--color", "never", *args],
        cwd=cwd,
        text=True,
        timeout=timeout,
        check=False,
        **capture,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Python app the default codemods change, as the current directory."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "Dockerfile").write_text(PYTHON_APP)
    (root / "requirements.txt").write_text("flask==3.0.0\n")
    (root / "app.py").write_text("print('hi')\n")
    monkeypatch.chdir(root)
    return root


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# -- 6. symbolic links out of the tree -----------------------------------------------------------


def test_dockerfile_linked_outside_is_refused_and_said(app: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text(PYTHON_APP)
    (outside / "requirements.txt").write_text("flask\n")
    (app / "Dockerfile").unlink()
    (app / "Dockerfile").symlink_to(outside / "Dockerfile")
    before = tree_bytes(outside)
    for args in (["Dockerfile"], ["."]):  # named, and found by a directory walk
        result = invoke("--write", "--enable", "dockerignore", *args)
        assert_clean(result)
        assert result.exit_code == 2
        [line] = errors(result)
        assert line.startswith("msb-migrate: error: Dockerfile: a symbolic link to ")
        assert "outside" in line
    assert tree_bytes(outside) == before  # nothing written there, no .dockerignore created


# -- 10. lost edits ------------------------------------------------------------------------------


def _edit_after_reading(monkeypatch: pytest.MonkeyPatch, edit: object) -> None:
    """Run ``edit(result)`` after each file is migrated, before anything is written."""
    real = cli.migrate

    def migrate(targets: object, options: object) -> Iterator[FileResult]:
        for result in real(targets, options):  # type: ignore[arg-type]
            edit(result)  # type: ignore[operator]
            yield result

    monkeypatch.setattr(cli, "migrate", migrate)


def test_file_edited_during_the_run_is_not_overwritten(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (app / "other").mkdir()
    (app / "other" / "Dockerfile").write_text(PYTHON_APP)
    edited = PYTHON_APP + "# edited by hand meanwhile\n"

    def edit(result: FileResult) -> None:
        if result.path == "Dockerfile":
            (app / "Dockerfile").write_text(edited)

    _edit_after_reading(monkeypatch, edit)
    result = invoke("--write")
    assert_clean(result)
    assert result.exit_code == 2
    assert errors(result) == [
        "msb-migrate: error: Dockerfile: changed since msb-migrate read it; not written (run again)"
    ]
    assert (app / "Dockerfile").read_text() == edited  # the edit survives
    assert (app / "other" / "Dockerfile").read_text() != PYTHON_APP  # the other file is written


def test_concurrent_write_runs_do_not_lose_changes(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def other_run(result: FileResult) -> None:  # another run writes while this one works
        done = run_script("--write", "-c", "cache-mounts", ".", cwd=app)
        assert done.returncode == 0, done.stderr

    _edit_after_reading(monkeypatch, other_run)
    result = invoke("--write", "-c", "non-root-user")
    assert_clean(result)
    assert result.exit_code == 2
    assert "changed since msb-migrate read it" in errors(result)[0]
    assert "--mount=type=cache" in (app / "Dockerfile").read_text()  # the other run's change


# -- 11. two outputs, one file -------------------------------------------------------------------


def test_dockerignore_linked_to_the_dockerfile_is_refused(app: Path) -> None:
    (app / ".dockerignore").symlink_to("Dockerfile")
    result = invoke("--write", "--enable", "dockerignore")
    assert_clean(result)
    assert result.exit_code == 2
    assert errors(result) == [
        "msb-migrate: error: .dockerignore: is the Dockerfile itself (Dockerfile); "
        "refusing to write both"
    ]
    assert (app / "Dockerfile").read_text() == PYTHON_APP


# -- 12. temporary files of a killed run --------------------------------------------------------


def test_a_killed_write_leaves_a_named_temp_file_the_next_run_removes(app: Path) -> None:
    if SCRIPT is None:
        pytest.skip("msb-migrate is not installed")
    killed = subprocess.run(  # dies (SIGKILL) between writing the temp file and the rename
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
            "from refactor.app.cli import main\n"
            "sys.argv = ['msb-migrate', '--write', '.']\n"
            "main()\n",
        ],
        cwd=app,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert killed.returncode == -9
    [left] = [p for p in app.iterdir() if p.name.startswith(".Dockerfile.")]
    assert TEMP_PATTERN.match(left.name), left.name
    assert (app / "Dockerfile").read_text() == PYTHON_APP
    past = time.time() - 60
    os.utime(left, (past, past))
    dry = invoke()
    assert f"temporary file of another msb-migrate run: {left.name}" in dry.stderr
    assert left.exists()  # a dry run only says so
    written = invoke("--write")
    assert written.exit_code == 0, written.output
    assert f"removed a temporary file a killed run left: {left.name}" in written.stderr
    assert not left.exists()


def test_a_live_runs_temp_file_is_kept(app: Path) -> None:
    live = app / f".Dockerfile.msb-migrate-{os.getppid()}-abcd1234.tmp"
    live.write_text("half")
    result = invoke("--write")
    assert result.exit_code == 0
    assert live.exists() and "temporary file of another msb-migrate run" in result.stderr


# -- 13. hangs and unbounded reads ---------------------------------------------------------------


def test_fifo_named_like_a_dockerfile_never_blocks(app: Path) -> None:
    os.mkfifo(app / "api.Dockerfile")
    for args in (["api.Dockerfile"], ["."]):
        done = run_script("--check", *args, cwd=app, timeout=30)  # a hang fails here
        assert done.returncode == 2, done.stderr
        assert "msb-migrate: error: api.Dockerfile: not a regular file" in done.stderr


def test_device_and_endless_stdin_stop_at_the_limit(app: Path) -> None:
    zero = run_script("/dev/zero", cwd=app, timeout=30)
    assert zero.returncode == 2 and "/dev/zero: not a regular file" in zero.stderr
    with subprocess.Popen(["yes"], stdout=subprocess.PIPE) as yes:
        try:
            done = run_script("-", cwd=app, timeout=120, stdin=yes.stdout)
        finally:
            yes.kill()
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"msb-migrate: error: <stdin>: file is too large (over {MAX_BYTES} bytes)"
    )


# -- 14. one line, exit 2 ------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tmpfs needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {made.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_read_only_directory_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() != 0:
        root = tmp_path / "ro"
        root.mkdir()
        (root / "Dockerfile").write_text(GO_APP)
        root.chmod(0o555)
        manager: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    else:
        manager = tmpfs(tmp_path / "ro", "1m")
    with manager:
        root = tmp_path / "ro"
        if os.geteuid() == 0:
            (root / "Dockerfile").write_text(GO_APP)
            remount = ["mount", "-o", "remount,ro", str(root)]
            if subprocess.run(remount, capture_output=True, check=False).returncode:
                pytest.skip("cannot remount the tmpfs read-only")
        monkeypatch.chdir(root)
        result = invoke("--write")
        assert_clean(result)
        assert result.exit_code == 2
        [line] = errors(result)
        assert line.startswith("msb-migrate: error: ") and "cannot write" in line
        assert (root / "Dockerfile").read_text() == GO_APP


def test_disk_full_is_one_line_and_keeps_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmpfs(tmp_path / "full", "64k") as root:
        (root / "Dockerfile").write_text(GO_APP)
        with contextlib.suppress(OSError), (root / "filler").open("wb") as fh:
            while True:
                fh.write(b"x" * 4096)
                fh.flush()
        monkeypatch.chdir(root)
        result = invoke("--write")
        assert_clean(result)
        assert result.exit_code == 2
        [line] = errors(result)
        assert "No space left on device" in line and "the original is unchanged" in line
        assert (root / "Dockerfile").read_text() == GO_APP
        assert not [p for p in root.iterdir() if TEMP_PATTERN.match(p.name)]


def test_non_utf8_config_is_one_line(app: Path) -> None:
    (app / ".msb-migrate.toml").write_bytes(b"\xff\xfe runtime = 1\n")
    result = invoke()
    assert_clean(result)
    assert result.exit_code == 2
    [line] = errors(result)
    assert ".msb-migrate.toml: not valid UTF-8" in line


def test_unbalanced_quote_in_smoke_is_one_line(app: Path) -> None:
    for args in (["--verify", "--smoke", 'echo "hi'], ["verify", "--smoke", "echo 'hi", "."]):
        result = CliRunner().invoke(main, args)
        assert_clean(result)
        assert result.exit_code == 2
        assert errors(result) == [
            f"msb-migrate: error: --smoke {args[-2 if args[0] == 'verify' else -1]!r}: no closing quotation"
        ]


def test_docker_printing_no_json_for_inspect_is_one_line(app: Path, tmp_path: Path) -> None:
    fake = tmp_path / "docker"
    fake.write_text(
        textwrap.dedent(
            """\
            #!/bin/sh
            case "$1 $2" in
              "version "*) echo "20.10.0 20.10.0"; exit 0;;
              "image inspect") echo "WARNING: not JSON at all"; exit 0;;
            esac
            while [ $# -gt 0 ]; do
              if [ "$1" = --iidfile ]; then echo sha256:0123 > "$2"; fi; shift
            done
            exit 0
            """
        )
    )
    fake.chmod(0o755)
    result = CliRunner().invoke(main, ["verify", "--docker", str(fake), "."])
    assert_clean(result)
    assert result.exit_code == 2  # the engine's fault, not a verdict on the images (that is 1)
    assert "printed no JSON" in result.output


# -- 15. wrong answers ---------------------------------------------------------------------------


def test_unreadable_directory_is_reported(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = app / "locked"
    locked.mkdir()
    (locked / "Dockerfile").write_text(GO_APP)
    if os.geteuid() == 0:  # root reads anything: the walk meets the refusal it would get
        real_scandir = os.scandir

        def scandir(path: str | os.PathLike[str]) -> object:
            if Path(path).name == "locked":
                raise PermissionError(13, "Permission denied")
            return real_scandir(path)

        monkeypatch.setattr("refactor.app.discover.os.scandir", scandir)
    else:
        locked.chmod(0)
    try:
        result = invoke("--check")
    finally:
        locked.chmod(0o755)
    assert_clean(result)
    assert result.exit_code == 2
    assert "msb-migrate: error: locked: cannot read the directory: Permission denied" in errors(
        result
    )
    assert result.stderr.splitlines()[-1].endswith("1 error")


@pytest.mark.parametrize(
    "text",
    ["hello world\n", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/bin/sh\n"],
    ids=["hello", "passwd"],
)
def test_a_file_that_is_not_a_dockerfile_is_an_error(app: Path, text: str) -> None:
    (app / "Dockerfile").write_text(text)
    result = invoke("--check")
    assert_clean(result)
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.startswith("msb-migrate: error: Dockerfile:1: not a Dockerfile")


def test_passwd_through_a_symlink_is_not_read(app: Path) -> None:
    (app / "Dockerfile").unlink()
    (app / "Dockerfile").symlink_to("/etc/passwd")
    result = invoke("--check")
    assert result.exit_code == 2
    assert "outside" in errors(result)[0] and "root:" not in result.output


def test_a_newline_in_a_file_name_is_quoted_in_the_diff(app: Path) -> None:
    (app / "Dockerfile").rename(app / "x\ny.Dockerfile")
    result = invoke(".")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == ['--- "a/x\\ny.Dockerfile"', '+++ "b/x\\ny.Dockerfile"']
    diff = json.loads(invoke("--format", "json").stdout)["files"][0]["diff"]
    patch = subprocess.run(
        ["git", "apply", "--check", "-"], input=diff, text=True, cwd=app, check=False
    )
    assert patch.returncode == 0  # git reads the quoted name back


class Crasher(Codemod):
    name = "hostile-crasher"
    description = "Test codemod."
    default = False

    def transform(self, tree: Dockerfile, ctx: Context) -> CodemodResult:
        raise RuntimeError("boom")


def test_internal_error_is_always_said_and_fails_check(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = install_codemod(monkeypatch, Crasher)
    monkeypatch.delenv("MSB_DEBUG", raising=False)
    for mode in ("--check", "--write", "--dry-run"):
        result = invoke(mode, "--enable", name)
        assert_clean(result)
        assert result.exit_code == 2, (mode, result.output)
        assert (
            "msb-migrate: error: Dockerfile: internal error in codemod hostile-crasher (MSB003): "
            "RuntimeError('boom') (its change is left out; MSB_DEBUG=1 shows the traceback)"
        ) in errors(result)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.parametrize("branch", ["@", "refs/heads/x", "HEAD", "@{-1}"])
def test_branch_names_git_would_misread_are_refused(app: Path, branch: str) -> None:
    _git(app, "init", "-q", "-b", "main")
    _git(app, "-c", "user.name=t", "-c", "user.email=t@x", "add", ".")
    _git(app, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "init")
    result = invoke(f"--branch={branch}")
    assert_clean(result)
    assert result.exit_code == 2
    assert "branch name" in errors(result)[-1]
    refs = _git(app, "for-each-ref", "--format=%(refname)").split()
    assert refs == ["refs/heads/main"]


def test_runtime_image_must_be_an_image_reference(app: Path) -> None:
    result = invoke("--runtime-image", "python:3.11-slim AS builder")
    assert_clean(result)
    assert result.exit_code == 2
    assert "is not an image reference" in errors(result)[0]
    (app / ".msb-migrate.toml").write_text('runtime-image = "python:3.11-slim AS builder"\n')
    from_file = invoke()
    assert from_file.exit_code == 2 and "must be an image reference" in errors(from_file)[0]


def test_extra_from_words_are_refused_as_buildkit_does(app: Path) -> None:
    (app / "Dockerfile").write_text(
        PYTHON_APP.replace("python:3.11", "python:3.11 # msb-migrate: skip")
    )
    result = invoke("--check")
    assert_clean(result)
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.startswith("msb-migrate: error: Dockerfile:1: FROM takes an image")


def test_utf16_file_says_convert(app: Path) -> None:
    (app / "Dockerfile").write_bytes(PYTHON_APP.encode("utf-16"))
    result = invoke("--check")
    assert result.exit_code == 2
    assert errors(result) == [
        "msb-migrate: error: Dockerfile: UTF-16 text: convert it to UTF-8 (BuildKit reads UTF-8 only)"
    ]


def test_opt_out_typo_is_a_warning_with_the_closest_name(app: Path) -> None:
    text = PYTHON_APP.replace("RUN pip", "# msb-migrate: skip=cache-mount\nRUN pip")
    (app / "Dockerfile").write_text(text)
    result = invoke()
    assert result.exit_code == 0
    assert (
        "msb-migrate: warning: Dockerfile:4: unknown codemod 'cache-mount' in the opt-out "
        "(did you mean 'cache-mounts'?)"
    ) in result.stderr.splitlines()
    doc = json.loads(invoke("--format", "json").stdout)
    assert doc["files"][0]["warnings"] == [
        "Dockerfile:4: unknown codemod 'cache-mount' in the opt-out (did you mean 'cache-mounts'?)"
    ]


def test_origin_head_naming_a_missing_branch_is_not_empty(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    (origin / "Dockerfile").write_text(GO_APP)
    _git(origin, "init", "-q", "-b", "trunk")
    _git(origin, "add", ".")
    _git(origin, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "init")
    _git(origin, "symbolic-ref", "HEAD", "refs/heads/gone")
    repos = tmp_path / "repos.txt"
    repos.write_text(f"{origin}\n")
    result = CliRunner().invoke(main, ["bulk", str(repos), "--workspace", str(tmp_path / "ws")])
    assert_clean(result)
    report = json.loads((tmp_path / "ws" / "report.json").read_text())
    [entry] = report["repositories"]
    assert "empty" not in entry["reason"]
    assert entry["reason"] == (
        "the origin's HEAD names branch gone, which does not exist (branches: trunk)"
    )


# -- issue 13: the names docker build reads -----------------------------------------------------


def test_lowercase_dockerfile_is_found(app: Path) -> None:
    (app / "Dockerfile").rename(app / "dockerfile")
    doc = json.loads(invoke("--format", "json").stdout)
    assert [f["path"] for f in doc["files"]] == ["dockerfile"]


# -- the fuzz run's findings (tests/test_fuzz_cli.py; F1-F7) -------------------------------------


def run_obeying_modes(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command, run so that permission bits stop it: as this user when not root,
    else as root without ``CAP_DAC_OVERRIDE``/``CAP_DAC_READ_SEARCH`` (``setpriv``)."""
    if SCRIPT is None:
        pytest.skip("msb-migrate is not installed")
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root ignores permission bits and setpriv is missing")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run(
        [*prefix, SCRIPT, "--color", "never", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_f1_a_dockerfile_in_a_directory_that_cannot_be_entered_is_one_line(app: Path) -> None:
    sub = app / "sub"
    sub.mkdir()
    (sub / "Dockerfile").write_text(GO_APP)
    sub.chmod(0o644)  # listable, not enterable
    try:
        named = run_obeying_modes("sub/Dockerfile", cwd=app)
        walked = run_obeying_modes("--check", ".", cwd=app)
    finally:
        sub.chmod(0o755)
    for done in (named, walked):
        assert "Traceback" not in done.stderr
        assert done.returncode == 2, done.stderr
        assert (
            "msb-migrate: error: sub/Dockerfile: cannot read it: Permission denied"
            in done.stderr.splitlines()
        )
    assert walked.stderr.splitlines()[-1] == "1 file would change, 0 unchanged, 1 error"


def test_f2_a_newline_in_a_name_never_splits_a_message(app: Path) -> None:
    odd = app / "x\ny"
    odd.mkdir()
    (app / "Dockerfile").rename(odd / "Dockerfile")
    (odd / "bad\tname.Dockerfile").write_text("hello world\n")
    shutil.copy(app / "requirements.txt", odd)
    result = invoke("--write", "-v", ".")
    assert_clean(result)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        "msb-migrate: x\\ny/Dockerfile: configuration: none (defaults and the command line)",
        "msb-migrate: x\\ny/bad\\tname.Dockerfile: configuration: none (defaults and the command "
        "line)",
        "msb-migrate: error: x\\ny/bad\\tname.Dockerfile:1: not a Dockerfile (starts with "
        "'hello', not FROM)",
    ]
    assert re.fullmatch(r"rewrote x\\ny/Dockerfile \(\d+ changes: [a-z, -]+\)", lines[3])
    assert lines[-1] == "1 file rewritten, 0 unchanged, 1 error"


@pytest.mark.parametrize("args", [["Dockerfile.x"], ["."]], ids=["named", "walked"])
def test_f3_a_symlink_loop_is_one_line(app: Path, args: list[str]) -> None:
    (app / "Dockerfile.x").symlink_to("Dockerfile.x")
    result = invoke("--check", *args)
    assert_clean(result)
    assert result.exit_code == 2
    assert "msb-migrate: error: Dockerfile.x: a symbolic link loop; not followed" in errors(result)


@pytest.mark.parametrize(
    "args",
    [[], ["--format", "json"], ["--format", "sarif"], ["-", "<"]],
    ids=["diff", "json", "sarif", "stdin"],
)
def test_f4_a_full_disk_on_standard_output_is_one_line(app: Path, args: list[str]) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    stdin = None
    if args[-1:] == ["<"]:
        args, stdin = args[:-1], (app / "Dockerfile").open("rb")
    with open("/dev/full", "w") as full, stdin or contextlib.nullcontext():
        done = run_script(*args, cwd=app, stdout=full, stdin=stdin)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.returncode == 2, done.stderr
    assert (
        "msb-migrate: error: cannot write to standard output: No space left on device"
        in done.stderr.splitlines()
    )


@pytest.mark.parametrize("args", [[], ["--check"], ["--format", "json"]])
def test_f5_standard_output_closed_early_ends_as_sigpipe_never_1(
    app: Path, args: list[str]
) -> None:
    read, write = os.pipe()
    os.close(read)  # nobody reads: the first write fails with EPIPE
    try:
        done = run_script(*args, cwd=app, stdout=write)
    finally:
        os.close(write)
    assert done.returncode == -signal.SIGPIPE, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "error" not in done.stderr


def test_f6_a_name_that_is_not_utf8_is_shown_with_its_bytes(app: Path) -> None:
    odd = os.path.join(os.fsencode(app), b"\xfe")
    os.mkdir(odd)
    os.rename(os.fsencode(app / "Dockerfile"), os.path.join(odd, b"app.Dockerfile"))
    diff = run_script(cwd=app)
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.splitlines()[:2] == [
        '--- "a/\\376/app.Dockerfile"',
        '+++ "b/\\376/app.Dockerfile"',
    ]
    doc = json.loads(run_script("--format", "json", cwd=app).stdout)
    assert [f["path"] for f in doc["files"]] == ["\\376/app.Dockerfile"]
    sarif = json.loads(run_script("--format", "sarif", cwd=app).stdout)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert uris == {"%FE/app.Dockerfile"}
    verbose = run_script("-v", cwd=app)
    assert "msb-migrate: \\376/app.Dockerfile: configuration: none" in verbose.stderr


@pytest.mark.parametrize("git", [True, False], ids=["repository", "directory"])
def test_f7_a_symlinked_directory_given_as_path_is_not_written_through(
    tmp_path: Path, git: bool
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text(GO_APP)
    tree = tmp_path / "tree"
    tree.mkdir()
    if git:
        _git(tree, "init", "-q")
    (tree / "link").symlink_to("../outside")
    done = run_script("--write", "link", cwd=tree)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"msb-migrate: error: link/Dockerfile: reached through a symbolic link: "
        f"{outside / 'Dockerfile'}, outside {tree}: not read, not written"
    )
    assert (outside / "Dockerfile").read_text() == GO_APP
    inner = tree / "sub"  # a link that stays inside the tree is followed
    inner.mkdir()
    (inner / "Dockerfile").write_text(GO_APP)
    (tree / "inner").symlink_to("sub")
    ok = run_script("--write", "inner", cwd=tree)
    assert ok.returncode == 0, ok.stderr
    assert (inner / "Dockerfile").read_text() != GO_APP


def test_a_symlink_loop_in_the_build_context_is_read_as_nothing(tmp_path: Path) -> None:
    """Links that lead to each other (``a`` → ``b`` → ``a``) or into their own folder: every
    codemod's view of the context skips them, instead of raising, and the run goes on."""
    from refactor.engine.codemod import Context

    (tmp_path / "Dockerfile").write_text(PYTHON_APP)
    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "loop").symlink_to("../d")
    ctx = Context(context_dir=tmp_path)
    found = ctx.glob("**/*")
    assert {"Dockerfile", "app.py", "requirements.txt"} <= set(found)
    assert "a" not in found and "b" not in found and found == sorted(set(found))
    assert ctx.read("a") is None and not ctx.exists("b")
    result = CliRunner().invoke(main, ["--dry-run", "-v", "--color", "never", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output and "1 file would change" in result.stderr
