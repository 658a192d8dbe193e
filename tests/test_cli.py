"""The command line, driven through click's CliRunner (and once as the installed script).

Inputs are chosen so the codemods being written certainly change them: a single-stage Python
image that installs requirements and never switches user. Assertions are about the CLI's
contract (bytes on disk, exit codes, formats), not about one codemod's exact output; where an
exact explanation/hunk layout matters, a fake codemod registered for the test is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import ClassVar

import jsonschema
import pytest
from click.testing import CliRunner, Result
from docker_env import PYTHON_APP

from refactor.app.cli import main
from refactor.engine.codemod import Codemod, Context, Options
from refactor.engine.codemod import Result as CodemodResult
from refactor.engine.runner import CODEMOD_MODULES, available_codemods, run_codemods
from refactor.syntax.parser import parse
from refactor.syntax.tree import Comment, Dockerfile, Instruction

TESTS = Path(__file__).resolve().parent
SARIF_SCHEMA = TESTS / "sarif-2.1.0-subset.json"

DOCKERFILE = PYTHON_APP
#: Nothing to do for any codemod: already multi-stage-free scratch image with a user.
UNCHANGED = "# msb-migrate: skip\nFROM scratch\nCOPY app /app\nUSER 65532\n"


def invoke(*args: str, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``root``: content hash and mode."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            st = path.stat()
            out[path.relative_to(root).as_posix()] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                st.st_mode,
            )
    return out


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("msb-migrate: error:")]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with one Dockerfile the codemods change; the current directory."""
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "requirements.txt").write_text("flask==3.0.0\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def expected_output(text: str, context: Path) -> str:
    """What the runner itself makes of ``text`` with the default codemods."""
    ctx = Context(context_dir=context, dockerfile=context / "Dockerfile", options=Options())
    codemods = [c for c in available_codemods() if c.default]
    return run_codemods(parse(text, "Dockerfile"), ctx, codemods).output


# -- a deterministic fake codemod -------------------------------------------------------------


class FakeCodemod(Codemod):
    """Adds a comment at the top and a LABEL at the end (two hunks far apart) and writes a
    ``.dockerignore`` into the build context."""

    name = "fake-two-hunks"
    description = "Test codemod.\nSecond line."
    default = False
    codes: ClassVar[Mapping[str, str]] = {
        "FAK001": "the file is already done",
        "FAK002": "a fake reason to skip a line",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> CodemodResult:
        if any(isinstance(n, Comment) and n.text == "# fake top" for n in tree.nodes):
            return self.skip(tree, "already done", code="FAK001")
        first = tree.instructions[0]
        comment = Comment("# fake top", tree.style.eol)
        label = Instruction.create("LABEL", "fake=1", style=tree.style)
        tree = tree.insert_before(first, [comment])
        tree = tree.ensure_final_newline()
        tree = tree.insert_after(tree.instructions[-1], [label])
        return CodemodResult(
            tree,
            explanations=(
                self.explain("added a comment", "top reason", node=comment),
                self.explain("added a label", "bottom reason", node=label),
                self.explain("wrote .dockerignore", "context reason"),
            ),
            skips=(self.skip(tree, "a fake skip", 2, code="FAK002").skips[0],),
            files={".dockerignore": ".git\n"},
        )


def install_codemod(monkeypatch: pytest.MonkeyPatch, cls: type[Codemod]) -> str:
    """Register a test codemod the way installed ones are (a module named in CODEMOD_MODULES)."""
    name = f"msb_test_{cls.__name__.lower()}"
    module = types.ModuleType(name)
    setattr(module, cls.__name__, cls)
    monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setitem(CODEMOD_MODULES, cls.name, name)
    return cls.name


@pytest.fixture
def fake_codemod(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield install_codemod(monkeypatch, FakeCodemod)


LONG = "FROM scratch\n" + "".join(f"LABEL n{i}={i}\n" for i in range(20))


# -- dry run ----------------------------------------------------------------------------------


def test_dry_run_is_the_default_and_leaves_every_byte(project: Path) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "app.Dockerfile").write_text(DOCKERFILE)
    before = snapshot(project)
    result = invoke()
    assert result.exit_code == 0, result.output
    assert snapshot(project) == before
    assert "--- a/Dockerfile\n+++ b/Dockerfile\n" in result.stdout
    assert "--- a/sub/app.Dockerfile\n+++ b/sub/app.Dockerfile\n" in result.stdout
    assert "@@ -1," in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "2 files would change, 0 unchanged, 0 errors"
    explicit = invoke("--dry-run", ".")
    assert explicit.stdout == result.stdout and snapshot(project) == before


def test_dry_run_diff_applies_with_patch(project: Path, tmp_path: Path) -> None:
    result = invoke("Dockerfile")
    (tmp_path / "fix.patch").write_text(result.stdout)
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    subprocess.run(["patch", "-s", "-p1", "-i", "fix.patch"], cwd=project, check=True)
    assert (project / "Dockerfile").read_text() == expected_output(DOCKERFILE, project)


def test_explanations_precede_their_hunk_and_skips_need_verbose(
    project: Path, fake_codemod: str
) -> None:
    (project / "Dockerfile").write_text(LONG)
    quiet = invoke("-c", fake_codemod, "Dockerfile")
    assert quiet.exit_code == 0, quiet.output
    lines = quiet.stdout.splitlines()
    end = lines.index("--- /dev/null")  # the .dockerignore's diff follows the Dockerfile's
    hunks = [i for i, line in enumerate(lines[:end]) if line.startswith("@@")]
    assert len(hunks) == 2
    first_notes = lines[2 : hunks[0]]
    assert first_notes == [  # explanations without a line go before the first hunk
        "# [fake-two-hunks] wrote .dockerignore — context reason",
        "# [fake-two-hunks] line 1: added a comment — top reason",
    ]
    assert lines[hunks[1] - 1] == "# [fake-two-hunks] line 23: added a label — bottom reason"
    assert "skipped" not in quiet.stdout
    # the extra file's diff follows, from /dev/null
    assert "--- /dev/null\n+++ b/.dockerignore\n@@ -0,0 +1 @@\n+.git\n" in quiet.stdout
    loud = invoke("-v", "-c", fake_codemod, "Dockerfile")
    assert loud.stdout.rstrip().endswith("# [fake-two-hunks] skipped (line 2): a fake skip")


def test_color_only_when_asked_or_on_a_terminal(project: Path) -> None:
    assert "\x1b[" not in invoke().stdout  # CliRunner is not a terminal
    assert "\x1b[" not in invoke("--color", "never").stdout
    coloured = invoke("--color", "always").stdout
    assert "\x1b[32m+" in coloured and "\x1b[31m-" in coloured


# -- check / write ----------------------------------------------------------------------------


def test_check_exit_codes(project: Path, tmp_path: Path) -> None:
    changed = invoke("--check")
    assert changed.exit_code == 1
    assert "+++ b/Dockerfile" in changed.stdout
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "Dockerfile").write_text(UNCHANGED)
    nothing = invoke("--check", str(clean))
    assert nothing.exit_code == 0, nothing.output
    assert nothing.stdout == ""
    assert "0 files would change, 1 unchanged, 0 errors" in nothing.stderr
    (clean / "Dockerfile").write_bytes(b"\x00\x01")
    assert invoke("--check", str(clean)).exit_code == 2


def test_write_keeps_crlf_bom_and_mode(project: Path) -> None:
    path = project / "Dockerfile"
    path.write_bytes(("\ufeff" + DOCKERFILE.replace("\n", "\r\n")).encode())
    path.chmod(0o640)
    result = invoke("--write")
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())
    assert data.count(b"\n") == data.count(b"\r\n") > DOCKERFILE.count("\n")
    assert oct(path.stat().st_mode & 0o7777) == oct(0o640)
    assert data.decode() == expected_output(data.decode(), project)  # idempotent after write
    assert "rewrote Dockerfile" in result.stderr
    assert not [p for p in project.iterdir() if p.name.endswith(".msb-migrate")]  # no temp left
    again = invoke("--check")
    assert again.exit_code == 0, again.output


