"""Ruby (Bundler): the same Ruby on the slim image (``ruby:<v>`` → ``ruby:<v>-slim``), with the
gems ``bundle install`` wrote and the app folders.

Decisions: the gems are copied from where Bundler put them — the image's ``GEM_HOME``
(``/usr/local/bundle``, which also holds the gems' executables and the local Bundler
configuration), a ``BUNDLE_PATH``/``--path``/``bundle config path`` folder, or the app's
``vendor/bundle`` in deployment mode (copied with the app) — and the user's ``~/.bundle``
when ``bundle config`` wrote the user's configuration there; every ``BUNDLE_*`` ENV is carried
like any runtime ENV, so ``bundle exec`` sees the same groups (``BUNDLE_WITHOUT``). The full
ruby image ships ``-dev`` libraries a native gem links without any apt-get (``pg`` and libpq),
so the gems are read from ``Gemfile.lock``: a gem of
:data:`refactor.data.ruby.GEM_RUNTIME_PACKAGES` adds its runtime library to the slim image, and
a build whose lockfile cannot be read (no build context) is skipped (SPL023). The start command
may run a gem's executable (``rails``, ``puma``) when the lockfile has the gem.
"""

from __future__ import annotations

import posixpath

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.checks import worth_splitting
from codemods.split_build_runtime.facts import Facts, absolute, operands
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.analysis.semantics import option, under
from refactor.analysis.shell import Command
from refactor.data import ecosystems as eco
from refactor.data import ruby, system
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]

_TRUE = ("1", "true", "yes")


def plan(f: Facts) -> Plan:
    installs = [cmd for _, cmd in f.all_commands if _bundle(cmd, "install")]
    if not installs:
        raise Unsupported(
            "no `bundle install` step: nothing a runtime stage would leave behind", code="SPL012"
        )
    tag = eco.slim_tag(f.image.tag, "ruby")
    if tag is None:
        raise Unsupported(f"no slim variant is known for `{f.image}`", code="SPL024")
    steps.flavour(f, "ruby")
    packages, user_runs = steps.packages(f, ruby.RUBY_PACKAGES)
    image = steps.explicit(f, str(f.image.with_tag(tag)))
    # the slim image lacks the -dev libraries the full image ships: the gems must be known
    gems = _gems(f, required=image != str(f.image))
    if image != str(f.image):
        for gem in sorted(gems):
            packages.extend(p for p in ruby.GEM_RUNTIME_PACKAGES.get(gem, ()) if p not in packages)
    result = Plan(
        image,
        "the same Ruby on the slim image: the gems bundler built in the builder are copied, "
        "without the compilers and -dev libraries of the full image",
        ruby.RUNTIME_PROGRAMS,
    )
    steps.system_packages(f, result, packages, user_runs)
    roots = list(f.copy_roots)
    folders = [g for g in _gem_folders(f, installs) if not any(under(g, r) for r in roots)]
    for folder in folders:
        if folder in eco.SYSTEM_ROOTS or (
            folder != ruby.GEM_HOME
            and posixpath.basename(folder) != ruby.BUNDLE_CONFIG_FOLDER
            and any(under(folder, d) for d in system.SYSTEM_DIRS)
        ):
            raise Unsupported(
                f"Bundler installs the gems into the system folder `{folder}`", code="SPL020"
            )
        result.copies.append(Copy(folder, folder, _why(folder)))
    steps.app_copies(f, result, "the application files")
    _check_start(f, result, gems, [*roots, *folders])
    steps.check_after_build(f, [*roots, *folders])
    worth_splitting(f, result, [])
    return result


def _bundle(cmd: Command, verb: str) -> bool:
    """``bundle <verb>`` (``bundler`` too); ``bundle`` alone installs."""
    if cmd.name not in ("bundle", "bundler"):
        return False
    ops = operands(cmd)
    return ops[:1] == [verb] or (verb == "install" and not ops)


