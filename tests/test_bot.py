"""Bot conventions (issue 16, as Renovate and Dependabot behave): labels, ``bulk --pr-limit``,
a bot branch rebuilt on its moved base (same pull request, updated), a branch someone else
touched left alone, and a pull request body a reviewer reads in half a minute.

Every repository is a real one in the test's temporary directory: bare origins on the local
file system, reached as ``https://github.com/acme/<name>`` through a ``url.insteadOf`` of the
test's own git configuration, and a fake GitHub / GitLab (tests/fakeforge.py) that checks each
request as the APIs document it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fakeforge import FakeForge, Misbehave, isolate_forge_env
from gitcli import git

from refactor.app.cli import main
from refactor.app.forge import Forge, ForgeClient, ForgeError, check_label
from refactor.app.gitops import BOT_EMAIL, TRAILER

TOKEN = "tok-bot-0123456789"
BRANCH = "msb-migrate/multi-stage"
HUMAN = {
    "GIT_AUTHOR_NAME": "Human",
    "GIT_AUTHOR_EMAIL": "human@example.com",
    "GIT_COMMITTER_NAME": "Human",
    "GIT_COMMITTER_EMAIL": "human@example.com",
}
APP = {  # two apt/pip cache mounts, two stages: reasons a body must not repeat
    "Dockerfile": (
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN apt-get update && apt-get install -y gcc\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["sh", "-c", "gunicorn --workers=4 --bind 0.0.0.0:$PORT app:app"]\n'
    ),
    "requirements.txt": "flask==3.0.0\n",
    "app.py": "print('hi')\n",
}


@pytest.fixture(autouse=True)
def gitconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    config = isolate_forge_env(monkeypatch, tmp_path)
    # https://github.com/acme/<name> is the bare repository origins/<name>.git
    origins = tmp_path / "origins"
    with config.open("a") as fh:
        fh.write(f'[url "{origins.as_uri()}/"]\n\tinsteadOf = https://github.com/acme/\n')
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return config


def make_origin(tmp_path: Path, name: str, files: dict[str, str] = APP) -> Path:
    """``origins/<name>.git``: a bare repository whose main holds ``files`` in one commit."""
    src = tmp_path / "src" / name
    for rel, text in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text)
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "initial")
    origin = tmp_path / "origins" / f"{name}.git"
    git(tmp_path, "clone", "-q", "--bare", str(src), str(origin))
    return origin


def work_clone(tmp_path: Path, origin: Path, name: str) -> Path:
    """A full clone of ``origin`` where a human works."""
    dest = tmp_path / "humans" / name
    git(tmp_path, "clone", "-q", str(origin), str(dest))
    return dest


def advance_main(tmp_path: Path, origin: Path, rel: str = "NOTES.md", text: str = "x\n") -> str:
    """Someone pushes a commit to the origin's main; its new tip."""
    clone = work_clone(tmp_path, origin, f"main-{rel.replace('/', '-')}-{len(text)}")
    path = clone / rel
    path.write_text(text)
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", f"update {rel}", env=HUMAN)
    git(clone, "push", "-q", "origin", "main")
    return git(origin, "rev-parse", "main").strip()


