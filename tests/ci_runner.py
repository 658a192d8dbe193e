"""Runs the shell steps of a GitHub Actions composite action or workflow job, and a GitLab CI
job's script, the way those runners do, for the tests of action.yml, the GitLab template and the
deploy examples (imported by test modules).

What is reproduced, from the runners' documentation:

* GitHub: ``${{ … }}`` expressions in ``env``, ``with`` and ``if`` (context names, string
  literals, ``==``/``!=``, ``&&``/``||``, ``!``, and the status functions ``always()``,
  ``success()``, ``failure()``; a condition without a status function means
  ``success() && …``); each ``run`` script written to a file and run with the step's shell
  (``bash --noprofile --norc -eo pipefail FILE``) in the workspace; ``GITHUB_OUTPUT``,
  ``GITHUB_ENV`` and ``GITHUB_PATH`` files read after each step (outputs become
  ``steps.<id>.outputs``, the path is prepended for the next steps). ``uses:`` steps cannot run
  here (they are other repositories' code): they are recorded with their evaluated ``with``.
* GitLab: a job's ``variables`` (``$VAR``/``${VAR}`` expanded), ``before_script`` + ``script``
  run as one ``bash -e`` script (the shell executor's behaviour: the first failing line fails
  the job), ``after_script`` separately.

Anything else in an expression (a function this module does not know) fails the test, so a
test never passes on an expression it did not understand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: What `pip install <checkout>` needs, and the files the integrations ship at the root.
PACKAGE_FILES = ("pyproject.toml", "README.md", "action.yml", ".pre-commit-hooks.yaml")
PACKAGE_DIRS = ("refactor", "codemods")

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$")
_STATUS = re.compile(r"\b(always|success|failure|cancelled)\(\)")


def project_snapshot(dest: Path) -> Path:
    """A copy of the checkout's package and integration files at ``dest`` (pip builds in the
    source tree: the checkout itself is never built in)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PACKAGE_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PACKAGE_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


# -- GitHub expressions ------------------------------------------------------------------------


def _lookup(name: str, context: Mapping[str, Any]) -> str:
    head, *rest = name.split(".")
    value: Any = context[head]
    for part in rest:
        if not isinstance(value, Mapping):
            raise KeyError(name)
        if part not in value:
            # GitHub: a missing secret, output or input is the empty string
            if head in ("secrets", "steps", "inputs", "env", "vars"):
                return ""
            raise KeyError(name)
        value = value[part]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _operand(text: str, context: Mapping[str, Any]) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if re.fullmatch(r"-?\d+", text) or text in ("true", "false"):
        return text
    if _NAME.match(text):
        return _lookup(text, context)
    raise ValueError(f"unsupported expression {text!r}")


def evaluate(text: str, context: Mapping[str, Any]) -> str:
    """A value with ``${{ … }}`` substituted (names and literals only)."""
    return _EXPR.sub(lambda m: _operand(m.group(1), context), text)


def _term(text: str, context: Mapping[str, Any], failed: bool) -> bool:
    text = text.strip()
    if text.startswith("!"):
        return not _term(text[1:], context, failed)
    status = {"always()": True, "success()": not failed, "failure()": failed, "cancelled()": False}
    if text in status:
        return status[text]
    for op in ("==", "!="):
        if op in text:
            left, right = text.split(op, 1)
            same = _operand(left, context).lower() == _operand(right, context).lower()
            return same if op == "==" else not same
    value = _operand(text, context)
    return value not in ("", "false", "0")


def condition(text: str | None, context: Mapping[str, Any], failed: bool) -> bool:
    """Whether a step with ``if: text`` runs (``failed``: an earlier step failed)."""
    if text is None:
        return not failed
    match = _EXPR.fullmatch(text.strip())
    expr = match.group(1) if match else text
    result = any(
        all(_term(part, context, failed) for part in disjunct.split("&&"))
        for disjunct in expr.split("||")
    )
    return result if _STATUS.search(expr) else result and not failed


# -- GitHub steps ------------------------------------------------------------------------------


@dataclass
class StepRun:
    name: str
    status: str  # success | failure | skipped | not run (a `uses:` step)
    uses: str | None = None
    with_: dict[str, str] = field(default_factory=dict)
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""


