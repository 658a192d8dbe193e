"""The lossless tree's API: edits touch only what they change, new nodes follow the file's style,
and what an instruction means (flags, heredocs, JSON form, ONBUILD) is read as BuildKit reads it.
"""

from __future__ import annotations

import dataclasses

import pytest

from refactor import (
    Blank,
    Comment,
    Directive,
    Dockerfile,
    DockerfileSyntaxError,
    Flag,
    Heredoc,
    Instruction,
    Style,
    deep_equals,
    parse,
)
from refactor.syntax.parser import onbuild_instruction

CRLF = (
    "# syntax=docker/dockerfile:1\r\n"
    "FROM golang:1.22 AS build\r\n"
    "RUN --mount=type=cache,target=/root/.cache/go-build \\\r\n"
    "    # a comment inside the continuation\r\n"
    "\r\n"
    "    --network=none  go build -o /out/app ./cmd/app   \r\n"
    "\r\n"
    "FROM scratch\r\n"
    "COPY --from=build --chmod=755 /out/app /app\r\n"
    'ENTRYPOINT ["/app"]\r\n'
)


def _offset(tree: Dockerfile, target: object) -> int:
    """Where ``target`` starts in ``tree.code``."""
    offset = 1 if tree.bom else 0
    for node in tree.nodes:
        if node is target:
            return offset
        offset += len(node.code)
    raise AssertionError("node not in tree")


def assert_only_changed(tree: Dockerfile, old: Instruction, new: Instruction) -> str:
    """Replace ``old`` with ``new``; everything around it must stay byte for byte."""
    text = tree.code
    out = tree.replace(old, new).code
    start = _offset(tree, old)
    assert out[:start] == text[:start]
    assert out[start : start + len(new.code)] == new.code
    assert out[start + len(new.code) :] == text[start + len(old.code) :]
    return out


def instruction(text: str, index: int = 0) -> Instruction:
    return parse(text).instructions[index]


# -- editing --------------------------------------------------------------------------------------
def test_with_flag_keeps_the_rest_of_the_file() -> None:
    tree = parse(CRLF)
    run = tree.instructions[1]
    new = run.with_flag("--security=insecure")
    out = assert_only_changed(tree, run, new)
    # The continuation, its comment and blank line, and the odd spacing are all still there.
    assert "    # a comment inside the continuation\r\n\r\n" in new.code
    assert new.code.endswith(
        "--network=none --security=insecure  go build -o /out/app ./cmd/app   \r\n"
    )
    again = parse(out).instructions[1]
    assert again.flags_named("security") == ["insecure"]
    assert again.flag_values == (
        "--mount=type=cache,target=/root/.cache/go-build",
        "--network=none",
        "--security=insecure",
    )
    assert again.value == "go build -o /out/app ./cmd/app"


def test_with_flag_first() -> None:
    copy = instruction("FROM a\nCOPY --chmod=644 a b\n", 1)
    new = copy.with_flag("--link", first=True)
    assert new.code == "COPY --link --chmod=644 a b\n"
    assert instruction("FROM a\n" + new.code, 1).flag("link") == ""


def test_without_flags() -> None:
    tree = parse(CRLF)
    copy = tree.instructions[3]
    new = copy.without_flags("chmod")
    assert new.code == "COPY --from=build /app\r\n".replace("/app", "/out/app /app")
    assert_only_changed(tree, copy, new)
    assert copy.without_flags("from").without_flags("chmod").code == "COPY /out/app /app\r\n"
    # Removing the first flag keeps the instruction's own spacing.
    run = tree.instructions[1].without_flags("mount")
    assert run.code.startswith("RUN --network=none  go build")
    assert parse("FROM a\n" + run.code).instructions[1].flag_values == ("--network=none",)


def test_with_args() -> None:
    tree = parse(CRLF)
    entry = tree.instructions[-1]
    new = entry.with_args('["/app", "--serve"]')
    assert new.code == 'ENTRYPOINT ["/app", "--serve"]\r\n'
    out = assert_only_changed(tree, entry, new)
    assert parse(out).instructions[-1].exec_args == ["/app", "--serve"]
    bare = instruction("FROM a\nRUN\n", 1)
    assert bare.with_args("true").code == "RUN true\n"


