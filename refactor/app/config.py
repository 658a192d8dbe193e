"""Project configuration: ``.msb-migrate.toml`` or ``[tool.msb-migrate]`` in ``pyproject.toml``.

The file is looked for upward from a Dockerfile's directory; the search stops after the
directory holding ``.git`` (the repository root) or at the filesystem root. In one directory
``.msb-migrate.toml`` wins over ``pyproject.toml``; a ``pyproject.toml`` without a
``[tool.msb-migrate]`` table does not count. Keys are the long command-line option names;
command-line flags win over the file (see :func:`Config.merged`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from refactor.errors import MsbError

__all__ = [
    "DEFAULT_BRANCH",
    "FLAVOURS",
    "Config",
    "ConfigError",
    "find_config",
    "load_config",
    "parse_config",
]

FLAVOURS = ("distroless", "slim", "alpine", "scratch")
DEFAULT_BRANCH_PREFIX = "msb-migrate/"
DEFAULT_BRANCH = "multi-stage"
DEDICATED_FILE = ".msb-migrate.toml"
PYPROJECT = "pyproject.toml"


class ConfigError(MsbError):
    """An invalid configuration file, naming the file and the key."""

    def __init__(self, path: Path, problem: str, key: str | None = None) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = f"{path}: key '{key}'" if key else str(path)
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Config:
    """Settings from a configuration file (``None``/empty when not set)."""

    codemods: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    runtime_flavour: str | None = None
    runtime_image: str | None = None
    syntax_directive: bool | None = None
    user_name: str | None = None
    user_uid: int | None = None
    branch_prefix: str | None = None
    source: Path | None = field(default=None, compare=False)

    @property
    def default_branch(self) -> str:
        prefix = DEFAULT_BRANCH_PREFIX if self.branch_prefix is None else self.branch_prefix
        return f"{prefix}{DEFAULT_BRANCH}"

    def merged(
        self,
        *,
        codemods: Iterable[str] = (),
        skip: Iterable[str] = (),
        enable: Iterable[str] = (),
        **values: Any,
    ) -> Config:
        """These settings overridden by command-line values (``None`` values are not given).

        ``-c`` replaces the file's ``codemods``; ``--skip`` and ``--enable`` add to the file's
        lists, and a codemod named with ``-c``/``--enable`` is no longer skipped by the file.
        """
        codemods, skip, enable = tuple(codemods), tuple(skip), tuple(enable)
        wanted = set(codemods) | set(enable)
        changes: dict[str, Any] = {k: v for k, v in values.items() if v is not None}
        changes["codemods"] = codemods or self.codemods
        changes["skip"] = _unique((*(s for s in self.skip if s not in wanted), *skip))
        changes["enable"] = _unique((*self.enable, *enable))
        return replace(self, **changes)


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def _string_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, "must be a list of codemod names (strings)", key)
    return tuple(value)


def _string(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(path, "must be a string", key)
    return value


def _flavour(path: Path, key: str, value: Any) -> str:
    if value not in FLAVOURS:
        raise ConfigError(path, f"must be one of {', '.join(FLAVOURS)}", key)
    return str(value)


def _bool(path: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(path, "must be true or false", key)
    return value


def _uid(path: Path, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ConfigError(path, "must be an integer uid (0 to 2147483647)", key)
    return value


_KEYS = {
    "codemods": _string_list,
    "skip": _string_list,
    "enable": _string_list,
    "runtime-flavour": _flavour,
    "runtime-image": _string,
    "syntax-directive": _bool,
    "user-name": _string,
    "user-uid": _uid,
    "branch-prefix": _string,
}


def parse_config(table: Mapping[str, Any], path: Path) -> Config:
    """Validate a configuration table (keys as in the file) read from ``path``."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        check = _KEYS.get(key)
        if check is None:
            raise ConfigError(path, f"unknown key (valid keys: {', '.join(_KEYS)})", key)
        values[key.replace("-", "_")] = check(path, key, value)
    return Config(**values, source=path)


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a config file (≈5 ms of start-up otherwise)

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"invalid TOML: {exc}") from None
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


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file at or above ``start`` (a file or directory) and its table."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        for name in (DEDICATED_FILE, PYPROJECT):
            candidate = directory / name
            if candidate.is_file():
                table = _section(candidate)
                if table is not None:
                    return candidate, table
        if (directory / ".git").exists():
            return None
    return None


def load_config(start: Path) -> Config:
    """The configuration that applies to ``start`` (defaults when there is no file)."""
    found = find_config(start)
    if found is None:
        return Config()
    return parse_config(found[1], found[0])
