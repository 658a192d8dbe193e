"""Paths as cache-mounts sees them: expanded words, cache directories, existing mounts, COPYs.

A word names a path after ``~`` and the variables known at its command are expanded (HOME is
the RUN's user's home). A tool's cache directory is resolved from the variables and options
that move it (:func:`tool_env`). Mount targets, COPY destinations and ``COPY --from`` sources
are compared as absolute paths: two paths overlap when one is, contains or lies inside the
other.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from codemods.cache_mounts.runs import Run, ToolUse, Who, text_of
from refactor.analysis.destinations import copy_destination
from refactor.analysis.model import RunState, Stage, substitute
from refactor.data.caches import CacheDir, Tool, option_value
from refactor.engine.codemod import Context
from refactor.syntax.tree import Instruction


def expand(word: str, env: Mapping[str, str], who: Who, cwd: str | None) -> str:
    """A path word with ``~`` and known variables expanded, made absolute when possible."""
    home = env.get("HOME") or ("/root" if who.root else who.home) or "$HOME"
    if word == "~" or word.startswith("~/"):
        word = home + word[1:]
    word = substitute(word, {**env, "HOME": home})
    if not word.startswith("/") and not word.startswith("$") and cwd is not None:
        word = posixpath.join(cwd, word)
    return posixpath.normpath(word) if not word.startswith("$") else word


def names_path(run: Run, path: str, who: Who) -> bool:
    """Whether a command of ``run`` other than ``rm`` names ``path`` (or a file below it)."""
    if run.script is None:
        return path in text_of(run.inst)
    for command, env in zip(run.script.commands, run.envs, strict=True):
        if command.name in ("rm", "rmdir"):
            continue
        for word in command.words[1:]:
            expanded = expand(word, env, who, None) if "$" in word or "~" in word else word
            if path in expanded or path in word:
                return True
    return False


def tool_env(u: ToolUse, who: Who) -> dict[str, str]:
    """The variables a tool's cache templates see: env, HOME, options that move the cache."""
    env = dict(u.env)
    home = env.get("HOME") or ("/root" if who.root else who.home)
    if home:
        env["HOME"] = home
    else:
        env.pop("HOME", None)
    tool = u.use.tool
    options = list(u.use.words[1:])
    for var in tool.env_options:
        options = env.get(var, "").split() + options
    for option, var in (tool.path_options or {}).items():
        value = option_value(options, option)
        if value:
            env[var] = value
    return env


def unknown_dir(tool: Tool, cache: CacheDir, env: Mapping[str, str], who: Who) -> str:
    """Why the directory of ``cache`` cannot be told (a home, or a variable, is missing)."""
    if not who.root and "HOME" not in env and any("$HOME" in s for s in cache.sources):
        return f"the home directory of user {who.name!r} is not known"
    first = cache.sources[0].split("/", 1)[0]
    return f"cannot tell where {tool.name} keeps its cache (set {first.lstrip('$')})"


def mount_fields(spec: str) -> dict[str, str]:
    """The ``key=value`` fields of a ``--mount`` value, keys lowercased."""
    fields: dict[str, str] = {}
    for part in spec.split(","):
        key, _, value = part.partition("=")
        fields[key.strip().lower()] = value.strip().strip('"')
    return fields


def existing_mounts(run: Run) -> dict[str, str]:
    """Targets of the RUN's existing mounts (absolute) → their type."""
    out = {}
    for spec in run.inst.flags_named("mount"):
        fields = mount_fields(spec)
        target = fields.get("target") or fields.get("dst") or fields.get("destination")
        if target:
            target = substitute(target, run.state.variables)
            path = posixpath.normpath(posixpath.join(run.state.workdir, target))
            out[path] = fields.get("type", "bind")
    return out


def overlap(path: str, existing: Mapping[str, str]) -> str | None:
    """The existing mount target that is, contains or lies inside ``path``."""
    for target in existing:
        if paths_overlap(target, path):
            return target
    return None


def paths_overlap(a: str, b: str) -> bool:
    """Whether one path is, contains or lies inside the other."""
    return a == b or a == "/" or b == "/" or b.startswith(a + "/") or a.startswith(b + "/")


def copies_into(stage: Stage, inst: Instruction, state: RunState, path: str, ctx: Context) -> bool:
    """Whether a COPY/ADD of ``stage`` may put files into ``path`` (conservative).

    Into ``path`` or below it: yes. Into a parent (where :mod:`refactor.analysis.destinations`
    says the sources land): a folder source's contents land right there, so when it holds the
    next directory on the way (read in the build context when there is one; a folder from
    another stage or image may). A file source copied into the parent lands under its own name:
    a context file that is not a folder puts nothing below ``path`` unless it is named so.
    """
    if inst.heredocs:
        return False
    dest = copy_destination(stage, inst, ctx.is_dir if ctx.has_context else None)
    if dest is None:
        return False
    if dest.path == path or dest.path.startswith(path + "/"):
        return True
    if not path.startswith(dest.path.rstrip("/") + "/"):
        return False
    parts = path[len(dest.path.rstrip("/")) + 1 :].split("/")
    local = inst.flag("from") is None and ctx.has_context
    items = [substitute(w, state.variables, inst.escape) for w in inst.values.items[:-1]]
    for source in items:
        base = source.rstrip("/").rpartition("/")[2]
        if dest.into and base == parts[0]:
            return True  # a file or folder named like the next directory
        if local and ctx.exists(posixpath.join(source, parts[0])):
            return True
        if local and ctx.exists(source) and not ctx.is_dir(source):
            continue  # a context file: it lands under its own name (checked above)
        if base in ("", ".") and inst.flag("from") is None:
            continue  # the build context: only what it holds (checked above) counts
        looks_like_file = "." in base[1:] and not base.startswith(".")
        if len(parts) == 1 and not looks_like_file:
            return True
    return False


def edge_sources(inst: Instruction, kind: str, state: RunState) -> list[str]:
    """Absolute paths another stage reads through a COPY --from or RUN --mount=from."""
    if kind == "copy":
        items = [substitute(w, state.variables, inst.escape) for w in inst.values.items]
        sources = items[:-1]
    else:
        sources = []
        for spec in inst.flags_named("mount"):
            fields = mount_fields(spec)
            if "from" in fields:
                sources.append(substitute(fields.get("source", "/") or "/", state.variables))
    out = []
    for source in sources:
        cut = re.split(r"[*?\[]", source, maxsplit=1)[0]
        if cut != source:
            cut = cut.rpartition("/")[0] or "/"
        out.append(posixpath.normpath("/" + cut.lstrip("/")))
    return out
