"""``msb-migrate lsp``: the language server, driven over standard input and output by a real
client (tests/lspclient.py, JSON-RPC written from the LSP specification).

What the server says is checked against the command line run on the same files: one
diagnostic per change of ``--format json``; the edits of "apply all" and "apply <codemod>",
applied as a client applies them, give the bytes ``--write`` (``--write -c <codemod>``) writes,
including the ``.dockerignore`` a codemod creates or extends.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lspclient import LspClient, apply_workspace_edit

from refactor.app.cli import main

pytest.importorskip("pygls", reason="the language server needs the 'lsp' extra (pygls)")

APPS = Path(__file__).resolve().parent / "e2e" / "apps"
SERVER = [sys.executable, "-c", "from refactor.app.cli import main; main()", "lsp", "--stdio"]
HINT, INFORMATION, WARNING, ERROR = 4, 3, 2, 1
CAPABILITIES: dict[str, Any] = {
    "workspace": {
        "workspaceEdit": {"documentChanges": True, "resourceOperations": ["create"]},
    },
    "textDocument": {
        "publishDiagnostics": {"versionSupport": True},
        "codeAction": {
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source"]}}
        },
    },
}


def cli(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1, 2), result.output  # 2: a file the CLI refuses too
    return result


def json_report(path: Path, *args: str) -> dict[str, Any]:
    [entry] = json.loads(cli("--format", "json", *args, str(path)).stdout)["files"]
    return entry


def written(app: Path, tmp_path: Path, name: str, *args: str) -> dict[str, str]:
    """What ``msb-migrate --write`` writes in a fresh copy of ``app``: every file's text."""
    copy = tmp_path / name
    shutil.copytree(app, copy)
    cli("--write", *args, str(copy))
    return {
        p.relative_to(copy).as_posix(): p.read_text("utf-8") for p in copy.rglob("*") if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(APPS / "go-http", root)
    return root


class Session:
    """A server, initialised, with helpers for one document."""

    def __init__(self, client: LspClient, encoding: str) -> None:
        self.client = client
        self.encoding = encoding

    def open(self, path: Path, text: str | None = None, version: int = 1) -> list[dict[str, Any]]:
        uri = path.as_uri()
        text = path.read_text("utf-8") if text is None else text
        self.client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "dockerfile",
                    "version": version,
                    "text": text,
                }
            },
        )
        return self.diagnostics(uri, version)

    def change(self, path: Path, text: str, version: int) -> list[dict[str, Any]]:
        uri = path.as_uri()
        self.client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )
        return self.diagnostics(uri, version)

    def diagnostics(self, uri: str, version: int | None) -> list[dict[str, Any]]:
        params = self.client.wait_for(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and p.get("version") == version,
        )
        return list(params["diagnostics"])

    def actions(
        self, path: Path, diagnostics: list[dict[str, Any]], only: list[str] | None = None
    ) -> dict[str, Any]:
        end = {"line": 10_000, "character": 0}
        context: dict[str, Any] = {"diagnostics": diagnostics}
        if only is not None:
            context["only"] = only
        found = self.client.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": path.as_uri()},
                "range": {"start": {"line": 0, "character": 0}, "end": end},
                "context": context,
            },
        )
        return {a["title"]: a for a in found or []}


@pytest.fixture
def start(project: Path) -> Iterator[Any]:
    """Start a server in the project and initialise it (position encoding, options)."""
    clients: list[LspClient] = []

    def started(encoding: str = "utf-16", options: Any = None, edits: bool = True) -> Session:
        client = LspClient(SERVER, cwd=project)
        clients.append(client)
        capabilities = {**CAPABILITIES, "general": {"positionEncodings": [encoding]}}
        if not edits:  # a client that takes only a map of text edits
            capabilities["workspace"] = {"workspaceEdit": {"documentChanges": False}}
        answer = client.initialize(project, capabilities, options)
        assert answer["capabilities"]["positionEncoding"] == encoding
        return Session(client, encoding)

    yield started
    for client in clients:
        assert client.close() == 0, client._err()


@pytest.fixture
def session(start: Any) -> Session:
    return start()  # type: ignore[no-any-return]


def test_diagnostics_are_the_planned_changes(session: Session, project: Path) -> None:
    dockerfile = project / "Dockerfile"
    diagnostics = session.open(dockerfile)
    report = json_report(dockerfile)
    expected = sorted(
        (c["codemod"], f"{c['message']} — {c['reason']}" if c["reason"] else c["message"])
        for c in report["changes"]
    )
    assert expected, "the example must change"
    assert sorted((d["code"], d["message"]) for d in diagnostics) == expected
    assert {d["severity"] for d in diagnostics} == {HINT}
    assert {d["source"] for d in diagnostics} == {"msb-migrate"}
    lines = dockerfile.read_text().splitlines()
    for found in diagnostics:  # each on lines of the file as it is
        start, end = found["range"]["start"], found["range"]["end"]
        assert 0 <= start["line"] <= end["line"] < len(lines)
        assert start["character"] == 0 and end["character"] == len(lines[end["line"]])
    by_message = {d["message"]: d["range"]["start"]["line"] for d in diagnostics}
    cache = next(m for m in by_message if m.startswith("added cache mounts for go (/go/pkg/mod)"))
    assert lines[by_message[cache]] == "RUN go mod download"


