"""Python: the dev server of the production server's framework.

uvicorn (or gunicorn with uvicorn workers) gets ``--reload``; a Django project with
``manage.py`` gets ``runserver``; Flask gets ``flask run --debug`` (through ``python -m``, which
finds Flask wherever pip put it; ``FLASK_APP``/``FLASK_DEBUG`` before Flask 2.3). The app and
the port come from the production command, the framework from the requirements. The stage
installs the dev requirements (a ``requirements-dev.txt``, poetry without ``--only main``,
``pipenv --dev``). ``pip install --prefix/--target`` is refused: the build stage's python does
not find those packages.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from codemods.dev_target.plan import ANY_HOST, DevPlan
from refactor.analysis.crossbuild import effective_words
from refactor.analysis.semantics import option
from refactor.data import platforms as pf
from refactor.engine.codemod import Unsupported
from refactor.syntax.tree import Instruction

if TYPE_CHECKING:
    from codemods.dev_target.planner import DevStage

__all__ = ["plan"]

#: ``python -m flask`` runs wherever pip put Flask (a virtualenv, ``--user``), unlike ``flask``.
_FLASK = ("python", "-m", "flask")
#: pip options that install where the stage's own python does not look.
_ELSEWHERE = frozenset({"--prefix", "--target", "-t", "--root"})


def requirements_text(dev: DevStage) -> str:
    files = [
        *dev.ctx.glob("requirements*.txt"),
        *dev.ctx.glob("requirements/*.txt"),
        *[f for f in ("pyproject.toml", "Pipfile", "setup.cfg", "setup.py") if dev.ctx.exists(f)],
    ]
    return "\n".join(dev.ctx.read(f) or "" for f in files)


def plan(dev: DevStage) -> DevPlan:
    requirements = requirements_text(dev)
    if not requirements:
        raise Unsupported(
            "cannot read the project's requirements to find the dev command", code="DEV011"
        )

    def has(package: str) -> bool:
        return re.search(rf"(?im)^[\s\"']*{package}\b", requirements) is not None

    for cmd in dev.commands():
        placed = [w for w in cmd.words if w.split("=", 1)[0] in _ELSEWHERE]
        pip = re.fullmatch(r"pip[\d.]*", cmd.name) or cmd.words[1:3] == ("-m", "pip")
        if pip and "install" in cmd.words and placed:
            raise Unsupported(
                f"`pip install {placed[0]}` puts the packages where the build stage's python "
                "does not find them",
                code="DEV014",
            )
    words = dev.start
    if len(words) >= 3 and re.fullmatch(r"python[\d.]*", words[0]) and words[1] == "-m":
        words = words[2:]
    program = posixpath.basename(words[0]) if words else ""
    target = (
        _app_target(words[1:]) if program in ("gunicorn", "uvicorn", "waitress-serve") else None
    )
    port = _bound_port(words) or dev.port
    worker = option(words, "-k", "--worker-class") or ""
    if program == "uvicorn" or (program == "gunicorn" and "uvicorn" in worker.lower()):
        if target is None or not has("uvicorn"):
            raise Unsupported("cannot tell which ASGI app uvicorn serves", code="DEV015")
        port = port or "8000"
        command = ["python", "-m", "uvicorn", target, "--reload", "--host", ANY_HOST]
        command += ["--port", port]
        plan = DevPlan(command, "uvicorn in the requirements (the production server)", port=port)
    elif has("django") and dev.visible("manage.py"):
        port = port or "8000"
        command = ["python", "manage.py", "runserver", f"{ANY_HOST}:{port}"]
        plan = DevPlan(command, "manage.py of the Django project", port=port)
    elif has("flask"):
        target = target or flask_script(dev, words)
        port = port or "5000"
        plan = flask(dev, target, port, requirements)
    else:
        shown = " ".join(dev.start) or "no start command"
        raise Unsupported(f"no development server is known for `{shown}`", code="DEV009")
    for node in python_dev_dependencies(dev):
        plan.add(
            node,
            f"the development stage installs the dev dependencies (`{node.value}`)",
            "tools and tests the project uses while developing",
        )
    return plan


def flask_script(dev: DevStage, words: Sequence[str]) -> str:
    """``module:app`` of ``python app.py`` when app.py creates the Flask app."""
    script = words[1] if len(words) > 1 and re.fullmatch(r"python[\d.]*", words[0]) else ""
    text = dev.ctx.read(script) if script.endswith(".py") else None
    found = re.search(r"^(\w+)\s*=\s*Flask\(", text or "", re.M)
    if found is None:
        raise Unsupported(
            "cannot tell which Flask app the production command serves", code="DEV015"
        )
    return f"{script[:-3].replace('/', '.')}:{found.group(1)}"


def flask(dev: DevStage, target: str, port: str, requirements: str) -> DevPlan:
    """``flask --app X run --debug`` (Flask 2.3+), else FLASK_APP/FLASK_DEBUG (run through
    ``python -m``)."""
    pinned = re.search(r"(?im)^[\s\"']*flask\s*(==|~=|>=|>|<=|<)\s*(\d+)\.(\d+)", requirements)
    source = "Flask in the requirements"
    if pinned is None or (
        pinned.group(1) in ("==", "~=", ">=", ">")
        and (int(pinned.group(2)), int(pinned.group(3))) >= (2, 3)
    ):
        command = [*_FLASK, "--app", target, "run", "--debug", "--host", ANY_HOST]
        return DevPlan([*command, "--port", port], source, port=port)
    plan = DevPlan([*_FLASK, "run", "--host", ANY_HOST, "--port", port], source, port=port)
    plan.add(
        dev.new("ENV", f"FLASK_APP={target} FLASK_DEBUG=1"),
        f"the development stage sets FLASK_APP={target} FLASK_DEBUG=1",
        "Flask before 2.3 takes the app and the debug mode from the environment",
    )
    return plan


def python_dev_dependencies(dev: DevStage) -> list[Instruction]:
    out: list[Instruction] = []
    found = next((f for f in pf.DEV_REQUIREMENTS if dev.visible(f)), None)
    if found is not None:
        out.append(dev.new("RUN", f"pip install --no-cache-dir -r {found}"))
    for cmd in dev.commands():
        words, _ = effective_words(cmd)
        name = posixpath.basename(words[0]) if words else ""
        if name == "poetry" and words[1:2] == ("install",):
            kept = [w for w in words if w not in pf.PYTHON_PRODUCTION_FLAGS]
            kept = [w for i, w in enumerate(kept) if not _without_dev(kept, i)]
            if kept != list(words):
                out.append(dev.new("RUN", " ".join(kept)))
        elif name == "pipenv" and words[1:2] == ("install",) and "--dev" not in words:
            out.append(dev.new("RUN", " ".join([*words, "--dev"])))
    return out


def _without_dev(words: Sequence[str], i: int) -> bool:
    """``--without dev`` / ``--only main`` written as two words (poetry)."""
    pair = (words[i - 1], words[i]) if i else ("", words[i])
    here = (words[i], words[i + 1]) if i + 1 < len(words) else (words[i], "")
    dev_pairs = {("--without", "dev"), ("--only", "main")}
    return pair in dev_pairs or here in dev_pairs


#: gunicorn/uvicorn/waitress options followed by a value.
_VALUE_OPTIONS = frozenset(
    {
        "-b", "--bind", "-w", "--workers", "-k", "--worker-class", "-c", "--config", "--host",
        "--port", "-p", "--listen", "--threads", "--timeout", "--chdir", "--log-level",
        "--access-logfile", "--error-logfile", "--root-path", "--app-dir", "--env-file",
    }
)  # fmt: skip


def _app_target(args: Sequence[str]) -> str | None:
    """The ``module:app`` operand of gunicorn/uvicorn/waitress-serve (option values skipped)."""
    value = False
    for word in args:
        if value:
            value = False
        elif word in _VALUE_OPTIONS:
            value = True
        elif re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.()]*", word):
            return word
    return None


def _bound_port(words: Sequence[str]) -> str | None:
    """The port a gunicorn/uvicorn/waitress command binds (``--bind 0.0.0.0:8000``, ``--port``)."""
    bind = re.search(r":(\d+)$", option(words, "-b", "--bind", "--listen") or "")
    if bind is not None:
        return bind.group(1)
    port = option(words, "--port", "-p")
    return port if port and port.isdigit() else None
