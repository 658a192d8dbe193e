"""``msb-migrate bulk``: many repositories, cloned into a workspace, broken ones reported.

Every repository here is a real one (``git init`` + a commit, bare origins from ``git clone
--bare``) in the test's temporary directory, with the global git configuration isolated. The
tree outside the workspace (source repositories included) is hashed before and after a run and
must be byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fakeforge import FakeForge
from gitcli import git, isolate_git

from refactor.app import bulk
from refactor.app.bulk import RepoSpec, StateFile, read_repos, repo_id, shard_of
from refactor.app.cli import main
from refactor.app.gitops import BOT_EMAIL, TRAILER

GO = {
    "Dockerfile": (
        "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\n"
        'RUN go build -o /app/server .\nCMD ["/app/server"]\n'
    ),
    "go.mod": "module example.com/app\n\ngo 1.22\n",
    "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n',
}
PYTHON = {
    "Dockerfile": (
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        'RUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n'
    ),
    "requirements.txt": "flask==3.0.0\n",
    "app.py": "print('hi')\n",
}
NODE = {
    "worker/worker.Dockerfile": (
        "FROM node:20\nWORKDIR /srv\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n"
        'CMD ["node", "worker.js"]\n'
    ),
    "worker/package.json": '{"name": "worker", "version": "1.0.0"}\n',
    "worker/package-lock.json": '{"name": "worker", "lockfileVersion": 3}\n',
    "worker/worker.js": "console.log('hi')\n",
}
OPTED_OUT = {"Dockerfile": "# msb-migrate: skip\nFROM golang:1.22\nRUN go build -o /app .\n"}
UNPARSABLE = {"Dockerfile": "FROM golang:1.22\nRUN <<EOF\n", "README.md": "broken\n"}
TEMPLATES = (GO, PYTHON, NODE, OPTED_OUT)
BRANCH = "msb-migrate/multi-stage"


def make_repo(root: Path, files: Mapping[str, str], links: Mapping[str, str] | None = None) -> Path:
    """A repository at ``root`` with one commit holding ``files`` and symbolic ``links``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    root.mkdir(parents=True, exist_ok=True)
    for rel, target in (links or {}).items():
        os.symlink(target, root / rel)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def bare_origin(src: Path, dest: Path) -> Path:
    git(src.parent, "clone", "-q", "--bare", str(src), str(dest))
    return dest


