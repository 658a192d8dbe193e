"""PHP (Composer) knowledge for splitting a build: the official php image variants, what their
own CMD and WORKDIR are, which commands configure the PHP runtime (extensions, Apache modules)
and which ones only serve Composer.

The split keeps the php image and its variant (``-apache``, ``-fpm``, ``-cli``): Composer and
what it needs (the composer binary, git, unzip, its download cache, the dev dependencies it
was told to leave out) stay in the builder, and the runtime stage repeats the steps that
configure PHP itself (``docker-php-ext-install``, ``pecl install``, ``a2enmod``, system
libraries) before it copies the app with its ``vendor/`` folder. Composer runs in the builder
on the very PHP the app runs on, so its platform check (PHP version, extensions) and its
scripts see what they saw before; the ``composer`` image runs another PHP.
"""

from __future__ import annotations

from collections.abc import Mapping

from refactor.analysis.images import ImageRef

__all__ = [
    "COMPOSER_INSTALL_COMMANDS",
    "COMPOSER_ONLY_PACKAGES",
    "CONFIG_DIRS",
    "IMAGE_STARTS",
    "IMAGE_WORKDIRS",
    "RUNTIME_PROGRAMS",
    "SETUP_COMMANDS",
    "image_start",
    "image_workdir",
    "variant",
]

#: The variant of an official php tag (``8.2-apache`` → apache; no variant word is the CLI).
VARIANTS = ("apache", "fpm", "zts", "cli")

#: The CMD of each variant: a stage without CMD/ENTRYPOINT runs it, and so does a runtime
#: stage on the same image.
IMAGE_STARTS: Mapping[str, tuple[str, ...]] = {
    "apache": ("apache2-foreground",),
    "fpm": ("php-fpm",),
    "zts": ("php", "-a"),
    "cli": ("php", "-a"),
}
#: The WORKDIR each variant sets (the CLI image sets none).
IMAGE_WORKDIRS: Mapping[str, str] = {"apache": "/var/www/html", "fpm": "/var/www/html"}

#: Programs the php images provide (each variant's server included).
RUNTIME_PROGRAMS = frozenset(
    {
        "php",
        "php-fpm",
        "apache2-foreground",
        "apache2ctl",
        "docker-php-entrypoint",
        "sh",
        "bash",
    }
)

#: Commands that configure the PHP runtime (extensions, their libraries, Apache modules and
#: sites, users): a RUN of only these (and of neutral and file commands) is repeated in the
#: runtime stage.
SETUP_COMMANDS = frozenset(
    {
        "docker-php-ext-install",
        "docker-php-ext-enable",
        "docker-php-ext-configure",
        "docker-php-source",
        "install-php-extensions",
        "pecl",
        "a2enmod",
        "a2dismod",
        "a2ensite",
        "a2dissite",
        "a2enconf",
        "a2disconf",
        "apt-get",
        "apt",
        "apk",
        "service",  # `service apache2 restart` in a build starts a server that the step stops
    }
)

#: System packages only Composer needs (to fetch and unpack packages): a RUN that installs
#: only these stays in the builder.
COMPOSER_ONLY_PACKAGES = frozenset({"git", "unzip", "zip", "p7zip-full", "7zip", "composer"})

#: Commands of the usual Composer installations (``curl …/installer | php``, ``php -r
#: "copy(…)"``, ``mv composer.phar …``): a RUN of only these that names Composer stays in the
#: builder.
COMPOSER_INSTALL_COMMANDS = frozenset(
    {"curl", "wget", "php", "mv", "cp", "chmod", "rm", "ln", "echo", "sha384sum", "test"}
)

#: Folders of the PHP and web server configuration: a COPY of build-context files there is
#: repeated in the runtime stage (it is configuration, not the app).
CONFIG_DIRS = (
    "/etc/apache2",
    "/usr/local/etc/php",
    "/usr/local/etc/php-fpm.d",
    "/usr/local/etc/php-fpm.conf",
)


def variant(image: ImageRef) -> str | None:
    """The variant of an official php image (None for another image)."""
    if image.hub_name != "php":
        return None
    words = (image.tag or "latest").lower().split("-")
    return next((v for v in VARIANTS if v in words), "cli")


def image_start(image: ImageRef) -> tuple[str, ...] | None:
    """The CMD the php image runs when the Dockerfile sets none."""
    found = variant(image)
    return IMAGE_STARTS[found] if found is not None else None


def image_workdir(image: ImageRef) -> str | None:
    """The WORKDIR the php image sets (None when it sets none or is not a php image)."""
    found = variant(image)
    return IMAGE_WORKDIRS.get(found) if found is not None else None
