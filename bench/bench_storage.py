"""What the database costs on disk, and how long a new version takes to update an old folder.

    .venv/bin/python bench/bench_storage.py                          # 2,000 and 100,000
    .venv/bin/python bench/bench_storage.py --participants 10000     # other large shape
    .venv/bin/python bench/bench_storage.py --data-dir DIR           # a folder made before
    .venv/bin/python bench/bench_storage.py --migrate OLD_DIR        # copy, update, measure

Programmes are made once with `demo-data` (one session per 40 participants, as the
demo makes them) into `.bench-data/storage-<participants>/` (gitignored) and kept for
the next runs: the everyday shape (`EVERYDAY`: a trainer's or a community centre's
folder) and the large shape given by --participants. For each folder, checkpointed:

- the file's size, and SQLite's `dbstat` per table and per index (MB, bytes per
  participant), with the free pages;
- bytes per participant (with their check-ins, checklist results and history) and
  per event, and the ratio to the target of 2 KB per participant;
- the baseline, measured in the same run: the event log as it travels, in the
  bundle codec compressed (what a backup holds: sync/backup.py), its bytes per
  event and the ratio database / bundle.

`--migrate OLD_DIR` copies the old folder's database and settings into
`.bench-data/migrate-<name>/` (the original is only read; the copy is removed at
the end unless --keep), updates it as the app does at its start
(`sync/upgrade.py`: backup, each migration, check, compaction) with the seconds of
each step, then measures the result as above. That is how a 1,000,000-participant
folder is measured: a copy needs its size free on the disk, twice while compacting.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo_programme import demo_programme  # noqa: E402

from debc_outreach.storage.database import DB_FILENAME, Database  # noqa: E402
from debc_outreach.sync import backup, upgrade  # noqa: E402

DATA = ROOT / ".bench-data"
EVERYDAY = 2000
TARGET_PER_PARTICIPANT = 2048
COUNTED = ("participant", "session", "attendance", "event")
# Checklist results in either layout: one row per result before 0023, one character per
# result in a compact row after it (storage/projection/checklist_rows.py).
RESULTS = {"checklist_result": "SELECT count(*) FROM checklist_result",
           "checklist_row": "SELECT coalesce(sum(length(achieved) + length(not_yet) "
                            "+ length(not_assessed)), 0) FROM checklist_row"}


def programme(participants: int) -> Path:
    return demo_programme(DATA / f"storage-{participants}", participants)


def checkpoint(folder: Path) -> int:
    database = Database(folder / DB_FILENAME)
    try:
        database.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        database.close()
    return (folder / DB_FILENAME).stat().st_size


def row_counts(folder: Path) -> dict[str, int]:
    """Rows of the tables people think in (a table a later schema dropped counts 0)."""
    database = Database(folder / DB_FILENAME)
    try:
        present = {row[0] for row in database.conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        counts = {table: (database.scalar(f"SELECT count(*) FROM {table}") or 0)
                  if table in present else 0 for table in COUNTED}
        counts["checklist results"] = sum(database.scalar(query) or 0
                                          for table, query in RESULTS.items() if table in present)
        return counts
    finally:
        database.close()


def dbstat(path: Path) -> tuple[list[tuple[str, str, int]], int]:
    """(name, table it belongs to, bytes) per table and index, largest first, and the
    bytes in free pages. Python's SQLite has `dbstat`; the app's SQLCipher build not."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        owners = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master "
                                   "WHERE type IN ('table', 'index')"))
        sizes = [(name, owners.get(name, name), size) for name, size in conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0] * page
    finally:
        conn.close()
    return sizes, free


def bundle_size(folder: Path, work: Path) -> tuple[int, float]:
    """The event log as it travels (codec + zstd, with the few local rows of a backup):
    bytes and seconds to write it."""
    database = backup.database_for_backup(folder)
    try:
        result = backup.write_backup(database, folder, work / f"log{backup.SUFFIX}")
    finally:
        database.close()
    assert result is not None
    size = result.size
    result.path.unlink()
    return size, result.seconds


