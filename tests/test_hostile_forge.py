"""Issue 14, secrets and forge answers: every reproduction as a regression test through the real
command line (``msb-migrate --branch --push origin --open-pr`` against a local bare remote and
the fake forge of tests/fakeforge.py, and ``msb-migrate bulk``).

What must hold whatever the forge answers or the user sets: the token (in any form) and the
password of a URL never reach standard output, standard error, ``state.jsonl`` or
``report.json``; credentials never follow a redirect to another origin; every failure is one
``msb-migrate: error:`` line with exit status 2 (in bulk: a failed repository); nothing hangs
(``MSB_FORGE_TIMEOUT`` makes the per-request deadline two seconds here).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from docker_env import PYTHON_APP
from fakeforge import FakeForge, Misbehave, isolate_forge_env
from gitcli import git

from refactor.app.cli import main
from refactor.app.redact import redact

BRANCH = "msb-migrate/multi-stage"
# one token shaped like GitHub's (36 characters after the prefix), one of no known shape: the
# second is redacted only because msb-migrate knows it
TOKENS = ["ghp_" + "Zq7Xw2Lr9Kp4Mn8Bv5Ct1Yh6Jd3Fs0Ga2Eu", "tok-SECRET-6d1f0a9c7e3b5a2f84c1"]
PASSWORD = "PASSw0rd-7f3c9a"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("MSB_FORGE_TIMEOUT", "2")
    return isolate_forge_env(monkeypatch, tmp_path)


def make_repo(root: Path) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "Dockerfile").write_text(PYTHON_APP)
    (root / "requirements.txt").write_text("flask==3.0.0\n")
    (root / "app.py").write_text("print('hi')\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout whose origin is a local bare repository; the working directory."""
    root = make_repo(tmp_path / "repo")
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(root, "remote", "add", "origin", str(bare))
    git(root, "push", "-q", "origin", "main")
    monkeypatch.chdir(root)
    return root


def open_pr(fake: FakeForge, *extra: str, forge_url: str | None = None) -> Result:
    args = ["--branch", "--push", "origin", "--open-pr", "--forge", fake.kind]
    args += ["--forge-url", forge_url or fake.url, "--repo", fake.project, *extra]
    return CliRunner().invoke(main, args)


