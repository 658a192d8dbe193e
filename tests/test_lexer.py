"""BuildKit's word lexer tables (``frontend/dockerfile/shell``) against ``refactor.syntax.lexer``.

``envVarTest`` (TestShellParser4EnvVars): ``PLATFORM|input|expected``; we run the ``A`` (all)
and ``U`` (unix) rows with ``ProcessWord``, escape ``\\`` and env PWD=/home SHELL=bash
KOREAN=한국어 NULL= ; ``error`` means the word must be rejected.
``wordsTest`` (TestShellParser4Words): ``input | w1,w2,...`` with ``ProcessWords``; ``ENV k=v``
lines add to the environment of the rows after them.

Why our own port rather than dockerfile-parse for substitution: on the same 228 A/U rows of
``envVarTest``, ``dockerfile_parse.util.WordSplitter(input, envs=env).dequote()`` gets 87 right,
``refactor.syntax.lexer.Lex("\\\\").process_word`` gets 228 (measured with dockerfile-parse 2.0.1;
:func:`test_dockerfile_parse_word_splitter_for_information` recomputes both counts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from shared_data import SHARED

from refactor.syntax.buildkit import heredoc_specs
from refactor.syntax.lexer import Lex, LexError

SHELL = SHARED / "conformance" / "buildkit-parser" / "shell"
ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}


def _env_var_rows() -> list[tuple[int, str, str, str]]:
    """(line number, platform, input, expected), parsed as lex_test.go does."""
    path = SHELL / "envVarTest"
    if not path.is_file():
        return []
    rows = []
    for number, line in enumerate(path.read_bytes().decode("utf-8").split("\n"), 1):
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        words = line.split("|")
        assert len(words) == 3, f"envVarTest:{number}: {line!r}"
        platform, source, expected = (w.strip() for w in words)
        assert platform in ("A", "U", "W"), f"envVarTest:{number}: bad platform {platform}"
        rows.append((number, platform, source, expected))
    return rows


def _words_rows() -> list[tuple[int, str, list[str], dict[str, str]]]:
    """(line number, input, expected words, env so far), parsed as lex_test.go does."""
    path = SHELL / "wordsTest"
    if not path.is_file():
        return []
    rows = []
    env: dict[str, str] = {}
    for number, line in enumerate(path.read_bytes().decode("utf-8").splitlines(), 1):
        if line.startswith("#"):
            continue
        if line.startswith("ENV "):
            key, _, value = line[3:].lstrip(" ").partition("=")
            env = {**env, key: value}
            continue
        words = line.split("|")
        assert len(words) == 2, f"wordsTest:{number}: {line!r}"
        rows.append((number, words[0].strip(), words[1].lstrip(" ").split(","), env))
    return rows


ENV_ROWS = _env_var_rows()
UNIX_ROWS = [row for row in ENV_ROWS if row[1] in ("A", "U")]
WORD_ROWS = _words_rows()


def _params(rows: list[Any], name: str) -> list[Any]:
    if not rows:
        missing = pytest.mark.shared_missing(f"no {name} found under {SHELL}")
        return [pytest.param(*([None] * 3), id="missing", marks=missing)]
    return [pytest.param(*row[1:4], id=f"{name}:{row[0]}") for row in rows]


@pytest.mark.shared
@pytest.mark.parametrize(("platform", "source", "expected"), _params(UNIX_ROWS, "envVarTest"))
def test_env_var_table(platform: str, source: str, expected: str) -> None:
    lex = Lex("\\")
    if expected == "error":
        with pytest.raises(LexError):
            lex.process_word(source, ENV)
    else:
        assert lex.process_word(source, ENV) == expected


@pytest.mark.shared
@pytest.mark.parametrize(("source", "expected", "env"), _params(WORD_ROWS, "wordsTest"))
def test_words_table(source: str, expected: list[str], env: dict[str, str]) -> None:
    try:
        words = Lex("\\").process_words(source, env)
    except LexError:
        words = ["error"]
    assert words == expected


@pytest.mark.shared
def test_tables_are_complete(shared_dir: Path) -> None:
    """Every row was read (the tables were not silently truncated)."""
    assert len(ENV_ROWS) > 200
    assert {row[1] for row in ENV_ROWS} == {"A", "U", "W"}
    assert len(WORD_ROWS) >= 20
    assert any(env.get("trailing") == "ab c   " for *_, env in WORD_ROWS)


@pytest.mark.shared
def test_dockerfile_parse_word_splitter_for_information(shared_dir: Path) -> None:
    """dockerfile-parse's WordSplitter on the same rows; only our own count is asserted."""
    util = pytest.importorskip("dockerfile_parse.util")
    ours = theirs = 0
    for _, _, source, expected in UNIX_ROWS:
        try:
            got = util.WordSplitter(source, envs=ENV).dequote()
        except Exception:  # any failure counts as "error"
            got = "error"
        theirs += got == expected
        try:
            got = Lex("\\").process_word(source, ENV)
        except LexError:
            got = "error"
        ours += got == expected
    print(
        f"envVarTest A/U rows: {len(UNIX_ROWS)}; refactor.syntax.lexer {ours}; WordSplitter {theirs}"
    )
    assert ours == len(UNIX_ROWS)
    assert theirs < ours


