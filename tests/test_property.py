"""Property test: random Dockerfiles round-trip, and we split and read them as BuildKit does.

Hypothesis writes files from random instructions (random keyword case, flags, JSON and shell
forms, heredocs), continuation lines with comments and blank lines inside them, standalone
comments and blank lines, parser directives, LF or CRLF per line, an optional BOM and an optional
missing final newline. For every file:

* ``parse(text).code == text``;
* the official parser (PyPI ``dockerfile``) accepts it exactly when we do, and then reports the
  same instructions: keyword, start and end line, flags, arguments, heredocs
  (``test_conformance.assert_same_as_official`` with its two rule-based normalisations).

The generator stays away from what the binding's older BuildKit reads differently from current
BuildKit on purpose (see ``test_conformance``): white space after ``<<`` (0b77373ab), flags
holding the escape token or quotes in a backtick-escape file (877d8a771), ``${`` next to a
heredoc word (4c935cf9a) and the ``# check=`` directive. A file the binding cannot hand back
to Python (its C strings are not valid UTF-8) is skipped.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_conformance import assert_same_as_official

from refactor import DockerfileSyntaxError, parse

dockerfile = pytest.importorskip("dockerfile")

pytestmark = pytest.mark.oracle

# Words: mostly plain, with quotes, escapes, variables and a few non-ASCII characters (é, ß,
# an em space, NBSP, a 3-byte character whose middle UTF-8 byte is 0xA0) that BuildKit scans
# byte by byte in flags.
PLAIN = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789._/-:=+,@%"
WORD_CHARS = PLAIN + "$'\"\\`#[]é" + "ß\u2003\u00a0\u0800"
FLAG_CHARS = "abcxyz0123456789._/-:=,"
# White space BuildKit treats in different ways in different places (split, trim, scan).
ODD_SPACE = ["\v", "\f", "\r", "\u00a0", "\u2003", " \u0085"]
# BuildKit scans flags byte by byte, and no byte of U+2003 is white space: a flag would run on
# into the next word, and flags must not hold the escape token in a backtick file (877d8a771).
ODD_SPACE_BACKTICK = [s for s in ODD_SPACE if s != "\u2003"]


def _text(alphabet: str, min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(alphabet), min_size=min_size, max_size=max_size)


words = st.lists(_text(WORD_CHARS), min_size=1, max_size=4)
plain_words = st.lists(_text(PLAIN), min_size=1, max_size=3)
names = _text("ABCDEFGHIJKLMNOPQRSTUVWXYZ_", max_size=5)
json_arrays = st.lists(_text(WORD_CHARS + " ", 0, 6), max_size=3).map(json.dumps)


@st.composite
def keyword(draw: st.DrawFn, name: str) -> str:
    style = draw(st.sampled_from(["upper", "lower", "title", "random"]))
    if style == "random":
        flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
        return "".join(c.upper() if up else c.lower() for c, up in zip(name, flips, strict=True))
    return {"upper": name.upper(), "lower": name.lower(), "title": name.title()}[style]


@st.composite
def flags(draw: st.DrawFn, names_: list[str], escape: str) -> list[str]:
    out = []
    for name in draw(st.lists(st.sampled_from(names_), max_size=3)):
        value = draw(st.one_of(st.none(), _text(FLAG_CHARS, 0, 10)))
        if value is not None and escape == "\\" and draw(st.booleans()):
            value = '"' + value + " " + draw(_text(FLAG_CHARS + "\\'", 0, 4)) + '"'
        out.append(f"--{name}" if value is None else f"--{name}={value}")
    return out


@st.composite
def heredoc(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A heredoc word (``<<EOF``, ``<<-EOF``, quoted, with an fd) and its lines."""
    name = draw(names)
    chomp = draw(st.booleans())
    quote = draw(st.sampled_from(["", "", '"', "'"]))
    fd = draw(st.sampled_from(["", "", "3"]))
    word = f"{fd}<<{'-' if chomp else ''}{quote}{name}{quote}"
    body = draw(st.lists(_text(WORD_CHARS + " \t", 0, 12), max_size=3))
    indent = draw(st.sampled_from(["", "\t", "\t\t"])) if chomp else ""
    terminated = draw(st.integers(0, 19)) > 0
    return word, [*body, *([indent + name] if terminated else [])]


