"""document-stages: a one-line comment above each FROM of a multi-stage file saying what the
stage does (best practice 5, "Document Stages").

The description comes from the build model and from what name-stages reads in a stage's
commands (:func:`refactor.analysis.semantics.stage_role` and the command tables of
:mod:`refactor.data.commands`): ``builder``, ``test`` and
``deps`` stages say which command they run, the shipped stage (the final one, or ``--target``)
says what it runs, and other stages say which stages they serve. A FROM with a comment directly
above it is left alone, so a second run changes nothing and the user's own words are kept. New
comments follow the file's comment style (the ``#`` marker and spacing its other comments use,
its line ending, the FROM's indentation) and its blank-line habit between stages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

from refactor.analysis.model import BuildModel, Stage, build_model
from refactor.analysis.semantics import first_command, stage_role
from refactor.data.commands import (
    BUILD_COMMANDS,
    DEPS_COMMANDS,
    TEST_COMMANDS,
    CommandTable,
    Words,
    program,
)
from refactor.data.distros import distro_of
from refactor.engine.codemod import Codemod, Context, Explanation, Result
from refactor.syntax.tree import Blank, Comment, Directive, Dockerfile, Instruction, Node

__all__ = ["DocumentStages", "describe"]

#: Longest command quoted in a description (longer ones are cut between words, "..." added).
MAX_COMMAND = 44
#: Instruction keywords: a comment starting with one is commented-out code, not prose.
_KEYWORDS = frozenset(
    {"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
     "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
)  # fmt: skip
_MARKER = re.compile(r"#+[ \t]*")
_OPT_OUT = re.compile(r"^\s*#\s*msb-migrate:", re.IGNORECASE)

#: What a build command produces, by program (the first match of BUILD_COMMANDS in a stage).
BUILD_PHRASES: Mapping[str, str] = {
    "go": "compiles the Go binary",
    "cargo": "compiles the Rust binary",
    "rustc": "compiles the Rust binary",
    "mvn": "packages the Java application with Maven",
    "mvnw": "packages the Java application with Maven",
    "gradle": "builds the Java application with Gradle",
    "gradlew": "builds the Java application with Gradle",
    "javac": "compiles the Java sources",
    "sbt": "builds the Scala application",
    "lein": "builds the Clojure application",
    "dotnet": "builds the .NET application",
    "npm": "builds the JavaScript bundle",
    "yarn": "builds the JavaScript bundle",
    "pnpm": "builds the JavaScript bundle",
    "bun": "builds the JavaScript bundle",
    "vite": "builds the JavaScript bundle",
    "ng": "builds the Angular application",
    "next": "builds the Next.js application",
    "nuxt": "builds the Nuxt application",
    "webpack": "bundles the JavaScript sources",
    "tsc": "compiles the TypeScript sources",
    "gcc": "compiles the C sources",
    "cc": "compiles the C sources",
    "clang": "compiles the C sources",
    "g++": "compiles the C++ sources",
    "c++": "compiles the C++ sources",
    "clang++": "compiles the C++ sources",
    "make": "compiles the sources with make",
    "cmake": "compiles the sources with CMake",
    "ninja": "compiles the sources with Ninja",
    "meson": "compiles the sources with Meson",
    "pip": "builds the Python wheels",
    "pip3": "builds the Python wheels",
    "mix": "builds the Elixir release",
    "cabal": "builds the Haskell binary",
    "stack": "builds the Haskell binary",
    "swift": "builds the Swift binary",
    "zig": "compiles the Zig binary",
    "hugo": "builds the static site",
    "native-image": "compiles the native image",
}
#: Base image families that are small runtime images.
_MINIMAL_FAMILIES = frozenset({"distroless", "scratch", "alpine"})
_MINIMAL_TAG_WORDS = ("slim", "alpine", "distroless", "minimal", "micro")


class DocumentStages(Codemod):
    name = "document-stages"
    description = (
        "Adds a one-line comment above each FROM of a multi-stage Dockerfile saying what the "
        "stage does (builder: compiles the Go binary, runtime: minimal image that runs the app, "
        "test, deps, shared bases), read from the stage's commands and its place in the stage "
        "graph. FROMs that already have a comment directly above them are left alone; new "
        "comments follow the file's comment style, line endings and blank-line habit."
    )
    default = True
    codes: ClassVar[Mapping[str, str]] = {
        "DOC001": "the file has a single stage: there are no stages to tell apart",
        "DOC002": "every stage already has a comment above its FROM",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        model = build_model(tree)
        if len(model.stages) < 2:
            return self.skip(
                tree, "single-stage file: there are no stages to tell apart", code="DOC001"
            )
        shipped = (model.stage(ctx.target) if ctx.target else None) or model.final
        assert shipped is not None
        marker = comment_marker(tree)
        separated = _separates_stages(tree, model)
        eol = tree.style.eol
        explanations: list[Explanation] = []
        where = {id(node): i for i, node in enumerate(tree.nodes)}
        needed = frozenset(model.needed(shipped.index))  # once, not once per stage
        inserts: dict[int, list[Node]] = {}  # by node position: one splice for all stages
        for stage in model.stages:
            inst = stage.from_
            i = where[id(inst)]
            before = tree.nodes[i - 1] if i else None
            if isinstance(before, Comment):
                continue
            text = f"{inst.leading}{marker}{describe(model, stage, shipped, needed)}"
            comment = Comment(text, eol)
            nodes: list[Node] = [comment]
            if separated and isinstance(before, Instruction):
                nodes.insert(0, Blank("", eol))
            inserts[i] = nodes
            explanations.append(
                self.explain(
                    f"documented stage {_label(stage)}",
                    "a one-line comment per stage says what it is for, so the build's shape "
                    "is clear without reading every instruction",
                    node=comment,
                )
            )
        if not explanations:
            return self.skip(
                tree, "every stage already has a comment above its FROM", code="DOC002"
            )
        spliced = [n for i, node in enumerate(tree.nodes) for n in (*inserts.get(i, ()), node)]
        return Result(tree.with_changes(nodes=tuple(spliced)), explanations=tuple(explanations))


# -- describing a stage ---------------------------------------------------------------------------
def describe(
    model: BuildModel, stage: Stage, shipped: Stage, needed: Collection[int] | None = None
) -> str:
    """``label: what the stage does`` in one line, e.g. ``builder: compiles the Go binary (…)``
    (``needed``: the stages a build of ``shipped`` needs, when the caller has them)."""
    if stage is shipped:
        what = _runtime_phrase(model, stage)
    else:
        role, _ = stage_role(stage, False)
        if role == "builder":
            words = _first_command(stage, BUILD_COMMANDS)
            phrase = BUILD_PHRASES.get(program(words), "builds the application")
            what = f"{phrase} ({_quote(words)})"
        elif role == "test":
            what = f"runs the tests ({_quote(_first_command(stage, TEST_COMMANDS))})"
        elif deps := _first_command(stage, DEPS_COMMANDS):  # the deps role, or deps and more
            what = f"installs the dependencies ({_quote(deps)})"
        else:
            what = _other_phrase(model, stage)
        if needed is None:
            needed = model.needed(shipped.index)
        if stage.index not in needed and stage.name:
            what += f"; not in the default build (--target {stage.name})"
    return f"{_label(stage)}: {what}"


def _label(stage: Stage) -> str:
    return stage.alias or f"stage {stage.index}"


def _first_command(stage: Stage, table: CommandTable) -> Words:
    return first_command(stage, table) or ()


#: A shell word: unquoted characters and quoted strings (an unterminated quote runs to the end).
_SHELL_WORD = re.compile(r"""(?:[^\s"']+|"(?:\\.|[^"\\])*"?|'[^']*'?)+""")


def _quote(words: Sequence[str] | str) -> str:
    """A command as one short line, cut to :data:`MAX_COMMAND` characters (:func:`_shorten`)."""
    return _shorten(_tokens(words), MAX_COMMAND)


def _tokens(words: Sequence[str] | str) -> list[str]:
    """A command's words as shown: a shell string split into its shell words (quotes kept), an
    exec-form word with spaces in double quotes; control characters and runs of spaces
    collapsed."""
    if isinstance(words, str):
        tokens = _SHELL_WORD.findall(re.sub(r"[\x00-\x1f\x7f]", " ", words))
    else:
        tokens = [f'"{w}"' if not w or any(c.isspace() for c in w) else w for w in words]
    tokens = [" ".join(re.sub(r"[\x00-\x1f\x7f]", " ", t).split()) for t in tokens]
    return [t for t in tokens if t]


def _shorten(tokens: Sequence[str], limit: int) -> str:
    """``tokens`` joined, at most ``limit`` characters: cut between words and ended with
    ``...``, never inside a quoted word: a quoted command that does not fit is shortened to
    its first words, its quote closed (``sh -c "gunicorn --workers=4 ..."``). Only a first
    word longer than the limit on its own is cut inside."""
    text = " ".join(tokens)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for token in tokens:
        if len(" ".join([*kept, token])) <= limit - 4:  # room left for " ..."
            kept.append(token)
            continue
        mark = token[0]
        if mark in "\"'" and len(token) > 1 and token.endswith(mark):
            inner: list[str] = []
            for word in token[1:-1].split():
                if len(" ".join([*kept, f"{mark}{' '.join([*inner, word])} ...{mark}"])) > limit:
                    break
                inner.append(word)
            if inner:
                return " ".join([*kept, f"{mark}{' '.join(inner)} ...{mark}"])
        break
    if not kept:  # one word longer than the limit
        return text[: limit - 3] + "..."
    return " ".join(kept) + " ..."


def _is_minimal(stage: Stage) -> bool:
    image = stage.ancestry()[0].image
    if image is None:
        return False
    distro = distro_of(image)
    if distro is not None and distro.family in _MINIMAL_FAMILIES:
        return True
    tag = (image.tag or "").lower()
    return any(word in tag for word in _MINIMAL_TAG_WORDS)


def _runs(model: BuildModel, stage: Stage) -> str | None:
    """The container's command (ENTRYPOINT then CMD), shortened, or None."""
    entrypoint = model.entrypoint(stage)
    cmd = model.cmd(stage) if not isinstance(entrypoint, str) else None
    parts: list[str] = []
    for value in (entrypoint, cmd):
        if value:  # a shell-form string is shown as its words, not as one quoted word
            parts += _tokens(value)
    return _shorten(parts, MAX_COMMAND) if parts else None


def _sources(model: BuildModel, stage: Stage) -> list[str]:
    """The stages this one copies or mounts files from, by label."""
    out: dict[str, None] = {}  # ordered, and a set: thousands of sources stay linear
    for edge in model.edges:
        if edge.target == stage.index and edge.kind != "from" and edge.source is not None:
            out[_label(model.stages[edge.source])] = None
    return list(out)


def _runtime_phrase(model: BuildModel, stage: Stage) -> str:
    kind = "minimal image" if _is_minimal(stage) else "image"
    runs = _runs(model, stage)
    what = f"{kind} that runs {runs}" if runs else f"the final {kind}"
    sources = _sources(model, stage)
    if sources:
        what += f", with files from {_join(sources)}"
    return what


def _other_phrase(model: BuildModel, stage: Stage) -> str:
    children = [
        _label(model.stages[e.target]) for e in model.users_of(stage.index) if e.kind == "from"
    ]
    users = list(  # in order, each once
        dict.fromkeys(
            _label(model.stages[e.target]) for e in model.users_of(stage.index) if e.kind != "from"
        )
    )
    base = stage.base if stage.parent is None else f"stage {stage.base}"
    if children:
        return f"common base of {_join(children)} ({_quote(base)})"
    if users:
        return f"prepares files for {_join(users)} ({_quote(base)})"
    runs = _runs(model, stage) if stage.last("CMD") or stage.last("ENTRYPOINT") else None
    if runs:
        return f"image that runs {runs}"
    return f"stage on {_quote(base)}"


def _join(labels: Sequence[str]) -> str:
    if len(labels) > 3:
        return ", ".join(labels[:3]) + " and others"
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


# -- the file's comment style ---------------------------------------------------------------------
def comment_marker(tree: Dockerfile) -> str:
    """How the file starts its prose comments: ``"# "`` (default), ``"#"``, ``"## "``…"""
    counts: Counter[str] = Counter()
    for node in tree.nodes:
        if not isinstance(node, Comment) or _OPT_OUT.match(node.text):
            continue
        text = node.text.lstrip(" \t")
        match = _MARKER.match(text)
        body = text[match.end() :] if match else ""
        first = body.split(None, 1)[0].rstrip(":") if body.strip() else ""
        if not match or not first or first in _KEYWORDS:
            continue  # banners (####) and commented-out instructions say nothing about style
        counts[match.group(0).replace("\t", " ")] += 1
    return counts.most_common(1)[0][0] if counts else "# "


def _separates_stages(tree: Dockerfile, model: BuildModel) -> bool:
    """Whether the file's later stages mostly start after a blank line (above their comments)."""
    nodes = tree.nodes
    where = {node: i for i, node in enumerate(nodes)}
    votes: Counter[bool] = Counter()
    for stage in model.stages[1:]:
        i = where[stage.from_] - 1
        while i >= 0 and isinstance(nodes[i], Comment):
            i -= 1
        votes[i < 0 or isinstance(nodes[i], Blank | Directive)] += 1
    return votes[True] > votes[False]
