"""The option table: every setting a user gives on the command line or in a configuration file
(``.msb-migrate.toml`` or ``[tool.msb-migrate]`` in ``pyproject.toml``), one row each.

A row names the setting, its type, default and help, its command-line flags and its key in the
configuration file. The command line's options (:mod:`refactor.app.cli` makes them from the
rows), the file's keys and their checks (:func:`parse_config`) and the way the command line
wins over a file (:meth:`Config.over`) are all read from the table, so one setting is one row
plus the code that uses it. A row whose name is an :class:`~refactor.engine.codemod.Options`
field goes into the engine's typed record (:meth:`Config.options`), which codemods read.

The rows of codemod options are not written here: each codemod declares its own
(``Codemod.options``, :class:`~refactor.engine.codemod.OptionSpec`) and the table collects
them in the runner's order. Only the codemods named in :data:`OPTION_CODEMODS` are asked, so
that the command line is built without importing every codemod (all three run by default
anyway); a test holds that list equal to the codemods that declare options.

Decisions: a ``Config`` holds only what its source sets (a command-line flag not given, a key
not written, is absent), so one type serves the file and the command line; keys are the long
flag names, dashed; the list of valid keys in the "unknown key" error follows the table.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refactor.analysis.images import ImageRef
from refactor.engine.codemod import Options, OptionSpec
from refactor.engine.runner import CODEMOD_MODULES, load_codemod
from refactor.errors import MsbError

__all__ = [
    "DEFAULT_BRANCH",
    "OPTION_CODEMODS",
    "Config",
    "ConfigError",
    "Option",
    "option_table",
    "parse_config",
]

DEFAULT_BRANCH_PREFIX = "msb-migrate/"
DEFAULT_BRANCH = "multi-stage"
#: The codemods that declare options (imported to build the command line; a test holds this
#: equal to ``{c.name for c in available_codemods() if c.options}``).
OPTION_CODEMODS = frozenset({"split-build-runtime", "jdk-to-jre", "non-root-user"})
_UID_MAX = 2**31 - 1


class ConfigError(MsbError):
    """An invalid configuration file, naming the file and the key."""

    def __init__(self, path: Path, problem: str, key: str | None = None) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = f"{path}: key '{key}'" if key else str(path)
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Option:
    """One row of the option table."""

    name: str  # the setting (an Options field when the engine reads it)
    type: type  # str, int, bool or Path (an existing directory)
    help: str
    flags: tuple[str, ...] = ()  # click's declarations; () = only in the configuration file
    key: str | None = None  # in the configuration file; None = only on the command line
    default: object = None
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    maximum: int | None = None  # an int's upper bound (from 0)
    multiple: bool = False  # repeatable flag, a list in the file
    codemod: str | None = None  # the codemod that declares it (None: the application's)
    bulk: bool = True  # False: a single repository's (a build, one context); bulk refuses it

    @classmethod
    def of(cls, spec: OptionSpec, codemod: str | None) -> Option:
        """The row of an option a codemod declares (or the runner reads)."""
        dashed = spec.name.replace("_", "-")
        flag = f"--{dashed}/--no-{dashed}" if spec.type is bool else f"--{dashed}"
        return cls(
            spec.name,
            spec.type,
            spec.help,
            (flag,) if spec.command_line else (),
            dashed if spec.config else None,
            spec.default,
            spec.metavar,
            spec.choices,
            spec.maximum,
            codemod=codemod,
        )

    def check(self, path: Path, value: Any) -> object:
        """A configuration file's value for this key, checked (ConfigError naming the key)."""
        key = self.key
        if self.multiple:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(path, "must be a list of codemod names (strings)", key)
            return tuple(value)
        if self.choices:
            if value not in self.choices:
                raise ConfigError(path, f"must be one of {', '.join(self.choices)}", key)
        elif self.type is bool:
            if not isinstance(value, bool):
                raise ConfigError(path, "must be true or false", key)
        elif self.type is int:
            top = _UID_MAX if self.maximum is None else self.maximum
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                what = (self.metavar or "value").lower()
                raise ConfigError(path, f"must be an integer {what} (0 to {top})", key)
        elif not isinstance(value, str):
            raise ConfigError(path, "must be a string", key)
        elif self.metavar == "IMAGE" and ImageRef.parse(value) is None:
            raise ConfigError(path, "must be an image reference (NAME[:TAG][@DIGEST])", key)
        return value


