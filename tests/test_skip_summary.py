"""tests/skip_summary.py: the end of a pytest run groups the skips by reason, with counts."""

from __future__ import annotations

import pytest


def test_skips_are_grouped_by_reason_with_counts(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(3))
        def test_needs_docker(n):
            pytest.skip("no Docker engine (set MSB_DOCKER)")

        @pytest.mark.skipif(True, reason="hadolint is not installed")
        def test_hadolint():
            pass

        def test_runs():
            pass
        """
    )
    result = pytester.runpytest("-p", "skip_summary", "-q")
    result.assert_outcomes(passed=1, skipped=4)
    result.stdout.fnmatch_lines(
        [
            "*= 4 skipped, by reason =*",
            "    3  no Docker engine (set MSB_DOCKER)",
            "    1  hadolint is not installed",
        ]
    )


def test_nothing_is_added_without_skips(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_runs():\n    pass\n")
    result = pytester.runpytest("-p", "skip_summary", "-q")
    result.assert_outcomes(passed=1)
    assert "by reason" not in result.stdout.str()
