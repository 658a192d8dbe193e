"""Project configuration: ``.msb-migrate.toml`` or ``[tool.msb-migrate]`` in ``pyproject.toml``,
found for each Dockerfile, and what applies to it once the command line is laid over it.

The file is looked for upward from a Dockerfile's directory, in directories the user controls
only (:func:`search_path`): the search ends after the repository root (the directory holding
``.git``) or the home directory, and before a directory on another file system, one anybody may
write to (``/tmp``) or one owned by another user (root excepted) — a file planted in a shared
parent never applies. Which file applied is :meth:`Settings.source` (``-v`` prints it, the JSON
report has it per file). In one directory
``.msb-migrate.toml`` wins over ``pyproject.toml``; a ``pyproject.toml`` without a
``[tool.msb-migrate]`` table does not count. The keys and their checks are the option table's
(:mod:`refactor.app.options`); command-line flags win over the file (:meth:`Config.over`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from refactor.app.options import Config, ConfigError, parse_config
from refactor.app.output import Failure
from refactor.engine.codemod import Codemod, Options
from refactor.engine.runner import CODEMOD_MODULES, select_codemods

__all__ = ["Settings", "find_config", "load_config", "search_path"]

DEDICATED_FILE = ".msb-migrate.toml"
PYPROJECT = "pyproject.toml"


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a config file (≈5 ms of start-up otherwise)

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not valid UTF-8 (byte {exc.start}); TOML is UTF-8") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None


def _section(path: Path) -> dict[str, Any] | None:
    """The msb-migrate table of a config file, or None when a pyproject.toml has none."""
    data = _read_toml(path)
    if path.name == DEDICATED_FILE:
        return data
    tool = data.get("tool")
    table = tool.get("msb-migrate") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(path, "must be a table", "tool.msb-migrate")
    return table


def _home() -> Path | None:
    home = os.environ.get("HOME")
    try:
        return Path(home).resolve() if home else None
    except (OSError, RuntimeError):
        return None


def _untrusted(info: os.stat_result) -> bool:
    """Whether anybody else may have put files in a directory: writable by all (``/tmp``)
    or owned by another user than this process's (root excepted)."""
    others_write = bool(info.st_mode & stat.S_IWOTH)
    return others_write or info.st_uid not in (os.geteuid(), 0)


def search_path(start: Path) -> Iterator[Path]:
    """The directories a configuration file is looked for in, nearest first: ``start`` (a
    file's directory) and its parents, up to the repository root or the home directory
    (included), never into a directory on another file system, writable by all or owned by
    another user (root excepted)."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    home = _home()
    device: int | None = None
    for directory in (here, *here.parents):
        try:
            info = directory.stat()
        except OSError:
            return
        if _untrusted(info) or (device is not None and info.st_dev != device):
            return
        device = info.st_dev
        yield directory
        if directory == home or (directory / ".git").exists():
            return


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file at or above ``start`` (a file or directory) and its
    table, looked for along :func:`search_path`."""
    for directory in search_path(start):
        for name in (DEDICATED_FILE, PYPROJECT):
            candidate = directory / name
            try:
                is_file = stat.S_ISREG(candidate.stat().st_mode)
            except FileNotFoundError:
                continue
            except OSError as exc:  # a folder that cannot be searched may hide a configuration
                raise ConfigError(candidate, f"cannot read: {exc.strerror or exc}") from None
            if is_file:
                table = _section(candidate)
                if table is not None:
                    return candidate, table
    return None


def load_config(start: Path) -> Config:
    """The configuration that applies to ``start`` (nothing set when there is no file)."""
    found = find_config(start)
    if found is None:
        return Config()
    return parse_config(found[1], found[0])


def _unknown(names: Iterable[str], valid: Iterable[str]) -> str | None:
    valid = list(valid)
    for name in names:
        if name not in valid:
            return f"unknown codemod '{name}' (valid: {', '.join(valid)})"
    return None


class Settings:
    """Codemods and options per Dockerfile directory: the command line's settings over the
    configuration file found for the directory (found once per directory, resolved once per
    file)."""

    def __init__(self, command_line: Config) -> None:
        self.command_line = command_line
        self._cache: dict[Path | None, tuple[list[Codemod], Options]] = {}
        self._configs: dict[Path, Config] = {}  # by directory: found once per run
        cl = command_line
        problem = _unknown((*cl.codemods, *cl.enable, *cl.skip), CODEMOD_MODULES)
        if problem:
            raise Failure(problem)

    def _config(self, start: Path) -> Config:
        found = self._configs.get(start)
        if found is None:
            found = self._configs[start] = load_config(start)
        return found

    def source(self, start: Path) -> Path | None:
        """The configuration file that applies in (or at) ``start``; None when none does."""
        return self._config(start).source

    def resolve(self, start: Path) -> tuple[list[Codemod], Options]:
        """The codemods and options for a Dockerfile in (or at) ``start``."""
        found = self._config(start)
        if found.source in self._cache:
            return self._cache[found.source]
        for key, names in (
            ("codemods", found.codemods),
            ("enable", found.enable),
            ("skip", found.skip),
        ):
            problem = _unknown(names, CODEMOD_MODULES)
            if problem and found.source is not None:
                raise ConfigError(found.source, problem, key)
        config = self.command_line.over(found)
        codemods = select_codemods(config.codemods, config.skip, config.enable)
        self._cache[found.source] = (codemods, config.options())
        return self._cache[found.source]
