"""Swift knowledge for splitting a build: the official ``swift`` images and their ``-slim``
variant (the same Swift runtime libraries and Foundation, without the compiler), where
``swift build`` writes its products, and the folders a server app reads at run time.

``swift:<v>`` and ``swift:<v>-slim`` are Ubuntu images of the same release: a program built on
one runs on the other. Tags naming another distribution (``-amazonlinux2``, ``-rhel-ubi9``) or
an Ubuntu release (``5.10-jammy``) have slim variants named differently, so only plain version
tags are mapped.
"""

from __future__ import annotations

import re

__all__ = ["ASSET_FOLDERS", "BUILD_DIR", "RELEASE_CONFIG", "RESOURCES", "slim_tag"]

#: Where ``swift build`` writes, relative to the package, and its release configuration.
BUILD_DIR = ".build"
RELEASE_CONFIG = "release"
#: Folders a Vapor (or other server) app serves or renders from its working directory.
ASSET_FOLDERS = ("Public", "Resources")
#: A target with resources: the program reads a ``*.resources`` bundle next to itself.
RESOURCES = re.compile(r"\bresources\s*:")

_VERSION = re.compile(r"\d+(\.\d+)*")


def slim_tag(tag: str | None) -> str | None:
    """The ``-slim`` tag of a plain ``swift`` version tag (``5.10`` → ``5.10-slim``)."""
    if tag is None or tag == "latest":
        return "slim"
    if tag == "slim" or (tag.endswith("-slim") and _VERSION.fullmatch(tag[: -len("-slim")])):
        return tag
    return f"{tag}-slim" if _VERSION.fullmatch(tag) else None
