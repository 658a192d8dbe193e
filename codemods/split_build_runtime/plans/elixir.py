"""Elixir: the release ``mix release`` assembled, on the slim image of the builder's Debian
release (``elixir:1.16`` → ``debian:bookworm-slim``) with the libraries the Erlang runtime
links.

Decisions: the release (``_build/<MIX_ENV>/rel/<name>``, or ``--path``) bundles ERTS, so the
runtime needs neither Elixir nor Erlang; it is copied to the same path and the start command
must run its start script (``bin/<name> start``). The release's name is the one given to
``mix release``, else the application's name in ``mix.exs`` (a ``releases:`` list without a
name given, or a ``mix.exs`` that cannot be read, is a reason to skip). A start command that
runs ``mix`` or ``iex`` needs the toolchain (SPL011, read with the facts).
"""

from __future__ import annotations

import posixpath

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.facts import Facts, Run, absolute, operands
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.analysis.semantics import option, under
from refactor.analysis.shell import Command
from refactor.data import ecosystems as eco
from refactor.data import elixir
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    releases = [(run, cmd) for run, cmd in f.all_commands if _release(cmd)]
    if not releases:
        raise Unsupported(
            "no `mix release` step: the app can only run from its sources, with Elixir and "
            "Erlang (the toolchain)",
            code="SPL011",
        )
    steps.flavour(f, "elixir")
    packages, user_runs = steps.packages(f)
    codename = _codename(f)
    if packages and codename != eco.PACKAGES_CODENAME:
        raise Unsupported(
            f"runtime library names are known for Debian {eco.PACKAGES_CODENAME}, and "
            f"`{f.image}` is built on {codename}",
            code="SPL015",
        )
    folder = _release_folder(f, *releases[-1])
    result = Plan(
        steps.explicit(f, f"debian:{codename}-slim"),
        "a release bundles the Erlang runtime and the compiled apps: it needs only the "
        f"builder's Debian release ({codename}) and the libraries the runtime system links",
        eco.RUNTIME_PROGRAMS["slim"],
    )
    packages.extend(p for p in elixir.RUNTIME_PACKAGES if p not in packages)
    steps.system_packages(f, result, packages, user_runs)
    missing = [f"{k}={v}" for k, v in elixir.RUNTIME_ENV if k not in f.final.env]
    if missing:
        env = f.new("ENV", " ".join(missing))
        result.runtime_head.insert(0, env)
        result.explanations.append(
            (
                env,
                f"sets {', '.join(missing)} in the runtime stage",
                "Elixir expects a UTF-8 locale, and the release writes its runtime "
                "configuration to RELEASE_TMP at boot, which any user can write in /tmp",
            )
        )
    result.copies.append(Copy(folder, folder, "the release: the compiled apps and ERTS"))
    _check_start(f, folder)
    steps.check_after_build(f, [folder])
    return result


def _release(cmd: Command) -> bool:
    return cmd.name == "mix" and operands(cmd)[:1] == ["release"]


def _codename(f: Facts) -> str:
    found = eco.builder_codename(f.image)
    tag = (f.image.tag or "latest").lower()
    if found is None and f.image.hub_name == "elixir" and "alpine" not in tag:
        found = elixir.CODENAMES.get(".".join(tag.split("-")[0].split(".")[:2]))
    if found is None and "alpine" in tag:
        raise Unsupported(
            f"`{f.image}` is Alpine: the release links musl, and the runtime libraries of an "
            "Alpine release are not mapped",
            code="SPL022",
        )
    if found is None:
        raise Unsupported(
            f"unknown Debian release of `{f.image}`: the release's runtime needs the same "
            "glibc (name it in the tag, e.g. `-bookworm`)",
            code="SPL022",
        )
    return found


def _release_folder(f: Facts, run: Run, cmd: Command) -> str:
    """The absolute folder ``mix release`` writes."""
    path = option(cmd.args, "--path", attached=True)
    if path is not None:
        return absolute(cmd.cwd, path)
    mix_env = dict(cmd.assignments).get("MIX_ENV") or run.state.env.get(
        "MIX_ENV", elixir.DEFAULT_MIX_ENV
    )
    names = operands(cmd)[1:]
    if names:
        name = names[0]
    else:
        manifest = _manifest(f, cmd)
        found = elixir.APP_NAME.search(manifest)
        if found is None or elixir.RELEASES_KEY.search(manifest):
            raise Unsupported(
                f"cannot tell the release's name from {elixir.MANIFEST}", run.line, code="SPL013"
            )
        name = found.group(1)
    if "$" in mix_env + name:
        raise Unsupported("the release's folder is named by a variable", run.line, code="SPL013")
    return absolute(cmd.cwd, elixir.release_folder(mix_env, name))


def _manifest(f: Facts, cmd: Command) -> str:
    """mix.exs of the project ``cmd`` builds (the context's, when copied to its folder)."""
    text = f.ctx.read(elixir.MANIFEST)
    if text is None or not any(under(absolute(cmd.cwd, "."), r) for r in f.copy_roots):
        raise Unsupported(
            f"{elixir.MANIFEST} cannot be read: the release's name is unknown", code="SPL013"
        )
    return text


def _check_start(f: Facts, folder: str) -> None:
    """The start command runs the release's start script."""
    words = f.start
    path = absolute(f.final.workdir, words[0]) if "/" in words[0] else words[0]
    script = posixpath.join(folder, "bin", posixpath.basename(path))
    if path != script or len(words) < 2 or words[1] not in elixir.RELEASE_COMMANDS:
        raise Unsupported(
            f"the start command `{' '.join(words)}` does not start the release in {folder}",
            code="SPL021",
        )