def test_write_creates_extra_files_relative_to_the_context(
    project: Path, fake_codemod: str, tmp_path: Path
) -> None:
    context = tmp_path / "ctx"
    context.mkdir()
    result = invoke(
        "--write",
        *("--enable", fake_codemod, "--skip", "document-stages"),
        *("--context", str(context), "Dockerfile"),
    )
    assert result.exit_code == 0, result.output
    assert (context / ".dockerignore").read_text() == ".git\n"
    assert not (project / ".dockerignore").exists()
    assert (project / "Dockerfile").read_text().startswith("# fake top\n")


def test_write_result_is_what_the_runner_produces(project: Path) -> None:
    assert invoke("--write").exit_code == 0
    assert (project / "Dockerfile").read_text() == expected_output(DOCKERFILE, project)


def test_modes_are_exclusive(project: Path) -> None:
    result = invoke("--write", "--check")
    assert result.exit_code == 2
    assert result.stderr == (
        "msb-migrate: error: choose one of --dry-run, --write and --check (msb-migrate --help)\n"
    )


# -- standard input ---------------------------------------------------------------------------


def test_stdin_writes_the_result_to_stdout(project: Path) -> None:
    crlf = DOCKERFILE.replace("\n", "\r\n").encode()
    result = invoke("-", input=crlf)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == expected_output(crlf.decode(), project).encode()
    assert result.stdout_bytes.count(b"\n") == result.stdout_bytes.count(b"\r\n")