def one_error(result: Result) -> str:
    """The single ``msb-migrate: error:`` line of a run that failed cleanly with status 2."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [x for x in result.stderr.splitlines() if x.startswith("msb-migrate: error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def leaks(text: str, secret: str, size: int = 8) -> list[str]:
    """The pieces of ``secret`` (``size`` characters or more) that ``text`` shows."""
    return sorted(
        {secret[i : i + size] for i in range(len(secret) - size + 1)} & pieces(text, size)
    )


def pieces(text: str, size: int) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def env_token(monkeypatch: pytest.MonkeyPatch, kind: str, value: str) -> None:
    monkeypatch.setenv("GITHUB_TOKEN" if kind == "github" else "GITLAB_TOKEN", value)


# -- 1. a token ending in CR or LF, a token with a control character inside ----------------------


@pytest.mark.parametrize("kind", ["github", "gitlab"])
@pytest.mark.parametrize("ending", ["\n", "\r", "\r\n", " \r\n\t"])
def test_a_token_read_with_its_line_ending_is_stripped(
    repo: Path, monkeypatch: pytest.MonkeyPatch, kind: str, ending: str
) -> None:
    token = TOKENS[1]
    env_token(monkeypatch, kind, token + ending)
    with FakeForge(kind, token) as fake:
        result = open_pr(fake)
        assert result.exit_code == 0, result.output
        assert len(fake.pulls) == 1 and fake.rejected == []
    assert not leaks(result.output, token)


@pytest.mark.parametrize("inner", ["\r\nX-Injected: 1\r\n", "\x01", "\x7f", " ", "é"])
def test_a_token_with_a_character_no_token_holds_is_refused_unseen(
    repo: Path, monkeypatch: pytest.MonkeyPatch, inner: str
) -> None:
    token = TOKENS[1]
    bad = token[:12] + inner + token[12:]
    monkeypatch.setenv("GITHUB_TOKEN", bad)
    with FakeForge("github", token) as fake:
        result = open_pr(fake)
        assert fake.requests == []  # refused before anything was sent
    line = one_error(result)
    assert "GITHUB_TOKEN" in line and "not shown" in line
    assert not leaks(result.output, token, 6)
    assert git(repo, "branch", "--list", BRANCH) == ""  # refused before committing


# -- 2. a 401 answer that echoes the token -------------------------------------------------------


def echoed(token: str, form: str) -> tuple[str, str]:
    """The token as a hostile forge might echo it, and the part of that made of the token
    alone."""
    if form == "raw":
        return "Bearer " + token, token
    if form == "json-escaped":
        escaped = "".join(f"\\u{ord(c):04x}" for c in token)
        return "Bearer " + escaped, escaped
    if form == "url-encoded":
        encoded = "".join(f"%{b:02X}" for b in token.encode())
        return "token=" + encoded, encoded
    if form == "url-quoted":
        quoted = urllib.parse.quote(token, safe="")
        return "https://example.com/?t=" + quoted, quoted
    if form == "basic":  # 15 bytes before the token: its base64 starts on a group
        encoded = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        return "Basic " + encoded, encoded[20:]
    assert form == "base64-bare"  # 2 bytes before the token: the first group mixes them
    encoded = base64.b64encode(f"u:{token}".encode()).decode()
    return "auth=" + encoded, encoded[4:]


FORMS = ["raw", "json-escaped", "url-encoded", "url-quoted", "basic", "base64-bare"]


def straddling(token: str, form: str, framing: str) -> tuple[Misbehave, list[str]]:
    """A 401 whose body holds the echo across its 300th character (where msb-migrate used to
    cut before scrubbing), as JSON ``{"message": …}`` or plain text; and the token's part as
    the echo and as the body hold it."""
    echo, part = echoed(token, form)

    def answer(pad: int) -> tuple[bytes, str]:
        text = "x" * pad + echo + " is not valid"
        if framing == "json":
            return json.dumps({"message": text}).encode(), json.dumps(part)[1:-1]
        return text.encode(), part

    raw, shown = answer(0)
    pad = 300 - raw.decode().index(shown) - len(shown) // 2
    body, _ = answer(pad)
    kind = "application/json" if framing == "json" else "text/plain"
    return Misbehave(401, {"Content-Type": kind}, body), [part, shown]


def assert_unseen(output: str, token: str, parts: list[str]) -> None:
    assert not leaks(output, token), output
    for part in parts:
        assert not leaks(output, part, 10), output


def test_the_issue_reproduction_shows_none_of_the_token(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """246 characters of padding, then ``Bearer <token>``: 33 of 36 characters used to show."""
    token = TOKENS[0]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeForge("github", token) as fake:
        fake.misbehave.append(Misbehave.json({"message": "x" * 246 + "Bearer " + token}, 401))
        result = open_pr(fake)
    line = one_error(result)
    assert line.endswith("x" * 10 + "Bearer ***")
    assert not leaks(result.output, token, 4)


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("framing", ["json", "text"])
def test_a_401_echoing_the_token_across_the_cut_shows_none_of_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch, token: str, form: str, framing: str
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", token)
    answer, parts = straddling(token, form, framing)
    with FakeForge("github", token) as fake:
        fake.misbehave.append(answer)
        result = open_pr(fake)
    assert "HTTP 401" in one_error(result)
    assert_unseen(result.output, token, parts)


def test_a_multi_line_error_answer_is_one_line(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    body = b"first\nmsb-migrate: error: forged second line\r\n\x1b[2Jthird"
    with FakeForge("github", token) as fake:
        fake.misbehave.append(Misbehave(401, {"Content-Type": "text/plain"}, body))
        result = open_pr(fake)
    line = one_error(result)
    assert line.endswith("HTTP 401: first msb-migrate: error: forged second line [2Jthird")
    assert "\x1b" not in result.output


# -- 3. redirects ---------------------------------------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[FakeForge]:
    """Another origin, recording what reaches it."""
    with FakeForge("github", "unused") as other:
        yield other


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_a_redirect_to_another_origin_is_refused(
    repo: Path, monkeypatch: pytest.MonkeyPatch, elsewhere: FakeForge, status: int, kind: str
) -> None:
    token = TOKENS[0]
    env_token(monkeypatch, kind, token)
    with FakeForge(kind, token) as fake:
        fake.misbehave.append(Misbehave.redirect(status, elsewhere.url + "/steal?x=1", "GET"))
        result = open_pr(fake)
    line = one_error(result)
    assert f"HTTP {status}" in line and "another origin" in line and elsewhere.url in line
    assert "/steal" not in line
    assert elsewhere.requests == []  # neither the token nor anything else went there
    assert not leaks(result.output, token)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_of_the_post_is_refused_without_a_crash(
    repo: Path, monkeypatch: pytest.MonkeyPatch, elsewhere: FakeForge, status: int
) -> None:
    token = TOKENS[0]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeForge("github", token) as fake:
        fake.misbehave.append(Misbehave.redirect(status, elsewhere.url + "/pulls", "POST"))
        result = open_pr(fake)
        assert fake.pulls == {}
    line = one_error(result)
    assert f"POST {fake.url}/repos/acme/app/pulls failed: HTTP {status}" in line
    assert "another origin" in line and "not followed" in line
    assert elsewhere.requests == []


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_same_origin_redirect_that_would_turn_the_post_into_a_get_is_refused(
    repo: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeForge("github", token) as fake:
        target = fake.url + "/repos/acme/app/pulls?state=open&head=acme:x"
        fake.misbehave.append(Misbehave.redirect(status, target, "POST"))
        result = open_pr(fake)
        assert [r.method for r in fake.requests] == ["GET", "POST"]
    line = one_error(result)
    assert f"HTTP {status}" in line and "not followed" in line


def test_same_origin_redirects_are_followed_with_the_method_and_body(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renamed repository: GitHub answers 301 to a GET and 307 to a POST on its own origin."""
    token = TOKENS[0]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeForge("github", token) as fake:
        root = fake.url + "/repos/acme/app/pulls"
        query = urllib.parse.urlencode({"head": f"acme:{BRANCH}", "state": "open"})
        fake.misbehave.append(Misbehave.redirect(301, f"{root}?{query}", "GET"))
        fake.misbehave.append(Misbehave.redirect(307, "/repos/acme/app/pulls", "POST"))
        result = open_pr(fake)
        assert result.exit_code == 0, result.output
        assert [r.method for r in fake.requests] == ["GET", "GET", "POST", "POST"]
        assert len(fake.pulls) == 1 and fake.rejected == []


