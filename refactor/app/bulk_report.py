"""``msb-migrate bulk-report merge``: the reports of the shards of one bulk run as one report.

A bulk run split over machines (``--shard K/N`` or ``--shard auto``, see
:mod:`refactor.app.shards`) leaves one JSON report per shard. The merged report has the shape of
a one-process run's (:func:`refactor.app.bulk.run_bulk`): the repositories of every shard, each
once, the totals recomputed, ``shard`` null; ``workspace`` is null (each shard had its own) and
``shards`` lists where each part came from (its report, shard, REPOS, workspace: a dry run's
``diff`` paths are relative to the shard's workspace).

Refused, with the reason: a file that is not a bulk report, reports of different modes or shard
counts, a shard given twice or missing, a repository in two reports, and with ``--repos`` a
repository the list does not have or a listed one no report has. The repositories are in the
order of ``--repos`` (the order a one-process run reports), else by identifier.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from refactor.app.bulk import (
    STATUSES,
    WORKSPACE,
    RepoResult,
    _print_table,
    _repositories,
    _totals,
    read_repos,
)
from refactor.app.output import EXIT_ERROR, Failure
from refactor.app.redact import redact_data
from refactor.app.write import write_atomic

__all__ = ["merge", "merge_reports"]

_KEYS = ("tool", "mode", "shard", "repositories", "totals")
_SHARD = re.compile(r"^(\d+)/(\d+)$")  # as bulk writes it


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise Failure(f"{path}: not a bulk report: {exc}") from None
    if not isinstance(data, dict) or any(key not in data for key in _KEYS):
        raise Failure(f"{path}: not a bulk report (no {', '.join(_KEYS)})")
    if not isinstance(data["repositories"], list):
        raise Failure(f"{path}: not a bulk report (repositories is not a list)")
    return data


def _shard(path: Path, value: object) -> tuple[int, int]:
    if not isinstance(value, str):
        raise Failure(f"{path}: the report of a run without --shard; nothing to merge it with")
    match = _SHARD.match(value)
    if match is None or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise Failure(f"{path}: shard {value!r} is not K/N")
    return int(match.group(1)), int(match.group(2))


def _check_shards(paths: Sequence[Path], reports: Sequence[Mapping[str, Any]]) -> None:
    modes = {str(r["mode"]) for r in reports}
    if len(modes) > 1:
        raise Failure(f"the reports are of different modes ({', '.join(sorted(modes))})")
    seen: dict[int, Path] = {}
    counts: set[int] = set()
    for path, report in zip(paths, reports, strict=True):
        number, count = _shard(path, report["shard"])
        counts.add(count)
        if number in seen:
            raise Failure(f"shard {number}/{count} is given twice ({seen[number]}, {path})")
        seen[number] = path
    if len(counts) > 1:
        shown = ", ".join(str(c) for c in sorted(counts))
        raise Failure(f"the reports split the list into different numbers of shards ({shown})")
    (count,) = counts
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in seen]
    if missing:
        raise Failure(f"missing the report of shard {', '.join(missing)}")


def _ordered(results: dict[str, RepoResult], repos: Path | None) -> list[RepoResult]:
    if repos is None:
        return [results[ident] for ident in sorted(results)]
    specs, _ = read_repos(repos, Path(WORKSPACE).absolute())
    listed = [spec.id for spec in specs]
    unknown = sorted(set(results) - set(listed))
    if unknown:
        raise Failure(f"{repos} does not list {unknown[0]} (another list?)")
    absent = [ident for ident in listed if ident not in results]
    if absent:
        raise Failure(f"no report has {absent[0]}, which {repos} lists (another list?)")
    return [results[ident] for ident in listed]


def merge(paths: Sequence[Path], repos: Path | None = None) -> dict[str, Any]:
    """The merged report of the shard reports at ``paths``."""
    reports = [_load(path) for path in paths]
    _check_shards(paths, reports)
    results: dict[str, RepoResult] = {}
    where: dict[str, Path] = {}
    for path, report in zip(paths, reports, strict=True):
        for entry in report["repositories"]:
            result = RepoResult.from_json(entry)
            if result.repo in results:
                raise Failure(f"{result.repo} is in two reports ({where[result.repo]}, {path})")
            results[result.repo] = result
            where[result.repo] = path
    ordered = _ordered(results, repos)
    sources = {report.get("repos") for report in reports}
    shards = sorted(
        (
            {
                "report": str(path),
                "shard": report["shard"],
                "repos": report.get("repos"),
                "workspace": report.get("workspace"),
                "repositories": len(report["repositories"]),
            }
            for path, report in zip(paths, reports, strict=True)
        ),
        key=lambda entry: _shard(Path(entry["report"]), entry["shard"])[0],
    )
    return {
        "tool": reports[0]["tool"],
        "mode": reports[0]["mode"],
        "repos": sources.pop() if len(sources) == 1 else None,
        "shard": None,
        "workspace": None,
        "shards": shards,
        "repositories": [asdict(r) for r in ordered],
        "totals": _totals(ordered),
    }


def merge_reports(paths: Sequence[Path], output: Path, repos: Path | None) -> int:
    """``msb-migrate bulk-report merge``: write the merged report, print its table and
    summary line; the exit status (2 when a repository failed, as ``bulk``)."""
    report = merge(paths, repos)
    text = json.dumps(redact_data(report), indent=2, ensure_ascii=False)
    write_atomic(output.absolute(), text + "\n")
    ordered = [RepoResult.from_json(entry) for entry in report["repositories"]]
    totals = report["totals"]
    _print_table(ordered, totals)
    counts = ", ".join(f"{totals[s]} {s}" for s in STATUSES)
    shards = len(report["shards"])
    click.echo(
        f"{_repositories(len(ordered))} from {shards} shard reports: {counts}; report: {output}",
        err=True,
    )
    return EXIT_ERROR if totals["failed"] else 0