def test_stdin_dry_run_and_check(project: Path) -> None:
    dry = invoke("--dry-run", "-", input=DOCKERFILE)
    assert dry.exit_code == 0
    assert dry.stdout.startswith("--- a/<stdin>\n+++ b/<stdin>\n")
    check = invoke("--check", "-", input=DOCKERFILE)
    assert check.exit_code == 1 and check.stdout == dry.stdout
    same = invoke("--check", "-", input=UNCHANGED)
    assert same.exit_code == 0 and same.stdout == ""
    unchanged = invoke("-", input=UNCHANGED)
    assert unchanged.stdout == UNCHANGED


def test_stdin_bad_input(project: Path) -> None:
    result = invoke("-", input=b"FROM alpine\nLABEL x=\xe9\n")
    assert result.exit_code == 2
    assert error_lines(result) == [
        "msb-migrate: error: <stdin>:2: not valid UTF-8 (byte 0xe9 at line 2)"
    ]
    assert result.stdout == ""


# -- formats ----------------------------------------------------------------------------------


def test_json_report(project: Path, fake_codemod: str) -> None:
    (project / "bad.Dockerfile").write_text("FROM alpine\nRUN <<EOF\necho\n")
    result = invoke("--format", "json", "--enable", fake_codemod, "--skip", "document-stages")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    by_path = {f["path"]: f for f in doc["files"]}
    good = by_path["Dockerfile"]
    assert good["status"] == "changed"
    assert good["diff"].startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
    assert ".dockerignore" in good["extra_files"]
    assert {"line", "codemod", "message", "reason"} <= set(good["changes"][0])
    fake = [c for c in good["changes"] if c["codemod"] == fake_codemod]
    assert {
        "line": 1,
        "codemod": fake_codemod,
        "message": "added a comment",
        "reason": "top reason",
    } in fake
    assert {
        "line": 2,
        "codemod": fake_codemod,
        "reason": "a fake skip",
        "code": "FAK002",
        "kind": "skipped",
    } in good["skips"]
    assert all(isinstance(skip["code"], str) and skip["code"] for skip in good["skips"])
    assert all("kind" in skip for skip in good["skips"])
    assert by_path["bad.Dockerfile"]["status"] == "error"
    assert by_path["bad.Dockerfile"]["error"].startswith("bad.Dockerfile:2: ")
    assert doc["summary"] == {"changed": 1, "unchanged": 0, "errors": 1}


