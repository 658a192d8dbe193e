"""Per-codemod outcome over the real-world corpus: files changed, and skipped by reason.

    python3 benchmarks/corpus_report.py [--codemod NAME]... [--all]

Each codemod runs alone (no build context, as a bot would see a bare Dockerfile) through the
real runner; ``--all`` also runs the default pipeline. A skip reason is counted once per file
(its first), with names, images and numbers blanked so that alike reasons group together.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from refactor.engine.codemod import Context
from refactor.engine.runner import available_codemods, run_codemods, select_codemods
from refactor.syntax.parser import parse

REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "realworld"


def _reason(text: str) -> str:
    """The reason with names, images and numbers blanked, so alike reasons group."""
    text = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", "…", text)
    text = re.sub(r"[\w./-]+:[\w.${}-]+", "IMAGE", text)
    text = re.sub(r"\d+(\.\d+)*", "N", text)
    text = re.sub(r"\s*\([^)]*\)", "", text)
    return text.split("; ", 1)[0][:80]


def report(name: str, codemods: list, files: list[Path]) -> None:
    changed = 0
    reasons: Counter[str] = Counter()
    for path in files:
        result = run_codemods(parse(path.read_bytes().decode("utf-8")), Context(), codemods)
        if result.changed:
            changed += 1
            continue
        ours = [s for s in result.skips if s.codemod in {c.name for c in codemods}]
        reasons[_reason(ours[0].reason) if ours else "no change, no skip"] += 1
    print(f"\n## {name}: {changed} changed, {len(files) - changed} unchanged of {len(files)}")
    for reason, count in reasons.most_common():
        print(f"{count:5d}  {reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codemod", action="append", default=[])
    parser.add_argument("--all", action="store_true", help="also the default pipeline")
    args = parser.parse_args()
    rows = (REALWORLD / "manifest.tsv").read_text().splitlines()[1:]
    files = [REALWORLD / row.split("\t")[0] for row in rows if row.strip()]
    for codemod in available_codemods():
        if not args.codemod or codemod.name in args.codemod:
            report(codemod.name, [codemod], files)
    if args.all:
        report("default pipeline", select_codemods(), files)


if __name__ == "__main__":
    main()
