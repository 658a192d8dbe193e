"""End to end: deliberately broken migrations caught by the generic probe (or the build) and
backed off to a working variant of the split (refactor/app/backoff.py, issue 13).

The split's static fixes (issue 13, item 3) make the default migration of each app below
correct: the Go program's config read is found and copied, the cgo dependency under vendor/
keeps cgo on, the devDependency the start file requires is not pruned. So each test forces the
broken default through one planner decision (monkeypatched for the test only, never in the
product) and checks that the back-off finds the variant that works:

(a) a missing config folder: the Go program reads ``config/settings.json`` at start; the
    default copies only the binary (its source reading switched off) → the program exits →
    ``whole-app`` copies the app folder and passes;
(b) a pruned dev dependency: ``server.js`` requires ``dotenv``, a devDependency (installed from
    the npm registry); the default prunes it (its import-graph check switched off) →
    ``Cannot find module`` → ``keep-dev-deps`` passes;
(c) cgo turned off under a cgo dependency: a vendored package (written here, offline) uses
    ``import "C"``; the default adds ``CGO_ENABLED=0`` (the module graph forced "cgo-free") →
    the migrated build fails → ``keep-cgo`` (glibc runtime of the builder's release) passes.

Every migration runs in this process (so the monkeypatches hold); the builds and probes use
the engine. Skips cleanly without Docker or the base images.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from refactor.app.backoff import BackoffResult, verify_file
from refactor.app.config import Settings
from refactor.app.discover import discover
from refactor.app.docker import DockerEngine
from refactor.app.migrate import MigrateOptions, migrate_target
from refactor.app.options import Config

pytestmark = pytest.mark.e2e

GO_DOCKERFILE = """\
FROM golang:1.22
WORKDIR /app
COPY . .
RUN go build -o /app/server .
EXPOSE 8080
CMD ["/app/server"]
"""

#: ``-mod=vendor``: the Go stand-in image sets GOFLAGS=-mod=mod, and no module proxy is reachable.
GO_VENDOR_DOCKERFILE = GO_DOCKERFILE.replace("go build", "go build -mod=vendor")

GO_CONFIG_MAIN = """\
package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	data, err := os.ReadFile("config/settings.json")
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write(data) })
	log.Fatal(http.ListenAndServe(":8080", nil))
}
"""

GO_CGO_MAIN = """\
package main

import (
	"fmt"
	"log"
	"net/http"

	"example.com/cdep"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "answer %d\\n", cdep.Answer())
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}
"""

CGO_PACKAGE = """\
package cdep

// static int answer(void) { return 42; }
import "C"

// Answer is computed in C: the package has no pure-Go fallback.
func Answer() int { return int(C.answer()) }
"""

NODE_DOCKERFILE = """\
FROM node:20
WORKDIR /app
COPY package.json ./
RUN npm install
COPY . .
EXPOSE 3000
CMD ["node", "server.js"]
"""

NODE_SERVER = """\
require('dotenv').config();
const http = require('http');
http.createServer((req, res) => res.end('hello ' + (process.env.GREETING || 'world') + '\\n'))
  .listen(3000);
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def back_off(app: Path, engine: DockerEngine) -> BackoffResult:
    """The default migration of ``app``'s Dockerfile, verified and backed off."""
    options = MigrateOptions(Settings(Config({})))
    [target] = discover([app / "Dockerfile"])
    first = migrate_target(target, options)
    assert first.error is None and first.changed, first.error
    return verify_file(engine, first, options, app)


def kept_variant(outcome: BackoffResult) -> str | None:
    passed = [b for b in outcome.backoffs if b.outcome == "passed"]
    assert passed, [b.line("Dockerfile") for b in outcome.backoffs]
    return passed[0].variant


@pytest.fixture
def engine(docker_engine: DockerEngine) -> DockerEngine:
    return docker_engine


