"""The import graph of a Node.js start file: which packages the program loads at run time.

The split may prune dev dependencies only when no devDependency is reachable from the start
file (a devDependency the server requires, e.g. ``dotenv``, is gone after ``npm prune`` and the
image no longer starts). :func:`start_entries` reads the start command (``node [-r MOD] FILE``,
as written or as the package.json script); :func:`import_graph` follows the ``require()`` /
``import`` of relative files through the build context and collects the bare package names.

Decisions:

* A small regex reader (:data:`refactor.data.ecosystems.JS_IMPORTS`, strings and comments read
  first), not a JavaScript parser: what it cannot read makes the graph *not proven*, and a
  graph that is not proven keeps the dev dependencies — the reader may only ever err towards a
  bigger image, never a broken one. Not proven: a module name computed at run time
  (``require(name)``), a relative module missing from the context, a file that cannot be read,
  a start command that is not ``node FILE``, more than :data:`~refactor.data.ecosystems.
  JS_GRAPH_LIMIT` files.
* Build output (``dist/index.js`` of ``tsc``) is not in the context: it is read from its
  TypeScript sources (tsconfig.json's ``outDir``/``rootDir``, else the usual folders), whose
  imports are the output's.
* Paths here are paths of the build context (``src/index.js``); mapping the container's paths
  to them is the caller's (:func:`codemods.split_build_runtime.sources.origin`).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from refactor.analysis.shell import analyse
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Context

__all__ = ["Graph", "import_graph", "package_name", "start_entries", "start_programs"]


@dataclass
class Graph:
    """What the start file loads: the context files read, each bare package with the first
    file that imports it, and why the graph is not proven (None: every file was read)."""

    files: list[str] = field(default_factory=list)
    packages: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


def start_entries(command: str) -> tuple[list[str], list[str]] | None:
    """The files (as written, relative to the start folder) and the preloaded modules of a
    start command made of ``node`` runs only; None when it runs anything else."""
    script = analyse(command)
    if script.opaque or not script.commands:
        return None
    files: list[str] = []
    preloads: list[str] = []
    for cmd in script.commands:
        if cmd.opaque or posixpath.basename(cmd.name) != "node":
            return None
        args = list(cmd.args)
        file = None
        i = 0
        while i < len(args):
            word = args[i]
            if word in eco.NODE_PRELOAD_OPTIONS and i + 1 < len(args):
                preloads.append(args[i + 1])
                i += 2
                continue
            option = next((o for o in eco.NODE_PRELOAD_OPTIONS if word.startswith(o + "=")), None)
            if option is not None:
                preloads.append(word.split("=", 1)[1])
            elif word in ("-e", "--eval", "-p", "--print", "-"):
                return None  # code given inline or on standard input
            elif not word.startswith("-"):
                file = word
                break
            i += 1
        if file is None:
            return None
        files.append(file)
    return files, preloads


def start_programs(command: str) -> list[str]:
    """The programs a start command runs (their first words, as written)."""
    return [cmd.words[0] for cmd in analyse(command).commands if cmd.words]


def package_name(spec: str) -> str | None:
    """The package a bare module name loads (``@scope/pkg/sub`` → ``@scope/pkg``); None for
    relative and absolute paths and built-in modules (``node:fs``)."""
    if spec.startswith((".", "/")) or spec.startswith("node:"):
        return None
    parts = spec.split("/")
    if spec.startswith("@"):
        return "/".join(parts[:2]) if len(parts) > 1 else None
    return parts[0]


def import_graph(ctx: Context, entries: Sequence[str], preloads: Sequence[str] = ()) -> Graph:
    """The graph of the context files ``entries`` (and the modules ``preloads``)."""
    graph = Graph()
    pending: list[tuple[str, str]] = []  # (module name, context file it is relative to)
    for spec in preloads:
        pending.append((spec, ""))
    for entry in entries:
        pending.append(("./" + entry.lstrip("/") if not entry.startswith(".") else entry, ""))
    seen: set[str] = set()
    while pending:
        spec, importer = pending.pop(0)
        name = package_name(spec)
        if name is not None:
            graph.packages.setdefault(name, importer or "the start command")
            continue
        if spec.startswith("node:"):
            continue
        base = posixpath.dirname(importer)
        path = posixpath.normpath(posixpath.join(base, spec)) if not spec.startswith("/") else None
        found = _resolve(ctx, path) if path is not None else None
        if found is None:
            graph.problem = (
                f"`{spec}` (imported by {importer or 'the start command'}) is not in the "
                "build context"
            )
            return graph
        if found in seen:
            continue
        seen.add(found)
        if len(seen) > eco.JS_GRAPH_LIMIT:
            graph.problem = f"more than {eco.JS_GRAPH_LIMIT} files are imported"
            return graph
        graph.files.append(found)
        if found.endswith((".json", ".node")):
            continue
        text = ctx.read(found)
        if text is None:
            graph.problem = f"{found} cannot be read"
            return graph
        names, computed = _imports(text)
        if computed:
            graph.problem = f"{found} loads a module whose name is computed at run time"
            return graph
        pending.extend((n, found) for n in names)
    return graph


def _imports(text: str) -> tuple[list[str], bool]:
    """The literal module names a source loads, and whether it loads a computed one."""
    code = eco.JS_TOKENS.sub(_blank, text)
    names: list[str] = []
    literal_calls = 0
    for i, pattern in enumerate(eco.JS_IMPORTS):
        for found in pattern.finditer(code):
            names.append(found.group("name"))
            if i == 0:
                literal_calls += 1
    return names, len(eco.JS_LOAD_CALLS.findall(code)) > literal_calls


def _blank(token: re.Match[str]) -> str:
    """A comment becomes a space; a string that cannot be a module name (``'require("x")'``)
    becomes an empty string, so that nothing inside it reads as an import."""
    if token.group(1):
        return " "
    text = token.group(0)
    return text if eco.JS_MODULE_NAME.fullmatch(text[1:-1]) else text[0] * 2


def _resolve(ctx: Context, path: str) -> str | None:
    """The context file Node.js loads for ``path`` (or its TypeScript source / the source of
    the build output it names)."""
    for candidate in (path, *_output_sources(ctx, path)):
        found = _file(ctx, candidate)
        if found is not None:
            return found
    return None


def _file(ctx: Context, path: str) -> str | None:
    stem, ext = posixpath.splitext(path)
    candidates = [path, *(path + e for e in eco.JS_EXTENSIONS)]
    candidates += [stem + e for e in eco.JS_SOURCE_OF.get(ext, ())]
    for candidate in candidates:
        if ctx.read(candidate) is not None:
            return candidate
    main = _package_main(ctx, path)
    for index in ([main] if main else []) + [posixpath.join(path, "index")]:
        for candidate in (index, *(index + e for e in eco.JS_EXTENSIONS)):
            if ctx.read(candidate) is not None:
                return candidate
    return None


def _package_main(ctx: Context, folder: str) -> str | None:
    text = ctx.read(posixpath.join(folder, "package.json"))
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    main = data.get("main") if isinstance(data, dict) else None
    return posixpath.normpath(posixpath.join(folder, main)) if isinstance(main, str) else None


def _output_sources(ctx: Context, path: str) -> list[str]:
    """Where the TypeScript source of the build output ``path`` is (``dist/x.js`` →
    ``src/x``), from tsconfig.json or the usual folders."""
    out_dirs: Sequence[str] = eco.TS_DEFAULT_OUT_DIRS
    root_dirs: Sequence[str] = eco.TS_DEFAULT_ROOT_DIRS
    options = _ts_options(ctx)
    if options is None:
        return []
    out_dir = options.get("outDir")
    root_dir = options.get("rootDir")
    if isinstance(out_dir, str):
        out_dirs = (posixpath.normpath(out_dir),)
    if isinstance(root_dir, str):
        root = posixpath.normpath(root_dir)
        root_dirs = ("" if root == "." else root,)
    found: list[str] = []
    for out in out_dirs:
        if path == out or not path.startswith(out + "/"):
            continue
        rest = path[len(out) + 1 :]
        stem = posixpath.splitext(rest)[0]
        found.extend(posixpath.join(root, stem) if root else stem for root in root_dirs)
    return found


def _ts_options(ctx: Context) -> dict[str, object] | None:
    """tsconfig.json's compilerOptions (comments and trailing commas allowed), or None when
    there is no tsconfig.json (then nothing is TypeScript output)."""
    text = ctx.read("tsconfig.json")
    if text is None:
        return None
    code = eco.JS_TOKENS.sub(lambda m: "" if m.group(1) else m.group(0), text)
    code = re.sub(r",(\s*[}\]])", r"\1", code)
    try:
        data = json.loads(code)
    except ValueError:
        return {}
    options = data.get("compilerOptions") if isinstance(data, dict) else None
    return options if isinstance(options, dict) else {}
