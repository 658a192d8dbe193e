"""What a run found, in the formats msb-migrate writes: JSON, SARIF 2.1.0, GitHub workflow
commands and a Markdown summary (``--format github|markdown``), the commit message and the pull
request body (a per-file table, the explanations, the diff, a Mermaid graph of
the stages and, when verified, the image sizes).

Skips are typed outcomes: JSON gives each its stable ``code`` and its ``kind`` (and the
traceback of an internal error); SARIF lists every code as a rule (its summary from the
codemod's ``codes`` table or the runner's ``ENGINE_CODES``) and ties each skip notification to
its code's rule (every skip has a code). An error keeps its line as a field of the result;
nothing is parsed back out of a message.

Names that are not UTF-8 (Python's surrogate escapes): :func:`dumps` writes each such byte as
git writes it in a diff header (``\\376``, :func:`~refactor.app.diffing.escape_name`), so a
report is always valid UTF-8 JSON; a SARIF ``uri`` percent-encodes the name's bytes (``%FE``).
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refactor.analysis.model import build_model
from refactor.app.diffing import FileDiff, diff_text, escape_name
from refactor.app.locate import LineMap
from refactor.engine.codemod import ENGINE_CODES, Codemod, Explanation, Kind, Skip
from refactor.engine.runner import FileReport
from refactor.syntax.tree import Dockerfile

if TYPE_CHECKING:
    from refactor.app.backoff import Backoff
    from refactor.app.verify import Build, Verification
    from refactor.app.write import Stamp

#: The trailer of every commit msb-migrate makes; its branches are recognised by it.
TRAILER = "Generated-by: msb-migrate"

__all__ = [
    "FORMATS",
    "SARIF_SCHEMA",
    "TOOL_NAME",
    "FileResult",
    "commit_message",
    "dumps",
    "mermaid_graph",
    "outcome_codes",
    "pr_body",
    "summary",
    "to_github",
    "to_json",
    "to_markdown",
    "to_sarif",
    "tool_version",
]

TOOL_NAME = "msb-migrate"
INFORMATION_URI = "https://github.com/msb-migrate/msb-migrate"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Pseudo-codemod of the runner's own explanations and skips (parser directive, opt-outs).
RUNNER = "msb-migrate"
#: GitHub refuses pull request bodies above 65536 characters.
MAX_BODY = 60_000
#: The report formats of ``--format`` (``text``: the diffs with their explanations).
FORMATS = ("text", "json", "sarif", "github", "markdown")


def tool_version() -> str:
    # importlib.metadata is imported only for the reports that name the version (start-up)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(TOOL_NAME)
    except PackageNotFoundError:
        return "0.0.0"


@dataclass
class FileResult:
    """One Dockerfile's outcome, as every output format needs it."""

    path: str  # as shown to the user (posix)
    real: Path | None = None  # the file on disk (None for stdin)
    report: FileReport | None = None
    error: str | None = None
    error_line: int | None = None  # the line the error is about, when it names one
    diffs: list[FileDiff] = field(default_factory=list)  # the Dockerfile's first
    extra: dict[Path, str] = field(default_factory=dict)  # other files to write
    verification: Verification | None = None
    read: Stamp | None = None  # what was read of ``real`` (written only over that)
    extra_read: dict[Path, Stamp | None] = field(default_factory=dict)  # None: no file
    warnings: list[str] = field(default_factory=list)  # one line each, printed always
    config: Path | None = None  # the configuration file that applied (None: none did)
    backoffs: list[Backoff] = field(default_factory=list)  # --verify's back-off (backoff.py)
    withheld: str | None = None  # why --verify keeps it from being written or published

    @property
    def changed(self) -> bool:
        return self.error is None and any(d.hunks for d in self.diffs)

    @property
    def explanations(self) -> list[Explanation]:
        return list(self.report.explanations) if self.report else []

    @property
    def skips(self) -> list[Skip]:
        return list(self.report.skips) if self.report else []

    @property
    def internal_errors(self) -> list[Skip]:
        """The codemods that failed on this file (a bug in msb-migrate: always reported)."""
        return [s for s in self.skips if s.kind is Kind.INTERNAL_ERROR]

    @property
    def codemods(self) -> list[str]:
        return list(dict.fromkeys(e.codemod for e in self.explanations))

    @property
    def status(self) -> str:
        return "error" if self.error else "changed" if self.changed else "unchanged"


