"""Node.js package managers: which package.json scripts the split may read through.

Used by the split's Node.js planner (:mod:`codemods.split_build_runtime.plans.node`): a build
script that runs an install (``"build": "npm install && npm run compile"``) is read to find it.
``ng serve`` of the production configuration serves what ``ng build`` of the same configuration
writes: a static site nginx can serve.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "ANGULAR_BUILDERS",
    "ANGULAR_BUILD_FLAGS",
    "ANGULAR_BUILD_OPTIONS",
    "ANGULAR_DEFAULT_PORT",
    "ANGULAR_PRODUCTION",
    "ANGULAR_SERVE",
    "ANGULAR_SERVE_FLAGS",
    "ANGULAR_SERVE_OPTIONS",
    "SCRIPT_DEPTH",
    "SCRIPT_RUNNERS",
]


#: How each package manager runs a package.json script: (words before the script name).
SCRIPT_RUNNERS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "npm": (("run",), ("run-script",)),
    "yarn": (("run",), ()),
    "pnpm": (("run",), ()),
}

#: How deep the split follows scripts that run scripts (``build`` → ``buildclient`` → …).
SCRIPT_DEPTH = 4

# -- Angular: ``ng serve`` of the production configuration is a static site -----------------------

#: ``ng serve`` as a start command (run by npx or a global install).
ANGULAR_SERVE = re.compile(r"^(?:npx\s+)?ng\s+serve(?:\s|$)")
#: The port ``ng serve`` listens on unless told.
ANGULAR_DEFAULT_PORT = 4200
#: ``ng serve`` options that say which build it serves (carried to ``ng build``): flags, and
#: options with a value.
ANGULAR_BUILD_FLAGS = ("--prod",)
ANGULAR_BUILD_OPTIONS = ("--configuration", "-c", "--project")
#: ``ng serve`` options of the development server only (nginx replaces it): flags, and options
#: with a value.
ANGULAR_SERVE_FLAGS = ("--disable-host-check", "--live-reload=false", "--watch=false")
ANGULAR_SERVE_OPTIONS = ("--host", "--port", "--public-host", "--poll")
#: The configuration whose build is the production bundle.
ANGULAR_PRODUCTION = "production"
#: Angular builders and the folder under ``outputPath`` their browser files go to
#: (``application`` writes ``browser/`` unless ``outputPath.browser`` says otherwise).
ANGULAR_BUILDERS: Mapping[str, str | None] = {
    "@angular-devkit/build-angular:browser": None,
    "@angular-devkit/build-angular:browser-esbuild": None,
    "@angular-devkit/build-angular:application": "browser",
    "@angular/build:application": "browser",
}
