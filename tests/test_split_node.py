"""split-build-runtime, Node.js: the benefit gate's view of a package manager's download cache
(not the split's gain), package.json scripts read through, a package.json copied from a subfolder, build tools run by
path, and a static site whose server was installed globally (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_split import _split

_SERVER = "const express = require('express');\nexpress().listen(8080);\n"


def _package(**fields: object) -> str:
    return json.dumps({"name": "a", "private": True, **fields})


_DEPS = _package(dependencies={"express": "4"}, devDependencies={"mocha": "11"})


def _same_image(install: str, *, before: str = "", workdir: str = "/app") -> str:
    return (
        f"FROM node:22-slim\n{before}WORKDIR {workdir}\nCOPY package.json ./\n"
        f'RUN {install}\nCOPY . .\nCMD ["node", "server.js"]\n'
    )


# -- the download cache is not the split's gain ------------------------------------------------------


@pytest.mark.parametrize(
    ("install", "files"),
    [
        ("npm ci --omit=dev", {"package.json": _DEPS, "server.js": _SERVER}),
        (
            "yarn install --production",
            {"package.json": _DEPS, "server.js": _SERVER, "yarn.lock": ""},
        ),
    ],
)
def test_a_download_cache_alone_is_no_reason_to_split_onto_the_same_image(
    install: str, files: dict[str, str], tmp_path: Path
) -> None:
    """npm's and yarn's caches are kept out by cache-mounts (on by default), as pip's: a split
    onto the builder's own image that would only leave the cache behind is skipped."""
    text = _same_image(install)
    out, _, codes = _split(text, files, tmp_path)
    assert codes == ["SPL035"]
    assert out == text


def test_dev_dependencies_left_behind_are_still_the_gain_of_a_same_image_split(
    tmp_path: Path,
) -> None:
    text = _same_image("npm ci")  # devDependencies installed: the runtime prunes them
    out, _, codes = _split(text, {"package.json": _DEPS, "server.js": _SERVER}, tmp_path)
    assert codes == []
    assert "FROM node:22-slim AS runtime" in out


# -- package.json scripts and manifests -----------------------------------------------------------


def test_installs_inside_the_build_script_are_found_and_pruned(tmp_path: Path) -> None:
    text = 'FROM node:20-bullseye\nWORKDIR /srv\nCOPY . .\nRUN yarn build\nCMD ["npm", "start"]\n'
    scripts = {"start": "node server.js", "ui": "cd ui && npm ci && npm run pack", "build": ""}
    scripts["build"] = "yarn run ui && npm install"
    files = {
        "package.json": _package(
            scripts=scripts, dependencies={"express": "4"}, devDependencies={"nodemon": "3"}
        ),
        "ui/package.json": _package(scripts={"pack": "vite build"}),
        "server.js": _SERVER,
    }
    out, _, codes = _split(text, files, tmp_path)
    assert codes == []
    assert "RUN yarn build\nRUN npm prune --omit=dev\n" in out
    assert "FROM node:20-bullseye-slim AS runtime" in out


def test_without_any_install_the_split_still_skips(tmp_path: Path) -> None:
    text = (
        'FROM node:20-bullseye\nWORKDIR /srv\nCOPY . .\nRUN npm run build\nCMD ["npm", "start"]\n'
    )
    files = {"package.json": _package(scripts={"start": "node server.js", "build": "tsc"})}
    assert _split(text, files, tmp_path)[2] == ["SPL012"]


def test_scripts_running_themselves_are_read_to_a_bounded_depth(tmp_path: Path) -> None:
    text = 'FROM node:20\nWORKDIR /srv\nCOPY . .\nRUN npm run build\nCMD ["npm", "start"]\n'
    files = {
        "package.json": _package(scripts={"start": "node server.js", "build": "npm run build"})
    }
    assert _split(text, files, tmp_path)[2] == ["SPL012"]


def test_start_script_read_from_the_package_json_copied_from_a_subfolder(tmp_path: Path) -> None:
    text = (
        "ARG BASE=20-alpine\nFROM node:${BASE}\nWORKDIR /app\nCOPY src/package*.json ./\n"
        'RUN npm install\nCOPY src/. .\nENTRYPOINT ["npm", "start"]\n'
    )
    files = {
        "src/package.json": _package(
            scripts={"start": "node server.mjs"},
            dependencies={"express": "4"},
            devDependencies={"nodemon": "3"},  # pruned in the runtime: the split's gain
        ),
        "src/server.mjs": "import express from 'express';\n",
    }
    out, _, codes = _split(text, files, tmp_path)
    assert codes == []
    assert "FROM node:${BASE} AS runtime" in out


def test_start_script_missing_from_the_subfolder_package_json_is_still_a_skip(
    tmp_path: Path,
) -> None:
    text = (
        "FROM node:20\nWORKDIR /app\nCOPY src/package*.json ./\nRUN npm install\n"
        'COPY src/. .\nCMD ["npm", "run", "serve"]\n'
    )
    files = {"src/package.json": _package(dependencies={"express": "4"})}
    assert _split(text, files, tmp_path)[2] == ["SPL009"]


# -- build tools and static sites -----------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    ['"node_modules/@angular/cli/bin/ng" build', "node_modules/.bin/tsc -p .", "npx tsc"],
)
def test_a_build_tool_run_by_path_is_a_build_step(build: str, tmp_path: Path) -> None:
    text = (
        f"FROM node:18\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN {build}\n"
        'CMD ["node", "server.js"]\n'
    )
    out, _, codes = _split(text, {"package.json": _DEPS, "server.js": _SERVER}, tmp_path)
    assert codes == []
    assert f"RUN {build}\nRUN npm prune --omit=dev\n" in out


