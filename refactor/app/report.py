"""What a run found, in the formats msb-migrate writes: JSON, SARIF 2.1.0, the commit message
and the pull request body (a per-file table, the explanations, the diff, a Mermaid graph of
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
    "SARIF_SCHEMA",
    "TOOL_NAME",
    "FileResult",
    "commit_message",
    "dumps",
    "mermaid_graph",
    "outcome_codes",
    "pr_body",
    "summary",
    "to_json",
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


def pr_body(results: Sequence[FileResult]) -> str:
    """The pull request description."""
    changed = [r for r in results if r.changed]
    out = [
        "This pull request rewrites Dockerfiles into multi-stage builds "
        f"(generated by [{TOOL_NAME}]({INFORMATION_URI})).",
        "",
        "| File | Changes | Codemods |",
        "| --- | --- | --- |",
    ]
    for r in changed:
        out.append(f"| `{r.path}` | {len(r.explanations)} | {', '.join(r.codemods) or '–'} |")
    verified = [r for r in changed if r.verification is not None]
    if verified:
        out += ["", "### Image sizes (verified with a local build)", ""]
        out += ["| File | Before | After | Layers | User |", "| --- | --- | --- | --- | --- |"]
        for r in verified:
            v = r.verification
            assert v is not None
            a, b = v.original, v.migrated
            layers = f"{_count(a.layers)} → {_count(b.layers)}"
            out.append(
                f"| `{r.path}` | {_mb(a.size)} | {_mb(b.size)} | {layers} | {a.who} → {b.who} |"
            )
    backed = [r for r in changed if r.backoffs]
    if backed:
        out += ["", "### Backed off (the default migration failed verification)", ""]
        out += [f"- {b.line(f'`{r.path}`')}" for r in backed for b in r.backoffs]
    for r in changed:
        out += ["", f"### `{r.path}`", ""]
        out += [f"- {exp}" for exp in r.explanations]
        tree = r.report.final_tree() if r.report is not None else None
        if tree is not None:
            out += ["", "```mermaid", mermaid_graph(tree), "```"]
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
