"""The back-off (refactor/app/backoff.py) with a fake verifier: no Docker. Also the engine's
variants (declared, asked for through the context, named in the explanations), the split's
variants on real inputs, and the ``--verify`` wiring of the command line with a fake engine."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from refactor.app import backoff
from refactor.app.backoff import MAX_ATTEMPTS, Backoff, back_off, suspects
from refactor.app.cli import main
from refactor.app.diffing import FileDiff
from refactor.app.probe import Check, ProbeResult
from refactor.app.report import FileResult, pr_body, to_json, to_sarif
from refactor.app.verify import Build, Verification
from refactor.engine.codemod import Explanation
from refactor.engine.runner import FileReport, load_codemod, migrate
from refactor.syntax.parser import parse

ORIGINAL = 'FROM python:3.11\nCMD ["python"]\n'
SPLIT = "split-build-runtime"
USER = "non-root-user"
OFFERS = {SPLIT: ("whole-app", "keep-dev-deps", "keep-cgo", "builder-slim")}


def result(text: str, codemods: list[str]) -> FileResult:
    """A migration of ORIGINAL into ``text`` by ``codemods``."""
    explanations = [Explanation(c, "changed") for c in codemods]
    report = FileReport("Dockerfile", ORIGINAL, parse(text), explanations=explanations)
    return FileResult("Dockerfile", None, report, diffs=[FileDiff.of("Dockerfile", ORIGINAL, text)])


def verification(
    *, ok: bool = True, original_builds: bool = True, starts: bool = True, why: str = "port 8080"
) -> Verification:
    checks = (Check("runs", "passed" if ok else "failed", "" if ok else why),)
    probe = ProbeResult(checks, unverifiable=None if starts else "it did not start: boom")
    original = Build(original_builds, 1.0, problem=None if original_builds else "exit 1")
    return Verification(
        "Dockerfile", original, Build(True, 1.0), probe=probe if original_builds else None
    )


class Fake:
    """Migrations by choice (variant asked, codemods dropped) and a verdict per Dockerfile."""

    def __init__(
        self,
        outputs: Mapping[tuple[str | None, frozenset[str]], tuple[str, list[str]]],
        passing: set[str],
        *,
        original_builds: bool = True,
    ) -> None:
        self.outputs = outputs
        self.passing = passing
        self.original_builds = original_builds
        self.verified: list[str] = []
        self.reruns: list[tuple[str | None, frozenset[str]]] = []

    def first(self) -> FileResult:
        return self.rerun({}, frozenset())

    def rerun(self, variants: Mapping[str, str], dropped: frozenset[str]) -> FileResult:
        key = (variants.get(SPLIT), dropped)
        self.reruns.append(key)
        text, codemods = self.outputs.get(key, (ORIGINAL, []))
        return result(text, codemods)

    def check(self, r: FileResult) -> Verification:
        assert r.report is not None
        self.verified.append(r.report.output)
        return verification(
            ok=r.report.output in self.passing, original_builds=self.original_builds
        )


def dockerfile(tag: str) -> str:
    return f'FROM python:3.11 AS builder\nFROM python:3.11-slim AS {tag}\nCMD ["python"]\n'


NONE: frozenset[str] = frozenset()


def test_variants_are_tried_in_order_and_the_first_that_passes_is_kept() -> None:
    fake = Fake(
        {
            (None, NONE): (dockerfile("default"), [SPLIT, USER]),
            ("whole-app", NONE): (dockerfile("whole"), [SPLIT, USER]),
            ("keep-dev-deps", NONE): (dockerfile("dev"), [SPLIT, USER]),
            ("keep-cgo", NONE): (dockerfile("cgo"), [SPLIT, USER]),
        },
        passing={dockerfile("dev"), dockerfile("cgo")},
    )
    outcome = back_off(fake.first(), fake.rerun, fake.check, OFFERS)
    assert outcome.status == "backed-off" and outcome.publishable
    assert outcome.result.report is not None
    assert outcome.result.report.output == dockerfile("dev")
    assert [(b.variant, b.outcome) for b in outcome.backoffs] == [
        ("whole-app", "failed"),
        ("keep-dev-deps", "passed"),
    ]
    assert fake.verified == [dockerfile("default"), dockerfile("whole"), dockerfile("dev")]
    assert outcome.attempts == 3
    assert all(b.cause == "the probe failed: port 8080" for b in outcome.backoffs)
    assert outcome.backoffs[0].reason == "the probe failed: port 8080"


def test_a_variant_that_does_not_apply_costs_no_build() -> None:
    fake = Fake(
        {
            (None, NONE): (dockerfile("default"), [SPLIT]),
            # whole-app, keep-dev-deps and keep-cgo answer as without them
            ("builder-slim", NONE): (dockerfile("slim"), [SPLIT]),
        },
        passing={dockerfile("slim")},
    )
    fake.outputs = {
        **fake.outputs,
        **{(v, NONE): fake.outputs[(None, NONE)] for v in OFFERS[SPLIT][:3]},
    }
    outcome = back_off(fake.first(), fake.rerun, fake.check, OFFERS)
    assert [b.outcome for b in outcome.backoffs] == ["not-applicable"] * 3 + ["passed"]
    assert fake.verified == [dockerfile("default"), dockerfile("slim")]


def test_when_every_variant_fails_the_codemod_is_dropped_and_the_others_kept() -> None:
    outputs = {(v, NONE): (dockerfile(v), [SPLIT, USER]) for v in OFFERS[SPLIT]}
    outputs[(None, NONE)] = (dockerfile("default"), [SPLIT, USER])
    outputs[(None, frozenset({SPLIT}))] = ("FROM python:3.11\nUSER 10001\n", [USER])
    fake = Fake(outputs, passing={"FROM python:3.11\nUSER 10001\n"})
    outcome = back_off(fake.first(), fake.rerun, fake.check, OFFERS)
    assert outcome.status == "backed-off"
    assert outcome.result.codemods == [USER]
    assert [(b.codemod, b.variant, b.outcome) for b in outcome.backoffs] == [
        *((SPLIT, v, "failed") for v in OFFERS[SPLIT]),
        (SPLIT, None, "passed"),
    ]
    assert outcome.backoffs[-1].action == "dropped its change"


def test_nothing_safe_remains_the_file_is_withheld() -> None:
    outputs = {(None, NONE): (dockerfile("default"), [SPLIT, USER])}
    outputs[(None, frozenset({SPLIT}))] = ("FROM python:3.11\nUSER 10001\n", [USER])
    fake = Fake(outputs, passing=set())  # the variants answer as the default (same output)
    outputs.update({(v, NONE): outputs[(None, NONE)] for v in OFFERS[SPLIT]})
    outcome = back_off(fake.first(), fake.rerun, fake.check, OFFERS)
    assert outcome.status == "withheld" and not outcome.publishable
    # the split dropped: non-root alone fails too, then without both nothing changes
    assert [(b.codemod, b.variant, b.outcome) for b in outcome.backoffs][-2:] == [
        (SPLIT, None, "failed"),
        (USER, None, "not-applicable"),
    ]
    assert outcome.reason is not None and "no change of the migration passed" in outcome.reason


def test_an_unverifiable_original_is_never_published_nor_a_failure() -> None:
    fake = Fake({(None, NONE): (dockerfile("default"), [SPLIT])}, set(), original_builds=False)
    outcome = back_off(fake.first(), fake.rerun, fake.check, OFFERS)
    assert outcome.status == "unverifiable" and not outcome.publishable
    assert outcome.backoffs == () and outcome.attempts == 1
    assert outcome.reason == "the original does not build here: exit 1"
    assert fake.reruns == [(None, NONE)]  # the first migration only: no back-off


def test_an_original_that_does_not_start_is_unverifiable() -> None:
    first = result(dockerfile("default"), [SPLIT])
    outcome = back_off(
        first, lambda v, d: first, lambda r: verification(ok=False, starts=False), OFFERS
    )
    assert outcome.status == "unverifiable"
    assert outcome.reason == "the original does not run here: it did not start: boom"


def test_the_attempts_are_bounded() -> None:
    outputs = {(v, NONE): (dockerfile(v), [SPLIT]) for v in OFFERS[SPLIT]}
    outputs[(None, NONE)] = (dockerfile("default"), [SPLIT])
    fake = Fake(outputs, passing=set())
    outcome = back_off(fake.first(), fake.rerun, fake.check, OFFERS, limit=3)
    assert len(fake.verified) == 3 and outcome.attempts == 3
    assert [b.outcome for b in outcome.backoffs] == ["failed", "failed", "over-budget"]
    assert outcome.status == "withheld"
    assert outcome.reason is not None and "within 3 verifications" in outcome.reason
    assert 1 + len(OFFERS[SPLIT]) + 1 <= MAX_ATTEMPTS  # the split's variants and its drop fit


def test_a_migration_that_passes_is_kept_as_it_is() -> None:
    fake = Fake({(None, NONE): (dockerfile("default"), [SPLIT])}, {dockerfile("default")})
    outcome = back_off(fake.first(), fake.rerun, fake.check, OFFERS)
    assert outcome.status == "verified" and outcome.backoffs == ()
    assert fake.reruns == [(None, NONE)]


def test_suspects_split_first_then_the_later_codemods_first() -> None:
    names = ["name-stages", SPLIT, "cache-mounts", USER, "msb-migrate"]
    assert suspects(names) == [SPLIT, USER, "cache-mounts", "name-stages"]


# -- the engine's variants ----------------------------------------------------------------------

GO_APP = Path(__file__).parent / "e2e" / "apps" / "go-http"


def split_of(variant: str | None) -> str:
    path = GO_APP / "Dockerfile"
    variants = {SPLIT: variant} if variant else {}
    return migrate(path.read_text(), path=str(path), variants=variants).output


def test_the_split_declares_its_variants_least_conservative_first() -> None:
    split = load_codemod(SPLIT)
    assert [v.name for v in split.variants] == list(OFFERS[SPLIT])
    assert all(v.description for v in split.variants)
    assert backoff.variant_offers()[SPLIT] == OFFERS[SPLIT]


def test_a_variant_is_named_in_the_explanations_and_changes_only_its_part() -> None:
    path = GO_APP / "Dockerfile"
    report = migrate(path.read_text(), path=str(path), variants={SPLIT: "keep-cgo"})
    notes = [e for e in report.explanations if "variant" in e.message]
    assert [e.codemod for e in notes] == [SPLIT]
    assert "applied its variant `keep-cgo`" in notes[0].message
    default = split_of(None)
    assert "CGO_ENABLED=0 go build" in default and "static-debian12" in default
    assert "CGO_ENABLED=0" not in report.output and "base-debian12" in report.output
    assert "COPY --from=builder /app /app\n" in split_of("whole-app")
    assert "FROM debian:bookworm-slim AS runtime" in split_of("builder-slim")
    assert split_of("keep-dev-deps") == default  # does not apply to Go: answers as without


def test_an_undeclared_variant_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="has no variant 'bogus'"):
        split_of("bogus")


def test_keep_dev_deps_keeps_what_the_default_prunes(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(
        json.dumps({"dependencies": {"express": "4"}, "devDependencies": {"jest": "29"}})
    )
    (tmp_path / "server.js").write_text("require('express')\n")
    text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "server.js"]\n'
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    default = migrate(text, path=str(path)).output
    kept = migrate(text, path=str(path), variants={SPLIT: "keep-dev-deps"}).output
    assert "npm prune" in default
    assert "npm prune" not in kept and "AS runtime" in kept


# -- the outputs and the command line -----------------------------------------------------------


def test_every_output_names_the_backoffs() -> None:
    kept = result(dockerfile("whole"), [SPLIT])
    kept.verification = verification()
    kept.backoffs = [Backoff(SPLIT, "whole-app", "passed", "", "the probe failed: port 8080")]
    line = kept.backoffs[0].line(kept.path)
    assert line == (
        "Dockerfile: backed off split-build-runtime: variant whole-app: passed; the default "
        "migration failed: the probe failed: port 8080"
    )
    entry = to_json([kept])["files"][0]
    assert entry["backoffs"][0]["variant"] == "whole-app" and entry["withheld"] is None
    notes = to_sarif([kept], [])["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [line]
    assert f"- {kept.backoffs[0].line('`Dockerfile`')}" in pr_body([kept])


def test_the_default_outputs_carry_no_backoff_keys() -> None:
    plain = result(dockerfile("default"), [SPLIT])
    assert "backoffs" not in to_json([plain])["files"][0]
    assert "Backed off" not in pr_body([plain])


PYTHON_APP = (
    "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
    'RUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n'
)


@pytest.fixture
def python_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Dockerfile").write_text(PYTHON_APP)
    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / "app.py").write_text("print('hi')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("refactor.app.cli._engine", lambda docker: object())
    return tmp_path


def fake_verify(judge: Callable[[str], Verification]) -> Callable[..., Verification]:
    def verify(
        engine: object, path: str, original: str, migrated: str, *a: object, **k: object
    ) -> Verification:
        return judge(migrated)

    return verify


def test_write_verify_writes_the_file_without_the_failing_split(
    python_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "refactor.app.verify.verify",
        fake_verify(lambda text: verification(ok="AS runtime" not in text)),
    )
    out = CliRunner().invoke(main, ["--write", "--verify"])
    assert out.exit_code == 0, out.output
    written = (python_app / "Dockerfile").read_text()
    assert written != PYTHON_APP and "AS runtime" not in written
    assert "Dockerfile: backed off split-build-runtime: dropped its change: passed" in out.stderr


def test_write_verify_never_writes_an_unverifiable_file(
    python_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "refactor.app.verify.verify", fake_verify(lambda text: verification(original_builds=False))
    )
    out = CliRunner().invoke(main, ["--write", "--verify"])
    assert out.exit_code == 0, out.output
    assert (python_app / "Dockerfile").read_text() == PYTHON_APP
    assert "Dockerfile: unverifiable, not written or published" in out.stderr


def test_write_verify_withholds_a_file_when_nothing_passes(
    python_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "refactor.app.verify.verify", fake_verify(lambda text: verification(ok=False))
    )
    out = CliRunner().invoke(main, ["--write", "--verify", "--format", "json"])
    assert out.exit_code == 1, out.output
    assert (python_app / "Dockerfile").read_text() == PYTHON_APP
    entry = json.loads(out.stdout)["files"][0]
    assert entry["withheld"].startswith("no ")
    assert entry["backoffs"] and entry["backoffs"][0]["codemod"] == SPLIT


def test_a_split_that_makes_the_image_no_smaller_is_backed_off_the_rest_kept() -> None:
    """With --verify a split is kept only when its image is smaller (the benefit gate)."""
    split_sizes = {dockerfile("default"): 500_000_000, dockerfile("whole"): 520_000_000}
    user_only = 'FROM python:3.11\nUSER 10001\nCMD ["python"]\n'

    class Sized(Fake):
        def check(self, r: FileResult) -> Verification:
            assert r.report is not None
            self.verified.append(r.report.output)
            size = split_sizes.get(r.report.output, 480_000_000)
            return Verification(
                "Dockerfile",
                Build(True, 1.0, size=480_000_000),
                Build(True, 1.0, size=size),
                probe=ProbeResult((Check("runs", "passed", ""),)),
            )

    fake = Sized(
        {
            (None, NONE): (dockerfile("default"), [SPLIT, USER]),
            ("whole-app", NONE): (dockerfile("whole"), [SPLIT, USER]),
            (None, frozenset({SPLIT})): (user_only, [USER]),
        },
        passing=set(),
    )
    outcome = back_off(fake.first(), fake.rerun, fake.check, OFFERS)
    assert outcome.status == "backed-off"
    assert outcome.result.report is not None and outcome.result.report.output == user_only
    assert outcome.backoffs[0].cause == "the split made the image no smaller (480.0 MB → 500.0 MB)"
    assert [(b.variant, b.outcome) for b in outcome.backoffs][:1] == [("whole-app", "failed")]
    assert (outcome.backoffs[-1].variant, outcome.backoffs[-1].outcome) == (None, "passed")
    # a split that does make the image smaller is kept as it is
    split_sizes[dockerfile("default")] = 200_000_000
    kept = back_off(fake.first(), fake.rerun, fake.check, OFFERS)
    assert kept.status == "verified" and not kept.backoffs


def test_bulk_verify_reports_the_time_verification_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bulk --verify``: each repository's report and the totals say how long building and
    probing took, and the run's last line says what share of the time that was."""
    import time

    from gitcli import git, isolate_git

    isolate_git(monkeypatch, tmp_path)
    repo = tmp_path / "org" / "app"
    repo.mkdir(parents=True)
    (repo / "Dockerfile").write_text(PYTHON_APP)
    (repo / "requirements.txt").write_text("")
    (repo / "app.py").write_text("print('hi')\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "app")

    def slow(text: str) -> Verification:
        time.sleep(0.3)
        return verification(ok=True)

    monkeypatch.setattr("refactor.app.verify.verify", fake_verify(slow))
    monkeypatch.setattr("refactor.app.docker.DockerEngine.unavailable_reason", lambda self: None)
    ws = tmp_path / "ws"
    out = CliRunner().invoke(
        main, ["bulk", str(tmp_path / "org"), "--workspace", str(ws), "--verify"]
    )
    assert out.exit_code == 0, out.output
    report = json.loads((ws / "report.json").read_text())
    (entry,) = report["repositories"]
    assert entry["status"] == "changed" and entry["files"][0]["verified"] is True
    assert 0.3 <= entry["verify_seconds"] <= entry["seconds"]
    assert report["totals"]["verify_seconds"] == round(entry["verify_seconds"])
    assert "verification: " in out.stderr and "builds, probes and back-offs" in out.stderr


SAME_IMAGE_SPLIT = 'FROM node:20-slim AS builder\nFROM node:20-slim AS runtime\nCMD ["node"]\n'
CACHE_MOUNT_ONLY = (
    'FROM node:20-slim\nRUN --mount=type=cache,target=/root/.npm npm ci\nCMD ["node"]\n'
)


def sized(sizes: Mapping[str, int]) -> Callable[[FileResult], Verification]:
    """A verifier under which every migration passes, the original's image being 500 MB and each
    migration's the size given for its Dockerfile."""

    def check(r: FileResult) -> Verification:
        assert r.report is not None
        v = verification(ok=True)
        return Verification(
            v.path,
            Build(True, 1.0, size=500_000_000),
            Build(True, 1.0, size=sizes[r.report.output]),
            probe=v.probe,
        )

    return check


@pytest.mark.parametrize(
    ("with_split", "without", "kept"),
    [
        (480_000_000, 480_000_000, CACHE_MOUNT_ONLY),  # the split adds nothing: backed off
        (470_000_000, 480_000_000, SAME_IMAGE_SPLIT),  # the split itself gains: kept
    ],
)
def test_a_split_onto_the_builders_own_image_is_weighed_against_the_other_changes_alone(
    with_split: int, without: int, kept: str
) -> None:
    fake = Fake(
        {
            (None, NONE): (SAME_IMAGE_SPLIT, [SPLIT, "cache-mounts"]),
            (None, frozenset({SPLIT})): (CACHE_MOUNT_ONLY, ["cache-mounts"]),
        },
        passing=set(),
    )
    check = sized({SAME_IMAGE_SPLIT: with_split, CACHE_MOUNT_ONLY: without})
    outcome = back_off(fake.first(), fake.rerun, check, OFFERS)
    assert outcome.publishable and outcome.attempts == 2
    assert outcome.result.report is not None and outcome.result.report.output == kept
    if kept == CACHE_MOUNT_ONLY:
        assert outcome.status == "backed-off"
        (record,) = outcome.backoffs
        assert (record.codemod, record.variant, record.outcome) == (SPLIT, None, "passed")
        assert "no smaller than the other changes alone (480.0 MB without it" in record.cause
    else:
        assert outcome.status == "verified" and outcome.backoffs == ()


def test_a_split_onto_another_image_costs_one_verification() -> None:
    slim = dockerfile("runtime")  # python:3.11 builder, python:3.11-slim runtime
    fake = Fake({(None, NONE): (slim, [SPLIT, "cache-mounts"])}, passing=set())
    outcome = back_off(fake.first(), fake.rerun, sized({slim: 200_000_000}), OFFERS)
    assert (outcome.status, outcome.attempts) == ("verified", 1)
    assert fake.reruns == [(None, NONE)]  # the first migration only: nothing else was built
