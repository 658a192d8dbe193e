"""Elixir (mix) knowledge for splitting a build: where ``mix release`` writes the release,
which Debian release the elixir images are built on, and what a release needs at run time.

A release bundles the Erlang runtime (ERTS) and every compiled application, so it runs
without Elixir or Erlang installed: on the slim image of the builder's Debian release (the
same glibc), with the libraries ERTS links (libstdc++, OpenSSL for ``crypto``, ncurses for the
shell) and a UTF-8 locale (Elixir expects UTF-8).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "APP_NAME",
    "CODENAMES",
    "DEFAULT_MIX_ENV",
    "MANIFEST",
    "RELEASES_KEY",
    "RELEASE_COMMANDS",
    "RUNTIME_ENV",
    "RUNTIME_PACKAGES",
    "release_folder",
]

#: The Debian release of the official ``elixir:<major.minor>`` images whose tag names none
#: (1.15 to 1.17 are built on erlang:26/27, which are bookworm); others must say it in the tag.
CODENAMES: Mapping[str, str] = {"1.15": "bookworm", "1.16": "bookworm", "1.17": "bookworm"}
#: What the slim runtime installs for a release (Debian bookworm and bullseye names).
RUNTIME_PACKAGES = ("libstdc++6", "openssl", "libncurses6", "ca-certificates")
#: The ENV the runtime sets when the builder sets none: a UTF-8 locale (Elixir expects UTF-8)
#: and the release's temporary folder (where it writes the runtime configuration at boot:
#: ``/tmp`` is writable by any user the image may run as, the release folder is not).
RUNTIME_ENV: tuple[tuple[str, str], ...] = (("LANG", "C.UTF-8"), ("RELEASE_TMP", "/tmp"))
#: ``MIX_ENV`` when neither the ENV nor the command sets it.
DEFAULT_MIX_ENV = "dev"
#: The project file, the application's name in it, and the key that names releases.
MANIFEST = "mix.exs"
APP_NAME = re.compile(r"\bapp:\s*:(\w+)")
RELEASES_KEY = re.compile(r"\breleases:")
#: The commands a release's start script takes to run the release in the foreground.
RELEASE_COMMANDS = frozenset({"start", "foreground", "eval"})


def release_folder(mix_env: str, name: str) -> str:
    """Where ``mix release`` writes release ``name`` (relative to the project)."""
    return f"_build/{mix_env}/rel/{name}"
