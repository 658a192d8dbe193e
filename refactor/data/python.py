"""Python packaging facts the split reads: what a new virtualenv holds, what needs setuptools
in it, and which Python an official image tag runs.

* :data:`SETUPTOOLS_SEED_BEFORE` – ``python -m venv`` seeds pip *and* setuptools into a new
  virtualenv before Python 3.12 (ensurepip stopped bundling setuptools in 3.12); pip is seeded
  on every version. The base image already has its own pip (and setuptools before 3.12), so a
  runtime that copies the virtualenv carries them twice.
* :data:`SETUPTOOLS_NEEDED_FLAGS` – pip options that build in the target environment itself
  (no PEP 517 build isolation), so setuptools must stay in the virtualenv for the build;
  :data:`SETUPTOOLS_NEEDED_COMMANDS` – commands that import setuptools from the virtualenv.
  Without them pip builds source distributions in an isolated environment it provisions
  itself, and a package that needs setuptools at run time (``pkg_resources``) declares it, so
  pip installs it again.
* :data:`PIP_VALUE_OPTIONS` – ``pip install`` options that take the next word as their value
  (so it is not a requirement); :data:`PIP_REQUIREMENT` – a requirement naming pip itself
  (``pip``, ``pip==24.0``, ``pip>=23``): ``pip install --upgrade pip`` in a single-stage image
  adds a second pip over the base image's (the old one stays in the base layer).
"""

from __future__ import annotations

import re

from refactor.data.commands import positionals

__all__ = [
    "PIP_REQUIREMENT",
    "PIP_VALUE_OPTIONS",
    "SETUPTOOLS_NEEDED_COMMANDS",
    "SETUPTOOLS_NEEDED_FLAGS",
    "SETUPTOOLS_SEED_BEFORE",
    "python_version",
    "requirements",
    "seeds_setuptools",
]

SETUPTOOLS_SEED_BEFORE = (3, 12)
SETUPTOOLS_NEEDED_FLAGS = frozenset({"--no-build-isolation", "--no-use-pep517"})
SETUPTOOLS_NEEDED_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("python", "setup.py"),
    ("python3", "setup.py"),
    ("easy_install",),
)

PIP_VALUE_OPTIONS = frozenset(
    {
        "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
        "--extra-index-url", "-f", "--find-links", "--trusted-host", "-t", "--target",
        "--prefix", "--root", "--python", "--platform", "--python-version", "--implementation",
        "--abi", "--log", "--proxy", "--retries", "--timeout", "--cache-dir", "--src",
        "--upgrade-strategy", "--no-binary", "--only-binary", "--progress-bar", "--report",
        "--global-option", "-C", "--config-settings",
    }
)  # fmt: skip
PIP_REQUIREMENT = re.compile(r"^pip\s*(?:$|[<>=!~;\[])", re.IGNORECASE)

_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)?(?:[a-z]+\d*)?(?:-|$)")


def requirements(words: tuple[str, ...]) -> list[str]:
    """The requirements named on a ``pip install`` command line (``words`` from ``install``
    on), not the values of its options."""
    return positionals(words[1:], PIP_VALUE_OPTIONS)


def python_version(tag: str | None) -> tuple[int, int] | None:
    """The Python (major, minor) an official ``python`` image tag runs (``3.13.5-slim`` →
    (3, 13)); None for a floating tag (``3-slim``, ``slim``, ``latest``, ``alpine``)."""
    match = _VERSION.match(tag or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def seeds_setuptools(tag: str | None) -> bool:
    """Whether a virtualenv made by the image's ``python -m venv`` may hold setuptools: the
    tag's Python is older than 3.12, or the tag does not say (a floating tag may be an older
    image pulled long ago; uninstalling an absent setuptools only warns)."""
    version = python_version(tag)
    return version is None or version < SETUPTOOLS_SEED_BEFORE
