"""The command line: ``msb-migrate [PATH]…`` (dry run, --write, --check, --branch/--push/
--open-pr), ``msb-migrate verify PATH``, ``msb-migrate bulk REPOS`` and ``msb-migrate lsp`` (the
language server, :mod:`refactor.app.lsp`). See docs/cli.md and docs/lsp.md.

This module is an adapter: it declares the commands, turns click's parameters into the
application's typed records at once (:class:`~refactor.app.options.Config` for the settings of
the option table, :class:`~refactor.app.migrate.MigrateOptions`,
:class:`~refactor.app.publish.PublishOptions`, :class:`~refactor.app.bulk.BulkOptions`) and
prints. The options shared by the three commands are made from the option table
(:mod:`refactor.app.options`); each command's own are declared here.

Exit codes: 0 nothing to do or done; 1 ``--check`` found files that would change, or a
verification failed (with ``--verify``: a file whose every back-off attempt failed, so it is
withheld; see :mod:`refactor.app.backoff`); 2 usage, configuration or input errors and
refusals (git, forge), a file that could not be written (the others still are), and a
codemod's internal error (always reported on one line; the other codemods' changes to that
file are still shown and written), standard output that cannot be written; killed by SIGPIPE
when standard output is closed early (:func:`~refactor.app.output.output_failed`); 130 on
Ctrl-C. Usage errors are one line too (:class:`_Main`). Every standard-error line goes through
:func:`~refactor.app.output.say` (names escaped), every standard-output write through
:func:`~refactor.app.output.out`.

Writes (``--write``): only files inside each path's repository (or the directory given) are
written, each only over the bytes that were read (:mod:`refactor.app.write`); two results that
would write the same file differently are refused. msb-migrate's temporary files left by a
killed run are removed by the next ``--write`` in the directories it works in (when their
process is gone) and listed by the other modes.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shlex
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from refactor.analysis.images import ImageRef
from refactor.app.config import Settings
from refactor.app.discover import discover
from refactor.app.forge import FORGES
from refactor.app.migrate import (
    PARALLEL_FROM,
    STDIN_NAME,
    MigrateOptions,
    display,
    migrate,
    migrate_bytes,
    migrate_target,
)
from refactor.app.options import Config, Option, option_table
from refactor.app.output import (
    EXIT_CHANGED,
    EXIT_ERROR,
    PROG,
    Failure,
    OutputError,
    echo_diff,
    error,
    out,
    out_bytes,
    output_failed,
    plural,
    say,
    styled_diff,
    summary_line,
)
from refactor.app.publish import Publication, PublishOptions
from refactor.app.redact import redact
from refactor.app.report import (
    FORMATS,
    FileResult,
    dumps,
    outcome_codes,
    to_github,
    to_json,
    to_markdown,
    to_sarif,
)
from refactor.app.write import (
    WriteError,
    clear_leftovers,
    leftovers,
    write_atomic,
    write_result,
)
from refactor.engine.runner import available_codemods
from refactor.errors import MsbError
from refactor.syntax.parser import MAX_BYTES

if TYPE_CHECKING:  # the Docker layer loads when a command builds (start-up time)
    from refactor.app.docker import DockerEngine

__all__ = ["main"]

STDIN = "-"
#: Ctrl-C: 128 + SIGINT, as a shell reports a process the signal ended.
EXIT_INTERRUPTED = 130
_CODE = re.compile(r"^[A-Za-z]+\d{3}$")


# -- the option table on the command line --------------------------------------------------------


def _click_option(row: Option, hidden: bool) -> Callable[[Callable[..., Any]], Any]:
    kwargs: dict[str, Any] = {"help": row.help, "hidden": hidden}
    if row.metavar:
        kwargs["metavar"] = row.metavar
    if row.multiple:
        kwargs["multiple"] = True
    if row.choices:
        kwargs["type"] = click.Choice(row.choices)
    elif row.type is int:
        kwargs["type"] = click.IntRange(0, row.maximum)
    elif row.type is Path:
        kwargs["type"] = click.Path(exists=True, file_okay=False, path_type=Path)
    elif row.type is bool:
        kwargs["default"] = None  # neither flag given: the file's value, or the default
    return click.option(*row.flags, row.name, **kwargs)


def _table_options(bulk: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The option table's command-line options (those that have a flag), in its order; for
    ``bulk``, those it refuses are hidden."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for row in reversed(option_table()):
            if row.flags:
                func = _click_option(row, bulk and not row.bulk)(func)
        return func

    return decorate


def _command_line(params: dict[str, Any]) -> Config:
    """The option table's settings given on the command line (they win over files)."""
    given = ((row.name, params[row.name]) for row in option_table() if row.flags)
    config = Config({name: value for name, value in given if value not in (None, ())})
    image = params.get("runtime_image")  # a codemod's option: absent when it is not installed
    if image is not None and ImageRef.parse(image) is None:
        raise Failure(f"--runtime-image {image!r} is not an image reference (NAME[:TAG][@DIGEST])")
    return config


