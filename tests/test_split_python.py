"""split-build-runtime, Python: the benefit gate and pip's cache, the lean virtualenv on the
builder's own image, apps without a folder of their own, ``flask run``, and the non-root option
for ports below 1024."""

from __future__ import annotations

import pytest

from codemods.non_root_user import NonRootUser
from codemods.split_build_runtime import SplitBuildRuntime
from refactor.data import python as pydata
from refactor.engine.codemod import Context, Options
from refactor.engine.runner import run_codemods
from refactor.syntax.parser import parse

_CMD = 'CMD ["python", "a.py"]\n'


def _split(text: str) -> tuple[str, list[str], list[str]]:
    report = run_codemods(parse(text), Context(), [SplitBuildRuntime()])
    return report.output, [str(e) for e in report.explanations], [s.code for s in report.skips]


_GCC = "RUN apt-get update && apt-get install -y --no-install-recommends gcc\n"


@pytest.mark.parametrize(
    "install",
    [
        "RUN pip install flask\n",
        "RUN pip install --no-cache-dir flask\n",
        "RUN python3 -m pip install -r requirements.txt\n",
    ],
)
def test_pip_cache_alone_is_no_gain(install: str) -> None:
    """cache-mounts keeps pip's cache out of the single-stage image too: on the builder's own
    image a split that only leaves the cache behind is skipped."""
    text = f"FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\n{install}{_CMD}"
    output, _, codes = _split(text)
    assert codes == ["SPL035"] and output == text


@pytest.mark.parametrize(
    ("install", "splits"),
    [
        ("RUN pip install --upgrade pip && pip install -r requirements.txt\n", True),
        ("RUN python -m pip install -U pip\nRUN pip install flask\n", True),
        ("RUN pip install pip==24.0 flask\n", True),
        ("RUN pip install -r pip-requirements.txt\n", False),
        ("RUN pip install --upgrade pipenv-tools flask\n", False),
        ("RUN pip install --user --upgrade pip flask\n", False),
    ],
)
def test_a_pip_upgrade_is_the_gain_on_the_same_image(install: str, splits: bool) -> None:
    """The upgraded pip is a second pip in the single-stage image; the split leaves it in the
    builder (the virtualenv drops pip). A --user install keeps it in the copied folder."""
    text = f"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n{install}{_CMD}"
    output, explanations, codes = _split(text)
    if splits:
        assert codes == [] and "FROM python:3.12-slim AS runtime" in output
        assert any("installs over the base image's stays in the builder" in e for e in explanations)
    else:
        assert codes == ["SPL035"] and output == text


@pytest.mark.parametrize(
    ("words", "found"),
    [
        (("install", "-r", "pip.txt", "flask"), ["flask"]),
        (("install", "--index-url", "https://x", "-U", "pip", "wheel"), ["pip", "wheel"]),
        (("install", "-e", ".", "--no-deps"), []),
    ],
)
def test_pip_requirements(words: tuple[str, ...], found: list[str]) -> None:
    assert pydata.requirements(words) == found


def test_same_image_virtualenv_leaves_pip_and_seeded_setuptools() -> None:
    text = f"FROM python:3.11-slim\n{_GCC}WORKDIR /app\nRUN pip install uwsgi\nCOPY a.py .\n{_CMD}"
    output, _, _ = _split(text)
    builder = output.split("FROM python:3.11-slim AS runtime")[0]
    assert (
        "RUN python -m venv /opt/venv && /opt/venv/bin/python -m pip uninstall --yes setuptools"
        in builder
    )
    lines = builder.splitlines()
    assert lines.index("RUN /opt/venv/bin/python -m pip uninstall --yes pip") == (
        lines.index("RUN pip install uwsgi") + 1
    )


def test_pip_is_uninstalled_after_the_last_step_that_runs_it() -> None:
    text = (
        f"FROM python:3.13-slim\n{_GCC}WORKDIR /app\nRUN pip install flask\nCOPY . .\n"
        f"RUN pip install -e .\n{_CMD}"
    )
    lines = _split(text)[0].splitlines()
    assert lines.index("RUN /opt/venv/bin/python -m pip uninstall --yes pip") == (
        lines.index("RUN pip install -e .") + 1
    )


