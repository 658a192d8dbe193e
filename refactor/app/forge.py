"""Opening (or updating) the pull request of the migration branch on GitHub or GitLab.

REST over :mod:`urllib`. GitHub: ``GET /repos/{owner}/{repo}/pulls?head={owner}:{branch}&
state=open``, then ``PATCH /repos/{owner}/{repo}/pulls/{number}`` {title, body} or ``POST
/repos/{owner}/{repo}/pulls`` {title, head, base, body}, and for ``--label`` ``POST
/repos/{owner}/{repo}/issues/{number}/labels`` {labels} (a pull request is an issue; its create
call takes no labels). GitLab: ``GET /api/v4/projects/{id}/merge_requests?source_branch=…&
state=opened``, then ``PUT …/merge_requests/{iid}`` or ``POST …/merge_requests`` (with
``labels``, comma-separated). So a rerun updates the open request and never opens a second one.
Labels are given when the request is opened, never on an update: a label a reviewer removed
stays removed.

403 and 429 answers are retried after ``Retry-After`` (or the rate-limit reset), a bounded
number of times.

The forge is not trusted (issue 14); what holds whatever it answers:

- The token. It is read from the environment with its surrounding whitespace stripped (a
  Kubernetes secret or a file keeps its line ending); a token holding any other character than
  printable ASCII is refused, naming the variable and the character's position, never the
  token. It is registered with :mod:`refactor.app.redact`, and every message of this module
  passes through :func:`~refactor.app.redact.redact` (no header value is ever put into a
  message). An error answer's text is redacted before it is cut to :data:`DETAIL` characters,
  and flattened to one line of printable characters.
- Redirects. Only same-origin redirects are followed (a renamed repository: GitHub answers 301
  to a GET, 307 to a POST), at most :data:`MAX_REDIRECTS`: 301/302/303 only for GET (they would
  turn a POST into a GET), 307/308 for any method with its body. A redirect to another origin
  (scheme, host or port) is refused, so the ``Authorization`` / ``PRIVATE-TOKEN`` header never
  leaves the forge's origin.
- Time and size. Each request (connection, TLS, headers, body, each redirect counting as a
  request) has an overall deadline, :data:`DEADLINE` seconds or ``MSB_FORGE_TIMEOUT``: a watchdog
  shuts the connection down when it passes, so a slow drip ends. Each socket operation also
  times out after ``min(READ_TIMEOUT, deadline)``. An answer larger than :data:`MAX_BODY` is
  refused (by its Content-Length, or once that much is read); of an error answer the first
  :data:`MAX_ERROR_BODY` bytes are read.
- Shapes. Every answer is checked before use (a list of objects, positive integer numbers,
  string branch names, an http(s) URL without spaces or control characters); anything else is
  a :class:`ForgeError` naming the request and what was wrong. So every forge failure is one
  ``msb-migrate: error:`` line with exit status 2, never a traceback.
- The API root (``--forge-url``) must be an http(s) URL without user information:
  :func:`check_api_url` refuses credentials in it (the token comes from the environment).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from refactor.app.redact import add_secret, redact
from refactor.errors import MsbError

if TYPE_CHECKING:  # the HTTP client loads when a forge is called (start-up time)
    import http.client

__all__ = [
    "DEADLINE",
    "DEADLINE_VARIABLE",
    "FORGES",
    "MAX_BODY",
    "Forge",
    "ForgeClient",
    "ForgeError",
    "PullRequest",
    "check_api_url",
    "check_label",
    "deadline_from_env",
    "detect_forge",
    "token_from_env",
]

FORGES = ("github", "gitlab")
TOKEN_VARIABLES = {"github": ("GITHUB_TOKEN", "GH_TOKEN"), "gitlab": ("GITLAB_TOKEN",)}
GITHUB_API = "https://api.github.com"
USER_AGENT = "msb-migrate"
MAX_RETRIES = 3
MAX_WAIT = 60.0
DEADLINE = 60.0  # seconds for one whole request
DEADLINE_VARIABLE = "MSB_FORGE_TIMEOUT"
READ_TIMEOUT = 30.0  # seconds for one socket operation
MAX_BODY = 10 * 1024 * 1024  # bytes of an answer
MAX_ERROR_BODY = 64 * 1024  # bytes of an error answer read (its text is shown cut)
DETAIL = 300  # characters of an error answer shown
MAX_REDIRECTS = 5
MAX_URL = 2000  # characters of a pull request URL

_SCP_URL = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


class ForgeError(MsbError):
    """A forge request that failed (the message never holds the token)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


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
    labels: tuple[str, ...] = ()  # given when it was opened (by this run)


