"""Whether nginx runs without root: the image's config must prove it.

The stock nginx master starts as root to bind port 80 and write ``/var/run/nginx.pid`` and
``/var/cache/nginx``. A Dockerfile that replaces the config can make it unprivileged: pid and
every temp path under ``/tmp``, only ports from 1024 up, and the stock default site (which
listens on 80) replaced or removed in each folder the config includes. Only a config read in
full proves that; anything unreadable counts as privileged.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re

from codemods.non_root_user.facts import Facts, contents
from refactor.analysis.semantics import under
from refactor.data import users as data

#: The temp paths nginx writes (each ``<name>_temp_path``).
_NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
#: The site each include folder of a stock nginx holds (it listens on port 80).
_NGINX_DEFAULT_SITES = {
    "conf.d": "default.conf",
    "http.d": "default.conf",
    "sites-enabled": "default",
}


def nginx_unprivileged(facts: Facts) -> bool:
    """Whether nginx's config provably runs without root: high ports, pid and temp in /tmp."""
    found, main, _ = facts.lookup("/etc/nginx/nginx.conf")
    if not found or main is None:
        return False
    confs = [main]
    for placed in facts.files:
        if under(placed.dest, "/etc/nginx") and placed.dest != "/etc/nginx/nginx.conf":
            confs.extend(contents(placed, facts.ctx))
    text = "\n".join(_strip_nginx_comments(c) for c in confs)
    pid = re.search(r"(?m)^\s*pid\s+([^;\s]+)\s*;", text)
    if pid is None or not pid.group(1).startswith("/tmp/"):
        return False
    for temp in _NGINX_TEMP:
        path = re.search(rf"\b{temp}_temp_path\s+([^;\s]+)", text)
        if path is None or not path.group(1).startswith("/tmp/"):
            return False
    ports = [_listen_port(v) for v in re.findall(r"\blisten\s+([^;\s]+)", text)]
    if not ports or any(p is not None and p < data.PRIVILEGED_PORT_LIMIT for p in ports):
        return False
    return all(_default_site_replaced(facts, inc) for inc in _nginx_includes(main))


def _default_site_replaced(facts: Facts, include: str) -> bool:
    """Whether the image's default site under an included folder is replaced or removed."""
    folder = posixpath.basename(posixpath.dirname(include))
    default = _NGINX_DEFAULT_SITES.get(folder)
    if default is None:
        return True
    path = posixpath.join("/etc/nginx", folder, default)
    if facts.lookup(path)[0]:
        return True
    return any(
        cmd.name == "rm"
        and any(
            w in (path, posixpath.dirname(path)) or fnmatch.fnmatch(path, w) for w in cmd.words[1:]
        )
        for _, _, commands in facts.runs()
        for cmd in commands
    )


def _strip_nginx_comments(text: str) -> str:
    return re.sub(r"#[^\n]*", "", text)


def _nginx_includes(text: str) -> list[str]:
    return re.findall(r"\binclude\s+([^;\s]+)\s*;", _strip_nginx_comments(text))


def _listen_port(value: str) -> int | None:
    """The port of an nginx ``listen`` value (80 when only an address is given)."""
    if value.startswith("unix:"):
        return None
    tail = value.rsplit("]:", 1)[-1] if value.startswith("[") else value.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 80
