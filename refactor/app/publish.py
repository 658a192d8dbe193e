"""The publisher: ``--branch``/``--push``/``--open-pr`` (and each clone's under ``bulk``).

:meth:`Publication.prepare` does everything that can refuse before anything is built or
committed (the repository, uncommitted changes to the files, the forge, the token, the base
branch); :meth:`Publication.commit` commits the migrated files on the bot branch with git
plumbing (the working tree, the index and HEAD stay as they are) and pushes it, and
:meth:`Publication.open_pull_request` opens or updates the pull request. Each returns what it
did: the command line prints it as it goes, ``bulk`` records it.

Credentials (issue 14): :class:`PublishOptions` refuses a ``--forge-url`` with user information
(the token comes from the environment; urllib would never have sent the password anyway), so
it can never be printed or recorded in ``bulk``'s state; a remote URL is shown redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from refactor.app.config import load_config
from refactor.app.forge import (
    Forge,
    ForgeClient,
    ForgeError,
    PullRequest,
    check_api_url,
    check_label,
    deadline_from_env,
    detect_forge,
    token_from_env,
)
from refactor.app.output import Failure
from refactor.app.redact import redact
from refactor.app.report import FileResult, commit_message, pr_body

if TYPE_CHECKING:  # the git layer loads when a command publishes (start-up time)
    from refactor.app.gitops import BranchUpdate, Workspace

__all__ = ["PR_TITLE", "Publication", "PublishOptions"]

PR_TITLE = "Migrate Dockerfiles to multi-stage builds"


@dataclass(frozen=True)
class PublishOptions:
    """Where the result goes: the bot branch (``None``: not publishing; ``""``: the default
    name), the remote to push to, and the pull request's forge and the labels it is opened
    with."""

    branch: str | None = None
    remote: str | None = None
    open_pr: bool = False
    forge: str | None = None
    forge_url: str | None = None
    project: str | None = None
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            if self.forge_url is not None:
                check_api_url(self.forge_url)
            for label in self.labels:
                check_label(label)
        except ForgeError as exc:
            raise Failure(str(exc)) from None

    @property
    def publishing(self) -> bool:
        return self.branch is not None or bool(self.remote) or self.open_pr


def _forge(options: PublishOptions, remote_url: str) -> Forge:
    detected = detect_forge(remote_url)
    kind = options.forge or (detected.kind if detected else None)
    if kind is None:
        raise Failure(
            f"cannot tell the forge from the remote URL {redact(remote_url)!r}; "
            "use --forge, --forge-url and --repo"
        )
    same = detected is not None and detected.kind == kind
    api = options.forge_url or (detected.api_url if same and detected else None)
    if api is None:
        api = "https://api.github.com" if kind == "github" else "https://gitlab.com"
    project = options.project or (detected.project if detected else None)
    if not project or "/" not in project:
        raise Failure("cannot tell the project from the remote URL; use --repo OWNER/NAME")
    return Forge(kind, api, project)


@dataclass
class Publication:
    """A checked plan for --branch/--push/--open-pr: what to commit where."""

    workspace: Workspace
    branch: str
    files: dict[Path, str]
    remote: str | None
    pull_request: tuple[ForgeClient, str] | None  # client and base branch
    labels: tuple[str, ...] = ()
    existing: int | None = None  # the open request found by find_pull_request()
    looked: bool = False  # whether find_pull_request() asked the forge

    @classmethod
    def prepare(cls, changed: Sequence[FileResult], options: PublishOptions) -> Publication:
        """Everything that can refuse without building or committing: the repository, dirty
        files, the forge, the token and the base branch."""
        from refactor.app.gitops import Workspace

        first = changed[0].real
        assert first is not None
        workspace = Workspace(first.parent)
        files = cls.files_of(changed)
        workspace.check_committed(list(files))
        pull_request = None
        if options.open_pr:
            assert options.remote is not None
            forge = _forge(options, workspace.remote_url(options.remote))
            base = workspace.current_branch()
            if base is None:
                raise Failure(
                    "cannot open a pull request from a detached HEAD: check out the base branch"
                )
            token = token_from_env(forge.kind)
            client = ForgeClient(forge, token, deadline=deadline_from_env())
            pull_request = (client, base)
        branch = options.branch or load_config(first.parent).default_branch
        return cls(workspace, branch, files, options.remote, pull_request, options.labels)

    @staticmethod
    def files_of(changed: Sequence[FileResult]) -> dict[Path, str]:
        """What the branch holds for ``changed``: each migrated Dockerfile and extra file (set
        again after ``--verify``'s back-off, which may keep other attempts or fewer files)."""
        files: dict[Path, str] = {}
        for result in changed:
            assert result.report is not None and result.real is not None
            if result.report.output != result.report.original:
                files[result.real] = result.report.output
            files.update(result.extra)
        return files

    def commit(self, results: Sequence[FileResult]) -> BranchUpdate:
        """Commit the files on the branch (on top of HEAD) and push it when asked."""
        return self.workspace.publish(self.branch, self.files, commit_message(results), self.remote)

    def find_pull_request(self) -> int | None:
        """The number of the open pull request from the branch (None: none, or not asked to
        open one); asked once, before :meth:`commit` when ``bulk --pr-limit`` needs to know
        whether a new one would be opened."""
        if self.pull_request is not None and not self.looked:
            self.existing = self.pull_request[0].find(self.branch)
            self.looked = True
        return self.existing

    def open_pull_request(self, results: Sequence[FileResult]) -> PullRequest | None:
        """Open (with the labels) or update the pull request when asked (after
        :meth:`commit`)."""
        if self.pull_request is None:
            return None
        client, base = self.pull_request
        body = pr_body(results, self.branch, base)
        number = self.find_pull_request()
        if number is not None:
            return client.update(number, PR_TITLE, body)
        return client.open(self.branch, base, PR_TITLE, body, self.labels)
