"""Generate many small git repositories fast (for ``bench_all.py``).

Each repository is a bare repository written directly, without a git process: loose objects
(zlib-compressed ``<type> <size>\\0<body>`` files named by their SHA-1), a tree per directory,
one commit and ``refs/heads/main``. The files come from the end-to-end apps in
``tests/e2e/apps`` (a Dockerfile and its sources each), in turn, plus a README that makes every
repository's commit unique. ``--check`` runs ``git fsck --strict`` on the first one. Usage::

    python benchmarks/make_repos.py DEST [--count 1000] [--check]

writes ``DEST/repo-0000.git`` … and ``DEST/repos.txt`` (the list ``msb-migrate bulk`` reads).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
import zlib
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APPS = REPO / "tests" / "e2e" / "apps"
AUTHOR = b"Bench <bench@example.com>"
CONFIG = b"[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n"

Tree = dict[str, "bytes | Tree"]


def _write_object(objects: Path, kind: bytes, body: bytes) -> bytes:
    """Store one loose object; its binary SHA-1."""
    data = kind + b" " + str(len(body)).encode() + b"\0" + body
    sha = hashlib.sha1(data).digest()
    hexsha = sha.hex()
    folder = objects / hexsha[:2]
    folder.mkdir(exist_ok=True)
    (folder / hexsha[2:]).write_bytes(zlib.compress(data, 1))
    return sha


def _write_tree(objects: Path, tree: Tree) -> bytes:
    entries = []
    for name, value in tree.items():
        if isinstance(value, dict):
            entries.append((name + "/", b"40000 ", name, _write_tree(objects, value)))
        else:
            entries.append((name, b"100644 ", name, _write_object(objects, b"blob", value)))
    body = b"".join(mode + name.encode() + b"\0" + sha for _, mode, name, sha in sorted(entries))
    return _write_object(objects, b"tree", body)


def write_bare_repo(path: Path, files: Mapping[str, bytes], message: str, when: int) -> str:
    """A bare repository at ``path`` whose ``main`` has one commit holding ``files``
    (posix path → content); the commit's SHA-1."""
    objects = path / "objects"
    for folder in (
        objects / "info",
        objects / "pack",
        path / "refs" / "heads",
        path / "refs" / "tags",
    ):
        folder.mkdir(parents=True)
    tree: Tree = {}
    for rel, content in files.items():
        *dirs, name = rel.split("/")
        node = tree
        for part in dirs:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[name] = content
    root = _write_tree(objects, tree).hex()
    stamp = AUTHOR + b" " + str(when).encode() + b" +0000"
    commit = b"tree %s\nauthor %s\ncommitter %s\n\n%s\n" % (
        root.encode(),
        stamp,
        stamp,
        message.encode(),
    )
    sha = _write_object(objects, b"commit", commit).hex()
    (path / "refs" / "heads" / "main").write_text(sha + "\n")
    (path / "HEAD").write_text("ref: refs/heads/main\n")
    (path / "config").write_bytes(CONFIG)
    return sha


def app_templates() -> list[dict[str, bytes]]:
    """The files of each end-to-end app (smoke checks left out)."""
    out = []
    for app in sorted(p for p in APPS.iterdir() if p.is_dir()):
        files = {
            p.relative_to(app).as_posix(): p.read_bytes()
            for p in sorted(app.rglob("*"))
            if p.is_file() and p.name != "smoke.json"
        }
        out.append(files)
    return out


def make_repos(dest: Path, count: int) -> list[Path]:
    """``count`` repositories ``dest/repo-NNNN.git`` and the list ``dest/repos.txt``."""
    templates = app_templates()
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    when = int(time.time())
    for i in range(count):
        files = dict(templates[i % len(templates)])
        files["README.md"] = f"# repo {i}\n".encode()
        path = dest / f"repo-{i:04d}.git"
        write_bare_repo(path, files, f"repo {i}", when)
        paths.append(path)
    (dest / "repos.txt").write_text("".join(f"{p.name}\n" for p in paths))
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--check", action="store_true", help="git fsck the first repository")
    args = ap.parse_args()
    start = time.perf_counter()
    paths = make_repos(args.dest, args.count)
    print(f"{len(paths)} repositories in {time.perf_counter() - start:.2f} s: {args.dest}")
    if args.check and paths:
        proc = subprocess.run(["git", "-C", str(paths[0]), "fsck", "--strict"], check=False)
        return proc.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
