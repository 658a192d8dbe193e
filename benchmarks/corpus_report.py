"""What the codemods do to the shared corpora: files changed, and skips by their stable code.

    python3 benchmarks/corpus_report.py                   # the split, per ecosystem, both corpora
    python3 benchmarks/corpus_report.py --codemod NAME... # those codemods alone, real-world corpus
    python3 benchmarks/corpus_report.py --all             # every codemod alone and the defaults

The split report counts the single-stage files of ``../shared/corpus/realworld`` (no build
context, as a bot sees a bare Dockerfile) and of ``../shared/realapps`` (with each app's build
context), per ecosystem: how many the default pipeline splits (the result has more stages than
the input), and why split-build-runtime left the others alone, by skip code with the code's
summary. The per-codemod report runs each codemod alone through the real runner; a file that
does not change is counted under the first skip code of that codemod.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from refactor.analysis.model import build_model
from refactor.engine.codemod import ENGINE_CODES, Codemod, Context
from refactor.engine.runner import available_codemods, load_codemod, run_codemods, select_codemods
from refactor.syntax.parser import parse

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REALWORLD = SHARED / "corpus" / "realworld"
REALAPPS = SHARED / "realapps"
SPLIT = "split-build-runtime"


def _rows(manifest: Path) -> list[dict[str, str]]:
    with manifest.open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _summary(code: str) -> str:
    if code in ENGINE_CODES:
        return ENGINE_CODES[code]
    for codemod in available_codemods():
        if code in codemod.codes:
            return codemod.codes[code]
    return "?"


def _single_stage(text: str) -> bool:
    try:
        return len(build_model(parse(text)).stages) == 1
    except Exception:  # unparsable input is not a single-stage file
        return False


def _split_outcome(text: str, context_dir: Path | None, dockerfile: Path) -> str:
    """'split', or the code split-build-runtime skipped with ('unchanged' without one)."""
    ctx = Context(context_dir=context_dir, dockerfile=dockerfile)
    report = run_codemods(parse(text, str(dockerfile)), ctx, select_codemods())
    if report.tree is not None and len(build_model(report.tree).stages) > 1:
        return "split"
    codes = [s.code for s in report.skips if s.codemod == SPLIT]
    return codes[0] if codes else "unchanged"


def _print_split(title: str, outcomes: dict[str, list[str]]) -> None:
    total = sum(len(v) for v in outcomes.values())
    split = sum(v.count("split") for v in outcomes.values())
    print(f"\n## {title}: {split} of {total} single-stage files split")
    for ecosystem in sorted(outcomes):
        values = outcomes[ecosystem]
        print(f"\n{ecosystem}: {values.count('split')} of {len(values)} split")
        for code, count in Counter(v for v in values if v != "split").most_common():
            print(f"{count:5d}  {code}  {_summary(code) if code != 'unchanged' else ''}")


def split_report() -> None:
    realworld: dict[str, list[str]] = defaultdict(list)
    for row in _rows(REALWORLD / "manifest.tsv"):
        path = REALWORLD / row["file"]
        text = path.read_bytes().decode("utf-8")
        if _single_stage(text):
            realworld[row["lang"]].append(_split_outcome(text, None, path))
    _print_split("realworld (no context)", realworld)
    if not (REALAPPS / "manifest.tsv").is_file():
        return
    realapps: dict[str, list[str]] = defaultdict(list)
    for row in _rows(REALAPPS / "manifest.tsv"):
        context = REALAPPS / row["name"] / "src" / row["folder"]
        path = context / row["dockerfile"]
        text = path.read_bytes().decode("utf-8")
        if _single_stage(text):
            realapps[row["language"]].append(_split_outcome(text, context, path))
    _print_split("realapps (with context)", realapps)


def codemod_report(name: str, codemods: Sequence[Codemod], files: list[Path]) -> None:
    changed = 0
    codes: Counter[str] = Counter()
    names = {c.name for c in codemods}
    for path in files:
        result = run_codemods(parse(path.read_bytes().decode("utf-8")), Context(), codemods)
        if result.changed:
            changed += 1
            continue
        ours = [s for s in result.skips if s.codemod in names]
        codes[ours[0].code if ours else "unchanged"] += 1
    print(f"\n## {name}: {changed} changed, {len(files) - changed} unchanged of {len(files)}")
    for code, count in codes.most_common():
        print(f"{count:5d}  {code}  {_summary(code) if code != 'unchanged' else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codemod", action="append", default=[])
    parser.add_argument("--all", action="store_true", help="every codemod and the defaults")
    args = parser.parse_args()
    if not args.codemod and not args.all:
        split_report()
        return
    files = [REALWORLD / row["file"] for row in _rows(REALWORLD / "manifest.tsv")]
    for name in args.codemod:
        codemod_report(name, [load_codemod(name)], files)
    if args.all:
        for codemod in available_codemods():
            codemod_report(codemod.name, [codemod], files)
        codemod_report("default pipeline", select_codemods(), files)


if __name__ == "__main__":
    main()
