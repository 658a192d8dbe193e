"""Base-image families: which distribution an image is built on, and its default user."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from refactor.analysis.images import ImageRef

__all__ = ["DISTROLESS_NONROOT_UID", "Distro", "distro_of", "tag_distro"]

DISTROLESS_NONROOT_UID = 65532


@dataclass(frozen=True)
class Distro:
    """A family of base images: its package manager, libc and shell."""

    family: str  # debian | alpine | rhel | distroless | scratch | windows
    libc: str  # glibc | musl | none
    has_shell: bool
    package_manager: str | None


DISTROS = {
    "debian": Distro("debian", "glibc", True, "apt-get"),
    "alpine": Distro("alpine", "musl", True, "apk"),
    "rhel": Distro("rhel", "glibc", True, "dnf"),
    "distroless": Distro("distroless", "glibc", False, None),
    "scratch": Distro("scratch", "none", False, None),
    "windows": Distro("windows", "msvcrt", False, None),
}

#: Tag words that name the distribution an official image is built on.
_TAG_WORDS: Sequence[tuple[str, str]] = (
    ("alpine", "alpine"),
    ("bookworm", "debian"),
    ("bullseye", "debian"),
    ("buster", "debian"),
    ("trixie", "debian"),
    ("stretch", "debian"),
    ("jammy", "debian"),
    ("focal", "debian"),
    ("noble", "debian"),
    ("bionic", "debian"),
    ("ubuntu", "debian"),
    ("windowsservercore", "windows"),
    ("servercore", "windows"),
    ("nanoserver", "windows"),
    ("ltsc2019", "windows"),
    ("ltsc2022", "windows"),
    ("ubi", "rhel"),
    ("ubi8", "rhel"),
    ("ubi9", "rhel"),
    ("centos", "rhel"),
    ("oraclelinux", "rhel"),
    ("al2", "rhel"),
    ("al2023", "rhel"),
    ("amazonlinux", "rhel"),
)

#: Repositories (Docker Hub names, or path prefixes) and the family they are built on when the
#: tag does not say otherwise.
_REPOSITORIES: Sequence[tuple[str, str]] = (
    ("scratch", "scratch"),
    ("gcr.io/distroless/", "distroless"),
    ("cgr.dev/chainguard/", "distroless"),
    ("alpine", "alpine"),
    ("busybox", "alpine"),
    ("debian", "debian"),
    ("ubuntu", "debian"),
    ("buildpack-deps", "debian"),
    ("python", "debian"),
    ("node", "debian"),
    ("golang", "debian"),
    ("rust", "debian"),
    ("gcc", "debian"),
    ("eclipse-temurin", "debian"),
    ("maven", "debian"),
    ("gradle", "debian"),
    ("openjdk", "debian"),
    ("ruby", "debian"),
    ("php", "debian"),
    ("nginx", "debian"),
    ("httpd", "debian"),
    ("mcr.microsoft.com/dotnet/", "debian"),
    ("sapmachine", "debian"),
    ("ibm-semeru-runtimes", "debian"),
    ("bellsoft/liberica-openjdk-debian", "debian"),
    ("bellsoft/liberica-openjdk-alpine", "alpine"),
    ("azul/zulu-openjdk", "debian"),
    ("azul/zulu-openjdk-alpine", "alpine"),
    ("amazoncorretto", "rhel"),
    ("fedora", "rhel"),
    ("centos", "rhel"),
    ("rockylinux", "rhel"),
    ("almalinux", "rhel"),
    ("oraclelinux", "rhel"),
    ("amazonlinux", "rhel"),
    ("registry.access.redhat.com/", "rhel"),
    ("redhat/", "rhel"),
    ("elixir", "debian"),
    ("haskell", "debian"),
    ("erlang", "debian"),
    ("perl", "debian"),
    ("r-base", "debian"),
    ("julia", "debian"),
    ("swift", "debian"),
    ("clojure", "debian"),
    ("bash", "alpine"),
    ("adoptopenjdk", "debian"),
    ("adoptopenjdk/", "debian"),
    ("sbtscala/scala-sbt", "debian"),
    ("microsoft/dotnet", "debian"),
)

_WORD = re.compile(r"[a-z0-9]+")


def tag_distro(tag: str | None) -> str | None:
    """The family a tag names (``3.12-alpine3.19`` → alpine), if any."""
    if not tag:
        return None
    words = _WORD.findall(tag.lower())
    for word in words:
        for key, family in _TAG_WORDS:
            if word == key or (key == "alpine" and word.startswith("alpine")):
                return family
    return None


def distro_of(image: ImageRef | None) -> Distro | None:
    """The distribution family of ``image``, or None when we do not know it."""
    if image is None:
        return None
    name = image.hub_name
    if name == "scratch":
        return DISTROS["scratch"]
    for prefix, family in _REPOSITORIES:
        matches = name.startswith(prefix) if prefix.endswith("/") else name == prefix
        if matches:
            if family in ("distroless", "scratch"):
                return DISTROS[family]
            return DISTROS[tag_distro(image.tag) or family]
    return None
