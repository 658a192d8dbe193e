"""Committing a migration on a bot branch without touching the user's checkout.

The commit is built with git plumbing only: blobs with ``hash-object -w`` (clean filters
applied as ``git add`` would), the tree in a temporary index (``GIT_INDEX_FILE``: ``read-tree
HEAD``, ``update-index --cacheinfo``, ``write-tree``), the commit with ``commit-tree -p HEAD``
and the branch with a compare-and-swap ``update-ref``. HEAD, the index and the working tree
stay byte-identical.

The bot's commits are authored and committed by :data:`BOT_NAME` <:data:`BOT_EMAIL`> and carry
the trailer :data:`TRAILER`. A rerun replaces the bot branch (one commit on top of HEAD: rebuilt
on the new base when the base moved) only when nobody else touched it; pushing uses
``--force-with-lease`` against the remote tip that was checked, so a branch a human touched is
never overwritten.

**Touched by someone else** (:meth:`Workspace.foreign_commits`), the rule for the local branch
and, when pushing, for the remote's: the branch's own commits are those reachable from its tip
and from no other branch, remote-tracking branch or HEAD; the branch is the bot's when every
one of them is a bot commit (:func:`is_bot_commit`: author and committer e-mail
:data:`BOT_EMAIL`, the trailer in the message's last paragraph, at most one parent). A commit
pushed on top of the bot's, an amended or rebased bot commit (git sets the committer), a merge
of the base into the branch (GitHub's "Update branch") or a force-push of other work all make
it someone else's: it is left alone (:class:`BranchTouched`). What the bot pushed last is
recognised by the commit itself, not remembered: a bulk run's clone is new and a shard or a
CI job on another machine may have made the last bot commit. In a shallow repository (bulk's
``--depth 1`` clones, CI checkouts) the history below the base is not there, so the branch's tip
is the commit judged (the remote branch fetched with ``--depth 1``): the bot only ever makes
one commit on top of its base.

Every git command runs as :mod:`refactor.app.gitrun` says (hooks and config-driven commands
off, transports allowlisted, timeouts).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import git

from refactor.app.gitrun import (
    GIT_TIMEOUT,
    LOCAL_RECEIVE_PACK,
    NETWORK_TIMEOUT,
    RECEIVE_PACK,
    UPLOAD_PACK,
    GitOpsError,
    git_command,
    is_local_url,
)
from refactor.app.redact import redact
from refactor.app.report import TRAILER

__all__ = [
    "BOT_EMAIL",
    "BOT_NAME",
    "TRAILER",
    "BranchTouched",
    "BranchUpdate",
    "GitOpsError",
    "Workspace",
    "is_bot_commit",
    "scrub",
]

BOT_NAME = "msb-migrate"
BOT_EMAIL = "msb-migrate@users.noreply.localhost"

_BOT_ENV = {
    "GIT_AUTHOR_NAME": BOT_NAME,
    "GIT_AUTHOR_EMAIL": BOT_EMAIL,
    "GIT_COMMITTER_NAME": BOT_NAME,
    "GIT_COMMITTER_EMAIL": BOT_EMAIL,
}
_GITPYTHON_STDERR = re.compile(r"^stderr: '(.*)'$", re.DOTALL)
_STATUS = {
    "??": "is not tracked by git",
    "!!": "is ignored by git",
}


def scrub(text: str) -> str:
    """``text`` with the credentials of URLs (and known tokens) replaced by ``***``: the one
    redaction function, :func:`refactor.app.redact.redact`."""
    return redact(text)


def is_bot_commit(commit: git.Commit) -> bool:
    """Whether msb-migrate made ``commit``: author, committer and trailer all say so, and it
    has at most one parent (the bot never merges; a shallow tip shows none)."""
    paragraphs = str(commit.message).strip().split("\n\n")
    trailers = {line.strip() for line in paragraphs[-1].splitlines()}
    return (
        commit.author.email == BOT_EMAIL
        and commit.committer.email == BOT_EMAIL
        and TRAILER in trailers
        and len(commit.parents) <= 1
    )


class BranchTouched(GitOpsError):
    """The bot branch has commits by someone else: it is left alone (not an error of the run)."""

    def __init__(self, branch: str, where: str, authors: list[str]) -> None:
        self.branch = branch
        self.authors = authors
        super().__init__(
            f"branch {branch}{where} has commits by someone else ({', '.join(authors)}); "
            "not updating it"
        )


@dataclass(frozen=True)
class BranchUpdate:
    """The outcome of a branch run: ``status`` is created, updated or up to date."""

    branch: str
    commit: str
    status: str
    pushed: str | None = None  # None (no push), "pushed", "force-pushed" or "up to date"


class Workspace:
    """The git repository holding the Dockerfiles."""

    def __init__(self, path: Path, network_timeout: float = NETWORK_TIMEOUT) -> None:
        try:
            self.repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitOpsError(f"{path} is not inside a git repository") from None
        if self.repo.bare or self.repo.working_tree_dir is None:
            raise GitOpsError(f"{self.repo.git_dir} is a bare repository")
        self.root = Path(self.repo.working_tree_dir).resolve()
        self.network_timeout = network_timeout
        # GitPython's own commands (cat-file, merge-base, check-ref-format) run the same way
        self._prefix, env = git_command(self.root)
        self.repo.git.update_environment(**env)

    def _git(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = GIT_TIMEOUT
    ) -> str:
        try:
            return str(
                self.repo.git.execute([*self._prefix, *args], env=env, kill_after_timeout=timeout)
            )
        except git.GitCommandError as exc:
            command = next(a for a in args if not a.startswith("-"))
            detail = _GITPYTHON_STDERR.sub(r"\1", str(exc.stderr).strip())
            detail = "; ".join(line.strip() for line in detail.splitlines() if line.strip())
            raise GitOpsError(scrub(f"git {command} failed: {detail}")) from None

    def relative(self, path: Path) -> str:
        """``path`` relative to the work tree root (posix), refusing paths outside it."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            raise GitOpsError(f"{path} is not inside the repository {self.root}") from None

    def head(self) -> git.Commit:
        try:
            return self.repo.head.commit
        except ValueError:
            raise GitOpsError(f"the repository {self.root} has no commits yet") from None

    def current_branch(self) -> str | None:
        return None if self.repo.head.is_detached else self.repo.active_branch.name

    def check_committed(self, paths: list[Path]) -> None:
        """Refuse when one of ``paths`` differs from HEAD (staged, modified, untracked)."""
        rels = [self.relative(p) for p in paths]
        out = self._git(
            "--no-optional-locks",  # git status must not refresh (rewrite) the user's index
            "--literal-pathspecs",
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignore-submodules=all",  # a submodule's own configuration is not read
            "--ignored=matching",
            "--",
            *rels,
        )
        for entry in out.split("\0"):
            if len(entry) < 4:
                continue
            code, rel = entry[:2], entry[3:]
            why = _STATUS.get(code) or (
                "has staged changes" if code[0] != " " else "has uncommitted changes"
            )
            raise GitOpsError(
                f"{rel} {why}; msb-migrate commits on top of HEAD and would leave them out "
                "(commit or stash them first)"
            )

    def validate_branch(self, branch: str) -> None:
        """git's branch-name rules (``check-ref-format --branch``, taken as written: no ``@``
        or ``@{-1}`` shorthand), and no full ref name (``refs/heads/x`` would become
        ``refs/heads/refs/heads/x``) nor a name git reserves (``HEAD``, ``FETCH_HEAD``)."""
        if branch.startswith("refs/"):
            raise GitOpsError(f"'{branch}': give the branch name without 'refs/heads/'")
        try:
            shown = self.repo.git.check_ref_format("--branch", branch)
        except git.GitCommandError:
            shown = None
        reserved = branch == "@" or (branch.endswith("HEAD") and branch.upper() == branch)
        if shown != branch or reserved:
            raise GitOpsError(f"'{branch}' is not a valid branch name")
        if self.current_branch() == branch:
            raise GitOpsError(
                f"the branch {branch} is checked out; run msb-migrate from its base branch"
            )

    def tip(self, branch: str) -> str | None:
        try:
            return self.repo.commit(f"refs/heads/{branch}").hexsha
        except (git.BadName, ValueError):
            return None

    def foreign_commits(self, tip: str, branch: str) -> list[git.Commit]:
        """Commits on ``branch`` (up to ``tip``) not on any other branch nor made by the bot; in
        a shallow repository only ``tip`` is judged (the history below the base is cut)."""
        if self.shallow:
            tip_commit = self.repo.commit(tip)
            return [] if is_bot_commit(tip_commit) else [tip_commit]
        out = self._git(
            "rev-list",
            tip,
            "--not",
            "HEAD",
            f"--exclude={branch}",
            "--branches",
            f"--exclude=*/{branch}",
            "--remotes",
        )
        commits = [self.repo.commit(sha) for sha in out.split()]
        return [c for c in commits if not is_bot_commit(c)]

    def refuse_foreign(self, tip: str, branch: str, where: str = "") -> None:
        """:class:`BranchTouched` when someone else touched ``branch`` (see the module)."""
        foreign = self.foreign_commits(tip, branch)
        if foreign:
            # the author, or the committer of a bot-authored commit someone amended
            people = {c.committer if c.author.email == BOT_EMAIL else c.author for c in foreign}
            who = sorted({scrub(f"{p.name} <{p.email}>") for p in people})
            raise BranchTouched(branch, where, who)

    @property
    def shallow(self) -> bool:
        """Whether the repository's history is cut (``git clone --depth``)."""
        return (Path(self.repo.common_dir) / "shallow").is_file()

    def build_tree(self, files: Mapping[Path, str]) -> str:
        """The tree of HEAD with ``files`` (absolute path → text) replaced or added."""
        head = self.head()
        with tempfile.TemporaryDirectory(prefix="msb-migrate-") as tmp:
            env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
            self._git("read-tree", head.hexsha, env=env)
            blob = Path(tmp) / "blob"
            for path, text in files.items():
                rel = self.relative(path)
                blob.write_bytes(text.encode("utf-8"))
                sha = self._git("hash-object", "-w", f"--path={rel}", "--", str(blob)).strip()
                try:
                    mode = f"{head.tree[rel].mode:o}"
                except KeyError:
                    mode = "100644"
                self._git("update-index", "--add", "--cacheinfo", f"{mode},{sha},{rel}", env=env)
            return self._git("write-tree", env=env).strip()

    def _tree_of(self, sha: str) -> str:
        return self.repo.commit(sha).tree.hexsha

    def _set_branch(self, branch: str, new: str, old: str | None, why: str) -> None:
        zero = "0" * len(new)  # "must not exist yet"
        ref = f"refs/heads/{branch}"
        self._git("update-ref", "-m", f"msb-migrate: {why}", ref, new, old or zero)

    def remote_tip(self, remote: str, branch: str) -> str | None:
        ref = f"refs/heads/{branch}"
        out = self._git("ls-remote", UPLOAD_PACK, remote, ref, timeout=self.network_timeout)
        for line in out.splitlines():
            sha, _, name = line.partition("\t")
            if name == ref:
                return sha
        return None

    def remote_url(self, remote: str) -> str:
        try:
            return self.repo.remote(remote).url
        except ValueError:
            raise GitOpsError(f"no remote named '{remote}'") from None

    def publish(
        self, branch: str, files: Mapping[Path, str], message: str, remote: str | None = None
    ) -> BranchUpdate:
        """Put ``files`` in one bot commit on top of HEAD on ``branch``; push it to ``remote``.

        Refuses (:class:`BranchTouched`) when the branch has commits by someone else, locally or
        on the remote. Creates nothing when the branch already holds the same tree.
        """
        self.validate_branch(branch)
        head = self.head()
        local = self.tip(branch)
        if local is not None:
            self.refuse_foreign(local, branch)
        remote_sha = None
        if remote is not None:
            self.remote_url(remote)
            remote_sha = self.remote_tip(remote, branch)
            if remote_sha is not None:
                ref = f"refs/heads/{branch}"
                # shallow: only the tip (the history below the base is not here to compare)
                depth = ["--depth=1"] if self.shallow else []
                self._git(
                    "fetch",
                    "--no-write-fetch-head",
                    "--no-tags",
                    *depth,
                    UPLOAD_PACK,
                    remote,
                    ref,
                    timeout=self.network_timeout,
                )
                self.refuse_foreign(remote_sha, branch, f" on {remote}")
        tree = self.build_tree(files)
        if local is not None and self._tree_of(local) == tree:
            commit, status = local, "up to date"
        elif remote_sha is not None and self._tree_of(remote_sha) == tree:
            commit, status = remote_sha, "up to date"
            self._set_branch(branch, commit, local, "branch set to the remote's equal tip")
        else:
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as msg:
                msg.write(message)
                msg.flush()
                commit = self._git(
                    "commit-tree", tree, "-p", head.hexsha, "-F", msg.name, env=_BOT_ENV
                ).strip()
            # updated: a branch of the bot's that this replaces (rebuilt on HEAD)
            status = "created" if local is None and remote_sha is None else "updated"
            self._set_branch(branch, commit, local, f"{status} the migration branch")
        pushed = None
        if remote is not None:
            pushed = self._push(remote, branch, commit, remote_sha)
        return BranchUpdate(branch, commit, status, pushed)

    def _push(self, remote: str, branch: str, commit: str, expected: str | None) -> str:
        """Push ``commit`` to ``remote``'s ``branch``, only over the tip that was checked."""
        if expected == commit:
            return "up to date"
        ref = f"refs/heads/{branch}"
        urls = self._git("remote", "get-url", "--push", "--all", remote).splitlines()
        local = any(is_local_url(url) for url in urls)
        self._git(
            "push",
            "--porcelain",
            LOCAL_RECEIVE_PACK if local else RECEIVE_PACK,
            f"--force-with-lease={ref}:{expected or ''}",
            remote,
            f"{commit}:{ref}",
            timeout=self.network_timeout,
        )
        if expected is None:
            return "pushed"
        # GitPython's annotation says Commit; it hands any revision on to git merge-base
        if not self.repo.is_ancestor(expected, commit):  # type: ignore[arg-type]
            return "force-pushed"
        return "pushed"
