"""Romanised name search: how often a usual Latin spelling finds the Khmer-script name
(and a Khmer-script query finds the name written in Latin), through `participants.search`.

Data: tests/data/khmer_names/names.tsv (common Khmer family and given names with
their usual Latin spellings; see the README there). Each direction is measured in its
own registry holding every name of the list in one script, so a "hit" means the
name is among the results (at most 50) and "first" that it is the first result.

    python bench/bench_name_search.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAMES = ROOT / "tests" / "data" / "khmer_names" / "names.tsv"


def name_list() -> list[tuple[str, list[str]]]:
    rows = []
    for line in NAMES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            khmer, _kind, latin = line.split("\t")
            rows.append((khmer, latin.split("|")))
    return rows


def measure(stored: list[str], pairs: list[tuple[str, str]],
            same: dict[str, set[str]]) -> tuple[int, int, list]:
    """(hits, first, misses) for queries `pairs` of (query, name that must be found);
    "first" counts a first result that is the name or another spelling of it (`same`)."""
    from debc_outreach.storage import participants
    from debc_outreach.storage.store import Store

    with tempfile.TemporaryDirectory(prefix="bench-names-") as folder:
        with Store.open(Path(folder)) as store:
            for name in dict.fromkeys(stored):
                participants.add_participant(store, name)
            hits = first = 0
            misses = []
            for query, wanted in pairs:
                names = [p.display_name for p in participants.search(store.database, query)]
                if wanted in names:
                    hits += 1
                    first += names[0] in same.get(wanted, {wanted})
                else:
                    misses.append((query, wanted))
    return hits, first, misses


def main() -> int:
    rows = name_list()
    latin_to_khmer = [(spelling, khmer) for khmer, latin in rows for spelling in latin]
    khmer_to_latin = [(khmer, spelling) for khmer, latin in rows for spelling in latin]
    print(f"{len(rows)} names, {len(latin_to_khmer)} (name, spelling) pairs")
    spellings = {spelling: set(latin) for _khmer, latin in rows for spelling in latin}
    for title, stored, pairs in (
            ("Latin query -> Khmer-script name", [k for k, _ in rows], latin_to_khmer),
            ("Khmer query -> Latin-script name", [s for _, sp in rows for s in sp],
             khmer_to_latin)):
        hits, first, misses = measure(stored, pairs, spellings)
        print(f"{title}: found {hits}/{len(pairs)} ({100 * hits / len(pairs):.1f} %), "
              f"first result {first}/{len(pairs)} ({100 * first / len(pairs):.1f} %)")
        for query, wanted in misses:
            print(f"  missed: {query!r} -> {wanted!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