def snapshot(root: Path, skip: Path) -> dict[str, str]:
    """Every entry under ``root`` but ``skip``: file hashes, link targets, directories."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d != skip]
        for name in [*dirnames, *filenames]:
            path = here / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["bulk", *args])


def load_report(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def by_repo(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    entries = report["repositories"]
    ids = [e["repo"] for e in entries]
    assert len(ids) == len(set(ids)), "a repository is reported twice"
    return {e["repo"]: e for e in entries}


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = isolate_git(monkeypatch, tmp_path)
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return config


# -- a directory of 50+ repositories, some broken --------------------------------------------------


@pytest.fixture
def organisation(tmp_path: Path) -> Path:
    """58 entries: 50 sound checkouts, one of each kind of trouble, a stray file."""
    org = tmp_path / "org"
    for i in range(50):
        make_repo(org / f"app-{i:02d}", {**TEMPLATES[i % len(TEMPLATES)], "README.md": f"{i}\n"})
    secret = tmp_path / "outside" / "Dockerfile"
    secret.parent.mkdir()
    secret.write_text("FROM golang:1.22\nRUN go build -o /app .\n")
    make_repo(org / "symlink-out", {"README.md": "x\n"}, {"Dockerfile": str(secret)})
    make_repo(org / "symlink-extra", GO, {"evil.Dockerfile": str(secret)})
    make_repo(org / "unparsable", UNPARSABLE)
    make_repo(org / "no-dockerfile", {"README.md": "nothing to build\n"})
    dirty = make_repo(org / "dirty", PYTHON)
    (dirty / "Dockerfile").write_text(PYTHON["Dockerfile"] + "EXPOSE 8000\n")
    (dirty / "untracked.txt").write_text("new\n")
    (org / "not-a-repo").mkdir()
    (org / "not-a-repo" / "Dockerfile").write_text(GO["Dockerfile"])
    (org / "empty").mkdir()
    git(org / "empty", "init", "-q", "-b", "main")
    (org / "stray-file.txt").write_text("not a repository\n")
    os.symlink(org / "app-00", org / "linked")
    return org


def test_directory_of_repositories(tmp_path: Path, organisation: Path) -> None:
    ws = tmp_path / "ws"
    before = snapshot(tmp_path, ws)
    result = run(str(organisation), "--workspace", str(ws), "-j", "2")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 2, result.output  # the unparsable one failed
    assert snapshot(tmp_path, ws) == before

    report = load_report(ws / "report.json")
    repos = by_repo(report)
    expected = {p.name for p in organisation.iterdir() if p.is_dir() or p.is_symlink()}
    assert set(repos) == expected  # every repository exactly once (the stray file is not one)
    for i in range(50):
        entry = repos[f"app-{i:02d}"]
        want = "unchanged" if TEMPLATES[i % len(TEMPLATES)] is OPTED_OUT else "changed"
        assert entry["status"] == want, entry
        assert entry["warnings"] == []
    assert repos["symlink-out"]["status"] == "skipped"
    assert "no Dockerfile found" in repos["symlink-out"]["reason"]
    assert "Dockerfile is a symbolic link outside the repository" in repos["symlink-out"]["reason"]
    extra = repos["symlink-extra"]
    assert extra["status"] == "changed" and [f["path"] for f in extra["files"]] == ["Dockerfile"]
    assert extra["warnings"] == [
        "not followed: evil.Dockerfile is a symbolic link outside the repository"
    ]
    assert repos["unparsable"]["status"] == "failed"
    assert repos["unparsable"]["errors"] == ["Dockerfile:2: unterminated heredoc"]
    assert repos["no-dockerfile"] == {**repos["no-dockerfile"], "status": "skipped"}
    assert repos["no-dockerfile"]["reason"] == "no Dockerfile found"
    assert repos["not-a-repo"]["reason"] == "not a git repository"
    assert repos["empty"]["reason"] == "the repository is empty (no commits)"
    assert repos["linked"]["reason"] == "a symbolic link (not followed)"
    dirty = repos["dirty"]  # the committed version is migrated; the checkout is left alone
    assert dirty["status"] == "changed"
    assert any("uncommitted changes" in w for w in dirty["warnings"])

    totals = report["totals"]
    assert totals["repositories"] == len(expected) == 58
    assert sum(totals[s] for s in bulk.STATUSES) == totals["repositories"]
    assert (totals["failed"], totals["skipped"]) == (1, 5)
    # one final record per repository in the state file, and one start record each
    records = StateFile(ws / "state.jsonl").records()
    done = Counter(r["repo"] for r in records if r["event"] == "done")
    assert done == Counter(expected)
    started = Counter(r["repo"] for r in records if r["event"] == "start")
    assert started == Counter(expected)
    # the table lists every repository, the summary line the totals
    assert all(name in result.stdout for name in expected)
    assert "58 repositories: 40 changed, 12 unchanged, 5 skipped, 1 failed" in result.stderr


def test_dry_run_report_is_the_single_repository_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = tmp_path / "org"
    repo = make_repo(org / "shop", {**PYTHON, **NODE})
    monkeypatch.chdir(repo)
    single = CliRunner().invoke(main, ["--dry-run", "-v"])
    assert single.exit_code == 0, single.output
    monkeypatch.chdir(tmp_path)
    result = run(str(org), "-v")  # default workspace: ./.msb-migrate-workspace
    assert result.exit_code == 0, result.output
    ws = tmp_path / ".msb-migrate-workspace"
    entry = by_repo(load_report(ws / "report.json"))["shop"]
    assert (ws / entry["diff"]).read_text() == single.stdout
    assert entry["explanations"] == sum(f["changes"] for f in entry["files"]) > 0
    assert [f["path"] for f in entry["files"]] == ["Dockerfile", "worker/worker.Dockerfile"]


def test_codemod_options_and_repository_configuration(tmp_path: Path) -> None:
    org = tmp_path / "org"
    make_repo(org / "plain", GO)
    make_repo(org / "configured", {**GO, ".msb-migrate.toml": 'skip = ["split-build-runtime"]\n'})
    make_repo(org / "misconfigured", {**GO, ".msb-migrate.toml": 'skip = ["no-such-codemod"]\n'})
    ws = tmp_path / "ws"
    result = run(str(org), "--workspace", str(ws), "--skip", "cache-mounts")
    assert result.exit_code == 2, result.output
    repos = by_repo(load_report(ws / "report.json"))
    plain = repos["plain"]["files"][0]["codemods"]
    assert "split-build-runtime" in plain and "cache-mounts" not in plain
    configured = repos["configured"]["files"][0]["codemods"]  # the file's skip adds to --skip
    assert configured and not {"split-build-runtime", "cache-mounts"} & set(configured)
    assert repos["misconfigured"]["status"] == "failed"
    assert "unknown codemod 'no-such-codemod'" in repos["misconfigured"]["errors"][0]


# -- lists, identifiers and shards -----------------------------------------------------------------


def test_list_file(tmp_path: Path) -> None:
    org = tmp_path / "org"
    make_repo(org / "a", GO)
    bare_origin(make_repo(org / "b", PYTHON), tmp_path / "b.git")
    listing = tmp_path / "lists" / "repos.txt"
    listing.parent.mkdir()
    listing.write_text(
        "# the organisation\n\n"
        "../org/a\n"
        f"  {tmp_path / 'b.git'}  \n"
        "../org/./a/\n"  # the same repository again
        "../org/missing\n"
        f"{(org / 'a').as_uri()}\n"
    )
    ws = tmp_path / "ws"
    result = run(str(listing), "--workspace", str(ws))
    assert result.exit_code == 2, result.output
    assert "../org/./a/: listed twice, migrated once" in result.stderr
    repos = by_repo(load_report(ws / "report.json"))
    assert set(repos) == {"../org/a", str(tmp_path / "b.git"), "../org/missing", str(org / "a")}
    assert repos["../org/a"]["status"] == repos[str(tmp_path / "b.git")]["status"] == "changed"
    assert repos["../org/missing"]["errors"] == ["no such directory"]


def test_unreachable_url_fails_alone(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text(f"https://user:secret@127.0.0.1:9/acme/app.git\n{tmp_path / 'nope.git'}\n")
    ws = tmp_path / "ws"
    result = run(str(listing), "--workspace", str(ws))
    assert result.exit_code == 2
    repos = by_repo(load_report(ws / "report.json"))
    url = repos["127.0.0.1:9/acme/app"]
    assert url["status"] == "failed" and url["errors"][0].startswith("git clone failed")
    assert "secret" not in (ws / "report.json").read_text() + (ws / "state.jsonl").read_text()
    assert url["source"] == "https://***@127.0.0.1:9/acme/app.git"


@pytest.mark.parametrize(
    ("written", "ident"),
    [
        ("https://GitHub.com/acme/app.git", "github.com/acme/app"),
        ("https://user:token@github.com/acme/app/", "github.com/acme/app"),
        ("ssh://git@github.com/acme/app.git", "github.com/acme/app"),
        ("git@github.com:acme/app.git", "github.com/acme/app"),
        ("https://gitlab.example.com:8443/group/sub/app", "gitlab.example.com:8443/group/sub/app"),
        ("./repos/../repos/app/", "repos/app"),
        ("/srv/git/app.git", "/srv/git/app.git"),
        ("file:///srv/git/app%20x", "/srv/git/app x"),
    ],
)
def test_repo_id(written: str, ident: str) -> None:
    assert repo_id(written) == ident


def test_shard_of_is_sha1_not_python_hash() -> None:
    # Fixed values: the same on every machine and Python run (PYTHONHASHSEED plays no part).
    shards = [shard_of(f"github.com/acme/app-{i}", 3) for i in range(12)]
    assert shards == [1, 2, 1, 2, 3, 3, 1, 2, 3, 2, 3, 1]
    assert shard_of("github.com/acme/app", 3) == 3
    assert shard_of("github.com/acme/app", 1) == 1
    code = "from refactor.app.bulk import shard_of; print(shard_of('github.com/acme/app', 3))"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert out.stdout == "3\n"


def test_shards_partition_the_list(tmp_path: Path) -> None:
    org = tmp_path / "org"
    for i in range(12):
        make_repo(org / f"svc-{i:02d}", {"Dockerfile": GO["Dockerfile"], "go.mod": GO["go.mod"]})
    shards = []
    for k in (1, 2, 3, 1):
        ws = tmp_path / f"ws-{len(shards)}"
        result = run(str(org), "--workspace", str(ws), "--shard", f"{k}/3", "-j", "2")
        assert result.exit_code == 0, result.output
        report = load_report(ws / "report.json")
        assert report["shard"] == f"{k}/3"
        shards.append(set(by_repo(report)))
    everything = {f"svc-{i:02d}" for i in range(12)}
    assert shards[0] | shards[1] | shards[2] == everything
    assert not (shards[0] & shards[1] or shards[0] & shards[2] or shards[1] & shards[2])
    assert all(shards[:3]), "12 repositories should not leave a shard empty"
    assert shards[3] == shards[0]  # stable between runs
    for k, names in enumerate(shards[:3], 1):
        assert all(shard_of(name, 3) == k for name in names)


@pytest.mark.parametrize("value", ["0/3", "4/3", "3", "a/b", "1/0"])
def test_bad_shard(tmp_path: Path, value: str) -> None:
    result = run(str(tmp_path), "--workspace", str(tmp_path / "ws"), "--shard", value)
    assert result.exit_code == 2
    assert "--shard" in result.output and not (tmp_path / "ws").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--open-pr"], "--open-pr needs --push REMOTE"),
        (["--forge", "github"], "--forge and --forge-url go with --open-pr"),
        (["--dry-run", "--branch"], "--dry-run cannot be combined with --branch"),
        (["--context", "."], "--context does not apply to bulk"),
        (["--smoke", "true"], "--smoke does not apply to bulk"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(str(tmp_path), "--workspace", str(tmp_path / "ws"), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "ws").exists()


def test_unknown_codemod_stops_before_cloning(tmp_path: Path) -> None:
    make_repo(tmp_path / "org" / "a", GO)
    result = run(str(tmp_path / "org"), "--workspace", str(tmp_path / "ws"), "-c", "nope")
    assert result.exit_code == 2
    assert "msb-migrate: error: unknown codemod 'nope'" in result.stderr
    assert not (tmp_path / "ws").exists()


# -- the state file, kill -9 and --resume ----------------------------------------------------------


def test_state_file_ignores_a_truncated_line(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.jsonl")
    state.path.write_text('{"event":"run","resume":false}\n{"event":"done","repo":"a","res')
    state.open()
    state.append({"event": "done", "repo": "b", "result": {}})
    state.close()
    assert state.records() == [
        {"event": "run", "resume": False},
        {"event": "done", "repo": "b", "result": {}},
    ]


def many_dockerfiles(i: int) -> dict[str, str]:
    """A repository with a few Dockerfiles (so that a run takes long enough to be killed)."""
    files = {"README.md": f"{i}\n", **GO, **NODE}
    for j in range(4):
        files[f"services/s{j}/Dockerfile"] = PYTHON["Dockerfile"]
        files[f"services/s{j}/requirements.txt"] = PYTHON["requirements.txt"]
    return files


def test_killed_run_resumes_exactly_once(tmp_path: Path) -> None:
    src, origins = tmp_path / "src", tmp_path / "origins"
    names = [f"repo-{i:02d}" for i in range(30)]
    for i, name in enumerate(names):
        bare_origin(make_repo(src / name, many_dockerfiles(i)), origins / f"{name}.git")
    listing = tmp_path / "repos.txt"
    listing.write_text("".join(f"origins/{name}.git\n" for name in names))
    ws = tmp_path / "ws"
    state = StateFile(ws / "state.jsonl")
    command = [sys.executable, "-c", "from refactor.app.cli import main; main()", "bulk"]
    proc = subprocess.Popen(
        [*command, str(listing), "--workspace", str(ws), "-j", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while sum(r["event"] == "done" for r in state.records()) < 3:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    first = state.records()
    done_first = {r["repo"] for r in first if r["event"] == "done"}
    assert 3 <= len(done_first) < 30
    # a record cut short by the kill (simulated: kill -9 rarely lands mid-write) is ignored
    undone = sorted(set(f"origins/{n}.git" for n in names) - done_first)[0]
    with state.path.open("a") as fh:
        fh.write(json.dumps({"event": "done", "repo": undone, "result": {}})[:-12])

    result = run(str(listing), "--workspace", str(ws), "-j", "2", "--resume")
    assert result.exit_code == 0, result.output
    records = state.records()
    resumed_at = max(i for i, r in enumerate(records) if r["event"] == "run")
    assert records[resumed_at]["resume"] is True
    assert records[resumed_at]["todo"] == 30 - len(done_first)
    done = Counter(r["repo"] for r in records if r["event"] == "done")
    assert done == Counter(f"origins/{n}.git" for n in names)  # one final record each
    again = {r["repo"] for r in records[resumed_at:] if r["event"] == "start"}
    assert not again & done_first  # nothing done before was processed again
    assert again == set(done) - done_first
    report = load_report(ws / "report.json")
    assert len(by_repo(report)) == 30
    assert report["totals"]["changed"] == 30


def test_resume_refuses_other_options(tmp_path: Path) -> None:
    make_repo(tmp_path / "org" / "a", GO)
    ws = tmp_path / "ws"
    assert run(str(tmp_path / "org"), "--workspace", str(ws)).exit_code == 0
    result = run(str(tmp_path / "org"), "--workspace", str(ws), "--resume", "--branch")
    assert result.exit_code == 2
    assert "--resume: the run in this workspace used other options (mode, branch)" in result.stderr
    result = run(str(tmp_path / "org"), "--workspace", str(ws), "--resume")
    assert result.exit_code == 0
    assert "[1/1]" not in result.stderr  # already done


def test_a_worker_that_dies_costs_one_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = tmp_path / "org"
    for i in range(6):
        make_repo(org / f"r{i}", GO)
    real = bulk._migrate

    def crashing(spec: RepoSpec, worker: Any, result: Any) -> None:
        if spec.id == "r2":
            os._exit(3)  # like a segfault or the OOM killer
        real(spec, worker, result)

    monkeypatch.setattr(bulk, "_migrate", crashing)  # the forked workers inherit it
    ws = tmp_path / "ws"
    result = run(str(org), "--workspace", str(ws), "-j", "2")
    assert result.exit_code == 2, result.output
    repos = by_repo(load_report(ws / "report.json"))
    assert len(repos) == 6
    assert repos["r2"]["errors"] == ["the worker process died while migrating this repository"]
    assert all(repos[f"r{i}"]["status"] == "changed" for i in range(6) if i != 2)


# -- branches, pushes and pull requests ------------------------------------------------------------


def test_branch_mode_pushes_to_the_origins(tmp_path: Path) -> None:
    src, origins = tmp_path / "src", tmp_path / "origins"
    names = ["go", "python", "node", "opted-out"]
    for name, files in zip(names, TEMPLATES, strict=True):
        bare_origin(make_repo(src / name, files), origins / f"{name}.git")
    dirty = make_repo(tmp_path / "dirty", PYTHON)
    (dirty / "Dockerfile").write_text(PYTHON["Dockerfile"] + "EXPOSE 8000\n")
    listing = tmp_path / "repos.txt"
    listing.write_text("".join(f"origins/{n}.git\n" for n in names) + "dirty\n")
    mains = {n: git(origins / f"{n}.git", "rev-parse", "main") for n in names}
    ws = tmp_path / "ws"
    before = snapshot(dirty, ws)

    result = run(str(listing), "--workspace", str(ws), "--branch", "--push", "origin", "-j", "2")
    assert result.exit_code == 0, result.output
    repos = by_repo(load_report(ws / "report.json"))
    for name in ("go", "python", "node"):
        origin = origins / f"{name}.git"
        entry = repos[f"origins/{name}.git"]
        assert entry["branch"]["status"] == "created" and entry["branch"]["pushed"] == "pushed"
        tip = git(origin, "rev-parse", BRANCH).strip()
        assert tip == entry["branch"]["commit"]
        assert git(origin, "rev-parse", f"{BRANCH}^").strip() == mains[name].strip()
        assert git(origin, "log", "-1", "--format=%ae", BRANCH).strip() == BOT_EMAIL
        assert TRAILER in git(origin, "log", "-1", "--format=%B", BRANCH)
        assert git(origin, "rev-parse", "main") == mains[name]
    assert repos["origins/opted-out.git"]["status"] == "unchanged"
    assert "msb-migrate" not in git(origins / "opted-out.git", "branch")
    assert repos["dirty"]["status"] == "skipped"
    assert "Dockerfile has uncommitted changes" in repos["dirty"]["reason"]
    assert snapshot(dirty, ws) == before

    again = run(str(listing), "--workspace", str(ws), "--branch", "--push", "origin")
    assert again.exit_code == 0, again.output
    repos = by_repo(load_report(ws / "report.json"))
    assert repos["origins/go.git"]["branch"]["status"] == "up to date"
    assert repos["origins/go.git"]["branch"]["pushed"] == "up to date"


def test_open_pr_backs_off_on_rate_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_git: Path
) -> None:
    origins = tmp_path / "origins"
    bare_origin(make_repo(tmp_path / "src" / "app", GO), origins / "app.git")
    # https://github.com/acme/app clones and pushes from the local origin
    with isolated_git.open("a") as fh:
        fh.write(f'[url "{origins.as_uri()}/"]\n\tinsteadOf = https://github.com/acme/\n')
    listing = tmp_path / "repos.txt"
    listing.write_text("https://github.com/acme/app.git\n")
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    with FakeForge("github", "t0ken", project="acme/app") as fake:
        fake.fail_next.append((429, {"Retry-After": "0"}, "slow down"))
        result = run(
            str(listing),
            "--workspace",
            str(tmp_path / "ws"),
            "--push",
            "origin",
            "--open-pr",
            "--forge-url",
            fake.url,
        )
        assert result.exit_code == 0, result.output
        assert len(fake.pulls) == 1 and not fake.rejected
        assert [r.method for r in fake.requests] == ["GET", "GET", "POST"]
    entry = by_repo(load_report(tmp_path / "ws" / "report.json"))["github.com/acme/app"]
    assert entry["pull_request"]["created"] is True
    assert entry["pull_request"]["url"].endswith("/pull/1")
    assert git(origins / "app.git", "rev-parse", BRANCH).strip() == entry["branch"]["commit"]


def test_read_repos_skips_hidden_directories_and_the_workspace(tmp_path: Path) -> None:
    make_repo(tmp_path / "a", GO)
    (tmp_path / ".cache").mkdir()
    (tmp_path / "ws").mkdir()
    specs, duplicates = read_repos(tmp_path, tmp_path / "ws")
    assert [s.id for s in specs] == ["a"] and duplicates == []
    assert specs[0].url == (tmp_path / "a").resolve().as_uri()
