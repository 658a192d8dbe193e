"""Haskell: the program ``stack install`` (``stack build --copy-bins``), ``cabal install
--install-method=copy`` or ``ghc -o`` wrote, on the slim image of the builder's Debian release
with the C libraries a GHC program links (libgmp, libffi, libnuma).

Decisions: the release must be named by the tag (``haskell:9.10-slim-bookworm``): a plain
``haskell:9.2`` was published on more than one Debian release, so the glibc it links against
is not known (SPL022). A program found on the haskell image's PATH (``~/.local/bin``,
``~/.cabal/bin``) moves to ``/usr/local/bin``; asset folders the sources name (templates,
static…) are copied with it. ``stack run``/``stack exec``/``cabal run`` at start need the
toolchain (SPL011, read with the facts).
"""

from __future__ import annotations

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.facts import Facts
from codemods.split_build_runtime.plan import Plan
from codemods.split_build_runtime.plans.native import check_installs
from refactor.data import ecosystems as eco
from refactor.data import haskell
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    steps.flavour(f, "haskell")
    packages, user_runs = steps.packages(f)
    codename = eco.builder_codename(f.image)
    if codename is None or codename not in haskell.RUNTIME_PACKAGES:
        raise Unsupported(
            f"unknown Debian release of `{f.image}`: the tag does not name it (the haskell "
            "images are published on several), so its glibc cannot be matched",
            code="SPL022",
        )
    if packages and codename != eco.PACKAGES_CODENAME:
        raise Unsupported(
            f"runtime library names are known for Debian {eco.PACKAGES_CODENAME}, and "
            f"`{f.image}` is built on {codename}",
            code="SPL015",
        )
    packages.extend(p for p in haskell.RUNTIME_PACKAGES[codename] if p not in packages)
    result = Plan(
        steps.explicit(f, f"debian:{codename}-slim"),
        "a GHC program links the Haskell libraries statically: it needs the builder's Debian "
        f"release ({codename}) with libgmp, libffi and libnuma, not GHC",
        eco.RUNTIME_PROGRAMS["slim"],
    )
    steps.system_packages(f, result, packages, user_runs)
    steps.compiled_copies(f, result)
    check_installs(f, result)
    return result
