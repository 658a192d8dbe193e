"""cache-mounts: give RUN instructions that download packages a BuildKit cache mount.

A ``RUN --mount=type=cache,target=<dir>`` keeps ``<dir>`` between builds and out of the image,
so a rebuild reuses what the package manager or build tool downloaded last time. What each tool
caches where lives in :mod:`refactor.data.caches`; this module decides, per RUN, whether a mount
is safe:

* only the cache directories of tools the shell analysis sees running (opaque scripts, exec form
  other than ``sh -c``, non-POSIX shells, Windows images are left alone);
* never when later steps need what was downloaded to be *in the image*: an offline build in a
  later RUN (``mvn -o``, ``dotnet build --no-restore``), a container that runs the tool at start
  (``CMD go run .``), a stage whose cache directory another stage copies, a fetch-only RUN
  (``go mod download``) nothing later uses, files an earlier step put into the directory;
* apt: ``/var/cache/apt`` always, ``/var/lib/apt/lists`` only when the RUN refreshes the lists
  itself and deletes them at the end (the trailing ``rm -rf /var/lib/apt/lists/*`` is then
  removed: the lists live in the cache, and deleting them would empty it), and once per stage a
  RUN removing ``docker-clean``, which otherwise deletes every downloaded ``.deb``;
* as a non-root user only when its numeric uid (and home) are known: the mount gets ``uid=``.

The package: :mod:`.runs` reads what each RUN runs (the tools, their environment, the
accounts it creates), :mod:`.facts` the stages' relations and who runs each RUN,
:mod:`.paths` compares paths, :mod:`.safety` holds the vetoes, :mod:`.planner` decides the
mounts and :mod:`.render` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from codemods.cache_mounts.planner import MountPlanner
from refactor.engine.codemod import Codemod, Context, Result
from refactor.syntax.tree import Dockerfile

__all__ = ["CacheMounts"]


class CacheMounts(Codemod):
    """Add BuildKit cache mounts to RUNs that download packages."""

    name = "cache-mounts"
    description = (
        "Adds `--mount=type=cache,target=…` to RUN instructions that run a package manager or "
        "build tool (apt, apk, yum/dnf, pip, uv, poetry, pipenv, npm, yarn, pnpm, go, cargo, "
        "maven, gradle, dotnet, bundler, composer), pointed at the tool's download cache for the "
        "RUN's user and environment, so rebuilds reuse downloads and the caches stay out of the "
        "image. RUNs whose later steps need the downloads inside the image are left alone."
    )
    default = True
    codes: ClassVar[Mapping[str, str]] = {
        "CM001": "no build stage (no FROM)",
        "CM002": "the RUN opts out with # msb-migrate: skip=cache-mounts",
        "CM003": "a Windows base image",
        "CM004": "the RUN's script cannot be read (exec form, non-POSIX SHELL, heredoc, opaque)",
        "CM005": "the RUN's user, or its numeric uid, is not known",
        "CM006": "the tool needs root, but the RUN runs as another user",
        "CM007": "the base image is not of the distribution family the tool belongs to",
        "CM008": "a flag or variable disables the tool's cache",
        "CM009": "where the tool keeps its cache cannot be told",
        "CM010": "the RUN removes or empties the cache directory (which fails on a mount)",
        "CM011": "a later step builds offline from the downloads in the image",
        "CM012": "the container runs the tool at start and needs the downloads in the image",
        "CM013": "a fetch-only RUN nothing later uses: the download is meant for the image",
        "CM014": "Yarn 2+ keeps the project's cache in the project",
        "CM015": "the cache directory is not usable as a mount target",
        "CM016": "a flag that disables the cache cannot be removed safely",
        "CM017": "the package index must stay in the image",
        "CM018": "an existing --mount already uses the directory",
        "CM019": "an earlier COPY/ADD put files there, which a mount would hide",
        "CM020": "another RUN works with the files in the cache directory",
        "CM021": "another stage copies the directory out of this stage",
        "CM022": "every RUN that downloads already has its cache mounts",
        "CM023": "no RUN uses a package manager or build tool",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        if not self.model(tree).stages:
            return self.skip(tree, "no build stage (no FROM)", code="CM001")
        return MountPlanner(self, tree, ctx).result()
