"""Bad and unusual input: one clear error naming the file (and line), never a traceback, and
parsing never writes to the file it reads.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from refactor import DockerfileSyntaxError, InputError, MsbError, parse, parse_bytes, parse_file
from refactor.syntax.parser import MAX_BYTES, MAX_LINE_BYTES


def _write(tmp_path: Path, data: bytes, name: str = "Dockerfile") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_one_line(exc: MsbError, path: Path | str) -> str:
    message = str(exc)
    assert message.startswith(f"{path}:")
    assert "\n" not in message and "Traceback" not in message
    return message


# -- not a Dockerfile we can read -----------------------------------------------------------------
def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, b"")
    with pytest.raises(DockerfileSyntaxError) as info:
        parse_file(path)
    assert_one_line(info.value, path)
    assert info.value.path == str(path)
    assert "no instructions" in info.value.problem


@pytest.mark.parametrize("data", [b"\n\n", b"# only a comment\n", b"# syntax=x\n   \n"])
def test_file_without_instructions(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(DockerfileSyntaxError, match="no instructions") as info:
        parse_file(path)
    assert_one_line(info.value, path)


@pytest.mark.parametrize(
    "data",
    [
        "FROM a\nRUN x\n".encode("utf-16"),  # with a byte order mark
        "FROM a\nRUN x\n".encode("utf-16-le"),
        "FROM a\nRUN x\n".encode("utf-16-be"),
    ],
    ids=["bom", "le", "be"],
)
def test_utf16_file_says_convert_to_utf8(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        parse_file(path)
    message = assert_one_line(info.value, path)
    assert "UTF-16" in message and "convert it to UTF-8" in message and "binary" not in message


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00",
        b"FROM a\nRUN echo \x00\n",
    ],
    ids=["elf", "nul-in-text"],
)
def test_binary_file(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        parse_file(path)
    message = assert_one_line(info.value, path)
    assert "binary" in message and "NUL" in message
    with pytest.raises(InputError, match="binary"):
        parse_bytes(data, str(path))


def test_latin1_file(tmp_path: Path) -> None:
    data = 'FROM debian\nLABEL maintainer="José Müller"\n'.encode("latin-1")
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        parse_file(path)
    message = assert_one_line(info.value, path)
    assert "not valid UTF-8" in message
    assert "0xe9" in message  # the first offending byte, é in Latin-1
    assert info.value.line == 2
    with pytest.raises(InputError, match="UTF-8"):
        parse_bytes(data, "in-memory")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "Dockerfile"
    with pytest.raises(InputError) as info:
        parse_file(missing)
    assert_one_line(info.value, missing)
    with pytest.raises(InputError, match="directory") as info:
        parse_file(tmp_path)
    assert_one_line(info.value, tmp_path)


def test_too_large() -> None:
    with pytest.raises(InputError, match="too large") as info:
        parse_bytes(b"#" * (MAX_BYTES + 1), "huge")
    assert_one_line(info.value, "huge")


def test_error_without_a_path_names_the_input() -> None:
    with pytest.raises(DockerfileSyntaxError) as info:
        parse("")
    assert str(info.value).startswith("<input>:")


# -- big input ------------------------------------------------------------------------------------
def test_20_mb_dockerfile_round_trips(tmp_path: Path) -> None:
    block = (
        "RUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends curl ca-certificates \\\n"
        "    # keep the list sorted\n"
        "\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )
    count = 20 * 1024 * 1024 // len(block) + 1
    text = "FROM debian:12\n" + block * count
    assert len(text) > 20 * 1024 * 1024
    path = _write(tmp_path, text.encode("utf-8"))
    tree = parse_file(path)
    assert tree.code == text
    assert len(tree.instructions) == count + 1
    spans = [(s, e) for _, s, e in tree.lines()]
    assert spans[-1] == (2 + 5 * (count - 1), 1 + 5 * count)


# -- syntax errors, with their line ---------------------------------------------------------------
def test_unterminated_heredoc() -> None:
    text = "FROM a\nRUN echo ok\nRUN <<EOF cat\nline one\nline two\nEOF \n"
    with pytest.raises(DockerfileSyntaxError, match="unterminated heredoc") as info:
        parse(text, "Dockerfile.heredoc")
    assert info.value.line == 3
    assert str(info.value).startswith("Dockerfile.heredoc:3:")


def test_second_heredoc_unterminated() -> None:
    with pytest.raises(DockerfileSyntaxError, match="unterminated heredoc") as info:
        parse("FROM a\n\nCOPY <<A <<B /dst/\na\nA\nb\n")
    assert info.value.line == 3


def test_duplicate_escape_directive() -> None:
    with pytest.raises(DockerfileSyntaxError, match="only one escape parser directive") as info:
        parse("# escape=`\n# escape=\\\nFROM a\n", "df")
    assert info.value.line == 2


def test_duplicate_syntax_directive_any_case() -> None:
    with pytest.raises(DockerfileSyntaxError, match="only one syntax parser directive"):
        parse("# syntax=a\n#SYNTAX = b\nFROM a\n")


@pytest.mark.parametrize("token", ["/", "x", "``", "\\\\"])
def test_invalid_escape_token(token: str) -> None:
    with pytest.raises(DockerfileSyntaxError, match="invalid escape token") as info:
        parse(f"# syntax=x\n# escape={token}\nFROM a\n")
    assert info.value.line == 2


def test_escape_directive_after_an_instruction_is_a_comment() -> None:
    tree = parse("FROM a\n# escape=/\n")
    assert tree.escape == "\\"


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("FROM a\n\nENV\tKEY\n", 3, "ENV must have two arguments"),
        ("FROM a\nLABEL a=b c\n", 2, "can't find = in"),
        ('FROM a\nRUN x\nCMD ["a", ["b"]]\n', 3, "strings only"),
        ("FROM a\nRUN a \\\n  b \\\n  c\nONBUILD ENV x\n", 5, "ENV must have two arguments"),
    ],
)
def test_instruction_errors_have_their_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(DockerfileSyntaxError, match=problem) as info:
        parse(text)
    assert info.value.line == line


@pytest.mark.parametrize("bom", ["", "\ufeff"])
@pytest.mark.parametrize("eol", ["\n", "", "\r\n"])
def test_line_length_limit_matches_buildkit(bom: str, eol: str) -> None:
    """BuildKit's line scanner refuses a line of more than 65535 bytes (BOM and CR included)."""
    fits = MAX_LINE_BYTES - len(bom.encode()) - len(eol.rstrip("\n"))
    ok = f"{bom}RUN {'a' * (fits - 4)}{eol}"
    assert parse(ok).code == ok
    too_long = f"{bom}RUN {'a' * (fits - 3)}{eol}"
    with pytest.raises(DockerfileSyntaxError, match="greater than max allowed size") as info:
        parse(too_long)
    assert info.value.line == 1
    if (bom, eol) not in (("", "\n"), ("\ufeff", "\r\n")):
        return  # the official parser needs a second for such a line: check two cases only
    dockerfile = pytest.importorskip("dockerfile")
    dockerfile.parse_string(ok)
    with pytest.raises(dockerfile.GoParseError):
        dockerfile.parse_string(too_long)


def test_line_length_counts_bytes() -> None:
    text = "FROM a\nRUN x\n" + "é" * 40000 + "\n"  # 80000 bytes in 40000 characters
    with pytest.raises(DockerfileSyntaxError, match="greater than max allowed size") as info:
        parse(text)
    assert info.value.line == 3


# -- parse never writes ---------------------------------------------------------------------------
def test_parse_file_never_writes(tmp_path: Path) -> None:
    data = "\ufeffFROM a\r\nRUN x \\\r\n  y".encode()
    path = _write(tmp_path, data)
    past = 1_000_000_000
    os.utime(path, ns=(past, past))
    before = path.stat()
    tree = parse_file(path)
    tree.insert_after(tree.instructions[0], [tree.instructions[1]]).ensure_final_newline()
    with pytest.raises(DockerfileSyntaxError):
        parse_file(_write(tmp_path, b"", "Empty"))
    after = path.stat()
    assert path.read_bytes() == data
    assert (after.st_mtime_ns, after.st_size, after.st_mode) == (
        before.st_mtime_ns,
        before.st_size,
        before.st_mode,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "Empty"]