def summary(results: Sequence[FileResult]) -> dict[str, int]:
    return {
        "changed": sum(r.status == "changed" for r in results),
        "unchanged": sum(r.status == "unchanged" for r in results),
        "errors": sum(r.status == "error" for r in results),
    }


def _build_json(build: Build) -> dict[str, Any]:
    return {
        "ok": build.ok,
        "seconds": round(build.seconds, 2),
        "size": build.size,
        "layers": build.layers,
        "user": build.user,
        "uid": build.uid,
        "smoke_exit_code": build.smoke.exit_code if build.smoke else None,
    }


def _skip_json(skip: Skip) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "line": skip.line,
        "codemod": skip.codemod,
        "reason": skip.reason,
        "code": skip.code,
        "kind": str(skip.kind),
    }
    if skip.kind is Kind.INTERNAL_ERROR and skip.detail:
        entry["traceback"] = skip.detail
    return entry


def outcome_codes(codemods: Iterable[Codemod]) -> dict[str, tuple[str, str]]:
    """Every skip code: the runner's and each codemod's, with its owner and its summary."""
    codes = {code: (RUNNER, text) for code, text in ENGINE_CODES.items()}
    for codemod in codemods:
        codes.update((code, (codemod.name, text)) for code, text in codemod.codes.items())
    return codes


def to_json(results: Sequence[FileResult]) -> dict[str, Any]:
    """The JSON report: per file its changes, skips and diff, and a summary."""
    files = []
    for r in results:
        entry: dict[str, Any] = {
            "path": r.path,
            "status": r.status,
            "error": r.error,
            "config": None if r.config is None else str(r.config),
            "codemods": r.codemods,
            "changes": [
                {"line": e.line, "codemod": e.codemod, "message": e.message, "reason": e.reason}
                for e in r.explanations
            ],
            "skips": [_skip_json(s) for s in r.skips],
            "extra_files": [d.path for d in r.diffs[1:] if d.hunks],
            "diff": diff_text(r.diffs),
        }
        if r.warnings:
            entry["warnings"] = r.warnings
        if r.verification is not None:
            v = r.verification
            entry["verification"] = {
                "ok": v.ok,
                "problems": v.problems,
                "original": _build_json(v.original),
                "migrated": _build_json(v.migrated),
                "smoke_matches": v.smoke_matches,
                "probe": v.probe.as_json() if v.probe is not None else None,
            }
            entry["backoffs"] = [b.as_json() for b in r.backoffs]
            entry["withheld"] = r.withheld
        files.append(entry)
    return {
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "files": files,
        "summary": summary(results),
    }


_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(doc: Any) -> str:
    """A report as JSON text (indented, UTF-8), each byte of a name that is not UTF-8 escaped."""
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: escape_name(m.group()).replace("\\", "\\\\"), text)