def test_sarif_validates_against_the_schema(project: Path, fake_codemod: str) -> None:
    (project / "bad.Dockerfile").write_bytes(b"\x00binary")
    result = invoke("--format", "sarif", "--enable", fake_codemod)
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["version"] == "2.1.0" and log["$schema"]
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert fake_codemod in rules
    results = run["results"]
    assert results and all(r["level"] == "note" for r in results)
    for r in results:
        assert rules[r["ruleIndex"]] == r["ruleId"]
        location = r["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "Dockerfile"
        assert location["region"]["startLine"] >= 1
    messages = {(r["ruleId"], r["message"]["text"]) for r in results}
    assert (fake_codemod, "added a label (bottom reason)") in messages
    notes = run["invocations"][0]["toolExecutionNotifications"]
    [fake_skip] = [
        n for n in notes if n["message"]["text"] == f"{fake_codemod} skipped: a fake skip"
    ]
    assert fake_skip["associatedRule"]["id"] == "FAK002"  # the skip's code is its rule
    assert rules[fake_skip["associatedRule"]["index"]] == "FAK002"
    assert fake_skip["properties"] == {"codemod": fake_codemod, "kind": "skipped"}
    described = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert described["FAK002"]["shortDescription"]["text"] == "a fake reason to skip a line"
    assert described["FAK001"]["properties"] == {"codemod": fake_codemod}  # every code listed
    assert {"MSB001", "MSB002", "MSB003"} <= set(described)  # and the runner's
    for note in notes:
        if "associatedRule" in note:
            assert rules[note["associatedRule"]["index"]] == note["associatedRule"]["id"]
    errors = [n for n in notes if n["level"] == "error"]
    assert len(errors) == 1 and "bad.Dockerfile" in errors[0]["message"]["text"]
    assert "region" not in errors[0]["locations"][0]["physicalLocation"]  # binary: no line
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_errors_keep_their_line(project: Path) -> None:
    (project / "bad.Dockerfile").write_text("FROM alpine\nRUN <<EOF\necho\n")
    log = json.loads(invoke("--format", "sarif").stdout)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    [failure] = [n for n in notes if n["level"] == "error"]
    assert failure["message"]["text"].startswith("bad.Dockerfile:2: ")
    assert failure["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}


def test_sarif_rejects_what_the_spec_rejects() -> None:
    """The subset schema is strict: a wrong version or a result without message fails."""
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.Draft4Validator(schema)
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}
    validator.validate(good)
    for bad in (
        {"version": "2.0.0", "runs": []},
        {"version": "2.1.0", "runs": [{"tool": {}}]},
        {
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}],
        },
        {
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": {"name": "x"}},
                    "results": [{"message": {"text": "m"}, "level": "info"}],
                }
            ],
        },
        {
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": {"name": "x"}},
                    "results": [
                        {
                            "message": {"text": "m"},
                            "locations": [
                                {
                                    "physicalLocation": {
                                        "artifactLocation": {"uri": "D"},
                                        "region": {"startLine": 0},
                                    }
                                }
                            ],
                        }
                    ],
                }
            ],
        },
    ):
        assert not validator.is_valid(bad), bad


# -- usage and input errors -------------------------------------------------------------------


def test_unknown_flag_is_a_usage_error(project: Path) -> None:
    result = invoke("--no-such-flag")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()  # one line, not click's Usage/Try/Error block
    assert line.startswith("msb-migrate: error: No such option '--no-such-flag'")
    assert line.endswith(" (msb-migrate --help)")
    bad = invoke("--format", "xml")
    assert bad.exit_code == 2
    assert bad.stderr.splitlines() == [
        "msb-migrate: error: Invalid value for '--format': 'xml' is not one of 'text', 'json', "
        "'sarif', 'github', 'markdown'. (msb-migrate --help)"
    ]
    missing = invoke("verify")
    assert missing.exit_code == 2
    assert missing.stderr.splitlines() == [
        "msb-migrate: error: Missing argument 'PATH'. (msb-migrate verify --help)"
    ]


