"""deps-stage: its tables, and the codemod over the shared real-world corpus.

Over every real-world Dockerfile, alone and after the default pipeline (which splits
single-stage files first): no internal error, every output is accepted by the official parser
(the ``dockerfile`` binding of BuildKit's parser), refers to no missing stage, keeps the final
stage last and named as it was, and a second run changes nothing. Counts by outcome are printed
(``pytest -s``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from realworld import REALWORLD, print_outcomes, realworld_trees, reason_kind

from refactor.analysis.model import build_model
from refactor.data import stages
from refactor.engine.codemod import Context
from refactor.engine.runner import FileReport, load_codemod, run_codemods, select_codemods
from refactor.syntax.parser import parse

NAME = "deps-stage"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("npm ci", True),
        ("npm install --no-audit", True),
        ("npm install -g pnpm", False),
        ("yarn", True),
        ("yarn install --frozen-lockfile", True),
        ("pip install --no-cache-dir -r requirements.txt", True),
        ("python -m pip install -r requirements.txt", True),
        ("pip install poetry", False),
        ("pip install .", False),
        ("poetry install --no-root", True),
        ("go mod download", True),
        ("go build ./...", False),
        ("mvn -B dependency:go-offline", True),
        ("./mvnw dependency:resolve", True),
        ("mvn package", False),
        ("cargo fetch", True),
        ("cargo build --release", False),
        ("bundle install", True),
        ("composer install --no-dev", True),
        ("dotnet restore", True),
        ("apt-get install -y git", False),
    ],
)
def test_installs_dependencies(words: str, expected: bool) -> None:
    assert stages.installs_dependencies(words.split()) is expected


def test_a_build_before_the_sources_installs_dependencies() -> None:
    assert stages.installs_dependencies(["cargo", "build", "--release"], sources=False)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("package*.json", True),
        ("./go.mod", True),
        ("src/Api/Api.csproj", True),
        ("requirements-dev.txt", True),
        (".", False),
        ("./", False),
        ("src", False),
        ("main.go", False),
        ("tsconfig.json", False),
    ],
)
def test_is_manifest(source: str, expected: bool) -> None:
    assert stages.is_manifest(source) is expected


def test_two_builders_get_a_deps_stage_each() -> None:
    text = (
        "FROM node:20 AS web\nWORKDIR /web\nCOPY package.json package-lock.json ./\n"
        "RUN npm ci\nCOPY . .\nRUN npm run build\n\n"
        "FROM golang:1.22 AS api\nWORKDIR /api\nCOPY go.mod go.sum ./\nRUN go mod download\n"
        "COPY . .\nRUN go build -o /bin/api .\n\n"
        "FROM alpine:3.20 AS runtime\nCOPY --from=web /web/dist /srv\n"
        'COPY --from=api /bin/api /bin/api\nCMD ["api"]\n'
    )
    report = run_codemods(parse(text), Context(), [load_codemod(NAME)])
    model = build_model(parse(report.output))
    assert [s.name for s in model.stages] == ["web-deps", "web", "api-deps", "api", "runtime"]
    again = run_codemods(parse(report.output), Context(), [load_codemod(NAME)])
    assert again.output == report.output


def _check(path: Path, reference: str, report: FileReport, problems: list[str]) -> bool:
    """The checks every output must pass (``reference``: the output without the codemod);
    True when the codemod changed the file."""
    dockerfile = pytest.importorskip("dockerfile")
    reasons = [s.reason for s in report.skips if s.codemod == NAME]
    bad = [r for r in reasons if r.startswith(("internal error", "change discarded"))]
    if bad:
        problems.append(f"{path.name}: {bad[0]}")
        return False
    changed = NAME in report.applied
    if not changed:
        return False
    output = report.output
    try:
        dockerfile.parse_string(output)
    except dockerfile.GoParseError as exc:
        problems.append(f"{path.name}: official parser rejects the output ({exc})")
    before, after = build_model(parse(reference)), build_model(parse(output))
    if {e.reference for e in after.dangling} - {e.reference for e in before.dangling}:
        problems.append(f"{path.name}: dangling stage reference")
    assert before.final is not None and after.final is not None
    if after.final.from_.code != before.final.from_.code:
        problems.append(f"{path.name}: the final stage changed")
    again = run_codemods(parse(output, str(path)), Context(), [load_codemod(NAME)])
    if again.output != output:
        problems.append(f"{path.name}: a second run changes the output")
    return True


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="shared real-world corpus absent")
@pytest.mark.parametrize("pipeline", [False, True], ids=["alone", "after-default-pipeline"])
def test_realworld(pipeline: bool) -> None:
    codemods = select_codemods(enable=[NAME]) if pipeline else [load_codemod(NAME)]
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    for path, tree in realworld_trees(outcomes):
        text = tree.code
        report = run_codemods(tree, Context(), codemods)
        if pipeline:
            text = run_codemods(tree, Context(), select_codemods()).output
        if _check(path, text, report, problems):
            outcomes["deps stage added"] += 1
        else:
            reasons = [s.reason for s in report.skips if s.codemod == NAME]
            outcomes[f"skip: {reason_kind(reasons[0]) if reasons else '(no reason)'}"] += 1
    print_outcomes(f"deps-stage {'after the default pipeline' if pipeline else 'alone'}", outcomes)
    assert sum(outcomes.values()) > 0
    assert "skip: (no reason)" not in outcomes
    assert not problems, "\n".join(problems)
