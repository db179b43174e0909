"""Backup size and time, restore time, and the database's size per participant.

    .venv/bin/python bench/bench_backup.py [--participants 10000 1000000] [--level 9]
    .venv/bin/python bench/bench_backup.py --data-dir DIR     # a folder made before

Each programme is made once with `demo-data` (sessions: one per 40 participants)
into `.bench-data/backup-<participants>/` (gitignored) and kept for the next runs.
For each it reports:

- the database size (checkpointed) and, from SQLite's `dbstat`, its bytes per
  participant and the largest tables (figures for compacting the database);
- the backup (`sync/backup.py`: compressed event log, keys and settings): its
  size as a share of the database (target <= 5 %) and bytes per event, the
  seconds to write it, and as the baseline in the same run the seconds of the
  full copy the app made before (SQLite's backup API);
- the restore: seconds to rebuild every table from the backup into a fresh
  folder and check it (`db check`), against copying the full copy back.
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

from debc_outreach.storage.backup import backup_database  # noqa: E402
from debc_outreach.storage.database import DB_FILENAME  # noqa: E402
from debc_outreach.storage.store import Store  # noqa: E402
from debc_outreach.sync import backup, restore  # noqa: E402

DATA = ROOT / ".bench-data"


def programme(participants: int) -> Path:
    return demo_programme(DATA / f"backup-{participants}", participants)


def checkpointed_size(folder: Path) -> int:
    with Store.open(folder) as store:
        store.database.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return (folder / DB_FILENAME).stat().st_size


def table_sizes(path: Path) -> list[tuple[str, int]]:
    """Bytes per table with its indexes, from `dbstat` (Python's SQLite has it; the
    app's SQLCipher build does not)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        owners = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master "
                                   "WHERE type IN ('table', 'index')"))
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            owner = owners.get(name, name)
            if owner.startswith("participant_fts"):
                owner = "participant_fts"
            sizes[owner] = sizes.get(owner, 0) + size
    finally:
        conn.close()
    return sorted(sizes.items(), key=lambda item: -item[1])


def counts(folder: Path) -> dict[str, int]:
    with Store.open(folder) as store:
        found = {table: store.database.scalar(f"SELECT count(*) FROM {table}")
                 for table in ("participant", "attendance", "event")}
        # A checklist row holds one character per result (storage/projection/checklist_rows.py).
        found["checklist_result"] = store.database.scalar(
            "SELECT coalesce(sum(length(achieved) + length(not_yet) + length(not_assessed)), 0) "
            "FROM checklist_row")
        return found


def measure(folder: Path, level: int) -> None:
    size = checkpointed_size(folder)
    rows = counts(folder)
    print(f"\n== {rows['participant']:,} participants, {rows['attendance']:,} check-ins, "
          f"{rows['checklist_result']:,} checklist results, {rows['event']:,} events")
    print(f"database {size / 1e6:,.1f} MB, {size / max(1, rows['participant']):,.0f} B per "
          f"participant (dbstat, tables with their indexes):")
    for table, table_size in table_sizes(folder / DB_FILENAME)[:8]:
        print(f"  {table:<24} {table_size / 1e6:>9,.1f} MB "
              f"{table_size / max(1, rows['participant']):>7,.0f} B/participant")

    work = DATA / f"backup-work-{folder.name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        with Store.open(folder) as store:
            started = time.perf_counter()
            full = backup_database(store.database, work / "full.sqlite")
            full_seconds = time.perf_counter() - started
            result = backup.write_backup(store.database, folder, work / f"b{backup.SUFFIX}",
                                         level=level)
        share = result.size / size
        print(f"backup  {result.size / 1e6:,.2f} MB = {share:.2%} of the database "
              f"(target <= 5 %), {result.size / max(1, result.events):.1f} B per event; "
              f"{result.seconds:,.1f} s against {full_seconds:,.1f} s for a full copy "
              f"({result.seconds / full_seconds:.2f}x)")
        started = time.perf_counter()
        restore.restore(work / "restored", result.path)
        restore_seconds = time.perf_counter() - started
        restored_rows = counts(work / "restored")
        assert restored_rows == rows, (restored_rows, rows)
        print(f"restore {restore_seconds:,.1f} s (every table rebuilt from the log and "
              f"checked)")
        shutil.rmtree(work / "restored")            # the disk is shared: one copy at a time
        started = time.perf_counter()
        restore.restore(work / "from-full", full)
        full_restore_seconds = time.perf_counter() - started
        print(f"        against {full_restore_seconds:,.1f} s from the full copy (checked "
              f"and copied): {restore_seconds / full_restore_seconds:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _flushing_print() -> None:
    """Each figure shows as soon as it is measured (the large shape takes long)."""
    import builtins
    import functools

    builtins.print = functools.partial(builtins.print, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[10000, 1000000])
    parser.add_argument("--data-dir", type=Path, nargs="+", default=[],
                        help="measure these data folders instead (e.g. a larger programme "
                             "made with demo-data before)")
    parser.add_argument("--level", type=int, default=backup.ZSTD_LEVEL,
                        help="zstd level of the backup")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _flushing_print()
    folders = args.data_dir or [programme(n) for n in args.participants]
    for folder in folders:
        measure(folder.resolve(), args.level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