def test_unknown_codemod_lists_the_valid_names(project: Path) -> None:
    names = [c.name for c in available_codemods()]
    for args in (
        ["-c", "no-such-codemod"],
        ["--skip", "no-such-codemod"],
        ["--enable", "no-such-codemod"],
        ["--explain", "no-such-codemod"],
    ):
        result = invoke(*args)
        assert result.exit_code == 2, args
        [line] = error_lines(result)
        assert "unknown codemod 'no-such-codemod'" in line
        assert all(name in line for name in names)


def test_list_and_explain_codemods(project: Path, fake_codemod: str) -> None:
    listed = invoke("--list-codemods")
    assert listed.exit_code == 0
    line = next(x for x in listed.stdout.splitlines() if x.startswith(fake_codemod))
    assert line.split() == [fake_codemod, "off", "Test", "codemod."]
    for codemod in available_codemods():
        assert codemod.name in listed.stdout
    explained = invoke("--explain", fake_codemod)
    assert explained.exit_code == 0
    assert explained.stdout == (
        f"{fake_codemod} (off by default (--enable {fake_codemod}))\n\nTest codemod. Second line.\n"
    )


class Crasher(Codemod):
    """Raises: the runner turns that into an internal-error skip."""

    name = "crasher"
    description = "Test codemod."
    default = False

    def transform(self, tree: Dockerfile, ctx: Context) -> CodemodResult:
        raise RuntimeError("boom")


def test_internal_errors_are_typed_in_json_and_unchanged_in_text(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = install_codemod(monkeypatch, Crasher)
    monkeypatch.delenv("MSB_DEBUG", raising=False)
    doc = json.loads(invoke("--format", "json", "-c", name).stdout)
    [skip] = doc["files"][0]["skips"]
    assert skip["code"] == "MSB003" and skip["kind"] == "internal-error"
    assert skip["reason"] == "internal error: RuntimeError('boom')"
    assert skip["traceback"].startswith("Traceback") and "boom" in skip["traceback"]
    text = invoke("-v", "--color", "never", "-c", name)
    assert "# [crasher] skipped: internal error: RuntimeError('boom')" in text.stdout
    assert "Traceback" not in text.output  # the traceback is the JSON's (or MSB_DEBUG=1's)


def test_explain_a_code(project: Path, fake_codemod: str) -> None:
    explained = invoke("--explain", "FAK002")
    assert explained.exit_code == 0
    assert explained.stdout == f"FAK002 ({fake_codemod})\n\na fake reason to skip a line\n"
    assert invoke("--explain", "fak001").stdout.startswith(f"FAK001 ({fake_codemod})\n")
    runner = invoke("--explain", "MSB003")
    assert runner.stdout.startswith("MSB003 (msb-migrate)\n\na codemod raised an internal error")
    unknown = invoke("--explain", "FAK999")
    assert unknown.exit_code == 2
    assert error_lines(unknown) == ["msb-migrate: error: unknown code 'FAK999'"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            b"FROM alpine\nRUN echo \x00\x01\x02\n",
            "Dockerfile: binary file (contains NUL bytes), not a Dockerfile",
        ),
        (
            "FROM alpine\nLABEL author=Jos\xe9\n".encode("latin-1"),
            "Dockerfile:2: not valid UTF-8 (byte 0xe9 at line 2)",
        ),
        (b"FROM alpine\nRUN <<EOF\necho hi\n", "Dockerfile:2: unterminated heredoc"),
        (b"", "Dockerfile:1: file with no instructions"),
    ],
    ids=["binary", "latin-1", "unparsable", "empty"],
)
def test_bad_input_is_one_line_and_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, problem: str
) -> None:
    bad = tmp_path / "bad" / "Dockerfile"
    bad.parent.mkdir()
    bad.write_bytes(data)
    good = tmp_path / "good" / "Dockerfile"
    good.parent.mkdir()
    good.write_text(DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    for mode in ("--dry-run", "--write", "--check"):
        before = bad.read_bytes()
        result = invoke(mode, "bad", "good")
        assert result.exit_code == 2, (mode, result.output)
        assert error_lines(result) == [f"msb-migrate: error: bad/{problem}"]
        assert "Traceback" not in result.output
        assert bad.read_bytes() == before
    assert good.read_text() != DOCKERFILE  # --write still processed the good file


def test_huge_file_is_refused_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("refactor.app.migrate.MAX_BYTES", 100)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text(DOCKERFILE + "#" * 200 + "\n")
    result = invoke("Dockerfile")
    assert result.exit_code == 2
    [line] = error_lines(result)
    assert line.startswith("msb-migrate: error: Dockerfile: file is too large")


def test_missing_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("nope")
    assert result.exit_code == 2
    assert error_lines(result) == ["msb-migrate: error: nope: no such file or directory"]


# -- configuration ----------------------------------------------------------------------------


def _repo_dir(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "svc" / "api").mkdir(parents=True)
    (repo / "svc" / "api" / "Dockerfile").write_text(DOCKERFILE)
    return repo


def test_config_is_found_upward_from_the_dockerfile(tmp_path: Path) -> None:
    repo = _repo_dir(tmp_path)
    every = [c.name for c in available_codemods()]
    (repo / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.msb-migrate]\nskip = " + json.dumps(every) + "\n"
    )
    target = str(repo / "svc" / "api" / "Dockerfile")
    assert invoke("--check", target).exit_code == 0  # everything skipped by the config
    # the command line wins: -c brings a skipped codemod back
    assert invoke("--check", "-c", every[0], "-c", every[1], "-c", every[2], target).exit_code == 1
    # a nearer .msb-migrate.toml wins over the pyproject.toml above it
    (repo / "svc" / ".msb-migrate.toml").write_text("runtime-flavour = 'slim'\n")
    assert invoke("--check", target).exit_code == 1


