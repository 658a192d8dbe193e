"""dockerignore: create or extend the ``.dockerignore`` of the build context when ``COPY . .`` or
``ADD . .`` would send files the image does not need (version control data, host-installed
dependencies, build output, caches, editor folders, local secrets).

The entries come from :mod:`refactor.data.ignore` (common ones plus those of the ecosystems the
context's manifests or the Dockerfile's commands reveal); each kind has its own safety rule
(see that module). Whatever the kind, an entry is never added when it would leave out a file
a ``COPY``/``ADD``/bind mount names (in this Dockerfile or another one sharing the ignore file),
when it would override a ``!`` re-include of the existing file, or when the existing patterns
already cover it. Nothing the user wrote is removed or reordered: new entries are appended
after a comment line, in the file's line endings. BuildKit's per-Dockerfile ignore file
(``<Dockerfile>.dockerignore``) is extended instead when it exists.

Patterns, the context listing and the sources a COPY reads come from
:mod:`refactor.analysis.context` (moby's ``patternmatcher`` rules, git's for ``.gitignore``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from refactor.analysis.context import (
    ContextListing,
    GitIgnore,
    IgnoreRules,
    PatternError,
    context_path,
    context_sources,
    ignore_file,
    is_dockerfile_name,
    pattern_regex,
    read_raw,
    source_regex,
    walk_context,
)
from refactor.analysis.model import build_model
from refactor.analysis.semantics import run_commands
from refactor.caching import cached
from refactor.data.commands import BUILD_COMMANDS, DEPS_COMMANDS, Words, matches
from refactor.data.ignore import (
    COMMON_ENTRIES,
    ECOSYSTEMS,
    VCS_FILES,
    VCS_GIT_COMMAND,
    VCS_VERSIONING,
    IgnoreEcosystem,
    IgnoreEntry,
)
from refactor.engine.codemod import MAX_CONTEXT_FILE, Codemod, Context, Result, Skip
from refactor.errors import MsbError
from refactor.syntax.parser import parse
from refactor.syntax.tree import Dockerfile, Instruction

__all__ = ["HEADER", "DockerIgnore"]

HEADER = "# Not needed in the image (added by msb-migrate)"
_WILDCARD = re.compile(r"[*?\[]")


@dataclass
class _Uses:
    """What one Dockerfile takes from the context."""

    sends_all: list[Instruction] = field(default_factory=list)  # COPY . . / ADD . .
    named: list[str] = field(default_factory=list)  # other sources (may hold wildcards)
    unresolved: Instruction | None = None
    commands: list[Words] = field(default_factory=list)  # every RUN's commands
    words: list[str] = field(default_factory=list)  # words of RUN, CMD, ENTRYPOINT, ENV


def _uses(tree: Dockerfile) -> _Uses:
    uses = _Uses()
    for stage in build_model(tree).stages:
        for inst, state in zip(stage.instructions, stage.states, strict=True):
            directive = inst.directive
            if directive in ("COPY", "ADD"):
                sources = context_sources(inst, state.variables)
                if sources is None:
                    uses.unresolved = uses.unresolved or inst
                    continue
                for source in sources:
                    if source in ("", "*"):
                        uses.sends_all.append(inst)
                    else:
                        uses.named.append(source)
            elif directive == "RUN":
                uses.named.extend(_bind_sources(inst))
                commands = run_commands(inst, state).words()
                uses.commands.extend(commands)
                uses.words.extend(w for c in commands for w in c)
            elif directive in ("CMD", "ENTRYPOINT", "ENV", "HEALTHCHECK"):
                uses.words.extend(inst.values.items)
    return uses


def _bind_sources(inst: Instruction) -> list[str]:
    out = []
    for spec in inst.flags_named("mount"):
        fields = {}
        for part in spec.split(","):
            key, _, value = part.partition("=")
            fields[key.strip().lower()] = value.strip().strip('"')
        kind = fields.get("type", "bind")
        if kind == "bind" and "from" not in fields:
            source = context_path(fields.get("source", fields.get("src", "")))
            if source:
                out.append(source)
    return out


# -- the codemod ----------------------------------------------------------------------------------
@dataclass
class _Plan:
    """What the codemod knows while it weighs the entries."""

    ctx: Context
    target: str  # the ignore file, relative to the context
    listing: ContextListing
    rules: IgnoreRules
    gitignore: GitIgnore | None
    uses: list[_Uses]  # this Dockerfile first, then the others sharing the ignore file

    @property
    def sending(self) -> list[_Uses]:
        return [u for u in self.uses if u.sends_all]

    @cached
    def named(self) -> dict[str, list[str]]:
        """Each source a COPY (or bind mount) names, with the context paths it matches."""
        out: dict[str, list[str]] = {}
        for source in dict.fromkeys(s for uses in self.uses for s in uses.named):
            if _WILDCARD.search(source):
                regex = source_regex(source)
                out[source] = [p for p in self.listing.paths if regex.match(p)]
            else:
                out[source] = [source]
        return out


class DockerIgnore(Codemod):
    name = "dockerignore"
    description = (
        "Creates or extends the build context's .dockerignore when COPY . . or ADD . . would "
        "send files the image does not need: .git, host-installed dependencies (node_modules, "
        ".venv) when the image installs its own, build output (target, build, bin/obj) when the "
        "image builds itself, caches, editor folders and gitignored local secrets (.env). It "
        "never removes an entry, never ignores a file a COPY names or a '!' line re-includes, "
        "and only adds entries that exist in the context or are standard for its ecosystem."
    )
    default = False
    codes: ClassVar[Mapping[str, str]] = {
        "IGN001": "no COPY . . or ADD . . sends the whole build context",
        "IGN002": "a COPY source holds a variable: the files it names are unknown",
        "IGN003": "the build context is missing or too large to list",
        "IGN004": "the ignore file BuildKit reads cannot be read or is outside the context",
        "IGN005": "another Dockerfile that shares the ignore file cannot be read",
        "IGN006": "the ignore file has a pattern BuildKit rejects",
        "IGN007": "an entry is left out: the build needs what it would ignore",
        "IGN008": "nothing to add to the ignore file",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        uses = _uses(tree)
        if not uses.sends_all:
            return self.skip(
                tree, "no COPY . . or ADD . . sends the whole build context", code="IGN001"
            )
        line = tree.line_of(uses.sends_all[0])
        if uses.unresolved is not None:
            return self.skip(
                tree,
                "a COPY source holds a variable: cannot tell which files it names",
                tree.line_of(uses.unresolved),
                code="IGN002",
            )
        listing = walk_context(ctx)
        if listing is None:
            reason = "no build context to look at" if not ctx.has_context else "context too large"
            return self.skip(
                tree, f"{reason}: cannot tell what COPY . . sends", line, code="IGN003"
            )
        target = ignore_file(ctx)
        if target is None:
            return self.skip(
                tree, "the Dockerfile's own .dockerignore is outside the context", code="IGN004"
            )
        existing = read_raw(ctx, target, MAX_CONTEXT_FILE)
        if existing is None and ctx.exists(target):
            return self.skip(tree, f"cannot read {target}", code="IGN004")
        others = self._others(ctx, target)
        if isinstance(others, tuple):
            return self.skip(tree, others[0], code=others[1])
        gitignore_text = ctx.read(".gitignore")
        try:
            rules = IgnoreRules.parse(existing or "")
        except PatternError as exc:
            return self.skip(tree, f"{target} has a pattern BuildKit rejects: {exc}", code="IGN006")
        plan = _Plan(
            ctx,
            target,
            listing,
            rules,
            GitIgnore.parse(gitignore_text) if gitignore_text is not None else None,
            [uses, *others],
        )
        added: list[IgnoreEntry] = []
        skips: list[Skip] = []
        for eco, entry in self._candidates(plan):
            refusal = self._refusal(plan, eco, entry)
            if refusal is None:
                added.append(entry)
            elif refusal:
                skips.append(Skip(self.name, f"{entry.pattern}: {refusal}", line, code="IGN007"))
        if not added:
            skips.append(Skip(self.name, f"nothing to add to {target}", line, code="IGN008"))
            return Result(tree, skips=tuple(skips))
        names = ", ".join(e.pattern for e in added)
        explanation = self.explain(
            f"added {names} to {target}" if existing is not None else f"created {target}: {names}",
            "COPY . . sends the whole build context; the image does not need "
            + "; ".join(f"{e.pattern} ({e.why})" for e in added),
            node=uses.sends_all[0],
        )
        content = _appended(existing, [e.pattern for e in added])
        return Result(
            tree, explanations=(explanation,), skips=tuple(skips), files={target: content}
        )

    # -- inputs -----------------------------------------------------------------------------------
    def _others(self, ctx: Context, target: str) -> list[_Uses] | tuple[str, str]:
        """Other Dockerfiles beside this one or at the context root that read ``target``, or
        why (and the code) they cannot be read."""
        if target != ".dockerignore" or ctx.context_dir is None:
            return []
        root = ctx.context_dir.resolve()
        folders = {root}
        own = ctx.dockerfile.resolve() if ctx.dockerfile is not None else None
        if own is not None:
            folders.add(own.parent)
        out: list[_Uses] = []
        for folder in sorted(folders):
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            for name in names:
                path = folder / name
                if path == own or not is_dockerfile_name(name) or not path.is_file():
                    continue
                if Path(f"{path}.dockerignore").is_file():
                    continue  # it reads its own ignore file
                try:
                    text = path.read_text(encoding="utf-8")
                    out.append(_uses(parse(text, str(path))))
                except (OSError, UnicodeDecodeError, MsbError):
                    return f"cannot read {name}, which may share the ignore file", "IGN005"
                if out[-1].unresolved is not None:
                    return f"{name} has a COPY source with a variable", "IGN002"
        return out

    def _candidates(self, plan: _Plan) -> Iterable[tuple[IgnoreEcosystem | None, IgnoreEntry]]:
        seen: set[str] = set()
        pairs: list[tuple[IgnoreEcosystem | None, IgnoreEntry]] = [
            (None, e) for e in COMMON_ENTRIES
        ]
        for eco in self._ecosystems(plan):
            pairs.extend((eco, entry) for entry in eco.entries)
        for owner, entry in pairs:
            if entry.pattern not in seen:
                seen.add(entry.pattern)
                yield owner, entry

    def _ecosystems(self, plan: _Plan) -> list[IgnoreEcosystem]:
        top = {p for p in plan.listing.files if "/" not in p}
        programs = {c[0].rpartition("/")[2] for u in plan.uses for c in u.commands if c}
        found = []
        for eco in ECOSYSTEMS:
            marked = any(pattern_regex(m).match(name) for m in eco.markers for name in top)
            if marked or programs & set(eco.tools):
                found.append(eco)
        return found

    # -- one entry --------------------------------------------------------------------------------
    def _refusal(self, plan: _Plan, eco: IgnoreEcosystem | None, entry: IgnoreEntry) -> str | None:
        """None to add the entry; else why not ("" for a silent no: absent or covered)."""
        single = IgnoreRules.parse(entry.pattern)
        pattern = single.patterns[0]
        hits = sorted(p for p in plan.listing.paths if pattern.regex.match(p))
        if not hits and not entry.standard:
            return ""
        if entry.pattern in plan.rules.texts():
            return ""
        literal = not _WILDCARD.search(entry.pattern)
        if hits and all(plan.rules.excluded(p) for p in hits):
            return ""
        if not hits and literal and plan.rules.excluded(entry.pattern):
            return ""
        named = self._named(plan, single, entry)
        if named is not None:
            return f"left in: a COPY names {named}"
        kept = self._reincluded(plan, single)
        if kept is not None:
            return f"left in: {plan.target} re-includes {kept}"
        return self._kind_refusal(plan, eco, entry, hits)

    def _named(self, plan: _Plan, single: IgnoreRules, entry: IgnoreEntry) -> str | None:
        """A source some COPY names that the entry would leave out (wholly or in part)."""
        junk = entry.kind in ("editor", "cache")
        literal = not _WILDCARD.search(entry.pattern)
        for source, paths in plan.named.items():
            if literal and _WILDCARD.search(source) and source_regex(source).match(entry.pattern):
                return source
            for path in paths:
                if single.excluded(path):
                    return source
                if not junk and any(single.excluded(p) for p in plan.listing.under(path)):
                    return source
        return None

    def _reincluded(self, plan: _Plan, single: IgnoreRules) -> str | None:
        """A ``!`` line of the existing file the entry would override."""
        for pattern in plan.rules.patterns:
            if not pattern.negated:
                continue
            fixed = _WILDCARD.split(pattern.text, 1)[0].rstrip("/")
            if (fixed and single.excluded(fixed)) or single.excluded(pattern.text):
                return pattern.text
            for path in plan.listing.paths:
                if pattern.regex.match(path) and single.excluded(path):
                    return pattern.text
        return None

    def _kind_refusal(
        self, plan: _Plan, eco: IgnoreEcosystem | None, entry: IgnoreEntry, hits: Sequence[str]
    ) -> str | None:
        if entry.kind == "vcs":
            why = self._vcs_needed(plan)
            return f"left in: {why}" if why else None
        if entry.kind in ("deps", "build"):
            assert eco is not None
            table = DEPS_COMMANDS if entry.kind == "deps" else BUILD_COMMANDS
            tools = {tool: table[tool] for tool in eco.tools if tool in table}
            for uses in plan.sending:
                if not any(matches(c, tools) for c in uses.commands):
                    doing = "install the dependencies" if entry.kind == "deps" else "build"
                    return f"left in: the image does not {doing} itself, so it may use them"
            if entry.kind == "build" and hits:
                return self._tracked(plan, hits)
            return None
        if entry.kind == "secret" and hits:
            mention = _mentioned(plan, entry.pattern)
            if mention:
                return f"left in: the build uses it ({mention})"
            return self._tracked(plan, hits, secret=True)
        return None

    def _tracked(self, plan: _Plan, hits: Sequence[str], *, secret: bool = False) -> str | None:
        """None when the project's .gitignore ignores every hit; else why they stay."""
        if plan.gitignore is None:
            what = "if it holds secrets, add it yourself" if secret else "it may be a source"
            return f"left in: no .gitignore in the context says it is local ({what})"
        folders = plan.listing.dirs
        untracked = [p for p in hits if not plan.gitignore.ignored(p, p in folders)]
        if untracked:
            what = "if it holds secrets, add it yourself" if secret else "it may be a source"
            return f"left in: .gitignore does not ignore {untracked[0]} ({what})"
        return None

    def _vcs_needed(self, plan: _Plan) -> str | None:
        for uses in plan.sending:
            for words in uses.commands:
                if words and words[0].rpartition("/")[2] == "git":
                    args = [w for w in words[1:] if not w.startswith("-")]
                    if not args or not VCS_GIT_COMMAND.match(args[0]):
                        return f"the build runs `{' '.join(words)}`"
        for name in VCS_FILES:
            text = plan.ctx.read(name)
            if text is not None and VCS_VERSIONING.search(text):
                return f"{name} may read the version from git"
        return None


def _mentioned(plan: _Plan, pattern: str) -> str | None:
    """A word of a RUN/CMD/ENTRYPOINT/ENV that names ``pattern`` (a file name) as a path part."""
    for uses in plan.uses:
        for word in uses.words:
            if pattern in re.split(r"[/=\s:]", word):
                return word
    return None


def _appended(existing: str | None, patterns: Sequence[str]) -> str:
    """``existing`` (kept byte for byte) with a comment line and ``patterns`` after it."""
    text = existing or ""
    eol = "\r\n" if "\r\n" in text else "\n"
    block = eol.join([HEADER, *patterns]) + eol
    if text and not text.endswith("\n"):
        text += eol
    return text + (eol if text.strip() else "") + block
