"""Opening (or updating) the pull request of the migration branch on GitHub or GitLab.

REST over :mod:`urllib`. GitHub: ``GET /repos/{owner}/{repo}/pulls?head={owner}:{branch}&
state=open``, then ``PATCH /repos/{owner}/{repo}/pulls/{number}`` {title, body} or ``POST
/repos/{owner}/{repo}/pulls`` {title, head, base, body}. GitLab: ``GET /api/v4/projects/{id}/
merge_requests?source_branch=…&state=opened``, then ``PUT …/merge_requests/{iid}`` or ``POST
…/merge_requests``. So a rerun updates the open request and never opens a second one.

403 and 429 answers are retried after ``Retry-After`` (or the rate-limit reset), a bounded
number of times. The token never appears in a message: it is scrubbed from every error text.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from refactor.errors import MsbError

__all__ = [
    "FORGES",
    "Forge",
    "ForgeClient",
    "ForgeError",
    "PullRequest",
    "detect_forge",
    "token_from_env",
]

FORGES = ("github", "gitlab")
TOKEN_VARIABLES = {"github": ("GITHUB_TOKEN", "GH_TOKEN"), "gitlab": ("GITLAB_TOKEN",)}
GITHUB_API = "https://api.github.com"
USER_AGENT = "msb-migrate"
MAX_RETRIES = 3
MAX_WAIT = 60.0

_SCP_URL = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")


class ForgeError(MsbError):
    """A forge request that failed (the message never holds the token)."""


@dataclass(frozen=True)
class Forge:
    """Where to open the request: ``kind`` github|gitlab, API root and project path."""

    kind: str
    api_url: str
    project: str  # owner/name (GitLab: group/subgroup/name)


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    created: bool


def detect_forge(remote_url: str) -> Forge | None:
    """The forge of a git remote URL (github.com, or a host whose name starts with gitlab)."""
    parsed = urllib.parse.urlsplit(remote_url)
    if parsed.scheme and parsed.hostname:
        host, path = parsed.hostname, parsed.path
    else:
        match = _SCP_URL.match(remote_url)
        if match is None:
            return None
        host, path = match.group("host"), match.group("path")
    project = path.strip("/").removesuffix(".git")
    if project.count("/") < 1:
        return None
    if host == "github.com" or host == "www.github.com":
        return Forge("github", GITHUB_API, project)
    if host.split(".")[0] == "gitlab":
        scheme = parsed.scheme if parsed.scheme in ("http", "https") else "https"
        return Forge("gitlab", f"{scheme}://{host}", project)
    return None


def token_from_env(kind: str, env: Mapping[str, str] = os.environ) -> str:
    for name in TOKEN_VARIABLES[kind]:
        if env.get(name):
            return env[name]
    raise ForgeError(f"no {kind} token: set {' or '.join(TOKEN_VARIABLES[kind])}")


def _retry_after(headers: Any, attempt: int, status: int) -> float | None:
    """Seconds to wait before retrying a 403/429 answer, or None when it is not a rate limit."""
    value = headers.get("Retry-After")
    if value:
        if value.strip().isdigit():
            return float(value.strip())
        import email.utils  # with the HTTP client: only when a forge is called

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    if headers.get("X-RateLimit-Remaining") == "0" and headers.get("X-RateLimit-Reset"):
        try:
            return max(0.0, float(headers["X-RateLimit-Reset"]) - time.time())
        except ValueError:
            return None
    return float(2**attempt) if status == 429 else None


class ForgeClient:
    """A small REST client for one project on GitHub or GitLab."""

    def __init__(
        self,
        forge: Forge,
        token: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_WAIT,
    ) -> None:
        if forge.kind not in FORGES:
            raise ForgeError(f"unknown forge {forge.kind!r} (github or gitlab)")
        self.forge = forge
        self._token = token
        self._sleep = sleep
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.forge.kind == "github":
            headers["Accept"] = "application/vnd.github+json"
            headers["Authorization"] = f"Bearer {self._token}"
            headers["X-GitHub-Api-Version"] = "2022-11-28"
        else:
            headers["PRIVATE-TOKEN"] = self._token
        return headers

    def request(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one request (retrying rate limits) and return the decoded JSON answer."""
        # Imported here, not with the module: the HTTP client (ssl, http, hashlib) is ≈25 ms of
        # start-up that every run would pay and only --open-pr uses.
        import urllib.error
        import urllib.request

        url = self.forge.api_url.rstrip("/") + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None
        headers = self._headers()
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            req = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    raw = resp.read()
                return json.loads(raw) if raw else None
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode("utf-8", "replace")[:300]
                wait = (
                    _retry_after(exc.headers, attempt, exc.code) if exc.code in (403, 429) else None
                )
                if wait is not None and attempt < self.max_retries and wait <= self.max_wait:
                    self._sleep(wait)
                    attempt += 1
                    continue
                limited = " (rate limited)" if wait is not None else ""
                raise ForgeError(
                    self._scrub(f"{method} {url} failed: HTTP {exc.code}{limited}: {detail}")
                ) from None
            except (urllib.error.URLError, OSError, ValueError) as exc:
                raise ForgeError(self._scrub(f"{method} {url} failed: {exc}")) from None

    def open_or_update(self, branch: str, base: str, title: str, body: str) -> PullRequest:
        """Update the open request from ``branch``, or open one into ``base``."""
        if self.forge.kind == "github":
            return self._github(branch, base, title, body)
        return self._gitlab(branch, base, title, body)

    def _github(self, branch: str, base: str, title: str, body: str) -> PullRequest:
        owner, _, name = self.forge.project.partition("/")
        root = f"/repos/{urllib.parse.quote(owner)}/{urllib.parse.quote(name)}/pulls"
        found = self.request("GET", root, {"head": f"{owner}:{branch}", "state": "open"})
        for pr in found or []:
            if pr.get("head", {}).get("ref") == branch:
                update = {"title": title, "body": body}
                done = self.request("PATCH", f"{root}/{pr['number']}", body=update)
                return PullRequest(int(done["number"]), str(done["html_url"]), False)
        made = self.request(
            "POST", root, body={"title": title, "head": branch, "base": base, "body": body}
        )
        return PullRequest(int(made["number"]), str(made["html_url"]), True)

    def _gitlab(self, branch: str, base: str, title: str, body: str) -> PullRequest:
        root = f"/api/v4/projects/{urllib.parse.quote(self.forge.project, safe='')}/merge_requests"
        found = self.request("GET", root, {"source_branch": branch, "state": "opened"})
        for mr in found or []:
            if mr.get("source_branch") == branch:
                done = self.request(
                    "PUT", f"{root}/{mr['iid']}", body={"title": title, "description": body}
                )
                return PullRequest(int(done["iid"]), str(done["web_url"]), False)
        made = self.request(
            "POST",
            root,
            body={
                "source_branch": branch,
                "target_branch": base,
                "title": title,
                "description": body,
            },
        )
        return PullRequest(int(made["iid"]), str(made["web_url"]), True)