MAX_LABEL = 50  # characters of a label name (GitHub's limit)


def check_label(name: str) -> str:
    """``name`` when it can be a label on both forges: 1 to :data:`MAX_LABEL` printable
    characters, no comma (GitLab's separator), no surrounding space."""
    if not name or name != name.strip() or len(name) > MAX_LABEL:
        raise ForgeError(f"label {name!r}: 1 to {MAX_LABEL} characters, no surrounding spaces")
    if "," in name or not name.isprintable():
        raise ForgeError(f"label {name!r}: no comma or control character (GitLab separator)")
    return name


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


def check_api_url(url: str, option: str = "--forge-url") -> str:
    """``url`` when it can be a forge's API root: http(s), a host, no user information."""
    try:
        parsed = urllib.parse.urlsplit(url)
        parsed.port  # noqa: B018 -- raises ValueError for a port that is no number
    except ValueError:
        raise ForgeError(f"{option} {url!r} is not a valid URL") from None
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        raise ForgeError(f"{option} {url!r} is not an http:// or https:// URL")
    if "@" in parsed.netloc:
        raise ForgeError(
            f"{option} {url!r} holds credentials; give the token in "
            f"{', '.join(n for names in TOKEN_VARIABLES.values() for n in names)} instead"
        )
    if any(not c.isprintable() or c.isspace() for c in url):
        raise ForgeError(f"{option} {url!r} holds a space or a control character")
    return url


def token_from_env(kind: str, env: Mapping[str, str] = os.environ) -> str:
    """The token of ``kind`` from the first of its variables that is set (surrounding
    whitespace stripped); refused, unseen, when it holds a character no token holds."""
    for name in TOKEN_VARIABLES[kind]:
        token = env.get(name, "").strip()
        if not token:
            continue
        for position, char in enumerate(token, 1):
            if not "!" <= char <= "~":
                what = f"U+{ord(char):04X}" if not char.isprintable() or char.isspace() else "a"
                raise ForgeError(
                    f"{name} holds a character no token holds ({what} character at position "
                    f"{position}; a token is printable ASCII); the token is not shown"
                )
        add_secret(token)
        return token
    raise ForgeError(f"no {kind} token: set {' or '.join(TOKEN_VARIABLES[kind])}")


def deadline_from_env(env: Mapping[str, str] = os.environ) -> float:
    """Seconds one forge request may take: ``MSB_FORGE_TIMEOUT``, else :data:`DEADLINE`."""
    value = env.get(DEADLINE_VARIABLE, "").strip()
    if not value:
        return DEADLINE
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise ForgeError(f"{DEADLINE_VARIABLE} must be a number of seconds, 0 < s <= 3600")
    return seconds


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


# -- one HTTP exchange: a deadline, a size cap, no redirect followed ------------------------------