@dataclass
class GitHubRunner:
    """One job's runner: its workspace, temporary directory and environment."""

    workspace: Path
    temp: Path
    env: dict[str, str]
    context: dict[str, Any] = field(default_factory=dict)
    runs: list[StepRun] = field(default_factory=list)
    failed: bool = False

    @classmethod
    def make(cls, workspace: Path, temp: Path, env: Mapping[str, str]) -> GitHubRunner:
        temp.mkdir(parents=True, exist_ok=True)
        base = {
            **env,
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "RUNNER_TEMP": str(temp),
            "GITHUB_STEP_SUMMARY": str(temp / "step-summary.md"),
        }
        context = {"runner": {"temp": str(temp)}, "github": {}, "steps": {}, "secrets": {}}
        return cls(workspace, temp, base, context)

    def run_steps(self, steps: list[dict[str, Any]], step_env: Mapping[str, str] = {}) -> None:
        for index, step in enumerate(steps):
            name = str(step.get("name") or step.get("uses") or f"step {index + 1}")
            if not condition(step.get("if"), self.context, self.failed):
                self.runs.append(StepRun(name, "skipped"))
                continue
            if "uses" in step:
                with_ = {k: evaluate(str(v), self.context) for k, v in step.get("with", {}).items()}
                self.runs.append(StepRun(name, "not run", step["uses"], with_))
                continue
            self._run(name, step, step_env)

    def _run(self, name: str, step: Mapping[str, Any], step_env: Mapping[str, str]) -> None:
        shell = step.get("shell", "bash")
        assert shell == "bash", f"{name}: shell {shell!r} (the tests run bash steps)"
        files = {k: self.temp / f"{k.lower()}-{len(self.runs)}" for k in ("OUTPUT", "ENV", "PATH")}
        for path in files.values():
            path.write_text("")
        env = {**self.env, **step_env}
        env.update({k: evaluate(str(v), self.context) for k, v in step.get("env", {}).items()})
        env.update({f"GITHUB_{k}": str(path) for k, path in files.items()})
        script = self.temp / f"step-{len(self.runs)}.sh"
        script.write_text(str(step["run"]))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        ok = proc.returncode == 0
        run = StepRun(name, "success" if ok else "failure", None, {}, proc.returncode)
        run.stdout, run.stderr = proc.stdout, proc.stderr
        self.runs.append(run)
        self.failed = self.failed or not ok
        if "id" in step:
            outputs = dict(_key_values(files["OUTPUT"].read_text()))
            self.context["steps"][step["id"]] = {"outputs": outputs}
        self.env.update(_key_values(files["ENV"].read_text()))
        for line in files["PATH"].read_text().splitlines():
            if line.strip():
                self.env["PATH"] = f"{line.strip()}{os.pathsep}{self.env['PATH']}"

    def step(self, name: str) -> StepRun:
        (run,) = [r for r in self.runs if r.name == name]
        return run


def _key_values(text: str) -> list[tuple[str, str]]:
    """``NAME=value`` lines and ``NAME<<DELIMITER`` blocks (GitHub's file commands)."""
    out = []
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            body = []
            for more in lines:
                if more == delimiter:
                    break
                body.append(more)
            out.append((key, "\n".join(body)))
        elif "=" in line:
            key, value = line.split("=", 1)
            out.append((key, value))
    return out


def run_composite(
    action: Mapping[str, Any],
    action_path: Path,
    runner: GitHubRunner,
    with_: Mapping[str, str],
) -> dict[str, str]:
    """Run a composite action's steps with the inputs ``with_`` (the others at their
    defaults); its outputs."""
    github = runner.context["github"]
    inputs = {}
    for name, spec in action.get("inputs", {}).items():
        given = with_.get(name)
        inputs[name] = (
            given if given is not None else evaluate(str(spec.get("default", "")), runner.context)
        )
    unknown = set(with_) - set(inputs)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    runner.context["inputs"] = inputs
    github.setdefault("action_path", str(action_path))
    runner.run_steps(list(action["runs"]["steps"]), {"GITHUB_ACTION_PATH": str(action_path)})
    return {
        name: evaluate(str(spec["value"]), runner.context)
        for name, spec in action.get("outputs", {}).items()
    }


# -- GitLab ------------------------------------------------------------------------------------


_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def gitlab_job(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A job with its ``extends`` resolved as GitLab does: hashes merged deeply, the job's own
    keys winning, anything else (lists, strings) replaced."""

    def merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(base)
        for key, value in over.items():
            both = isinstance(value, Mapping) and isinstance(out.get(key), Mapping)
            out[key] = merged(out[key], value) if both else value
        return out

    job = dict(document[name])
    parents = job.pop("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        job = merged(gitlab_job(document, parent), job)
    return job


def gitlab_variables(job: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """A job's ``variables`` expanded as GitLab does (``$VAR`` from the others and ``env``)."""
    out: dict[str, str] = {}
    for key, value in job.get("variables", {}).items():
        text = value["value"] if isinstance(value, Mapping) else str(value)
        known = {**env, **out}
        out[key] = _VARIABLE.sub(
            lambda m, known=known: known.get(m.group(1) or m.group(2), ""), text
        )
    return out


def gitlab_script(job: Mapping[str, Any], before: bool = True) -> str:
    """``before_script`` (unless not ``before``) and ``script`` as the one script the shell
    executor runs."""
    lines: list[str] = []
    for key in ("before_script", "script") if before else ("script",):
        value = job.get(key, [])
        lines.extend([value] if isinstance(value, str) else [str(line) for line in value])
    return "\n".join(lines) + "\n"
