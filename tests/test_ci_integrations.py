"""The GitHub Action (action.yml) and the GitLab CI template (ci/gitlab/msb-migrate.gitlab-ci.yml):
their YAML checked for the keys each runner requires, and their shell steps run the way the
runners run them (tests/ci_runner.py) in temporary git repositories.

The action's install step really runs: it creates a virtual environment and pip-installs a
snapshot of this checkout from PyPI's dependencies, and the next steps find msb-migrate on the
PATH it added (GitHub's GITHUB_PATH). The GitLab job's before_script pip-installs the snapshot
with the ``python3`` on the job's PATH (here a virtual environment that sees this machine's
packages). ``uses:`` steps (actions/setup-python, github/codeql-action/upload-sarif) are other
repositories' code and do not run here: the tests check they are called with what they need
(an existing SARIF file). Pull requests go to the local fake forge (tests/fakeforge.py), pushes
to a bare repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_runner import (
    ROOT,
    GitHubRunner,
    gitlab_job,
    gitlab_script,
    gitlab_variables,
    project_snapshot,
    run_composite,
)
from fakeforge import FakeForge, isolate_forge_env
from gitcli import git

ACTION = ROOT / "action.yml"
GITLAB = ROOT / "ci" / "gitlab" / "msb-migrate.gitlab-ci.yml"
TOKEN = "ghp_" + "a1b2c3d4e5" * 4
SINGLE_STAGE = (
    "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
    'RUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n'
)
BRANCH = "msb-migrate/multi-stage"


def action() -> dict[str, Any]:
    return dict(yaml.safe_load(ACTION.read_text()))


def test_action_yaml_has_what_github_requires() -> None:
    doc = action()
    assert {"name", "description", "inputs", "outputs", "runs"} <= set(doc)
    assert doc["runs"]["using"] == "composite"
    for name, spec in doc["inputs"].items():
        assert "description" in spec, name
        assert isinstance(spec.get("default", ""), str), f"{name}: inputs are strings"
    for name, spec in doc["outputs"].items():
        assert {"description", "value"} <= set(spec), name  # composite outputs need value
    for step in doc["runs"]["steps"]:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step["shell"] == "bash"  # a composite run step must name its shell
            # Inputs reach scripts through env, never pasted into the script (injection).
            assert "${{" not in step["run"], step["name"]
    assert {"check", "branch", "pr"} <= set(
        doc["inputs"]["mode"]["description"].replace(",", " ").split()
    )


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout of a service with a single-stage Dockerfile, pushed to a bare origin."""
    isolate_forge_env(monkeypatch, tmp_path)
    root = tmp_path / "service"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "Dockerfile").write_text(SINGLE_STAGE)
    (root / "requirements.txt").write_text("flask==3.0.0\n")
    (root / "app.py").write_text("print('hi')\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "-q", "origin", "main")
    return root


def sarif(path: str) -> dict[str, Any]:
    doc = json.loads(Path(path).read_text())
    assert doc["version"] == "2.1.0"
    return dict(doc)


@pytest.mark.slow
def test_action_runs_in_each_mode(tmp_path: Path, service: Path) -> None:
    doc = action()
    action_path = project_snapshot(tmp_path / "action")  # uses: OWNER/msb-migrate@v1
    temp = tmp_path / "runner-temp"  # one job using the action several times
    base_env = dict(os.environ)
    original = (service / "Dockerfile").read_text()

    def use(**with_: str) -> tuple[GitHubRunner, dict[str, str]]:
        runner = GitHubRunner.make(service, temp, base_env)
        runner.context["github"]["token"] = "workflow-token"
        return runner, run_composite(doc, action_path, runner, with_)

    # check, a file would change: the step fails with the diff; the SARIF report is uploaded.
    runner, outputs = use()
    assert [r.status for r in runner.runs] == ["not run", "success", "failure", "not run"]
    setup, install, run, upload = runner.runs
    assert setup.uses == "actions/setup-python@v5" and setup.with_ == {"python-version": "3.12"}
    assert install.status == "success", install.stderr
    venv_bin = temp / "msb-migrate-venv" / "bin"
    assert shutil.which("msb-migrate", path=runner.env["PATH"]) == str(venv_bin / "msb-migrate")
    assert run.returncode == 1 and outputs["exit-code"] == "1"
    assert "--- a/Dockerfile" in run.stdout and "+FROM python:3.11 AS builder" in run.stdout
    assert "::error::msb-migrate: some Dockerfiles would change" in run.stdout
    assert upload.uses == "github/codeql-action/upload-sarif@v3"
    assert upload.with_ == {"sarif_file": outputs["sarif-file"], "category": "msb-migrate"}
    results = sarif(outputs["sarif-file"])["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"split-build-runtime", "document-stages"}
    assert (service / "Dockerfile").read_text() == original

    # Only the codemods asked for; no upload when it is off, no setup-python without a version.
    runner, outputs = use(
        codemods="split-build-runtime, name-stages",
        **{"upload-sarif": "false", "python-version": ""},
    )
    assert [r.status for r in runner.runs] == ["skipped", "success", "failure", "skipped"]
    rules = {r["ruleId"] for r in sarif(outputs["sarif-file"])["runs"][0]["results"]}
    assert rules and rules <= {"split-build-runtime", "name-stages"}

    # A usage mistake is one error line and exit 2, before msb-migrate runs.
    runner, outputs = use(mode="rebase")
    assert runner.step("run msb-migrate").returncode == 2
    assert (
        "::error::msb-migrate: mode must be check, branch or pr, not 'rebase'"
        in runner.step("run msb-migrate").stdout
    )
    assert outputs["sarif-file"] == ""
    assert runner.step("upload the SARIF report").status == "skipped"  # nothing to upload

    # branch: the bot branch is pushed to origin; the checkout is left as it was.
    runner, outputs = use(mode="branch")
    assert runner.step("run msb-migrate").status == "success", runner.step("run msb-migrate").stderr
    assert outputs["exit-code"] == "0"
    origin = tmp_path / "origin.git"
    pushed = git(origin, "show", f"{BRANCH}:Dockerfile")
    assert pushed.startswith("# builder:") and "AS runtime" in pushed
    assert (service / "Dockerfile").read_text() == original
    assert git(service, "status", "--porcelain") == ""

    # pr: the pull request is opened on GitHub's API with the workflow's token.
    with FakeForge("github", TOKEN, project="acme/service") as fake:
        runner_env = {"GITHUB_API_URL": fake.url, "GITHUB_REPOSITORY": "acme/service"}
        base_env.update(runner_env)
        runner, outputs = use(mode="pr", token=TOKEN, branch="bot/multi-stage")
        step = runner.step("run msb-migrate")
        assert step.status == "success", step.stderr
        assert fake.rejected == [] and len(fake.pulls) == 1
        (pull,) = fake.pulls.values()
        assert pull["head"]["ref"] == "bot/multi-stage" and pull["base"]["ref"] == "main"
    assert TOKEN not in step.stdout + step.stderr
    assert git(origin, "rev-parse", "--verify", "-q", "refs/heads/bot/multi-stage").strip()

    # check on the migrated files: nothing to do, success.
    git(service, "checkout", "-q", BRANCH)
    runner, outputs = use()
    assert runner.step("run msb-migrate").status == "success"
    assert outputs["exit-code"] == "0"


# -- GitLab ------------------------------------------------------------------------------------


def template() -> dict[str, Any]:
    return dict(yaml.safe_load(GITLAB.read_text()))


def test_gitlab_template_has_what_gitlab_requires() -> None:
    doc = template()
    job = gitlab_job(doc, "msb-migrate")
    assert doc["msb-migrate"]["extends"] == ".msb-migrate"
    assert {"image", "script", "variables", "artifacts"} <= set(job)
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["when"] == "always"  # the report of a failed check is the point
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    variables = job["variables"]
    assert {
        "MSB_MIGRATE_PATHS",
        "MSB_MIGRATE_CODEMODS",
        "MSB_MIGRATE_MODE",
        "MSB_MIGRATE_VERIFY",
    } <= set(variables)
    assert all(isinstance(v, str) for v in variables.values())


def _gitlab(
    job: dict[str, Any], checkout: Path, env: dict[str, str], before: bool, **variables: str
) -> subprocess.CompletedProcess[str]:
    """The job's script with ``variables`` set (``before``: its before_script first)."""
    values = gitlab_variables({**job, "variables": {**job["variables"], **variables}}, env)
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", gitlab_script(job, before)],
        cwd=checkout,
        env={**env, **values},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_gitlab_template_runs_in_each_mode(tmp_path: Path, service: Path) -> None:
    job = gitlab_job(template(), "msb-migrate")
    snapshot = project_snapshot(tmp_path / "msb-migrate")
    # The job's python3: a virtual environment that sees this machine's packages, so that
    # before_script's pip install puts msb-migrate (from the snapshot) in it quickly.
    venv = tmp_path / "job-python"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    sha = git(service, "rev-parse", "HEAD").strip()
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_PATH": "acme/service",
        "CI_COMMIT_REF_NAME": "main",
        "CI_COMMIT_SHA": sha,
    }
    variables = {"MSB_MIGRATE_PACKAGE": str(snapshot)}

    proc = _gitlab(job, service, env, True, **variables)  # installs msb-migrate
    assert proc.returncode == 1, proc.stderr
    assert shutil.which("msb-migrate", path=env["PATH"]) == str(venv / "bin" / "msb-migrate")
    assert "--- a/Dockerfile" in proc.stdout and "+FROM python:3.11 AS builder" in proc.stdout
    report = json.loads((service / "msb-migrate-report.json").read_text())
    changes = [(f["path"], c) for f in report["files"] for c in f["changes"]]
    issues = json.loads((service / "gl-code-quality-report.json").read_text())
    assert len(issues) == len(changes) > 0
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    for issue, (path, change) in zip(issues, changes, strict=True):
        assert issue["location"] == {"path": path, "lines": {"begin": change["line"]}}
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["check_name"] == f"msb-migrate/{change['codemod']}"
        assert change["message"] in issue["description"]
    assert f"{len(issues)} planned changes" in proc.stdout

    # The next jobs find it installed (their before_script is the same pip install).
    proc = _gitlab(job, service, env, False, **variables, MSB_MIGRATE_MODE="squash")
    assert proc.returncode == 2 and "MSB_MIGRATE_MODE must be check, branch or pr" in proc.stderr

    origin = tmp_path / "origin.git"
    with FakeForge("gitlab", TOKEN, project="acme/service") as fake:
        gl_env = {**env, "CI_SERVER_URL": fake.url, "GITLAB_TOKEN": TOKEN}
        push = {"MSB_MIGRATE_PUSH_URL": str(origin)}
        git(service, "checkout", "-q", "--detach", sha)  # as the runner checks out
        proc = _gitlab(job, service, gl_env, False, **variables, **push, MSB_MIGRATE_MODE="pr")
        assert proc.returncode == 0, proc.stderr
        assert fake.rejected == [] and len(fake.pulls) == 1
        (merge_request,) = fake.pulls.values()
        assert merge_request["source_branch"] == BRANCH
        assert merge_request["target_branch"] == "main"
    assert TOKEN not in proc.stdout + proc.stderr
    pushed = git(origin, "show", f"{BRANCH}:Dockerfile")
    assert "AS runtime" in pushed
    assert json.loads((service / "gl-code-quality-report.json").read_text())

    git(service, "checkout", "-q", BRANCH)
    proc = _gitlab(job, service, env, False, **variables, MSB_MIGRATE_CODEMODS="name-stages")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((service / "gl-code-quality-report.json").read_text()) == []
