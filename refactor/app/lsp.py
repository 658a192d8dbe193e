"""``msb-migrate lsp``: a Language Server (pygls) over standard input and output.

An adapter, like :mod:`refactor.app.cli`: each open Dockerfile's text (the editor's buffer, saved
or not) goes through :func:`~refactor.app.migrate.migrate_bytes`, the application's migration
of one file, with the settings the command line would find for it (no flags: the configuration
file found from the document's folder, :mod:`refactor.app.config`) and its folder as the build
context. What comes back is shown and offered:

* Diagnostics, on open, change and save: one per planned change (severity Hint, the codemod as
  the code, ``what — why`` as the message), placed on the lines of the buffer the change
  replaces or follows (:class:`~refactor.app.locate.LineMap`); a file that cannot be migrated
  (not a Dockerfile, not parsable, an invalid configuration) is one Error diagnostic with the
  command line's message; a codemod's internal error a Warning; an opt-out comment naming no
  codemod a Warning; the skips, as Information under their stable code, when the client asks
  with the initialization option ``{"skips": true}``.
* Code actions: ``apply <codemod>`` (a quick fix, for the codemods with a diagnostic in the
  range: what ``msb-migrate --write -c <codemod>`` writes) and ``apply all``
  (``source.fixAll.msb-migrate``: what ``msb-migrate --write`` writes). Each is a workspace
  edit of the buffer's changed lines (for the buffer's version) and of the files the codemods
  write beside it (``.dockerignore``: created or replaced), so applying it gives the bytes the
  writer would write.

Positions are counted as the client counts them: lines end at LF, CRLF or CR, columns in the
negotiated encoding's units (UTF-16 unless the client offers UTF-8 or UTF-32). The document is
synchronised whole (``TextDocumentSyncKind.Full``). A document that is not a file (an unsaved
buffer) has no folder, so no build context: it gets one Information diagnostic saying so.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from refactor.app.config import Settings
from refactor.app.discover import discover
from refactor.app.locate import LineMap
from refactor.app.migrate import MigrateOptions, migrate_bytes
from refactor.app.options import Config
from refactor.app.output import Failure
from refactor.app.report import RUNNER, TOOL_NAME, FileResult, tool_version
from refactor.app.write import display
from refactor.engine.codemod import Kind
from refactor.errors import MsbError

__all__ = [
    "APPLY_ALL",
    "FIX_ALL",
    "NOT_A_FILE",
    "diagnostics_of",
    "make_server",
    "migrate_document",
    "serve",
    "workspace_edit",
]

APPLY_ALL = "apply all"
#: The kind of the "apply all" action (``source.fixAll`` and this tool's name).
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{TOOL_NAME}"
_BREAK = re.compile(r"\r\n|\r|\n")
NOT_A_FILE = "not a file on disk: save it (its folder is the build context msb-migrate reads)"


class _Text:
    """Offsets into a text as the client's positions: LSP line breaks, columns in units."""

    def __init__(self, text: str, encoding: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]
        self.encoding = encoding

    def _units(self, chars: str) -> int:
        if self.encoding == types.PositionEncodingKind.Utf8:
            return len(chars.encode("utf-8", "surrogatepass"))
        if self.encoding == types.PositionEncodingKind.Utf32:
            return len(chars)
        return len(chars.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, offset: int) -> types.Position:
        line = bisect_right(self.starts, offset) - 1
        return types.Position(line, self._units(self.text[self.starts[line] : offset]))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(self.position(start), self.position(end))


def _path_of(uri: str) -> Path | None:
    """The file a ``file:`` URI names (None for any other document)."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def migrate_document(uri: str, text: str, codemods: Sequence[str] = ()) -> FileResult:
    """The migration of a buffer as the command line would migrate the file it belongs to
    (``codemods``: as with ``-c``); every problem is the result's ``error``."""
    path = _path_of(uri)
    if path is None:
        return FileResult(uri, error=f"{uri}: {NOT_A_FILE}")
    shown = display(path)
    try:
        real, root = Path(os.path.abspath(path)), None
        if os.path.lexists(path):
            [target] = discover([path])
            if target.problem is not None:
                return FileResult(shown, target.real, error=f"{shown}: {target.problem}")
            real, root = target.real, target.root
        settings = Settings(Config({"codemods": tuple(codemods)} if codemods else {}))
        options = MigrateOptions(settings)
        data = text.encode("utf-8", "surrogatepass")  # a lone surrogate: "not valid UTF-8"
        return migrate_bytes(shown, real, data, real.parent, options, root=root)
    except (MsbError, Failure) as exc:  # a configuration file that is not valid, mostly
        return FileResult(shown, error=str(exc))