def test_with_changes_returns_a_new_node() -> None:
    run = instruction("FROM a\nRUN x\n", 1)
    lower = run.with_changes(keyword="run")
    assert lower.code == "run x\n"
    assert run.code == "RUN x\n"
    assert lower.directive == "RUN"


def test_insert_remove_and_lines() -> None:
    tree = parse("FROM a\n\n# tail\nRUN x\n")
    first, run = tree.instructions
    added = Instruction.create("ENV", "A=1", style=tree.style)
    grown = tree.insert_after(first, [added])
    assert grown.code == "FROM a\nENV A=1\n\n# tail\nRUN x\n"
    assert grown.line_of(run) == 5
    assert [(type(n).__name__, s, e) for n, s, e in grown.lines()] == [
        ("Instruction", 1, 1),
        ("Instruction", 2, 2),
        ("Blank", 3, 3),
        ("Comment", 4, 4),
        ("Instruction", 5, 5),
    ]
    assert grown.remove(added).code == tree.code
    assert tree.insert_before(first, [Comment("# head")]).code.startswith("# head\nFROM a\n")
    with pytest.raises(ValueError):
        tree.remove(added)
    with pytest.raises(ValueError):
        tree.line_of(added)
    assert tree.line_of(added, None) is None
    assert grown.line_of(added, None) == 2


# -- style of new instructions --------------------------------------------------------------------
def test_crlf_file_gets_crlf_instructions() -> None:
    tree = parse(CRLF)
    assert tree.style.eol == "\r\n"
    new = Instruction.create("USER", "nobody", style=tree.style)
    assert new.code == "USER nobody\r\n"
    out = tree.insert_after(tree.instructions[-1], [new]).code
    assert out == CRLF + "USER nobody\r\n"
    assert "\n" not in out.replace("\r\n", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from a\nrun x\n", "workdir /app\n"),
        ("FROM a\nRUN x\n", "WORKDIR /app\n"),
        ("from a\nrun x\nCOPY a b\n", "workdir /app\n"),  # most instructions are lower case
    ],
)
def test_keyword_case_follows_the_file(text: str, expected: str) -> None:
    tree = parse(text)
    assert Instruction.create("WORKDIR", "/app", style=tree.style).code == expected


@pytest.mark.parametrize(("indent", "expected"), [("\t", "\t"), ("  ", "  "), ("    ", "    ")])
def test_continuation_indent_follows_the_file(indent: str, expected: str) -> None:
    tree = parse(f"FROM a\nRUN a \\\n{indent}b \\\n{indent}c\n")
    assert tree.style.indent == expected
    new = Instruction.create("RUN", f"x{tree.style.continuation}y", style=tree.style)
    assert new.code == f"RUN x \\\n{expected}y\n"
    reparsed = parse("FROM a\n" + new.code).instructions[1]
    assert reparsed.value == f"x {expected}y"


def test_default_style() -> None:
    style = Style()
    assert (style.upper, style.eol, style.indent, style.escape) == (True, "\n", "    ", "\\")
    assert Instruction.create("run", "x").code == "RUN x\n"
    assert Instruction.create("RUN", "x", flags=["--network=none"]).flag("network") == "none"


# -- heredocs -------------------------------------------------------------------------------------
def test_heredoc_basic() -> None:
    run = instruction("FROM a\nRUN <<EOF\necho hi\necho there\nEOF\nUSER x\n", 1)
    (doc,) = run.heredocs
    assert (doc.name, doc.body, doc.terminator, doc.chomp, doc.expand) == (
        "EOF",
        "echo hi\necho there\n",
        "EOF\n",
        False,
        True,
    )
    assert doc.content == doc.body
    assert run.value == "<<EOF"


def test_heredoc_chomp_and_quotes() -> None:
    text = "FROM a\nRUN <<-EOF sh\n\techo hi\n\t\tdeeper\n\tEOF\n"
    (doc,) = instruction(text, 1).heredocs
    assert doc.chomp and doc.expand
    assert doc.terminator == "\tEOF\n"
    assert doc.content == "echo hi\ndeeper\n"
    for quoted in ('<<"EOF"', "<<'EOF'", '<<E"O"F', "<<-'EOF'"):
        (doc,) = instruction(f"FROM a\nRUN {quoted}\nx $y\nEOF\n", 1).heredocs
        assert doc.name == "EOF"
        assert doc.expand is False, quoted