_SELECTION = (
    Option(
        "codemods",
        str,
        "Run only this codemod (repeatable).",
        ("-c", "--codemod"),
        "codemods",
        (),
        "NAME",
        multiple=True,
    ),
    Option(
        "skip",
        str,
        "Do not run this codemod (repeatable).",
        ("--skip",),
        "skip",
        (),
        "NAME",
        multiple=True,
    ),
    Option(
        "enable",
        str,
        "Also run this opt-in codemod (repeatable).",
        ("--enable",),
        "enable",
        (),
        "NAME",
        multiple=True,
    ),
    Option.of(
        OptionSpec("syntax_directive", "Add '# syntax=docker/dockerfile:1' to files that change."),
        None,
    ),
)

_BUILD = (
    Option("target", str, "The stage that is built and shipped.", ("--target",), metavar="STAGE"),
    Option(
        "context_dir",
        Path,
        "Build context (default: each Dockerfile's directory).",
        ("--context",),
        metavar="DIR",
        bulk=False,
    ),
    Option(
        "docker",
        str,
        "docker binary used to verify (default: $MSB_DOCKER, /usr/bin/docker).",
        ("--docker",),
        metavar="PATH",
        bulk=False,
    ),
    Option(
        "smoke",
        str,
        "When verifying, run CMD in both images and compare the outputs.",
        ("--smoke",),
        metavar="CMD",
        bulk=False,
    ),
    Option(
        "branch_prefix",
        str,
        "Prefix of the default branch name (msb-migrate/).",
        key="branch-prefix",
        default=DEFAULT_BRANCH_PREFIX,
    ),
)


@functools.cache
def option_table() -> tuple[Option, ...]:
    """Every row: codemod selection and the runner's option, each codemod's options (in the
    runner's order), then the build's and the file's own."""
    declared: list[Option] = []
    for name in CODEMOD_MODULES:
        if name not in OPTION_CODEMODS:
            continue
        try:
            specs = load_codemod(name).options
        except (ImportError, KeyError):  # not installed
            specs = ()
        declared += (Option.of(spec, name) for spec in specs)
    return (*_SELECTION, *declared, *_BUILD)


@functools.cache
def _by_key() -> dict[str, Option]:
    return {row.key: row for row in option_table() if row.key is not None}


@functools.cache
def _by_name() -> dict[str, Option]:
    return {row.name: row for row in option_table()}


_ENGINE = frozenset(Options.__dataclass_fields__)


@dataclass(frozen=True)
class Config:
    """What one source sets — a configuration file or the command line — by row name: a
    setting it does not give is absent (its row's default applies)."""

    values: Mapping[str, object] = field(default_factory=dict)
    source: Path | None = field(default=None, compare=False)

    def get(self, name: str) -> Any:
        """The value of setting ``name`` (the row's default when not set)."""
        if name in self.values:
            return self.values[name]
        return _by_name()[name].default

    @property
    def codemods(self) -> tuple[str, ...]:
        return tuple(self.get("codemods"))

    @property
    def skip(self) -> tuple[str, ...]:
        return tuple(self.get("skip"))

    @property
    def enable(self) -> tuple[str, ...]:
        return tuple(self.get("enable"))

    @property
    def default_branch(self) -> str:
        return f"{self.get('branch_prefix')}{DEFAULT_BRANCH}"

    def over(self, below: Config) -> Config:
        """These settings (the command line's) over ``below`` (a file's), with its source.

        ``-c`` replaces the file's ``codemods``; ``--skip`` and ``--enable`` add to the file's
        lists, and a codemod named with ``-c``/``--enable`` is no longer skipped by the file;
        any other setting given here replaces the file's.
        """
        values = {**below.values, **self.values}
        wanted = {*self.codemods, *self.enable}
        values["codemods"] = self.codemods or below.codemods
        values["skip"] = _unique((*(s for s in below.skip if s not in wanted), *self.skip))
        values["enable"] = _unique((*below.enable, *self.enable))
        return Config(values, below.source)

    def options(self) -> Options:
        """The engine's typed record: the settings that are :class:`Options` fields."""
        values: dict[str, Any] = {k: v for k, v in self.values.items() if k in _ENGINE}
        return Options(**values)  # each value checked against its row's type on the way in


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def parse_config(table: Mapping[str, Any], path: Path) -> Config:
    """Validate a configuration table (keys as in the file) read from ``path``."""
    keys = _by_key()
    values: dict[str, object] = {}
    for key, value in table.items():
        row = keys.get(key)
        if row is None:
            raise ConfigError(path, f"unknown key (valid keys: {', '.join(keys)})", key)
        values[row.name] = row.check(path, value)
    return Config(values, path)