def test_apply_all_gives_what_write_writes(session: Session, project: Path, tmp_path: Path) -> None:
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text("utf-8")
    diagnostics = session.open(dockerfile)
    actions = session.actions(dockerfile, diagnostics)
    alone = {
        c: written(project, tmp_path, c, "-c", c)["Dockerfile"]
        for c in {d["code"] for d in diagnostics}
    }
    codemods = {c for c, after in alone.items() if after != text}  # -c c alone changes the file
    assert codemods
    assert set(actions) == {"apply all", *(f"apply {c}" for c in codemods)}
    everything = actions["apply all"]
    assert everything["kind"] == "source.fixAll.msb-migrate"
    [change] = everything["edit"]["documentChanges"]
    assert change["textDocument"] == {"uri": dockerfile.as_uri(), "version": 1}
    texts = apply_workspace_edit(everything["edit"], {dockerfile.as_uri(): text}, session.encoding)
    assert texts[dockerfile.as_uri()] == written(project, tmp_path, "all")["Dockerfile"]
    assert dockerfile.read_text("utf-8") == text  # the server never writes
    for codemod in codemods:
        action = actions[f"apply {codemod}"]
        assert action["kind"] == "quickfix"
        assert {d["code"] for d in action["diagnostics"]} == {codemod}
        applied = apply_workspace_edit(
            action["edit"], {dockerfile.as_uri(): text}, session.encoding
        )
        assert applied[dockerfile.as_uri()] == alone[codemod], codemod
    assert set(session.actions(dockerfile, diagnostics, only=["quickfix"])) == {
        f"apply {c}" for c in codemods
    }
    assert set(session.actions(dockerfile, diagnostics, only=["source.fixAll"])) == {"apply all"}


def test_change_rediagnoses_and_bad_input_is_one_diagnostic(
    session: Session, project: Path
) -> None:
    dockerfile = project / "Dockerfile"
    first = session.open(dockerfile)
    actions = session.actions(dockerfile, first)
    texts = apply_workspace_edit(
        actions["apply all"]["edit"],
        {dockerfile.as_uri(): dockerfile.read_text()},
        session.encoding,
    )
    migrated = texts[dockerfile.as_uri()]
    after = session.change(dockerfile, migrated, 2)
    (project / "migrated.Dockerfile").write_text(migrated)
    assert len(after) == len(json_report(project / "migrated.Dockerfile")["changes"]) < len(first)
    for version, text in (
        (3, "hello world\n"),
        (4, "FROM alpine\nRUN <<EOF\necho unterminated\n"),
        (5, ""),
    ):
        [bad] = session.change(dockerfile, text, version)
        assert bad["severity"] == ERROR
        cli_error = json_report(_scratch(project, text))["error"]
        assert bad["message"].split(": ", 1)[1] == cli_error.split(": ", 1)[1]
        assert session.actions(dockerfile, [bad]) == {}
    again = session.change(dockerfile, dockerfile.read_text(), 6)  # and the server is still there
    assert len(again) == len(first)


def _scratch(project: Path, text: str) -> Path:
    path = project / "scratch.Dockerfile"
    path.write_text(text)
    return path


def test_a_document_that_is_not_a_file(session: Session) -> None:
    uri = "untitled:Untitled-1"
    session.client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "dockerfile",
                "version": 1,
                "text": "FROM golang:1.22\n",
            }
        },
    )
    [only] = session.diagnostics(uri, 1)
    assert only["severity"] == INFORMATION
    assert "save it" in only["message"]


def test_a_client_without_document_changes_gets_a_map_of_edits(
    start: Any, project: Path, tmp_path: Path
) -> None:
    session = start(edits=False)
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text()
    edit = session.actions(dockerfile, session.open(dockerfile))["apply all"]["edit"]
    assert "documentChanges" not in edit and list(edit["changes"]) == [dockerfile.as_uri()]
    texts = apply_workspace_edit(edit, {dockerfile.as_uri(): text}, session.encoding)
    assert texts[dockerfile.as_uri()] == written(project, tmp_path, "map")["Dockerfile"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_positions_with_crlf_and_wide_characters(
    start: Any, project: Path, tmp_path: Path, encoding: str
) -> None:
    _crlf_project(project)
    _check_round_trip(start(encoding), project, tmp_path)


def _crlf_project(project: Path) -> None:
    dockerfile = project / "Dockerfile"
    text = "# 🐳 the café's server — ünïcode\n" + dockerfile.read_text()
    dockerfile.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))


def _check_round_trip(session: Session, project: Path, tmp_path: Path) -> None:
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_bytes().decode("utf-8")
    diagnostics = session.open(dockerfile, text)
    assert diagnostics
    actions = session.actions(dockerfile, diagnostics)
    texts = apply_workspace_edit(
        actions["apply all"]["edit"], {dockerfile.as_uri(): text}, session.encoding
    )
    copy = tmp_path / "crlf"
    shutil.copytree(project, copy)
    cli("--write", str(copy))
    assert texts[dockerfile.as_uri()].encode("utf-8") == (copy / "Dockerfile").read_bytes()
    assert b"\r\n" in (copy / "Dockerfile").read_bytes()