def listing(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "repos.txt"
    path.write_text("".join(f"https://github.com/acme/{n}.git\n" for n in names))
    return path


def bulk(tmp_path: Path, fake: FakeForge, repos: Path, *extra: str) -> Result:
    args = ["bulk", str(repos), "--workspace", str(tmp_path / "ws"), "--push", "origin"]
    args += ["--open-pr", "--forge-url", fake.url, *extra]
    return CliRunner().invoke(main, args)


def report(tmp_path: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((tmp_path / "ws" / "report.json").read_text())
    return {entry["repo"]: entry for entry in data["repositories"]} | {"": data["totals"]}


def tip(origin: Path, ref: str = BRANCH) -> str:
    return git(origin, "rev-parse", ref).strip()


# -- rebuilt on a moved base, the same pull request updated ---------------------------------------


def test_a_moved_base_rebuilds_the_branch_and_updates_the_same_pull_request(
    tmp_path: Path,
) -> None:
    origin = make_origin(tmp_path, "app")
    repos = listing(tmp_path, "app")
    with FakeForge("github", TOKEN, project="acme/app") as fake:
        first = bulk(tmp_path, fake, repos, "--label", "dependencies", "--label", "docker")
        assert first.exit_code == 0, first.output
        entry = report(tmp_path)["github.com/acme/app"]
        assert entry["pull_request"] == {
            "number": 1,
            "url": "https://github.com/acme/app/pull/1",
            "created": True,
            "labels": ["dependencies", "docker"],
        }
        old = tip(origin)
        assert [(r.method, r.path) for r in fake.requests] == [
            ("GET", "/repos/acme/app/pulls"),
            ("POST", "/repos/acme/app/pulls"),
            ("POST", "/repos/acme/app/issues/1/labels"),
        ]
        assert fake.requests[-1].body == {"labels": ["dependencies", "docker"]}

        new_main = advance_main(tmp_path, origin)
        fake.requests.clear()
        second = bulk(tmp_path, fake, repos, "--label", "dependencies", "--label", "docker")
        assert second.exit_code == 0, second.output
        entry = report(tmp_path)["github.com/acme/app"]
        assert entry["status"] == "changed"
        assert entry["branch"]["status"] == "updated"
        assert entry["branch"]["pushed"] == "force-pushed"
        assert tip(origin) == entry["branch"]["commit"] != old
        # rebased: one bot commit on the new main, not a second commit on the old one
        assert tip(origin, f"{BRANCH}^") == new_main
        assert git(origin, "rev-list", "--count", f"main..{BRANCH}").strip() == "1"
        assert git(origin, "log", "-1", "--format=%ae %ce", BRANCH).split() == [BOT_EMAIL] * 2
        assert git(origin, "show", f"{BRANCH}:NOTES.md") == "x\n"
        # the same pull request, updated; labels are given once, when it is opened
        assert entry["pull_request"]["number"] == 1 and not entry["pull_request"]["created"]
        assert [r.method for r in fake.requests] == ["GET", "PATCH"]
        assert len(fake.pulls) == 1 and fake.rejected == []
        assert [label["name"] for label in fake.pulls[1]["labels"]] == ["dependencies", "docker"]

        fake.requests.clear()
        third = bulk(tmp_path, fake, repos)
        assert third.exit_code == 0, third.output
        entry = report(tmp_path)["github.com/acme/app"]
        assert (entry["branch"]["status"], entry["branch"]["pushed"]) == ("up to date",) * 2
        assert len(fake.pulls) == 1


def test_a_shallow_checkout_rebuilds_on_its_moved_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI checkout (``--depth 1``) has no history below its base: the branch's tip is judged,
    so a moved base is a rebuild, not a branch "someone else" committed to."""
    origin = make_origin(tmp_path, "app")

    def checkout(name: str) -> Path:
        dest = tmp_path / "ci" / name
        git(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(dest))
        monkeypatch.chdir(dest)
        return dest

    checkout("run1")
    first = CliRunner().invoke(main, ["--push", "origin"])
    assert first.exit_code == 0, first.output
    assert f"origin: pushed {BRANCH}" in first.stderr
    new_main = advance_main(tmp_path, origin)
    second_checkout = checkout("run2")
    assert (second_checkout / ".git" / "shallow").is_file()
    second = CliRunner().invoke(main, ["--push", "origin"])
    assert second.exit_code == 0, second.output
    assert f"branch {BRANCH} updated" in second.stderr
    assert f"origin: force-pushed {BRANCH}" in second.stderr
    assert tip(origin, f"{BRANCH}^") == new_main
    # the tip judged there is a human's: left alone
    _touch("commit on top", tmp_path, origin)
    touched = tip(origin)
    checkout("run3")
    third = CliRunner().invoke(main, ["--push", "origin"])
    assert third.exit_code == 0, third.output
    assert "has commits by someone else (Human <human@example.com>)" in third.stderr
    assert tip(origin) == touched


# -- a branch someone else touched is left alone ----------------------------------------------------


def _touch(how: str, tmp_path: Path, origin: Path) -> None:
    """What a human does to the bot branch on the origin."""
    clone = work_clone(tmp_path, origin, f"touch-{how}")
    git(clone, "checkout", "-q", BRANCH)
    if how == "commit on top":
        (clone / "app.py").write_text("print('fixed by a human')\n")
        git(clone, "commit", "-q", "-am", "human fix", env=HUMAN)
        git(clone, "push", "-q", "origin", BRANCH)
    elif how == "amended":  # the author stays the bot's; git makes the human the committer
        (clone / "app.py").write_text("print('amended')\n")
        committer = {k: v for k, v in HUMAN.items() if "COMMITTER" in k}
        git(clone, "commit", "-q", "-a", "--amend", "--no-edit", env=committer)
        git(clone, "push", "-q", "-f", "origin", BRANCH)
    elif how == "merged the base":  # GitHub's "Update branch"
        advance_main(tmp_path, origin, "CHANGELOG.md")
        git(clone, "fetch", "-q", "origin")
        git(clone, "merge", "-q", "--no-edit", "origin/main", env=HUMAN)
        git(clone, "push", "-q", "origin", BRANCH)
    else:  # force-pushed other work
        git(clone, "checkout", "-q", "-B", BRANCH, "origin/main")
        (clone / "Dockerfile").write_text(APP["Dockerfile"].replace("3.11", "3.12"))
        git(clone, "commit", "-q", "-am", "my own migration", env=HUMAN)
        git(clone, "push", "-q", "-f", "origin", BRANCH)


@pytest.mark.parametrize("how", ["commit on top", "amended", "merged the base", "force-pushed"])
def test_a_branch_someone_else_touched_is_left_alone(tmp_path: Path, how: str) -> None:
    origin = make_origin(tmp_path, "app")
    repos = listing(tmp_path, "app")
    with FakeForge("github", TOKEN, project="acme/app") as fake:
        assert bulk(tmp_path, fake, repos).exit_code == 0
        _touch(how, tmp_path, origin)
        advance_main(tmp_path, origin)  # the bot would rebuild an untouched branch now
        touched = tip(origin)
        body = fake.pulls[1]["body"]
        fake.requests.clear()
        result = bulk(tmp_path, fake, repos)
        assert result.exit_code == 0, result.output  # left alone is no failure
        entry = report(tmp_path)["github.com/acme/app"]
        assert entry["status"] == "skipped"
        assert entry["reason"] == (
            f"branch {BRANCH} on origin has commits by someone else (Human <human@example.com>); "
            "not updating it; left alone"
        )
        assert tip(origin) == touched  # not force-pushed over
        assert fake.requests == [] and fake.pulls[1]["body"] == body  # nor its pull request
        assert "left alone" in result.stderr and "skipped" in result.stdout


def test_the_bot_recognises_its_own_commit_pushed_from_elsewhere(tmp_path: Path) -> None:
    """What the bot pushed last is recognised by the commit, not remembered: a new workspace
    (another shard, another machine) updates a branch an earlier run pushed."""
    origin = make_origin(tmp_path, "app")
    repos = listing(tmp_path, "app")
    with FakeForge("github", TOKEN, project="acme/app") as fake:
        assert bulk(tmp_path, fake, repos).exit_code == 0
        new_main = advance_main(tmp_path, origin)
        elsewhere = tmp_path / "elsewhere"
        args = ["bulk", str(repos), "--workspace", str(elsewhere), "--push", "origin"]
        result = CliRunner().invoke(main, [*args, "--open-pr", "--forge-url", fake.url])
        assert result.exit_code == 0, result.output
        entry = json.loads((elsewhere / "report.json").read_text())["repositories"][0]
        assert entry["status"] == "changed" and entry["branch"]["status"] == "updated"
        assert entry["pull_request"]["number"] == 1 and len(fake.pulls) == 1
    assert tip(origin, f"{BRANCH}^") == new_main
    assert TRAILER in git(origin, "log", "-1", "--format=%B", BRANCH)


# -- --pr-limit ----------------------------------------------------------------------------------


def test_pr_limit_opens_at_most_n_and_reports_the_rest_as_pending(tmp_path: Path) -> None:
    names = ["a", "b", "c", "d"]
    origins = {n: make_origin(tmp_path, n) for n in names}
    repos = listing(tmp_path, *names)
    projects = tuple(f"acme/{n}" for n in names)
    with FakeForge("github", TOKEN, project=projects[0], projects=projects[1:]) as fake:
        first = bulk(tmp_path, fake, repos, "--pr-limit", "2", "-j", "2")
        assert first.exit_code == 0, first.output
        entries = report(tmp_path)
        statuses = sorted(entries[f"github.com/acme/{n}"]["status"] for n in names)
        assert statuses == ["changed", "changed", "pending", "pending"]
        assert entries[""]["pending"] == 2 and entries[""]["changed"] == 2
        assert len(fake.pulls) == 2 and fake.rejected == []
        for n in names:
            entry = entries[f"github.com/acme/{n}"]
            pushed = git(origins[n], "branch", "--list", BRANCH).strip() != ""
            if entry["status"] == "pending":
                assert entry["reason"] == "--pr-limit 2 reached: a later run opens its pull request"
                assert not pushed and entry["branch"] is None and entry["pull_request"] is None
                assert f"github.com/acme/{n}: pending: --pr-limit 2 reached" in first.stderr
            else:
                assert pushed and entry["pull_request"]["created"]
        assert "2 failed" not in first.stderr and ", 2 pending;" in first.stderr
        assert first.stdout.count("pending") == 2  # the table's rows

        # the next run: updating the two open requests does not count against the limit
        second = bulk(tmp_path, fake, repos, "--pr-limit", "2")
        assert second.exit_code == 0, second.output
        entries = report(tmp_path)
        assert all(entries[f"github.com/acme/{n}"]["status"] == "changed" for n in names)
        assert entries[""]["pending"] == 0
        assert len(fake.pulls) == 4 and fake.rejected == []


def test_resume_redoes_the_pending_repositories(tmp_path: Path) -> None:
    names = ["a", "b", "c"]
    for n in names:
        make_origin(tmp_path, n)
    repos = listing(tmp_path, *names)
    projects = tuple(f"acme/{n}" for n in names)
    with FakeForge("github", TOKEN, project=projects[0], projects=projects[1:]) as fake:
        assert bulk(tmp_path, fake, repos, "--pr-limit", "0").exit_code == 0
        assert report(tmp_path)[""]["pending"] == 3 and fake.pulls == {}
        again = bulk(tmp_path, fake, repos, "--resume", "--pr-limit", "2")
        assert again.exit_code == 0, again.output
        totals = report(tmp_path)[""]
        assert (totals["changed"], totals["pending"], totals["repositories"]) == (2, 1, 3)
        assert len(fake.pulls) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pr-limit", "3"], "--label and --pr-limit go with --open-pr"),
        (["--branch", "--label", "x"], "--label and --pr-limit go with --open-pr"),
        (["--push", "origin", "--open-pr", "--pr-limit", "-1"], "-1 is not in the range"),
        (["--push", "origin", "--open-pr", "--label", "a,b"], "no comma"),
    ],
)
def test_bulk_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    repos = listing(tmp_path, "app")
    result = CliRunner().invoke(main, ["bulk", str(repos), "--workspace", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "repos").exists()  # nothing cloned


# -- labels through the client and the single-repository command -----------------------------------


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_labels_are_set_when_the_request_is_opened_only(kind: str) -> None:
    with FakeForge(kind, TOKEN, project="acme/app") as fake:
        client = ForgeClient(Forge(kind, fake.url, "acme/app"), TOKEN)
        first = client.open_or_update(BRANCH, "main", "T", "B", ["migration", "docker", "docker"])
        assert first.created and first.labels == ("migration", "docker")
        assert fake.rejected == []
        pull = fake.pulls[1]
        names = [x["name"] for x in pull["labels"]] if kind == "github" else pull["labels"]
        assert names == ["migration", "docker"]
        if kind == "github":  # the documented call on the issue the pull request is
            assert fake.requests[-1].path == "/repos/acme/app/issues/1/labels"
            assert fake.requests[-1].body == {"labels": ["migration", "docker"]}
        else:  # GitLab takes them on the create call, comma-separated
            assert fake.requests[-1].body["labels"] == "migration,docker"
        # a reviewer removes one; the update leaves the labels as they are
        pull["labels"] = pull["labels"][:1]
        fake.requests.clear()
        second = client.open_or_update(BRANCH, "main", "T", "B2", ["migration", "docker"])
        assert not second.created and second.labels == ()
        assert len(fake.requests) == 2 and "labels" not in json.dumps(fake.requests[-1].body)
        assert len(pull["labels"]) == 1


def test_a_label_answer_without_the_label_is_an_error() -> None:
    with FakeForge("github", TOKEN) as fake:
        client = ForgeClient(Forge("github", fake.url, "acme/app"), TOKEN)
        pull = {"number": 7, "html_url": "https://github.com/acme/app/pull/7"}
        fake.misbehave.append(Misbehave.json(pull, 201, "POST"))  # the pull request opened
        fake.misbehave.append(Misbehave.json([{"name": "other"}], 200, "POST"))  # its labels
        with pytest.raises(ForgeError, match="the labels lack 'docker'"):
            client.open(BRANCH, "main", "T", "B", ["docker"])


@pytest.mark.parametrize("bad", ["", " x", "a,b", "tab\there", "x" * 51])
def test_check_label_refuses(bad: str) -> None:
    with pytest.raises(ForgeError):
        check_label(bad)


def test_single_repository_labels_and_usage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = make_origin(tmp_path, "app")
    checkout = work_clone(tmp_path, origin, "mine")
    monkeypatch.chdir(checkout)
    assert "--label goes with --open-pr" in CliRunner().invoke(main, ["--label", "x"]).output
    with FakeForge("github", TOKEN, project="acme/app") as fake:
        args = ["--push", "origin", "--open-pr", "--forge", "github", "--forge-url", fake.url]
        args += ["--repo", "acme/app", "--label", "migration"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert [x["name"] for x in fake.pulls[1]["labels"]] == ["migration"]
        assert fake.rejected == []


# -- the body: half a minute to read, how to opt out and re-run ------------------------------------


def test_the_body_says_each_reason_once_and_folds_the_long_text(tmp_path: Path) -> None:
    make_origin(tmp_path, "app")
    with FakeForge("github", TOKEN, project="acme/app") as fake:
        assert bulk(tmp_path, fake, listing(tmp_path, "app")).exit_code == 0
        body = fake.pulls[1]["body"]
    visible = body.split("<details>", 1)[0]
    changes = [line for line in visible.splitlines() if line.startswith("- line ")]
    assert len(changes) == report(tmp_path)["github.com/acme/app"]["explanations"]
    assert all(" — " not in line for line in changes)  # what changed; why is folded
    # two stages documented, two cache mounts: each reason said once, under <details>
    assert body.count("a one-line comment per stage says what it is for") == 1
    assert body.count("rebuilds reuse what the previous build downloaded") == 1
    assert "<details><summary>Why these changes</summary>" in body
    # the stage comment is cut between words, its quote closed
    assert '# runtime: minimal image that runs sh -c "gunicorn --workers=4 --bind ..."' in body
    # how to opt out (the mechanisms that exist) and how to re-run
    assert "`# msb-migrate: skip`" in visible and "`# msb-migrate: skip=<codemod>`" in visible
    assert "`.msb-migrate.toml`" in visible and f"`{BRANCH}` on the latest `main`" in visible


def test_the_opt_outs_the_body_names_work(tmp_path: Path) -> None:
    """Following the body: a config ``skip`` drops a codemod from the rebuilt branch and its
    pull request; ``# msb-migrate: skip`` in the Dockerfile leaves the file alone."""
    origin = make_origin(tmp_path, "app")
    repos = listing(tmp_path, "app")
    with FakeForge("github", TOKEN, project="acme/app") as fake:
        assert bulk(tmp_path, fake, repos).exit_code == 0
        assert "non-root-user" in fake.pulls[1]["body"]
        advance_main(tmp_path, origin, ".msb-migrate.toml", 'skip = ["non-root-user"]\n')
        assert bulk(tmp_path, fake, repos).exit_code == 0
        entry = report(tmp_path)["github.com/acme/app"]
        assert entry["branch"]["status"] == "updated" and len(fake.pulls) == 1
        assert "non-root-user" not in fake.pulls[1]["body"]
        assert "USER" not in git(origin, "show", f"{BRANCH}:Dockerfile")

        opted_out = "# msb-migrate: skip\n" + APP["Dockerfile"]
        advance_main(tmp_path, origin, "Dockerfile", opted_out)
        fake.requests.clear()
        assert bulk(tmp_path, fake, repos).exit_code == 0
        assert report(tmp_path)["github.com/acme/app"]["status"] == "unchanged"
        assert fake.requests == []
