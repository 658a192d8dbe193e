"""A minimal Language Server Protocol client for the tests: JSON-RPC 2.0 over a server's standard
input and output with ``Content-Length`` framing, written from the specification (no LSP
library), and an applier of the workspace edits a server returns.

Every wait has a deadline (a server that hangs fails the test, never blocks it); the server's
requests to the client (registrations, progress) are answered with ``null``; what the server
prints on standard error is kept for the failure message.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

TIMEOUT = 60.0
_BREAK = re.compile(r"\r\n|\r|\n")


class LspError(AssertionError):
    """The server answered with an error, exited, or did not answer in time."""


class LspClient:
    """One server process and the messages it sent."""

    def __init__(self, argv: Sequence[str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.stderr: list[bytes] = []
        self._next = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    # -- the wire --------------------------------------------------------------------------------

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.inbox.put(json.loads(body.decode("utf-8")))

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _take(self, deadline: float) -> dict[str, Any]:
        """The next message; a request from the server is answered and kept as seen."""
        left = deadline - time.monotonic()
        try:
            message = self.inbox.get(timeout=max(left, 0.01))
        except queue.Empty:
            raise LspError(
                f"no answer from the server in time; its stderr:\n{self._err()}"
            ) from None
        if message is None:
            raise LspError(f"the server exited ({self.proc.poll()}); its stderr:\n{self._err()}")
        if "method" in message and "id" in message:  # a request to the client
            self._send({"id": message["id"], "result": None})
        return message

    def _err(self) -> str:
        return b"".join(self.stderr).decode("utf-8", "replace")[-4000:]

    # -- requests and notifications --------------------------------------------------------------

    def request(self, method: str, params: Any, timeout: float = TIMEOUT) -> Any:
        self._next += 1
        ident = self._next
        self._send({"id": ident, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._take(deadline)
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise LspError(f"{method}: {message['error']}")
                return message.get("result")
            if "method" in message and "id" not in message:
                self.notifications.append(message)

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def wait_for(
        self, method: str, match: Callable[[Any], bool] = lambda _: True, timeout: float = TIMEOUT
    ) -> Any:
        """The params of the first notification ``method`` (not yet taken) that ``match``es."""
        deadline = time.monotonic() + timeout
        while True:
            for i, note in enumerate(self.notifications):
                if note["method"] == method and match(note["params"]):
                    return self.notifications.pop(i)["params"]
            message = self._take(deadline)
            if "method" in message and "id" not in message:
                self.notifications.append(message)

    def initialize(self, root: Path, capabilities: dict[str, Any], options: Any = None) -> Any:
        result = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": capabilities,
                "initializationOptions": options,
            },
        )
        self.notify("initialized", {})
        return result

    def close(self) -> int:
        """Shut the server down as a client does; its exit status."""
        try:
            if self.proc.poll() is None:
                self.request("shutdown", None, timeout=20)
                self.notify("exit", None)
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


# -- applying edits as a client does ---------------------------------------------------------------


def offset(text: str, position: dict[str, int], encoding: str) -> int:
    """The character offset of an LSP position (lines end at LF, CRLF or CR)."""
    starts = [0, *(m.end() for m in _BREAK.finditer(text))]
    start = starts[position["line"]]
    end = starts[position["line"] + 1] if position["line"] + 1 < len(starts) else len(text)
    units = 0
    for i in range(start, end):
        if units >= position["character"]:
            return i
        char = text[i]
        if encoding == "utf-8":
            units += len(char.encode("utf-8"))
        elif encoding == "utf-32":
            units += 1
        else:
            units += 2 if ord(char) > 0xFFFF else 1
    return end


def apply_text_edits(text: str, edits: Sequence[dict[str, Any]], encoding: str) -> str:
    """``edits`` (non-overlapping, positions in ``text``) applied to ``text``."""
    spans = sorted(
        (
            (
                offset(text, e["range"]["start"], encoding),
                offset(text, e["range"]["end"], encoding),
                e["newText"],
            )
            for e in edits
        ),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def path_of(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def apply_workspace_edit(
    edit: dict[str, Any], buffers: dict[str, str], encoding: str
) -> dict[str, str]:
    """The texts by URI after ``edit``: open ``buffers`` first, then files on disk; a file the
    edit creates starts empty (creating one that exists fails, as ``overwrite`` is false)."""
    texts = dict(buffers)

    def current(uri: str) -> str:
        if uri not in texts:
            texts[uri] = path_of(uri).read_text("utf-8")
        return texts[uri]

    for change in edit.get("documentChanges", []):
        if change.get("kind") == "create":
            exists = change["uri"] in texts or path_of(change["uri"]).exists()
            assert not exists or change.get("options", {}).get("ignoreIfExists"), change
            texts[change["uri"]] = ""
        elif "kind" in change:
            raise AssertionError(f"unexpected resource operation {change}")
        else:
            uri = change["textDocument"]["uri"]
            texts[uri] = apply_text_edits(current(uri), change["edits"], encoding)
    for uri, edits in (edit.get("changes") or {}).items():
        texts[uri] = apply_text_edits(current(uri), edits, encoding)
    return texts
