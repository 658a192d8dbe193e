"""Users of base images: who an image has, who it runs as, how to add one, what needs root.

``non-root-user`` reads these tables to decide how the final stage gets an unprivileged user:
reuse the one the image ships (``node``, distroless ``nonroot``…), or create one with the
commands of the image's distribution family, or leave the image alone when it has to start
as root (servers that bind port 80 or step down with ``gosu`` themselves, init systems).
``cache-mounts`` reads :data:`IMAGE_USERS` too: a RUN under ``USER node`` gets mounts owned by
the user's uid, under its home. (The table was kept twice, here and with the caches, with
different records and members; it is one now, with the home directory the caches need.)
Images are matched like :mod:`refactor.data.distros`: a key ending in ``/`` is a prefix of the
Docker Hub name, any other key is the whole name (or, on a mirror, ``…/library/<key>``); an
optional pattern must match the tag (an image without a tag is ``latest``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from refactor.analysis.images import ImageRef
from refactor.data.distros import DISTROLESS_NONROOT_UID

__all__ = [
    "BUILDS_AT_START",
    "CREATE_USER",
    "DEV_SCRIPT",
    "LAUNCHERS",
    "NAMED_SYSTEM_USERS",
    "NODE_CLIENTS",
    "PRIVILEGED_PORT_LIMIT",
    "ROOT_COMMANDS",
    "SCRATCH_USER",
    "SCRIPT_RUNNERS",
    "SOURCE_WRITES",
    "STATE_AT_START",
    "WORLD_WRITABLE",
    "WRITING_COMMANDS",
    "ImageEntry",
    "ImageUser",
    "SourceWrite",
    "default_port",
    "image_user",
    "lacks_useradd",
    "root_image",
]


@dataclass(frozen=True)
class ImageUser:
    """An unprivileged user: name, uid, (when fixed) gid and (when known) home directory."""

    name: str
    uid: int
    gid: int | None = None
    home: str | None = None

    @property
    def spec(self) -> str:
        """The numeric ``uid[:gid]`` written in ``USER`` and ``--chown``."""
        return f"{self.uid}:{self.gid}" if self.gid is not None else str(self.uid)

    @property
    def label(self) -> str:
        """How explanations name the user: ``node (uid 1000)``."""
        return f"{self.name} (uid {self.uid})" if self.name != str(self.uid) else f"uid {self.uid}"


@dataclass(frozen=True)
class ImageEntry:
    """What an image family ships: its unprivileged user and whether it already runs as it."""

    key: str
    user: ImageUser | None
    default: bool = False  # the image's own USER is already this user
    tag: str | None = None  # regular expression the tag must match (searched)
    note: str = ""


NONROOT = ImageUser("nonroot", DISTROLESS_NONROOT_UID, DISTROLESS_NONROOT_UID, "/home/nonroot")
#: scratch has no /etc/passwd: a numeric user (the distroless convention) needs none.
SCRATCH_USER = ImageUser("nonroot", DISTROLESS_NONROOT_UID, DISTROLESS_NONROOT_UID)

#: Why most official images have their user.
_OFFICIAL = "the official image creates it"

#: Images that ship an unprivileged user (first match wins), with its home when the image's
#: /etc/passwd gives one that exists (cache-mounts puts a tool's cache under it); nginx's
#: user has the home /nonexistent, which is no home at all.
IMAGE_USERS: tuple[ImageEntry, ...] = (
    ImageEntry("gcr.io/distroless/", NONROOT, True, r"nonroot", "its :nonroot tag runs as it"),
    ImageEntry("gcr.io/distroless/", NONROOT, note="every distroless image has it"),
    ImageEntry("cgr.dev/chainguard/", NONROOT, note="Chainguard images ship it"),
    ImageEntry("node", ImageUser("node", 1000, 1000, "/home/node"), note=_OFFICIAL),
    ImageEntry("gradle", ImageUser("gradle", 1000, 1000, "/home/gradle"), note=_OFFICIAL),
    ImageEntry("jenkins/jenkins", ImageUser("jenkins", 1000, 1000, "/var/jenkins_home"), True),
    ImageEntry("bitnami/minideb", None),
    ImageEntry("bitnami/", ImageUser("1001", 1001), True),
    ImageEntry("nginxinc/nginx-unprivileged", ImageUser("nginx", 101, 101), True),
    ImageEntry("nginx", ImageUser("nginx", 101, 101), note=_OFFICIAL),
    ImageEntry("oven/bun", NONROOT, tag=r"distroless", note="its distroless variant has it"),
    ImageEntry("oven/bun", ImageUser("bun", 1000, 1000, "/home/bun"), note=_OFFICIAL),
    ImageEntry("denoland/deno", ImageUser("deno", 1993, 1993), note="the official image has it"),
    # .NET 8 and later create the user app (APP_UID=1654) for exactly this purpose.
    ImageEntry(
        "mcr.microsoft.com/dotnet/",
        ImageUser("app", 1654, 1654, "/home/app"),
        tag=r"^(?:latest$|(?:[89]|[1-9]\d)\.)",
        note=".NET 8+ images create it (APP_UID)",
    ),
)

#: Users every image of a family has, with their fixed ids (a ``chown`` to them proves intent).
NAMED_SYSTEM_USERS: Mapping[str, Mapping[str, ImageUser]] = {
    "debian": {
        "www-data": ImageUser("www-data", 33, 33),
        "nobody": ImageUser("nobody", 65534, 65534),
        "daemon": ImageUser("daemon", 1, 1),
    },
    "alpine": {"nobody": ImageUser("nobody", 65534, 65534)},
    "rhel": {"nobody": ImageUser("nobody", 65534, 65534)},
    "distroless": {"nonroot": NONROOT, "nobody": ImageUser("nobody", 65534, 65534)},
}

#: How to add a system group and user, per distribution family (``{name} {uid} {gid} {home}``).
#: Every user gets a home directory: tools that write to $HOME (npm logs, pip and Gradle
#: caches, ~/.config) keep working, at the cost of one empty directory.
CREATE_USER: Mapping[str, tuple[str, ...]] = {
    "debian": (
        "groupadd --system --gid {gid} {name}",
        "useradd --system --no-log-init --uid {uid} --gid {name} --create-home"
        " --home-dir {home} --shell /usr/sbin/nologin {name}",
    ),
    "alpine": (
        "addgroup -S -g {gid} {name}",
        "adduser -S -D -u {uid} -G {name} -h {home} -s /sbin/nologin {name}",
    ),
    "rhel": (
        "groupadd -r -g {gid} {name}",
        "useradd -r -l -u {uid} -g {name} -m -d {home} -s /sbin/nologin {name}",
    ),
}

#: Images of a family with a shell whose variants do not ship useradd/adduser.
_NO_USERADD: tuple[tuple[str, str | None, str], ...] = (
    ("registry.access.redhat.com/", r"minimal|micro", "a minimal UBI image has no useradd"),
    ("redhat/", r"minimal|micro", "a minimal UBI image has no useradd"),
    ("oraclelinux", r"slim", "oraclelinux slim images have no useradd"),
    ("rockylinux", r"minimal", "rockylinux minimal images have no useradd"),
    ("amazonlinux", None, "amazonlinux images do not ship shadow-utils (useradd)"),
    ("amazoncorretto", r"^(?!.*alpine)", "amazoncorretto's Amazon Linux base has no useradd"),
    ("eclipse-temurin", r"ubi\d*-minimal", "a minimal UBI image has no useradd"),
)
_MINIMAL_REPOSITORY = re.compile(r"(?:^|[-_/])(?:minimal|micro)(?:$|[-_])")

#: Images whose server must start as root (it binds a low port or steps down itself).
_ROOT_IMAGES: tuple[tuple[str, str | None, str], ...] = (
    ("docker", r"dind", "docker-in-docker runs dockerd, which needs root"),
    ("postgres", None, "postgres's entrypoint starts as root and steps down to postgres (gosu)"),
    ("mysql", None, "mysql's entrypoint starts as root and steps down to mysql (gosu)"),
    ("mariadb", None, "mariadb's entrypoint starts as root and steps down to mysql (gosu)"),
    ("mongo", None, "mongo's entrypoint starts as root and steps down to mongodb (gosu)"),
    ("redis", None, "redis's entrypoint starts as root and steps down to redis (gosu/su-exec)"),
    ("rabbitmq", None, "rabbitmq's entrypoint starts as root and steps down to rabbitmq"),
    ("cassandra", None, "cassandra's entrypoint starts as root and steps down to cassandra"),
    ("couchdb", None, "couchdb's entrypoint starts as root and steps down to couchdb"),
    ("zookeeper", None, "zookeeper's entrypoint starts as root and steps down to zookeeper"),
    (
        "nginx",
        None,
        "the nginx master process starts as root: it binds port 80 and writes"
        " /var/run/nginx.pid and /var/cache/nginx (nginxinc/nginx-unprivileged runs without)",
    ),
    ("httpd", None, "Apache httpd starts as root to bind port 80 and steps its workers down"),
    ("php", r"apache", "php's Apache starts as root to bind port 80 and steps down to www-data"),
    ("wordpress", None, "WordPress's Apache starts as root to bind port 80"),
    ("tomcat", None, "Tomcat writes logs/, work/ and temp/ in /usr/local/tomcat, owned by root"),
)

#: Images whose server binds a privileged port unless an environment variable moves it.
_DEFAULT_PORTS: tuple[tuple[str, str | None, int, tuple[str, ...]], ...] = tuple(
    (repo, tag, 80, ("ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "HTTP_PORTS"))
    for repo, tag in (
        ("mcr.microsoft.com/dotnet/aspnet", r"^[1-7]\."),
        ("mcr.microsoft.com/dotnet/sdk", r"^[1-7]\."),
        ("mcr.microsoft.com/dotnet/core/aspnet", None),
        ("mcr.microsoft.com/dotnet/core/sdk", None),
        ("microsoft/dotnet", None),
        ("microsoft/aspnetcore", None),
    )
)

#: Commands that need root when the container starts, and why.
ROOT_COMMANDS: Mapping[str, str] = {
    **dict.fromkeys(
        ("su", "gosu", "su-exec", "setpriv", "runuser", "chroot", "sudo", "chpst"),
        "switches users itself, so it must start as root",
    ),
    **dict.fromkeys(("s6-setuidgid", "setuidgid"), "switches users itself"),
    **dict.fromkeys(
        ("init", "systemd", "openrc-init", "runit", "supervisord", "s6-svscan"),
        "starts an init system or process supervisor that expects root",
    ),
    "dockerd": "runs docker-in-docker (dockerd needs root)",
    **dict.fromkeys(("sshd", "cron", "crond", "service", "rsyslogd"), "starts a system service"),
    **dict.fromkeys(
        ("httpd", "apache2", "apache2ctl", "apachectl", "apache2-foreground"),
        "starts Apache, which binds port 80 as root",
    ),
    **dict.fromkeys(("chown", "chgrp"), "changes file ownership at start, which needs root"),
    **dict.fromkeys(
        ("apt-get", "apt", "apk", "yum", "dnf", "microdnf", "update-ca-certificates"),
        "changes system files at start, which needs root",
    ),
    **dict.fromkeys(("iptables", "ip6tables", "sysctl", "mount", "modprobe"), "needs root"),
}

#: Launchers that run the next word as the real program.
LAUNCHERS = frozenset({"tini", "dumb-init", "catatonit", "env", "exec", "nohup", "npx"})

#: Start commands that build or install into the app directory, by program and subcommand
#: (None: any use; "" is the bare program). RUN steps left root-owned files there (obj/,
#: target/, node_modules/), so these fail as a non-root user.
BUILDS_AT_START: Mapping[str, frozenset[str] | None] = {
    "dotnet": frozenset({"run", "watch", "build", "test", "publish", "restore", "ef"}),
    "go": frozenset({"run", "build", "test", "generate", "install", "get", "mod"}),
    "cargo": frozenset({"run", "build", "test", "watch", "install"}),
    "zig": frozenset({"run", "build"}),
    "npm": frozenset({"install", "ci", "i", "rebuild"}),
    "yarn": frozenset({"", "install", "add"}),
    "pnpm": frozenset({"install", "i", "add"}),
    "bun": frozenset({"install", "i", "add"}),
    "pip": frozenset({"install"}),
    "pip3": frozenset({"install"}),
    "composer": frozenset({"install", "update", "require"}),
    "bundle": frozenset({"install"}),
    "next": frozenset({"dev", "build", "start"}),  # start writes .next/cache
    "nuxt": frozenset({"dev", "build"}),
    "ng": frozenset({"serve", "build"}),
    "react-scripts": frozenset({"start", "build"}),
    "vue-cli-service": frozenset({"serve", "build"}),
    "gatsby": frozenset({"develop", "build"}),
    **dict.fromkeys(
        (
            "air", "mvn", "mvnw", "gradle", "gradlew", "sbt", "lein", "mix", "stack", "make",
            "cmake", "ninja", "tsc", "webpack", "webpack-dev-server", "rollup", "parcel", "javac",
            "vite",  # even `vite preview` bundles its config into node_modules/.vite-temp
        ),
        None,
    ),
}  # fmt: skip

#: Programs that run another program named after a flag (``elixir -S mix phx.server``).
SCRIPT_RUNNERS: Mapping[str, str] = {"elixir": "-S", "iex": "-S", "ruby": "-S"}

#: package.json script names that usually run a dev server or a build (when it cannot be read).
DEV_SCRIPT = re.compile(r"(?:^|[:_-])(?:dev|develop|watch|serve|build|storybook)(?:$|[:_-])")

#: npm-like clients: the words that are their own commands, not package.json scripts.
NODE_CLIENTS: Mapping[str, frozenset[str]] = {
    "npm": frozenset(),  # npm runs scripts only through start/test/run
    "yarn": frozenset({"install", "add", "remove", "upgrade", "global", "exec", "dlx", "node"}),
    "pnpm": frozenset({"install", "i", "add", "remove", "exec", "dlx"}),
    "bun": frozenset({"install", "i", "add", "remove", "x", "build", "test"}),
}

#: Ports below this need root (or CAP_NET_BIND_SERVICE) to bind.
PRIVILEGED_PORT_LIMIT = 1024

#: Start commands that create state next to the app, in the folder they run in: a database
#: migration creates its SQLite file there when no DATABASE_URL points elsewhere (Flask-Migrate
#: and Alembic projects put it beside config.py, Django beside manage.py, Rails in db/). The
#: migration's database may be remote; that cannot be told from the image, so the folder must
#: be writable (program -> subcommands, ``None``: any use; read by ``matches``).
STATE_AT_START: Mapping[str, frozenset[str] | None] = {
    "flask": frozenset({"db upgrade", "db init", "db migrate", "db stamp", "init-db", "initdb"}),
    "alembic": frozenset({"upgrade", "downgrade", "stamp"}),
    "manage.py": frozenset({"migrate", "syncdb", "createcachetable", "loaddata"}),
    "django-admin": frozenset({"migrate", "syncdb", "createcachetable", "loaddata"}),
    "rails": frozenset({"db:migrate", "db:setup", "db:prepare", "db:create"}),
    "rake": frozenset({"db:migrate", "db:setup", "db:prepare", "db:create"}),
    "prisma": frozenset({"migrate deploy", "migrate dev", "db push"}),
    "sequelize": frozenset({"db:migrate"}),
    "knex": frozenset({"migrate:latest"}),
}

#: Commands of a start script that write the paths they name: which operands (``all``, or
#: ``last`` for a copy's target), and whether the path is a folder the command creates.
WRITING_COMMANDS: Mapping[str, tuple[str, bool]] = {
    "mkfifo": ("all", False),  # a FIFO is a file in its folder (wisecow's `response`)
    "mknod": ("first", False),
    "touch": ("all", False),
    "tee": ("all", False),
    "rm": ("all", False),  # removing a file needs a writable folder too
    "mkdir": ("all", True),
    "cp": ("last", False),
    "mv": ("last", False),
    "ln": ("last", False),
}

#: Folders any user may write to (or that are not files): writes there need nothing.
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev", "/proc", "/run/lock")


@dataclass(frozen=True)
class SourceWrite:
    """A call in an app's sources that writes a path at run time.

    ``pattern`` captures the call's path argument as ``arg``; a string literal is the path
    (relative ones are relative to the working directory the app runs in), anything else is a
    path the reader cannot resolve, which stops the codemod when ``strict``. ``folder``: the
    path is a folder the call creates (else a file whose folder must be writable).
    """

    suffixes: tuple[str, ...]
    pattern: re.Pattern[str]
    what: str
    strict: bool
    folder: bool = False


_ARG = r"\(\s*(?P<arg>[^,)]*)"
_PY, _JS, _GO = (".py",), (".js", ".mjs", ".cjs", ".ts"), (".go",)

#: Runtime writes found in the sources, per ecosystem. Log files are the common case (a
#: Flask app's ``RotatingFileHandler('logs/app.log')``): non-literal handler paths stop the
#: codemod (they are where the app writes and cannot be resolved); folder creation is read
#: only when literal (``os.makedirs(app.instance_path)`` is usually inside the app folder).
SOURCE_WRITES: tuple[SourceWrite, ...] = (
    SourceWrite(_PY, re.compile(r"\b(?:Rotating|TimedRotating|Watched)?FileHandler" + _ARG),
                "a logging file handler", strict=True),
    SourceWrite(_PY, re.compile(r"\bbasicConfig\([^)]*?\bfilename\s*=\s*(?P<arg>[^,)]*)"),
                "logging.basicConfig(filename=…)", strict=True),
    SourceWrite(_PY, re.compile(r"\bos\.(?:mkdir|makedirs)" + _ARG), "os.mkdir", strict=False,
                folder=True),
    SourceWrite(_JS, re.compile(r"\bcreateWriteStream" + _ARG), "fs.createWriteStream",
                strict=True),
    SourceWrite(_JS, re.compile(r"\bmkdirSync" + _ARG), "fs.mkdirSync", strict=False,
                folder=True),
    SourceWrite(_JS, re.compile(r"\bmulter\(\s*\{\s*dest\s*:\s*(?P<arg>[^,)}]*)"),
                "multer uploads", strict=True, folder=True),
    SourceWrite(_JS, re.compile(r"\btransports\.File\(\s*\{[^}]*?\bfilename\s*:\s*"
                                r"(?P<arg>[^,)}]*)"), "a winston log file", strict=True),
    SourceWrite(_GO, re.compile(r"\bos\.(?:Create|WriteFile)" + _ARG), "os.Create", strict=False),
    SourceWrite(_GO, re.compile(r"\bos\.MkdirAll?" + _ARG), "os.Mkdir", strict=False,
                folder=True),
)  # fmt: skip


def _matches(image: ImageRef, key: str, tag: str | None) -> bool:
    """Whether ``image`` is ``key``'s (a mirror's ``…/library/<key>`` is the official image)."""
    name = image.hub_name
    if key.endswith("/"):
        if not name.startswith(key):
            return False
    elif name != key and ("/" in key or image.repository != f"library/{key}"):
        return False
    return tag is None or re.search(tag, image.tag or "latest") is not None


def _first(image: ImageRef | None, table: Iterable[tuple[str, str | None, str]]) -> str | None:
    if image is None:
        return None
    for key, tag, reason in table:
        if _matches(image, key, tag):
            return reason
    return None


def image_user(image: ImageRef | None) -> ImageEntry | None:
    """The unprivileged user ``image`` ships (and whether it runs as it), if known."""
    if image is None:
        return None
    for entry in IMAGE_USERS:
        if _matches(image, entry.key, entry.tag):
            return entry if entry.user is not None else None
    return None


def root_image(image: ImageRef | None) -> str | None:
    """Why ``image``'s own server must start as root, or None."""
    return _first(image, _ROOT_IMAGES)


def lacks_useradd(image: ImageRef | None) -> str | None:
    """Why ``image`` (of a family with a shell) cannot run useradd/adduser, or None."""
    if image is None:
        return None
    found = _first(image, _NO_USERADD)
    if found is None and _MINIMAL_REPOSITORY.search(image.family):
        return f"{image.family} is a minimal image without useradd"
    return found


def default_port(image: ImageRef | None, env: Mapping[str, str]) -> int | None:
    """The privileged port ``image``'s server binds by default when ``env`` does not move it."""
    if image is None:
        return None
    for key, tag, port, overrides in _DEFAULT_PORTS:
        if _matches(image, key, tag) and not any(k in env for k in overrides):
            return port
    return None
