"""``--branch`` and ``--push``: a bot commit on a branch, the user's checkout untouched.

Every test works in a fresh temporary repository (and a bare one as the remote), with the
global git configuration isolated.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docker_env import PYTHON_APP
from gitcli import git, isolate_git

from refactor.app.cli import main
from refactor.app.gitops import BOT_EMAIL, TRAILER
from refactor.engine.codemod import Context, Options
from refactor.engine.runner import available_codemods, run_codemods
from refactor.syntax.parser import parse

DOCKERFILE = PYTHON_APP
BRANCH = "msb-migrate/multi-stage"
HUMAN = {
    "GIT_AUTHOR_NAME": "Human",
    "GIT_AUTHOR_EMAIL": "human@example.com",
    "GIT_COMMITTER_NAME": "Human",
    "GIT_COMMITTER_EMAIL": "human@example.com",
}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch, tmp_path)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with a Dockerfile to migrate, an unrelated dirty file, a staged change
    and an untracked file; the current directory."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "requirements.txt").write_text("flask==3.0.0\n")
    (root / "app.py").write_text("print('hi')\n")
    (root / "notes.txt").write_text("notes\n")
    (root / "staged.txt").write_text("old\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    (root / "notes.txt").write_text("notes, edited but not staged\n")
    (root / "staged.txt").write_text("new, staged\n")
    git(root, "add", "staged.txt")
    (root / "untracked.txt").write_text("scratch\n")
    monkeypatch.chdir(root)
    return root


def state(root: Path) -> dict[str, object]:
    """Everything of the user's checkout that must not change."""
    files = {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
    return {
        "HEAD": (root / ".git" / "HEAD").read_text(),
        "head commit": git(root, "rev-parse", "HEAD"),
        "index file": hashlib.sha256((root / ".git" / "index").read_bytes()).hexdigest(),
        "ls-files": git(root, "ls-files", "-s"),
        "diff --cached": git(root, "diff", "--cached"),
        "diff": git(root, "diff"),
        "status": git(root, "status", "--porcelain"),
        "files": files,
    }


def migrated(root: Path) -> str:
    ctx = Context(context_dir=root, dockerfile=root / "Dockerfile", options=Options())
    codemods = [c for c in available_codemods() if c.default]
    return run_codemods(parse(DOCKERFILE, "Dockerfile"), ctx, codemods).output


def tip(root: Path, ref: str = BRANCH) -> str:
    return git(root, "rev-parse", ref).strip()


def test_branch_commits_without_touching_the_checkout(repo: Path) -> None:
    before = state(repo)
    head = tip(repo, "HEAD")
    result = invoke("--branch")
    assert result.exit_code == 0, result.output
    assert state(repo) == before
    assert f"branch {BRANCH} created" in result.stderr
    commits = git(repo, "rev-list", f"{head}..{BRANCH}").split()
    assert len(commits) == 1
    assert git(repo, "rev-parse", f"{BRANCH}^").strip() == head
    assert git(repo, "diff", "--name-only", head, BRANCH).split() == ["Dockerfile"]
    assert git(repo, "show", f"{BRANCH}:Dockerfile") == migrated(repo)
    assert git(repo, "show", "-s", "--format=%an <%ae>|%cn <%ce>", BRANCH).strip() == (
        f"msb-migrate <{BOT_EMAIL}>|msb-migrate <{BOT_EMAIL}>"
    )
    message = git(repo, "show", "-s", "--format=%B", BRANCH)
    assert message.startswith("Migrate 1 Dockerfile to multi-stage builds\n")
    assert "Dockerfile:\n- [" in message
    assert message.rstrip().endswith(TRAILER)
    # the staged change and the dirty file stay out of the bot's commit
    assert git(repo, "show", f"{BRANCH}:staged.txt") == "old\n"
    assert git(repo, "show", f"{BRANCH}:notes.txt") == "notes\n"


def test_rerun_without_changes_creates_nothing(repo: Path) -> None:
    assert invoke("--branch").exit_code == 0
    first = tip(repo)
    objects = git(repo, "count-objects", "-v")
    again = invoke("--branch")
    assert again.exit_code == 0, again.output
    assert f"branch {BRANCH} is up to date" in again.stderr
    assert tip(repo) == first
    assert git(repo, "count-objects", "-v") == objects
    assert len(git(repo, "reflog", "show", BRANCH).splitlines()) == 1


def test_rerun_after_head_moved_replaces_the_bot_commit(repo: Path) -> None:
    assert invoke("--branch").exit_code == 0
    old = tip(repo)
    git(repo, "commit", "-q", "-m", "user work")  # commits the staged change
    git(repo, "stash", "-q", "--include-untracked")  # the checkout is the user's business
    (repo / "requirements.txt").write_text("flask==3.0.1\n")
    git(repo, "commit", "-q", "-am", "bump flask")
    result = invoke("--branch")
    assert result.exit_code == 0, result.output
    assert f"branch {BRANCH} updated" in result.stderr
    assert tip(repo) != old
    assert git(repo, "rev-parse", f"{BRANCH}^").strip() == tip(repo, "HEAD")
    assert len(git(repo, "rev-list", f"HEAD..{BRANCH}").split()) == 1


def test_a_human_commit_stops_the_update(repo: Path) -> None:
    assert invoke("--branch").exit_code == 0
    tree = git(repo, "rev-parse", f"{BRANCH}^{{tree}}").strip()
    human = git(repo, "commit-tree", tree, "-p", BRANCH, "-m", "tweak", env=HUMAN).strip()
    git(repo, "update-ref", f"refs/heads/{BRANCH}", human)
    (repo / ".msb-migrate.toml").write_text("syntax-directive = true\n")  # a different result
    result = invoke("--branch")
    assert result.exit_code == 0, result.output  # left alone: the bot convention, no error
    assert (
        f"msb-migrate: branch {BRANCH} has commits by someone else "
        "(Human <human@example.com>); not updating it; the branch and its pull request are "
        "left alone"
    ) in result.stderr
    assert tip(repo) == human


def test_an_amended_bot_commit_counts_as_human(repo: Path) -> None:
    assert invoke("--branch").exit_code == 0
    bot = tip(repo)
    message = git(repo, "show", "-s", "--format=%B", bot)
    tree = git(repo, "rev-parse", f"{bot}^{{tree}}").strip()
    env = {
        "GIT_AUTHOR_NAME": "msb-migrate",
        "GIT_AUTHOR_EMAIL": BOT_EMAIL,
        "GIT_COMMITTER_NAME": "Human",
        "GIT_COMMITTER_EMAIL": "human@example.com",
    }
    amended = git(repo, "commit-tree", tree, "-p", f"{bot}^", "-m", message, env=env).strip()
    git(repo, "update-ref", f"refs/heads/{BRANCH}", amended)
    (repo / ".msb-migrate.toml").write_text("syntax-directive = true\n")
    result = invoke("--branch")
    assert result.exit_code == 0, result.output
    assert "has commits by someone else (Human <human@example.com>)" in result.stderr
    assert tip(repo) == amended


@pytest.mark.parametrize("how", ["modified", "staged", "untracked"])
def test_uncommitted_dockerfile_is_refused(repo: Path, how: str) -> None:
    target = repo / "Dockerfile"
    if how == "untracked":
        target = repo / "svc" / "Dockerfile"
        target.parent.mkdir()
    target.write_text(DOCKERFILE + "# local edit\n")
    if how == "staged":
        git(repo, "add", "Dockerfile")
    before = state(repo)
    result = invoke("--branch", str(target.relative_to(repo)))
    assert result.exit_code == 2
    rel = target.relative_to(repo).as_posix()
    why = {
        "modified": "has uncommitted changes",
        "staged": "has staged changes",
        "untracked": "is not tracked by git",
    }[how]
    assert f"msb-migrate: error: {rel} {why}" in result.stderr
    assert state(repo) == before
    assert git(repo, "branch", "--list", BRANCH) == ""


def test_branch_names(repo: Path) -> None:
    assert invoke("--branch=feature/docker").exit_code == 0
    assert git(repo, "branch", "--list", "feature/docker").strip()
    (repo / ".msb-migrate.toml").write_text("branch-prefix = 'bots/'\n")
    git(repo, "add", ".msb-migrate.toml")
    git(repo, "commit", "-q", "-m", "config")  # also commits staged.txt; fine
    result = invoke("--branch")
    assert result.exit_code == 0, result.output
    assert git(repo, "branch", "--list", "bots/multi-stage").strip()
    bad = invoke("--branch=no..dots")
    assert bad.exit_code == 2
    assert "'no..dots' is not a valid branch name" in bad.stderr
    git(repo, "checkout", "-q", "-b", "work")
    current = invoke("--branch=work")
    assert current.exit_code == 2
    assert "is checked out" in current.stderr


def test_branch_needs_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "Dockerfile").write_text(DOCKERFILE)
    monkeypatch.chdir(outside)
    result = invoke("--branch")
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.stderr


