"""What a Go program reads from disk at run time, from the module's own sources, and the
copies that bring those files into the runtime stage next to the binary.

The sources are read from the build context (the files the COPY/ADD instructions brought in;
``vendor/`` and ``testdata/`` are not the module's own code, ``_test.go`` files are not
compiled). Each call of :data:`refactor.data.goruntime.GO_READS` (``os.ReadFile``,
``template.ParseGlob``, viper's ``AddConfigPath``, ``godotenv.Load``, ``http.Dir``…) is a read;
comments (``//go:embed`` lines among them) are dropped first, so embedded files never count.

Decisions:

- A path argument that is a string literal (or ``filepath.Join``/``+`` of literals) is a
  *literal* read: resolved against the runtime WORKDIR (the process's working directory), it
  is copied when the context holds it at that place (a glob copies the folder of its literal
  prefix); a path the context does not hold is the program's own business (a system file, a
  file it writes) and is left alone.
- Any other argument (a variable, a helper such as ``templatePath(name)``, an
  ``os.Getenv("TEMPLATE_DIR")`` with or without a fallback), a read of the working directory
  itself (viper's ``AddConfigPath(".")``), or a tree too large to read whole is a *computed*
  read: the program may read anything of its folder, so the whole app folder is copied to the
  same path minus the known build inputs (``*.go``, ``go.mod``, ``vendor/``, ``testdata``…,
  :data:`~refactor.data.goruntime.BUILD_INPUT_NAMES`), entry by entry, honouring the
  ``.dockerignore``; above :data:`~refactor.data.goruntime.MAX_APP_ENTRIES` entries the folder
  is copied whole. An environment variable that may point at the source folder is why it is
  copied at the same path, not next to the binary.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from codemods.split_build_runtime.facts import Facts, absolute
from codemods.split_build_runtime.gomodule import context_map, to_context
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.analysis.context import IgnoreRules, PatternError, ignore_file
from refactor.analysis.semantics import under
from refactor.data import goruntime as gr

__all__ = ["Read", "read_copies", "scan"]


@dataclass(frozen=True)
class Read:
    """One read of a Go source: the literal paths it reads (None when computed)."""

    file: str  # the source file, relative to the context
    call: str  # the call as written, shortened for explanations
    row: gr.GoRead
    paths: tuple[str, ...] | None
    env: tuple[str, ...] = ()  # environment variables the file reads (a computed path's source)


def read_copies(f: Facts, plan: Plan) -> None:
    """Add the copies of what the program reads at run time to ``plan``."""
    if not f.ctx.has_context:
        return
    reads, complete = scan(f)
    if not reads and complete:
        return
    workdir = f.final.workdir
    computed = [r for r in reads if r.paths is None]
    wanted: list[tuple[str, str]] = []  # (runtime path, why)
    for read in reads:
        for path in read.paths or ():
            full = absolute(workdir, path)
            if read.row.kind == "glob":
                prefix = re.split(r"[*?\[]", full, maxsplit=1)[0]
                full = prefix.rstrip("/") if prefix.endswith("/") else posixpath.dirname(prefix)
            if full == workdir:
                computed.append(read)
                continue
            source = to_context(f, full)
            if source is None or not source or not f.ctx.exists(source) or _ignored(f, source):
                continue
            wanted.append((full, f"{read.file} reads it at run time ({read.call})"))
    if computed or not complete:
        wanted.extend(_app_folders(f, computed, complete))
    for path, why in wanted:
        if any(under(path, c.source) and under(path, c.dest) for c in plan.copies):
            continue
        plan.copies.append(Copy(path, path, why))


def _app_folders(f: Facts, computed: list[Read], complete: bool) -> list[tuple[str, str]]:
    """The whole app folder (each folder the context was copied to) minus build inputs."""
    if computed:
        first = computed[0]
        env = sorted({e for r in computed for e in r.env})
        where = f" from {', '.join(env)} or the working directory" if env else ""
        cause = f"{first.file} reads paths computed at run time{where} ({first.call})"
    else:
        cause = "the Go sources are too many to read whole"
    out: list[tuple[str, str]] = []
    for copied in context_map(f):
        root = f.ctx.context_dir
        if root is None or not (copied.source == "" or (root / copied.source).is_dir()):
            continue
        entries = _runtime_entries(f, copied.source)
        if entries is None or len(entries) > gr.MAX_APP_ENTRIES:
            out.append((copied.dest, f"{cause}: the whole app folder, as the original had it"))
            continue
        why = (
            f"{cause}: the app folder at the same path, minus build inputs "
            "(*.go, go.mod, go.sum, vendor/, testdata…)"
        )
        out.extend((posixpath.join(copied.dest, name), why) for name in entries)
    return out


def _runtime_entries(f: Facts, folder: str) -> list[str] | None:
    """Top-level entries of the context folder that are not build inputs (None: unreadable)."""
    root = f.ctx.context_dir
    if root is None:
        return None
    base = root / folder if folder else root
    try:
        names = sorted(p.name for p in base.iterdir())
    except OSError:
        return None
    out = []
    for name in names:
        rel = posixpath.join(folder, name) if folder else name
        if _build_input(base / name, name) or _ignored(f, rel):
            continue
        out.append(name)
    return out


def _build_input(path: Path, name: str) -> bool:
    """A build input: a known name, a Go file, or a folder of nothing but build inputs."""
    if name in gr.BUILD_INPUT_NAMES or name.endswith(gr.BUILD_INPUT_SUFFIXES):
        return True
    if path.is_dir() and not path.is_symlink():
        try:
            children = list(path.iterdir())
        except OSError:
            return False
        return bool(children) and all(_build_input(c, c.name) for c in children)
    return False


def _ignored(f: Facts, rel: str) -> bool:
    """Whether the .dockerignore leaves ``rel`` out of the context (so the builder lacks it)."""
    name = ignore_file(f.ctx)
    text = f.ctx.read(name) if name else None
    if not text:
        return False
    try:
        return IgnoreRules.parse(text).excluded(rel)
    except PatternError:
        return False


# -- the scanner ----------------------------------------------------------------------------------

_COMMENT_OR_STRING = re.compile(
    r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|`[^`]*`|'(?:\\.|[^'\\\n])*'", re.S
)


def scan(f: Facts) -> tuple[list[Read], bool]:
    """The reads of the module's own Go sources, and whether every source was read."""
    ctx = f.ctx
    files = [
        p
        for p in ctx.glob("**/*.go")
        if not p.endswith("_test.go")
        and not set(p.split("/")[:-1]) & gr.SKIPPED_SOURCE_DIRS
        and not _ignored(f, p)
    ]
    complete = len(files) <= gr.MAX_GO_FILES
    reads: list[Read] = []
    for path in files[: gr.MAX_GO_FILES]:
        text = ctx.read(path)
        if text is None:
            complete = False
            continue
        reads.extend(_file_reads(path, _drop_comments(text)))
    return reads, complete


