"""Go knowledge of run time: the calls through which a Go program reads files from disk, the
build inputs a runtime never needs, and the module files that say which code is compiled in.

split-build-runtime copies a Go binary alone; these tables tell it which files the program
still reads next to it (templates, config, ``.env``, static folders) and what of an app folder
is only a build input. Decisions:

- A row names a call as written in the module's own sources: ``pkg.Func`` for a package
  function (``os.Open``: only the package qualifier tells it from ``sql.Open``), ``.Method``
  for a method whatever its receiver (viper instances, gin and echo routers). Reads through
  an ``embed.FS`` (``template.ParseFS``, ``http.FS``) are compiled into the binary and are not
  rows: only disk reads count, and ``//go:embed`` lines are comments the scanner drops.
- ``arg`` is the index of the path argument; :data:`ALL_ARGS` means every argument is a path
  (``template.ParseFiles``, ``godotenv.Load``); ``default`` is the path read when the call
  has no argument (``godotenv.Load()`` reads ``.env``).
- ``kind`` says what the path is: a file, a folder, or a glob (the folder of its literal
  prefix is what must exist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ALL_ARGS",
    "BUILD_INPUT_NAMES",
    "BUILD_INPUT_SUFFIXES",
    "ENV_LOOKUP",
    "GO_IMPORT",
    "GO_IMPORT_BLOCK",
    "GO_READS",
    "MAX_APP_ENTRIES",
    "MAX_GO_FILES",
    "PATH_JOINS",
    "SKIPPED_SOURCE_DIRS",
    "GoRead",
]

#: ``arg`` of a row whose every argument is a path.
ALL_ARGS = -1


@dataclass(frozen=True)
class GoRead:
    """A call that reads a path from disk at run time."""

    call: str  # ``pkg.Func`` or ``.Method``
    arg: int  # index of the path argument, or ALL_ARGS
    kind: Literal["file", "dir", "glob"]
    default: str | None = None  # the path read when the call has no argument


GO_READS: tuple[GoRead, ...] = (
    # the standard library: files and folders opened by path
    GoRead("os.Open", 0, "file"),
    GoRead("os.OpenFile", 0, "file"),
    GoRead("os.ReadFile", 0, "file"),
    GoRead("os.ReadDir", 0, "dir"),
    GoRead("os.DirFS", 0, "dir"),
    GoRead("ioutil.ReadFile", 0, "file"),
    GoRead("ioutil.ReadDir", 0, "dir"),
    # html/template and text/template read the files they parse at run time
    GoRead("template.ParseFiles", ALL_ARGS, "file"),
    GoRead("template.ParseGlob", 0, "glob"),
    GoRead(".ParseFiles", ALL_ARGS, "file"),  # t.ParseFiles on a template value
    GoRead(".ParseGlob", 0, "glob"),
    # net/http serves a folder or a file from disk
    GoRead("http.Dir", 0, "dir"),
    GoRead("http.ServeFile", 2, "file"),
    # viper: configuration folders and files (instances too: v.AddConfigPath)
    GoRead(".AddConfigPath", 0, "dir"),
    GoRead(".SetConfigFile", 0, "file"),
    # godotenv: .env in the working directory unless told
    GoRead("godotenv.Load", ALL_ARGS, "file", ".env"),
    GoRead("godotenv.Overload", ALL_ARGS, "file", ".env"),
    GoRead("godotenv.Read", ALL_ARGS, "file", ".env"),
    # gin and echo routers: templates and static folders from disk
    GoRead(".LoadHTMLGlob", 0, "glob"),
    GoRead(".LoadHTMLFiles", ALL_ARGS, "file"),
    GoRead(".Static", 1, "dir"),
    GoRead(".StaticFile", 1, "file"),
)

#: Calls that join path elements (literal elements join into a literal path).
PATH_JOINS = frozenset({"filepath.Join", "path.Join"})
#: An environment lookup in Go (the variable a computed path may come from).
ENV_LOOKUP = re.compile(r"\bos\.(?:Getenv|LookupEnv)\(\s*\"(\w+)\"\s*\)")
#: A Go import line (single) and an import block, to list the packages a file imports.
GO_IMPORT = re.compile(r'^\s*import\s+(?:[\w.]+\s+)?"([^"]+)"', re.M)
GO_IMPORT_BLOCK = re.compile(r"^\s*import\s*\(([^)]*)\)", re.M)

#: Names of an app folder that only the build reads: module files, vendored and test data,
#: the version-control and container-build files. ``*.go`` files too (suffix below); a folder
#: holding nothing but these is a build input as well.
BUILD_INPUT_NAMES = frozenset(
    {
        "go.mod",
        "go.sum",
        "go.work",
        "go.work.sum",
        "vendor",
        "testdata",
        ".git",
        ".github",
        ".gitignore",
        ".dockerignore",
        "Dockerfile",
        "Makefile",
    }
)
BUILD_INPUT_SUFFIXES = (".go",)
#: Source folders the scanner does not read (vendored code is not the module's own; test
#: data and hidden folders are not compiled).
SKIPPED_SOURCE_DIRS = frozenset({"vendor", "testdata", ".git"})
#: At most this many Go files are read (a larger tree is scanned in part: the reads found
#: still count, and a computed read anywhere makes the copy conservative).
MAX_GO_FILES = 400
#: Above this many non-build entries, the app folder is copied whole instead of entry by entry.
MAX_APP_ENTRIES = 8
