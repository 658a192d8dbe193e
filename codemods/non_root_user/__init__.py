"""non-root-user: the final stage runs as an unprivileged user that exists in the image.

The user is, in this order: one the Dockerfile already creates or hands files to (``useradd``,
``chown``, ``COPY --chown``) but never switches to; one the base image ships (``node``, the
distroless ``nonroot``, .NET's ``app``…, see :mod:`refactor.data.users`); or a new system user
(with a home, so tools writing to $HOME work) made with the base family's own commands
(scratch needs none: a numeric user works without /etc/passwd).

``USER uid:gid`` goes after the last RUN (everything that may need root) and before the
CMD/ENTRYPOINT/HEALTHCHECK that follows it. The app directory (the final WORKDIR) is handed to
the user: COPY/ADD into it get ``--chown``, and the directory itself is chowned (not
recursively) so the app can create files there; system paths stay root-owned. Ids are numeric,
so no user lookup is needed at COPY time and Kubernetes ``runAsNonRoot`` can verify the user.

What the app writes at run time is read, not assumed away (:meth:`.facts.Facts.writes`): the
start command and the start scripts the image holds (a migration such as ``flask db upgrade``
creates its SQLite file in the folder it runs in; ``mkfifo``, ``touch``, ``>`` redirections),
and the sources the image holds (logging file handlers, upload folders; the patterns per
ecosystem are :data:`refactor.data.users.SOURCE_WRITES`). Each folder written is handed over
(the app directory, or a folder created owned by the user, named in the explanation); a write
into ``/`` or a system folder (the app has no WORKDIR of its own: moving it would change the
app) or to a path that cannot be resolved leaves the stage as root with a code.

Images that must start as root are left alone with the reason: servers binding ports below
1024 (unless ``--unprivileged-ports``: Docker Engine 20.10+ and containerd 2.0+ set
``net.ipv4.ip_unprivileged_port_start=0`` in a container's network namespace, so a non-root
process binds port 80 there; Kubernetes without that sysctl, older containerd, CRI-O and
``--network host`` do not, so the default stays root: an image that cannot bind its port is
broken where it runs), entrypoints that step down themselves (gosu, su-exec), init systems,
docker-in-docker, Windows images, start commands that build into the app directory, state in
root's home.

The package: :mod:`.commands` reads the words of one command, :mod:`.facts` reads the stage
and what its chain puts into the image, :mod:`.checks` (with :mod:`.nginx`) gives the reasons
to leave the stage alone, :mod:`.plan` chooses the user and where USER goes, :mod:`.render`
edits the tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from codemods.non_root_user.checks import check
from codemods.non_root_user.facts import Facts
from codemods.non_root_user.plan import choose
from codemods.non_root_user.render import render
from refactor.engine.codemod import Codemod, Context, OptionSpec, Result
from refactor.syntax.tree import Dockerfile

__all__ = ["NonRootUser"]


class NonRootUser(Codemod):
    name = "non-root-user"
    description = (
        "Makes the final stage run as an unprivileged user that exists in the image: reuses a "
        "user the Dockerfile or the base image already has (node, distroless nonroot, .NET app), "
        "else creates one with the base distribution's commands, switches to it with a numeric "
        "USER after the last RUN, and hands it the app directory (the final WORKDIR and the "
        "files COPYed into it). Images that must start as root (ports below 1024, entrypoints "
        "that step down with gosu or su-exec, init systems, docker-in-docker) are left alone. "
        "Ports below 1024: Docker Engine 20.10+ and containerd 2.0+ let any user bind them "
        "(net.ipv4.ip_unprivileged_port_start=0), Kubernetes without that sysctl, older "
        "containerd, CRI-O and --network host do not; so by default such an app stays root, "
        "and --unprivileged-ports (unprivileged-ports = true) says the images run where any "
        "user may bind them."
    )
    default = True
    options = (
        OptionSpec("user_name", "Name of the non-root user.", metavar="NAME"),
        OptionSpec("user_uid", "Uid of the non-root user.", metavar="UID", maximum=2**31 - 1),
        OptionSpec(
            "unprivileged_ports",
            "The images run where ports below 1024 need no privilege (Docker Engine 20.10+, "
            "containerd 2.0+): a non-root user may bind them.",
        ),
    )

    codes: ClassVar[Mapping[str, str]] = {
        "USR001": "no stage to change: the target stage does not exist, or there is no FROM",
        "USR002": "opted out with an inline # msb-migrate: skip=non-root-user",
        "USR003": "a Windows image",
        "USR004": "the final USER comes from a variable the Dockerfile does not set",
        "USR005": "the final stage ends with USER root: the author chose root",
        "USR006": "the stage already runs as a non-root user (its USER or the image's default)",
        "USR007": "the base image's server must start as root",
        "USR008": "ONBUILD triggers would run in child images as the non-root user",
        "USR009": "the start command or a script it runs needs root "
        "(user switch, init system, service, system files)",
        "USR010": "the start command runs nginx with a config not provably unprivileged",
        "USR011": "the start command builds or installs into the app directory",
        "USR012": "a start script cannot be read to check that it does not need root",
        "USR013": "the app binds a port below 1024, nothing grants cap_net_bind_service and "
        "--unprivileged-ports is off",
        "USR014": "the app keeps files or packages in root's home",
        "USR015": "a VOLUME stays owned by root: the non-root user could not write to it",
        "USR016": "no known way to create a user on the base image",
        "USR017": "the base image has no useradd/adduser",
        "USR018": "the stage's SHELL is not a POSIX shell",
        "USR019": "the user name or uid option is not valid",
        "USR020": "the Dockerfile prepares several users: which one runs the app is unclear",
        "USR021": "the Dockerfile prepares a user without a fixed uid",
        "USR022": "a COPY/ADD outside the app directory stays root-owned",
        "USR023": "the app writes at run time into a folder that cannot be given to the user "
        "(/, a system folder)",
        "USR024": "the app writes at run time to a path that cannot be resolved",
    }

    def transform(self, tree: Dockerfile, ctx: Context) -> Result:
        return self.attempt(tree, lambda: _plan(self, tree, ctx))


def _plan(codemod: NonRootUser, tree: Dockerfile, ctx: Context) -> Result:
    """Read the stage, check it may run unprivileged, choose the user, edit (or raise
    Unsupported)."""
    facts = Facts(codemod, tree, ctx)
    check(facts)
    return render(facts, choose(facts))