def _location(path: str, line: int | None) -> dict[str, Any]:
    uri = urllib.parse.quote(os.fsencode(path))
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def to_sarif(results: Sequence[FileResult], codemods: Sequence[Codemod]) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one ``note`` result per explanation (ruleId = codemod), the skips
    (each tied to the rule of its code) and input errors as tool execution notifications."""
    rules: list[dict[str, Any]] = [
        {
            "id": RUNNER,
            "shortDescription": {"text": "msb-migrate itself (parser directive, opt-outs)"},
            "defaultConfiguration": {"level": "note"},
        }
    ]
    for codemod in codemods:
        rules.append(
            {
                "id": codemod.name,
                "shortDescription": {"text": codemod.description.strip().split("\n")[0]},
                "fullDescription": {"text": " ".join(codemod.description.split())},
                "defaultConfiguration": {"level": "note", "enabled": codemod.default},
            }
        )
    for code, (owner, text) in outcome_codes(codemods).items():
        rules.append(
            {
                "id": code,
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": "note"},
                "properties": {"codemod": owner},
            }
        )
    index = {rule["id"]: i for i, rule in enumerate(rules)}

    def rule_ref(name: str) -> dict[str, Any]:
        if name not in index:
            index[name] = len(rules)
            rules.append({"id": name, "defaultConfiguration": {"level": "note"}})
        return {"ruleId": name, "ruleIndex": index[name]}

    sarif_results = []
    notifications = []
    for r in results:
        for exp in r.explanations:
            text = exp.message + (f" ({exp.reason})" if exp.reason else "")
            sarif_results.append(
                {
                    **rule_ref(exp.codemod),
                    "level": "note",
                    "message": {"text": text},
                    "locations": [_location(r.path, exp.line or 1)],
                }
            )
        for skip in r.skips:
            ref = rule_ref(skip.code)
            notifications.append(
                {
                    "level": "note",
                    "message": {"text": f"{skip.codemod} skipped: {skip.reason}"},
                    "associatedRule": {"id": ref["ruleId"], "index": ref["ruleIndex"]},
                    "locations": [_location(r.path, skip.line)],
                    "properties": {"codemod": skip.codemod, "kind": str(skip.kind)},
                }
            )
        for b in r.backoffs:
            notifications.append(
                {
                    "level": "note",
                    "message": {"text": b.line(r.path)},
                    "locations": [_location(r.path, None)],
                    "properties": {"backoff": b.as_json()},
                }
            )
        if r.error is not None:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": r.error},
                    "locations": [_location(r.path, r.error_line)],
                }
            )
    invocation = {
        "executionSuccessful": all(r.error is None for r in results),
        "toolExecutionNotifications": notifications,
    }
    driver = {
        "name": TOOL_NAME,
        "version": tool_version(),
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": driver}, "invocations": [invocation], "results": sarif_results}
        ],
    }


# -- CI formats: GitHub workflow commands and a Markdown summary --------------------------------


def _gh_data(text: str) -> str:
    """A workflow command's message, escaped as the Actions toolkit escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    """A workflow command's property value: the message's escapes, and ``:`` and ``,``."""
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _gh_command(kind: str, message: str, **props: object) -> str:
    given = ",".join(f"{k}={_gh_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{kind}{' ' if given else ''}{given}::{_gh_data(message)}"


def _gh_name(path: str) -> str:
    """The file property: the name as it is (GitHub matches it), a byte that is not UTF-8
    written as in a diff header."""
    return escape_name(path) if _SURROGATE.search(path) else path


def to_github(results: Sequence[FileResult], verbose: bool = False) -> str:
    """GitHub Actions workflow commands, one a line: a ``warning`` per planned change (on the
    lines of the file as it was read: :class:`~refactor.app.locate.LineMap`), an ``error`` per
    failure (input error, a codemod's internal error, a file withheld by ``--verify``), a
    ``notice`` per back-off and, with ``verbose``, per skip."""
    lines: list[str] = []
    for r in results:
        name = _gh_name(r.path)
        if r.error is not None:
            error = _gh_command("error", r.error, file=name, line=r.error_line, title=TOOL_NAME)
            lines.append(error)
            continue
        if r.report is not None and r.changed:
            where = LineMap.of(r.report.original, r.report.output)
            for exp in r.explanations:
                span = where.span(exp.line)
                first, last = span if span is not None else (None, None)
                lines.append(
                    _gh_command(
                        "warning",
                        exp.message + (f" — {exp.reason}" if exp.reason else ""),
                        file=name,
                        line=first,
                        endLine=last if last != first else None,
                        title=f"{TOOL_NAME}: {exp.codemod}",
                    )
                )
        for skip in r.internal_errors:
            title = f"{TOOL_NAME}: internal error in {skip.codemod} ({skip.code})"
            lines.append(_gh_command("error", skip.reason, file=name, line=skip.line, title=title))
        if r.withheld is not None:
            title = f"{TOOL_NAME}: withheld (not written or published)"
            lines.append(_gh_command("error", r.withheld, file=name, title=title))
        lines += [_gh_command("notice", b.line(r.path), file=name) for b in r.backoffs]
        if verbose:
            for skip in r.skips:
                if skip.kind is not Kind.INTERNAL_ERROR:
                    title = f"{TOOL_NAME}: {skip.codemod} skipped ({skip.code})"
                    lines.append(
                        _gh_command("notice", skip.reason, file=name, line=skip.line, title=title)
                    )
    return "\n".join(lines)


_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
_MD_SPECIAL = re.compile(r"([\\*_\[\]<>|~&#!])")


def _md_text(text: str) -> str:
    """Text for one Markdown table cell or list item: one line, Markdown and HTML characters
    escaped outside the code spans the message already has (``|`` inside them too)."""
    text = " ".join(escape_name(text).split())
    out: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_MD_SPECIAL.sub(r"\\\1", text[pos : match.start()]))
        out.append(match.group().replace("|", "\\|"))
        pos = match.end()
    out.append(_MD_SPECIAL.sub(r"\\\1", text[pos:]))
    return "".join(out)


