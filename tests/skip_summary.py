"""A pytest plugin (loaded by conftest.py): at the end of the run, what was skipped and why, one
line per reason with its count, so that a run without Docker, the test extras or ../shared says
which checks it did not make instead of skipping them without a word."""

from __future__ import annotations

from collections import Counter

import pytest
from _pytest.terminal import TerminalReporter


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr  # a skip's is (file, line, "Skipped: why")
    text = str(longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr)
    return text.removeprefix("Skipped: ").strip() or "(no reason given)"


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    reports = terminalreporter.stats.get("skipped", [])
    if not reports:
        return
    reasons = Counter(_reason(report) for report in reports)
    total = sum(reasons.values())
    terminalreporter.write_sep("=", f"{total} skipped, by reason")
    for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        terminalreporter.write_line(f"{count:5d}  {reason}")
