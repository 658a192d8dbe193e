"""dockerignore: BuildKit's pattern semantics (checked against the real engine in an e2e test),
the safety rules per kind of entry, the files it writes, the command line. The real-world corpus
goes through tests/test_realworld_sweep.py."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from codemods.dockerignore import HEADER, DockerIgnore
from refactor.analysis.context import GitIgnore, IgnoreRules, PatternError
from refactor.app.cli import main
from refactor.app.docker import DockerEngine
from refactor.data.ignore import COMMON_ENTRIES, ECOSYSTEMS, KINDS
from refactor.engine.codemod import Context
from refactor.engine.runner import FileReport, load_codemod, run_codemods, select_codemods
from refactor.syntax.parser import parse

NODE = """FROM node:20
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
CMD ["node", "server.js"]
"""


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def run(root: Path, text: str = NODE, name: str = "Dockerfile") -> FileReport:
    (root / name).write_text(text)
    ctx = Context(context_dir=root, dockerfile=root / name)
    return run_codemods(parse(text, name), ctx, [DockerIgnore()])


def codes(report: FileReport) -> list[str]:
    return [s.code for s in report.skips]


def left_in(report: FileReport) -> str:
    """The reasons of the entries left out (IGN007): which entry and why is the point."""
    return "\n".join(s.reason for s in report.skips if s.code == "IGN007")


# -- patterns -------------------------------------------------------------------------------------

#: (patterns, path, excluded) as moby's patternmatcher decides (MatchesOrParentMatches).
CASES = [
    ("node_modules", "node_modules/x/y.js", True),
    ("node_modules", "a/node_modules/z.js", False),
    ("**/node_modules", "a/node_modules/z.js", True),
    ("**/node_modules", "node_modules/x/y.js", True),
    ("*.md", "README.md", True),
    ("*.md", "docs/a.md", False),
    ("**/*.md", "docs/a.md", True),
    ("/build", "build/out.txt", True),
    ("build/", "build/out.txt", True),
    ("./build", "build/out.txt", True),
    ("*.log\n!keep.log", "keep.log", False),
    ("*.log\n!keep.log", "a.log", True),
    ("docs\n!docs/README.md", "docs/README.md", False),
    ("docs\n!docs/README.md", "docs/a.md", True),
    ("**\n!src", "src/test/t.go", False),
    ("**\n!src", "README.md", True),
    ("# comment\n  abc  ", "abc", True),
    ("a?c", "abc", True),
    ("[ab]bc", "abc", True),
    ("[xy]bc", "abc", False),
    ("src/**/t.go", "src/test/t.go", True),
    ("src/**/t.go", "src/t.go", True),
    ("!keep.log\n*.log", "keep.log", True),  # the last matching line wins
]


@pytest.mark.parametrize(("patterns", "path", "excluded"), CASES)
def test_ignore_rules_follow_moby(patterns: str, path: str, excluded: bool) -> None:
    assert IgnoreRules.parse(patterns).excluded(path) is excluded


def test_invalid_pattern_is_an_error() -> None:
    with pytest.raises(PatternError):
        IgnoreRules.parse("[a-")


@pytest.mark.parametrize(
    ("patterns", "path", "folder", "ignored"),
    [
        ("target/", "target", True, True),
        ("target/", "target", False, False),
        ("target", "crates/x/target", True, True),  # no slash: any depth
        ("/target", "crates/x/target", True, False),
        (".env", ".env", False, True),
        ("*.log\n!keep.log", "keep.log", False, False),
        ("build/\n!build/x", "build/x", False, True),  # nothing re-includes inside an ignored dir
        ("docs/*.md", "docs/a.md", False, True),
        ("**/cache", "a/b/cache", True, True),
    ],
)
def test_gitignore_semantics(patterns: str, path: str, folder: bool, ignored: bool) -> None:
    assert GitIgnore.parse(patterns).ignored(path, folder) is ignored


# -- entries and their safety rules -----------------------------------------------------------


def test_git_folder_and_gitignored_secret(tmp_path: Path) -> None:
    make(tmp_path, {".git/HEAD": "ref\n", ".env": "K=1\n", ".gitignore": ".env\n", "a.js": ""})
    make(tmp_path, {"package.json": "{}\n"})
    report = run(tmp_path)
    assert report.files == {
        ".dockerignore": "# Not needed in the image (added by msb-migrate)\n"
        ".git\n.env\nnode_modules\n"
    }
    assert report.changed and report.output == NODE
    [explanation] = report.explanations
    assert explanation.line == 5 and explanation.message.startswith("created .dockerignore")


def test_secret_the_repository_tracks_stays(tmp_path: Path) -> None:
    make(tmp_path, {".env": "K=1\n", "package.json": "{}\n"})
    report = run(tmp_path)
    assert ".env" not in report.files[".dockerignore"].splitlines()
    assert ".env: left in: no .gitignore in the context says it is local" in left_in(report)
    make(tmp_path, {".gitignore": "node_modules\n"})
    report = run(tmp_path)
    assert ".env: left in: .gitignore does not ignore .env" in left_in(report)


def test_secret_the_build_uses_stays(tmp_path: Path) -> None:
    make(tmp_path, {".env": "K=1\n", ".gitignore": ".env\n", "package.json": "{}\n"})
    text = NODE.replace('CMD ["node", "server.js"]', 'CMD ["node", "--env-file=.env", "server.js"]')
    report = run(tmp_path, text)
    assert ".env: left in: the build uses it (--env-file=.env)" in left_in(report)


def test_build_output_only_when_gitignored(tmp_path: Path) -> None:
    text = "FROM gradle:8-jdk21\nWORKDIR /w\nCOPY . .\nRUN gradle build\n"
    make(tmp_path, {"build.gradle": "\n", "build/libs/old.jar": ""})
    report = run(tmp_path, text)
    assert "build" not in report.files[".dockerignore"].splitlines()
    assert "build: left in: no .gitignore" in left_in(report)
    make(tmp_path, {".gitignore": "/build/\n"})
    assert "build" in run(tmp_path, text).files[".dockerignore"].splitlines()


def test_build_output_stays_when_the_image_does_not_build(tmp_path: Path) -> None:
    text = 'FROM eclipse-temurin:21-jre\nCOPY . /app\nCMD ["java", "-jar", "/app/target/app.jar"]\n'
    make(tmp_path, {"pom.xml": "<project/>\n"})
    report = run(tmp_path, text)
    assert "target: left in: the image does not build itself" in left_in(report)


def test_nothing_ignores_what_a_bind_mount_names(tmp_path: Path) -> None:
    text = (
        "FROM golang:1.22\nWORKDIR /src\n"
        "RUN --mount=type=bind,source=.git,target=/src/.git git rev-parse HEAD > /rev\n"
        "COPY . .\n"
    )
    make(tmp_path, {"go.mod": "module x\n", ".git/HEAD": "ref\n"})
    report = run(tmp_path, text)
    assert ".git: left in: a COPY names .git" in left_in(report)


def test_other_dockerfiles_sharing_the_file(tmp_path: Path) -> None:
    make(tmp_path, {"package.json": "{}\n", "node_modules/x/i.js": ""})
    (tmp_path / "dev.Dockerfile").write_text("FROM node:20\nWORKDIR /app\nCOPY . .\n")
    report = run(tmp_path)
    assert "node_modules: left in: the image does not install" in left_in(report)
    (tmp_path / "dev.Dockerfile.dockerignore").write_text("")  # it reads its own file now
    assert "node_modules" in run(tmp_path).files[".dockerignore"].splitlines()


def test_per_dockerfile_ignore_file_is_extended(tmp_path: Path) -> None:
    make(tmp_path, {"package.json": "{}\n", "api.Dockerfile.dockerignore": "*.md\n"})
    report = run(tmp_path, name="api.Dockerfile")
    assert set(report.files) == {"api.Dockerfile.dockerignore"}
    assert report.files["api.Dockerfile.dockerignore"].startswith("*.md\n\n# Not needed")


def test_existing_file_is_kept_byte_for_byte(tmp_path: Path) -> None:
    existing = "\ufeff# mine\r\nnode_modules\r\n*.tmp"
    (tmp_path / ".dockerignore").write_bytes(existing.encode())
    make(tmp_path, {"package.json": "{}\n"})
    content = run(tmp_path).files[".dockerignore"]
    assert content.startswith(existing + "\r\n\r\n# Not needed in the image")
    assert content.endswith(".git\r\n.env\r\n")
    assert "node_modules\r\n" not in content[len(existing) :]


def test_invalid_existing_pattern_skips(tmp_path: Path) -> None:
    make(tmp_path, {".dockerignore": "[a-\n", "package.json": "{}\n"})
    report = run(tmp_path)
    assert not report.changed
    assert codes(report) == ["IGN006"]


def test_second_run_after_writing_adds_nothing(tmp_path: Path) -> None:
    make(tmp_path, {"package.json": "{}\n", ".idea/x.xml": ""})
    first = run(tmp_path)
    (tmp_path / ".dockerignore").write_text(first.files[".dockerignore"])
    second = run(tmp_path)
    assert not second.changed and not second.files
    assert codes(second) == ["IGN008"]


def test_entry_table_is_consistent() -> None:
    entries = [*COMMON_ENTRIES, *(e for eco in ECOSYSTEMS for e in eco.entries)]
    for entry in entries:
        assert entry.kind in KINDS and entry.why, entry
        # written the way BuildKit reads it back, so a second run finds it
        assert [p.text for p in IgnoreRules.parse(entry.pattern).patterns] == [entry.pattern]


def test_opt_in() -> None:
    assert load_codemod("dockerignore").default is False
    assert "dockerignore" not in [c.name for c in select_codemods()]


# -- command line ---------------------------------------------------------------------------------


def test_dry_run_shows_and_write_writes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(tmp_path, {"package.json": "{}\n", "Dockerfile": NODE, ".dockerignore": "*.md\n"})
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    dry = runner.invoke(main, ["-c", "dockerignore", "Dockerfile"])
    assert dry.exit_code == 0, dry.output
    lines = dry.stdout.splitlines()
    assert lines[:2] == [
        "--- a/.dockerignore",
        "+++ b/.dockerignore",
    ]  # the Dockerfile is unchanged
    assert lines[2].startswith("# [dockerignore] line 5: added .git, .env, node_modules to ")
    assert lines[3:] == [
        "@@ -1 +1,6 @@",
        " *.md",
        "+",
        f"+{HEADER}",
        "+.git",
        "+.env",
        "+node_modules",
    ]
    assert (tmp_path / ".dockerignore").read_text() == "*.md\n"
    assert runner.invoke(main, ["-c", "dockerignore", "--check", "Dockerfile"]).exit_code == 1
    written = runner.invoke(main, ["-c", "dockerignore", "--write", "Dockerfile"])
    assert written.exit_code == 0, written.output
    assert (tmp_path / ".dockerignore").read_text().endswith("\n.git\n.env\nnode_modules\n")
    assert (tmp_path / "Dockerfile").read_text() == NODE
    again = runner.invoke(main, ["-c", "dockerignore", "--check", "Dockerfile"])
    assert again.exit_code == 0, again.output


# -- the real engine agrees with the pattern engine ---------------------------------------------

ORACLE_FILES = [
    "README.md",
    "docs/a.md",
    "docs/README.md",
    "node_modules/x/y.js",
    "a/node_modules/z.js",
    "build/out.txt",
    "src/main.go",
    "src/test/t.go",
    "keep.log",
    "a.log",
    "abc",
    ".env",
    ".env.example",
]


@pytest.mark.e2e
def test_buildkit_sends_what_the_rules_say(tmp_path: Path) -> None:
    engine = DockerEngine()
    reason = engine.unavailable_reason() or (
        None if engine.exists("alpine:3.20") else "alpine:3.20 is not present locally"
    )
    if reason is not None:
        if os.environ.get("MSB_E2E_REQUIRED") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    make(tmp_path, dict.fromkeys(ORACLE_FILES, "x\n"))
    variants = [*sorted({patterns for patterns, _, _ in CASES}), ".env*\n!.env.example"]
    for number, patterns in enumerate(variants):
        (tmp_path / ".dockerignore").write_text(patterns + "\n")
        tag = f"msb-dockerignore-oracle:{uuid.uuid4().hex[:8]}-{number}"
        text = "FROM alpine:3.20\nCOPY . /ctx\nRUN cd /ctx && find . -type f | sort > /files\n"
        try:
            engine.build(text, tmp_path, tag).raise_for_status()
            listed = engine.read_file(tag, "/files") or ""
        finally:
            engine.remove(tag)
        sent = {line.removeprefix("./") for line in listed.splitlines()} - {".dockerignore"}
        rules = IgnoreRules.parse(patterns)
        expected = {path for path in ORACLE_FILES if not rules.excluded(path)}
        assert sent == expected, patterns