def test_two_heredocs_on_one_line() -> None:
    text = "FROM a\nRUN <<A cat - && 3<<-'B' cat /dev/fd/3\nfirst\nA\n\tsecond\n\tB\nUSER x\n"
    tree = parse(text)
    run = tree.instructions[1]
    a, b = run.heredocs
    assert (a.name, a.body, a.fd, a.expand) == ("A", "first\n", 0, True)
    assert (b.name, b.content, b.fd, b.chomp, b.expand) == ("B", "second\n", 3, True, False)
    assert [(s, e) for n, s, e in tree.lines() if isinstance(n, Instruction)] == [
        (1, 1),
        (2, 6),
        (7, 7),
    ]
    assert tree.code == text


def test_copy_heredoc_to_destination() -> None:
    copy = instruction("FROM a\nCOPY <<EOF /dst/file.txt\nhello\nEOF\n", 1)
    assert copy.directive == "COPY"
    assert copy.values.items == ("<<EOF", "/dst/file.txt")
    assert copy.heredocs[0].body == "hello\n"


def test_heredocs_only_where_buildkit_reads_them() -> None:
    # JSON form, other instructions, and a heredoc-looking word in quotes are not heredocs.
    tree = parse('FROM a\nRUN ["<<EOF"]\nCMD cat <<EOF\nENV X=<<EOF\n')
    assert [i.heredocs for i in tree.instructions] == [(), (), (), ()]
    assert len(tree.instructions) == 4
    assert parse("FROM a\nRUN echo '<<EOF'\n").instructions[1].heredocs == ()


def test_new_instruction_with_heredoc() -> None:
    doc = Heredoc("EOF", "hello\n", "EOF\n")
    new = Instruction.create("COPY", "<<EOF /dst", heredocs=[doc])
    assert new.code == "COPY <<EOF /dst\nhello\nEOF\n"
    again = parse("FROM a\n" + new.code).instructions[1]
    assert again.heredocs == (doc,)


# -- escape directive, BOM, final newline ---------------------------------------------------------
def test_escape_backtick() -> None:
    text = '# escape=`\nFROM windows\nRUN dir C:\\ `\n    && echo `"hi`"\nCOPY C:\\src C:\\dst\n'
    tree = parse(text)
    assert tree.escape == "`" and tree.style.escape == "`"
    assert tree.directives == {"escape": "`"}
    assert isinstance(tree.nodes[0], Directive)
    run, copy = tree.instructions[1:]
    assert run.value == 'dir C:\\     && echo `"hi`"'
    assert copy.values.items == ("C:\\src", "C:\\dst")
    new = Instruction.create("RUN", "a" + tree.style.continuation + "b", style=tree.style)
    assert new.code == "RUN a `\n    b\n"
    assert tree.code == text


def test_backslash_continues_only_with_backslash_escape() -> None:
    tree = parse("# escape=`\nFROM a\nRUN echo \\\nUSER x\n")
    assert [i.directive for i in tree.instructions] == ["FROM", "RUN", "USER"]


def test_bom_is_kept() -> None:
    text = "\ufeff# escape=`\r\nFROM a\r\nRUN x `\r\n  y\r\n"
    tree = parse(text)
    assert tree.bom
    assert tree.escape == "`"
    assert tree.code == text
    assert not tree.nodes[0].code.startswith("\ufeff")
    assert tree.instructions[1].value == "x   y"


def test_missing_final_newline() -> None:
    tree = parse("FROM a\nRUN x")
    assert tree.instructions[-1].eol == ""
    assert tree.code == "FROM a\nRUN x"
    fixed = tree.ensure_final_newline()
    assert fixed.code == "FROM a\nRUN x\n"
    assert fixed.ensure_final_newline() is fixed
    crlf = parse("FROM a\r\nRUN x").ensure_final_newline()
    assert crlf.code == "FROM a\r\nRUN x\r\n"
    doc = parse("FROM a\nRUN <<EOF\nx\nEOF").ensure_final_newline()
    assert doc.code == "FROM a\nRUN <<EOF\nx\nEOF\n"
    assert parse("FROM a\n# c").ensure_final_newline().code == "FROM a\n# c\n"


