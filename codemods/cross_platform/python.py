"""Python: pure-Python distributions are the same on every platform, compiled wheels are not.

An install moves only when every distribution it installs (and every one those depend on) is
in :data:`refactor.data.platforms.PURE_PYTHON`: pip's operands and requirement files (followed
through ``-r``, read from the build context through the COPY instructions), the packages of
``poetry.lock``/``uv.lock`` (each must have wheels, all ``-none-any``) or of ``Pipfile.lock``.
Extras, local projects, URLs and options that install elsewhere or for another platform
cannot be proven, so they are refused.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from codemods.cross_platform.facts import BuildFacts, Step, Toolchain
from refactor.analysis.crossbuild import context_source
from refactor.analysis.model import Stage, resolve_workdir
from refactor.data import platforms as pf
from refactor.engine.codemod import Context, Unsupported
from refactor.syntax.tree import Instruction

if TYPE_CHECKING:
    from codemods.cross_platform.planner import CrossBuild

__all__ = ["Python"]

_PYTHON = re.compile(r"python[\d.]*")
_PIP = re.compile(r"pip[\d.]*")
#: pip options followed by a value that is not a requirement.
_PIP_VALUE_OPTIONS = frozenset(
    {
        "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
        "--cache-dir", "--progress-bar", "--upgrade-strategy", "--root", "--prefix",
        "--src", "-c", "--constraint",
    }
)  # fmt: skip
#: pip options that install for another place or platform.
_PIP_ELSEWHERE = ("-t", "--target", "--platform", "--python-version")


class Python(Toolchain):
    kind = "python"

    def classify(self, plan: CrossBuild, step: Step, facts: BuildFacts) -> bool:
        if not is_install(step.words):
            return False
        facts.python_installs.append(step)
        facts.kinds[step.stage.index].add(self.kind)
        return True

    def check(self, plan: CrossBuild, facts: BuildFacts) -> None:
        for step in facts.python_installs:
            words = step.words
            reader = _Reader(plan.ctx, step.stage.ancestry(), step.inst, step.cwd)
            line = step.line
            name = step.name
            if _PYTHON.fullmatch(name) and words[1:3] == ("-m", "pip"):
                words, name = ("pip", *words[3:]), "pip"
            if _PIP.fullmatch(name):
                names = reader.pip_names(words[2:], line)
            elif name == "poetry":
                names = reader.locked_wheels("poetry.lock", line)
            elif name == "uv":
                names = reader.locked_wheels("uv.lock", line)
            elif name == "pipenv":
                names = reader.pipfile_names("--dev" in words, line)
            else:
                raise Unsupported(
                    f"cannot tell whether `{step.cmd.text}` installs compiled packages",
                    line,
                    code="XP024",
                )
            check_pure(names, line)


def is_install(words: tuple[str, ...]) -> bool:
    """Whether the command installs Python distributions."""
    name = words[0].rpartition("/")[2]
    if _PYTHON.fullmatch(name):
        if words[1:3] == ("-m", "pip"):
            return "install" in words[3:4]
        return any(w.endswith("setup.py") for w in words[1:2]) and bool(
            {"install", "build", "build_ext", "bdist_wheel", "develop"} & set(words[2:])
        )
    if _PIP.fullmatch(name):
        return "install" in words[1:2]
    subs = pf.PYTHON_INSTALLS.get(name)
    return subs is not None and bool(words[1:2]) and words[1] in subs


def check_pure(names: Iterable[str], line: int | None) -> None:
    """Refuse unless every distribution and its dependencies are known to be pure Python."""
    todo = list(names)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in pf.PURE_PYTHON:
            raise Unsupported(
                f"`{name}` is not known to be pure Python: a compiled wheel would be the "
                "build platform's",
                line,
                code="XP026",
            )
        todo.extend(pf.PURE_PYTHON[name])


class _Reader:
    """The distributions an install names, read from the build context as the stage sees it
    (``chain``, root first, before ``inst``, in the folder ``cwd``)."""

    def __init__(self, ctx: Context, chain: Sequence[Stage], inst: Instruction, cwd: str) -> None:
        self.ctx = ctx
        self.chain = chain
        self.inst = inst
        self.cwd = cwd

    def read(self, file: str, line: int | None) -> tuple[str, str]:
        rel = context_source(self.chain, resolve_workdir(self.cwd, file), before=self.inst)
        text = self.ctx.read(rel) if rel is not None else None
        if rel is None or text is None:
            raise Unsupported(
                f"cannot read {file} to rule out compiled Python packages", line, code="XP024"
            )
        return rel, text

    def pip_names(self, args: Sequence[str], line: int | None) -> list[str]:
        names: list[str] = []
        i = 0
        while i < len(args):
            word = args[i]
            if word in ("-r", "--requirement") and i + 1 < len(args):
                rel, text = self.read(args[i + 1], line)
                names.extend(self.requirement_names(rel, text, line))
                i += 2
                continue
            if word in _PIP_VALUE_OPTIONS:
                i += 2
                continue
            if word in _PIP_ELSEWHERE:
                raise Unsupported(f"`pip install {word}` is not supported here", line, code="XP024")
            if word.startswith("-"):
                i += 1
                continue
            names.append(requirement_name(word, line))
            i += 1
        return names

    def requirement_names(self, rel: str, text: str, line: int | None) -> list[str]:
        names: list[str] = []
        joined = re.sub(r"\\\r?\n", " ", text)
        for raw in joined.splitlines():
            entry = re.sub(r"(^|\s)#.*$", "", raw).strip()
            if not entry:
                continue
            if entry.startswith(("-r ", "--requirement")):
                nested = entry.split(None, 1)[1] if " " in entry else entry.split("=", 1)[1]
                path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), nested.strip()))
                text_nested = self.ctx.read(path)
                if text_nested is None:
                    raise Unsupported(
                        f"cannot read {path} to rule out compiled packages", line, code="XP024"
                    )
                names.extend(self.requirement_names(path, text_nested, line))
                continue
            if entry.startswith(("-c ", "--constraint", "--index-url", "-i ", "--extra-index")):
                continue
            if entry.startswith("-"):
                raise Unsupported(
                    f"{rel} has `{entry.split()[0]}`: cannot check it", line, code="XP024"
                )
            names.append(requirement_name(entry.split(";", 1)[0].split()[0], line))
        return names

    def locked_wheels(self, lock: str, line: int | None) -> list[str]:
        """Packages of poetry.lock/uv.lock whose wheels are all ``-none-any`` (else raises)."""
        _, text = self.read(lock, line)
        for block in re.split(r"^\[\[package\]\]\s*$", text, flags=re.M)[1:]:
            name = re.search(r'^name = "([^"]+)"', block, re.M)
            label = name.group(1) if name else "a package"
            if re.search(r"^source = \{ *(?:editable|virtual) = \"\.\"", block, re.M):
                continue  # the project itself
            wheels = re.findall(r'([\w.+-]+\.whl)"', block)
            if not wheels:
                raise Unsupported(
                    f"`{label}` has no wheel in {lock}: it is built on the build platform",
                    line,
                    code="XP026",
                )
            compiled = [w for w in wheels if not w.endswith("-none-any.whl")]
            if compiled:
                raise Unsupported(
                    f"`{label}` ships compiled wheels ({compiled[0]}): the build platform's "
                    "one would be installed",
                    line,
                    code="XP026",
                )
        return []

    def pipfile_names(self, dev: bool, line: int | None) -> list[str]:
        _, text = self.read("Pipfile.lock", line)
        try:
            data = json.loads(text)
        except ValueError:
            raise Unsupported("Pipfile.lock is not valid JSON", line, code="XP024") from None
        groups = ("default", "develop") if dev else ("default",)
        return [pf.normalise_python_name(n) for g in groups for n in (data.get(g) or {})]


def requirement_name(spec: str, line: int | None) -> str:
    """The normalised distribution a requirement names (extras, paths and URLs refused)."""
    if "[" in spec:
        raise Unsupported(
            f"`{spec}` asks for extras, which may be compiled packages", line, code="XP026"
        )
    found = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[=<>!~]|$)", spec)
    if found is None or "/" in spec or spec.startswith("."):
        raise Unsupported(
            f"`{spec}` is a local project, file or URL: cannot prove it is pure Python",
            line,
            code="XP024",
        )
    return pf.normalise_python_name(found.group(1))
