"""``config_read_once``: a repository's configuration read once per block of read-only git
commands (discovery), and read afresh outside one."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitcli import git, isolate_git

from refactor.app import gitrun
from refactor.app.discover import discover
from refactor.app.gitrun import config_read_once, run_git


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The repositories whose configuration was read (``git config --list``), in order."""
    isolate_git(monkeypatch, tmp_path)
    seen: list[Path] = []
    real = gitrun._config_entries

    def counted(repo: Path) -> list[tuple[str, str, str]]:
        seen.append(repo)
        return real(repo)

    monkeypatch.setattr(gitrun, "_config_entries", counted)
    return seen


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "a" / "b").mkdir(parents=True)
    git(repo, "init", "-q")
    for folder in (repo, repo / "a", repo / "a" / "b"):
        (folder / "Dockerfile").write_text("FROM scratch\n")
    return repo


def test_each_git_command_reads_the_configuration_outside_a_block(
    reads: list[Path], tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    run_git(["rev-parse", "--show-toplevel"], repo)
    run_git(["rev-parse", "--show-toplevel"], repo)
    assert len(reads) == 2


def test_a_block_reads_it_once_and_forgets_it(reads: list[Path], tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    with config_read_once():
        before = gitrun.repository_overrides(repo)
        with config_read_once():  # nested: the outer block's reading
            run_git(["rev-parse", "--show-toplevel"], repo)
        run_git(["status", "--porcelain"], repo)
    assert len(reads) == 1
    # a setting the repository adds later is seen once the block has ended (a long-lived
    # process, such as the language server, never runs on an old reading)
    git(repo, "config", "core.askPass", "touch pwned")
    after = gitrun.repository_overrides(repo)
    assert ("core.askpass", "") not in before[0]
    assert ("core.askpass", "") in after[0]
    assert len(reads) == 2


def test_discovery_reads_the_configuration_once(reads: list[Path], tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    found = discover([repo])
    # rev-parse twice and check-ignore once per folder level, one reading
    assert [t.path for t in found] == [
        repo / "Dockerfile",
        repo / "a" / "Dockerfile",
        repo / "a" / "b" / "Dockerfile",
    ]
    assert reads == [repo]
    discover([repo])
    assert reads == [repo, repo]