@pytest.mark.parametrize(
    "location", ["", "http://[::1", "http://127.0.0.1:99999/x", "//evil.test/"]
)
def test_a_redirect_nowhere_or_to_a_broken_url_is_refused(
    repo: Path, monkeypatch: pytest.MonkeyPatch, location: str
) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeForge("github", token) as fake:
        fake.misbehave.append(Misbehave.redirect(302, location, "GET"))
        result = open_pr(fake)
    assert "a redirect to another origin" in one_error(result)


def test_a_redirect_loop_ends(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeForge("github", token) as fake:
        fake.misbehave += [Misbehave.redirect(302, "/repos/acme/app/pulls", "GET")] * 20
        result = open_pr(fake)
        assert len(fake.requests) < 10
    assert "too many redirects" in one_error(result)


# -- 4. passwords in URLs --------------------------------------------------------------------------


def test_a_forge_url_with_a_password_is_refused_unseen(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeForge("github", token) as fake:
        url = fake.url.replace("http://", f"http://bot:{PASSWORD}@")
        result = open_pr(fake, forge_url=url)
        assert fake.requests == []
    line = one_error(result)
    assert "--forge-url" in line and "credentials" in line and "bot:" not in line
    assert PASSWORD not in result.output


def test_a_remote_url_with_a_password_is_not_shown(
    repo: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path, tmp_path: Path
) -> None:
    """The forge is told from the remote URL; when it cannot be, the error names the URL."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKENS[1])
    remote = f"https://bot:{PASSWORD}@git.example.com/acme/app.git"
    git(repo, "remote", "set-url", "origin", remote)
    with isolated.open("a") as fh:  # the remote is the local bare repository
        fh.write(f'[url "{(tmp_path / "remote.git").as_uri()}"]\n\tinsteadOf = {remote}\n')
    result = CliRunner().invoke(main, ["--branch", "--push", "origin", "--open-pr"])
    line = one_error(result)
    assert "cannot tell the forge" in line and "https://***@git.example.com/acme/app.git" in line
    assert PASSWORD not in result.output


# -- 14. unexpected answers, slow answers, huge answers --------------------------------------------


SHAPES: list[tuple[str, Any, str]] = [
    ("GET", {"message": "an object"}, "a list"),
    ("GET", None, "a list"),
    ("GET", [1], "an object"),
    ("GET", [{"head": "main"}], "head"),
    ("GET", [{"head": {"ref": BRANCH}, "number": "1"}], "number"),
    ("GET", [{"head": {"ref": BRANCH}, "number": True}], "number"),
    ("GET", [{"head": {"ref": BRANCH}, "number": -3}], "number"),
    ("POST", [], "an object"),
    ("POST", {"number": 1}, "html_url"),
    ("POST", {"number": 1, "html_url": 7}, "html_url"),
    ("POST", {"number": 1, "html_url": "javascript:alert(1)"}, "html_url"),
    ("POST", {"number": 1, "html_url": "https://x.test/\x1b[2J\nmsb-migrate: ok"}, "html_url"),
    ("POST", {"number": 2**80, "html_url": "https://x.test/pull/1"}, "number"),
]


@pytest.mark.parametrize(("method", "payload", "named"), SHAPES)
def test_an_answer_of_an_unexpected_shape_is_one_error_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch, method: str, payload: Any, named: str
) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeForge("github", token) as fake:
        fake.misbehave.append(Misbehave.json(payload, 201 if method == "POST" else 200, method))
        result = open_pr(fake)
    line = one_error(result)
    assert f"{method} {fake.url}/repos/acme/app/pulls" in line
    assert "unexpected answer" in line and named in line


@pytest.mark.parametrize(
    ("method", "payload", "named"),
    [
        ("GET", {"source_branch": BRANCH}, "a list"),
        ("GET", [{"source_branch": BRANCH, "iid": None}], "iid"),
        ("POST", {"iid": 1, "web_url": None}, "web_url"),
    ],
)
def test_an_unexpected_gitlab_answer_is_one_error_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch, method: str, payload: Any, named: str
) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITLAB_TOKEN", token)
    with FakeForge("gitlab", token) as fake:
        fake.misbehave.append(Misbehave.json(payload, 201 if method == "POST" else 200, method))
        result = open_pr(fake)
    line = one_error(result)
    assert "unexpected answer" in line and named in line


@pytest.mark.parametrize(
    "body", [b"<html>Service Unavailable</html>", b"\xff\xfe\x00junk", b"[1, 2", b""]
)
def test_an_answer_that_is_not_json_is_one_error_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch, body: bytes
) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeForge("github", token) as fake:
        fake.misbehave.append(Misbehave(200, {"Content-Type": "text/html"}, body, "GET"))
        result = open_pr(fake)
    line = one_error(result)
    assert "unexpected answer" in line
    assert ("not JSON" in line) if body else ("empty" in line)


@pytest.mark.parametrize("from_status_line", [False, True])
def test_a_slow_drip_answer_ends_at_the_deadline(
    repo: Path, monkeypatch: pytest.MonkeyPatch, from_status_line: bool
) -> None:
    """A byte every 0.1 s: each read is quick, the whole answer would take 8 s (MSB_FORGE_TIMEOUT
    is 2 s here)."""
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    body = b"[" + b" " * 60 + b"]"
    drip = Misbehave(200, {"Content-Type": "application/json"}, body, "GET", drip=0.1)
    drip.drip_head = from_status_line
    with FakeForge("github", token) as fake:
        fake.misbehave.append(drip)
        started = time.monotonic()
        result = open_pr(fake)
        elapsed = time.monotonic() - started
    line = one_error(result)
    assert "no complete answer within 2 s (MSB_FORGE_TIMEOUT)" in line
    assert elapsed < 6


@pytest.mark.parametrize("length", [True, False])
def test_a_huge_answer_is_refused_past_the_cap(
    repo: Path, monkeypatch: pytest.MonkeyPatch, length: bool
) -> None:
    """32 MiB, with or without Content-Length: read no further than 10 MiB."""
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    chunk = b" " * (1 << 20)
    huge = Misbehave(200, {"Content-Type": "application/json"}, chunk, "GET", repeat=32)
    huge.length = length
    with FakeForge("github", token) as fake:
        fake.misbehave.append(huge)
        result = open_pr(fake)
    line = one_error(result)
    assert "larger than 10 MiB" in line


# -- bulk ------------------------------------------------------------------------------------------


@pytest.fixture
def listing(tmp_path: Path, isolated: Path) -> Path:
    """A repos file naming https://github.com/acme/app, cloned and pushed from a local origin."""
    src = make_repo(tmp_path / "src" / "app")
    origins = tmp_path / "origins"
    git(src.parent, "clone", "-q", "--bare", str(src), str(origins / "app.git"))
    with isolated.open("a") as fh:
        fh.write(f'[url "{origins.as_uri()}/"]\n\tinsteadOf = https://github.com/acme/\n')
    path = tmp_path / "repos.txt"
    path.write_text("https://github.com/acme/app.git\n")
    return path


def bulk(listing: Path, workspace: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["bulk", str(listing), "--workspace", str(workspace), *args])


def bulk_pr(listing: Path, workspace: Path, fake: FakeForge) -> Result:
    return bulk(listing, workspace, "--push", "origin", "--open-pr", "--forge-url", fake.url)


def persisted(workspace: Path) -> str:
    """What the run wrote: the state file and the report."""
    return (workspace / "state.jsonl").read_text() + (workspace / "report.json").read_text()


def only_entry(workspace: Path) -> dict[str, Any]:
    [entry] = json.loads((workspace / "report.json").read_text())["repositories"]
    return dict(entry)


@pytest.mark.parametrize("ending", ["\r", "\r\n"])
def test_bulk_strips_a_token_line_ending(
    listing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str
) -> None:
    token = TOKENS[0]
    monkeypatch.setenv("GITHUB_TOKEN", token + ending)
    ws = tmp_path / "ws"
    with FakeForge("github", token) as fake:
        result = bulk_pr(listing, ws, fake)
        assert result.exit_code == 0, result.output
        assert len(fake.pulls) == 1
    assert only_entry(ws)["pull_request"]["created"] is True
    assert not leaks(result.output + persisted(ws), token)


def test_bulk_refuses_a_token_with_a_control_character_unseen(
    listing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token[:10] + "\r\n" + token[10:])
    ws = tmp_path / "ws"
    with FakeForge("github", token) as fake:
        result = bulk_pr(listing, ws, fake)
        assert fake.requests == []
    assert result.exit_code == 2
    entry = only_entry(ws)
    assert entry["status"] == "failed" and "GITHUB_TOKEN" in entry["errors"][0]
    assert not leaks(result.output + persisted(ws), token, 6)


@pytest.mark.parametrize("form", FORMS)
def test_bulk_keeps_an_echoed_token_out_of_its_files(
    listing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    ws = tmp_path / "ws"
    answer, parts = straddling(token, form, "text")
    with FakeForge("github", token) as fake:
        fake.misbehave.append(answer)
        result = bulk_pr(listing, ws, fake)
    assert result.exit_code == 2
    assert "HTTP 401" in only_entry(ws)["errors"][0]
    assert_unseen(result.output + persisted(ws), token, parts)


def test_bulk_refuses_a_redirect_to_another_origin(
    listing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, elsewhere: FakeForge
) -> None:
    token = TOKENS[0]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    ws = tmp_path / "ws"
    with FakeForge("github", token) as fake:
        fake.misbehave.append(Misbehave.redirect(302, elsewhere.url + "/x", "POST"))
        result = bulk_pr(listing, ws, fake)
    assert result.exit_code == 2
    assert "another origin" in only_entry(ws)["errors"][0]
    assert elsewhere.requests == []


def test_bulk_refuses_a_forge_url_with_a_password_unseen(
    listing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKENS[1])
    ws = tmp_path / "ws"
    with FakeForge("github", TOKENS[1]) as fake:
        url = fake.url.replace("http://", f"http://bot:{PASSWORD}@")
        result = bulk(listing, ws, "--push", "origin", "--open-pr", "--forge-url", url)
        assert fake.requests == []
    one_error(result)
    assert PASSWORD not in result.output
    state = ws / "state.jsonl"
    assert not state.exists() or PASSWORD not in state.read_text()


@pytest.mark.parametrize("clones", [True, False])
def test_bulk_keeps_a_repos_line_password_out_of_everything(
    listing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path, clones: bool
) -> None:
    """``user:PASSWORD@host:path`` (scp-like): cloned (through insteadOf) or failing."""
    line = f"bot:{PASSWORD}@git.example.com:acme/app.git"
    if clones:
        with isolated.open("a") as fh:
            origin = (tmp_path / "origins" / "app.git").as_uri()
            fh.write(f'[url "{origin}"]\n\tinsteadOf = {line}\n')
    monkeypatch.setenv("GIT_SSH_COMMAND", "false")  # no network: a failing clone fails at once
    listing.write_text(line + "\n")
    ws = tmp_path / "ws"
    result = bulk(listing, ws)
    assert result.exit_code == (0 if clones else 2), result.output
    entry = only_entry(ws)
    assert entry["status"] == ("changed" if clones else "failed")
    assert entry["source"] == "***@git.example.com:acme/app.git"
    assert PASSWORD not in result.output + persisted(ws)


def test_bulk_records_an_unexpected_answer_as_a_failed_repository(
    listing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = TOKENS[1]
    monkeypatch.setenv("GITHUB_TOKEN", token)
    ws = tmp_path / "ws"
    with FakeForge("github", token) as fake:
        fake.misbehave.append(Misbehave.json([1], 200, "GET"))
        result = bulk_pr(listing, ws, fake)
    assert result.exit_code == 2, result.output
    assert "unexpected answer" in only_entry(ws)["errors"][0]
    assert "Traceback" not in result.output


# -- the redaction function ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"https://bot:{PASSWORD}@host/x.git", "https://***@host/x.git"),
        (f"ssh://bot:{PASSWORD}@host:22/x", "ssh://***@host:22/x"),
        (f"https://{TOKENS[0]}@github.com/a/b", "https://***@github.com/a/b"),
        (f"cannot clone 'bot:{PASSWORD}@host:x'", "cannot clone '***@host:x'"),
        (f"bot:p@ss{PASSWORD}@host:x", "***@host:x"),
        ("git@github.com:acme/app.git", "git@github.com:acme/app.git"),
        ("Basic authentication required", "Basic authentication required"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
        ("glpat-AbCdEf0123456789xyzw and more", "*** and more"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected
