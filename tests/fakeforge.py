"""A fake GitHub / GitLab REST server on 127.0.0.1 for the pull request tests.

It accepts only what the real APIs document for the calls msb-migrate makes, and answers
anything else with a 4xx (recorded in ``rejected``):

GitHub (https://docs.github.com/en/rest/pulls/pulls): headers ``Accept:
application/vnd.github+json``, ``Authorization: Bearer <token>``, ``X-GitHub-Api-Version:
2022-11-28`` and a ``User-Agent``; ``GET /repos/{owner}/{repo}/pulls?head={owner}:{branch}&
state=open``; ``POST /repos/{owner}/{repo}/pulls`` {title, head, base[, body]} (422 when an open
pull request from that head exists); ``PATCH /repos/{owner}/{repo}/pulls/{number}``
{title, body}; ``POST /repos/{owner}/{repo}/issues/{number}/labels`` {labels: [names]}
(https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue: adds to the issue's
labels and answers 200 with all of them, as label objects; 404 for no such issue, 422 for a
body that is not a list of names).

GitLab (https://docs.gitlab.com/ee/api/merge_requests.html): header ``PRIVATE-TOKEN``; project
ids URL-encoded (``group%2Fname``); ``GET /api/v4/projects/{id}/merge_requests?source_branch=…&
state=opened``; ``POST …/merge_requests`` {source_branch, target_branch, title[, description]}
(409 for a second open request from the branch; ``labels`` a comma-separated string, answered
as a list of names); ``PUT …/merge_requests/{iid}``.

``fail_next`` queues answers (status, headers, body) served before the real handling, to test
rate limits and error paths.

``misbehave`` queues hostile answers (:class:`Misbehave`, each served once, to the next request
with its method): any status and headers (redirects to another origin), any bytes as the body
(bad JSON shapes, a token echoed in escaped forms), a body sent many times over (a huge answer
the fake never holds whole), with or without ``Content-Length``, and an answer sent a byte at a
time with a pause between bytes (a slow drip, from the status line or from the body). A drip
stops when the fake shuts down or the client hangs up.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from gitcli import isolate_git

GITHUB_POST_KEYS = {"title", "head", "base", "body", "draft", "maintainer_can_modify", "issue"}
GITHUB_PATCH_KEYS = {"title", "body", "state", "base", "maintainer_can_modify"}
GITLAB_POST_KEYS = {
    "source_branch",
    "target_branch",
    "title",
    "description",
    "assignee_id",
    "labels",
    "remove_source_branch",
    "squash",
}
GITLAB_PUT_KEYS = {
    "title",
    "description",
    "target_branch",
    "state_event",
    "labels",
    "add_labels",
    "remove_labels",
}


def isolate_forge_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A test's environment for talking to a local fake forge: no proxy, no forge token from
    the machine, git configured by a file of its own (returned) and no system configuration."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    config = isolate_git(monkeypatch, tmp_path)
    return config


@dataclass
class Request:
    method: str
    path: str  # raw, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Misbehave:
    """One hostile answer, served instead of the real handling."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    method: str | None = None  # answer the next request with this method (None: any)
    repeat: int = 1  # the body is sent this many times over
    length: bool = True  # send Content-Length (False: the body ends when the connection closes)
    drip: float = 0.0  # seconds between the bytes of the answer
    drip_head: bool = False  # drip from the status line on (False: the body only)

    @classmethod
    def json(cls, payload: Any, status: int = 200, method: str | None = None) -> Misbehave:
        return cls(
            status, {"Content-Type": "application/json"}, json.dumps(payload).encode(), method
        )

    @classmethod
    def redirect(cls, status: int, location: str, method: str | None = None) -> Misbehave:
        return cls(status, {"Location": location}, b"", method)


class Rejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class FakeForge:
    kind: str  # github | gitlab
    token: str
    project: str = "acme/app"
    projects: tuple[str, ...] = ()  # more GitHub repositories served (bulk: one per origin)
    requests: list[Request] = field(default_factory=list)
    rejected: list[tuple[Request, int, str]] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    misbehave: list[Misbehave] = field(default_factory=list)

    def __post_init__(self) -> None:
        forge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def _handle(self) -> None:
                forge.serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeForge:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()  # ends the drips
        self.server.shutdown()
        self.server.server_close()

    # -- request handling ---------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        raw_path, _, raw_query = handler.path.partition("?")
        length = int(handler.headers.get("Content-Length") or 0)
        data = handler.rfile.read(length) if length else b""
        request = Request(
            handler.command,
            raw_path,
            urllib.parse.parse_qs(raw_query),
            {k.lower(): v for k, v in handler.headers.items()},
            None,
        )
        self.requests.append(request)
        hostile = next((m for m in self.misbehave if m.method in (None, request.method)), None)
        if hostile is not None:
            self.misbehave.remove(hostile)
            self._misbehave(handler, hostile)
            return
        if self.fail_next:
            status, headers, body = self.fail_next.pop(0)
            self._answer(handler, status, {"message": body}, headers)
            return
        try:
            if data:
                if request.headers.get("content-type", "").split(";")[0] != "application/json":
                    raise Rejected(415, "body must be application/json")
                try:
                    request.body = json.loads(data)
                except ValueError:
                    raise Rejected(400, "Problems parsing JSON") from None
            route = self._github if self.kind == "github" else self._gitlab
            status, payload = route(request)
        except Rejected as exc:
            self.rejected.append((request, exc.status, exc.message))
            self._answer(handler, exc.status, {"message": exc.message})
            return
        self._answer(handler, status, payload)

    @staticmethod
    def _answer(
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _misbehave(self, handler: BaseHTTPRequestHandler, answer: Misbehave) -> None:
        handler.close_connection = True
        lines = [f"HTTP/1.1 {answer.status} Hostile"]
        lines += [f"{key}: {value}" for key, value in answer.headers.items()]
        if answer.length:
            lines.append(f"Content-Length: {len(answer.body) * answer.repeat}")
        lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            if answer.drip:
                dripped = head + answer.body * answer.repeat if answer.drip_head else answer.body
                if not answer.drip_head:
                    handler.wfile.write(head)
                for i in range(len(dripped)):
                    if self.stopping.wait(answer.drip):
                        return
                    handler.wfile.write(dripped[i : i + 1])
                return
            handler.wfile.write(head)
            for _ in range(answer.repeat):
                if self.stopping.is_set():
                    return
                handler.wfile.write(answer.body)
        except OSError:  # the client hung up: what a client that caps its reads does
            return

    @staticmethod
    def _body(request: Request, allowed: set[str], required: set[str]) -> dict[str, Any]:
        body = request.body
        if not isinstance(body, dict):
            raise Rejected(400, "a JSON object body is required")
        unknown = set(body) - allowed
        if unknown:
            raise Rejected(422, f"unexpected fields {sorted(unknown)}")
        missing = required - set(body)
        if missing:
            raise Rejected(422, f"missing fields {sorted(missing)}")
        if not all(isinstance(body[k], str) for k in required):
            raise Rejected(422, "fields must be strings")
        return body

    @staticmethod
    def _query(request: Request, expected: set[str]) -> dict[str, str]:
        if set(request.query) != expected or any(len(v) != 1 for v in request.query.values()):
            raise Rejected(422, f"query must be exactly {sorted(expected)}")
        return {k: v[0] for k, v in request.query.items()}

    def _open_pulls(self, project: str | None = None) -> list[dict[str, Any]]:
        """The open requests (of one GitHub repository when ``project`` is given)."""
        return [
            p
            for p in self.pulls.values()
            if p["state"] in ("open", "opened")
            and (project is None or p["base"]["repo"]["full_name"] == project)
        ]

    # -- GitHub -------------------------------------------------------------------------------

    def _github(self, request: Request) -> tuple[int, Any]:
        h = request.headers
        if h.get("authorization") != f"Bearer {self.token}":
            raise Rejected(401, "Bad credentials")
        if h.get("accept") != "application/vnd.github+json":
            raise Rejected(415, "Accept must be application/vnd.github+json")
        if h.get("x-github-api-version") != "2022-11-28":
            raise Rejected(400, "X-GitHub-Api-Version must be 2022-11-28")
        if not h.get("user-agent"):
            raise Rejected(403, "a User-Agent header is required")
        project = next(
            (p for p in (self.project, *self.projects) if request.path.startswith(f"/repos/{p}/")),
            self.project,
        )
        owner, name = project.split("/")
        issue = f"/repos/{owner}/{name}/issues/"
        labels = re.fullmatch(re.escape(issue) + r"(\d+)/labels", request.path)
        if labels is not None:
            return self._github_labels(request, int(labels.group(1)), project)
        root = f"/repos/{owner}/{name}/pulls"
        match = re.fullmatch(re.escape(root) + r"(?:/(\d+))?", request.path)
        if match is None:
            raise Rejected(404, "Not Found")
        number = match.group(1)
        if number is None and request.method == "GET":
            query = self._query(request, {"head", "state"})
            if query["state"] != "open" or not query["head"].startswith(f"{owner}:"):
                raise Rejected(422, "head must be owner:branch and state open")
            branch = query["head"].split(":", 1)[1]
            return 200, [p for p in self._open_pulls(project) if p["head"]["ref"] == branch]
        if number is None and request.method == "POST":
            body = self._body(request, GITHUB_POST_KEYS, {"title", "head", "base"})
            if any(p["head"]["ref"] == body["head"] for p in self._open_pulls(project)):
                raise Rejected(422, f"A pull request already exists for {owner}:{body['head']}.")
            n = len(self.pulls) + 1
            self.pulls[n] = {
                "number": n,
                "state": "open",
                "title": body["title"],
                "body": body.get("body", ""),
                "head": {"ref": body["head"], "label": f"{owner}:{body['head']}"},
                "base": {"ref": body["base"], "repo": {"full_name": project}},
                "html_url": f"https://github.com/{project}/pull/{n}",
                "labels": [],
            }
            return 201, self.pulls[n]
        if number is not None and request.method == "PATCH":
            pull = self.pulls.get(int(number))
            if pull is None or pull["base"]["repo"]["full_name"] != project:
                raise Rejected(404, "Not Found")
            pull.update(self._body(request, GITHUB_PATCH_KEYS, set()))
            return 200, pull
        raise Rejected(404, "Not Found")

    def _github_labels(self, request: Request, number: int, project: str) -> tuple[int, Any]:
        if request.method != "POST":
            raise Rejected(404, "Not Found")
        pull = self.pulls.get(number)
        if pull is None or pull["base"]["repo"]["full_name"] != project:
            raise Rejected(404, "Not Found")
        body = request.body
        if not isinstance(body, dict) or set(body) != {"labels"}:
            raise Rejected(422, "the body must be {labels: [names]}")
        names = body["labels"]
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise Rejected(422, "labels must be an object with a list of label names")
        have = [label["name"] for label in pull["labels"]]
        for label in names:
            if label not in have:
                have.append(label)
        pull["labels"] = [{"name": n, "color": "ededed", "default": False} for n in have]
        return 200, pull["labels"]

    # -- GitLab -------------------------------------------------------------------------------

    def _gitlab(self, request: Request) -> tuple[int, Any]:
        if request.headers.get("private-token") != self.token:
            raise Rejected(401, "401 Unauthorized")
        project = urllib.parse.quote(self.project, safe="")
        root = f"/api/v4/projects/{project}/merge_requests"
        match = re.fullmatch(re.escape(root) + r"(?:/(\d+))?", request.path)
        if match is None:
            raise Rejected(404, "404 Project Not Found")
        iid = match.group(1)
        if iid is None and request.method == "GET":
            query = self._query(request, {"source_branch", "state"})
            if query["state"] != "opened":
                raise Rejected(400, "state must be opened")
            branch = query["source_branch"]
            return 200, [p for p in self._open_pulls() if p["source_branch"] == branch]
        if iid is None and request.method == "POST":
            body = self._body(
                request, GITLAB_POST_KEYS, {"source_branch", "target_branch", "title"}
            )
            if any(p["source_branch"] == body["source_branch"] for p in self._open_pulls()):
                raise Rejected(409, "Another open merge request already exists for this branch")
            n = len(self.pulls) + 1
            self.pulls[n] = {
                "iid": n,
                "state": "opened",
                "title": body["title"],
                "description": body.get("description", ""),
                "source_branch": body["source_branch"],
                "target_branch": body["target_branch"],
                "web_url": f"https://gitlab.example.com/{self.project}/-/merge_requests/{n}",
                "labels": self._gitlab_labels(body.get("labels", "")),
            }
            return 201, self.pulls[n]
        if iid is not None and request.method == "PUT":
            pull = self.pulls.get(int(iid))
            if pull is None:
                raise Rejected(404, "404 Not found")
            update = self._body(request, GITLAB_PUT_KEYS, set())
            for key in ("labels", "add_labels", "remove_labels"):
                if key in update:
                    names = self._gitlab_labels(update.pop(key))
                    kept = [] if key == "labels" else pull["labels"]
                    if key == "remove_labels":
                        kept, names = [n for n in kept if n not in names], []
                    pull["labels"] = list(dict.fromkeys([*kept, *names]))
            pull.update(update)
            return 200, pull
        raise Rejected(405, "405 Method Not Allowed")

    @staticmethod
    def _gitlab_labels(value: Any) -> list[str]:
        """GitLab's ``labels``: a comma-separated string (an array of strings is also taken)."""
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            names = value
        elif isinstance(value, str):
            names = value.split(",")
        else:
            raise Rejected(400, "labels is invalid")
        return [n.strip() for n in names if n.strip()]
