"""``--open-pr`` against a fake GitHub / GitLab (tests/fakeforge.py) on 127.0.0.1."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docker_env import PYTHON_APP
from fakeforge import FakeForge, isolate_forge_env
from gitcli import git

from refactor.app.cli import main
from refactor.app.forge import (
    TOKEN_VARIABLES,
    Forge,
    ForgeClient,
    ForgeError,
    check_api_url,
    deadline_from_env,
    detect_forge,
    token_from_env,
)
from refactor.app.redact import SECRET_VARIABLES

TOKEN = "tok-SECRET-1234567890"
BRANCH = "msb-migrate/multi-stage"
DOCKERFILE = PYTHON_APP


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_forge_env(monkeypatch, tmp_path)


# -- remote URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/app.git", Forge("github", "https://api.github.com", "acme/app")),
        ("git@github.com:acme/app.git", Forge("github", "https://api.github.com", "acme/app")),
        ("ssh://git@github.com/acme/app", Forge("github", "https://api.github.com", "acme/app")),
        (
            "https://gitlab.com/group/sub/app.git",
            Forge("gitlab", "https://gitlab.com", "group/sub/app"),
        ),
        (
            "git@gitlab.example.com:team/app.git",
            Forge("gitlab", "https://gitlab.example.com", "team/app"),
        ),
        ("https://git.example.com/acme/app.git", None),
        ("/srv/git/app.git", None),
    ],
)
def test_detect_forge(url: str, expected: Forge | None) -> None:
    assert detect_forge(url) == expected


# -- what the client is given ------------------------------------------------------------------


def test_tokens_are_stripped_and_the_first_set_variable_wins() -> None:
    env = {"GITHUB_TOKEN": " \n", "GH_TOKEN": "tok-123456\r\n"}
    assert token_from_env("github", env) == "tok-123456"
    assert token_from_env("gitlab", {"GITLAB_TOKEN": "\tglpat-x\n"}) == "glpat-x"
    with pytest.raises(ForgeError, match="no github token"):
        token_from_env("github", {"GITHUB_TOKEN": "\r\n"})


def test_a_token_variable_is_a_secret_variable() -> None:
    """The redaction reads the same variables: a process that never loaded the token (the
    parent of bulk's workers) still redacts it."""
    assert {n for names in TOKEN_VARIABLES.values() for n in names} <= set(SECRET_VARIABLES)


@pytest.mark.parametrize(
    ("value", "shown"), [("abc\x00def", "U+0000"), ("abc def", "U+0020"), ("abcédef", "a")]
)
def test_a_token_with_a_foreign_character_is_refused_unseen(value: str, shown: str) -> None:
    with pytest.raises(ForgeError) as info:
        token_from_env("gitlab", {"GITLAB_TOKEN": value})
    message = str(info.value)
    assert f"GITLAB_TOKEN holds a character no token holds ({shown} character at position 4" in (
        message
    )
    assert "abc" not in message and "def" not in message


def test_the_request_deadline_comes_from_the_environment() -> None:
    assert deadline_from_env({}) == 60.0
    assert deadline_from_env({"MSB_FORGE_TIMEOUT": " 2.5 "}) == 2.5
    for bad in ("0", "-1", "soon", "1e9", "nan"):
        with pytest.raises(ForgeError, match="MSB_FORGE_TIMEOUT must be a number of seconds"):
            deadline_from_env({"MSB_FORGE_TIMEOUT": bad})


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://bot:secret@forge.test", "holds credentials"),
        ("https://token@forge.test/api", "holds credentials"),
        ("file:///etc/passwd", "not an http:// or https:// URL"),
        ("forge.test", "not an http:// or https:// URL"),
        ("http://forge.test:port", "not a valid URL"),
        ("http://forge.test/a b", "a space or a control character"),
    ],
)
def test_the_api_root_is_checked(url: str, problem: str) -> None:
    with pytest.raises(ForgeError, match=problem) as info:
        check_api_url(url)
    assert "secret" not in str(info.value) and "token@" not in str(info.value)


def test_a_client_refuses_an_api_root_with_credentials() -> None:
    with pytest.raises(ForgeError, match="holds credentials"):
        ForgeClient(Forge("github", "https://u:p@api.github.com", "acme/app"), TOKEN)