def _color(choice: str) -> bool | None:
    return {"auto": None, "always": True, "never": False}[choice]


@dataclass(frozen=True)
class _Verifying:
    """``--verify``/``verify``: the docker binary, the smoke command, where each build runs."""

    docker: str | None
    smoke: list[str]
    context_dir: Path | None
    target: str | None
    options: MigrateOptions | None = None  # how the back-off migrates a file again

    @classmethod
    def of(cls, config: Config) -> _Verifying:
        smoke = config.get("smoke")
        try:
            words = shlex.split(smoke) if smoke else []
        except ValueError as exc:  # an unbalanced quote
            raise Failure(f"--smoke {smoke!r}: {str(exc).lower()}") from None
        return cls(config.get("docker"), words, config.get("context_dir"), config.get("target"))


# -- the main command ----------------------------------------------------------------------------


class _Main(click.Group):
    """``msb-migrate [OPTIONS] [PATH]…`` unless the first word is a subcommand (``verify``).

    click's own errors are msb-migrate's: a usage error is one line,
    ``msb-migrate: error: <message> (msb-migrate --help)``, exit status 2 (click prints three
    lines); any other click error is one error line and 2 (never click's 1); an interrupt
    (Ctrl-C, end of input at a prompt) is ``msb-migrate: interrupted`` and 130 (128 + SIGINT).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands or args[0] == DEFAULT_COMMAND:
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        run = functools.partial(super().main, args, prog_name, complete_var, False, **extra)
        if not standalone_mode:
            return run()
        try:
            status: Any = run()
        except click.UsageError as exc:
            ctx = exc.ctx
            sub = ctx is not None and ctx.parent is not None and ctx.info_name != DEFAULT_COMMAND
            where = f"{PROG} {ctx.info_name}" if sub and ctx is not None else PROG
            error(f"{exc.format_message()} ({where} --help)")
            sys.exit(EXIT_ERROR)
        except click.ClickException as exc:
            error(exc.format_message())
            sys.exit(EXIT_ERROR)
        except click.Abort:
            say(f"{PROG}: interrupted")
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(status if isinstance(status, int) else 0)


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
        except OutputError as exc:
            output_failed(exc)
        except (Failure, MsbError) as exc:
            error(redact(str(exc)))
            sys.exit(EXIT_ERROR)

    return wrapper


class _DefaultCommand(click.Command):
    context_class = _DefaultContext


#: ``--label``, on the main command and on ``bulk``.
_label_option = click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="NAME",
    help="Label the pull request when it is opened (repeatable; needs --open-pr).",
)


@main.command(
    DEFAULT_COMMAND,
    hidden=True,
    cls=_DefaultCommand,
    epilog="See also: msb-migrate verify --help (build the original and the migrated file); "
    "msb-migrate lsp (a language server for editors: docs/lsp.md).",
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
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format (github: workflow commands; markdown: a job summary).",
)
@click.option(
    "--output",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the report (--format) to FILE, atomically; standard output keeps the diffs.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the diff (auto: only on a terminal).",
)
@click.option("--list-codemods", is_flag=True, help="List the codemods and exit.")
@click.option("--explain", metavar="NAME", help="Describe a codemod or a skip code and exit.")
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
@_label_option
@click.option(
    "--verify",
    "do_verify",
    is_flag=True,
    help="Build and probe original and migrated files first; back off from a change whose "
    "image fails, and write or publish only what passes.",
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
@_table_options()
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
    command_line = _command_line(params)
    options = MigrateOptions(
        Settings(command_line),
        command_line.get("target"),
        command_line.get("context_dir"),
        params["jobs"],
    )
    publish = PublishOptions(
        params["branch"],
        params["remote"],
        params["open_pr"],
        params["forge"],
        params["forge_url"],
        params["project"],
        tuple(params["labels"]),
    )
    out = _Output(params["fmt"], params["verbose"], _color(params["color"]), params["report_file"])
    verifying = _Verifying.of(command_line) if params["do_verify"] else None
    if verifying is not None:
        verifying = dataclasses.replace(verifying, options=options)
    if STDIN in paths:
        sys.exit(_run_stdin(options, mode, out, verifying))
    started = time.time()
    targets = discover([Path(p) for p in paths], params["exclude"])
    for target in targets:  # every config file is read (and checked) before anything is done
        if target.problem is None:
            options.settings.resolve(target.real.parent)
            if out.verbose:
                config = options.settings.source(target.real.parent)
                shown = display(config) if config else "none (defaults and the command line)"
                say(f"{PROG}: {display(target.path)}: configuration: {shown}")
    directories = {t.real.parent for t in targets if t.problem is None}
    if options.context_dir is not None:
        directories.add(options.context_dir)
    _leftovers(directories, mode == "write", started)
    results = []
    for result in migrate(targets, options):
        _say_problems(result)
        results.append(result)
    sys.exit(_finish(results, mode, out, verifying, publish))


def _say_problems(result: FileResult) -> None:
    """A result's error, its codemods' internal errors and its warnings: one line each."""
    if result.error:
        error(result.error)
    for skip in result.internal_errors:
        error(
            f"{result.path}: internal error in codemod {skip.codemod} ({skip.code}): "
            f"{skip.reason.removeprefix('internal error: ')} "
            "(its change is left out; MSB_DEBUG=1 shows the traceback)"
        )
    for warning in result.warnings:
        say(f"{PROG}: warning: {warning}")


def _leftovers(directories: set[Path], remove: bool, started: float) -> None:
    """Report (and with --write remove) temporary files a killed run left behind."""
    found = leftovers(directories)
    if not found:
        return
    removed, kept = clear_leftovers(found, started) if remove else ([], found)
    for path in removed:
        say(f"{PROG}: removed a temporary file a killed run left: {display(path)}")
    for path in kept:
        say(
            f"{PROG}: warning: temporary file of another msb-migrate run: {display(path)}"
            + ("" if remove else " (--write removes it when its run is over)")
        )


def _claim_outputs(results: Sequence[FileResult]) -> None:
    """Two results that would write one file (a link, a shared .dockerignore) differently:
    the later one becomes an error and writes nothing."""
    claimed: dict[Path, str] = {}
    for result in results:
        if result.error is not None or result.report is None or result.real is None:
            continue
        outputs = {result.real: result.report.output, **result.extra}
        clash = next((p for p, text in outputs.items() if claimed.get(p, text) != text), None)
        if clash is not None:
            result.error = f"{result.path}: would write {display(clash)} that another file writes"
            error(result.error)
            continue
        claimed.update(outputs)


@dataclass(frozen=True)
class _Output:
    fmt: str  # one of FORMATS
    verbose: bool
    color: bool | None
    file: Path | None = None  # --output: the report goes there, the diffs to stdout


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
    if params["labels"] and not params["open_pr"]:
        raise click.UsageError("--label goes with --open-pr")
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


def _run_stdin(
    options: MigrateOptions, mode: str, out: _Output, verifying: _Verifying | None
) -> int:
    """``-``: the result goes to standard output (a diff with --dry-run/--check or a report)."""
    data = sys.stdin.buffer.read(MAX_BYTES + 1)  # one byte over the limit is "too large"
    context = options.context_dir or Path.cwd()
    result = migrate_bytes(STDIN_NAME, None, data, context, options)
    _say_problems(result)
    if result.error:
        return EXIT_ERROR
    if out.fmt != "text" or mode != "write":
        return _finish([result], "dry-run" if mode == "write" else mode, out, verifying, None)
    assert result.report is not None
    out_bytes(result.report.output.encode("utf-8"))
    if out.file is not None:
        _save_report(out, [result])
    for path in result.extra:
        say(f"{PROG}: not written (standard input mode): {display(path)}")
    if out.verbose:
        for note in (*result.explanations, *result.skips):
            say(f"# {note}")
    return 0


def _finish(
    results: list[FileResult],
    mode: str,
    out: _Output,
    verifying: _Verifying | None,
    publish: PublishOptions | None,
) -> int:
    """Verify, print, write or publish; return the exit status."""
    _claim_outputs(results)
    if out.file is not None:
        _check_report_file(out.file, results)
    errors = any(r.error or r.internal_errors for r in results)
    changed = [r for r in results if r.changed]
    publication = None
    if mode == "branch":
        assert publish is not None
        say(summary_line(results, "to migrate"))
        if errors:
            raise Failure("not publishing: some files could not be migrated (see above)")
        if not changed:
            say("nothing to migrate; no branch created")
            return 0
        publication = Publication.prepare(changed, publish)  # refusals before any build
    failed = verifying is not None and not _verify_all(results, verifying)
    if verifying is not None:  # what the back-off withheld is neither written nor published
        changed = [r for r in results if r.changed and r.withheld is None]
    if out.fmt != "text" and out.file is None:
        _emit_report(out.fmt, results, out.verbose)
    elif mode in ("dry-run", "check"):
        for result in results:
            if result.error is None:
                echo_diff(result, out.verbose, out.color)
    if mode == "write":
        for result in changed:
            try:
                write_result(result)
            except WriteError as exc:
                result.error = str(exc)
                error(result.error)
                errors = True
                continue
            names = ", ".join(result.codemods) or "no codemod"
            count = plural(len(result.explanations), "change")
            say(f"rewrote {result.path} ({count}: {names})")
        say(summary_line([r for r in results if r.withheld is None], "rewritten"))
    elif publication is not None:
        if not changed:
            say("no file passed verification; no branch created")
        else:
            publication.files = Publication.files_of(changed)
            _publish(publication, changed)
    elif mode != "branch":
        say(summary_line(results, "would change"))
    if out.file is not None:
        _save_report(out, results)
    if errors:
        return EXIT_ERROR
    if failed or (mode == "check" and changed):
        return EXIT_CHANGED
    return 0


def _publish(publication: Publication, results: list[FileResult]) -> None:
    from refactor.app.gitops import BranchTouched  # loaded with the git layer

    try:
        update = publication.commit(results)
    except BranchTouched as exc:  # someone else's now: left alone, not an error (docs/cli.md)
        say(f"{PROG}: {exc}; the branch and its pull request are left alone")
        return
    branch, remote = publication.branch, publication.remote
    verb = {"created": "created", "updated": "updated", "up to date": "is up to date:"}
    say(f"branch {branch} {verb[update.status]} {update.commit[:12]}")
    if update.pushed:
        say(f"{remote}: {update.pushed} {branch}")
    pr = publication.open_pull_request(results)
    if pr is not None:
        what = "opened" if pr.created else "updated"
        say(f"{what} pull request #{pr.number}: {pr.url}")


def _report_text(fmt: str, results: Sequence[FileResult], verbose: bool) -> str:
    """The report of ``--format`` (without the last newline)."""
    if fmt == "github":
        return to_github(results, verbose)
    if fmt == "markdown":
        return to_markdown(results, verbose).rstrip("\n")
    if fmt == "text":
        diffs = ["\n".join(styled_diff(r, verbose)) for r in results if r.error is None]
        return click.unstyle("\n".join(d for d in diffs if d))
    doc = to_json(results) if fmt == "json" else to_sarif(results, available_codemods())
    return dumps(doc)


def _emit_report(fmt: str, results: Sequence[FileResult], verbose: bool) -> None:
    text = _report_text(fmt, results, verbose)
    if text:
        out(text)


def _check_report_file(path: Path, results: Sequence[FileResult]) -> None:
    """``--output`` may not name a file the run reads or writes."""
    target = path.resolve()
    for r in results:
        if target in (r.real, *r.extra):
            raise Failure(f"--output {display(path)}: a file this run migrates; name another")


def _save_report(out: _Output, results: Sequence[FileResult]) -> None:
    """``--output FILE``: the report, written atomically (a failure is exit status 2)."""
    assert out.file is not None
    text = _report_text(out.fmt, results, out.verbose)
    try:
        write_atomic(out.file, text + "\n" if text else "")
    except WriteError as exc:
        raise Failure(f"--output: {exc}") from None


def _engine(docker: str | None) -> DockerEngine:
    from refactor.app.docker import DockerEngine

    engine = DockerEngine(docker)
    reason = engine.unavailable_reason()
    if reason is not None:
        raise Failure(f"cannot verify: {reason}")
    return engine


def _verify_all(results: list[FileResult], verifying: _Verifying) -> bool:
    """Verify each changed file, backing off from a failing migration (each result is replaced
    by what the back-off kept); False when a file is withheld because nothing passed."""
    from refactor.app.backoff import verify_file
    from refactor.app.probe import Progress
    from refactor.app.verify import render

    engine = _engine(verifying.docker)
    ok = True
    for i, result in enumerate(results):
        if not result.changed or result.report is None:
            continue
        context = verifying.context_dir or (result.real.parent if result.real else Path.cwd())
        assert verifying.options is not None
        outcome = verify_file(
            engine,
            result,
            verifying.options,
            context,
            target=verifying.target,
            smoke=verifying.smoke,
            progress=Progress,
        )
        kept = results[i] = outcome.result
        if kept.verification is not None:
            click.echo(render(kept.verification), err=True)
        for backoff in outcome.backoffs:
            say(backoff.line(kept.path))
        if outcome.status == "unverifiable":
            say(f"{kept.path}: unverifiable, not written or published: {outcome.reason}")
        elif outcome.status == "withheld":
            error(f"{kept.path}: withheld, not written or published: {outcome.reason}")
            ok = False
    return ok


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
        out(f"{codemod.name.ljust(width)}  {state}  {_headline(codemod.description)}")


def _explain(name: str) -> None:
    """A codemod's description, or the codemod and summary of a skip code."""
    codemods = {c.name: c for c in available_codemods()}
    if name not in codemods and _CODE.match(name):
        codes = outcome_codes(codemods.values())
        if name.upper() not in codes:
            raise Failure(f"unknown code '{name}'")
        owner, text = codes[name.upper()]
        out(f"{name.upper()} ({owner})\n")
        out(textwrap.fill(text, width=88))
        return
    if name not in codemods:
        raise Failure(f"unknown codemod '{name}' (valid: {', '.join(codemods)})")
    codemod = codemods[name]
    state = "on by default" if codemod.default else f"off by default (--enable {name})"
    out(f"{name} ({state})\n")
    out(textwrap.fill(" ".join(codemod.description.split()), width=88))


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
@click.option(
    "--probe/--no-probe",
    default=True,
    show_default=True,
    help="Run both images with their own start command and compare them (see docs/e2e.md).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show what is built or probed on stderr (default: when stderr is a terminal).",
)
@_table_options()
@_catch
def verify_cmd(path: Path, **params: Any) -> None:
    """Build PATH as it is and as migrated with the local Docker engine and compare the images:
    size, layers, the user each runs as and, with --smoke CMD, the output of CMD in both;
    with --stages, the size of each stage of the migrated file. The probe runs both images
    with their own start command: still running or same exit status and output, same answers
    on every port, no path the start command names missing.

    Exit status 1 when a build (a stage's too, with --stages) fails, the smoke outputs differ
    or the migrated image fails the probe.
    """
    from refactor.app.probe import Progress
    from refactor.app.verify import render, verify

    command_line = _command_line(params)
    options = MigrateOptions(
        Settings(command_line), command_line.get("target"), command_line.get("context_dir")
    )
    verifying = _Verifying.of(command_line)
    engine = _engine(verifying.docker)
    as_json = params["fmt"] == "json"
    targets = discover([path])
    if not targets:
        raise Failure(f"{path}: no Dockerfile found")
    failed = False
    entries: list[dict[str, Any]] = []
    for target in targets:
        result = migrate_target(target, options)
        if result.error is not None:
            raise Failure(result.error)
        assert result.report is not None
        if not result.changed:
            if as_json:
                entries.append({"path": result.path, "status": "unchanged"})
            else:
                out(f"{result.path}: unchanged by the selected codemods; nothing to verify")
            continue
        outcome = verify(
            engine,
            result.path,
            result.report.original,
            result.report.output,
            verifying.context_dir or target.real.parent,
            target=verifying.target,
            smoke=verifying.smoke,
            stages=params["stages"],
            probe=params["probe"],
            progress=Progress(enabled=params["progress"]),
        )
        if as_json:
            status = "verified" if outcome.ok else "failed"
            entries.append({"status": status, **outcome.as_json()})
        else:
            out(render(outcome))
        failed = failed or not outcome.ok
    if as_json:
        out(dumps({"files": entries}))
    sys.exit(EXIT_CHANGED if failed else 0)