def measure(folder: Path) -> None:
    size = checkpoint(folder)
    rows = row_counts(folder)
    people = max(1, rows["participant"])
    events = max(1, rows["event"])
    print(f"\n== {folder.name}: {rows['participant']:,} participants, "
          f"{rows['session']:,} sessions, {rows['attendance']:,} check-ins, "
          f"{rows['checklist results']:,} checklist results, {rows['event']:,} events")
    sizes, free = dbstat(folder / DB_FILENAME)
    print(f"{'table / index':<34} {'of table':<24} {'MB':>9} {'B/participant':>14}")
    for name, owner, bytes_ in sizes:
        if bytes_ >= max(size // 1000, 4096):
            print(f"  {name:<32} {owner if owner != name else '':<24} {bytes_ / 1e6:>9,.1f} "
                  f"{bytes_ / people:>14,.0f}")
    print(f"  {'(free pages)':<32} {'':<24} {free / 1e6:>9,.1f}")
    print(f"file {size / 1e6:,.1f} MB: {size / people:,.0f} B per participant "
          f"({size / people / TARGET_PER_PARTICIPANT:.2f}x the 2 KB target), "
          f"{size / events:,.0f} B per event")
    work = DATA / f"storage-work-{folder.name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        bundle, seconds = bundle_size(folder, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"baseline: the log as a bundle {bundle / 1e6:,.1f} MB, {bundle / events:.1f} B per "
          f"event (written in {seconds:,.1f} s); database / bundle {size / bundle:,.1f}x")


def migrate_copy(old: Path, keep: bool) -> None:
    """Copy an old folder, update it as the app's start does, time each step, measure."""
    copy = DATA / f"migrate-{old.resolve().name}"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    try:
        for name in (DB_FILENAME, "settings.json"):
            if (old / name).exists():
                shutil.copy2(old / name, copy / name)
        before = checkpoint(copy)
        names = upgrade.pending_steps(copy)
        print(f"\n== updating a copy of {old} ({before / 1e6:,.1f} MB): "
              f"{len(names)} migration(s) {', '.join(names) or '(none)'}")
        shown: dict[str, int] = {}

        def progress(step: str, done: int, total: int) -> None:
            tenth = done * 10 // total if total else 0
            if shown.get(step, -1) < tenth:
                shown[step] = tenth
                print(f"  {step:<40} {tenth * 10:>3} %")

        started = time.perf_counter()
        result = upgrade.upgrade_folder(copy, progress=progress)
        total = time.perf_counter() - started
        print("seconds per step:")
        for step, seconds in result.seconds.items():
            print(f"  {step:<40} {seconds:>9,.1f} s")
        print(f"  {'all':<40} {total:>9,.1f} s")
        if result.backup is not None:
            kept = result.backup.stat().st_size
            print(f"backup before the update {kept / 1e6:,.1f} MB = {kept / before:.2%} of "
                  f"the old database (target <= 5 %)")
        after = (copy / DB_FILENAME).stat().st_size
        print(f"database {before / 1e6:,.1f} MB -> {after / 1e6:,.1f} MB "
              f"({result.compacted_bytes / 1e6:,.1f} MB given back by the compaction)"
              + (f"; {result.warning}" if result.warning else ""))
        measure(copy)
    finally:
        if not keep:
            shutil.rmtree(copy, ignore_errors=True)


def _flushing_print() -> None:
    """Each figure shows as soon as it is measured (the large shape takes long)."""
    import builtins
    import functools

    builtins.print = functools.partial(builtins.print, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[100000],
                        help="the large shape(s) (the everyday one, "
                             f"{EVERYDAY:,} participants, is always measured too)")
    parser.add_argument("--data-dir", type=Path, nargs="+", default=[],
                        help="measure these data folders instead")
    parser.add_argument("--migrate", type=Path, default=None,
                        help="copy this old folder, update it and time each step")
    parser.add_argument("--keep", action="store_true", help="keep the updated copy")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _flushing_print()
    if args.migrate is not None:
        migrate_copy(args.migrate, args.keep)
        return 0
    folders = args.data_dir or [programme(n) for n in [EVERYDAY, *args.participants]]
    for folder in folders:
        measure(folder.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
