"""test-stage: its tables, and the codemod over the shared real-world corpus.

Over every real-world Dockerfile, alone and after the default pipeline (which splits
single-stage files first), with no build context and with a synthetic context holding every
ecosystem's manifests and tests: no internal error, every output is accepted by the official
parser (the ``dockerfile`` binding of BuildKit's parser), refers to no missing stage, keeps the
final stage last (the default target) with nothing depending on the test stage, and a second run
changes nothing. Counts by outcome are printed (``pytest -s``).
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

NAME = "test-stage"

#: A build context with the manifests and tests of every ecosystem the codemod knows.
EVERY_ECOSYSTEM = {
    "go.mod": "module example.com/app\n\ngo 1.22\n",
    "app_test.go": "package main\n",
    "pom.xml": "<project/>\n",
    "build.gradle": "plugins { id 'java' }\n",
    "src/test/java/AppTest.java": "class AppTest {}\n",
    "package.json": '{"scripts": {"build": "tsc", "test": "jest"}}\n',
    "requirements.txt": "pytest==8.2.0\n",
    "tests/test_app.py": "def test_app():\n    pass\n",
    "Cargo.toml": '[package]\nname = "app"\n',
    "tests/app.rs": "#[test]\nfn works() {}\n",
    "App.Tests.csproj": '<PackageReference Include="Microsoft.NET.Test.Sdk" />\n',
}


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("go test ./...", True),
        ("npm test", True),
        ("npm run test", True),
        ("python -m pytest -q", True),
        ("./gradlew test", True),
        ("./gradlew build -x test", False),
        ("mvn -B package -DskipTests", False),
        ("go build ./...", False),
        ("npm run build", False),
    ],
)
def test_runs_tests(words: str, expected: bool) -> None:
    assert stages.runs_tests(words.split()) is expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("mvn -B clean package", True),
        ("mvn -B package -DskipTests", False),
        ("mvn package -Dmaven.test.skip=true", False),
        ("mvn dependency:go-offline", False),
        ("gradle build --no-daemon", True),
        ("./gradlew build -x test", False),
        ("gradle bootJar", False),
        ("go build .", False),
    ],
)
def test_builder_runs_tests(words: str, expected: bool) -> None:
    assert stages.builder_runs_tests(words.split()) is expected


@pytest.fixture(scope="module")
def every_ecosystem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("every-ecosystem")
    for rel, text in EVERY_ECOSYSTEM.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _check(
    path: Path, reference: str, report: FileReport, ctx: Context, problems: list[str]
) -> bool:
    """The checks every output must pass (``reference``: the output without the codemod);
    True when the codemod added a test stage."""
    dockerfile = pytest.importorskip("dockerfile")
    reasons = [s.reason for s in report.skips if s.codemod == NAME]
    bad = [r for r in reasons if r.startswith(("internal error", "change discarded"))]
    if bad:
        problems.append(f"{path.name}: {bad[0]}")
        return False
    if NAME not in report.applied:
        return False
    output = report.output
    try:
        dockerfile.parse_string(output)
    except dockerfile.GoParseError as exc:
        problems.append(f"{path.name}: official parser rejects the output ({exc})")
    before, after = build_model(parse(reference)), build_model(parse(output))
    if {e.reference for e in after.dangling} - {e.reference for e in before.dangling}:
        problems.append(f"{path.name}: dangling stage reference")
    test = after.stage(stages.TEST_STAGE)
    assert before.final is not None and after.final is not None and test is not None
    if after.final.from_.code != before.final.from_.code:
        problems.append(f"{path.name}: the final stage is no longer the default target")
    if test.index in after.needed():
        problems.append(f"{path.name}: the default target depends on the test stage")
    if len(after.stages) != len(before.stages) + 1:
        problems.append(f"{path.name}: more than the test stage was added")
    again = run_codemods(parse(output, str(path)), ctx, [load_codemod(NAME)])
    if again.output != output:
        problems.append(f"{path.name}: a second run changes the output")
    return True


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="shared real-world corpus absent")
@pytest.mark.parametrize("with_context", [False, True], ids=["no-context", "every-ecosystem"])
@pytest.mark.parametrize("pipeline", [False, True], ids=["alone", "after-default-pipeline"])
def test_realworld(pipeline: bool, with_context: bool, every_ecosystem: Path) -> None:
    codemods = select_codemods(enable=[NAME]) if pipeline else [load_codemod(NAME)]
    ctx = Context(context_dir=every_ecosystem) if with_context else Context()
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    for path, tree in realworld_trees(outcomes):
        text = tree.code
        report = run_codemods(tree, ctx, codemods)
        if pipeline:
            text = run_codemods(tree, ctx, select_codemods()).output
        if _check(path, text, report, ctx, problems):
            test = build_model(parse(report.output)).stage(stages.TEST_STAGE)
            run = test.last("RUN") if test is not None else None
            outcomes[f"test stage: {run.value if run is not None else '?'}"] += 1
        else:
            reasons = [s.reason for s in report.skips if s.codemod == NAME]
            outcomes[f"skip: {reason_kind(reasons[0]) if reasons else '(no reason)'}"] += 1
    label = "after the default pipeline" if pipeline else "alone"
    where = "with every ecosystem's tests in the context" if with_context else "without context"
    print_outcomes(f"test-stage {label}, {where},", outcomes)
    assert sum(outcomes.values()) > 0
    assert "skip: (no reason)" not in outcomes
    assert not problems, "\n".join(problems)