def test_setuptools_stays_for_a_build_without_isolation() -> None:
    text = (
        f"FROM python:3.10-slim\n{_GCC}WORKDIR /app\nCOPY . .\n"
        f"RUN pip install --no-build-isolation -r requirements.txt\n{_CMD}"
    )
    output, _, codes = _split(text)
    assert codes == []
    assert "RUN python -m venv /opt/venv\n" in output
    assert "uninstall --yes setuptools" not in output


def test_other_runtime_image_keeps_the_plain_virtualenv() -> None:
    """A full image split onto its slim image: the gain does not hinge on the venv's pip."""
    text = f"FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install flask\n{_CMD}"
    output, _, codes = _split(text)
    assert codes == [] and "uninstall" not in output


def test_flask_run_is_not_a_toolchain() -> None:
    text = (
        "FROM python:3.12\nWORKDIR /app\nRUN pip install flask\nCOPY app.py .\n"
        'ENV FLASK_APP=app\nCMD ["flask", "run", "--host=0.0.0.0"]\n'
    )
    output, _, codes = _split(text)
    assert codes == [] and 'CMD ["flask", "run", "--host=0.0.0.0"]' in output


@pytest.mark.parametrize(
    ("tag", "version", "seeds"),
    [
        ("3.13.5-slim", (3, 13), False),
        ("3.12-alpine", (3, 12), False),
        ("3.11", (3, 11), True),
        ("3.10-slim-bookworm", (3, 10), True),
        ("3-slim", None, True),
        ("slim", None, True),
        (None, None, True),
    ],
)
def test_python_version_of_a_tag(tag: str | None, version: object, seeds: bool) -> None:
    assert pydata.python_version(tag) == version
    assert pydata.seeds_setuptools(tag) is seeds


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FROM python:3.9-slim\nCOPY . .\nRUN pip install flask\n" + _CMD, "SPL020"),
        ("FROM python:3.9-slim\nCOPY *.py /\nRUN pip install flask\n" + _CMD, "SPL020"),
        ("FROM python:3.9-slim\nADD app.tar.gz /\nRUN pip install flask\n" + _CMD, "SPL020"),
        (
            "FROM python:3.9-slim\nCOPY a.py /\nRUN pip install flask\nRUN python a.py --init\n"
            + _CMD,
            "SPL020",
        ),
    ],
)
def test_files_in_root_that_cannot_be_told(text: str, code: str) -> None:
    assert _split(text)[2] == [code]


def test_files_in_root_are_copied_path_by_path() -> None:
    text = (
        "FROM python:3.9\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\n"
        f"COPY pkg pkg\nCOPY a.py b.py ./\nRUN chmod +x a.py\n{_CMD}"
    )
    output, _, codes = _split(text)
    assert codes == []
    runtime = output.split("AS runtime")[1]
    for path in ("/requirements.txt", "/pkg", "/a.py", "/b.py"):
        assert f"COPY --from=builder {path} {path}\n" in runtime


_PORT_80 = (
    "FROM python:3.12-slim\nWORKDIR /app\nRUN pip install --no-cache-dir flask\nCOPY a.py .\n"
    'EXPOSE 80\nCMD ["flask", "run", "--host=0.0.0.0", "--port=80"]\n'
)


@pytest.mark.parametrize("unprivileged", [False, True])
def test_port_below_1024_follows_the_option(unprivileged: bool) -> None:
    ctx = Context(options=Options(unprivileged_ports=unprivileged))
    report = run_codemods(parse(_PORT_80), ctx, [NonRootUser()])
    codes = [s.code for s in report.skips]
    if unprivileged:
        assert "USER 10001:10001" in report.output and codes == []
        assert any("binds port 80" in str(e) for e in report.explanations)
    else:
        assert report.output == _PORT_80 and codes == ["USR013"]
