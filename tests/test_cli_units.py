"""Units behind the command line: diffs, discovery, configuration, reports."""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refactor.analysis.context import is_dockerfile_name
from refactor.app.config import load_config
from refactor.app.diffing import FileDiff, assign_explanations, diff_text
from refactor.app.discover import discover
from refactor.app.options import OPTION_CODEMODS, Config, ConfigError, option_table
from refactor.app.report import _fence, mermaid_graph
from refactor.engine.codemod import Explanation
from refactor.syntax.parser import parse

# -- diffs --------------------------------------------------------------------------------------

LINES = st.lists(st.sampled_from(["FROM a\n", "RUN b\n", "COPY c d\n", "\n", "# x\n"]), max_size=30)


@settings(max_examples=200, deadline=None)
@given(LINES, LINES)
def test_diff_matches_difflib(a: list[str], b: list[str]) -> None:
    """For text ending in a newline the diff is exactly difflib's unified diff."""
    ours = diff_text([FileDiff.of("x", "".join(a), "".join(b))])
    theirs = "".join(difflib.unified_diff(a, b, "a/x", "b/x", n=3))
    assert ours == theirs


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("FROM a\r\nRUN b\r\n", "FROM a AS x\r\nRUN b\r\nUSER 1\r\n"),
        ("FROM a\nRUN b", "FROM a\nRUN c"),
        ("FROM a\nRUN b", "FROM a\nRUN b\nUSER 1\n"),
        ("\ufeffFROM a\n", "\ufeffFROM a AS b\n"),
        ("FROM a\n" + "RUN x\n" * 30 + "CMD y\n", "FROM a AS b\n" + "RUN x\n" * 30 + "CMD z\n"),
    ],
    ids=["crlf", "no-final-newline", "newline-added", "bom", "two-hunks"],
)
def test_diff_applies_with_git_apply(tmp_path: Path, old: str, new: str) -> None:
    (tmp_path / "Dockerfile").write_bytes(old.encode())
    patch = diff_text([FileDiff.of("Dockerfile", old, new)])
    (tmp_path / "p.diff").write_bytes(patch.encode())
    subprocess.run(["git", "apply", "p.diff"], cwd=tmp_path, check=True)
    assert (tmp_path / "Dockerfile").read_bytes() == new.encode()


def test_new_file_diff() -> None:
    diff = FileDiff.of(".dockerignore", None, ".git\nnode_modules\n")
    assert diff_text([diff]) == (
        "--- /dev/null\n+++ b/.dockerignore\n@@ -0,0 +1,2 @@\n+.git\n+node_modules\n"
    )


def test_explanations_go_to_the_hunk_holding_their_line() -> None:
    old = "FROM a\n" + "RUN x\n" * 30 + "CMD y\n"
    new = "FROM a AS b\n" + "RUN x\n" * 30 + "CMD z\n"
    hunks = FileDiff.of("D", old, new).hunks
    assert len(hunks) == 2
    top = Explanation("c", "top", line=1)
    bottom = Explanation("c", "bottom", line=32)
    nowhere = Explanation("c", "no line")
    outside = Explanation("c", "between hunks", line=15)
    groups = assign_explanations(hunks, [top, bottom, nowhere, outside])
    assert groups == [[top, nowhere, outside], [bottom]]
    assert assign_explanations((), [top]) == []


# -- discovery ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dockerfile", True),
        ("Containerfile", True),
        ("api.Dockerfile", True),
        ("Dockerfile.prod", True),
        ("web.dockerfile", True),
        ("Dockerfile.dockerignore", False),
        ("api.Dockerfile.dockerignore", False),
        ("Dockerfile.orig", False),
        ("Dockerfile~", False),
        ("dockerfile", True),  # docker build's default when there is no Dockerfile
        ("dockerfile.dev", True),
        ("Dockerfile.md", False),
        ("Dockerfile.sh", False),
        ("Dockerfile.j2", False),  # templates render a Dockerfile; they are not one
        ("Dockerfile.in", False),
        ("Dockerfile.template", False),
        ("Dockerfiles", False),
        ("dockerfiles", False),
        ("README.md", False),
    ],
)
def test_dockerfile_names(name: str, expected: bool) -> None:
    assert is_dockerfile_name(name) is expected