@st.composite
def instruction(draw: st.DrawFn, escape: str) -> tuple[list[str], list[str]]:
    """(tokens, heredoc lines) of one instruction; the tokens are joined by white space or
    continuations, the heredoc lines follow its last line."""
    kind = draw(
        st.sampled_from(
            [
                "FROM",
                "RUN",
                "RUN",
                "COPY",
                "COPY",
                "ENV",
                "ARG",
                "LABEL",
                "CMD",
                "WORKDIR",
                "USER",
                "EXPOSE",
                "ONBUILD",
                "HEALTHCHECK",
            ]
        )
    )
    prefix: list[str] = []
    if kind == "ONBUILD":
        prefix = [draw(keyword("ONBUILD"))]
        kind = draw(st.sampled_from(["RUN", "COPY", "ENV", "CMD", "USER"]))
    tokens = [*prefix, draw(keyword(kind))]
    docs: list[str] = []
    if kind == "FROM":
        tokens += draw(flags(["platform"], escape))
        tokens += [draw(_text(PLAIN))]
        if draw(st.booleans()):
            tokens += [draw(keyword("AS")), draw(_text(PLAIN))]
    elif kind in ("RUN", "COPY"):
        names_ = (
            ["mount", "network", "security"]
            if kind == "RUN"
            else ["from", "chown", "chmod", "link", "exclude", "parents"]
        )
        tokens += draw(flags(names_, escape))
        form = draw(st.sampled_from(["shell", "json", "heredoc", "heredoc2"]))
        if form == "json":
            tokens.append(draw(json_arrays))
        elif form.startswith("heredoc"):
            for _ in range(1 if form == "heredoc" else 2):
                word, lines = draw(heredoc())
                tokens += [*draw(plain_words), word]
                docs += lines
            tokens += draw(st.lists(_text(PLAIN), max_size=2))
        else:
            tokens += draw(words)
    elif kind in ("ENV", "LABEL"):
        if draw(st.integers(0, 4)) == 0:
            tokens += draw(st.lists(_text(PLAIN.replace("=", "")), min_size=1, max_size=3))
        else:
            for _ in range(draw(st.integers(1, 3))):
                tokens.append(f"{draw(names)}={draw(_text(WORD_CHARS.replace(' ', ''), 0, 6))}")
    elif kind == "ARG":
        tokens.append(draw(names) + draw(st.sampled_from(["", "=", "=x", "=$HOME"])))
    elif kind == "CMD":
        tokens += [draw(json_arrays)] if draw(st.booleans()) else draw(words)
    elif kind == "HEALTHCHECK":
        tokens += draw(flags(["interval", "timeout", "start-period", "retries"], escape))
        if draw(st.integers(0, 4)) == 0:
            tokens.append("NONE")
        else:
            tokens.append(draw(keyword("CMD")))
            tokens += [draw(json_arrays)] if draw(st.booleans()) else draw(words)
    elif kind == "EXPOSE":
        tokens += draw(st.lists(st.sampled_from(["80", "443/tcp", "53/udp", "$PORT"]), max_size=3))
    else:  # WORKDIR, USER
        tokens += draw(words)
    return tokens, docs