# -- rules BuildKit has that the tables do not exercise ------------------------------------------
@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        # Go's "." does not match a newline: the pattern finds nothing to remove.
        ("${x#*b}", {"x": "a\nb"}, "a\nb"),
        ("${x%a*}", {"x": "a\nb"}, "a\nb"),
        ("${x#*b}", {"x": "aab"}, ""),
        # Names: unicode.IsDigit is category Nd; "²" (No) ends the name.
        ("he$²x", {"²": "NO"}, "he$²x"),
        ("$١x", {"١": "nd"}, "ndx"),  # an Arabic-Indic digit one: a digit name
        # Go's text/scanner skips a byte order mark at the start of the input.
        ("\ufeff$x", {"x": "v"}, "v"),
        ("a\ufeff", {}, "a\ufeff"),
        ("${x//a/b}", {"x": "banana"}, "bbnbnb"),
        ("${x/a/b}", {"x": "banana"}, "bbnana"),
    ],
)
def test_process_word_rules(source: str, env: dict[str, str], expected: str) -> None:
    assert Lex("\\").process_word(source, env) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # An empty quoted string is no word of its own (Go checks the buffer's length).
        ('"" a', ["a"]),
        ("'' a ''", ["a"]),
        ('a"" b', ["a", "b"]),
        # BuildKit shares one word buffer between nested processStopOn calls (4c935cf9a), so
        # what comes before ${x:-…}, ${x#…} or ${x/…/…} is lost from the words.
        ("ab${x:-c}d", ["cd"]),
        ("x ab${x#c}d", ["x", "d"]),
        ("ab$x d", ["ab", "d"]),
    ],
)
def test_process_words_rules(source: str, expected: list[str]) -> None:
    assert Lex("\\").process_words(source, {}) == expected


def test_shared_buffer_does_not_touch_the_joined_result() -> None:
    assert Lex("\\").process_word("ab${x:-c}d", {}) == "abcd"


def test_backtick_escape() -> None:
    lex = Lex("`")
    assert lex.process_word("a`$x\\b", {"x": "v"}) == "a$x\\b"
    assert lex.process_words('"a`"b" c', {}) == ['a"b', "c"]


def test_heredoc_detection_follows_current_buildkit() -> None:
    """``<<EOF${x:-y}`` loses ``<<EOF`` to the shared buffer: not a heredoc for BuildKit."""
    assert heredoc_specs("RUN cat <<EOF${x:-y}") == []
    assert [s.name for s in heredoc_specs("RUN cat <<EOF$x")] == ["EOF$x"]
    assert [s.name for s in heredoc_specs("RUN cat << EOF")] == ["EOF"]  # since 0b77373ab
    assert heredoc_specs("RUN cat ٣<<EOF") == []  # Go's \d is ASCII only
    assert [s.fd for s in heredoc_specs("RUN cat 3<<EOF")] == [3]