# -- lsp -----------------------------------------------------------------------------------------


@main.command("lsp")
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the default).")
@_catch
def lsp_cmd(stdio: bool) -> None:
    """Run the Language Server over standard input and output: diagnostics for each planned
    change of an open Dockerfile and code actions that apply them (docs/lsp.md)."""
    try:
        from refactor.app.lsp import serve  # pygls: the 'lsp' extra
    except ImportError as exc:
        if str(exc.name).split(".")[0] not in ("pygls", "lsprotocol", "cattrs"):
            raise
        raise Failure(
            f"the language server needs pygls: pip install 'msb-migrate[lsp]' ({exc})"
        ) from None
    serve()


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
@click.option(
    "--shard",
    metavar="K/N|auto",
    help="Migrate only the K-th of N shares (1-based); auto: the shard of a Kubernetes "
    "Indexed Job, GitLab parallel job or MSB_SHARD_INDEX/MSB_SHARD_COUNT (docs/bulk.md).",
)
@click.option(
    "--shard-count",
    type=click.IntRange(min=1),
    metavar="N",
    help="With --shard auto: the number of shards (default: MSB_SHARD_COUNT).",
)
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
@_label_option
@click.option(
    "--pr-limit",
    type=click.IntRange(min=0),
    metavar="N",
    help="Open at most N new pull requests in this run; the rest are reported as pending "
    "(needs --open-pr; updates of open ones do not count).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list the skips in the diffs.")
