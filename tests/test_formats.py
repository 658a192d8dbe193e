"""The CI formats: ``--format github`` (workflow commands), ``--format markdown`` (a job summary
or pull-request comment) and ``--output FILE`` (the report to a file, the diffs still printed).

The workflow commands are read back with a parser written from GitHub's description of them
(``::command key=value,key=value::message``; ``%25``, ``%0D``, ``%0A`` in the message, and
``%3A``, ``%2C`` too in a property value) and compared with the JSON report of the same run.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from refactor.app.cli import main
from refactor.app.config import Settings
from refactor.app.migrate import MigrateOptions, migrate_bytes
from refactor.app.options import Config
from refactor.app.report import FileResult, to_github, to_markdown
from refactor.app.verify import Build, Verification
from refactor.engine.codemod import Explanation

APP = Path(__file__).resolve().parent / "e2e" / "apps" / "go-http"
COMMAND = re.compile(r"^::(?P<kind>[a-z]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def unescape(text: str) -> str:
    for code, char in (("%3A", ":"), ("%2C", ","), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(code, char)
    return text


def commands(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    out = []
    for line in stdout.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = {}
        for pair in (match["props"] or "").split(","):
            if pair:
                key, _, value = pair.partition("=")
                assert "," not in value and ":" not in value and "\n" not in value
                props[key] = unescape(value)
        out.append((match["kind"], props, unescape(match["message"])))
    return out


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(APP, root)
    monkeypatch.chdir(root)
    return root


def report(*args: str) -> dict[str, Any]:
    return json.loads(invoke("--format", "json", *args).stdout)  # type: ignore[no-any-return]


# -- github ----------------------------------------------------------------------------------------


def test_github_is_one_warning_per_change_on_the_lines_as_read(project: Path) -> None:
    result = invoke("--format", "github", "--check")
    assert result.exit_code == 1  # the exit statuses are the format's business no more than before
    [entry] = report()["files"]
    found = commands(result.stdout)
    expected = [
        (c["codemod"], c["message"] + (f" — {c['reason']}" if c["reason"] else ""))
        for c in entry["changes"]
    ]
    assert [(p["title"].removeprefix("msb-migrate: "), m) for _, p, m in found] == expected
    assert {kind for kind, _, _ in found} == {"warning"}
    assert {p["file"] for _, p, _ in found} == {"Dockerfile"}
    original = (project / "Dockerfile").read_text().splitlines()
    migrated = entry["diff"]  # the line of a kept instruction is its line in the file as read
    moved = next(p for _, p, m in found if m.startswith("moved CMD"))
    assert original[int(moved["line"]) - 1] in migrated
    cache = next(p for _, p, m in found if m.startswith("added cache mounts for go (/go/pkg/mod) "))
    assert original[int(cache["line"]) - 1] == "RUN go mod download"
    assert all(
        1 <= int(p["line"]) <= int(p.get("endLine", p["line"])) <= len(original)
        for _, p, _ in found
    )


def test_github_errors_and_escaping(project: Path) -> None:
    weird = project / "we,ird:50%\ndir"
    weird.mkdir()
    shutil.copy(project / "Dockerfile", weird / "Dockerfile")
    (project / "bad%,:.Dockerfile").write_text("hello world\n")
    result = invoke("--format", "github", "-v", ".")
    assert result.exit_code == 2
    doc = report("-v", ".")
    found = commands(result.stdout)
    assert all("\n" not in line for line in result.stdout.splitlines())
    [error] = [(p, m) for kind, p, m in found if kind == "error"]
    [bad] = [f for f in doc["files"] if f["status"] == "error"]
    assert error == ({"file": bad["path"], "line": "1", "title": "msb-migrate"}, bad["error"])
    assert bad["path"] == "bad%,:.Dockerfile"
    files = {p["file"] for kind, p, _ in found if kind == "warning"}
    assert files == {"Dockerfile", "we,ird:50%\ndir/Dockerfile"}
    notices = [(p, m) for kind, p, m in found if kind == "notice"]
    skips = [(f["path"], s["code"], s["reason"]) for f in doc["files"] for s in f["skips"]]
    assert skips and sorted(skips) == sorted(
        (p["file"], p["title"].split("(")[-1].rstrip(")"), m) for p, m in notices
    )


def _result(message: str, reason: str) -> FileResult:
    text = APP.joinpath("Dockerfile").read_text()
    options = MigrateOptions(Settings(Config()))
    result = migrate_bytes("a|b.Dockerfile", APP / "Dockerfile", text.encode(), APP, options)
    assert result.report is not None and result.changed
    result.report.explanations = [Explanation("cache-mounts", message, reason, 7)]
    return result


def test_github_escapes_messages_as_documented() -> None:
    text = to_github([_result("50% done\r\nnext: a, b", "why, with: colons")])
    assert text == (
        "::warning file=a|b.Dockerfile,line=6,title=msb-migrate%3A cache-mounts::"
        "50%25 done%0D%0Anext: a, b — why, with: colons"
    )


# -- markdown --------------------------------------------------------------------------------------


def test_markdown_has_a_table_per_file_and_the_diff(project: Path) -> None:
    (project / "worker").mkdir()
    shutil.copy(project / "Dockerfile", project / "worker" / "worker.Dockerfile")
    result = invoke("--format", "markdown")
    assert result.exit_code == 0
    doc = report()
    text = result.stdout
    assert text.startswith("## msb-migrate: 2 Dockerfiles to migrate, 0 unchanged, 0 errors\n")
    for entry in doc["files"]:
        section = (
            text.split(f"### `{entry['path']}`\n", 1)[1].split("\n### ", 1)[0].split("<details>")[0]
        )
        rows = [
            line for line in section.splitlines() if line.startswith("| ") and "---" not in line
        ][1:]
        assert len(rows) == len(entry["changes"])
        for row, change in zip(rows, entry["changes"], strict=True):
            assert row.startswith(f"| {change['line']} | `{change['codemod']}` | ")
    diff = text.split("```diff\n", 1)[1].split("\n```\n", 1)[0]
    assert diff + "\n" == "".join(f["diff"] for f in doc["files"])
    assert "Image sizes" not in text  # not verified


def test_markdown_sizes_when_verified_and_escaping() -> None:
    result = _result("a | b <script>x</script> `a|b` *c*", "why [link](javascript:x)")
    assert to_markdown([result]).count("Image sizes") == 0
    result.verification = Verification(
        result.path,
        Build(True, 1.0, size=848_300_000, layers=8, user="", uid=0),
        Build(True, 2.0, size=369_700_000, layers=7, user="10001:10001", uid=10001),
    )
    text = to_markdown([result])
    assert (
        "| `a\\|b.Dockerfile` | 848.3 MB | 369.7 MB | 8 → 7 | root (uid 0) → 10001:10001 (uid 10001) |"
        in text
    )
    [row] = [line for line in text.splitlines() if line.startswith("| 7 |")]
    assert row == (
        "| 7 | `cache-mounts` | a \\| b \\<script\\>x\\</script\\> `a\\|b` \\*c\\* "
        "| why \\[link\\](javascript:x) |"
    )


# -- --output --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "markdown", "text"])
def test_output_writes_the_report_and_keeps_the_diff(project: Path, fmt: str) -> None:
    plain = invoke("--check")
    alone = invoke("--check", "--format", fmt)
    both = invoke("--check", "--format", fmt, "--output", "report.out")
    assert both.exit_code == alone.exit_code == plain.exit_code == 1
    assert both.stdout == plain.stdout  # the diffs, as without a format
    assert (project / "report.out").read_text() == alone.stdout
    assert (
        sorted(p.name for p in project.iterdir() if p.name.startswith(".report")) == []
    )  # no temp file


def test_output_with_write_and_stdin(project: Path) -> None:
    before = (project / "Dockerfile").read_text()
    done = invoke("--write", "--format", "markdown", "--output", "summary.md")
    assert done.exit_code == 0 and done.stdout == ""
    assert (project / "Dockerfile").read_text() != before
    assert "## msb-migrate: 1 Dockerfile to migrate" in (project / "summary.md").read_text()
    piped = invoke("-", "--output", "stdin.json", "--format", "json", input=before)
    assert json.loads((project / "stdin.json").read_text())["files"][0]["path"] == "<stdin>"
    assert piped.stdout.startswith("--- a/<stdin>")  # dry run of standard input: the diff
    result = invoke("-", "--write", "--output", "stdin.txt", input=before)
    assert result.stdout == (project / "Dockerfile").read_text()  # the result on stdout
    assert (project / "stdin.txt").read_text().startswith("--- a/<stdin>")


def test_output_refuses_a_migrated_file_and_reports_write_failures(project: Path) -> None:
    before = (project / "Dockerfile").read_bytes()
    clash = invoke("--format", "json", "--output", "Dockerfile")
    assert clash.exit_code == 2
    assert clash.stderr.splitlines() == [
        "msb-migrate: error: --output Dockerfile: a file this run migrates; name another"
    ]
    assert (project / "Dockerfile").read_bytes() == before
    missing = invoke("--format", "json", "--output", "no/such/dir/report.json")
    assert missing.exit_code == 0, missing.stderr  # its directory is made, as the writer does
    assert json.loads((project / "no/such/dir/report.json").read_text())["summary"]["changed"] == 1
    (project / "plain").write_text("a file where a directory would be\n")
    blocked = invoke("--format", "json", "--output", "plain/report.json")
    assert blocked.exit_code == 2
    summary, line = blocked.stderr.splitlines()  # the summary, then the report's failure
    assert summary == "1 file would change, 0 unchanged, 0 errors"
    assert line == "msb-migrate: error: --output: plain/report.json: cannot write: Not a directory"
    directory = invoke("--format", "json", "--output", "no")
    assert directory.exit_code == 2 and len(directory.stderr.splitlines()) == 1


def test_markdown_names_the_files_a_codemod_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "node"
    shutil.copytree(APP.parent / "node-express", root)
    monkeypatch.chdir(root)
    text = invoke("--format", "markdown", "--enable", "dockerignore").stdout
    [entry] = report("--enable", "dockerignore")["files"]
    assert entry["extra_files"] == [".dockerignore"]
    table_end = text.index("\n\n- writes `.dockerignore`\n")  # a list after the table, apart
    assert text[:table_end].splitlines()[-1].startswith("| ")
    assert "+++ b/.dockerignore" in text