def _gems(f: Facts, *, required: bool) -> frozenset[str]:
    """The gems of the bundle (``Gemfile.lock`` of the build context); when it cannot be read,
    Unsupported if ``required``, else none."""
    paths = [ruby.LOCKFILE]
    for inst, _ in f.stage.steps("COPY", "ADD"):
        paths.extend(s for s in inst.values.items[:-1] if posixpath.basename(s) == ruby.LOCKFILE)
    text = next((t for t in (f.ctx.read(p.lstrip("/")) for p in paths) if t is not None), None)
    if text is None and not required:
        return frozenset()
    if text is None:
        raise Unsupported(
            f"{ruby.LOCKFILE} cannot be read (no build context): a native gem may link a "
            f"library of `{f.image}` (libpq, the MySQL client…) that the slim image lacks",
            code="SPL023",
        )
    return ruby.lock_gems(text)


def _gem_folders(f: Facts, installs: list[Command]) -> list[str]:
    """Where the gems, their executables and the Bundler configuration are (absolute)."""
    env = f.final.env
    folders = [env.get("GEM_HOME", ruby.GEM_HOME)]
    cwd = installs[-1].cwd
    path = env.get("BUNDLE_PATH")
    deployment = env.get("BUNDLE_DEPLOYMENT", "").lower() in _TRUE
    for run, cmd in f.all_commands:
        if _bundle(cmd, "install"):
            given = option(cmd.args, "--path")
            path = given or path
            deployment = deployment or cmd.has_flag("--deployment")
        elif _bundle(cmd, "config"):
            args = operands(cmd)[1:]
            writes = args[:1] == ["unset"] or len([a for a in args if a != "set"]) > 1
            ops = [o for o in args if o not in ("set", "unset")]
            if ops[:1] == ["path"] and len(ops) > 1:
                path = ops[1]
            elif ops[:1] == ["deployment"] and len(ops) > 1:
                deployment = ops[1].lower() in _TRUE
            if writes and not cmd.has_flag("--local"):  # the user's configuration, in HOME
                if run.state.home is None:
                    raise Unsupported(
                        "`bundle config` writes the user's configuration and the home of the "
                        "user cannot be told",
                        run.line,
                        code="SPL014",
                    )
                folders.append(posixpath.join(run.state.home, ruby.BUNDLE_CONFIG_FOLDER))
    if path is None and deployment:
        path = ruby.DEPLOYMENT_PATH
    if path is not None:
        if "$" in path:
            raise Unsupported(f"the gems' folder `{path}` is named by a variable", code="SPL013")
        folders.append(absolute(cwd, path))
    return list(dict.fromkeys(folders))


def _why(folder: str) -> str:
    if folder == ruby.GEM_HOME:
        return "the gems, their executables and the Bundler configuration (GEM_HOME)"
    if posixpath.basename(folder) == ruby.BUNDLE_CONFIG_FOLDER:
        return "the Bundler configuration `bundle config` wrote for the user"
    return "the gems Bundler installed"


def _check_start(f: Facts, result: Plan, gems: frozenset[str], kept: list[str]) -> None:
    """The program the start command runs (the one after ``bundle exec``) is Ruby's, a copied
    file, a runtime package's, or the executable of a gem of the lockfile."""
    words = list(f.start)
    if posixpath.basename(words[0]) in ("bundle", "bundler") and words[1:2] == ["exec"]:
        words = words[2:]
    if not words:
        raise Unsupported("`bundle exec` runs nothing", code="SPL009")
    word = words[0]
    if "/" in word:
        path = absolute(f.final.workdir, word)
        if not any(under(path, k) for k in kept):
            raise Unsupported(
                f"the start command runs `{path}`, which is outside the copied folders",
                code="SPL021",
            )
        return
    if word in result.programs:
        return
    if any(gem in gems for gem in ruby.GEM_EXECUTABLES.get(word, (word,))):
        result.programs = result.programs | {word}  # on the PATH from GEM_HOME's bin
        return
    raise Unsupported(
        f"the start command runs `{word}`, which neither the slim image nor a gem of "
        f"{ruby.LOCKFILE} provides",
        code="SPL021",
    )
