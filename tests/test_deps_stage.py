"""deps-stage: its tables, its stages on small shapes, its skips by their code.

The codemod over the shared real-world corpus (alone and after the default pipeline: accepted by
the official parser, no missing stage, the final stage kept last and named as it was, a second
run changes nothing) goes through tests/test_realworld_sweep.py.
"""

from __future__ import annotations

import pytest

from refactor.analysis.model import build_model
from refactor.data import stages
from refactor.engine.codemod import Context
from refactor.engine.runner import load_codemod, run_codemods
from refactor.syntax.parser import parse

NAME = "deps-stage"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("npm ci", True),
        ("npm install --no-audit", True),
        ("npm install -g pnpm", False),
        ("yarn", True),
        ("yarn install --frozen-lockfile", True),
        ("pip install --no-cache-dir -r requirements.txt", True),
        ("python -m pip install -r requirements.txt", True),
        ("pip install poetry", False),
        ("pip install .", False),
        ("poetry install --no-root", True),
        ("go mod download", True),
        ("go build ./...", False),
        ("mvn -B dependency:go-offline", True),
        ("./mvnw dependency:resolve", True),
        ("mvn package", False),
        ("cargo fetch", True),
        ("cargo build --release", False),
        ("bundle install", True),
        ("composer install --no-dev", True),
        ("dotnet restore", True),
        ("apt-get install -y git", False),
    ],
)
def test_installs_dependencies(words: str, expected: bool) -> None:
    assert stages.installs_dependencies(words.split()) is expected


def test_a_build_before_the_sources_installs_dependencies() -> None:
    assert stages.installs_dependencies(["cargo", "build", "--release"], sources=False)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("package*.json", True),
        ("./go.mod", True),
        ("src/Api/Api.csproj", True),
        ("requirements-dev.txt", True),
        (".", False),
        ("./", False),
        ("src", False),
        ("main.go", False),
        ("tsconfig.json", False),
    ],
)
def test_is_manifest(source: str, expected: bool) -> None:
    assert stages.is_manifest(source) is expected


def test_two_builders_get_a_deps_stage_each() -> None:
    text = (
        "FROM node:20 AS web\nWORKDIR /web\nCOPY package.json package-lock.json ./\n"
        "RUN npm ci\nCOPY . .\nRUN npm run build\n\n"
        "FROM golang:1.22 AS api\nWORKDIR /api\nCOPY go.mod go.sum ./\nRUN go mod download\n"
        "COPY . .\nRUN go build -o /bin/api .\n\n"
        "FROM alpine:3.20 AS runtime\nCOPY --from=web /web/dist /srv\n"
        'COPY --from=api /bin/api /bin/api\nCMD ["api"]\n'
    )
    report = run_codemods(parse(text), Context(), [load_codemod(NAME)])
    model = build_model(parse(report.output))
    assert [s.name for s in model.stages] == ["web-deps", "web", "api-deps", "api", "runtime"]
    again = run_codemods(parse(report.output), Context(), [load_codemod(NAME)])
    assert again.output == report.output


BUILD = "FROM node:20 AS build\nWORKDIR /app\n"
RUNTIME = "FROM nginx:1 AS runtime\nCOPY --from=build /app/dist /srv\n"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FROM node:20\nCOPY . .\nRUN npm ci\n", "DEP001"),
        (
            "FROM node:20\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n"
            "FROM nginx\nCOPY --from=0 /dist /srv\n",
            "DEP002",
        ),
        (
            "FROM node:20 AS deps\nCOPY package.json ./\nRUN npm ci\n"
            "FROM deps AS build\nWORKDIR /app\nCOPY . .\nRUN npm run build\n" + RUNTIME,
            "DEP003",
        ),
        (BUILD + "COPY package.json ./\nRUN npm ci\nONBUILD RUN x\nCOPY . .\n" + RUNTIME, "DEP007"),
        (BUILD + "COPY . .\nRUN make\n" + RUNTIME, "DEP008"),
        (BUILD + "COPY . .\nRUN npm ci\nRUN npm run build\n" + RUNTIME, "DEP009"),
        (BUILD + "COPY package.json ./\nCOPY . .\nRUN npm ci\n" + RUNTIME, "DEP009"),
    ],
)
def test_skip_codes(text: str, code: str) -> None:
    report = run_codemods(parse(text), Context(), [load_codemod(NAME)])
    assert report.output == text
    assert [s.code for s in report.skips] == [code]
