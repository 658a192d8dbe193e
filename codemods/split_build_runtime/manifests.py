"""What the build context's manifests say: the names of the files a build writes
(``go.mod``'s module, ``Cargo.toml``'s binaries, ``pom.xml``'s artifact) and package.json's
scripts. Each reader takes the :class:`~refactor.engine.codemod.Context` (whose reads are
cached) and answers None or a pattern when the file is missing or unreadable.
"""

from __future__ import annotations

import json
import re

from refactor.engine.codemod import Context

__all__ = [
    "cargo_bins",
    "go_module_name",
    "maven_artifact",
    "next_standalone",
    "package_json",
    "script",
]


def go_module_name(ctx: Context, folder: str = "") -> str | None:
    """The last element of the module path of ``folder``'s go.mod (the context root's by
    default): ``go build`` in the module's root names the binary after it."""
    text = ctx.read(f"{folder}/go.mod" if folder else "go.mod")
    if text is None:
        return None
    found = re.search(r"^module\s+(\S+)", text, re.M)
    if not found:
        return None
    parts = found.group(1).strip('"').split("/")
    if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
        return parts[-2]
    return parts[-1]


def cargo_bins(ctx: Context) -> list[str]:
    """The binaries Cargo.toml declares (the package name when none), else ``["*"]``."""
    text = ctx.read("Cargo.toml")
    if text is None:
        return ["*"]
    bins = re.findall(r"\[\[bin\]\][^\[]*?name\s*=\s*\"([^\"]+)\"", text, re.S)
    package = re.search(r"\[package\][^\[]*?name\s*=\s*\"([^\"]+)\"", text, re.S)
    if package and not bins:
        bins.append(package.group(1))
    return bins or ["*"]


def maven_artifact(ctx: Context) -> str:
    """The file name ``mvn package`` writes, from pom.xml (``<finalName>`` or
    ``artifactId-version``, ``.jar``/``.war`` by ``<packaging>``), else ``*.jar``/``*.war``."""
    pom = ctx.read("pom.xml")
    if pom is None:
        return "*.[jw]ar"
    own = re.sub(
        r"<(parent|dependencies|dependencyManagement|plugins|pluginManagement|profiles)>"
        r".*?</\1>",
        "",
        re.sub(r"<!--.*?-->", "", pom, flags=re.S),
        flags=re.S,
    )

    def tag(name: str) -> str | None:
        found = re.search(rf"<{name}>\s*([^<]+?)\s*</{name}>", own)
        return found.group(1) if found else None

    packaging = tag("packaging") or "jar"
    if packaging not in ("jar", "war"):
        return "*.[jw]ar"
    artifact, version = tag("artifactId"), tag("version")
    name = tag("finalName") or (f"{artifact}-{version}" if artifact and version else None)
    if name is None or "${" in name:
        return f"*.{packaging}"
    return f"{name}.{packaging}"


def package_json(ctx: Context, path: str = "package.json") -> dict[str, object] | None:
    """The package.json at ``path`` of the context (the root's by default), or None."""
    text = ctx.read(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def script(ctx: Context, name: str, path: str = "package.json") -> str | None:
    """The script ``name`` of the package.json at ``path`` (None when missing or unreadable)."""
    data = package_json(ctx, path)
    scripts = data.get("scripts") if data else None
    value = scripts.get(name) if isinstance(scripts, dict) else None
    return value if isinstance(value, str) else None


def next_standalone(ctx: Context) -> bool:
    """Whether next.config.* asks for the standalone output (a self-contained server)."""
    return any(
        re.search(r"""output\s*:\s*["']standalone["']""", ctx.read(path) or "")
        for path in ctx.glob("next.config.*")
    )