def test_config_search_stops_at_the_git_root(tmp_path: Path) -> None:
    repo = _repo_dir(tmp_path)
    (tmp_path / ".msb-migrate.toml").write_text("bogus-key = 1\n")  # above the git root
    assert invoke("--check", str(repo)).exit_code == 1


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("bogus-key = 1\n", "bogus-key"),
        ("runtime-flavour = 'fat'\n", "runtime-flavour"),
        ("user-uid = 'x'\n", "user-uid"),
        ("codemods = 'x'\n", "codemods"),
        ("skip = ['no-such-codemod']\n", "skip"),
        ("syntax-directive = 1\n", "syntax-directive"),
    ],
)
def test_invalid_config_names_the_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    repo = _repo_dir(tmp_path)
    config = repo / ".msb-migrate.toml"
    config.write_text(text)
    result = invoke(str(repo))
    assert result.exit_code == 2
    [line] = error_lines(result)
    assert line.startswith(f"msb-migrate: error: {config}: key '{key}': ")
    assert result.stdout == ""


def test_invalid_toml(tmp_path: Path) -> None:
    repo = _repo_dir(tmp_path)
    (repo / "pyproject.toml").write_text("[tool.msb-migrate\n")
    result = invoke(str(repo))
    assert result.exit_code == 2
    assert f"{repo / 'pyproject.toml'}: invalid TOML" in result.stderr


def test_config_options_reach_the_codemods(tmp_path: Path) -> None:
    repo = _repo_dir(tmp_path)
    (repo / ".msb-migrate.toml").write_text("syntax-directive = true\n")
    target = str(repo / "svc" / "api" / "Dockerfile")
    assert "+# syntax=docker/dockerfile:1" in invoke(target).stdout
    assert "# syntax=" not in invoke("--no-syntax-directive", target).stdout


# -- discovery --------------------------------------------------------------------------------