# -- the client ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_client_opens_then_updates(kind: str) -> None:
    with FakeForge(kind, TOKEN, project="acme/app") as fake:
        client = ForgeClient(Forge(kind, fake.url, "acme/app"), TOKEN)
        first = client.open_or_update(BRANCH, "main", "Title", "Body 1")
        assert first.created and first.number == 1
        second = client.open_or_update(BRANCH, "main", "Title", "Body 2")
        assert not second.created and second.number == 1
        assert len(fake.pulls) == 1
        body_key = "body" if kind == "github" else "description"
        assert fake.pulls[1][body_key] == "Body 2"
        assert fake.rejected == []
        methods = [r.method for r in fake.requests]
        update = "PATCH" if kind == "github" else "PUT"
        assert methods == ["GET", "POST", "GET", update]


def test_gitlab_project_path_is_url_encoded() -> None:
    with FakeForge("gitlab", TOKEN, project="group/sub/app") as fake:
        client = ForgeClient(Forge("gitlab", fake.url, "group/sub/app"), TOKEN)
        client.open_or_update(BRANCH, "main", "T", "B")
        assert fake.requests[0].path == "/api/v4/projects/group%2Fsub%2Fapp/merge_requests"
        assert fake.requests[0].query == {"source_branch": [BRANCH], "state": ["opened"]}


@pytest.mark.parametrize("status", [429, 403])
def test_rate_limits_are_retried_after_retry_after(status: int) -> None:
    waits: list[float] = []
    with FakeForge("github", TOKEN) as fake:
        fake.fail_next.append((status, {"Retry-After": "7"}, "slow down"))
        client = ForgeClient(Forge("github", fake.url, "acme/app"), TOKEN, sleep=waits.append)
        assert client.open_or_update(BRANCH, "main", "T", "B").created
    assert waits == [7.0]


def test_github_rate_limit_reset_is_honoured() -> None:
    import time

    waits: list[float] = []
    with FakeForge("github", TOKEN) as fake:
        reset = str(int(time.time()) + 5)
        fake.fail_next.append((403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}, ""))
        client = ForgeClient(Forge("github", fake.url, "acme/app"), TOKEN, sleep=waits.append)
        client.open_or_update(BRANCH, "main", "T", "B")
    assert len(waits) == 1 and 0 < waits[0] <= 6


def test_retries_are_bounded() -> None:
    waits: list[float] = []
    with FakeForge("github", TOKEN) as fake:
        fake.fail_next += [(429, {"Retry-After": "1"}, "")] * 10
        client = ForgeClient(Forge("github", fake.url, "acme/app"), TOKEN, sleep=waits.append)
        with pytest.raises(ForgeError, match="HTTP 429 \\(rate limited\\)"):
            client.open_or_update(BRANCH, "main", "T", "B")
    assert len(waits) == 3
    with FakeForge("github", TOKEN) as fake:
        fake.fail_next.append((429, {"Retry-After": "3600"}, ""))
        client = ForgeClient(Forge("github", fake.url, "acme/app"), TOKEN, sleep=waits.append)
        with pytest.raises(ForgeError, match="rate limited"):
            client.open_or_update(BRANCH, "main", "T", "B")


def test_a_plain_403_is_not_retried() -> None:
    with FakeForge("github", TOKEN) as fake:
        fake.fail_next.append((403, {}, "Resource not accessible by integration"))
        client = ForgeClient(Forge("github", fake.url, "acme/app"), TOKEN, sleep=pytest.fail)
        with pytest.raises(ForgeError, match=r"HTTP 403: .*Resource not accessible"):
            client.open_or_update(BRANCH, "main", "T", "B")
        assert len(fake.requests) == 1


def test_the_token_is_scrubbed_from_errors() -> None:
    with FakeForge("gitlab", TOKEN) as fake:
        fake.fail_next.append((401, {}, f"token {TOKEN} was revoked"))
        client = ForgeClient(Forge("gitlab", fake.url, "acme/app"), TOKEN)
        with pytest.raises(ForgeError) as info:
            client.open_or_update(BRANCH, "main", "T", "B")
    assert TOKEN not in str(info.value)
    assert "token *** was revoked" in str(info.value)


