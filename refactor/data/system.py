"""The operating system an image runs: its shells, its system folders, Windows.

One table each, read by every codemod (they were kept five, two and five times, with different
members):

* :data:`SHELLS` – POSIX shells, by program name. A RUN, CMD or heredoc run by one of them is
  a shell script the analysis can read; ``busybox`` is listed because ``busybox sh`` images
  link ``sh`` to it. The union of the copies (``posh``, ``yash`` came from the analyser).
* :data:`WINDOWS_SHELLS` – the shells of Windows images (``SHELL ["powershell", …]``).
* :data:`SYSTEM_DIRS` – folders the distribution owns (packages install there, the app's own
  files never live there); :data:`SHARED_DIRS` – folders that hold other folders and are never
  an app's directory themselves (a folder below them can be). ``SYSTEM_DIRS`` is the union of
  the copies in non-root-user and split-build-runtime (``/opt/venv``, which split-build-runtime
  listed, is a virtual environment the build creates, not a system folder).
* :data:`WINDOWS_REPOSITORIES`, :data:`WINDOWS_TAG` – how a Windows image is recognised
  (:func:`refactor.analysis.semantics.is_windows` reads them with the stage's platform).
"""

from __future__ import annotations

import re

__all__ = [
    "SHARED_DIRS",
    "SHELLS",
    "SYSTEM_DIRS",
    "WINDOWS_REPOSITORIES",
    "WINDOWS_SHELLS",
    "WINDOWS_TAG",
]

#: POSIX shells by program name.
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox", "posh", "yash"})
#: Windows shells by program name (lower case, without ``.exe``).
WINDOWS_SHELLS = frozenset({"cmd", "powershell", "pwsh"})

#: Folders the distribution owns.
SYSTEM_DIRS = (
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin",
    "/sys", "/tmp", "/usr/bin", "/usr/include", "/usr/lib", "/usr/libexec", "/usr/sbin",
    "/usr/share", "/usr/local/bin", "/usr/local/etc", "/usr/local/include", "/usr/local/lib",
    "/usr/local/sbin", "/usr/local/share", "/var/cache", "/var/lib", "/var/log", "/var/tmp",
)  # fmt: skip
#: Folders that hold other folders; never an app directory themselves.
SHARED_DIRS = (
    "/", "/home", "/media", "/mnt", "/opt", "/srv", "/usr", "/usr/local", "/usr/src", "/var",
    "/var/www",
)  # fmt: skip

#: Repositories (Docker Hub names; a trailing ``/`` matches a namespace) of Windows images.
WINDOWS_REPOSITORIES = (
    "mcr.microsoft.com/windows",
    "mcr.microsoft.com/dotnet/framework",
    "microsoft/windows",
    "microsoft/nanoserver",
    "microsoft/dotnet-framework",
)
#: Tags of Windows variants of multi-platform images (``python:3.12-windowsservercore``).
WINDOWS_TAG = re.compile(r"windowsservercore|nanoserver|servercore|ltsc\d{4}|\bwin\d")