def _drop_comments(text: str) -> str:
    """The source without comments (strings kept as they are)."""
    return _COMMENT_OR_STRING.sub(lambda m: " " if m.group(0)[0] == "/" else m.group(0), text)


def _file_reads(path: str, text: str) -> list[Read]:
    env = tuple(sorted(set(gr.ENV_LOOKUP.findall(text))))
    out: list[Read] = []
    for row in gr.GO_READS:
        if row.call.startswith("."):
            pattern = rf"[\w\)\]]\s*\.{re.escape(row.call[1:])}\s*\("
        else:
            pattern = rf"(?<![\w.]){re.escape(row.call)}\s*\("
        for found in re.finditer(pattern, text):
            args = _arguments(text, found.end())
            if args is None:
                out.append(Read(path, row.call, row, None, env))
                continue
            chosen = args if row.arg == gr.ALL_ARGS else args[row.arg : row.arg + 1]
            if row.arg == gr.ALL_ARGS and not args:
                chosen = [f'"{row.default}"'] if row.default else []
            if not chosen:
                continue  # a call with fewer arguments: another API of the same name
            values = [_literal(a) for a in chosen]
            call = f"{row.call.lstrip('.')}({', '.join(chosen)})"
            if len(call) > 80:
                call = call[:77] + "..."
            if any(v is None for v in values):
                out.append(Read(path, call, row, None, env))
            else:
                out.append(Read(path, call, row, tuple(v for v in values if v is not None)))
    return out


def _arguments(text: str, start: int) -> list[str] | None:
    """The top-level arguments of the call whose ``(`` ends at ``start`` (None: unbalanced)."""
    depth = 0
    args: list[str] = []
    current = start
    i = start
    while i < len(text):
        char = text[i]
        if char in "\"'`":
            end = _string_end(text, i)
            if end < 0:
                return None
            i = end
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                args.append(text[current:i].strip())
                return [] if args == [""] else args
            depth -= 1
        elif char == "," and depth == 0:
            args.append(text[current:i].strip())
            current = i + 1
        i += 1
    return None


def _string_end(text: str, i: int) -> int:
    quote = text[i]
    j = i + 1
    while j < len(text):
        if text[j] == "\\" and quote != "`":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    return -1


def _literal(expr: str) -> str | None:
    """The value of a Go string expression made of literals (None when computed)."""
    expr = expr.strip()
    join = re.fullmatch(r"(?:filepath|path)\.Join\((.*)\)", expr, re.S)
    if join:
        parts = _arguments(expr, expr.index("(") + 1)
        if parts is None:
            return None
        values = [_literal(p) for p in parts]
        if not values or any(v is None for v in values):
            return None
        return posixpath.join(*[v for v in values if v is not None])
    pieces = [p.strip() for p in _split_plus(expr)]
    out = ""
    for piece in pieces:
        if re.fullmatch(r"\"[^\"\\\n]*\"", piece) or re.fullmatch(r"`[^`]*`", piece):
            out += piece[1:-1]
        else:
            return None
    return out or None


def _split_plus(expr: str) -> list[str]:
    """``"a" + "b"`` as its operands (a ``+`` inside a string stays)."""
    parts: list[str] = []
    current = 0
    i = 0
    while i < len(expr):
        if expr[i] in "\"`'":
            end = _string_end(expr, i)
            if end < 0:
                return [expr]
            i = end
            continue
        if expr[i] == "+":
            parts.append(expr[current:i])
            current = i + 1
        i += 1
    parts.append(expr[current:])
    return parts