def test_a_global_static_server_is_left_behind_for_nginx(tmp_path: Path) -> None:
    text = (
        "FROM node:18\nWORKDIR /app\nCOPY . .\nRUN yarn install && yarn build\n"
        'RUN yarn global add serve\nCMD ["serve", "-s", "build", "-l", "5000"]\n'
    )
    files = {"package.json": _package(scripts={"build": "react-scripts build"})}
    out, _, codes = _split(text, files, tmp_path)
    assert codes == []
    assert "FROM nginx:stable AS runtime" in out
    assert "COPY --from=builder /app/build/ /usr/share/nginx/html/" in out
    assert "listen 5000;" in out


def test_a_global_start_program_of_another_manager_is_still_a_skip(tmp_path: Path) -> None:
    text = (
        "FROM node:18\nWORKDIR /app\nCOPY . .\nRUN yarn install\n"
        'RUN yarn global add pm2\nCMD ["pm2-runtime", "server.js"]\n'
    )
    assert _split(text, {"package.json": _DEPS}, tmp_path)[2] == ["SPL026"]


# -- Angular: ng serve of the production configuration ---------------------------------------------

_ANGULAR_PACKAGE = _package(
    scripts={"start": "ng serve"},
    dependencies={"@angular/core": "17"},
    devDependencies={"@angular/cli": "17"},
)


def _angular_json(builder: str, output: object, production: object = None) -> str:
    build: dict[str, object] = {"builder": builder, "options": {"outputPath": output}}
    if production is not None:
        build["configurations"] = {"production": production}
    return json.dumps({"projects": {"shop": {"architect": {"build": build}}}})


def _ng(cmd: str) -> str:
    return f"FROM node:18\nWORKDIR /app\nCOPY . .\nRUN npm ci\nEXPOSE 4200\nCMD {cmd}\n"


def test_ng_serve_prod_with_the_browser_builder_serves_output_path(tmp_path: Path) -> None:
    files = {
        "package.json": _ANGULAR_PACKAGE,
        "angular.json": _angular_json("@angular-devkit/build-angular:browser", "dist/shop"),
    }
    cmd = '["npx", "ng", "serve", "--prod", "--host", "0.0.0.0", "--port", "8080"]'
    out, _, codes = _split(_ng(cmd), files, tmp_path)
    assert codes == []
    assert "RUN npm ci\nRUN npx ng build --prod\n" in out
    assert "COPY --from=builder /app/dist/shop/ /usr/share/nginx/html/" in out
    assert "listen 8080;" in out


def test_ng_serve_output_of_the_configuration_and_the_application_builder(
    tmp_path: Path,
) -> None:
    files = {
        "package.json": _ANGULAR_PACKAGE,
        "angular.json": _angular_json(
            "@angular/build:application",
            "dist/dev",
            {"outputPath": {"base": "dist/prod", "browser": "public"}},
        ),
    }
    out, _, codes = _split(_ng("ng serve -c=production"), files, tmp_path)
    assert codes == []
    assert "RUN ng build -c production\n" in out  # a global ng, as the start command ran it
    assert "COPY --from=builder /app/dist/prod/public/ /usr/share/nginx/html/" in out


@pytest.mark.parametrize(
    "cmd",
    [
        '["npx", "ng", "serve", "--host", "0.0.0.0"]',  # the development configuration
        '["npx", "ng", "serve", "--prod", "--proxy-config", "proxy.json"]',  # a proxy nginx lacks
    ],
)
def test_ng_serve_of_a_development_server_stays_a_skip(cmd: str, tmp_path: Path) -> None:
    files = {
        "package.json": _ANGULAR_PACKAGE,
        "angular.json": _angular_json("@angular-devkit/build-angular:browser", "dist/shop"),
    }
    assert _split(_ng(cmd), files, tmp_path)[2] == ["SPL011"]


def test_ng_serve_prod_of_an_unknown_builder_is_an_unknown_output(tmp_path: Path) -> None:
    files = {
        "package.json": _ANGULAR_PACKAGE,
        "angular.json": _angular_json("@nx/webpack:webpack", "dist/shop"),
    }
    assert _split(_ng('["npx", "ng", "serve", "--prod"]'), files, tmp_path)[2] == ["SPL013"]


# -- installs in subfolders that only build ---------------------------------------------------------

_NESTED = (
    "FROM node:20\nWORKDIR /srv\nCOPY . .\nRUN npm ci\n"
    'RUN cd ui && npm ci && npm run build\nCMD ["node", "server.js"]\n'
)


def _nested_files(server: str) -> dict[str, str]:
    return {
        "package.json": _DEPS,
        "ui/package.json": _package(scripts={"build": "vite build"}),
        "server.js": server,
        "lib/util.js": "module.exports = 1;\n",
    }


def test_a_subfolder_install_the_program_never_loads_is_dropped(tmp_path: Path) -> None:
    server = "require('express');\nrequire('./lib/util');\n"
    out, _, codes = _split(_NESTED, _nested_files(server), tmp_path)
    assert codes == []
    assert "RUN npm prune --omit=dev\nRUN rm -rf ui/node_modules\n" in out


@pytest.mark.parametrize(
    "server",
    [
        "require('express');\nrequire('./ui/server-render');\n",  # loads a file of ui/
        "const p = 'ui/node_modules/bootstrap/dist';\n",  # names a path in node_modules
        "require(process.env.MOD);\n",  # the graph is not proven
    ],
)
def test_a_subfolder_install_the_program_may_use_is_kept(server: str, tmp_path: Path) -> None:
    files = {**_nested_files(server), "ui/server-render.js": "module.exports = 2;\n"}
    out, _, codes = _split(_NESTED, files, tmp_path)
    assert codes == []
    assert "rm -rf" not in out
