"""split-build-runtime over the shared real-world corpus.

Every single-stage Dockerfile is either split or skipped with a reason (never an internal
error); every split is accepted by the official parser (the ``dockerfile`` binding of
BuildKit's parser) and a second run changes nothing. Counts by outcome are printed
(``pytest -s``).
"""

from __future__ import annotations

from collections import Counter

import pytest
from realworld import REALWORLD, realworld_files, reason_kind

from refactor.codemod import Context
from refactor.errors import MsbError
from refactor.model import build_model
from refactor.parser import parse
from refactor.runner import load_codemod, run_codemods

dockerfile = pytest.importorskip("dockerfile")

NAME = "split-build-runtime"


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="shared real-world corpus absent")
def test_realworld_split_or_skip_with_reason() -> None:
    codemod = load_codemod(NAME)
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    for path in realworld_files():
        text = path.read_bytes().decode("utf-8", errors="replace")
        try:
            tree = parse(text, str(path))
        except MsbError:
            outcomes["(does not parse)"] += 1
            continue
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
    total = sum(outcomes.values())
    print(f"\nsplit-build-runtime over {total} single-stage real-world files:")
    for outcome, count in outcomes.most_common():
        print(f"{count:4d}  {outcome}")
    assert total > 0
    assert not problems, "\n".join(problems)
