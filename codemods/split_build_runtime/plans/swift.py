"""Swift: the product ``swift build -c release`` wrote (``.build/release/<name>``), on the
``-slim`` image of the same Swift (the runtime libraries and Foundation, no compiler).

Decisions: only plain version tags are mapped (``swift:5.10`` → ``swift:5.10-slim``); the
program keeps its path. A server app's ``Public/`` and ``Resources/`` folders (Vapor serves and
renders from them) are copied when the build context has them; a target with resources reads
a ``*.resources`` bundle the split does not copy, and without the build context neither can be
told, so both are reasons to skip (SPL023). The slim image is Ubuntu: the runtime library
names of the package tables are Debian's, so a build that installs system packages is skipped
(SPL015). ``swift run`` at start needs the toolchain (SPL011, read with the facts).
"""

from __future__ import annotations

import posixpath

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.facts import Facts
from codemods.split_build_runtime.plan import Copy, Plan
from codemods.split_build_runtime.plans.native import check_installs
from refactor.analysis.semantics import under
from refactor.data import swift
from refactor.engine.codemod import Unsupported

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    steps.flavour(f, "swift")
    tag = swift.slim_tag(f.image.tag)
    if tag is None:
        raise Unsupported(f"no slim variant is known for `{f.image}`", code="SPL024")
    packages, user_runs = steps.packages(f)
    if packages:
        raise Unsupported(
            f"the runtime needs system packages ({', '.join(packages)}) and their names are "
            "known for Debian, not for the Ubuntu swift images",
            code="SPL015",
        )
    manifest = f.ctx.read("Package.swift")
    if manifest is None:
        raise Unsupported(
            "Package.swift cannot be read (no build context): cannot tell whether the program "
            "reads resource bundles or Public/ and Resources/ at run time",
            code="SPL023",
        )
    if swift.RESOURCES.search(manifest):
        raise Unsupported(
            "a target of Package.swift has resources: the program reads a resource bundle "
            "the split does not copy",
            code="SPL023",
        )
    result = Plan(
        steps.explicit(f, str(f.image.with_tag(tag))),
        "the same Swift runtime libraries and Foundation on the slim image, without the compiler",
        frozenset({"sh", "bash"}),
    )
    steps.system_packages(f, result, packages, user_runs)
    steps.compiled_copies(f, result)
    workdir = f.final.workdir
    for name in swift.ASSET_FOLDERS:
        path = posixpath.join(workdir, name)
        if f.ctx.exists(name) and any(under(path, r) for r in f.copy_roots):
            result.copies.append(Copy(path, path, "the server app serves or renders from it"))
    check_installs(f, result)
    return result
