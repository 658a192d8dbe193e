"""Base-image families: which distribution an image is built on, and its default user."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from refactor.analysis.images import ImageRef

__all__ = [
    "DEBIAN_SYSTEM_GCC",
    "DISTROLESS_NONROOT_UID",
    "MUSL_LIBC_LIBRARIES",
    "Distro",
    "alpine_release",
    "distro_of",
    "gcc_image_major",
    "gcc_image_release",
    "image_workdir",
    "tag_distro",
]

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

#: The major version of each Debian release's own gcc, whose libstdc++ the release ships: a C++
#: program built by gcc N runs with the libstdc++ of gcc M >= N (libstdc++ only adds symbols).
DEBIAN_SYSTEM_GCC: Mapping[str, int] = {
    "buster": 8,
    "bullseye": 10,
    "bookworm": 12,
    "trixie": 14,
}

#: The Debian release the newest image of each major of the official ``gcc`` image is built on
#: (docker-library/gcc follows Debian stable while a major gets releases; 12 and 13 stayed on
#: bookworm when 14+ moved to trixie in August 2025). A binary built by an older image of the
#: same major (``gcc:12.1.0`` was bullseye) runs there too: glibc only adds symbol versions.
GCC_IMAGE_RELEASES: Mapping[int, str] = {
    9: "bullseye",  # 9.5 (2022)
    10: "bookworm",  # 10.5 (July 2023)
    11: "bookworm",  # 11.5 (July 2024)
    12: "bookworm",
    13: "bookworm",
    14: "trixie",
    15: "trixie",
    16: "trixie",
}
#: The major ``gcc:latest`` follows (gcc 16.1, April 2026).
GCC_LATEST_MAJOR = 16


def gcc_image_major(tag: str | None) -> int | None:
    """The gcc major a ``gcc`` image tag names (``latest`` and no tag: the newest)."""
    low = (tag or "latest").lower()
    if low == "latest":
        return GCC_LATEST_MAJOR
    found = re.match(r"(\d+)(?:[.-]|$)", low)
    return int(found.group(1)) if found else None


def gcc_image_release(tag: str | None) -> str | None:
    """The Debian release of the ``gcc`` image with ``tag`` (None for a major not in the
    table: a newer one must be looked up before it is trusted)."""
    major = gcc_image_major(tag)
    return GCC_IMAGE_RELEASES.get(major) if major is not None else None


#: The ``alpine`` tag a musl program runs on when its builder's tag names no Alpine release:
#: the newest 3.x (musl keeps its ABI within a major: a binary linked on an older 3.x runs).
ALPINE_DEFAULT_TAG = "3"


#: Libraries musl's one ``libc.so`` provides (``-lm``, ``-lpthread``… link nothing more), and
#: zlib, which every alpine image has (apk-tools needs it).
MUSL_LIBC_LIBRARIES = frozenset({"c", "m", "pthread", "dl", "rt", "util", "resolv", "crypt", "z"})


#: The WORKDIR an image starts in when it is not ``/`` (golang: ``$GOPATH``): a Dockerfile's
#: relative paths before its own first WORKDIR are relative to it.
IMAGE_WORKDIRS: Mapping[str, str] = {"golang": "/go"}


def image_workdir(image: ImageRef) -> str:
    """The WORKDIR ``image`` starts in (``/`` unless the table knows another)."""
    return IMAGE_WORKDIRS.get(image.hub_name, "/")


def alpine_release(tag: str | None) -> str:
    """The Alpine release a builder tag names (``1.22-alpine3.19`` → ``3.19``), else
    :data:`ALPINE_DEFAULT_TAG`."""
    found = re.search(r"alpine(\d+\.\d+)", (tag or "").lower())
    return found.group(1) if found else ALPINE_DEFAULT_TAG


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