def _md_code(text: str) -> str:
    """``text`` as an inline code span (a fence longer than any backtick run in it)."""
    text = escape_name(text).replace("|", "\\|")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def to_markdown(results: Sequence[FileResult], verbose: bool = False) -> str:
    """A Markdown report for a job summary or a pull-request comment: the counts, the image
    sizes when verified, a table of changes per file (line of the migrated file, codemod,
    change, why), the failures, with ``verbose`` the skips, and the diff folded."""
    counts = summary(results)
    out = [
        f"## {TOOL_NAME}: {_plural(counts['changed'], 'Dockerfile')} to migrate, "
        f"{counts['unchanged']} unchanged, {_plural(counts['errors'], 'error')}",
    ]
    changed = [r for r in results if r.changed]
    out += _size_table(changed)
    for r in changed:
        out += ["", f"### {_md_code(r.path)}", ""]
        if r.withheld is not None:
            out += [f"**Withheld** (not written or published): {_md_text(r.withheld)}", ""]
        out += ["| Line | Codemod | Change | Why |", "| ---: | --- | --- | --- |"]
        for exp in r.explanations:
            line = str(exp.line) if exp.line else "–"
            out.append(
                f"| {line} | {_md_code(exp.codemod)} | {_md_text(exp.message)} "
                f"| {_md_text(exp.reason) or '–'} |"
            )
        notes = [f"- writes {_md_code(d.path)}" for d in r.diffs[1:] if d.hunks]
        notes += [f"- {_md_text(b.line(r.path))}" for b in r.backoffs]
        out += ["", *notes] if notes else []
    failed = [r for r in results if r.error is not None or r.internal_errors]
    if failed:
        out += ["", "### Errors", ""]
        for r in failed:
            if r.error is not None:
                out.append(f"- {_md_code(r.path)}: {_md_text(r.error)}")
            out += [
                f"- {_md_code(r.path)}: internal error in {_md_code(s.codemod)} ({s.code}): "
                f"{_md_text(s.reason)}"
                for s in r.internal_errors
            ]
    skipped = [(r, s) for r in results for s in r.skips if s.kind is not Kind.INTERNAL_ERROR]
    if verbose and skipped:
        out += ["", "<details><summary>Skips</summary>", ""]
        out += [
            f"- {_md_code(r.path)}{f' line {s.line}' if s.line else ''}: {_md_code(s.codemod)} "
            f"({s.code}): {_md_text(s.reason)}"
            for r, s in skipped
        ]
        out += ["", "</details>"]
    diff = diff_text([d for r in changed for d in r.diffs])
    if diff:
        head = "\n".join(out)
        if len(head) + len(diff) > MAX_BODY:
            diff = diff[: max(0, MAX_BODY - len(head))] + "\n… (diff truncated)\n"
        fence = _fence(diff)
        out += ["", "<details><summary>Diff</summary>", "", f"{fence}diff", diff.rstrip("\n")]
        out += [fence, "", "</details>"]
    return "\n".join(out) + "\n"


