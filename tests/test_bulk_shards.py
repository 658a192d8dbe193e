"""``msb-migrate bulk --shard auto`` on the engines that run shards, and ``bulk-report merge``.

The shipped examples are run, not only parsed: deploy/kubernetes/bulk-job.yaml's container
command runs once per completion index as parallel processes with the variables Kubernetes sets
in an Indexed Job's pods (``JOB_COMPLETION_INDEX``) and the manifest's own environment, its
volumes' mount paths mapped to temporary directories; deploy/github/bulk-matrix.yml's shard step
runs once per matrix job with ``strategy.job-index``/``job-total`` substituted as GitHub does
(tests/ci_runner.py), then its merge step. Every repository must be migrated by exactly one
shard, and the merged report must equal a one-process run's (all but the per-repository
seconds and the workspace paths).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_runner import ROOT, GitHubRunner
from click.testing import CliRunner
from gitcli import isolate_git
from test_bulk import GO, NODE, OPTED_OUT, PYTHON, UNPARSABLE, make_repo

from refactor.app.bulk import repo_id, shard_of
from refactor.app.cli import main
from refactor.app.shards import ShardError, auto_shard

JOB = ROOT / "deploy" / "kubernetes" / "bulk-job.yaml"
MATRIX = ROOT / "deploy" / "github" / "bulk-matrix.yml"
ENGINE_VARIABLES = (
    "MSB_SHARD_INDEX",
    "MSB_SHARD_COUNT",
    "JOB_COMPLETION_INDEX",
    "CI_NODE_INDEX",
    "CI_NODE_TOTAL",
)


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch, tmp_path)
    for name in (*ENGINE_VARIABLES, "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)


# -- reading the environment ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "count", "expected"),
    [
        ({"JOB_COMPLETION_INDEX": "0", "MSB_SHARD_COUNT": "4"}, None, (1, 4)),
        ({"JOB_COMPLETION_INDEX": "3", "MSB_SHARD_COUNT": "4"}, None, (4, 4)),
        ({"JOB_COMPLETION_INDEX": "2"}, 5, (3, 5)),
        ({"JOB_COMPLETION_INDEX": "2", "MSB_SHARD_COUNT": "3"}, 5, (3, 5)),  # the option wins
        ({"MSB_SHARD_INDEX": "1", "MSB_SHARD_COUNT": "2"}, None, (2, 2)),
        ({"MSB_SHARD_INDEX": "0", "MSB_SHARD_COUNT": "1"}, None, (1, 1)),
        ({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "3"}, None, (1, 3)),  # GitLab: 1-based
        ({"CI_NODE_INDEX": "3", "CI_NODE_TOTAL": "3"}, None, (3, 3)),
        # msb-migrate's own variable first, then Kubernetes', then GitLab's
        (
            {"MSB_SHARD_INDEX": "0", "JOB_COMPLETION_INDEX": "1", "MSB_SHARD_COUNT": "2"},
            None,
            (1, 2),
        ),
        (
            {
                "JOB_COMPLETION_INDEX": "1",
                "MSB_SHARD_COUNT": "2",
                "CI_NODE_INDEX": "1",
                "CI_NODE_TOTAL": "2",
            },
            None,
            (2, 2),
        ),
        (
            {"MSB_SHARD_INDEX": " ", "JOB_COMPLETION_INDEX": "1", "MSB_SHARD_COUNT": "2"},
            None,
            (2, 2),
        ),
    ],
)
def test_auto_shard_reads_each_engine(
    env: dict[str, str], count: int | None, expected: tuple[int, int]
) -> None:
    shard = auto_shard(env, count)
    assert (shard.number, shard.count) == expected
    assert str(shard) == f"{expected[0]}/{expected[1]}"


@pytest.mark.parametrize(
    ("env", "count", "problem"),
    [
        ({}, None, "no shard in the environment"),
        ({"MSB_SHARD_COUNT": "4"}, None, "no shard in the environment"),
        ({"JOB_COMPLETION_INDEX": "1"}, None, "set MSB_SHARD_COUNT or pass --shard-count"),
        ({"CI_NODE_INDEX": "1"}, None, "set CI_NODE_TOTAL"),
        ({"JOB_COMPLETION_INDEX": "4", "MSB_SHARD_COUNT": "4"}, None, "expected 0 to 3"),
        ({"CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "2"}, None, "expected 1 to 2"),
        ({"MSB_SHARD_INDEX": "1"}, 1, "not a shard of 1"),
        ({"MSB_SHARD_INDEX": "-1", "MSB_SHARD_COUNT": "2"}, None, "'-1' is not a whole number"),
        ({"JOB_COMPLETION_INDEX": "x", "MSB_SHARD_COUNT": "2"}, None, "not a whole number"),
        ({"JOB_COMPLETION_INDEX": "0", "MSB_SHARD_COUNT": "two"}, None, "not a whole number"),
        ({"JOB_COMPLETION_INDEX": "0", "MSB_SHARD_COUNT": "0"}, None, "not a shard of 0"),
        ({"JOB_COMPLETION_INDEX": "١", "MSB_SHARD_COUNT": "2"}, None, "not a whole number"),
    ],
)
def test_auto_shard_refuses_what_names_no_shard(
    env: dict[str, str], count: int | None, problem: str
) -> None:
    with pytest.raises(ShardError, match=problem.replace("(", r"\(")):
        auto_shard(env, count)


def test_a_bad_auto_shard_stops_before_any_clone(tmp_path: Path) -> None:
    repos = tmp_path / "repos.txt"
    repos.write_text("https://github.com/acme/app.git\n")
    workspace = tmp_path / "ws"
    args = ["bulk", str(repos), "--workspace", str(workspace), "--shard", "auto"]
    result = CliRunner().invoke(main, args, env={"JOB_COMPLETION_INDEX": "1"})
    assert result.exit_code == 2
    assert "auto: JOB_COMPLETION_INDEX is set but not the number of shards" in result.output
    assert not workspace.exists()
    result = CliRunner().invoke(main, [*args[:-1], "1/2", "--shard-count", "2"])
    assert result.exit_code == 2 and "--shard-count goes with --shard auto" in result.output
    assert not workspace.exists()


# -- the engines ---------------------------------------------------------------------------------


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    """A list of 14 local repositories: migratable ones, an opted-out one, one whose Dockerfile
    does not parse (failed), one without a Dockerfile (skipped) and a missing path."""
    org = tmp_path / "org"
    templates = [GO, PYTHON, NODE, OPTED_OUT]
    lines = []
    for i in range(11):
        lines.append(
            str(make_repo(org / f"app-{i:02d}", {**templates[i % 4], "README.md": f"{i}\n"}))
        )
    lines.append(str(make_repo(org / "broken", UNPARSABLE)))
    lines.append(str(make_repo(org / "docs-only", {"README.md": "nothing to build\n"})))
    lines.append(str(org / "gone"))
    listing = tmp_path / "repos.txt"
    listing.write_text("# the organisation\n" + "\n".join(lines) + "\n")
    return listing


def one_process(repos: Path, tmp_path: Path) -> dict[str, Any]:
    report = tmp_path / "one-process.json"
    proc = subprocess.run(
        ["msb-migrate", "bulk", str(repos), "-j", "2", "--workspace", str(tmp_path / "one-ws"),
         "--report", str(report)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr  # the unparsable and the missing repository
    return dict(json.loads(report.read_text()))


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs between two runs of the same list: where the list and the
    workspace were on each machine (and a merged report's list of shards) and the seconds each
    repository took."""
    out = {k: v for k, v in report.items() if k not in ("repos", "workspace", "shards")}
    out["repositories"] = [
        {k: v for k, v in entry.items() if k != "seconds"} for entry in report["repositories"]
    ]
    return out