def test_nodes_of_each_kind() -> None:
    tree = parse("# syntax=x\n\n# comment\n  \t\nFROM a\n")
    kinds = [type(n) for n in tree.nodes]
    assert kinds == [Directive, Blank, Comment, Blank, Instruction]
    comment = tree.nodes[2]
    assert isinstance(comment, Comment) and comment.body == "comment"
    assert tree.nodes[3].code == "  \t\n"


# -- JSON (exec) form -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "is_json", "exec_args"),
    [
        ('CMD ["a", "b c"]', True, ["a", "b c"]),
        ("CMD []", True, []),
        ('ENTRYPOINT ["a\\u00e9"]', True, ["aé"]),
        ("CMD [\"a\", 'b']", False, None),  # single quotes: not JSON, shell form
        ('RUN ["unterminated', False, None),
        ('CMD ["a"] && b', False, None),  # trailing text: shell form (BuildKit 80518e257)
        ("ENTRYPOINT [NaN]", False, None),  # not JSON for Go
        ("CMD [1e999]", False, None),  # out of float64 range: not JSON for Go
        ('CMD {"a": "b"}', False, None),
        ('HEALTHCHECK CMD ["curl", "-f", "http://x/"]', True, ["curl", "-f", "http://x/"]),
        ("HEALTHCHECK CMD curl -f http://x/", False, None),
    ],
)
def test_json_form(line: str, is_json: bool, exec_args: list[str] | None) -> None:
    node = instruction(f"FROM a\n{line}\n", 1)
    assert node.is_json is is_json
    assert node.exec_args == exec_args
    if not is_json and node.directive != "HEALTHCHECK":
        assert node.values.items == (node.value,)


def test_json_array_of_non_strings_is_an_error() -> None:
    with pytest.raises(DockerfileSyntaxError, match="comprised of strings only"):
        parse('FROM a\nCMD ["a", 1]\n')


# -- flags ----------------------------------------------------------------------------------------
def test_run_flags() -> None:
    run = instruction(
        "FROM a\n"
        "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n"
        "    --mount=type=secret,id=token,required \\\n"
        '    --mount="type=bind,source=a b,target=/src" \\\n'
        "    --network=none --security=insecure \\\n"
        "    apt-get update\n",
        1,
    )
    assert run.flags_named("mount") == [
        "type=cache,target=/var/cache/apt,sharing=locked",
        "type=secret,id=token,required",
        "type=bind,source=a b,target=/src",
    ]
    assert run.flag("mount") == "type=bind,source=a b,target=/src"  # the last one
    assert run.flag("network") == "none"
    assert run.flag("security") == "insecure"
    assert run.flag("chown") is None
    assert run.flags_named("chown") == []
    assert run.value == "apt-get update"
    assert [f.name for f in run.flags] == ["mount", "mount", "mount", "network", "security"]


def test_copy_flags() -> None:
    copy = instruction(
        "FROM a\nCOPY --from=build --chown=app:app --chmod=0755 --link "
        "--exclude=*.md --exclude='docs/**' --parents ./a/ ./b/ /dst/\n",
        1,
    )
    assert copy.flag("from") == "build"
    assert copy.flag("chown") == "app:app"
    assert copy.flag("chmod") == "0755"
    assert copy.flag("link") == ""
    assert copy.flag("parents") == ""
    assert copy.flags_named("exclude") == ["*.md", "docs/**"]
    assert copy.values.items == ("./a/", "./b/", "/dst/")
    assert copy.flags[0].text == "--from=build"
    assert copy.flags[5].text == "--exclude='docs/**'"
    assert copy.flags[5].value_text == "--exclude=docs/**"


def test_from_platform() -> None:
    node = instruction("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n")
    assert node.flag("platform") == "$BUILDPLATFORM"
    assert node.values.items == ("golang:1.22", "AS", "build")


def test_healthcheck_flags() -> None:
    node = instruction(
        "FROM a\nHEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \\\n"
        "  CMD curl -f http://localhost/ || exit 1\n",
        1,
    )
    assert node.flag("interval") == "30s"
    assert node.flag("timeout") == "3s"
    assert node.flag("start-period") == "5s"
    assert node.flag("retries") == "3"
    assert node.values.items == ("CMD", "curl -f http://localhost/ || exit 1")
    assert instruction("FROM a\nHEALTHCHECK NONE\n", 1).values.items == ("NONE",)


