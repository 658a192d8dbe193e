"""Diffs of large files (issue 14, item 9): the patience path above ``FAST_FROM`` lines gives a
patch that applies back to the new text, never hands difflib a whole large file, and leaves
the diff of ordinary files difflib's; the per-stage destinations are computed once.

No timing is asserted: what makes the large path fast (difflib only ever sees small gaps) is
asserted instead.
"""

from __future__ import annotations

import difflib
import random
import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refactor.analysis import destinations as dest_module
from refactor.analysis.model import build_model
from refactor.app import diffing
from refactor.app.diffing import FAST_FROM, FileDiff, assign_explanations, diff_text
from refactor.engine.codemod import Explanation
from refactor.syntax.parser import parse
from refactor.syntax.tree import split_lines

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_patch(old: str, patch: str) -> str:
    """``patch`` (one file, as :func:`diff_text` writes it) applied to ``old``, checking every
    context and removed line and every hunk range strictly."""
    source, out, at = split_lines(old), [], 0
    lines = patch.split("\n")[2:-1]  # past the two headers; the patch ends with a newline
    k = 0
    while k < len(lines):
        found = _HUNK.fullmatch(lines[k])
        assert found, lines[k]
        old_start, old_len = int(found[1]), int(found[2] or 1)
        new_len = int(found[4] or 1)
        start = old_start - 1 if old_len else old_start
        assert start >= at
        out += source[at:start]
        at, seen_old, seen_new, k = start, 0, 0, k + 1
        while k < len(lines) and not lines[k].startswith("@@"):
            prefix, text = lines[k][0], lines[k][1:] + "\n"
            if k + 1 < len(lines) and lines[k + 1] == diffing.NO_NEWLINE:
                text, k = text[:-1], k + 1
            if prefix in " -":
                assert source[at] == text
                at, seen_old = at + 1, seen_old + 1
            if prefix in " +":
                out.append(text)
                seen_new += 1
            k += 1
        assert (seen_old, seen_new) == (old_len, new_len)
    return "".join(out + source[at:])


def chain(n: int) -> tuple[str, str]:
    """A chain of ``n`` stages, and the same with a comment before each one."""
    old = "FROM alpine AS s0\n" + "".join(f"FROM s{i - 1} AS s{i}\n" for i in range(1, n))
    new = "".join(f"# s{i}: a stage\n{line}" for i, line in enumerate(split_lines(old)))
    return old, new


def _repeated(n: int) -> tuple[str, str]:
    # No line is unique: the gap difflib gets is the whole file, matched with autojunk.
    return "RUN echo\n" * n, "# c\nRUN echo\n" * n


def _random_edits(n: int) -> tuple[str, str]:
    rnd = random.Random(n)
    old = [f"RUN step {rnd.randrange(n // 4)}\n" for _ in range(n)]
    new: list[str] = []
    for line in old:
        roll = rnd.random()
        if roll < 0.05:
            continue
        if roll < 0.1:
            new.append(f"# inserted {rnd.randrange(10)}\n")
        new.append(line if roll < 0.9 else line.replace("step", "STEP"))
    return "".join(old), "".join(new)


def _crlf_no_final_newline(n: int) -> tuple[str, str]:
    old, new = chain(n)
    return old.replace("\n", "\r\n").rstrip("\n"), new.replace("\n", "\r\n") + "USER 1"


LARGE: dict[str, Callable[[int], tuple[str, str]]] = {
    "chain-with-comments": chain,
    "repeated-lines": _repeated,
    "random-edits": _random_edits,
    "crlf-no-final-newline": _crlf_no_final_newline,
}


@contextmanager
def difflib_sizes() -> Iterator[list[int]]:
    """The longer side of every sequence pair :mod:`refactor.app.diffing` hands difflib."""
    sizes: list[int] = []

    class Recording(difflib.SequenceMatcher):  # type: ignore[type-arg]
        def __init__(self, isjunk: Any, a: Any, b: Any, autojunk: bool = True) -> None:
            sizes.append(max(len(a), len(b)))
            super().__init__(isjunk, a, b, autojunk=autojunk)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diffing.difflib, "SequenceMatcher", Recording)
        yield sizes