def test_a_missing_config_folder_backs_off_to_the_whole_app(
    tmp_path: Path,
    engine: DockerEngine,
    require_base_images: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_base_images(GO_DOCKERFILE + "FROM gcr.io/distroless/static-debian12:nonroot\n")
    app = write(
        tmp_path,
        {
            "Dockerfile": GO_DOCKERFILE,
            "go.mod": "module example.com/app\n\ngo 1.22\n",
            "main.go": GO_CONFIG_MAIN,
            "config/settings.json": '{"greeting": "hello"}\n',
        },
    )
    monkeypatch.setattr(
        "codemods.split_build_runtime.goreads.read_copies", lambda f, plan: None
    )  # the default copies the binary alone
    outcome = back_off(app, engine)
    assert outcome.status == "backed-off", [b.line("Dockerfile") for b in outcome.backoffs]
    assert kept_variant(outcome) == "whole-app"
    cause = outcome.backoffs[0].cause
    assert "the probe failed" in cause and "/app/config/" in cause
    report = outcome.result.report
    assert report is not None and "COPY --from=builder" in report.output
    assert any("variant `whole-app`" in e.message for e in report.explanations)
    assert outcome.result.verification is not None and outcome.result.verification.ok


def test_a_pruned_dev_dependency_backs_off_to_keeping_them(
    tmp_path: Path,
    engine: DockerEngine,
    require_base_images: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_base_images(NODE_DOCKERFILE + "FROM node:20-slim\n")
    package = {"name": "dotenv-app", "version": "1.0.0", "devDependencies": {"dotenv": "16.4.5"}}
    app = write(
        tmp_path,
        {
            "Dockerfile": NODE_DOCKERFILE,
            "package.json": json.dumps(package, indent=2) + "\n",
            "server.js": NODE_SERVER,
        },
    )
    monkeypatch.setattr(
        "codemods.split_build_runtime.plans.node._keep_dev", lambda *args: None
    )  # the default prunes the devDependency the start file requires
    outcome = back_off(app, engine)
    assert outcome.status == "backed-off", [b.line("Dockerfile") for b in outcome.backoffs]
    assert kept_variant(outcome) == "keep-dev-deps"
    assert "the probe failed" in outcome.backoffs[0].cause
    # whole-app answers as the default for Node (the app folder is copied whole): no build
    assert outcome.backoffs[0].variant == "whole-app"
    assert outcome.backoffs[0].outcome == "not-applicable"
    report = outcome.result.report
    assert report is not None and "npm prune" not in report.output
    assert "AS runtime" in report.output


def test_cgo_turned_off_under_a_cgo_dependency_backs_off_to_keep_cgo(
    tmp_path: Path,
    engine: DockerEngine,
    require_base_images: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_base_images(GO_VENDOR_DOCKERFILE + "FROM gcr.io/distroless/base-debian12:nonroot\n")
    app = write(
        tmp_path,
        {
            "Dockerfile": GO_VENDOR_DOCKERFILE,
            "go.mod": "module example.com/app\n\ngo 1.22\n\nrequire example.com/cdep v0.0.0\n",
            "main.go": GO_CGO_MAIN,
            "vendor/modules.txt": "# example.com/cdep v0.0.0\n## explicit\nexample.com/cdep\n",
            "vendor/example.com/cdep/cdep.go": CGO_PACKAGE,
        },
    )
    monkeypatch.setattr(
        "codemods.split_build_runtime.gomodule.cgo_graph",
        lambda f: (True, "forced cgo-free by the test"),
    )  # the default adds CGO_ENABLED=0 under the cgo dependency
    outcome = back_off(app, engine)
    assert outcome.status == "backed-off", [b.line("Dockerfile") for b in outcome.backoffs]
    assert kept_variant(outcome) == "keep-cgo"
    assert "the migrated build failed" in outcome.backoffs[0].cause
    report = outcome.result.report
    assert report is not None and "CGO_ENABLED=0" not in report.output
    assert "base-debian12" in report.output
