"""narrow-copies: ``COPY --from=<stage> /app /app`` of a whole build folder narrowed to what the
runtime uses (pitfall 2, "Copying Entire Stage").

Only when that is provable. The codemod replays the source stage (and the stages it derives
from) on a model of the build folder: every file a ``COPY`` brings from the build context (the
context is listed and its ``.dockerignore`` applied), every binary a compiler writes (``go build
-o``, ``cargo build``, ``gcc -o``…), every folder a tool fills with build output (``target/``),
every ``rm``. Any step it cannot account for — an opaque or unknown command that may write into
the folder, files from another stage or image, an archive ``ADD`` unpacks, a base image it does
not know — and it leaves the COPY alone. The runtime stage must run a compiled binary from that
folder (not an interpreter or a script, which may read any file). Then the copy keeps:

* the binary and every path the runtime stage's commands name,
* every other file that is not a source, manifest or project file of the languages that were
  compiled (:func:`refactor.data.ignore.build_only`): templates, static assets and configuration
  a program may read at run time, other binaries it may start,

grouped into whole folders where a folder is kept entirely, and only when that takes a few COPY
lines. The flags of the original COPY (``--chown``, ``--chmod``, ``--link``) are kept on each.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from refactor.analysis.context import (
    ContextListing,
    IgnoreRules,
    PatternError,
    context_sources,
    ignore_file,
    read_raw,
    source_regex,
    walk_context,
)
from refactor.analysis.destinations import copy_destination
from refactor.analysis.model import (
    DEFAULT_SHELL,
    BuildModel,
    RunState,
    Stage,
    build_model,
    substitute,
)
from refactor.analysis.semantics import exec_commands, run_commands, shell_script
from refactor.analysis.shell import Command
from refactor.data.commands import Words, program
from refactor.data.distros import distro_of
from refactor.data.ignore import build_only
from refactor.data.system import SHELLS
from refactor.engine.codemod import (
    MAX_CONTEXT_FILE,
    Codemod,
    Context,
    Explanation,
    Result,
    Skip,
    Unsupported,
)
from refactor.syntax.tree import Dockerfile, Instruction, Node

__all__ = ["NarrowCopies"]

#: More COPY lines than this and the narrowed copy is no longer easier to read.
MAX_LINES = 4
#: Folders of a base image that hold files of their own: a copy of one is never narrowed.
SYSTEM_FOLDERS = frozenset(
    {"bin", "boot", "dev", "etc", "go", "home", "lib", "lib32", "lib64", "libx32", "media",
     "mnt", "opt", "proc", "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var", "cargo",
     "rustup"}
)  # fmt: skip
#: Folders below system folders that official images leave empty, and how deep they start
#: (``/home/<user>`` holds the user's dotfiles, ``/home/<user>/app`` nothing).
_APP_PARENTS = {"/usr/src/": 3, "/go/src/": 3, "/opt/": 2, "/home/": 3, "/srv/": 2}
#: Commands that write nothing outside the system folders (packages, users, file modes).
_NO_WRITE = frozenset(
    {"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "echo", "printf", "true", "false", "ls",
     "cat", "set", "export", "cd", "pwd", "test", "[", "which", "id", "whoami", "uname",
     "adduser", "addgroup", "useradd", "groupadd", "update-ca-certificates", "rustup", "chmod",
     "chown", "chgrp", "strip", "upx", "ldd", "file", "du", "df", "sleep"}
)  # fmt: skip
#: Commands that write only the paths they are given, or into their working directory.
_WRITES_ARGS = frozenset(
    {"cp", "mv", "ln", "install", "touch", "tee", "curl", "wget", "tar", "unzip", "gzip",
     "gunzip", "sed", "patch", "git"}
)  # fmt: skip
_COMPILERS = frozenset({"gcc", "g++", "cc", "c++", "clang", "clang++"})
_GO_NO_WRITE = frozenset({"mod", "vet", "env", "version", "list", "get", "install", "clean"})
_CARGO_NO_WRITE = frozenset({"fetch", "version", "--version", "metadata", "tree"})
_ARCHIVE = re.compile(r"\.(tar|tgz|tar\.gz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$")
_WRAPPERS = frozenset({"exec", "tini", "dumb-init", "nohup"})
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_COPY_FLAGS = frozenset({"from", "chown", "chmod", "link"})


@dataclass
class _Folder:
    """The build folder of the source stage, replayed: files by path relative to it."""

    root: str  # absolute
    files: dict[str, str] = field(default_factory=dict)  # rel → context | artifact | opaque
    tool_dirs: set[str] = field(default_factory=set)  # rels a build tool fills with its output
    dirs: set[str] = field(default_factory=set)  # absolute folders known to exist
    languages: set[str] = field(default_factory=set)  # "go", "rust", "c"

    def rel(self, path: str) -> str | None:
        """``path`` relative to the folder ("" for the folder itself), None when outside."""
        if path == self.root:
            return ""
        prefix = self.root.rstrip("/") + "/"
        return path[len(prefix) :] if path.startswith(prefix) else None

    def inside(self, path: str) -> bool:
        return self.rel(path) is not None or self.root.startswith(path.rstrip("/") + "/")

    def add(self, path: str, origin: str) -> None:
        rel = self.rel(path)
        if rel == "":
            raise Unsupported(f"{self.root} is a single file: nothing to narrow", code="NC005")
        if rel is not None:
            self.files[rel] = origin

    def remove(self, path: str) -> None:
        rel = self.rel(path)
        if rel is None and self.inside(path):
            raise Unsupported(f"`rm {path}` removes the folder and more", code="NC008")
        if rel == "":
            self.files.clear()
            self.dirs.discard(self.root)
        elif rel is not None:
            for key in [k for k in self.files if k == rel or k.startswith(rel + "/")]:
                del self.files[key]

    def in_tool_dir(self, rel: str) -> bool:
        return any(d == "" or rel == d or rel.startswith(d + "/") for d in self.tool_dirs)

    def dropped(self, rel: str) -> bool:
        """Whether the program can do without ``rel``: a build-only file, or tool output."""
        if self.in_tool_dir(rel) and self.files.get(rel) != "context":
            return True
        return self._build_only(rel) or (
            self.files.get(rel) == "artifact" and rel.endswith((".o", ".a"))
        )

    def _build_only(self, rel: str) -> bool:
        return any(build_only(language, rel) for language in self.languages)


class NarrowCopies(Codemod):
    name = "narrow-copies"
    description = (
        "Narrows COPY --from=<stage> of a whole build folder (COPY --from=builder /app /app) to "
        "what the runtime uses: the compiled binary its command runs, plus every file that is "
        "not a source or build file (templates, assets, configuration). Only when the folder's "
        "contents are provable from the Dockerfile and the build context (Go, Rust and C/C++ "
        "builds; every RUN accounted for) and the runtime runs that binary, not an interpreter "
        "or a script that may read any file."
    )
    default = False
    codes: ClassVar[Mapping[str, str]] = {
        "NC001": "no COPY --from copies files from another stage",
        "NC002": "the build context is missing or too large to list",
        "NC003": "the .dockerignore has a pattern BuildKit rejects",
        "NC004": "the COPY opts out (# msb-migrate: skip)",
        "NC005": "the COPY has a shape this codemod does not narrow",
        "NC006": "what the source folder holds cannot be proven (base image, COPY or ADD)",
        "NC007": "a RUN command cannot be read or followed",
        "NC008": "a RUN command may write into the folder in ways that are not tracked",
        "NC009": "the source stage compiles nothing this codemod recognises",
        "NC010": "the runtime may read any file of the folder",
        "NC011": "the runtime's command is not known or cannot be read",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        model = build_model(tree)
        copies = [e for e in model.edges if e.kind == "copy" and e.source is not None]
        if not copies:
            return self.skip(tree, "no COPY --from copies files from another stage", code="NC001")
        listing = walk_context(ctx)
        if listing is None:
            reason = "no build context to look at" if not ctx.has_context else "context too large"
            return self.skip(
                tree, f"{reason}: cannot prove what a build folder holds", code="NC002"
            )
        target = ignore_file(ctx)
        try:
            rules = IgnoreRules.parse(
                (read_raw(ctx, target, MAX_CONTEXT_FILE) or "") if target else ""
            )
        except PatternError as exc:
            return self.skip(
                tree, f"the .dockerignore has a pattern BuildKit rejects: {exc}", code="NC003"
            )
        replacements: dict[Node, list[Instruction]] = {}
        explanations: list[Explanation] = []
        skips: list[Skip] = []
        for edge in copies:
            assert edge.source is not None
            inst = edge.instruction
            line = tree.line_of(inst)
            if not self.allowed(tree, inst):
                skips.append(Skip(self.name, "COPY opted out", line, code="NC004"))
                continue
            try:
                new, why = _narrow(
                    model,
                    model.stages[edge.target],
                    model.stages[edge.source],
                    inst,
                    listing,
                    rules,
                )
            except Unsupported as exc:
                skips.append(
                    Skip(self.name, f"left whole: {exc.reason}", exc.line or line, code=exc.code)
                )
                continue
            replacements[inst] = new
            shown = ", ".join(n.values.items[0] for n in new)
            what = f"narrowed the copy of {inst.values.items[0]} to {shown}"
            explanations.append(self.explain(what, why, node=new[0]))
        if not replacements:
            return Result(tree, skips=tuple(skips))
        nodes: list[Node] = []
        for node in tree.nodes:
            nodes.extend(replacements.get(node, [node]))
        return Result(
            tree.with_changes(nodes=tuple(nodes)),
            explanations=tuple(explanations),
            skips=tuple(skips),
        )


def _narrow(
    model: BuildModel,
    runtime: Stage,
    source: Stage,
    inst: Instruction,
    listing: ContextListing,
    rules: IgnoreRules,
) -> tuple[list[Instruction], str]:
    """The COPY lines that replace ``inst``, and why; raises :class:`Unsupported`."""
    state = runtime.state_of(inst)
    src, dest = _copy_paths(inst, state)
    root = posixpath.normpath("/" + src.lstrip("/"))
    if not _app_folder(root):
        raise Unsupported(
            f"{root} is a system folder: the base image has files there", code="NC006"
        )
    folder = _replay(model, source, root, listing, rules)
    if root not in folder.dirs:
        raise Unsupported(
            f"no step of the build is known to create the folder {root}", code="NC006"
        )
    resolved = copy_destination(runtime, inst)
    assert resolved is not None  # a COPY of one folder to one destination
    dest_root = resolved.path  # a folder's contents land at the destination
    needed, binary = _needed(model, runtime, inst, folder, dest_root)
    kept = {rel for rel in folder.files if not folder.dropped(rel)}
    for rel in needed:
        below = [f for f in folder.files if f == rel or f.startswith(rel + "/")]
        if below:
            kept.update(below)
        elif rel == binary:
            kept.add(rel)
        elif folder.in_tool_dir(rel):
            raise Unsupported(
                f"the runtime names {rel}, which a build tool may or may not write", code="NC010"
            )
    dropped = [rel for rel in folder.files if rel not in kept]
    if not dropped and not folder.tool_dirs:
        raise Unsupported(f"the runtime may use everything in {root}", code="NC010")
    parts = _group(folder, kept, binary)
    if len(parts) > MAX_LINES:
        raise Unsupported(f"the runtime may read {len(parts)} parts of {root}", code="NC010")
    new = [_retarget(inst, src, dest, rel) for rel in parts]
    why = (
        f"the runtime runs {posixpath.join(dest_root, binary)}; the rest of {root} is "
        f"{_what(folder, dropped)}, which it never reads"
    )
    return new, why


# -- the COPY -------------------------------------------------------------------------------------
_WILDCARD = re.compile(r"[*?\[]")


def _copy_paths(inst: Instruction, state: RunState) -> tuple[str, str]:
    names = {flag.name for flag in inst.flags if flag.text != "--"}
    if names - _COPY_FLAGS:
        raise Unsupported(
            f"COPY --{sorted(names - _COPY_FLAGS)[0]} changes what is copied", code="NC005"
        )
    items = inst.values.items
    if len(items) != 2 or inst.heredocs:
        raise Unsupported("only a COPY of one folder to one destination is narrowed", code="NC005")
    src, dest = (substitute(item, state.variables, inst.escape) for item in items)
    if "$" in src + dest or _WILDCARD.search(src):
        raise Unsupported("the COPY's paths hold a variable or a wildcard", code="NC005")
    if any(c.isspace() for c in src + dest) and not inst.is_json:
        raise Unsupported("the COPY's paths hold spaces", code="NC005")
    return src, dest


def _app_folder(path: str) -> bool:
    """A folder a known base image leaves empty: ``/app``, ``/src``, ``/usr/src/app``…"""
    parts = path.strip("/").split("/")
    if not parts[0]:
        return False
    if parts[0] not in SYSTEM_FOLDERS:
        return True
    return any(path.startswith(p) and len(parts) >= depth for p, depth in _APP_PARENTS.items())


def _retarget(inst: Instruction, src: str, dest: str, rel: str) -> Instruction:
    """The COPY with ``src/rel`` copied to ``dest/rel`` (flags and layout kept)."""
    new_src = f"{src.rstrip('/')}/{rel}"
    if dest.endswith("/"):
        new_dest = dest + rel
    elif dest in (".", "./"):
        new_dest = f"./{rel}"
    else:
        new_dest = f"{dest}/{rel}"
    if inst.is_json:
        return inst.with_args(json.dumps([new_src, new_dest]))
    return inst.with_args(f"{new_src} {new_dest}")


def _group(folder: _Folder, kept: set[str], binary: str) -> list[str]:
    """The fewest paths covering ``kept``: a folder where everything below it is kept (the
    binary the runtime runs is always named on its own)."""

    def whole(prefix: str) -> bool:
        below = [rel for rel in folder.files if rel.startswith(prefix + "/")]
        unknown = any(d == prefix or d.startswith(prefix + "/") for d in folder.tool_dirs)
        return bool(below) and not unknown and all(rel in kept for rel in below)

    parts: set[str] = set()
    for rel in kept - {binary}:
        pieces = rel.split("/")
        prefixes = ("/".join(pieces[:i]) for i in range(1, len(pieces)))
        parts.add(next((p for p in prefixes if whole(p)), rel))
    if not any(binary.startswith(part + "/") for part in parts):
        parts.add(binary)
    return sorted(parts)


def _what(folder: _Folder, dropped: Sequence[str]) -> str:
    languages = {"go": "Go", "rust": "Rust", "c": "C/C++"}
    names = " and ".join(languages[lang] for lang in sorted(folder.languages))
    what = f"{len(dropped)} {names} source and project files"
    tools = sorted(d + "/" for d in folder.tool_dirs if d)
    return what + (f" and build output ({', '.join(tools)})" if tools else "")


# -- replaying the source stage -------------------------------------------------------------------
def _replay(
    model: BuildModel, stage: Stage, root: str, listing: ContextListing, rules: IgnoreRules
) -> _Folder:
    chain = stage.ancestry()
    base = chain[0].image
    if base is None or (not base.is_scratch and distro_of(base) is None):
        raise Unsupported(
            f"unknown base image {chain[0].base}: it may ship files in {root}", code="NC006"
        )
    folder = _Folder(root)
    for current in chain:
        for inst, state in zip(current.instructions, current.states, strict=True):
            directive = inst.directive
            if directive == "WORKDIR":
                folder.dirs.add(_workdir(inst, state))
            elif directive in ("COPY", "ADD"):
                _copy(folder, stage, inst, state, listing, rules)
            elif directive == "RUN":
                _run(folder, inst, state)
            elif directive == "SHELL":
                raise Unsupported("SHELL changes how RUN commands are read", code="NC007")
    if not folder.languages:
        raise Unsupported("the stage compiles nothing we recognise (Go, Rust, C/C++)", code="NC009")
    return folder


def _workdir(inst: Instruction, state: RunState) -> str:
    path = substitute(inst.value, state.variables, inst.escape)
    return posixpath.normpath(posixpath.join(state.workdir, path))


def _copy(
    folder: _Folder,
    stage: Stage,
    inst: Instruction,
    state: RunState,
    listing: ContextListing,
    rules: IgnoreRules,
) -> None:
    """Replay a COPY/ADD: the context files that land in the folder."""
    items = inst.values.items
    dest = copy_destination(stage, inst, listing.dirs.__contains__)
    if dest is None or not folder.inside(dest.path):
        return
    dest_abs = dest.path
    if inst.flag("from") is not None or inst.heredocs:
        raise Unsupported(
            f"{inst.directive} writes files from elsewhere into {folder.root}", code="NC006"
        )
    names = {flag.name for flag in inst.flags if flag.text != "--"}
    if names - {"chown", "chmod", "link"}:
        raise Unsupported(f"{inst.directive} --{sorted(names)[0]} is not replayed", code="NC006")
    sources = context_sources(inst, state.variables)
    if sources is None or len(sources) != len(items) - 1:
        raise Unsupported(f"{inst.directive} copies a URL or a path with a variable", code="NC006")
    if dest.into:
        folder.dirs.add(dest_abs)
    for source in sources:
        if not source:
            _copy_folder(folder, listing, rules, "", dest_abs)
            continue
        if _WILDCARD.search(source):
            regex = source_regex(source)
            matched = sorted(p for p in listing.paths if regex.match(p))
        else:
            matched = [source] if listing.exists(source) and not rules.excluded(source) else []
        if not matched:
            raise Unsupported(
                f"{inst.directive} source {source} is not in the context", code="NC006"
            )
        if len(matched) > 1 and not dest.into:
            raise Unsupported(
                f"{inst.directive} source {source} matches several files and {dest_abs} is not "
                "a folder: each would overwrite the last",
                code="NC006",
            )
        for path in matched:
            if rules.excluded(path):
                continue
            if path in listing.dirs:
                _copy_folder(folder, listing, rules, path, dest_abs)
                continue
            if inst.directive == "ADD" and _ARCHIVE.search(path):
                raise Unsupported(f"ADD unpacks {path}", code="NC006")
            folder.add(dest.target(path), "context")


def _copy_folder(
    folder: _Folder, listing: ContextListing, rules: IgnoreRules, source: str, dest_abs: str
) -> None:
    folder.dirs.add(dest_abs)
    paths = listing.under(source) if source else sorted(listing.paths)
    for path in paths:
        if rules.excluded(path):
            continue
        target = posixpath.join(dest_abs, path[len(source) + 1 :] if source else path)
        if path in listing.opaque:
            folder.add(target, "opaque")
        elif path in listing.files:
            folder.add(target, "context")
        else:
            folder.dirs.add(target)


def _commands(inst: Instruction, state: RunState) -> list[Command]:
    """The commands of a RUN, each with its working directory (opaque → Unsupported)."""
    if state.shell != DEFAULT_SHELL:
        raise Unsupported("RUN uses another shell", code="NC007")
    argv = inst.exec_args
    if argv is not None and (not argv or (program(argv) in SHELLS and shell_script(argv) is None)):
        raise Unsupported("RUN runs a shell we cannot follow", code="NC007")
    script = run_commands(inst, state)
    if "opaque" in script.problems:
        raise Unsupported("a RUN command cannot be read", code="NC007")
    return list(script.commands)


def _run(folder: _Folder, inst: Instruction, state: RunState) -> None:
    for spec in inst.flags_named("mount"):
        for part in spec.split(","):
            key, _, value = part.partition("=")
            if key.strip().lower() in ("target", "dst", "destination"):
                mount = posixpath.normpath(posixpath.join(state.workdir, value.strip('" ')))
                if folder.inside(mount):
                    raise Unsupported(
                        f"RUN mounts {mount} over the folder: its files are not kept", code="NC008"
                    )
    for command in _commands(inst, state):
        _effect(folder, command, state)


def _resolve(command: Command, state: RunState, word: str) -> str:
    variables = {**state.variables, **dict(command.assignments)}
    value = substitute(word, variables)
    if "$" in value or "`" in value:
        raise Unsupported(f"`{command.text}` uses {word}, which cannot be resolved", code="NC007")
    if value.startswith("/"):
        return posixpath.normpath(value)
    if command.cwd is None:
        raise Unsupported(f"the directory of `{command.text}` is not known", code="NC007")
    return posixpath.normpath(posixpath.join(command.cwd, value))


def _option(words: Sequence[str], *names: str) -> str | None:
    """The FIRST of ``names`` (``-o X``, ``-o=X``): not semantics.option (last one, ``=`` only
    after ``--``), whose answer differs when an option is repeated or written ``-o=X``."""
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


def _effect(folder: _Folder, command: Command, state: RunState) -> None:
    """Apply what ``command`` does to the build folder, or raise when it cannot be told."""
    words = command.words
    for redirect in command.redirects:
        operator = redirect.lstrip("0123456789&")
        target = operator.lstrip(">|").strip()
        writes = operator.startswith(">") and target and not target.startswith("&")
        if writes and folder.inside(_resolve(command, state, target)):
            raise Unsupported(f"`{command.text}` writes {target} into the folder", code="NC008")
    if not words:
        return
    name = program(words)
    args = list(words[1:])
    sub = next((a for a in args if not a.startswith("-")), "")
    if name == "go":
        _go(folder, command, state, sub, args)
    elif name == "cargo":
        _cargo(folder, command, state, sub, args)
    elif name in _COMPILERS:
        folder.languages.add("c")
        out = _option(args, "-o")
        if out is None and "-c" in args:
            raise Unsupported(
                f"`{command.text}` writes object files beside its sources", code="NC008"
            )
        folder.add(_resolve(command, state, out or "a.out"), "artifact")
    elif name == "mkdir":
        folder.dirs.update(_resolve(command, state, a) for a in args if not a.startswith("-"))
    elif name == "rm":
        for arg in args:
            if not arg.startswith("-"):
                _remove(folder, _resolve(command, state, arg))
    elif name in _WRITES_ARGS:
        if command.cwd is None or folder.inside(command.cwd):
            raise Unsupported(
                f"`{command.text}` runs in the folder and may write into it", code="NC008"
            )
        for arg in args:
            if not arg.startswith("-") and folder.inside(_resolve(command, state, arg)):
                raise Unsupported(f"`{command.text}` may write into {folder.root}", code="NC008")
    elif name not in _NO_WRITE:
        raise Unsupported(f"`{command.text}` may write files we cannot see", code="NC008")


def _remove(folder: _Folder, path: str) -> None:
    if not _WILDCARD.search(path):
        folder.remove(path)
        return
    rel = folder.rel(path)
    if rel is None:
        if folder.inside(path):
            raise Unsupported(f"`rm {path}` may remove the folder", code="NC008")
        return
    regex = source_regex(rel)
    for key in list(folder.files):
        parts = key.split("/")
        if any(regex.match("/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            folder.remove(posixpath.join(folder.root, key))


def _go(folder: _Folder, command: Command, state: RunState, sub: str, args: list[str]) -> None:
    folder.languages.add("go")
    if sub == "build":
        out = _option(args, "-o")
        if out is None or out.endswith("/"):
            raise Unsupported(
                "`go build` without -o FILE: the binary's name is not known", code="NC008"
            )
        path = _resolve(command, state, out)
        if path in folder.dirs:
            raise Unsupported(f"`go build -o {out}` writes into a folder", code="NC008")
        folder.add(path, "artifact")
    elif sub == "mod" and "vendor" in args:
        rel = folder.rel(_resolve(command, state, "vendor"))
        if rel is not None:
            folder.tool_dirs.add(rel)
    elif sub not in _GO_NO_WRITE:
        raise Unsupported(f"`go {sub}` may write files into the folder", code="NC008")
    elif sub == "install" and folder.inside(state.env.get("GOBIN", "/go/bin")):
        raise Unsupported("`go install` writes into the folder", code="NC008")


def _cargo(folder: _Folder, command: Command, state: RunState, sub: str, args: list[str]) -> None:
    folder.languages.add("rust")
    if sub in ("build", "install", "chef"):
        if _option(args, "--manifest-path", "--root", "--target-dir") is not None:
            raise Unsupported(f"`cargo {sub}` writes outside the usual target folder", code="NC008")
        target = _resolve(command, state, state.env.get("CARGO_TARGET_DIR", "target"))
        rel = folder.rel(target)
        if rel is not None:
            folder.tool_dirs.add(rel)
        if sub == "chef" and "prepare" in args:
            recipe = _option(args, "--recipe-path") or "recipe.json"
            folder.add(_resolve(command, state, recipe), "artifact")
    elif sub in ("new", "init"):
        path = _resolve(command, state, next((a for a in args[1:] if a[:1] != "-"), "."))
        rel = folder.rel(path)
        if rel is not None:
            folder.tool_dirs.add(rel)
        elif folder.inside(path):
            raise Unsupported(f"`cargo {sub}` writes around the folder", code="NC008")
    elif sub not in _CARGO_NO_WRITE:
        raise Unsupported(f"`cargo {sub}` may write files into the folder", code="NC008")


# -- what the runtime uses ------------------------------------------------------------------------
def _needed(
    model: BuildModel, runtime: Stage, copy: Instruction, folder: _Folder, dest_root: str
) -> tuple[set[str], str]:
    """Paths of the folder the runtime stage names, and the binary it runs from there; raises
    unless that binary is compiled in the source stage."""
    if model.users_of(runtime.index):
        raise Unsupported(
            "other stages build on the runtime stage and may read any file", code="NC010"
        )
    final = runtime.final_state
    assert final is not None
    commands = [(words, final) for words in _container_commands(model, runtime, final)]
    if not commands:
        raise Unsupported(
            "the runtime's command is not known (it comes from the base image)", code="NC011"
        )
    after = False
    for inst, state in zip(runtime.instructions, runtime.states, strict=True):
        if inst is copy:
            after = True
        elif after and inst.directive == "RUN":
            commands.extend((c.words, state) for c in _commands(inst, state))
    # paths the commands name, and paths in the environment the program may be told about
    needed = {rel for value in final.env.values() for rel in _paths(value, final, dest_root)}
    for words, state in commands:
        needed.update(rel for word in words for rel in _paths(word, state, dest_root))
        exe = _executable(words, state, dest_root)
        if exe is not None and not _compiled(folder, exe):
            raise Unsupported(
                f"the runtime runs {exe} from the folder, which may read any file", code="NC010"
            )
    main_words, main_state = commands[0]
    binary = _executable(main_words, main_state, dest_root)
    if binary is None:
        first = program(main_words) or "a program"
        raise Unsupported(
            f"the runtime runs {first}, which may read any file of the folder", code="NC010"
        )
    return needed, binary


def _container_commands(model: BuildModel, stage: Stage, state: RunState) -> list[Words]:
    """The commands the container runs: ENTRYPOINT and CMD, unwrapped (``exec``, ``tini --``,
    ``sh -c``), and an exec-form HEALTHCHECK."""
    entrypoint, cmd = model.entrypoint(stage), model.cmd(stage)
    if isinstance(entrypoint, str):  # a shell-form ENTRYPOINT ignores CMD
        out = _unwrapped(("/bin/sh", "-c", entrypoint), state)
    else:  # a shell-form CMD is run by /bin/sh -c, after the ENTRYPOINT's words
        tail = ("/bin/sh", "-c", cmd) if isinstance(cmd, str) else tuple(cmd or ())
        argv = (*(entrypoint or ()), *tail)
        out = _unwrapped(argv, state) if argv else []
    check = stage.last("HEALTHCHECK")
    if check is not None and check.exec_args:
        out.append(tuple(check.exec_args))
    return out


def _unwrapped(argv: Words, state: RunState, depth: int = 0) -> list[Words]:
    while argv and program(argv) in _WRAPPERS:
        argv = argv[2:] if argv[1:2] == ("--",) else argv[1:]
    if depth < 2 and shell_script(argv) is not None:
        script = exec_commands(argv, state)
        if not script.readable:
            raise Unsupported("the runtime's command cannot be read", code="NC011")
        return [w for c in script.words() for w in _unwrapped(c, state, depth + 1)]
    return [argv] if argv else []


def _paths(word: str, state: RunState, dest_root: str) -> list[str]:
    """The folder paths (relative) in a word: ``--config=/app/c.yaml``, ``a:/app/b``…"""
    mapped = (_mapped(part, state, dest_root) for part in re.split(r"[=:,]", word))
    return [rel for rel in mapped if rel is not None]


def _mapped(word: str, state: RunState, dest_root: str) -> str | None:
    """``word`` as a path inside the copied folder (relative), or None."""
    if "/" not in word or "$" in word:
        return None
    path = posixpath.normpath(posixpath.join(state.workdir, word))
    prefix = dest_root.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def _executable(words: Words, state: RunState, dest_root: str) -> str | None:
    """The folder path (relative) of the program ``words`` runs, if it comes from the folder."""
    exe = words[0] if words else ""
    if "/" in exe:
        return _mapped(exe, state, dest_root)
    for directory in state.env.get("PATH", _DEFAULT_PATH).split(":"):
        rel = _mapped(posixpath.join(directory or ".", exe), state, dest_root) if exe else None
        if rel is not None:
            return rel
    return None


def _compiled(folder: _Folder, rel: str) -> bool:
    """A binary a compiler wrote: a known artifact, or cargo's output under its target folder."""
    if folder.files.get(rel) == "artifact":
        return True
    return "rust" in folder.languages and folder.in_tool_dir(rel) and rel not in folder.files
