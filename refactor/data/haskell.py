"""Haskell (stack, cabal, ghc) knowledge for splitting a build: where the tools put the
programs they install, and what a GHC-built program needs on a slim Debian image.

The official ``haskell`` images are Debian (buster, bullseye, bookworm: the tag names the
release, ``haskell:9.10-slim-bookworm``; a plain ``haskell:9.2`` was built on more than one
release over time, so its release is not known). A GHC program links the Haskell libraries
statically and the C ones dynamically: glibc, libgmp (integer arithmetic), libffi and libnuma
(the runtime system); ``netbase`` and ``ca-certificates`` give it ``/etc/services`` and the CA
bundle that networking code reads.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["BIN_FOLDERS", "INSTALL_METHOD_COPY", "RUNTIME_PACKAGES", "STACK_INSTALLS"]

#: The runtime packages of a GHC-built program, per Debian release of the builder.
RUNTIME_PACKAGES: Mapping[str, tuple[str, ...]] = {
    "bookworm": ("libgmp10", "libffi8", "libnuma1", "netbase", "ca-certificates"),
    "bullseye": ("libgmp10", "libffi7", "libnuma1", "netbase", "ca-certificates"),
    "buster": ("libgmp10", "libffi6", "libnuma1", "netbase", "ca-certificates"),
}
#: Where ``stack install`` / ``stack build --copy-bins`` and ``cabal install`` put programs,
#: under the user's HOME (both are on the haskell images' PATH).
BIN_FOLDERS: Mapping[str, str] = {"stack": ".local/bin", "cabal": ".cabal/bin"}
#: stack commands that copy the built programs to the local bin folder.
STACK_INSTALLS = (("install",), ("build", "--copy-bins"))
#: ``cabal install`` copies the program (the default links into the store, which the
#: runtime would not have).
INSTALL_METHOD_COPY = "--install-method=copy"
