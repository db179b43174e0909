"""How much room the event log takes, before and after it is stored compactly.

Usage: python bench/bench_event_storage.py DATA_FOLDER [--full-check]

DATA_FOLDER holds an `outreach.sqlite` written before the compact layout (a copy: it is
migrated in place). Prints, from SQLite's dbstat, the bytes of the log and its index
before and after migration 0024, per event; the migration's time; and the time of
`db check` (check_database) before and after, as a ratio measured in the same run.
Every chain must verify exactly as before (the same problems, usually none).
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from debc_outreach.storage import events, migrations  # noqa: E402
from debc_outreach.storage.check import check_database  # noqa: E402
from debc_outreach.storage.database import DB_FILENAME, Database  # noqa: E402

LOG_OBJECTS = ("event", "event_entity", "event_row", "event_device", "event_name",
               "sqlite_autoindex_event_1", "sqlite_autoindex_event_device_1",
               "sqlite_autoindex_event_name_1")


def log_bytes(path: Path) -> dict[str, int]:
    """Bytes of each table and index of the log, from dbstat (Python's SQLite has it; the
    app's SQLCipher build does not)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {name: size for name in LOG_OBJECTS for (size,) in conn.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name = ?", (name,)) if size}
    finally:
        conn.close()


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def main() -> None:
    folder = Path(sys.argv[1])
    database = Database(folder / DB_FILENAME)
    database.configure_for_writing()
    full = "--full-check" in sys.argv
    total = events.count(database.conn)
    before = log_bytes(folder / DB_FILENAME)
    chains_before, verify_before = timed(lambda: events.verify_chains(database.conn))
    problems_before, check_before = timed(lambda: check_database(database)) if full \
        else ([], 0.0)

    def progress(_name: str, done: int, all_rows: int) -> None:
        if done == all_rows or done % 500_000 < 20_000:
            print(f"  migrating: {done:,} / {all_rows:,}", flush=True)

    applied, migrate_seconds = timed(
        lambda: migrations.migrate(database, folder / "backups", progress))
    database.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    after = log_bytes(folder / DB_FILENAME)
    chains_after, verify_after = timed(lambda: events.verify_chains(database.conn))
    problems_after, check_after = timed(lambda: check_database(database)) if full \
        else ([], 0.0)
    database.close()

    print(f"events:                    {total:,}")
    print(f"migrations applied:        {', '.join(applied) or 'none'}")
    for label, sizes in (("before", before), ("after", after)):
        whole = sum(sizes.values())
        parts = ", ".join(f"{name} {size / 1e6:,.1f} MB" for name, size in sorted(sizes.items()))
        print(f"log {label:6}                {whole / 1e6:,.1f} MB = "
              f"{whole / max(total, 1):,.0f} B/event ({parts})")
    print(f"migration 0024:            {migrate_seconds:,.1f} s "
          f"({total / max(migrate_seconds, 1e-9):,.0f} events/s)")
    print(f"verify_chains before/after: {verify_before:,.1f} s / {verify_after:,.1f} s = "
          f"{verify_after / max(verify_before, 1e-9):.2f}x")
    print(f"chains verify as before:   {chains_after == chains_before} "
          f"({len(chains_after)} problems)")
    if full:
        print(f"db check before / after:   {check_before:,.1f} s / {check_after:,.1f} s = "
              f"{check_after / max(check_before, 1e-9):.2f}x; problems "
              f"{len(problems_before)} before, {len(problems_after)} after")


if __name__ == "__main__":
    main()
