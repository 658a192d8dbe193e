"""The command line: ``msb-migrate [PATH]…`` (dry run, --write, --check, --branch/--push/
--open-pr) and ``msb-migrate verify PATH``. See docs/cli.md.

Exit codes: 0 nothing to do or done; 1 ``--check`` found files that would change, or a
verification failed; 2 usage, configuration or input errors and refusals (git, forge).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import pickle
import shlex
import signal
import stat
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from refactor.app.config import FLAVOURS, Config, ConfigError, load_config
from refactor.app.diffing import FileDiff, assign_explanations
from refactor.app.discover import Target, discover
from refactor.app.forge import FORGES, Forge, ForgeClient, detect_forge, token_from_env
from refactor.app.report import FileResult, commit_message, pr_body, summary, to_json, to_sarif
from refactor.engine.codemod import Codemod, Context, Options
from refactor.engine.runner import (
    CODEMOD_MODULES,
    available_codemods,
    run_codemods,
    select_codemods,
)
from refactor.errors import DockerfileSyntaxError, InputError, MsbError
from refactor.syntax.parser import MAX_BYTES, decode, parse

if TYPE_CHECKING:  # the Docker and git layers load when a command needs them (start-up time)
    from refactor.app.gitops import Workspace

# The single-repository steps that ``msb-migrate bulk`` reuses are public too.
__all__ = [
    "Publication",
    "Settings",
    "echo_diff",
    "main",
    "overrides_from",
    "plural",
    "process_target",
    "process_targets",
    "write_atomic",
]

PROG = "msb-migrate"
EXIT_CHANGED = 1
EXIT_ERROR = 2
STDIN = "-"
STDIN_NAME = "<stdin>"
PR_TITLE = "Migrate Dockerfiles to multi-stage builds"
#: From this many files on, the default is one worker process per CPU.
PARALLEL_FROM = 16


class Failure(Exception):
    """Stops the command with ``msb-migrate: error: <message>`` and exit status 2."""


def _error(message: str) -> None:
    click.echo(f"{PROG}: error: {message}", err=True)


def _fail(message: str) -> NoReturn:
    raise Failure(message)


def plural(n: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


# -- codemod selection and options -------------------------------------------------------------


@dataclass(frozen=True)
class Overrides:
    """What the command line sets; it wins over the configuration file."""

    codemods: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    runtime_flavour: str | None = None
    runtime_image: str | None = None
    syntax_directive: bool | None = None
    user_name: str | None = None
    user_uid: int | None = None

    def apply(self, config: Config) -> Config:
        """``config`` with what the command line sets (each field is a Config field)."""
        return config.merged(**{f.name: getattr(self, f.name) for f in fields(self)})


def _unknown(names: Iterable[str], valid: Iterable[str]) -> str | None:
    valid = list(valid)
    for name in names:
        if name not in valid:
            return f"unknown codemod '{name}' (valid: {', '.join(valid)})"
    return None


class Settings:
    """Codemods and options per Dockerfile directory (config files found upward, cached)."""

    def __init__(self, overrides: Overrides) -> None:
        self.overrides = overrides
        self._cache: dict[Path | None, tuple[list[Codemod], Options]] = {}
        self._configs: dict[Path, Config] = {}  # by directory: found once per run
        problem = _unknown(
            (*overrides.codemods, *overrides.enable, *overrides.skip), CODEMOD_MODULES
        )
        if problem:
            _fail(problem)

    def resolve(self, start: Path) -> tuple[list[Codemod], Options]:
        """The codemods and options for a Dockerfile in (or at) ``start``."""
        found = self._configs.get(start)
        if found is None:
            found = self._configs[start] = load_config(start)
        if found.source in self._cache:
            return self._cache[found.source]
        for key, names in (
            ("codemods", found.codemods),
            ("enable", found.enable),
            ("skip", found.skip),
        ):
            problem = _unknown(names, CODEMOD_MODULES)
            if problem and found.source is not None:
                raise ConfigError(found.source, problem, key)
        config = self.overrides.apply(found)
        codemods = select_codemods(config.codemods, config.skip, config.enable)
        values: dict[str, Any] = {
            "runtime_flavour": config.runtime_flavour,
            "runtime_image": config.runtime_image,
            "syntax_directive": config.syntax_directive,
            "user_name": config.user_name,
            "user_uid": config.user_uid,
        }
        options = Options(**{k: v for k, v in values.items() if v is not None})
        self._cache[found.source] = (codemods, options)
        return self._cache[found.source]


def _codemod_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options that choose and tune codemods, and Docker's (shared by both commands)."""
    decorators = [
        click.option(
            "-c",
            "--codemod",
            "codemods",
            multiple=True,
            metavar="NAME",
            help="Run only this codemod (repeatable).",
        ),
        click.option(
            "--skip", multiple=True, metavar="NAME", help="Do not run this codemod (repeatable)."
        ),
        click.option(
            "--enable",
            multiple=True,
            metavar="NAME",
            help="Also run this opt-in codemod (repeatable).",
        ),
        click.option(
            "--syntax-directive/--no-syntax-directive",
            default=None,
            help="Add '# syntax=docker/dockerfile:1' to files that change.",
        ),
        click.option(
            "--runtime-flavour",
            type=click.Choice(FLAVOURS),
            help="Kind of runtime image for new runtime stages.",
        ),
        click.option("--runtime-image", metavar="IMAGE", help="Runtime image to use."),
        click.option("--user-name", metavar="NAME", help="Name of the non-root user."),
        click.option(
            "--user-uid",
            type=click.IntRange(0, 2**31 - 1),
            metavar="UID",
            help="Uid of the non-root user.",
        ),
        click.option("--target", metavar="STAGE", help="The stage that is built and shipped."),
        click.option(
            "--context",
            "context_dir",
            metavar="DIR",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="Build context (default: each Dockerfile's directory).",
        ),
        click.option(
            "--docker",
            metavar="PATH",
            help="docker binary used to verify (default: $MSB_DOCKER, /usr/bin/docker).",
        ),
        click.option(
            "--smoke",
            metavar="CMD",
            help="When verifying, run CMD in both images and compare the outputs.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def overrides_from(params: dict[str, Any]) -> Overrides:
    """The codemod options given on the command line (they win over configuration files)."""
    return Overrides(
        codemods=tuple(params["codemods"]),
        skip=tuple(params["skip"]),
        enable=tuple(params["enable"]),
        runtime_flavour=params["runtime_flavour"],
        runtime_image=params["runtime_image"],
        syntax_directive=params["syntax_directive"],
        user_name=params["user_name"],
        user_uid=params["user_uid"],
    )


# -- processing ----------------------------------------------------------------------------------


def _display(path: Path) -> str:
    """``path`` relative to the current directory when below it (posix)."""
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _error_text(exc: MsbError) -> str:
    if isinstance(exc, InputError) and exc.line is not None:
        return f"{exc.path}:{exc.line}: {exc.problem}"
    return str(exc)


def _read_input(path: Path, display: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(display, f"file is too large ({size} bytes, limit {MAX_BYTES})")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(display, exc.strerror or str(exc)) from None


def _extra_files(
    report_files: dict[str, str], context: Path
) -> tuple[dict[Path, str], list[FileDiff]]:
    """Codemod-written files (relative to the context) that differ from what is on disk."""
    if not report_files:
        return {}, []
    root = context.resolve()
    extra: dict[Path, str] = {}
    diffs = []
    for rel, content in report_files.items():
        dest = (root / rel).resolve()
        if dest != root and root not in dest.parents:
            raise InputError(rel, f"refusing to write outside the build context {root}")
        try:
            old: str | None = dest.read_text(encoding="utf-8")
        except FileNotFoundError:
            old = None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(_display(dest), f"cannot read it to update it ({exc})") from None
        if old != content:
            extra[dest] = content
            diffs.append(FileDiff.of(_display(dest), old, content))
    return extra, diffs


def _process(
    display: str,
    real: Path | None,
    data: bytes,
    context: Path,
    settings: Settings,
    target: str | None,
) -> FileResult:
    """Migrate one Dockerfile's bytes; errors become the result's ``error``."""
    codemods, options = settings.resolve(real.parent if real else context)
    try:
        text = decode(data, display)
        tree = parse(text, display)
        ctx = Context(context_dir=context, dockerfile=real, options=options, target=target)
        report = run_codemods(tree, ctx, codemods)
        extra, extra_diffs = _extra_files(report.files, context)
    except (InputError, DockerfileSyntaxError) as exc:
        return FileResult(display, real, error=_error_text(exc))
    diffs = [FileDiff.of(display, text, report.output), *extra_diffs]
    return FileResult(display, real, report, diffs=diffs, extra=extra)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (temp file in the same directory + os.replace), keeping
    its mode bits (and owner when allowed); a new file gets the umask's default mode."""
    try:
        old: os.stat_result | None = path.stat()
    except FileNotFoundError:
        old = None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".msb-migrate", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if old is not None:
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
            if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(OSError):
                    os.chown(tmp, old.st_uid, old.st_gid)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- output -------------------------------------------------------------------------------------

_LINE_STYLES = {"-": {"fg": "red"}, "+": {"fg": "green"}, "\\": {"dim": True}}


def echo_diff(result: FileResult, verbose: bool, color: bool | None) -> None:
    """Print a result's diffs, each hunk with its explanations (and skips with verbose)."""

    lines: list[str] = []  # echoed at once: one echo per line costs more than the diff

    def out(text: str, **style: Any) -> None:
        lines.append(click.style(text, **style) if style else text)

    explanations = result.explanations
    for diff in result.diffs:
        if not diff.hunks:
            continue
        old, new = diff.header
        out(f"--- {old}", bold=True)
        out(f"+++ {new}", bold=True)
        for hunk, notes in zip(
            diff.hunks, assign_explanations(diff.hunks, explanations), strict=True
        ):
            for note in notes:
                out(f"# {note}", fg="yellow")
            out(hunk.header, fg="cyan")
            for line in hunk.lines:
                out(line, **_LINE_STYLES.get(line[:1], {}))
        explanations = []
    if verbose:
        if not result.changed and result.error is None:
            out(f"# {result.path}: unchanged", dim=True)
        for skip in result.skips:
            out(f"# {skip}", fg="magenta")
    if lines:
        click.echo("\n".join(lines), color=color)


def _emit_report(fmt: str, results: Sequence[FileResult]) -> None:
    doc = to_json(results) if fmt == "json" else to_sarif(results, available_codemods())
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))


def _summary(results: Sequence[FileResult], verb: str) -> str:
    counts = summary(results)
    changed = counts["changed"]
    return (
        f"{plural(changed, 'file')} {verb}, {counts['unchanged']} unchanged, "
        f"{plural(counts['errors'], 'error')}"
    )


# -- the main command ----------------------------------------------------------------------------


class _Main(click.Group):
    """``msb-migrate [OPTIONS] [PATH]…`` unless the first word is a subcommand (``verify``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands or args[0] == DEFAULT_COMMAND:
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


class _DefaultContext(click.Context):
    """The default command is shown as ``msb-migrate``, not ``msb-migrate migrate``."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent else PROG


DEFAULT_COMMAND = "migrate"


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Rewrite Dockerfiles into multi-stage builds."""


def _catch(func: Callable[..., None]) -> Callable[..., None]:
    """Turn msb-migrate's own errors into one ``msb-migrate: error:`` line and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except (Failure, MsbError) as exc:
            _error(str(exc))
            sys.exit(EXIT_ERROR)

    return wrapper


class _DefaultCommand(click.Command):
    context_class = _DefaultContext


@main.command(
    DEFAULT_COMMAND,
    hidden=True,
    cls=_DefaultCommand,
    epilog="See also: msb-migrate verify --help (build the original and the migrated file).",
)
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--dry-run", is_flag=True, help="Show the diffs, write nothing (the default).")
@click.option("--write", is_flag=True, help="Rewrite the files in place.")
@click.option("--check", is_flag=True, help="Exit 1 when a file would change.")
@click.option(
    "--exclude", multiple=True, metavar="GLOB", help="Leave out matching files (repeatable)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the diff (auto: only on a terminal).",
)
@click.option("--list-codemods", is_flag=True, help="List the codemods and exit.")
@click.option("--explain", metavar="NAME", help="Describe a codemod and exit.")
@click.option(
    "--branch",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[NAME]",
    help="Commit the result on a new branch (default msb-migrate/multi-stage) without "
    "touching the working tree, the index or HEAD.",
)
@click.option("--push", "remote", metavar="REMOTE", help="Push the branch to REMOTE.")
@click.option("--open-pr", is_flag=True, help="Open or update the pull request (needs --push).")
@click.option("--forge", type=click.Choice(FORGES), help="Forge (default: from the remote URL).")
@click.option("--forge-url", metavar="URL", help="API root (GitHub) or instance URL (GitLab).")
@click.option("--repo", "project", metavar="OWNER/NAME", help="Project on the forge.")
@click.option(
    "--verify",
    "do_verify",
    is_flag=True,
    help="Build original and migrated files first; refuse to write or publish when a build fails.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list the skips.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Migrate files in N processes: this one and N-1 forked workers (default: one per CPU "
    f"when there are at least {PARALLEL_FROM} files).",
)
@_codemod_options
@_catch
def migrate_cmd(**params: Any) -> None:
    """Rewrite Dockerfiles into multi-stage builds.

    PATH is a Dockerfile or a directory searched for Dockerfiles (default: the current
    directory); '-' reads standard input and writes the result to standard output.
    """
    if params["list_codemods"]:
        _list_codemods()
        return
    if params["explain"] is not None:
        _explain(params["explain"])
        return
    paths: tuple[str, ...] = params["paths"] or (".",)
    mode = _mode(params, paths)
    settings = Settings(overrides_from(params))
    color = {"auto": None, "always": True, "never": False}[params["color"]]
    if STDIN in paths:
        sys.exit(_run_stdin(params, mode, settings, color))
    targets = discover([Path(p) for p in paths], params["exclude"])
    for target in targets:  # every config file is read (and checked) before anything is done
        settings.resolve(target.real.parent)
    results = []
    for result in process_targets(targets, params, settings):
        if result.error:
            _error(result.error)
        results.append(result)
    sys.exit(_finish(results, params, mode, color))


def process_targets(
    targets: Sequence[Target], params: dict[str, Any], settings: Settings
) -> Iterable[FileResult]:
    """Each target's result, in order; many files are shared among processes (``-j``)."""
    jobs = params["jobs"] or (_usable_cpus() if len(targets) >= PARALLEL_FROM else 1)
    jobs = min(jobs, len(targets))
    if jobs <= 1 or not sys.platform.startswith("linux"):
        return (process_target(target, params, settings) for target in targets)
    return _shared(targets, params, settings, jobs)


def _shared(
    targets: Sequence[Target], params: dict[str, Any], settings: Settings, jobs: int
) -> list[FileResult]:
    """Migrate every ``jobs``-th file in this process and the others in ``jobs - 1`` forked
    workers (they start with the codemods loaded and the configuration read).

    Shares are fixed and interleaved, so there is no message per file; each worker sends its
    results back at once. A share whose worker cannot be started, fails or dies is migrated
    here, which then meets the same error (or result) a one-process run would.
    """
    shares = [range(first, len(targets), jobs) for first in range(jobs)]
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # a worker must not inherit (and repeat) pending output
    gc.freeze()  # the workers' garbage collector leaves the parent's objects (and pages) alone
    workers: list[tuple[int, int, range]] = []
    reaped: set[int] = set()
    local = [shares[0]]
    try:
        for share in shares[1:]:
            try:
                workers.append((*_fork_worker(targets, share, params, settings), share))
            except OSError:  # no process to spare: this one does it
                local.append(share)
        results: dict[int, FileResult] = {}
        for share in local:
            results.update((i, process_target(targets[i], params, settings)) for i in share)
        for pid, fd, share in workers:
            data = _read_all(fd)
            status = os.waitpid(pid, 0)[1]
            reaped.add(pid)
            found = _answer(data, status, len(share))
            if found is None:
                found = [process_target(targets[i], params, settings) for i in share]
            results.update(zip(share, found, strict=True))
    finally:
        for pid, fd, _ in workers:
            if pid not in reaped:  # interrupted: stop it
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
                    os.waitpid(pid, 0)
            os.close(fd)
        gc.unfreeze()
    return [results[i] for i in range(len(targets))]


def _fork_worker(
    targets: Sequence[Target], share: range, params: dict[str, Any], settings: Settings
) -> tuple[int, int]:
    """Fork a worker migrating ``share``; its pid and the pipe its results come from."""
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    if pid:
        os.close(write)
        return pid, read
    status = 1
    try:  # the worker: never returns to the caller
        os.close(read)
        results = [process_target(targets[i], params, settings) for i in share]
        with os.fdopen(write, "wb") as pipe:
            pickle.dump(results, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the parent's buffers


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(data: bytes, status: int, count: int) -> list[FileResult] | None:
    """A worker's results, or None when it failed (exit status, short or garbled answer)."""
    if status != 0:
        return None
    try:
        results = pickle.loads(data)
    except Exception:  # cut short
        return None
    return results if isinstance(results, list) and len(results) == count else None


def _usable_cpus() -> int:
    """The CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _mode(params: dict[str, Any], paths: Sequence[str]) -> str:
    """dry-run, write, check or branch; usage errors for combinations that make no sense."""
    chosen = [name for name in ("dry_run", "write", "check") if params[name]]
    publishing = params["branch"] is not None or params["remote"] or params["open_pr"]
    if len(chosen) > 1:
        raise click.UsageError("choose one of --dry-run, --write and --check")
    if params["open_pr"] and not params["remote"]:
        raise click.UsageError("--open-pr needs --push REMOTE")
    if (params["forge"] or params["forge_url"] or params["project"]) and not params["open_pr"]:
        raise click.UsageError("--forge, --forge-url and --repo go with --open-pr")
    if params["smoke"] and not params["do_verify"]:
        raise click.UsageError("--smoke goes with --verify (or use msb-migrate verify)")
    if publishing:
        if chosen:
            flag = chosen[0].replace("_", "-")
            raise click.UsageError(f"--{flag} cannot be combined with --branch")
        if STDIN in paths:
            raise click.UsageError("--branch cannot read standard input")
        return "branch"
    if STDIN in paths:
        if len(paths) > 1:
            raise click.UsageError("'-' (standard input) cannot be combined with other paths")
        return chosen[0].replace("_", "-") if chosen else "write"
    return chosen[0].replace("_", "-") if chosen else "dry-run"


def process_target(target: Target, params: dict[str, Any], settings: Settings) -> FileResult:
    display = _display(target.path)
    context = params["context_dir"] or target.real.parent
    try:
        data = _read_input(target.real, display)
    except InputError as exc:
        return FileResult(display, target.real, error=_error_text(exc))
    return _process(display, target.real, data, context, settings, params["target"])


def _run_stdin(params: dict[str, Any], mode: str, settings: Settings, color: bool | None) -> int:
    """``-``: the result goes to standard output (a diff with --dry-run/--check or a report)."""
    data = sys.stdin.buffer.read()
    context = params["context_dir"] or Path.cwd()
    result = _process(STDIN_NAME, None, data, context, settings, params["target"])
    if result.error:
        _error(result.error)
        return EXIT_ERROR
    if params["fmt"] != "text" or mode != "write":
        return _finish([result], params, "dry-run" if mode == "write" else mode, color)
    assert result.report is not None
    stdout = sys.stdout.buffer
    stdout.write(result.report.output.encode("utf-8"))
    stdout.flush()
    for path in result.extra:
        click.echo(f"{PROG}: not written (standard input mode): {_display(path)}", err=True)
    if params["verbose"]:
        for note in (*result.explanations, *result.skips):
            click.echo(f"# {note}", err=True)
    return 0


def _finish(
    results: list[FileResult], params: dict[str, Any], mode: str, color: bool | None
) -> int:
    """Verify, print, write or publish; return the exit status."""
    errors = any(r.error for r in results)
    changed = [r for r in results if r.changed]
    publication = None
    if mode == "branch":
        click.echo(_summary(results, "to migrate"), err=True)
        if errors:
            _fail("not publishing: some files could not be migrated (see above)")
        if not changed:
            click.echo("nothing to migrate; no branch created", err=True)
            return 0
        publication = Publication.prepare(changed, params)  # refusals before any build
    failed = params["do_verify"] and not _verify_all(results, params)
    if params["fmt"] != "text":
        _emit_report(params["fmt"], results)
    elif mode in ("dry-run", "check"):
        for result in results:
            if result.error is None:
                echo_diff(result, params["verbose"], color)
    if mode == "write":
        if failed:
            _error("verification failed; nothing written")
        else:
            for result in changed:
                _write_result(result)
        click.echo(_summary(results, "not rewritten" if failed else "rewritten"), err=True)
    elif publication is not None:
        if failed:
            _error("not publishing: verification failed")
        else:
            publication.run(results)
    elif mode != "branch":
        click.echo(_summary(results, "would change"), err=True)
    if errors:
        return EXIT_ERROR
    if failed or (mode == "check" and changed):
        return EXIT_CHANGED
    return 0


def _write_result(result: FileResult) -> None:
    assert result.report is not None and result.real is not None
    if result.report.output != result.report.original:
        write_atomic(result.real, result.report.output)
    for path, content in result.extra.items():
        write_atomic(path, content)
    names = ", ".join(result.codemods) or "no codemod"
    click.echo(
        f"rewrote {result.path} ({plural(len(result.explanations), 'change')}: {names})", err=True
    )


def _verify_all(results: Sequence[FileResult], params: dict[str, Any]) -> bool:
    from refactor.app.docker import DockerEngine
    from refactor.app.verify import render, verify

    engine = DockerEngine(params["docker"])
    reason = engine.unavailable_reason()
    if reason is not None:
        _fail(f"cannot verify: {reason}")
    smoke = shlex.split(params["smoke"]) if params["smoke"] else []
    ok = True
    for result in results:
        if not result.changed or result.report is None:
            continue
        context = params["context_dir"] or (result.real.parent if result.real else Path.cwd())
        result.verification = verify(
            engine,
            result.path,
            result.report.original,
            result.report.output,
            context,
            target=params["target"],
            smoke=smoke,
        )
        click.echo(render(result.verification), err=True)
        ok = ok and result.verification.ok
    return ok


def _forge(params: dict[str, Any], remote_url: str) -> Forge:
    detected = detect_forge(remote_url)
    kind = params["forge"] or (detected.kind if detected else None)
    if kind is None:
        _fail(
            f"cannot tell the forge from the remote URL {remote_url!r}; "
            "use --forge, --forge-url and --repo"
        )
    same = detected is not None and detected.kind == kind
    api = params["forge_url"] or (detected.api_url if same and detected else None)
    if api is None:
        api = "https://api.github.com" if kind == "github" else "https://gitlab.com"
    project = params["project"] or (detected.project if detected else None)
    if not project or "/" not in project:
        _fail("cannot tell the project from the remote URL; use --repo OWNER/NAME")
    return Forge(kind, api, project)


@dataclass
class Publication:
    """A checked plan for --branch/--push/--open-pr: what to commit where."""

    workspace: Workspace
    branch: str
    files: dict[Path, str]
    remote: str | None
    pull_request: tuple[ForgeClient, str] | None  # client and base branch

    @classmethod
    def prepare(cls, changed: list[FileResult], params: dict[str, Any]) -> Publication:
        """Everything that can refuse without building or committing: the repository, dirty
        files, the forge, the token and the base branch."""
        from refactor.app.gitops import Workspace

        first = changed[0].real
        assert first is not None
        workspace = Workspace(first.parent)
        files: dict[Path, str] = {}
        for result in changed:
            assert result.report is not None and result.real is not None
            if result.report.output != result.report.original:
                files[result.real] = result.report.output
            files.update(result.extra)
        workspace.check_committed(list(files))
        pull_request = None
        if params["open_pr"]:
            forge = _forge(params, workspace.remote_url(params["remote"]))
            base = workspace.current_branch()
            if base is None:
                _fail("cannot open a pull request from a detached HEAD: check out the base branch")
            pull_request = (ForgeClient(forge, token_from_env(forge.kind)), base)
        branch = params["branch"] or load_config(first.parent).default_branch
        return cls(workspace, branch, files, params["remote"], pull_request)

    def run(self, results: list[FileResult]) -> None:
        update = self.workspace.publish(
            self.branch, self.files, commit_message(results), self.remote
        )
        verb = {"created": "created", "updated": "updated", "up to date": "is up to date:"}
        click.echo(f"branch {self.branch} {verb[update.status]} {update.commit[:12]}", err=True)
        if update.pushed:
            click.echo(f"{self.remote}: {update.pushed} {self.branch}", err=True)
        if self.pull_request is not None:
            client, base = self.pull_request
            pr = client.open_or_update(self.branch, base, PR_TITLE, pr_body(results))
            what = "opened" if pr.created else "updated"
            click.echo(f"{what} pull request #{pr.number}: {pr.url}", err=True)


def _headline(description: str, width: int = 72) -> str:
    """The first line of a description, cut at a word boundary to ``width`` characters."""
    first = description.strip().splitlines()[0] if description.strip() else ""
    if len(first) <= width:
        return first
    return first[: width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _list_codemods() -> None:
    codemods = available_codemods()
    width = max((len(c.name) for c in codemods), default=0)
    for codemod in codemods:
        state = "on " if codemod.default else "off"
        click.echo(f"{codemod.name.ljust(width)}  {state}  {_headline(codemod.description)}")


def _explain(name: str) -> None:
    codemods = {c.name: c for c in available_codemods()}
    if name not in codemods:
        _fail(f"unknown codemod '{name}' (valid: {', '.join(codemods)})")
    codemod = codemods[name]
    state = "on by default" if codemod.default else f"off by default (--enable {name})"
    click.echo(f"{name} ({state})\n")
    click.echo(textwrap.fill(" ".join(codemod.description.split()), width=88))


# -- verify --------------------------------------------------------------------------------------


@main.command("verify")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--stages",
    is_flag=True,
    help="Also build each stage of the migrated file (--target) and report its size.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@_codemod_options
@_catch
def verify_cmd(path: Path, **params: Any) -> None:
    """Build PATH as it is and as migrated with the local Docker engine and compare the images:
    size, layers, the user each runs as and, with --smoke CMD, the output of CMD in both;
    with --stages, the size of each stage of the migrated file.

    Exit status 1 when a build (a stage's too, with --stages) fails or the smoke outputs differ.
    """
    from refactor.app.docker import DockerEngine
    from refactor.app.verify import render, verify

    settings = Settings(overrides_from(params))
    engine = DockerEngine(params["docker"])
    reason = engine.unavailable_reason()
    if reason is not None:
        _fail(f"cannot verify: {reason}")
    smoke = shlex.split(params["smoke"]) if params["smoke"] else []
    targets = discover([path])
    if not targets:
        _fail(f"{path}: no Dockerfile found")
    failed = False
    entries: list[dict[str, Any]] = []
    for target in targets:
        result = process_target(target, params, settings)
        if result.error is not None:
            _fail(result.error)
        assert result.report is not None
        if not result.changed:
            if params["fmt"] == "json":
                entries.append({"path": result.path, "status": "unchanged"})
            else:
                click.echo(f"{result.path}: unchanged by the selected codemods; nothing to verify")
            continue
        context = params["context_dir"] or target.real.parent
        outcome = verify(
            engine,
            result.path,
            result.report.original,
            result.report.output,
            context,
            target=params["target"],
            smoke=smoke,
            stages=params["stages"],
        )
        if params["fmt"] == "json":
            status = "verified" if outcome.ok else "failed"
            entries.append({"status": status, **outcome.as_json()})
        else:
            click.echo(render(outcome))
        failed = failed or not outcome.ok
    if params["fmt"] == "json":
        click.echo(json.dumps({"files": entries}, indent=2, ensure_ascii=False))
    sys.exit(EXIT_CHANGED if failed else 0)


# -- bulk ----------------------------------------------------------------------------------------


@main.command("bulk")
@click.argument("repos", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the clones, the state and the report go (default: ./.msb-migrate-workspace).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The JSON report (default: <workspace>/report.json).",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Parallel jobs."
)
@click.option("--shard", metavar="K/N", help="Migrate only the K-th of N shares (1-based).")
@click.option("--resume", is_flag=True, help="Skip the repositories the last run finished.")
@click.option("--dry-run", is_flag=True, help="Report the diffs, publish nothing (the default).")
@click.option(
    "--exclude", multiple=True, metavar="GLOB", help="Leave out matching files (repeatable)."
)
@click.option(
    "--branch",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[NAME]",
    help="Commit the result on a new branch (default msb-migrate/multi-stage) in each clone.",
)
@click.option("--push", "remote", metavar="REMOTE", help="Push the branch to REMOTE (origin).")
@click.option("--open-pr", is_flag=True, help="Open or update the pull request (needs --push).")
@click.option("--forge", type=click.Choice(FORGES), help="Forge (default: from the remote URL).")
@click.option("--forge-url", metavar="URL", help="API root (GitHub) or instance URL (GitLab).")
@click.option("-v", "--verbose", is_flag=True, help="Also list the skips in the diffs.")
@_codemod_options
@_catch
def bulk_cmd(repos: Path, **params: Any) -> None:
    """Migrate many repositories: REPOS is a file of clone URLs or paths (one a line, '#'
    comments) or a directory of repositories. Each is cloned (--depth 1) into the workspace
    and migrated there; see docs/bulk.md.

    Exit status 2 when a repository failed.
    """
    from refactor.app.bulk import run_bulk  # imports this module: loaded when used

    sys.exit(run_bulk(repos, params))


for _param in bulk_cmd.params:  # shared with the other commands, rejected by bulk
    if isinstance(_param, click.Option) and _param.name in ("context_dir", "docker", "smoke"):
        _param.hidden = True