class _Deadline:
    """A watchdog: when ``seconds`` have passed, every connection it watches is shut down (a
    blocked read returns at once). Watches a duplicate of each socket's descriptor, so TLS
    wrapping (which detaches the original socket object) does not hide it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def watch(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            twin = sock.dup()
            self._sockets.append(twin)
            if self.expired:
                _shut(twin)
        return sock

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _opener(deadline: _Deadline) -> Any:
    """A urllib opener (proxies from the environment as usual) whose connections the deadline
    watches, that hands back every answer as it is: redirects are the client's to judge."""
    import http.client
    import urllib.request

    def watched(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        class Connection(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                create: Callable[..., socket.socket] = socket.create_connection

                def connect(*a: Any, **k: Any) -> socket.socket:
                    return deadline.watch(create(*a, **k))

                self._create_connection = connect

        return Connection

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(watched(http.client.HTTPConnection), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            # no context given: http.client's default (certificates and host names checked)
            return self.do_open(watched(http.client.HTTPSConnection), req)

    class EveryAnswer(urllib.request.HTTPErrorProcessor):
        def http_response(self, request: Any, response: Any) -> Any:
            return response

        https_response = http_response

    return urllib.request.build_opener(HTTP(), HTTPS(), EveryAnswer())


class _TooLarge(Exception):
    pass


def _read(response: http.client.HTTPResponse, limit: int, *, cut: bool) -> bytes:
    """The body, at most ``limit`` bytes: longer is :class:`_TooLarge` (or cut when ``cut``)."""
    length = response.headers.get("Content-Length", "").strip()
    if not cut and length.isdigit() and int(length) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = response.read1(_CHUNK)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit and not cut:
        raise _TooLarge
    return b"".join(chunks)[:limit]


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: Any  # email.message.Message
    body: bytes


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    try:
        port = parsed.port
    except ValueError:
        port = -1
    return scheme, (parsed.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def _origin_text(url: str) -> str:
    scheme, host, port = _origin(url)
    return _one_line(f"{scheme}://{host}:{port}")[:200]


def _one_line(text: str) -> str:
    """``text`` on one line of printable characters (a forge's text reaches a terminal)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _detail(body: bytes) -> str:
    """What an error answer says: its JSON ``message`` (GitHub, GitLab) or its text, redacted,
    then on one line, then cut."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        text = data["message"]
    text = _one_line(redact(text))
    return text if len(text) <= DETAIL else text[:DETAIL] + "…"


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


class ForgeClient:
    """A small REST client for one project on GitHub or GitLab."""

    def __init__(
        self,
        forge: Forge,
        token: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = READ_TIMEOUT,
        deadline: float = DEADLINE,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_WAIT,
    ) -> None:
        if forge.kind not in FORGES:
            raise ForgeError(f"unknown forge {forge.kind!r} (github or gitlab)")
        check_api_url(forge.api_url)
        self.forge = forge
        self._token = token
        add_secret(token)
        self._sleep = sleep
        self.timeout = timeout
        self.deadline = deadline
        self.max_retries = max_retries
        self.max_wait = max_wait

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.forge.kind == "github":
            headers["Accept"] = "application/vnd.github+json"
            headers["Authorization"] = f"Bearer {self._token}"
            headers["X-GitHub-Api-Version"] = "2022-11-28"
        else:
            headers["PRIVATE-TOKEN"] = self._token
        return headers

    def _error(self, where: str, problem: str) -> ForgeError:
        return ForgeError(redact(f"{where} failed: {problem}", (self._token,)))

    def _exchange(self, method: str, url: str, data: bytes | None) -> _Answer:
        """One request and its answer (whatever the status), within the deadline."""
        import http.client
        import urllib.error
        import urllib.request

        where = f"{method} {url}"
        req = urllib.request.Request(url, data=data, headers=self._headers(), method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        deadline = _Deadline(self.deadline)
        try:
            with (
                deadline,
                _opener(deadline).open(req, timeout=min(self.timeout, self.deadline)) as response,
            ):
                error = response.status >= 300
                limit = MAX_ERROR_BODY if error else MAX_BODY
                body = _read(response, limit, cut=error)
                answer = _Answer(response.status, response.headers, body)
        except _TooLarge:
            raise self._error(
                where, f"unexpected answer: larger than {MAX_BODY // 1024 // 1024} MiB"
            ) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            if deadline.expired:
                raise self._timeout(where) from None
            raise self._error(where, _describe(exc)) from None
        if deadline.expired:
            raise self._timeout(where)
        return answer

    def _timeout(self, where: str) -> ForgeError:
        return self._error(
            where, f"no complete answer within {self.deadline:g} s ({DEADLINE_VARIABLE})"
        )

    def request(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one request (retrying rate limits, following same-origin redirects) and return
        the decoded JSON answer."""
        return self._call(method, path, query, body)[1]

    def _call(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[str, Any]:
        """The request as messages name it, and its decoded JSON answer."""
        url = self.forge.api_url.rstrip("/") + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        where = f"{method} {url}"
        data = None if body is None else json.dumps(body).encode("utf-8")
        attempt = redirects = 0
        while True:
            answer = self._exchange(method, url, data)
            if answer.status in _REDIRECTS:
                url = self._redirect(where, method, url, answer, redirects)
                redirects += 1
                continue
            if answer.status >= 300:
                status = answer.status
                wait = (
                    _retry_after(answer.headers, attempt, status) if status in (403, 429) else None
                )
                if wait is not None and attempt < self.max_retries and wait <= self.max_wait:
                    self._sleep(wait)
                    attempt += 1
                    continue
                limited = " (rate limited)" if wait is not None else ""
                raise self._error(where, f"HTTP {status}{limited}: {_detail(answer.body)}")
            if not answer.body.strip():
                raise self._error(where, "unexpected answer: empty, not JSON")
            try:
                return where, json.loads(answer.body)
            except ValueError:
                kind = _one_line(answer.headers.get("Content-Type", "no type"))[:60]
                raise self._error(where, f"unexpected answer: not JSON ({kind})") from None

    def _redirect(self, where: str, method: str, url: str, answer: _Answer, count: int) -> str:
        """Where a redirect leads, when it may be followed: see the module's documentation."""
        status = answer.status
        location: str = (answer.headers.get("Location") or "").strip()
        try:
            target = urllib.parse.urljoin(url, location)
            elsewhere = _origin_text(target) if location else "nowhere"
        except ValueError:
            target, elsewhere = "", "an invalid URL"
        if not location or not target or _origin(target) != _origin(url):
            raise self._error(
                where,
                f"HTTP {status}, a redirect to another origin ({elsewhere}): not "
                "followed (the request carries the token)",
            )
        if status not in (307, 308) and method not in ("GET", "HEAD"):
            raise self._error(
                where,
                f"HTTP {status}, a redirect that would turn the {method} into a GET: not followed",
            )
        if count >= MAX_REDIRECTS:
            raise self._error(where, f"too many redirects (more than {MAX_REDIRECTS})")
        return target

    # -- answers checked before use ----------------------------------------------------------------

    def _list(self, where: str, value: Any, what: str) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise self._error(where, f"unexpected answer: {_kind(value)}, not a list of {what}")
        for item in value:
            if not isinstance(item, dict):
                raise self._error(
                    where, f"unexpected answer: a list holding {_kind(item)}, not an object"
                )
        return value

    def _object(self, where: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self._error(where, f"unexpected answer: {_kind(value)}, not an object")
        return value

    def _number(self, where: str, item: Mapping[str, Any], key: str) -> int:
        value = item.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**53:
            raise self._error(
                where, f"unexpected answer: {key!r} is {_kind(value)}, not a positive number"
            )
        return value

    def _text(self, where: str, item: Mapping[str, Any], *keys: str) -> str:
        value: Any = item
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str):
            name = ".".join(keys)
            raise self._error(where, f"unexpected answer: {name!r} is {_kind(value)}, not a string")
        return value

    def _url(self, where: str, item: Mapping[str, Any], key: str) -> str:
        value = self._text(where, item, key)
        scheme = urllib.parse.urlsplit(value).scheme.lower() if value.isprintable() else ""
        if (
            scheme not in ("http", "https")
            or len(value) > MAX_URL
            or any(c.isspace() or not c.isprintable() for c in value)
        ):
            raise self._error(
                where, f"unexpected answer: {key!r} is not an http(s) URL without spaces"
            )
        return value

    def open_or_update(
        self, branch: str, base: str, title: str, body: str, labels: Sequence[str] = ()
    ) -> PullRequest:
        """Update the open request from ``branch``, or open one into ``base`` (labelled)."""
        number = self.find(branch)
        if number is not None:
            return self.update(number, title, body)
        return self.open(branch, base, title, body, labels)

    def _pull(self, answer: tuple[str, Any], number: str, url: str, created: bool) -> PullRequest:
        where, value = answer
        item = self._object(where, value)
        return PullRequest(self._number(where, item, number), self._url(where, item, url), created)

    def _github_root(self) -> tuple[str, str]:
        owner, _, name = self.forge.project.partition("/")
        return owner, f"/repos/{urllib.parse.quote(owner)}/{urllib.parse.quote(name)}"

    def _gitlab_root(self) -> str:
        return f"/api/v4/projects/{urllib.parse.quote(self.forge.project, safe='')}/merge_requests"

    def find(self, branch: str) -> int | None:
        """The number (GitLab: iid) of the open request from ``branch``, or None."""
        if self.forge.kind == "github":
            owner, root = self._github_root()
            query = {"head": f"{owner}:{branch}", "state": "open"}
            where, found = self._call("GET", f"{root}/pulls", query)
            for pr in self._list(where, found, "pull requests"):
                if self._text(where, pr, "head", "ref") == branch:
                    return self._number(where, pr, "number")
            return None
        query = {"source_branch": branch, "state": "opened"}
        where, found = self._call("GET", self._gitlab_root(), query)
        for mr in self._list(where, found, "merge requests"):
            if self._text(where, mr, "source_branch") == branch:
                return self._number(where, mr, "iid")
        return None

    def update(self, number: int, title: str, body: str) -> PullRequest:
        """Set the title and body of the open request ``number`` (its labels are left alone)."""
        if self.forge.kind == "github":
            path = f"{self._github_root()[1]}/pulls/{number}"
            done = self._call("PATCH", path, body={"title": title, "body": body})
            return self._pull(done, "number", "html_url", False)
        path = f"{self._gitlab_root()}/{number}"
        done = self._call("PUT", path, body={"title": title, "description": body})
        return self._pull(done, "iid", "web_url", False)

    def open(
        self, branch: str, base: str, title: str, body: str, labels: Sequence[str] = ()
    ) -> PullRequest:
        """Open the request from ``branch`` into ``base`` with ``labels``."""
        labels = tuple(dict.fromkeys(check_label(label) for label in labels))
        if self.forge.kind == "github":
            root = self._github_root()[1]
            new = {"title": title, "head": branch, "base": base, "body": body}
            pull = self._pull(
                self._call("POST", f"{root}/pulls", body=new), "number", "html_url", True
            )
            if labels:
                path = f"{root}/issues/{pull.number}/labels"
                where, answer = self._call("POST", path, body={"labels": list(labels)})
                names = {
                    self._text(where, item, "name") for item in self._list(where, answer, "labels")
                }
                missing = [label for label in labels if label not in names]
                if missing:
                    raise self._error(where, f"unexpected answer: the labels lack {missing[0]!r}")
            return dataclasses.replace(pull, labels=labels)
        request: dict[str, Any] = {
            "source_branch": branch,
            "target_branch": base,
            "title": title,
            "description": body,
        }
        if labels:
            request["labels"] = ",".join(labels)
        pull = self._pull(
            self._call("POST", self._gitlab_root(), body=request), "iid", "web_url", True
        )
        return dataclasses.replace(pull, labels=labels)


def _describe(exc: BaseException) -> str:
    """What went wrong, never with a header value (http.client puts it in its ValueError)."""
    import urllib.error

    if isinstance(exc, urllib.error.URLError):
        return f"cannot reach the forge: {exc.reason}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ValueError) and "header" in str(exc).lower():
        return "a request header holds a character HTTP forbids (not shown)"
    return _one_line(str(exc)) or type(exc).__name__
