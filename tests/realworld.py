"""The shared data beside the repository (``<repo>/../shared``) and its real-world corpus, for
test modules (imported; not ``conftest`` because ``tests/e2e/conftest.py`` shares that name).

Tests that read the corpus skip cleanly when it is absent.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from refactor import Dockerfile, MsbError, parse

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


def realworld_trees(outcomes: Counter[str]) -> Iterator[tuple[Path, Dockerfile]]:
    """Each corpus file with its tree; files that do not parse count as such in ``outcomes``."""
    for path in realworld_files():
        text = path.read_bytes().decode("utf-8", errors="replace")
        try:
            yield path, parse(text, str(path))
        except MsbError:
            outcomes["(does not parse)"] += 1


def print_outcomes(title: str, outcomes: Counter[str]) -> None:
    """``title`` over the number of files, then each outcome with its count (``pytest -s``)."""
    print(f"\n{title} over {sum(outcomes.values())} real-world files:")
    for outcome, count in outcomes.most_common():
        print(f"{count:4d}  {outcome}")
