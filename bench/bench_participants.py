"""Participant search and registry opening on 100,000 participants.

Search: p95 time per keystroke query (1, 2 and 3+ character Khmer and Latin
queries, as typed letter by letter) through `participants.search()` (trigram
FTS5 for keys of 3+ code points, `instr` on the sort-ordered index for shorter
ones), compared in the same run with a plain full scan of the same table
(every row's key tested, all hits sorted). Target: p95 <= 10 ms.

Registry: opening the Participants view (RegistryModel + QTableView, lazy
fetchMore) — time to first page and resident memory, compared with loading
every participant into a list.

    python bench/bench_participants.py [--data-dir DIR] [--participants N] [--repeat R]

Without --data-dir a demo programme of N participants (default 100,000) is
built once in a temporary folder (about a minute).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# (group, text typed letter by letter)
TYPED = [
    ("Khmer", "ស្រីពៅ"), ("Khmer", "ដារ៉ា"), ("Khmer", "ចាន់ធា"), ("Khmer", "សុខា"),
    ("Khmer", "ពៅ"), ("Khmer", "វណ្ណា"), ("Khmer", "គឹម សុភា"),
    ("Latin", "sok dara"), ("Latin", "bopha"), ("Latin", "chea"), ("Latin", "visal"),
    ("Latin", "xyz"),
]


def keystroke_queries() -> dict[str, list[str]]:
    """Queries grouped as '<script> <length>' with length 1, 2 or 3+."""
    groups: dict[str, list[str]] = {}
    for script, text in TYPED:
        for end in range(1, len(text) + 1):
            query = text[:end]
            if query.endswith(" "):
                continue
            size = "1" if end == 1 else "2" if end == 2 else "3+"
            groups.setdefault(f"{script} {size}", []).append(query)
    return groups


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def full_scan(conn, query: str, limit: int = 50) -> list:
    """The plain way: test every row's key, sort every hit, keep the first `limit`."""
    from debc_outreach.core.name_search import compact_key

    key = compact_key(query)
    rows = conn.execute("SELECT id, display_name, search_key, sort_key FROM participant "
                        "WHERE merged_into = '' AND deleted = 0").fetchall()
    hits = [r for r in rows if key in r[2]]
    hits.sort(key=lambda r: r[3])
    return hits[:limit]


def build(folder: Path, participants: int) -> None:
    from debc_outreach.storage import demo
    from debc_outreach.storage.store import Store

    print(f"building a demo programme with {participants:,} participants in {folder} …",
          flush=True)
    started = time.perf_counter()
    with Store.open(folder) as store:
        demo.generate(store, participants, max(1, participants // 40))
    print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)


def bench_search(db_path: Path, repeat: int) -> None:
    from debc_outreach.storage import participants
    from debc_outreach.storage.database import Database

    database = Database(db_path)
    total = database.scalar("SELECT count(*) FROM participant")
    print(f"\nSearch on {total:,} participants (p95 per keystroke query, {repeat} runs each)")
    print(f"{'queries':<12}{'n':>4}{'search p95':>14}{'full scan p95':>16}{'ratio':>9}")
    worst = 0.0
    for group, queries in keystroke_queries().items():
        ours: list[float] = []
        plain: list[float] = []
        for query in queries:
            participants.search(database, query)          # warm the page cache
            for _ in range(repeat):
                start = time.perf_counter()
                participants.search(database, query)
                ours.append((time.perf_counter() - start) * 1000)
            for _ in range(max(1, repeat // 5)):
                start = time.perf_counter()
                full_scan(database.conn, query)
                plain.append((time.perf_counter() - start) * 1000)
        a, b = p95(ours), p95(plain)
        worst = max(worst, a)
        print(f"{group:<12}{len(queries):>4}{a:>11.2f} ms{b:>13.1f} ms{b / a:>8.0f}×")
    print(f"worst p95: {worst:.2f} ms (target <= 10 ms)")
    database.close()


REGISTRY_CHILD = r"""
import sys, time
from pathlib import Path
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
mode, path = sys.argv[1], Path(sys.argv[2])
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView
from debc_outreach.storage.database import Database
from debc_outreach.storage import gazetteer, participants
from debc_outreach.gui.participants.participant_models import RegistryModel, age_label, sex_label
app = QApplication([])
database = Database(path)
gazetteer.village_name("12010101")          # the gazetteer index is shared by both
view = QTableView()
view.resize(1000, 700)
before = rss_mb()
start = time.perf_counter()
if mode == "lazy":
    model = RegistryModel(database)
    model.set_filter(model.current_filter)
else:    # the plain way: every participant into a QStandardItemModel
    model = QStandardItemModel()
    for p in participants.list_all(database):
        model.appendRow([QStandardItem(p.display_name), QStandardItem(sex_label(p.sex)),
                         QStandardItem(age_label(p)),
                         QStandardItem(gazetteer.village_name(p.village_code))])
view.setModel(model)
view.show()
app.processEvents()
elapsed = time.perf_counter() - start
print(f"{model.rowCount()} {elapsed * 1000:.1f} {rss_mb() - before:.1f} {rss_mb():.1f}")
"""


def bench_registry(db_path: Path) -> None:
    print("\nOpening the registry")
    results = {}
    for mode in ("lazy", "all"):
        out = subprocess.run([sys.executable, "-c", REGISTRY_CHILD, mode, str(db_path)],
                             check=True, capture_output=True, text=True).stdout.split()
        results[mode] = (int(out[0]), float(out[1]), float(out[2]), float(out[3]))
    lazy, full = results["lazy"], results["all"]
    print(f"  lazy view (fetchMore): {lazy[0]:,} rows loaded in {lazy[1]:.1f} ms, "
          f"+{lazy[2]:.1f} MB, process RSS {lazy[3]:.0f} MB")
    print(f"  everything in a QStandardItemModel: {full[0]:,} rows in {full[1]:.1f} ms, "
          f"+{full[2]:.1f} MB, process RSS {full[3]:.0f} MB")
    print(f"  ratio (everything / lazy): time {full[1] / lazy[1]:.0f}×, "
          f"added memory {full[2] / max(lazy[2], 0.1):.0f}×")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-participants-") as tmp:
        folder = args.data_dir or Path(tmp)
        db_path = folder / "outreach.sqlite"
        if not db_path.exists():
            build(folder, args.participants)
        bench_search(db_path, args.repeat)
        bench_registry(db_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