def commit_message(results: Sequence[FileResult]) -> str:
    """The bot commit's message: a subject, the changes per file, the bot trailer."""
    changed = [r for r in results if r.changed]
    noun = "Dockerfile" if len(changed) == 1 else "Dockerfiles"
    lines = [f"Migrate {len(changed)} {noun} to multi-stage builds", ""]
    for r in changed:
        lines.append(f"{r.path}:")
        lines += [f"- {exp}" for exp in r.explanations]
        lines += [f"- writes {d.path}" for d in r.diffs[1:] if d.hunks]
        lines.append("")
    lines.append(TRAILER)
    return "\n".join(lines) + "\n"


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


_EDGE_LABELS = {"from": "FROM", "copy": "COPY --from", "mount": "RUN --mount from"}


def mermaid_graph(tree: Dockerfile) -> str:
    """A Mermaid ``graph`` of a Dockerfile's stages: FROM, COPY --from and mount edges."""
    model = build_model(tree)
    lines = ["graph TD"]
    for stage in model.stages:
        name = stage.alias or f"stage {stage.index}"
        final = " (final)" if stage is model.final else ""
        label = f"{_mermaid_text(name + final)}<br/>{_mermaid_text(stage.base)}"
        lines.append(f'  s{stage.index}["{label}"]')
    images: dict[str, str] = {}
    seen = set()
    for edge in model.edges:
        if edge.source is not None:
            source = f"s{edge.source}"
        elif edge.image is not None and edge.kind != "from":
            if edge.image not in images:
                images[edge.image] = f"i{len(images)}"
                lines.append(f'  {images[edge.image]}[("{_mermaid_text(edge.image)}")]')
            source = images[edge.image]
        else:
            continue
        key = (source, edge.target, edge.kind)
        if key not in seen:
            seen.add(key)
            label = _EDGE_LABELS.get(edge.kind, edge.kind)
            lines.append(f'  {source} -->|"{label}"| s{edge.target}')
    return "\n".join(lines)


def _mb(size: int | None) -> str:
    return f"{size / 1_000_000:.1f} MB" if size is not None else "–"


def _count(n: int | None) -> str:
    return str(n) if n is not None else "–"


def _clauses(reason: str) -> list[str]:
    """A reason's clauses (``; ``-separated, outside backticks): the generic part a codemod
    gives every change and the part about this change are said once each."""
    parts, depth, current = [], 0, ""
    for piece in re.split(r"(`+|; )", reason):
        if piece.startswith("`"):
            depth ^= 1
        if piece == "; " and not depth:
            parts.append(current)
            current = ""
        else:
            current += piece
    return [p.strip() for p in (*parts, current) if p.strip()]


def _why(changed: Sequence[FileResult]) -> list[str]:
    """Each codemod's reasons, each said once: a clause several of its changes give (the
    codemod's general reason) on a line of its own, then what is particular to a change after
    that change's message; a change said the same way in several files is one line."""
    by_codemod: dict[str, dict[tuple[str, tuple[str, ...]], None]] = {}
    for r in changed:
        for exp in r.explanations:
            item = (exp.message, tuple(_clauses(exp.reason)))
            by_codemod.setdefault(exp.codemod, {})[item] = None
    out: list[str] = []
    for codemod, items in by_codemod.items():
        counts: dict[str, int] = {}
        for _, clauses in items:
            for clause in dict.fromkeys(clauses):
                counts[clause] = counts.get(clause, 0) + 1
        shared = [clause for clause, n in counts.items() if n > 1]
        lines = [f"- {clause}" for clause in shared]
        for message, clauses in items:
            own = [c for c in clauses if c not in shared]
            if own:
                lines.append(f"- {message}: {'; '.join(own)}")
        if lines:
            out += [f"**{codemod}**", *dict.fromkeys(lines), ""]
    return out


def _changes(result: FileResult) -> list[str]:
    """One short line per change (what changed, not why), grouped by codemod."""
    by_codemod: dict[str, list[Explanation]] = {}
    for exp in result.explanations:
        by_codemod.setdefault(exp.codemod, []).append(exp)
    out: list[str] = []
    for codemod, explanations in by_codemod.items():
        out.append(f"**{codemod}**")
        out += [f"- {f'line {e.line}: ' if e.line else ''}{e.message}" for e in explanations]
        out.append("")
    return out