@pytest.mark.parametrize("shape", sorted(LARGE))
def test_large_diff_applies_back_to_the_new_text(shape: str) -> None:
    old, new = LARGE[shape](6000)
    with difflib_sizes() as sizes:
        patch = diff_text([FileDiff.of("Dockerfile", old, new)])
    assert apply_patch(old, patch) == new
    # difflib alone is quadratic here; it only ever sees the gaps between anchors, except
    # when no line is unique anywhere (then the whole file, with autojunk).
    assert all(size < FAST_FROM for size in sizes) or shape == "repeated-lines"


def test_the_large_path_is_what_git_apply_reads(tmp_path: Path) -> None:
    old, new = chain(5000)
    (tmp_path / "Dockerfile").write_text(old)
    (tmp_path / "p.diff").write_text(diff_text([FileDiff.of("Dockerfile", old, new)]))
    try:
        subprocess.run(["git", "apply", "p.diff"], cwd=tmp_path, check=True, timeout=60)
    except FileNotFoundError:
        pytest.skip("git is not installed")
    assert (tmp_path / "Dockerfile").read_text() == new


def test_a_large_chain_diff_is_what_difflib_would_print() -> None:
    """Where lines are unique (a codemod's typical edit), both algorithms agree."""
    old, new = chain(FAST_FROM)
    ours = diff_text([FileDiff.of("x", old, new)])
    theirs = "".join(difflib.unified_diff(split_lines(old), split_lines(new), "a/x", "b/x"))
    assert ours == theirs


LINES = st.lists(
    st.one_of(
        st.sampled_from(["FROM a\n", "RUN b\n", "\n", "# x\n"]), st.from_regex(r"L[0-9]{2}\n")
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(LINES, LINES, st.booleans())
def test_the_patience_path_applies_on_any_input(a: list[str], b: list[str], cut: bool) -> None:
    old, new = "".join(a), "".join(b)
    if cut:  # a last line without a newline on the new side
        new = new[:-1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diffing, "FAST_FROM", 0)
        diff = FileDiff.of("Dockerfile", old, new)
    assert apply_patch(old, diff_text([diff])) == new or (old == new and not diff.hunks)


def test_explanations_find_their_hunk_among_thousands() -> None:
    old = "".join(f"RUN {i}\n" for i in range(20000))
    new = "".join(f"RUN {i}{'!' if i % 10 == 0 else ''}\n" for i in range(20000))
    hunks = FileDiff.of("D", old, new).hunks
    assert len(hunks) == 2000
    explanations = [Explanation("c", str(line), line=line) for line in range(1, 20001, 7)]
    groups = assign_explanations(hunks, [*explanations, Explanation("c", "no line")])
    for exp in explanations:  # the first hunk covering its line, else the first hunk
        index = next((i for i, h in enumerate(hunks) if h.covers(exp.line or 0)), 0)
        assert exp in groups[index]
    assert groups[0][-1].message == "no line"


# -- destinations: once per stage ----------------------------------------------------------------


def test_destinations_are_computed_once_per_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    copies = "".join(f"COPY --from=s0 /f /d{i}/f\n" for i in range(50))
    model = build_model(parse(f"FROM alpine AS s0\nRUN touch /f\nFROM alpine\n{copies}"))
    stage = model.stages[-1]
    calls: list[object] = []
    compute = dest_module._destinations
    monkeypatch.setattr(dest_module, "_destinations", lambda s: calls.append(s) or compute(s))
    found = [dest_module.copy_destination(stage, inst) for inst in stage.all("COPY")]
    assert [d.path if d else None for d in found] == [f"/d{i}/f" for i in range(50)]
    assert calls == [stage]
    assert dest_module.destinations(stage) is dest_module.destinations(stage)