def test_configuration_is_found_from_the_document_folder(session: Session, project: Path) -> None:
    dockerfile = project / "Dockerfile"
    (project / ".msb-migrate.toml").write_text('skip = ["cache-mounts"]\n')
    codes = {d["code"] for d in session.open(dockerfile)}
    assert "cache-mounts" not in codes and codes
    (project / ".msb-migrate.toml").write_text("no-such-key = 1\n")
    session.client.notify("textDocument/didSave", {"textDocument": {"uri": dockerfile.as_uri()}})
    [bad] = session.diagnostics(dockerfile.as_uri(), 1)
    assert bad["severity"] == ERROR
    assert ".msb-migrate.toml: key 'no-such-key': unknown key" in bad["message"]


def test_the_dockerignore_a_codemod_writes_is_in_the_edit(
    session: Session, project: Path, tmp_path: Path
) -> None:
    project = project / "node"  # a folder of the workspace, with its own configuration
    shutil.copytree(APPS / "node-express", project)
    (project / ".msb-migrate.toml").write_text('enable = ["dockerignore"]\n')
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text()
    for existing in (True, False):
        if not existing:
            (project / ".dockerignore").unlink()
        diagnostics = (
            session.change(dockerfile, text, 10) if not existing else session.open(dockerfile)
        )
        assert "dockerignore" in {d["code"] for d in diagnostics}
        edit = session.actions(dockerfile, diagnostics)["apply all"]["edit"]
        kinds = [c.get("kind", "edit") for c in edit["documentChanges"]]
        assert kinds == (["edit", "edit"] if existing else ["edit", "create", "edit"])
        texts = apply_workspace_edit(edit, {dockerfile.as_uri(): text}, session.encoding)
        expected = written(project, tmp_path, f"dockerignore-{existing}")
        assert texts[dockerfile.as_uri()] == expected["Dockerfile"]
        assert texts[(project / ".dockerignore").as_uri()] == expected[".dockerignore"]
        assert (project / ".dockerignore").exists() == existing  # the server never writes


def test_skips_are_information_when_asked(start: Any, project: Path) -> None:
    dockerfile = project / "Dockerfile"
    diagnostics = start(options={"skips": True}).open(dockerfile)
    skips = [d for d in diagnostics if d["severity"] == INFORMATION]
    assert sorted(d["code"] for d in skips) == sorted(
        s["code"] for s in json_report(dockerfile)["skips"]
    )
    assert skips and all(" skipped: " in d["message"] for d in skips)
    assert [d for d in diagnostics if d["severity"] == HINT]


def test_skips_are_not_shown_unless_asked(session: Session, project: Path) -> None:
    assert json_report(project / "Dockerfile")["skips"]
    assert {d["severity"] for d in session.open(project / "Dockerfile")} == {HINT}


def test_lsp_without_pygls_is_one_error_line(tmp_path: Path) -> None:
    blocker = tmp_path / "pygls"
    blocker.mkdir()
    (blocker / "__init__.py").write_text(
        "raise ImportError('blocked for the test', name='pygls')\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(tmp_path)!r}); from refactor.app.cli import main; main()",
            "lsp",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(
        "msb-migrate: error: the language server needs pygls: pip install 'msb-migrate[lsp]'"
    )
    assert len(done.stderr.splitlines()) == 1


def test_neovim_applies_the_edit_as_write_does(project: Path, tmp_path: Path) -> None:
    """A real editor: headless Neovim's own LSP client (tests/lsp/nvim_session.lua)."""
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("Neovim is not installed (apt-get install neovim)")
    log, out = tmp_path / "diagnostics.tsv", tmp_path / "result.Dockerfile"
    env = {
        **os.environ,
        "MSB_SERVER": "\t".join(SERVER),
        "MSB_FILE": "Dockerfile",
        "MSB_LOG": str(log),
        "MSB_OUT": str(out),
    }
    script = Path(__file__).resolve().parent / "lsp" / "nvim_session.lua"
    subprocess.run(
        [nvim, "--headless", "-n", "-u", "NONE", "-i", "NONE", "-c", f"luafile {script}"],
        cwd=project,
        env=env,
        timeout=180,
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    rows = [line.split("\t") for line in log.read_text().splitlines()]
    diagnostics = [r for r in rows if r[0] != "action"]
    changes = json_report(project / "Dockerfile")["changes"]
    assert sorted((r[2], r[3]) for r in diagnostics) == sorted(
        (c["codemod"], f"{c['message']} — {c['reason']}" if c["reason"] else c["message"])
        for c in changes
    )
    assert {r[1] for r in diagnostics} == {"Hint"}
    assert ["action", "apply all", "source.fixAll.msb-migrate"] in rows
    assert out.read_text() == written(project, tmp_path, "nvim")["Dockerfile"]
