"""Image references: ``registry/repository:tag@digest`` parsed and rebuilt.

Follows the grammar of the distribution reference (the first path component is a registry
when it contains a ``.`` or a ``:`` or is ``localhost``); Docker Hub's implicit
``docker.io/library/`` prefix is left implicit, so a rebuilt reference is written the way
the user wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from refactor.caching import cached

__all__ = ["ImageRef"]

_DIGEST = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference.

    ``repository`` is the path without registry (``library`` kept only if written),
    ``tag`` and ``digest`` are None when absent.
    """

    repository: str
    registry: str | None = None
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str) -> ImageRef | None:
        """Parse ``text``; None when it is not a valid reference (e.g. holds ``$VAR``)."""
        return _parse_image(text)

    @classmethod
    def _parse(cls, text: str) -> ImageRef | None:
        if not text or any(c in text for c in " $\t{}") or text != text.strip():
            return None
        name, digest = text, None
        if "@" in name:
            name, digest = name.split("@", 1)
            if not _DIGEST.match(digest):
                return None
        tag = None
        slash = name.rfind("/")
        colon = name.rfind(":")
        if colon > slash:
            name, tag = name[:colon], name[colon + 1 :]
            if not _TAG.match(tag):
                return None
        registry = None
        first, sep, rest = name.partition("/")
        if sep and ("." in first or ":" in first or first == "localhost"):
            registry, name = first, rest
        if not name or name != name.lower():
            return None  # repository paths are lower case (``Builder`` is not an image)
        return cls(name, registry, tag, digest)

    @property
    def path(self) -> str:
        """The repository with its registry, as written (``gcr.io/distroless/static``)."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @cached
    def hub_name(self) -> str:
        """The repository normalised for Docker Hub (``library/`` and ``docker.io`` dropped)."""
        registry = self.registry
        repo = self.repository
        if registry in (None, "docker.io", "index.docker.io", "registry-1.docker.io"):
            registry = None
            repo = repo.removeprefix("library/")
        return f"{registry}/{repo}" if registry else repo

    @property
    def family(self) -> str:
        """The last path component: ``golang``, ``eclipse-temurin``, ``static-debian12``."""
        return self.repository.rsplit("/", 1)[-1]

    @property
    def is_scratch(self) -> bool:
        return self.hub_name == "scratch"

    def with_tag(self, tag: str | None) -> ImageRef:
        """The same repository with another tag (and no digest: it would pin the old one)."""
        return replace(self, tag=tag, digest=None)

    def with_path(self, path: str, tag: str | None) -> ImageRef:
        """Another repository (``registry/repo``) with ``tag``."""
        ref = ImageRef.parse(f"{path}:{tag}" if tag else path)
        if ref is None:
            raise ValueError(f"invalid image reference {path!r}")
        return ref

    def __str__(self) -> str:
        out = self.path
        if self.tag is not None:
            out += f":{self.tag}"
        if self.digest is not None:
            out += f"@{self.digest}"
        return out


# References are immutable values and the same few images come up again and again.
_parse_image = lru_cache(maxsize=4096)(ImageRef._parse)
