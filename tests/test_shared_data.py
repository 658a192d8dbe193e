"""The switch that makes missing shared data a failure (``MSB_SHARED_REQUIRED=1``, set by .ci/run).

Each test runs a small test module in a fresh pytest session (pytester) with ``shared_data``
pointing at a folder that does not exist, once without the switch (clean skips) and once with it
(failures naming the switch); and once at a folder that exists, where nothing skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shared_data

#: What a test module that reads the shared data does: each way in of shared_data.
MODULE = """
from pathlib import Path

import pytest
from shared_data import SHARED, per_file, realworld_corpus, require


def test_require() -> None:
    assert require("conformance", "buildkit-parser").is_dir()


def test_corpus() -> None:
    assert realworld_corpus()


def test_fixture(shared_dir: Path) -> None:
    assert shared_dir == SHARED


@pytest.mark.parametrize("path", per_file([], SHARED / "things", "things"))
def test_each(path: Path) -> None:
    assert path is not None
"""


@pytest.fixture
def absent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``shared_data`` looking at a ``shared`` folder that is not there."""
    missing = tmp_path / "nowhere" / "shared"
    monkeypatch.setattr(shared_data, "SHARED", missing)
    monkeypatch.setattr(shared_data, "REALWORLD", missing / "corpus" / "realworld")
    return missing


def _run(pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.makepyfile(test_reads_shared=MODULE)
    return pytester.runpytest("-p", "shared_data", "-rsfE")


def test_missing_shared_data_skips_by_default(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, absent: Path
) -> None:
    monkeypatch.delenv(shared_data.SWITCH, raising=False)
    result = _run(pytester)
    result.assert_outcomes(skipped=4)
    result.stdout.fnmatch_lines([f"*shared data not found at {absent}*"])
    result.stdout.no_fnmatch_line(f"*{shared_data.SWITCH}*")


def test_missing_shared_data_fails_under_the_switch(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, absent: Path
) -> None:
    monkeypatch.setenv(shared_data.SWITCH, "1")
    result = _run(pytester)
    # the fixture and per_file's placeholder fail at setup (errors), the others in the test body
    result.assert_outcomes(failed=2, errors=2)
    result.stdout.fnmatch_lines(
        [f"*shared data not found at {absent}* although {shared_data.SWITCH}=1*"]
    )
    assert result.ret != 0


def test_only_1_turns_the_switch_on(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, absent: Path
) -> None:
    monkeypatch.setenv(shared_data.SWITCH, "yes")
    _run(pytester).assert_outcomes(skipped=4)


def test_present_shared_data_runs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    present = tmp_path / "shared"
    (present / "conformance" / "buildkit-parser").mkdir(parents=True)
    (present / "corpus" / "realworld").mkdir(parents=True)
    (present / "corpus" / "realworld" / "a.Dockerfile").write_text("FROM alpine\n")
    (present / "corpus" / "realworld" / "manifest.tsv").write_text("file\na.Dockerfile\n")
    monkeypatch.setattr(shared_data, "SHARED", present)
    monkeypatch.setattr(shared_data, "REALWORLD", present / "corpus" / "realworld")
    monkeypatch.setenv(shared_data.SWITCH, "1")
    # per_file([]) still has nothing to give: under the switch that is a failure too
    _run(pytester).assert_outcomes(passed=3, errors=1)