def _opt_out_and_rerun(branch: str | None, base: str | None) -> list[str]:
    branch_name = f"`{branch}`" if branch else "this pull request's branch"
    base_name = f"`{base}`" if base else "the base branch"
    return [
        "---",
        "",
        "**Opt out.** `# msb-migrate: skip` anywhere in a Dockerfile leaves that file alone; "
        "`# msb-migrate: skip=<codemod>` on the line above an instruction or a `FROM` keeps one "
        'codemod off it; `skip = ["<codemod>"]` in `.msb-migrate.toml` (or `[tool.msb-migrate]` '
        f"in `pyproject.toml`) turns a codemod off for the repository. Commit that to "
        f"{base_name}, then close this pull request (closing it alone does not stop the next "
        "run).",
        "",
        f"**Re-run.** Each run of msb-migrate (`--push REMOTE --open-pr`, or the bulk job) "
        f"rebuilds {branch_name} on the latest {base_name} and updates this pull request, as "
        "long as only msb-migrate committed to the branch. Push a commit of your own to it and "
        "msb-migrate leaves the branch and this pull request alone from then on; delete the "
        "branch to start over.",
    ]


def _size_table(changed: Sequence[FileResult]) -> list[str]:
    """The markdown table of the verified files' image sizes (none when nothing was built)."""
    verified = [r for r in changed if r.verification is not None]
    if not verified:
        return []
    out = ["", "### Image sizes (verified with a local build)", ""]
    out += ["| File | Before | After | Layers | User |", "| --- | --- | --- | --- | --- |"]
    for r in verified:
        v = r.verification
        assert v is not None
        a, b = v.original, v.migrated
        layers = f"{_count(a.layers)} → {_count(b.layers)}"
        who = f"{_md_text(a.who)} → {_md_text(b.who)}"
        out.append(f"| {_md_code(r.path)} | {_mb(a.size)} | {_mb(b.size)} | {layers} | {who} |")
    return out


def pr_body(
    results: Sequence[FileResult], branch: str | None = None, base: str | None = None
) -> str:
    """The pull request description, read in half a minute: a table of the files, one short
    line per change grouped by codemod, how to opt out and re-run; the reasons (each once per
    codemod), the stage graphs and the diff folded under ``<details>``."""
    changed = [r for r in results if r.changed]
    noun = "a Dockerfile" if len(changed) == 1 else f"{len(changed)} Dockerfiles"
    out = [
        f"This pull request rewrites {noun} into multi-stage builds "
        f"(generated by [{TOOL_NAME}]({INFORMATION_URI})).",
        "",
        "| File | Changes | Codemods |",
        "| --- | --- | --- |",
    ]
    for r in changed:
        out.append(f"| `{r.path}` | {len(r.explanations)} | {', '.join(r.codemods) or '–'} |")
    out += _size_table(changed)
    backed = [r for r in changed if r.backoffs]
    if backed:
        out += ["", "### Backed off (the default migration failed verification)", ""]
        out += [f"- {b.line(f'`{r.path}`')}" for r in backed for b in r.backoffs]
    for r in changed:
        out += ["", f"### `{r.path}`", "", *_changes(r)]
    out += ["", *_opt_out_and_rerun(branch, base)]
    why = _why(changed)
    if why:
        out += ["", "<details><summary>Why these changes</summary>", "", *why, "</details>"]
    graphs = [
        (r.path, tree)
        for r in changed
        if r.report is not None and (tree := r.report.final_tree()) is not None
    ]
    if graphs:
        out += ["", "<details><summary>Stages</summary>", ""]
        for path, tree in graphs:
            out += [f"`{path}`", "", "```mermaid", mermaid_graph(tree), "```", ""]
        out.append("</details>")
    diff = diff_text([d for r in changed for d in r.diffs])
    fence = _fence(diff)
    head = "\n".join(out)
    if len(head) + len(diff) > MAX_BODY:
        diff = diff[: max(0, MAX_BODY - len(head))] + "\n… (diff truncated; see the branch)\n"
    out += [
        "",
        "<details><summary>Diff</summary>",
        "",
        f"{fence}diff",
        diff.rstrip("\n"),
        fence,
        "",
        "</details>",
    ]
    return "\n".join(out) + "\n"