def test_double_dash_ends_the_flags() -> None:
    node = instruction("FROM a\nRUN --network=none -- --not-a-flag\n", 1)
    assert node.flag_values == ("--network=none",)
    assert node.flag("not-a-flag") is None
    assert node.value == "--not-a-flag"
    assert node.code == "RUN --network=none -- --not-a-flag\n"


def test_flag_make() -> None:
    assert Flag.make("link").text == "--link"
    assert Flag.make("from", "build").text == "--from=build"
    assert Flag.make("from", "build").value == "build"
    assert Flag.make("link").value is None


def test_non_ascii_flags_read_as_buildkit_reads_them() -> None:
    """BuildKit scans flags byte by byte: ``ü`` reads as ``Ã¼`` and U+2003 is not a space."""
    node = instruction("FROM a\nCOPY --chown=bücher a b\n", 1)
    assert node.flag("chown") == "bÃ¼cher"
    assert node.values.items == ("a", "b")
    node = instruction("FROM a\nRUN --network=x\u2003echo hi\n", 1)
    assert node.flag_values == ("--network=xâ\x80\x83echo",)
    assert node.value == "hi"


# -- ONBUILD --------------------------------------------------------------------------------------
def test_onbuild_sub() -> None:
    node = instruction("FROM a\nONBUILD RUN --mount=type=secret,id=x cat /run/secrets/x\n", 1)
    sub = onbuild_instruction(node)
    assert sub is not None
    assert node.directive == "ONBUILD"
    assert sub.directive == "RUN"
    assert sub.flag("mount") == "type=secret,id=x"
    assert sub.value == "cat /run/secrets/x"
    assert onbuild_instruction(instruction("FROM a\nRUN x\n", 1)) is None
    copy = onbuild_instruction(instruction('FROM a\nonbuild copy ["a", "b"]\n', 1))
    assert copy is not None and copy.is_json and copy.exec_args == ["a", "b"]


def test_onbuild_heredoc() -> None:
    node = instruction("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n", 1)
    assert node.heredocs[0].body == "echo hi\n"
    sub = onbuild_instruction(node)
    assert sub is not None and sub.directive == "RUN"


# -- meaning of the logical line ------------------------------------------------------------------
def test_logical_line_drops_embedded_comments_and_blank_lines() -> None:
    tree = parse(CRLF)
    run = tree.instructions[1]
    assert run.logical == (
        "RUN --mount=type=cache,target=/root/.cache/go-build "
        "    --network=none  go build -o /out/app ./cmd/app   "
    )
    assert run.start_offset_lines == 4


def test_directives_only_at_the_top() -> None:
    tree = parse("FROM a\n# escape=`\nRUN a \\\n b\n")
    assert tree.directives == {}
    assert tree.escape == "\\"
    assert tree.instructions[1].value == "a  b"


def test_parsed_instructions_are_whole_dataclass_instances() -> None:
    """The parser sets the fields directly (no __init__): every field is there, and the node
    is alike (deep_equals) to one built field by field."""
    tree = parse("FROM a AS b\nRUN --mount=type=cache,target=/c \\\n  make <<EOF\nx\nEOF\n")
    for node in tree.instructions:
        names = {f.name for f in dataclasses.fields(node)}
        assert names <= set(node.__dict__)
        rebuilt = type(node)(**{name: getattr(node, name) for name in names})
        assert deep_equals(rebuilt, node) and rebuilt.code == node.code


def test_nodes_compare_by_identity_and_deep_equals_by_structure() -> None:
    """Two nodes written alike are two nodes (as in libcst); deep_equals compares structure."""
    a, b = parse("FROM a\nRUN x\n"), parse("FROM a\nRUN x\n")
    assert a != b and a.nodes[1] != b.nodes[1]
    assert len({a.nodes[1], b.nodes[1]}) == 2  # identity hashing: dict keys, sets
    assert deep_equals(a, b) and deep_equals(a.nodes[1], b.nodes[1])
    assert deep_equals(a, dataclasses.replace(b, path="elsewhere"))  # the path is not compared
    assert not deep_equals(a, parse("FROM a\nRUN y\n"))
    assert not deep_equals(a.nodes[1], a.nodes[0])
    assert not deep_equals(Blank(""), Comment(""))  # same fields, other type
    run = a.instructions[1]
    changed = run.with_changes(args="x")
    assert changed != run and deep_equals(changed, run)
    assert deep_equals(run, run.with_flag("--network=none").without_flags("network"))
