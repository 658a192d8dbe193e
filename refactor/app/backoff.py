"""Back off instead of shipping a broken image (``--verify``, ``bulk --verify``).

A migrated Dockerfile is verified (:func:`refactor.app.verify.verify`: both images built, the
generic probe comparing them). When the migrated image fails — its build fails, the probe or
the smoke command finds a difference — the run backs off, one attempt at a time, each verified
the same way, and keeps the first attempt that passes:

1. **Attribution.** The suspects are the codemods that changed the file: split-build-runtime
   first (it changes the runtime most), then the others in the reverse of the order they are
   applied (a later change builds on the earlier ones). A codemod whose change does not affect
   the image is still a suspect; dropping it changes nothing the image does and is cheap to
   rule out only if its output differs (see 3).
2. **For each suspect**, its variants (``Codemod.variants``, least to most conservative) are
   tried one at a time, the other codemods applied as before; if none passes, the suspect's
   change is **dropped** (the migration runs again without it) and the run goes on to the
   next suspect with it left out: a dropped codemod stays dropped (a change the file failed
   with is never applied again — safety over yield). What passes first is kept: written,
   committed, published.
3. An attempt whose Dockerfile (and extra files) is identical to one already verified — a
   variant that does not apply to the file — is recorded as ``not-applicable`` and costs no
   build.
4. **Bounded**: at most :data:`MAX_ATTEMPTS` verifications per file, the first included (the
   split's four variants and its drop, then three more). Once the budget is spent, the file is
   withheld. Every attempt builds the same original against the same context, so Docker's
   layer cache serves the original and the builder steps the attempts share.
5. **Nothing gained**: a split whose verified image is not smaller than the original's counts
   as failing (:func:`no_gain`): its variants are tried, then it is dropped and the other
   codemods' changes are kept, as for any failure. A split that passes but whose runtime is
   the builder's own image (:func:`same_image_split`) is also weighed against the migration
   without it, one more verification: its gain (a download cache left in the builder) may be
   what another change already gives (a cache mount); it stays only when its image is smaller.
6. **Unverifiable**: an original that does not build here, or does not start (the probe's
   ``unverifiable``), gives nothing to compare. Such a file is reported as unverifiable: never
   counted as a failure of the migration, never written or published.
7. **Nothing safe remains**: when no attempt passes (or dropping every suspect leaves the file
   unchanged), the file is *withheld*: not written, not published, and the run's exit status
   says verification failed.

Every step is a typed :class:`Backoff` record (codemod, variant or drop, outcome, the reason
the attempt failed, the failure that started the back-off); the outputs (text, JSON, SARIF, the
pull request body) name each one. :func:`back_off` is the decision, pure over two callables
(migrate again, verify), so it is unit-tested with a fake verifier; :func:`verify_file` wires
it to Docker and :func:`~refactor.app.migrate.migrate_bytes`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from refactor.analysis.model import build_model
from refactor.app.migrate import MigrateOptions, migrate_bytes
from refactor.app.report import RUNNER, FileResult
from refactor.engine.runner import CODEMOD_MODULES, available_codemods
from refactor.errors import MsbError
from refactor.syntax.parser import parse

if TYPE_CHECKING:
    from refactor.app.docker import DockerEngine
    from refactor.app.probe import Progress
    from refactor.app.verify import Verification

__all__ = [
    "MAX_ATTEMPTS",
    "Backoff",
    "BackoffResult",
    "back_off",
    "suspects",
    "unverifiable_reason",
    "variant_offers",
    "verify_file",
]

#: Verifications per file at most, the first included.
MAX_ATTEMPTS = 8
#: The codemod tried first: it changes the runtime most.
FIRST_SUSPECT = "split-build-runtime"

Outcome = Literal["passed", "failed", "not-applicable", "over-budget"]
Status = Literal["unchanged", "verified", "backed-off", "withheld", "unverifiable"]

#: Migrate the file again: the variant asked of each codemod, the codemods left out.
Rerun = Callable[[Mapping[str, str], frozenset[str]], FileResult]
#: Build and compare one migration.
Check = Callable[[FileResult], "Verification"]


@dataclass(frozen=True)
class Backoff:
    """One attempt of the back-off: ``codemod`` asked for ``variant`` (None: its change
    dropped), what came of it, why it failed (or why no build was needed), and ``cause``: the
    failure of the migration the back-off started from."""

    codemod: str
    variant: str | None
    outcome: Outcome
    reason: str = ""
    cause: str = ""

    @property
    def action(self) -> str:
        return f"variant {self.variant}" if self.variant else "dropped its change"

    def line(self, path: str) -> str:
        """The one-line text rendering."""
        what = f"{path}: backed off {self.codemod}: {self.action}: {self.outcome}"
        if self.reason:
            what += f" ({self.reason})"
        if self.outcome == "passed" and self.cause:
            what += f"; the default migration failed: {self.cause}"
        return what

    def as_json(self) -> dict[str, Any]:
        return {
            "codemod": self.codemod,
            "variant": self.variant,
            "action": "variant" if self.variant else "drop",
            "outcome": self.outcome,
            "reason": self.reason,
            "cause": self.cause,
        }


@dataclass(frozen=True)
class BackoffResult:
    """What the back-off kept for one file: ``result`` (the first attempt that passed; the
    default migration when it passed, was unverifiable or nothing passed), its status, the
    records, the number of verifications and, for a withheld or unverifiable file, why."""

    result: FileResult
    status: Status
    backoffs: tuple[Backoff, ...] = ()
    attempts: int = 0
    reason: str | None = None
    seconds: float = 0.0  # wall time of the verifications (builds, probes), set by verify_file

    @property
    def publishable(self) -> bool:
        """Whether the result may be written or published."""
        return self.status in ("verified", "backed-off")


def unverifiable_reason(v: Verification) -> str | None:
    """Why the original gives nothing to compare (it does not build or start), or None."""
    if not v.original.ok:
        detail = f": {v.original.problem}" if v.original.problem else ""
        return f"the original does not build here{detail}"
    if v.probe is not None and v.probe.unverifiable:
        return f"the original does not run here: {v.probe.unverifiable}"
    return None


def _failure(v: Verification) -> str:
    return "; ".join(v.problems) or "verification failed"


def no_gain(result: FileResult, v: Verification) -> str | None:
    """Why a verified split is not worth keeping: its image is not smaller than the original's
    (a split exists to make the image smaller; one that does not only adds stages), or None."""
    before, after = v.original.size, v.migrated.size
    if FIRST_SUSPECT not in result.codemods or before is None or after is None:
        return None
    if after < before:
        return None
    return f"the split made the image no smaller ({before / 1e6:.1f} MB → {after / 1e6:.1f} MB)"


def same_image_split(result: FileResult) -> bool:
    """Whether ``result`` is a split whose runtime stage is on its builder's own image."""
    if FIRST_SUSPECT not in result.codemods or result.report is None:
        return False
    try:
        stages = build_model(parse(result.report.output)).stages
    except MsbError:
        return False
    return len(stages) > 1 and stages[-1].base == stages[0].base


