"""Which build-context file a path of the image comes from: the inverse of the stage's
``COPY``/``ADD`` of the context, so that a planner can read the file the start command runs.

Decisions: the last COPY that writes the path wins (as in the image); a source folder keeps its
tree (``COPY src/. .`` puts ``src/x.js`` at ``./x.js``); a glob source is matched against the
file's name; a file the context does not have (build output, a remote ADD) has no origin.
"""

from __future__ import annotations

import fnmatch
import posixpath

from codemods.split_build_runtime.facts import Facts, absolute
from refactor.analysis.model import substitute
from refactor.analysis.semantics import under

__all__ = ["origin"]


def origin(f: Facts, path: str, *, existing: bool = True) -> str | None:
    """The context file (relative path) the build copied to the absolute ``path``, or None;
    with ``existing=False`` also a path the context lacks under a copied folder (build output
    written there, whose sources a reader may find)."""
    found: str | None = None
    for inst, state in f.stage.steps("COPY", "ADD"):
        items = list(inst.values.items)
        if inst.flag("from") is not None or inst.heredocs or len(items) < 2:
            continue
        dest_word = substitute(items[-1], state.variables, inst.escape)
        dest = absolute(state.workdir, dest_word)
        sources = [substitute(s, state.variables, inst.escape) for s in items[:-1]]
        into = dest_word.endswith("/") or dest_word in (".", "./") or len(sources) > 1
        for source in sources:
            candidate = _candidate(f, source, dest, into, path)
            if candidate is not None and (f.ctx.exists(candidate) or not existing):
                found = candidate
    return found


def _candidate(f: Facts, source: str, dest: str, into: bool, path: str) -> str | None:
    clean = posixpath.normpath(source.lstrip("/")) if source.strip("/.") else ""
    clean = "" if clean == "." else clean
    if "://" in source:
        return None
    if any(c in clean for c in "*?["):
        if not (into and posixpath.dirname(path) == dest):
            return None
        name = posixpath.basename(path)
        rel = posixpath.join(posixpath.dirname(clean), name)
        return rel if fnmatch.fnmatchcase(rel, clean) else None
    folder = clean == "" or source.endswith("/") or f.ctx.read(clean) is None
    if folder:
        if not under(path, dest):
            return None
        rest = posixpath.relpath(path, dest)
        return posixpath.normpath(posixpath.join(clean, rest)) if clean else rest
    target = posixpath.join(dest, posixpath.basename(clean)) if into else dest
    return clean if target == path else None