@st.composite
def separator(draw: st.DrawFn, escape: str) -> list[str]:
    """What goes between two tokens: white space, or a continuation (a list of line breaks:
    the continued line's end, comment and blank lines inside it, the next line's indent)."""
    if draw(st.integers(0, 3)) > 0:
        odd = ODD_SPACE if escape == "\\" else ODD_SPACE_BACKTICK
        return [draw(st.sampled_from([" ", " ", "  ", "\t", *odd]))]
    # A continuation with no space before it glues the next word to a flag: in a backtick file
    # that flag could hold an escape token or a quote (877d8a771).
    before = draw(st.sampled_from([" ", " ", "", "\t"] if escape == "\\" else [" ", "\t"]))
    after = draw(st.sampled_from(["", "", " ", "\t "]))
    comment = st.tuples(st.sampled_from(["", "  "]), _text(PLAIN + " \\`", 0, 10)).map("#".join)
    inner = draw(st.lists(st.one_of(st.sampled_from(["", "  ", "\t"]), comment), max_size=2))
    indent = draw(st.sampled_from(["", "  ", "    ", "\t"]))
    return [f"{before}{escape}{after}", *inner, indent]


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    lines: list[str] = []
    escape = "\\"
    if draw(st.booleans()):
        lines.append(f"# {draw(keyword('syntax'))}=docker/dockerfile:1")
    if draw(st.booleans()):
        escape = draw(st.sampled_from(["\\", "`"]))
        spaces = draw(st.sampled_from(["", " "]))
        lines.append(f"#{spaces}{draw(keyword('escape'))}{spaces}={spaces}{escape}")
        if draw(st.integers(0, 19)) == 0:  # a repeated directive is an error
            lines.append(f"# escape={escape}")
    for _ in range(draw(st.integers(1, 8))):
        what = draw(st.sampled_from(["instruction"] * 5 + ["comment", "blank", "stray", "raw"]))
        if what == "comment":
            lines.append(draw(st.sampled_from(["", "  ", "\t"])) + "# " + draw(_text(WORD_CHARS)))
        elif what == "blank":
            lines.append(draw(st.sampled_from(["", " ", "\t  "])))
        elif what == "stray":  # an escape token alone on a line continues into the next one
            lines.append(escape)
        elif what == "raw":  # anything: an unknown instruction, an odd line
            chars = WORD_CHARS + " \t\r" + "".join(ODD_SPACE)
            if escape == "`":  # no flags with escape tokens or quotes (877d8a771)
                chars = "".join(c for c in chars if c not in "`\\'\"")
            lines.append(draw(_text(chars, 0, 12)))
        else:
            tokens, docs = draw(instruction(escape))
            current = draw(st.sampled_from(["", "", "  ", "\t"])) + tokens[0]
            for token in tokens[1:]:
                sep = draw(separator(escape))
                current += sep[0]
                for piece in sep[1:]:
                    lines.append(current)
                    current = piece
                current += token
            lines.append(current + draw(st.sampled_from(["", "", " ", "\t"])))
            lines += docs
    eols = draw(st.lists(st.sampled_from(["\n", "\r\n"]), min_size=len(lines), max_size=len(lines)))
    text = "".join(line + eol for line, eol in zip(lines, eols, strict=True))
    if draw(st.integers(0, 3)) == 0:
        text = text.removesuffix("\n").removesuffix("\r")
    if draw(st.integers(0, 4)) == 0:
        text = "\ufeff" + text
    return text


def check(text: str) -> None:
    try:
        dockerfile.parse_string(text)
        official_error = None
    except dockerfile.GoParseError as exc:
        official_error = exc
    except UnicodeDecodeError:
        assume(False)  # the binding cannot return a string BuildKit split inside a character
    try:
        tree = parse(text)
    except DockerfileSyntaxError as exc:
        assert official_error is not None, f"we reject what BuildKit accepts: {exc}"
        return
    assert tree.code == text
    assert official_error is None, f"we accept what BuildKit rejects: {official_error}"
    for node in tree.instructions:  # the parser's cached reading is the node's own
        fresh = dataclasses.replace(node)
        assert (fresh.logical, fresh.parsed) == (node.logical, node.parsed)
    assert_same_as_official(text)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(dockerfiles())
def test_random_dockerfiles(text: str) -> None:
    check(text)


@pytest.mark.parametrize(
    "text",
    [
        "FROM a\nRUN <<EOF\nx\nEOF",
        "\\\nFROM a\n",
        "FROM a\nRUN a \\\n# c\n\n  b\r\n",
        "FROM a\nCOPY --chown=bücher a b\n",
        "FROM a\nRUN --network=x\u00a0y z\n",
        "\ufeffCMD \x850",  # found by hypothesis: U+0085 after the keyword
        "# escape=`\nFROM a\nRUN a `\n  b\n",
        "FROM a\nRUN <<EOF\nx\n",
        "FROM a\nENV x\n",
        'FROM a\nHEALTHCHECK --interval=1s CMD ["a"]\n',
        "\ufefffrom a\r\nonbuild run <<-'E' cat\r\n\tx\r\n\tE\r\n",
        "\ufeffARG A\n\n0 []0",  # found by hypothesis: JSON and text after an unknown keyword
    ],
)
def test_examples(text: str) -> None:
    """Hand-picked cases, so that the property's checks run whatever hypothesis draws."""
    check(text)
