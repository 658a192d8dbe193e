""".NET knowledge of the split: what ``dotnet build`` and ``dotnet publish`` write, and when
``dotnet run`` is the same program as a publish run by the .NET runtime.

``dotnet run`` builds the project of the working directory (the Debug configuration unless
``-c`` says otherwise), applies the first profile of ``Properties/launchSettings.json`` (its
environment variables and URLs) unless ``--no-launch-profile``, and starts the built dll with
the working directory as the content root. A ``dotnet publish`` of the same configuration is
that build plus the project's content files (``appsettings*.json`` and ``wwwroot/`` of a Web
SDK project); copied into the working directory it gives the runtime the same program and the
same content root, provided the project folder holds nothing else the app could read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "BUILD_OUTPUT_MIN_MAJOR",
    "INERT_FILE",
    "RUN_DEFAULT_CONFIGURATION",
    "RUN_FLAGS",
    "RUN_OPTIONS",
    "RUN_PUBLISH",
    "RUN_PUBLISH_DIR",
    "WEB_CONTENT",
    "WEB_SETTINGS",
    "sdk_major",
]

#: ``dotnet run`` options taking a value that the rewrite understands, and the flags it keeps
#: the meaning of (restore and build happen in the publish).
RUN_OPTIONS: Mapping[str, str] = {
    "-c": "configuration",
    "--configuration": "configuration",
    "--project": "project",
}
RUN_FLAGS = frozenset({"--no-launch-profile", "--no-restore", "--no-build"})
#: The configuration ``dotnet run`` builds when ``-c`` is not given.
RUN_DEFAULT_CONFIGURATION = "Debug"
#: Where the builder publishes the app ``dotnet run`` ran: outside the project folder, so a
#: later build does not read the published content as the project's own.
RUN_PUBLISH_DIR = "/publish"
#: The publish that replaces ``dotnet run`` (configuration, optional project, folder).
RUN_PUBLISH = "dotnet publish {project}-c {configuration} -o {folder}"

#: Project-folder files the app does not read at run time: sources, project and solution
#: files, build folders, editor and repository files, docs.
INERT_FILE = re.compile(
    r"(?:^|/)(?:bin|obj|Properties|\.git|\.vs|\.vscode|\.idea)/"
    r"|\.(?:cs|fs|vb|csproj|fsproj|vbproj|sln|props|targets|md|txt|editorconfig|gitignore"
    r"|gitattributes|dockerignore|user)$"
    r"|(?:^|/)(?:Dockerfile[^/]*|LICENSE[^/]*|global\.json|nuget\.config|NuGet\.Config)$",
    re.I,
)
#: Files a Web SDK project publishes as content (read from the content root at run time).
WEB_CONTENT = re.compile(r"(?:^|/)(?:appsettings(?:\.[\w-]+)?\.json|wwwroot/.*)$", re.I)
#: The content a Web SDK project's ``dotnet build`` copies into its output too (not wwwroot,
#: which a build serves from the project folder).
WEB_SETTINGS = re.compile(r"(?:^|/)appsettings(?:\.[\w-]+)?\.json$", re.I)

#: Since .NET Core 3.0 ``dotnet build`` copies an executable's NuGet dependencies into its
#: output, so the folder runs on the runtime image as it is (before, the SDK's package cache
#: was read through ``runtimeconfig.dev.json``).
BUILD_OUTPUT_MIN_MAJOR = 3


def sdk_major(tag: str | None) -> int | None:
    """The .NET major an SDK image tag names (``8.0-alpine`` → 8), None for ``latest``."""
    found = re.match(r"(\d+)\.\d+", tag or "")
    return int(found.group(1)) if found else None