def check_shards(reports: list[Path], repos: Path, count: int) -> None:
    """Every listed repository is in exactly one shard report, the one its identifier says."""
    listed = [
        repo_id(line)
        for line in repos.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    seen: list[str] = []
    for report in reports:
        data = json.loads(report.read_text())
        number, total = map(int, data["shard"].split("/"))
        assert total == count
        ids = [entry["repo"] for entry in data["repositories"]]
        assert all(shard_of(ident, count) == number for ident in ids)
        seen += ids
    assert sorted(seen) == sorted(listed), "a repository is missing or in two shards"


def merge(reports: list[Path], repos: Path, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["msb-migrate", "bulk-report", "merge", "--repos", str(repos), "-o", str(output),
         *map(str, reports)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def kubernetes_job() -> dict[str, Any]:
    documents = list(yaml.safe_load_all(JOB.read_text()))
    (job,) = [d for d in documents if d["kind"] == "Job"]
    assert job["apiVersion"] == "batch/v1"
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    assert spec["template"]["spec"]["restartPolicy"] == "Never"  # backoffLimitPerIndex needs it
    (container,) = spec["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["MSB_SHARD_COUNT"]["value"] == str(spec["completions"])
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert set(mounts) == set(volumes)
    assert "emptyDir" in volumes["work"]  # the workspace is the pod's own volume
    claim = volumes["reports"]["persistentVolumeClaim"]["claimName"]
    config = volumes["repos"]["configMap"]["name"]
    names = {(d["kind"], d["metadata"]["name"]) for d in documents}
    assert {("PersistentVolumeClaim", claim), ("ConfigMap", config)} <= names
    for rule in spec["podFailurePolicy"]["rules"]:
        if "onExitCodes" in rule:
            assert rule["onExitCodes"]["containerName"] == container["name"]
    return job


def test_kubernetes_indexed_job_covers_every_repository_once(tmp_path: Path, repos: Path) -> None:
    job = kubernetes_job()
    spec = job["spec"]
    count = spec["completions"]
    (container,) = spec["template"]["spec"]["containers"]
    script = "\n".join(container["args"])
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    shared = {"repos": tmp_path / "config", "reports": tmp_path / "claim"}
    shared["repos"].mkdir()
    shared["reports"].mkdir()
    shutil.copy(repos, shared["repos"] / "repos.txt")  # the ConfigMap, with this test's list
    processes = []
    for index in range(count):  # the pods, all at once, as parallelism allows
        local = {**shared, "work": tmp_path / f"pod-{index}"}  # emptyDir: one per pod
        local["work"].mkdir()

        def here(text: str, local: dict[str, Path] = local) -> str:
            for name, path in mounts.items():
                text = text.replace(path + "/", f"{local[name]}/")
            return text

        env = {**os.environ, "JOB_COMPLETION_INDEX": str(index)}
        for item in container["env"]:
            if "value" in item:
                env[item["name"]] = here(item["value"])
            # secretKeyRef with optional: true and no Secret: the variable is not set
        processes.append(
            subprocess.Popen(
                [*container["command"], here(script)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=local["work"],
            )
        )
    results = [(p, *p.communicate(timeout=300)) for p in processes]
    reports = sorted(shared["reports"].glob("*.json"))
    assert [r.name for r in reports] == [f"shard-{k}-of-{count}.json" for k in range(1, count + 1)]
    for (proc, _out, err), report in zip(results, reports, strict=True):
        assert f"(JOB_COMPLETION_INDEX={reports.index(report)}, MSB_SHARD_COUNT={count})" in err
        failed = json.loads(report.read_text())["totals"]["failed"]
        assert proc.returncode == (2 if failed else 0), err  # 2: the Job's FailIndex rule
    check_shards(reports, repos, count)
    merged = merge(reports, repos, tmp_path / "merged.json")
    assert merged.returncode == 2, merged.stderr  # a repository failed, as in one process
    assert f"14 repositories from {count} shard reports" in merged.stderr
    report = json.loads((tmp_path / "merged.json").read_text())
    assert comparable(report) == comparable(one_process(repos, tmp_path))
    assert [s["shard"] for s in report["shards"]] == [f"{k}/{count}" for k in range(1, count + 1)]


def test_github_matrix_covers_every_repository_once(tmp_path: Path, repos: Path) -> None:
    workflow = yaml.safe_load(MATRIX.read_text())
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    assert merge_job["needs"] == "shard"
    count = len(shard_job["strategy"]["matrix"]["shard"])
    assert count > 1 and shard_job["strategy"]["fail-fast"] is False

    def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
        # The install step pip-installs MSB_MIGRATE_PACKAGE: here msb-migrate is installed.
        install = [s for s in job["steps"] if s.get("name") == "install msb-migrate"]
        assert len(install) == 1 and "pip install" in install[0]["run"]
        return [s for s in job["steps"] if s not in install]

    collected = tmp_path / "merge-job"  # download-artifact: every shard's reports/ in one
    (collected / "reports").mkdir(parents=True)
    shutil.copy(repos, collected / "repos.txt")
    for index in range(count):
        checkout = tmp_path / f"job-{index}"  # actions/checkout: the repository with repos.txt
        checkout.mkdir()
        shutil.copy(repos, checkout / "repos.txt")
        runner = GitHubRunner.make(checkout, tmp_path / f"runner-{index}", dict(os.environ))
        runner.context["strategy"] = {"job-index": index, "job-total": count}
        runner.context["matrix"] = {"shard": shard_job["strategy"]["matrix"]["shard"][index]}
        runner.context["inputs"] = {"publish": False}
        runner.run_steps(steps(shard_job))
        step = runner.step("migrate this shard")
        assert step.status in ("success", "failure")
        assert f"(MSB_SHARD_INDEX={index}, MSB_SHARD_COUNT={count})" in step.stderr
        upload = runner.step("keep the report")
        assert upload.status == "not run" and upload.with_["path"] == "reports/"
        assert upload.with_["name"] == f"msb-migrate-shard-{index}"  # one artifact per job
        for report in (checkout / "reports").glob("*.json"):
            shutil.copy(report, collected / "reports" / report.name)
    reports = sorted((collected / "reports").glob("*.json"))
    assert len(reports) == count
    check_shards(reports, repos, count)
    runner = GitHubRunner.make(collected, tmp_path / "runner-merge", dict(os.environ))
    runner.run_steps(steps(merge_job))
    step = runner.step("merge the shard reports")
    assert step.returncode == 2, step.stderr  # a repository failed
    report = json.loads((collected / "report.json").read_text())
    assert comparable(report) == comparable(one_process(repos, tmp_path))


# -- bulk-report merge ---------------------------------------------------------------------------


def entry(repo: str, status: str = "unchanged") -> dict[str, Any]:
    return {
        "repo": repo,
        "source": repo,
        "status": status,
        "errors": [],
        "files": [],
        "seconds": 0.1,
    }


def write_report(path: Path, shard: str | None, repos: list[str], mode: str = "dry-run") -> Path:
    report = {
        "tool": {"name": "msb-migrate", "version": "0.1.0"},
        "mode": mode,
        "repos": "repos.txt",
        "shard": shard,
        "workspace": f"/ws/{path.stem}",
        "repositories": [entry(r) for r in repos],
        "totals": {},
    }
    path.write_text(json.dumps(report))
    return path


def run_merge(tmp_path: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["bulk-report", "merge", "-o", str(tmp_path / "m.json"), *args])


@pytest.mark.parametrize(
    ("shards", "problem"),
    [
        ([("1/2", ["a"])], "missing the report of shard 2/2"),
        ([("1/3", ["a"]), ("3/3", ["c"])], "missing the report of shard 2/3"),
        ([("1/2", ["a"]), ("1/2", ["b"])], "shard 1/2 is given twice"),
        ([("1/2", ["a"]), ("2/3", ["b"])], "different numbers of shards (2, 3)"),
        ([("1/2", ["a"]), ("2/2", ["a"])], "a is in two reports"),
        ([(None, ["a"])], "the report of a run without --shard"),
        ([("0/2", ["a"])], "shard '0/2' is not K/N"),
    ],
)
def test_merge_refuses_an_incomplete_or_inconsistent_set(
    tmp_path: Path, shards: list[tuple[str | None, list[str]]], problem: str
) -> None:
    paths = [write_report(tmp_path / f"r{i}.json", s, r) for i, (s, r) in enumerate(shards)]
    result = run_merge(tmp_path, *map(str, paths))
    assert result.exit_code == 2
    assert problem in result.output
    assert not (tmp_path / "m.json").exists()


def test_merge_refuses_mixed_modes_and_other_files(tmp_path: Path) -> None:
    one = write_report(tmp_path / "one.json", "1/2", ["a"])
    two = write_report(tmp_path / "two.json", "2/2", ["b"], mode="branch")
    assert "different modes (branch, dry-run)" in run_merge(tmp_path, str(one), str(two)).output
    other = tmp_path / "other.json"
    other.write_text('{"files": []}')
    assert "not a bulk report" in run_merge(tmp_path, str(other)).output
    other.write_text("{")
    assert "not a bulk report" in run_merge(tmp_path, str(other)).output


def test_merge_orders_by_repos_or_by_identifier(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text("https://h/z.git\nhttps://h/a.git\nhttps://h/m.git\n")
    ids = [repo_id(line) for line in listing.read_text().splitlines()]
    parts: dict[int, list[str]] = {1: [], 2: []}
    for ident in ids:
        parts[shard_of(ident, 2)].append(ident)
    paths = [write_report(tmp_path / f"s{k}.json", f"{k}/2", parts[k]) for k in (1, 2)]
    result = run_merge(tmp_path, "--repos", str(listing), *map(str, paths))
    assert result.exit_code == 0, result.output
    merged = json.loads((tmp_path / "m.json").read_text())
    assert [e["repo"] for e in merged["repositories"]] == ids
    assert merged["totals"]["repositories"] == 3 and merged["totals"]["unchanged"] == 3
    assert merged["shard"] is None and merged["repos"] == "repos.txt"
    result = run_merge(tmp_path, *map(str, paths))
    merged = json.loads((tmp_path / "m.json").read_text())
    assert [e["repo"] for e in merged["repositories"]] == sorted(ids)
    listing.write_text("https://h/z.git\nhttps://h/a.git\n")
    result = run_merge(tmp_path, "--repos", str(listing), *map(str, paths))
    assert result.exit_code == 2 and "does not list h/m" in result.output
    listing.write_text("https://h/z.git\nhttps://h/a.git\nhttps://h/m.git\nhttps://h/new.git\n")
    result = run_merge(tmp_path, "--repos", str(listing), *map(str, paths))
    assert result.exit_code == 2 and "no report has h/new" in result.output