def test_simple_gitignore_patterns(tmp_path: Path) -> None:
    for rel in [
        "a/Dockerfile",
        "a/b/Dockerfile",
        "build/Dockerfile",
        "keep/Dockerfile",
        "docs/x/Dockerfile",
        "root.Dockerfile",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("FROM a\n")
    (tmp_path / ".gitignore").write_text("# comment\n\n/build\n**/b/\n*.Dockerfile\n")
    (tmp_path / "keep" / ".gitignore").write_text("Dockerfile\n!Dockerfile\n")
    (tmp_path / "docs" / ".gitignore").write_text("x/Dockerfile\n")
    found = sorted(t.path.relative_to(tmp_path).as_posix() for t in discover([tmp_path]))
    assert found == ["a/Dockerfile", "keep/Dockerfile"]


def test_symlinks_never_lead_out_of_the_tree(tmp_path: Path) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    (outside / "Dockerfile").write_text("FROM a\n")
    (tree / "Dockerfile").write_text("FROM a\n")
    (tree / "dir").symlink_to(outside, target_is_directory=True)
    (tree / "out.Dockerfile").symlink_to(outside / "Dockerfile")
    (tree / "same.Dockerfile").symlink_to(tree / "Dockerfile")
    (tree / "loop").symlink_to(tree, target_is_directory=True)
    (tree / "dangling.Dockerfile").symlink_to(tree / "missing")
    targets = discover([tree])
    readable = [t.path.name for t in targets if t.problem is None]
    assert readable == ["Dockerfile"]  # the in-tree link is a duplicate
    problems = {t.path.name: t.problem or "" for t in targets if t.problem is not None}
    assert sorted(problems) == ["dangling.Dockerfile", "out.Dockerfile"]  # said, not skipped
    assert "outside" in problems["out.Dockerfile"] and "nothing" in problems["dangling.Dockerfile"]
    assert [t.path.name for t in discover([tree], outside_links=False)] == ["Dockerfile"]


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    from refactor.errors import InputError

    with pytest.raises(InputError, match="no such file or directory"):
        discover([tmp_path / "nope"])


# -- configuration ------------------------------------------------------------------------------


def test_config_defaults_and_merge(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert load_config(tmp_path) == Config()
    (tmp_path / ".msb-migrate.toml").write_text(
        'codemods = ["a"]\nskip = ["b", "c"]\nenable = ["d"]\nuser-uid = 5\nbranch-prefix = \'\'\n'
    )
    config = load_config(tmp_path / "Dockerfile")
    assert config.source == tmp_path / ".msb-migrate.toml"
    assert config.default_branch == "multi-stage"
    command_line = Config({"codemods": ("x",), "skip": ("y",), "enable": ("b",), "user_uid": 7})
    merged = command_line.over(config)
    assert merged.codemods == ("x",)
    assert merged.skip == ("c", "y")  # b is enabled on the command line, so no longer skipped
    assert merged.enable == ("d", "b")
    assert merged.get("user_uid") == 7 and merged.get("user_name") == "app"
    assert merged.source == config.source and merged.default_branch == "multi-stage"
    assert merged.options().user_uid == 7 and merged.options().user_name == "app"
    assert Config().default_branch == "msb-migrate/multi-stage"


def test_pyproject_without_a_section_does_not_count(tmp_path: Path) -> None:
    (tmp_path / ".msb-migrate.toml").write_text("user-name = 'top'\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert load_config(sub).get("user_name") == "top"
    (sub / "pyproject.toml").write_text("[tool.msb-migrate]\nuser-name = 'sub'\n")
    assert load_config(sub).get("user_name") == "sub"


def test_config_errors_name_file_and_key(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool]\nmsb-migrate = 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{path}: key 'tool.msb-migrate': must be a table"
    path.write_text("[tool.msb-migrate]\nuser-uid = true\n")
    with pytest.raises(ConfigError, match="key 'user-uid': must be an integer uid"):
        load_config(tmp_path)


def test_every_config_key_is_a_row_of_the_option_table(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    path = tmp_path / ".msb-migrate.toml"
    path.write_text("nope = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    keys = [row.key for row in option_table() if row.key is not None]
    assert str(info.value) == f"{path}: key 'nope': unknown key (valid keys: {', '.join(keys)})"
    assert keys[:3] == ["codemods", "skip", "enable"] and "user-uid" in keys


def test_codemod_options_come_from_the_codemods_that_declare_them() -> None:
    """The table asks only OPTION_CODEMODS (start-up time); every codemod that declares
    options is among them, and each of its options is a row owned by it."""
    from refactor.engine.runner import available_codemods

    declared = {c.name for c in available_codemods() if c.options}
    assert declared <= OPTION_CODEMODS
    rows = {row.name: row for row in option_table()}
    for codemod in available_codemods():
        for spec in codemod.options:
            assert rows[spec.name].codemod == codemod.name
    owned = {row.codemod for row in option_table() if row.codemod}
    assert owned == OPTION_CODEMODS
    assert rows["user_uid"].flags == ("--user-uid",) and rows["user_uid"].key == "user-uid"
    assert rows["distroless_java"].flags == () and rows["distroless_java"].key is None


# -- report pieces ------------------------------------------------------------------------------


def test_mermaid_graph_of_the_stages() -> None:
    tree = parse(
        "FROM golang:1.22 AS build\nRUN go build\n"
        "FROM build AS test\nRUN go test\n"
        "FROM alpine:3.20\n"
        "COPY --from=build /app /app\n"
        "COPY --from=nginx:1 /etc/nginx/nginx.conf /etc/\n"
        "RUN --mount=type=bind,from=test,target=/t true\n"
    )
    assert mermaid_graph(tree) == "\n".join(
        [
            "graph TD",
            '  s0["build<br/>golang:1.22"]',
            '  s1["test<br/>build"]',
            '  s2["stage 2 (final)<br/>alpine:3.20"]',
            '  s0 -->|"FROM"| s1',
            '  s0 -->|"COPY --from"| s2',
            '  i0[("nginx:1")]',
            '  i0 -->|"COPY --from"| s2',
            '  s1 -->|"RUN --mount from"| s2',
        ]
    )


def test_markdown_fence_outgrows_the_content() -> None:
    assert _fence("no ticks") == "```"
    assert _fence("RUN echo ````x````") == "`````"


def test_pr_body_has_table_sizes_graph_and_diff() -> None:
    from refactor.app.report import FileResult, pr_body
    from refactor.app.verify import Build, Verification
    from refactor.engine.codemod import Explanation as Exp
    from refactor.engine.runner import FileReport

    old = "FROM golang:1.22\nRUN go build -o /app\n"
    new = (
        "FROM golang:1.22 AS build\nRUN go build -o /app\nFROM scratch\nCOPY --from=build /app /\n"
    )
    report = FileReport("Dockerfile", old, parse(new), [Exp("split", "split it", "smaller", 3)])
    verification = Verification(
        "Dockerfile",
        Build(True, 1.0, size=800_000_000, layers=9, user="", uid=0),
        Build(True, 1.0, size=2_000_000, layers=1, user="65532", uid=65532),
    )
    result = FileResult(
        "Dockerfile",
        report=report,
        diffs=[FileDiff.of("Dockerfile", old, new)],
        verification=verification,
    )
    body = pr_body([result])
    assert "| `Dockerfile` | 1 | split |" in body
    assert "| `Dockerfile` | 800.0 MB | 2.0 MB | 9 → 1 | root (uid 0) → 65532 (uid 65532) |" in body
    assert "**split**\n- line 3: split it\n" in body  # the change, its reason folded below
    why = "<details><summary>Why these changes</summary>\n\n**split**\n- split it: smaller\n"
    assert why in body
    assert '  s0 -->|"COPY --from"| s1' in body
    assert "```diff\n--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,4 @@\n" in body