# -- through the command line -------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "requirements.txt").write_text("flask==3.0.0\n")
    (root / "app.py").write_text("print('hi')\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(root, "remote", "add", "origin", str(bare))
    git(root, "push", "-q", "origin", "main")
    monkeypatch.chdir(root)
    return root


def open_pr(fake: FakeForge, *extra: str) -> Result:
    args = [
        "--push",
        "origin",
        "--open-pr",
        "--forge",
        fake.kind,
        "--forge-url",
        fake.url,
        "--repo",
        fake.project,
        *extra,
    ]
    return CliRunner().invoke(main, args)


@pytest.mark.parametrize(
    ("kind", "variable"),
    [("github", "GITHUB_TOKEN"), ("github", "GH_TOKEN"), ("gitlab", "GITLAB_TOKEN")],
)
def test_open_pr_then_update_it(
    repo: Path,
    kind: str,
    variable: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(variable, TOKEN)
    with FakeForge(kind, TOKEN, project="acme/app") as fake:
        first = open_pr(fake)
        assert first.exit_code == 0, first.output
        assert fake.rejected == []
        assert len(fake.pulls) == 1
        pull = fake.pulls[1]
        body = pull["body"] if kind == "github" else pull["description"]
        head = pull["head"]["ref"] if kind == "github" else pull["source_branch"]
        base = pull["base"]["ref"] if kind == "github" else pull["target_branch"]
        assert (head, base) == (BRANCH, "main")
        assert "| File | Changes | Codemods |" in body
        assert "| `Dockerfile` |" in body
        assert "```mermaid\ngraph TD\n" in body
        assert "```diff\n--- a/Dockerfile\n+++ b/Dockerfile\n" in body
        assert "**split-build-runtime**\n- line " in body  # one short line per change
        assert "<details><summary>Why these changes</summary>" in body  # reasons folded
        assert "**Opt out.** `# msb-migrate: skip`" in body and "**Re-run.**" in body
        url = pull["html_url"] if kind == "github" else pull["web_url"]
        assert f"opened pull request #1: {url}" in first.stderr
        # the rerun updates the same request, never opens a second one
        (repo / ".msb-migrate.toml").write_text("syntax-directive = true\n")
        second = open_pr(fake)
        assert second.exit_code == 0, second.output
        assert f"updated pull request #1: {url}" in second.stderr
        assert len(fake.pulls) == 1
        assert fake.rejected == []
        third = open_pr(fake)
        assert third.exit_code == 0 and len(fake.pulls) == 1
    for result in (first, second, third):
        assert TOKEN not in result.stdout and TOKEN not in result.stderr
    assert TOKEN not in caplog.text


def test_open_pr_retries_429_through_the_cli(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with FakeForge("github", TOKEN) as fake:
        fake.fail_next.append((429, {"Retry-After": "1"}, "secondary rate limit"))
        result = open_pr(fake)
        assert result.exit_code == 0, result.output
        assert len(fake.pulls) == 1
        assert [r.method for r in fake.requests] == ["GET", "GET", "POST"]


def test_forge_errors_are_one_scrubbed_line(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with FakeForge("github", TOKEN) as fake:
        fake.fail_next.append((401, {}, f"Bad credentials: {TOKEN}"))
        result = open_pr(fake)
    assert result.exit_code == 2
    assert TOKEN not in result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("msb-migrate: error:")]
    assert "HTTP 401" in line and "Bad credentials: ***" in line


def test_open_pr_needs_a_token(repo: Path) -> None:
    with FakeForge("gitlab", TOKEN) as fake:
        result = open_pr(fake)
        assert fake.requests == []
    assert result.exit_code == 2
    assert "msb-migrate: error: no gitlab token: set GITLAB_TOKEN" in result.stderr
    assert git(repo, "branch", "--list", BRANCH) == ""  # refused before committing anything


def test_open_pr_needs_a_known_forge(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = CliRunner().invoke(main, ["--push", "origin", "--open-pr"])
    assert result.exit_code == 2
    assert "cannot tell the forge from the remote URL" in result.stderr


def test_open_pr_needs_push(repo: Path) -> None:
    result = CliRunner().invoke(main, ["--open-pr"])
    assert result.exit_code == 2
    assert "--open-pr needs --push REMOTE" in result.stderr


def test_installed_script_opens_a_pull_request(repo: Path) -> None:
    import shutil

    script = shutil.which("msb-migrate")
    if script is None:
        pytest.skip("msb-migrate is not installed")
    with FakeForge("github", TOKEN) as fake:
        proc = subprocess.run(
            [
                script,
                "--push",
                "origin",
                "--open-pr",
                "--forge",
                "github",
                "--forge-url",
                fake.url,
                "--repo",
                "acme/app",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "GITHUB_TOKEN": TOKEN},
        )
        assert proc.returncode == 0, proc.stderr
        assert fake.rejected == [] and len(fake.pulls) == 1
    assert TOKEN not in proc.stdout + proc.stderr
