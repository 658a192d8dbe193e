"""split-build-runtime over the shared real-world corpus.

Every single-stage Dockerfile is either split or skipped with a reason (never an internal
error); every split is accepted by the official parser (the ``dockerfile`` binding of
BuildKit's parser) and a second run changes nothing. Counts by outcome are printed
(``pytest -s``).
"""

from __future__ import annotations

from collections import Counter

import pytest
from realworld import REALWORLD, print_outcomes, realworld_trees, reason_kind

from refactor.analysis.model import build_model
from refactor.engine.codemod import Context
from refactor.engine.runner import load_codemod, run_codemods
from refactor.syntax.parser import parse

dockerfile = pytest.importorskip("dockerfile")

NAME = "split-build-runtime"


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="shared real-world corpus absent")
def test_realworld_split_or_skip_with_reason() -> None:
    codemod = load_codemod(NAME)
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    for path, tree in realworld_trees(outcomes):
        text = tree.code
        if len(build_model(tree).stages) != 1:
            continue
        report = run_codemods(tree, Context(), [codemod])
        reasons = [s.reason for s in report.skips if s.codemod == NAME]
        if any("internal error" in r or "change discarded" in r for r in reasons):
            problems.append(f"{path.name}: {reasons}")
            continue
        if report.output == text:
            if not reasons:
                problems.append(f"{path.name}: unchanged without a reason")
            outcomes[f"skip: {reason_kind(reasons[0])}"] += 1
            continue
        outcomes["split"] += 1
        try:
            dockerfile.parse_string(report.output)
        except dockerfile.GoParseError as exc:
            problems.append(f"{path.name}: official parser rejects the output ({exc})")
        again = run_codemods(parse(report.output, str(path)), Context(), [codemod])
        if again.output != report.output:
            problems.append(f"{path.name}: a second run changes the output")
    print_outcomes("split-build-runtime (single-stage files)", outcomes)
    assert sum(outcomes.values()) > 0
    assert not problems, "\n".join(problems)