@dataclass(frozen=True)
class _Analysis:
    """A buffer's migration and what is shown for it."""

    version: int | None
    text: str
    result: FileResult
    diagnostics: list[types.Diagnostic]


def _line_range(lines: _Text, where: LineMap, first: int, last: int) -> types.Range:
    """Lines ``first`` to ``last`` (1-based, as BuildKit counts them) without the last break."""
    start, end = where.line_start(first), where.line_start(last + 1)
    tail = lines.text[start:end]
    if tail.endswith("\n"):
        end -= 2 if tail.endswith("\r\n") else 1
    return lines.range(start, end)


def diagnostics_of(
    result: FileResult, text: str, encoding: str, skips: bool
) -> list[types.Diagnostic]:
    """One diagnostic per planned change (and per problem; skips when asked)."""
    lines = _Text(text, encoding)
    where = LineMap.of(text, result.report.output if result.report else text)
    count = max(len(where.old), 1)

    def at(line: int | None) -> types.Range:
        line = min(max(line or 1, 1), count)
        return _line_range(lines, where, line, line)

    def diagnostic(
        span: types.Range, severity: types.DiagnosticSeverity, code: str, message: str
    ) -> types.Diagnostic:
        return types.Diagnostic(span, message, severity, code, source=TOOL_NAME)

    if result.error is not None:
        severity = types.DiagnosticSeverity.Error
        if result.real is None and result.error.endswith(NOT_A_FILE):
            severity = types.DiagnosticSeverity.Information
        return [diagnostic(at(result.error_line), severity, "error", result.error)]
    out: list[types.Diagnostic] = []
    for exp in result.explanations:
        span = where.span(exp.line) or (1, 1)
        message = exp.message + (f" — {exp.reason}" if exp.reason else "")
        out.append(
            diagnostic(
                _line_range(lines, where, *span),
                types.DiagnosticSeverity.Hint,
                exp.codemod,
                message,
            )
        )
    for skip in result.skips:
        if skip.kind is Kind.INTERNAL_ERROR:
            message = f"internal error in codemod {skip.codemod}: {skip.reason}"
            out.append(
                diagnostic(at(skip.line), types.DiagnosticSeverity.Warning, skip.code, message)
            )
        elif skips:
            message = f"{skip.codemod} skipped: {skip.reason}"
            out.append(
                diagnostic(at(skip.line), types.DiagnosticSeverity.Information, skip.code, message)
            )
    for warning in result.warnings:
        out.append(diagnostic(at(None), types.DiagnosticSeverity.Warning, "opt-out", warning))
    return out


def _text_edits(lines: _Text, old: str, new: str) -> list[types.TextEdit]:
    return [
        types.TextEdit(lines.range(e.start, e.end), e.text) for e in LineMap.of(old, new).edits()
    ]


def workspace_edit(
    uri: str,
    version: int | None,
    text: str,
    result: FileResult,
    encoding: str,
    document_changes: bool,
    create: bool,
) -> types.WorkspaceEdit:
    """The edit that turns the buffer (and the files written beside it) into what
    :func:`~refactor.app.write.write_result` writes for ``result``: versioned
    ``documentChanges`` when the client takes them, else ``changes``; a file to create only
    when the client can create files (else the edit leaves it out)."""
    assert result.report is not None
    edits = _text_edits(_Text(text, encoding), text, result.report.output)
    changes: list[Any] = [
        types.TextDocumentEdit(types.OptionalVersionedTextDocumentIdentifier(uri, version), edits)
    ]
    plain: dict[str, list[types.TextEdit]] = {uri: edits}
    for path, content in result.extra.items():
        extra_uri = from_fs_path(str(path)) or path.as_uri()
        old = path.read_text("utf-8") if result.extra_read.get(path) is not None else None
        if old is None:
            if not (document_changes and create):
                continue
            changes.append(
                types.CreateFile(extra_uri, options=types.CreateFileOptions(overwrite=False))
            )
        extra_edits = _text_edits(_Text(old or "", encoding), old or "", content)
        document = types.OptionalVersionedTextDocumentIdentifier(extra_uri, None)
        changes.append(types.TextDocumentEdit(document, extra_edits))
        plain[extra_uri] = extra_edits
    if document_changes:
        return types.WorkspaceEdit(document_changes=changes)
    return types.WorkspaceEdit(changes=plain)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