@click.option(
    "--clone-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    metavar="SECONDS",
    help="The longest a clone may take (the repository fails).",
)
@click.option(
    "--file-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="The longest one Dockerfile's migration may take (the file fails).",
)
@click.option(
    "--verify",
    "do_verify",
    is_flag=True,
    help="Build and probe each migrated file; back off from a failing change (docs/bulk.md).",
)
@_table_options(bulk=True)
@_catch
def bulk_cmd(repos: Path, **params: Any) -> None:
    """Migrate many repositories: REPOS is a file of clone URLs or paths (one a line, '#'
    comments) or a directory of repositories. Each is cloned (--depth 1) into the workspace
    and migrated there; see docs/bulk.md.

    Exit status 2 when a repository failed.
    """
    from refactor.app.bulk import BulkOptions, run_bulk  # loaded when used (start-up time)

    for row in option_table():
        if not row.bulk and params[row.name] is not None:
            raise click.UsageError(f"{row.flags[0]} does not apply to bulk")
    options = BulkOptions(
        command_line=_command_line(params),
        publish=PublishOptions(
            params["branch"],
            params["remote"],
            params["open_pr"],
            params["forge"],
            params["forge_url"],
            labels=tuple(params["labels"]),
        ),
        pr_limit=params["pr_limit"],
        exclude=tuple(params["exclude"]),
        workspace=params["workspace"],
        report=params["report"],
        jobs=params["jobs"],
        shard=params["shard"],
        shard_count=params["shard_count"],
        resume=params["resume"],
        dry_run=params["dry_run"],
        verbose=params["verbose"],
        clone_timeout=params["clone_timeout"],
        file_timeout=params["file_timeout"],
        verify=params["do_verify"],
    )
    sys.exit(run_bulk(repos, options))


@main.group("bulk-report")
def bulk_report_group() -> None:
    """Work with the JSON reports of ``msb-migrate bulk`` (docs/bulk.md)."""


@bulk_report_group.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the merged report goes.",
)
@click.option(
    "--repos",
    type=click.Path(exists=True, path_type=Path),
    help="The REPOS the shards ran on: the merged report lists the repositories in its order "
    "(default: by identifier).",
)
@_catch
def bulk_report_merge_cmd(reports: tuple[Path, ...], output: Path, repos: Path | None) -> None:
    """Merge the reports of the shards of one bulk run (--shard) into one report and print its
    summary. Every shard must be there, each once; exit status 2 when a repository failed."""
    from refactor.app.bulk_report import merge_reports  # loaded when used (start-up time)

    sys.exit(merge_reports(list(reports), output, repos))
