"""Ruby (Bundler) knowledge for splitting a build: where the gems go, what the slim image has,
which gems need a system library at run time, and what provides a start command's program.

The official ``ruby:<v>`` images are buildpack-deps based (compilers and many ``-dev``
libraries); ``ruby:<v>-slim`` is the same Ruby on Debian slim, keeping only the libraries Ruby
itself needs (with their headers: libffi, libgmp, libssl, libyaml, zlib). Both set
``GEM_HOME=/usr/local/bundle`` and ``BUNDLE_APP_CONFIG=/usr/local/bundle``: ``bundle install``
puts the gems, their executables (``/usr/local/bundle/bin``, on the image's PATH) and the local
Bundler configuration there, unless a path or deployment mode puts the gems under the app
(``vendor/bundle``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "BUNDLE_CONFIG_FOLDER",
    "DEPLOYMENT_PATH",
    "GEM_EXECUTABLES",
    "GEM_HOME",
    "GEM_RUNTIME_PACKAGES",
    "LOCKFILE",
    "RUBY_PACKAGES",
    "RUNTIME_PROGRAMS",
    "bundle_manifests",
    "lock_gems",
]

#: ``GEM_HOME`` (and ``BUNDLE_APP_CONFIG``) of the official ruby images: gems, their
#: executables and the local Bundler configuration.
GEM_HOME = "/usr/local/bundle"
#: Where deployment mode (``BUNDLE_DEPLOYMENT``, ``--deployment``) installs, under the app.
DEPLOYMENT_PATH = "vendor/bundle"
#: The user's Bundler configuration folder (``bundle config`` without ``--local``), under HOME.
BUNDLE_CONFIG_FOLDER = ".bundle"
#: The lockfile listing every gem of the bundle (read from the build context).
LOCKFILE = "Gemfile.lock"
GEMFILE = "Gemfile"
#: A Gemfile entry that needs more of the sources than the Gemfile and its lockfile.
#: ``bundle install`` options followed by their value.
_VALUE_OPTIONS = frozenset(
    {"--jobs", "-j", "--retry", "--without", "--with", "--path", "--gemfile"}
)
_LOCAL_SOURCES = re.compile(r"\b(?:path|git|github|gemspec|eval_gemfile)\b")

#: Programs the ruby images provide (the slim one too).
RUNTIME_PROGRAMS = frozenset(
    {"ruby", "bundle", "bundler", "gem", "irb", "erb", "rake", "sh", "bash"}
)

#: Gems that need a system library at run time that ``ruby:<v>`` ships (buildpack-deps has
#: its ``-dev`` package, so the gem builds without an apt-get) and ``ruby:<v>-slim`` does not:
#: the Debian bookworm runtime packages the slim runtime installs. Gems not listed build
#: against nothing beyond what the slim image keeps (libffi, libgmp, libssl, libyaml, zlib,
#: libstdc++) or vendor their library (nokogiri's libxml2, sqlite3 ≥ 1.5's SQLite).
GEM_RUNTIME_PACKAGES: Mapping[str, tuple[str, ...]] = {
    "pg": ("libpq5",),  # links libpq
    "mysql2": ("libmariadb3",),  # links the MariaDB/MySQL client library
    "trilogy": (),  # pure C client, no system library
    "rmagick": ("libmagickwand-6.q16-6",),  # links ImageMagick's MagickWand
    "mini_magick": ("imagemagick",),  # runs the convert/magick programs
    "ruby-vips": ("libvips42",),  # loads libvips through ffi at run time
    "ethon": ("libcurl4",),  # loads libcurl through ffi at run time (typhoeus)
    "curb": ("libcurl4",),  # links libcurl
    "charlock_holmes": ("libicu72",),  # links ICU
    "ruby-filemagic": ("libmagic1",),  # links libmagic
    "sqlite3": ("libsqlite3-0",),  # before 1.5 it links the system SQLite
    "rugged": ("libssh2-1",),  # links libssh2 for its transports
    "idn-ruby": ("libidn12",),  # links libidn
}

#: Start programs that a gem of another name installs (``rails`` comes with railties).
GEM_EXECUTABLES: Mapping[str, tuple[str, ...]] = {
    "rails": ("railties", "rails"),
    "rackup": ("rack", "rackup"),
    "puma": ("puma",),
    "pumactl": ("puma",),
    "unicorn": ("unicorn",),
    "thin": ("thin",),
    "falcon": ("falcon",),
    "sidekiq": ("sidekiq",),
    "foreman": ("foreman",),
    "hanami": ("hanami",),
    "jekyll": ("jekyll",),
}

#: Debian packages a Ruby build installs, besides the shared tables: Node.js is the
#: JavaScript runtime (execjs) a Rails app may compile assets with while it runs, so it is
#: kept; npm only builds.
RUBY_PACKAGES: Mapping[str, tuple[str, ...]] = {
    "nodejs": ("nodejs",),
    "npm": (),
    "ruby-dev": (),
}

#: A gem of the lockfile's ``specs:`` sections: four spaces, the name, the version.
_SPEC = re.compile(r"^    ([A-Za-z0-9_.-]+) \(", re.M)


def lock_gems(lockfile: str) -> frozenset[str]:
    """The names of every gem a ``Gemfile.lock`` lists (its dependencies' specs included)."""
    return frozenset(_SPEC.findall(lockfile))


def bundle_manifests(words: Sequence[str], read: Callable[[str], str | None]) -> list[str] | None:
    """The context files a ``bundle`` command needs when it only installs gems: none for
    ``bundle config``, Gemfile and Gemfile.lock for ``bundle install`` (None when the Gemfile
    names local sources — ``path:``, ``git:``, ``gemspec`` — or for another command)."""
    verbs: list[str] = []
    for i, word in enumerate(words[1:], start=1):
        if not word.startswith("-") and words[i - 1] not in _VALUE_OPTIONS:
            verbs.append(word)
    if verbs[:1] == ["config"]:
        return []
    if verbs not in ([], ["install"]):
        return None
    gemfile = read(GEMFILE)
    if gemfile is None or read(LOCKFILE) is None or _LOCAL_SOURCES.search(gemfile):
        return None
    return [GEMFILE, LOCKFILE]