class MigrateServer(LanguageServer):
    """The server: the analyses of the open documents, by URI."""

    def __init__(self) -> None:
        super().__init__(
            TOOL_NAME, tool_version(), text_document_sync_kind=types.TextDocumentSyncKind.Full
        )
        self.analyses: dict[str, _Analysis] = {}
        self.skips = False

    @property
    def encoding(self) -> str:
        chosen = self.server_capabilities.position_encoding
        return str(chosen or types.PositionEncodingKind.Utf16)

    @property
    def edit_support(self) -> tuple[bool, bool]:
        """Whether the client takes ``documentChanges``, and creates files."""
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        if edit is None:
            return False, False
        create = types.ResourceOperationKind.Create in (edit.resource_operations or ())
        return bool(edit.document_changes), create

    def analyse(self, uri: str) -> _Analysis:
        """The document's analysis for its current version (computed once per version)."""
        document = self.workspace.get_text_document(uri)
        known = self.analyses.get(uri)
        if (
            known is not None
            and known.version == document.version
            and known.text == document.source
        ):
            return known
        try:
            result = migrate_document(uri, document.source)
        except Exception as exc:  # a bug: shown on the document, the server goes on
            result = FileResult(uri, error=f"msb-migrate internal error: {exc!r}")
        found = diagnostics_of(result, document.source, self.encoding, self.skips)
        analysis = self.analyses[uri] = _Analysis(document.version, document.source, result, found)
        return analysis

    def publish(self, uri: str) -> None:
        analysis = self.analyse(uri)
        params = types.PublishDiagnosticsParams(uri, analysis.diagnostics, analysis.version)
        self.text_document_publish_diagnostics(params)

    def actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        analysis = self.analyse(uri)
        if not analysis.result.changed:
            return []
        only = params.context.only
        out: list[types.CodeAction] = []
        in_range: dict[str, list[types.Diagnostic]] = {}
        for found in analysis.diagnostics:
            code = str(found.code)
            hint = found.severity == types.DiagnosticSeverity.Hint and code != RUNNER
            if hint and _overlaps(found.range, params.range):
                in_range.setdefault(code, []).append(found)
        if _wanted(types.CodeActionKind.QuickFix, only):
            for codemod, diagnostics in in_range.items():
                alone = migrate_document(uri, analysis.text, (codemod,))
                if alone.changed:
                    title = f"apply {codemod}"
                    kind = types.CodeActionKind.QuickFix
                    out.append(self._action(uri, title, kind, analysis, alone, diagnostics))
        if _wanted(FIX_ALL, only):
            out.append(self._action(uri, APPLY_ALL, FIX_ALL, analysis, analysis.result, None))
        return out

    def _action(
        self,
        uri: str,
        title: str,
        kind: str,
        analysis: _Analysis,
        result: FileResult,
        diagnostics: list[types.Diagnostic] | None,
    ) -> types.CodeAction:
        edit = workspace_edit(
            uri, analysis.version, analysis.text, result, self.encoding, *self.edit_support
        )
        return types.CodeAction(title, kind=kind, diagnostics=diagnostics, edit=edit)


def make_server() -> MigrateServer:
    """The server with its features (not started)."""
    server = MigrateServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: MigrateServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        ls.skips = bool(isinstance(options, dict) and options.get("skips"))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: MigrateServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: MigrateServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: MigrateServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.analyses.pop(params.text_document.uri, None)  # a configuration file may have changed
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MigrateServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.analyses.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(params.text_document.uri, [])
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(ls: MigrateServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.actions(params)

    return server


def serve() -> None:
    """Run the server over standard input and output until the client says exit."""
    make_server().start_io()
