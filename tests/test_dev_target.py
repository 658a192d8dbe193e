"""dev-target: its stage on small shapes, skips asserted by their code.

The shared real-world corpus (alone and after the default pipeline: no internal error, accepted
by the official parser, no missing stage, a second run changes nothing, the production stage
stays the last one) goes through tests/test_realworld_sweep.py.
"""

from __future__ import annotations

from pathlib import Path

from refactor.analysis.model import build_model
from refactor.engine.codemod import Context
from refactor.engine.runner import load_codemod, run_codemods
from refactor.syntax.parser import parse

NAME = "dev-target"


def _run(text: str, context: Path | None = None) -> tuple[str, list[str]]:
    """The output and the codes of the skips."""
    report = run_codemods(parse(text), Context(context_dir=context), [load_codemod(NAME)])
    return report.output, [s.code for s in report.skips]


GO = (
    "FROM golang:1.22\n"
    "WORKDIR /app\n"
    "COPY . .\n"
    "RUN CGO_ENABLED=0 go build -o /bin/app .\n"
    "\n"
    "# the image that ships\n"
    "FROM alpine:3.20\n"
    "COPY --from=0 /bin/app /bin/app\n"
    'ENTRYPOINT ["/bin/app"]\n'
    'CMD ["serve"]\n'
)


def test_unnamed_stages_are_named_and_production_stays_last() -> None:
    output, _ = _run(GO)
    model = build_model(parse(output))
    assert [s.name for s in model.stages] == ["builder", "development", "production"]
    assert "FROM golang:1.22 AS builder\n" in output
    # the production stage keeps its comment right above it
    assert "\n\n# the image that ships\nFROM alpine:3.20 AS production\n" in output
    assert 'CMD ["go", "run", ".", "serve"]\n' in output
    assert "COPY --from=0 /bin/app" in output  # index references still point at the builder


def test_lowercase_file_gets_lowercase_stage() -> None:
    text = GO.replace("FROM", "from").replace("WORKDIR", "workdir").replace("COPY", "copy")
    text = text.replace("RUN", "run").replace("ENTRYPOINT", "entrypoint").replace("CMD", "cmd")
    output, _ = _run(text)
    assert "from builder as development\ncmd [" in output
    assert "from alpine:3.20 as production\n" in output


def test_builder_entrypoint_is_skipped() -> None:
    text = GO.replace("RUN CGO_ENABLED", 'ENTRYPOINT ["go"]\nRUN CGO_ENABLED')
    output, skips = _run(text)
    assert output == text
    assert skips == ["DEV007"]  # the build stage sets an ENTRYPOINT


def test_pip_prefix_install_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    text = (
        "FROM python:3.12 AS builder\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN pip install --no-cache-dir --prefix=/install -r requirements.txt\n"
        "FROM python:3.12-slim\n"
        "COPY --from=builder /install /usr/local\n"
        "COPY --from=builder /app /app\n"
        'CMD ["gunicorn", "app:app"]\n'
    )
    output, skips = _run(text, tmp_path)
    assert output == text
    assert skips == ["DEV014"]  # pip installs where python does not look


def test_vite_script_with_several_commands_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"scripts": {"dev": "tsc -w & vite"}}')
    text = (
        "FROM node:20 AS builder\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN npm ci && npm run build\n"
        "FROM nginx:stable\n"
        "COPY --from=builder /app/dist /usr/share/nginx/html\n"
    )
    output, skips = _run(text, tmp_path)
    assert output == text
    assert skips == ["DEV012"]  # the dev script runs several commands