def test_nothing_to_migrate_creates_no_branch(repo: Path) -> None:
    skips = [arg for c in available_codemods() for arg in ("--skip", c.name)]
    result = invoke("--branch", *skips)
    assert result.exit_code == 0, result.output
    assert "nothing to migrate; no branch created" in result.stderr
    assert git(repo, "branch", "--list", BRANCH) == ""


def test_branch_refuses_other_modes(repo: Path) -> None:
    for args in (
        ["--branch", "--write"],
        ["--check", "--push", "origin"],
        ["--branch", "-"],
        ["--open-pr"],
    ):
        result = invoke(*args)
        assert result.exit_code == 2, args


# -- push ---------------------------------------------------------------------------------------


@pytest.fixture
def remote(repo: Path, tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "origin", "main")
    return bare


def test_push_to_a_bare_remote(repo: Path, remote: Path) -> None:
    before = state(repo)
    result = invoke("--push", "origin")
    assert result.exit_code == 0, result.output
    assert f"origin: pushed {BRANCH}" in result.stderr
    assert tip(remote) == tip(repo)
    assert state(repo) == before
    again = invoke("--push", "origin")
    assert again.exit_code == 0
    assert f"origin: up to date {BRANCH}" in again.stderr


def test_push_replaces_only_our_own_commits(repo: Path, remote: Path, tmp_path: Path) -> None:
    assert invoke("--push", "origin").exit_code == 0
    # the base moves on: the rerun rewrites the bot commit and force-pushes it with a lease
    git(repo, "commit", "-q", "-m", "user work")
    git(repo, "push", "-q", "origin", "main")
    updated = invoke("--push", "origin")
    assert updated.exit_code == 0, updated.output
    assert f"origin: force-pushed {BRANCH}" in updated.stderr
    assert tip(remote) == tip(repo)
    # a human pushes to the bot branch: the bot must not overwrite it
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", BRANCH, str(remote), str(clone))
    (clone / "app.py").write_text("print('fixed by a human')\n")
    git(clone, "commit", "-q", "-am", "human fix", env=HUMAN)
    git(clone, "push", "-q", "origin", BRANCH)
    human_tip = tip(remote)
    local_tip = tip(repo)
    (repo / ".msb-migrate.toml").write_text("syntax-directive = true\n")
    refused = invoke("--push", "origin")
    assert refused.exit_code == 0, refused.output  # left alone and said so
    assert (
        f"branch {BRANCH} on origin has commits by someone else (Human <human@example.com>); "
        "not updating it"
    ) in refused.stderr
    assert tip(remote) == human_tip
    assert tip(repo) == local_tip


def test_push_reuses_an_equal_remote_branch(repo: Path, remote: Path) -> None:
    assert invoke("--push", "origin").exit_code == 0
    pushed = tip(remote)
    git(repo, "branch", "-D", BRANCH)  # e.g. a fresh CI checkout
    result = invoke("--push", "origin")
    assert result.exit_code == 0, result.output
    assert f"branch {BRANCH} is up to date" in result.stderr
    assert tip(repo) == pushed == tip(remote)


def test_push_to_an_unknown_remote(repo: Path) -> None:
    result = invoke("--push", "nowhere")
    assert result.exit_code == 2
    assert "no remote named 'nowhere'" in result.stderr
    assert git(repo, "branch", "--list", BRANCH) == ""
