"""dev-target: a ``development`` stage that runs the project's development server.

Pattern 5 of multi-stage builds: ``docker build --target development`` gives an image with the
toolchain, the dev dependencies and the project's dev command (``npm run dev``, ``flask run
--debug``, ``uvicorn --reload``, ``python manage.py runserver``, ``air``/``go run``, ``cargo
run``, ``spring-boot:run``/``bootRun``, ``dotnet watch``), while a plain build still produces the
production stage: the new stage derives from the build stage that holds the whole project and
is placed right before the production stage, which stays the last one (it is named
``production`` only when it has no name: existing names are public). The dev command comes from
the build context (package.json scripts, requirements, manage.py, .air.toml, pom.xml…); without
one the codemod skips with a reason.

The package: ``planner.py`` (the stage to derive from, the facts the planners read),
``plans.py`` (the planner of each ecosystem: ``node.py``, ``python.py``, ``go.py``,
``rust.py``, ``java.py``, ``dotnet.py``), ``plan.py`` (what a planner returns) and
``render.py`` (the new stage in the file). Dev servers and their defaults are data, in
:mod:`refactor.data.platforms`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from codemods.dev_target.planner import DevStage
from refactor.engine.codemod import Codemod, Context, Result
from refactor.syntax.tree import Dockerfile

__all__ = ["DevTarget"]


class DevTarget(Codemod):
    name = "dev-target"
    description = (
        "Add a `development` stage (build it with `--target development`) that derives from the "
        "build stage holding the project, installs the dev dependencies and runs the project's "
        "dev command (npm run dev, flask run --debug, uvicorn --reload, manage.py runserver, "
        "air/go run, cargo run, spring-boot:run, dotnet watch) found in the build context; it is "
        "placed before the production stage, which stays last so a plain build is unchanged; "
        "skipped with a reason when no dev command can be found."
    )
    default = False
    codes: ClassVar[Mapping[str, str]] = {
        "DEV001": "the file has no FROM",
        "DEV002": "single stage: there is no build stage to derive a development stage from",
        "DEV003": "the file already has a development stage",
        "DEV004": "the production stage opts out (# msb-migrate: skip=dev-target)",
        "DEV005": "a stage name the codemod would give is taken",
        "DEV006": "no build stage holds the whole project in its working directory",
        "DEV007": "the build stage sets an ENTRYPOINT, which the dev command would be passed to",
        "DEV008": "the ecosystem of the build stage is unknown",
        "DEV009": "no development command is known for the project",
        "DEV010": "a RUN step of the build stage cannot be read",
        "DEV011": "a project file the dev command comes from cannot be read",
        "DEV012": "the dev script runs several commands",
        "DEV013": "the build stage lacks the tool the dev command needs",
        "DEV014": "pip installs the packages where the build stage's python does not find them",
        "DEV015": "cannot tell which program, app or project the dev command should run",
        "DEV016": "the build runs outside the working directory the dev command runs in",
        "DEV017": "the dev command uses a variable, which an exec-form CMD does not expand",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: DevStage(self, tree, ctx).run())
