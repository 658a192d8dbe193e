"""The shared data beside the repository (``<repo>/../shared``) and its real-world corpus, for
test modules (imported; not ``conftest`` because ``tests/e2e/conftest.py`` shares that name).

Tests that read the corpus skip cleanly when it is absent.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REALWORLD = SHARED / "corpus" / "realworld"


def realworld_files() -> list[Path]:
    """Every Dockerfile of the corpus, in manifest order ([] when the corpus is absent)."""
    manifest = REALWORLD / "manifest.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        return [REALWORLD / row["file"] for row in csv.DictReader(fh, delimiter="\t")]


def reason_kind(reason: str) -> str:
    """A skip reason with its specifics (names in backquotes) folded away, to count by kind."""
    return re.sub(r"`[^`]*`", "`…`", reason)