def test_discovery_names_ignores_and_excludes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    names = [
        "Dockerfile",
        "Containerfile",
        "api.Dockerfile",
        "Dockerfile.dev",
        "web.dockerfile",
        "lower/dockerfile",
        "Dockerfile.dockerignore",
        "notes.txt",
        "vendor/Dockerfile",
        "ignored/Dockerfile",
        "skipme.Dockerfile",
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(DOCKERFILE)
    (tmp_path / ".gitignore").write_text("ignored/\nskipme.*\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "link").symlink_to(outside, target_is_directory=True)
    (tmp_path / "linked.Dockerfile").symlink_to(outside / "Dockerfile")
    (tmp_path / "inside.Dockerfile").symlink_to(tmp_path / "Dockerfile")

    def found(*args: str) -> list[str]:
        doc = json.loads(invoke("--format", "json", *args).stdout)
        return sorted(f["path"] for f in doc["files"] if f["status"] != "error")

    expected = [
        "Containerfile",
        "Dockerfile",
        "Dockerfile.dev",
        "api.Dockerfile",
        "lower/dockerfile",
        "vendor/Dockerfile",
        "web.dockerfile",
    ]
    assert found() == expected  # plain directory: .gitignore parsed with fnmatch
    # the link out of the tree is an error of its own (never read, never silently skipped)
    doc = json.loads(invoke("--format", "json").stdout)
    errors = {f["path"]: f["error"] for f in doc["files"] if f["status"] == "error"}
    assert list(errors) == ["linked.Dockerfile"] and "outside" in errors["linked.Dockerfile"]
    assert found("--exclude", "vendor", "--exclude", "*.dev") == [
        "Containerfile",
        "Dockerfile",
        "api.Dockerfile",
        "lower/dockerfile",
        "web.dockerfile",
    ]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    assert found() == expected  # inside a git work tree: git check-ignore decides
    (tmp_path / ".gitignore").write_text("vendor\n")
    assert "vendor/Dockerfile" not in found() and "ignored/Dockerfile" in found()
    assert found("ignored/Dockerfile") == ["ignored/Dockerfile"]  # named explicitly


# -- the installed script ---------------------------------------------------------------------


def test_installed_script(project: Path) -> None:
    script = shutil.which("msb-migrate")
    if script is None:
        pytest.skip("msb-migrate is not installed (pip install -e .)")
    env = {**os.environ, "NO_COLOR": "1"}
    check = subprocess.run([script, "--check", "."], capture_output=True, text=True, env=env)
    assert check.returncode == 1
    assert check.stdout.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
    assert check.stderr.splitlines()[-1] == "1 file would change, 0 unchanged, 0 errors"
    stdin = subprocess.run([script, "-"], input=DOCKERFILE.encode(), capture_output=True)
    assert stdin.returncode == 0
    assert stdin.stdout.decode() == expected_output(DOCKERFILE, project)
    bad = subprocess.run([script, "--bogus"], capture_output=True, text=True)
    assert bad.returncode == 2


# -- many files: worker processes ---------------------------------------------------------------


class PidCodemod(Codemod):
    """Labels each file with the process that migrated it."""

    name = "pid-label"
    description = "Test codemod."
    default = False
    codes: ClassVar[Mapping[str, str]] = {"PID001": "the file is already labelled"}

    def transform(self, tree: Dockerfile, ctx: Context) -> CodemodResult:
        if any(i.directive == "LABEL" for i in tree.instructions):
            return self.skip(tree, "already done", code="PID001")
        label = Instruction.create("LABEL", f"pid={os.getpid()}", style=tree.style)
        tree = tree.insert_after(tree.instructions[-1], [label])
        return CodemodResult(tree, explanations=(self.explain("added a label", node=label),))


SCRATCH = "FROM scratch\nCOPY app /app\n"


def many_services(root: Path, count: int) -> None:
    """``count`` services, each with a Dockerfile; every seventh does not parse."""
    for i in range(count):
        service = root / f"svc{i:02d}"
        service.mkdir(parents=True)
        if i % 7 == 3:
            (service / "Dockerfile").write_text("FROM python:3.11\nRUN <<EOF\nnever ends\n")
        else:
            (service / "Dockerfile").write_text(DOCKERFILE.replace("app.py", f"app{i}.py"))
            (service / "requirements.txt").write_text("flask==3.0.0\n")


def test_jobs_give_the_same_result_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    many_services(tmp_path, 40)  # a worker's answer of -j 2 outgrows a pipe's buffer (64 KiB)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    one = invoke("--dry-run", "-j", "1", ".")
    assert one.exit_code == 2  # six files do not parse
    assert len(error_lines(one)) == 6
    assert "34 files would change, 0 unchanged, 6 errors" in one.stderr
    for args in (["-j", "2"], ["-j", "5"], []):  # [] : one per CPU from 16 files on
        other = invoke("--dry-run", *args, ".")
        assert (other.exit_code, other.stdout, other.stderr) == (
            one.exit_code,
            one.stdout,
            one.stderr,
        )
    assert snapshot(tmp_path) == before
    written = invoke("--write", "-j", "2", ".")
    assert written.exit_code == 2
    assert snapshot(tmp_path) != before
    assert invoke("--check", "-j", "2", ".").exit_code == 2  # the broken files stay broken
    assert "0 files would change, 34 unchanged, 6 errors" in invoke("--check", ".").stderr


def scratch_services(root: Path, count: int) -> None:
    """``count`` one-line services ``s0``, ``s1``…, each ``FROM scratch`` + ``COPY app /app``."""
    for i in range(count):
        (root / f"s{i}").mkdir()
        (root / f"s{i}" / "Dockerfile").write_text(SCRATCH)


def test_jobs_run_in_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_codemod(monkeypatch, PidCodemod)
    scratch_services(tmp_path, 8)
    monkeypatch.chdir(tmp_path)

    def pids(*args: str) -> set[str]:
        result = invoke("--write", "-c", PidCodemod.name, *args, ".")
        assert result.exit_code == 0, result.output
        labels = {p.read_text().rsplit("pid=", 1)[1] for p in tmp_path.glob("s*/Dockerfile")}
        for path in tmp_path.glob("s*/Dockerfile"):
            path.write_text(SCRATCH)
        return labels

    assert pids("-j", "1") == {f"{os.getpid()}\n"}
    assert pids() == {f"{os.getpid()}\n"}  # 8 files: no workers by default
    shared = pids("-j", "2")  # this process takes every other file, one worker the rest
    assert f"{os.getpid()}\n" in shared and len(shared) == 2
    assert len(pids("-j", "4")) == 4


def test_no_process_to_spare_means_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    many_services(tmp_path, 20)
    monkeypatch.chdir(tmp_path)
    one = invoke("--dry-run", "-j", "1", ".")

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    other = invoke("--dry-run", "-j", "3", ".")
    assert (other.exit_code, other.stdout, other.stderr) == (one.exit_code, one.stdout, one.stderr)


class WorkerKiller(Codemod):
    """Kills any process but the one that started the test (a worker dying mid-run)."""

    name = "kill-worker"
    description = "Test codemod."
    default = False
    parent = 0

    def transform(self, tree: Dockerfile, ctx: Context) -> CodemodResult:
        if os.getpid() != self.parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return PidCodemod().transform(tree, ctx)


def test_a_dead_worker_leaves_its_files_to_the_main_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_codemod(monkeypatch, WorkerKiller)
    monkeypatch.setattr(WorkerKiller, "parent", os.getpid())
    scratch_services(tmp_path, 6)
    monkeypatch.chdir(tmp_path)
    result = invoke("--write", "-c", WorkerKiller.name, "-j", "3", ".")
    assert result.exit_code == 0, result.output
    assert "6 files rewritten" in result.stderr
    labels = {p.read_text() for p in tmp_path.glob("s*/Dockerfile")}
    assert labels == {f"{SCRATCH}LABEL pid={os.getpid()}\n"}