def _problem(result: FileResult, v: Verification) -> str | None:
    """Why ``result`` may not be kept: a failed verification, or a split with nothing gained."""
    return _failure(v) if not v.ok else no_gain(result, v)


def suspects(changed_by: Sequence[str]) -> list[str]:
    """The codemods to back off, in order: split-build-runtime first, then the others that
    changed the file in the reverse of their application order."""
    order = list(CODEMOD_MODULES)
    names = [n for n in dict.fromkeys(changed_by) if n != RUNNER]
    rest = sorted(
        (n for n in names if n != FIRST_SUSPECT),
        key=lambda n: order.index(n) if n in order else len(order),
        reverse=True,
    )
    return ([FIRST_SUSPECT] if FIRST_SUSPECT in names else []) + rest


def variant_offers() -> dict[str, tuple[str, ...]]:
    """Each installed codemod's variants, in the order they are tried."""
    return {c.name: tuple(v.name for v in c.variants) for c in available_codemods()}


def _key(result: FileResult) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What an attempt builds: the Dockerfile and the extra files."""
    output = result.report.output if result.report is not None else ""
    return output, tuple(sorted((str(p), text) for p, text in result.extra.items()))


def back_off(
    first: FileResult,
    rerun: Rerun,
    check: Check,
    offers: Mapping[str, Sequence[str]],
    *,
    limit: int = MAX_ATTEMPTS,
) -> BackoffResult:
    """Verify ``first`` (the default migration); when it fails, back off as the module says.

    ``rerun(variants, dropped)`` migrates the file again, ``check(result)`` verifies one
    migration, ``offers`` names each codemod's variants in order. Each verified result gets its
    ``verification``."""
    if not first.changed or first.report is None:
        return BackoffResult(first, "unchanged")
    verification = check(first)
    first.verification = verification
    attempts = 1
    why = unverifiable_reason(verification)
    if why is not None:
        return BackoffResult(first, "unverifiable", (), attempts, why)
    cause = _problem(first, verification)
    if cause is None and not same_image_split(first):
        return BackoffResult(first, "verified", (), attempts)
    if cause is None:
        # A split whose runtime is the builder's own image: its gain (a download cache left
        # in the builder) may be what the other changes already give (a cache mount). The
        # migration without it is built too; the split stays only when its image is smaller.
        alone = rerun({}, frozenset({FIRST_SUSPECT}))
        if alone.error is not None or not alone.changed or attempts >= limit:
            return BackoffResult(first, "verified", (), attempts)
        result = check(alone)
        alone.verification = result
        attempts += 1
        with_split, without = verification.migrated.size, result.migrated.size
        if (
            unverifiable_reason(result) is not None
            or _problem(alone, result) is not None
            or with_split is None
            or without is None
            or with_split < without
        ):
            return BackoffResult(first, "verified", (), attempts)
        why = (
            "the split onto the builder's own image made it no smaller than the other changes "
            f"alone ({without / 1e6:.1f} MB without it, {with_split / 1e6:.1f} MB with it)"
        )
        record = Backoff(FIRST_SUSPECT, None, "passed", "", why)
        return BackoffResult(alone, "backed-off", (record,), attempts)
    records: list[Backoff] = []
    seen = {_key(first)}
    dropped: frozenset[str] = frozenset()

    def attempt(codemod: str, variant: str | None) -> FileResult | None:
        """One attempt, recorded: the result when it passed or changes nothing, else None."""
        nonlocal attempts
        variants = {codemod: variant} if variant is not None else {}
        candidate = rerun(variants, dropped)
        outcome: Outcome
        if candidate.error is not None:
            outcome, reason, kept = "failed", candidate.error, None
        elif not candidate.changed:
            outcome, reason, kept = "not-applicable", "the file is left unchanged", candidate
        elif _key(candidate) in seen:
            outcome, reason, kept = "not-applicable", "the same as an attempt verified", None
        elif attempts >= limit:
            outcome, reason, kept = "over-budget", f"{limit} verifications per file spent", None
        else:
            seen.add(_key(candidate))
            result = check(candidate)
            candidate.verification = result
            attempts += 1
            problem = unverifiable_reason(result) or _problem(candidate, result)
            if problem is None:
                outcome, reason, kept = "passed", "", candidate
            else:
                outcome, reason, kept = "failed", problem, None
        records.append(Backoff(codemod, variant, outcome, reason, cause))
        return kept

    def spent() -> bool:
        return records[-1].outcome == "over-budget"

    for codemod in suspects(first.codemods):
        for variant in offers.get(codemod, ()):
            kept = attempt(codemod, variant)
            if kept is not None and kept.changed:
                return BackoffResult(kept, "backed-off", tuple(records), attempts)
            if spent():
                break
        if records and spent():
            break
        dropped = dropped | {codemod}
        kept = attempt(codemod, None)
        if kept is not None and kept.changed:
            return BackoffResult(kept, "backed-off", tuple(records), attempts)
        if kept is not None:  # without the suspects, nothing changes the file
            why = f"no change of the migration passed verification ({cause})"
            return BackoffResult(first, "withheld", tuple(records), attempts, why)
        if spent():
            break
    why = f"no attempt passed verification ({cause})"
    if records and spent():
        why = f"no attempt passed within {limit} verifications ({cause})"
    return BackoffResult(first, "withheld", tuple(records), attempts, why)


def verify_file(
    engine: DockerEngine,
    first: FileResult,
    options: MigrateOptions,
    context: Path,
    *,
    target: str | None = None,
    smoke: Sequence[str] = (),
    progress: Callable[[], Progress | None] = lambda: None,
    limit: int = MAX_ATTEMPTS,
) -> BackoffResult:
    """:func:`back_off` with Docker: each attempt is ``first``'s bytes migrated again
    (:func:`~refactor.app.migrate.migrate_bytes`, same settings, the back-off's variants and
    left-out codemods) and verified against ``context``. The result carries its back-offs
    (``FileResult.backoffs``) and, when it may not be written, why (``FileResult.withheld``).
    Extra files of an attempt are checked against the build context only (the first
    migration already held them inside the repository)."""
    from refactor.app.verify import verify

    assert first.report is not None or not first.changed
    original = first.report.original if first.report is not None else ""

    def rerun(variants: Mapping[str, str], dropped: frozenset[str]) -> FileResult:
        chosen = dataclasses.replace(options, variants=dict(variants), dropped=dropped)
        return migrate_bytes(
            first.path, first.real, original.encode("utf-8"), context, chosen, read=first.read
        )

    def check(result: FileResult) -> Verification:
        assert result.report is not None
        return verify(
            engine,
            result.path,
            result.report.original,
            result.report.output,
            context,
            target=target,
            smoke=smoke,
            progress=progress(),
        )

    start = time.monotonic()
    outcome = back_off(first, rerun, check, variant_offers(), limit=limit)
    outcome = dataclasses.replace(outcome, seconds=time.monotonic() - start)
    outcome.result.backoffs = list(outcome.backoffs)
    outcome.result.withheld = None if outcome.publishable else outcome.reason
    return outcome
