"""Field versions: one row per field (schema 0021) against one row per record (0022).

    .venv/bin/python bench/bench_field_versions.py [--participants 20000]
    .venv/bin/python bench/bench_field_versions.py --data-dir DIR   # a folder at schema 0021

Without --data-dir a demo programme is made once (sessions: one per 40 participants)
into `.bench-data/field-versions-<participants>/` (gitignored) and kept; its versions
are put back into the one-row-per-field table an older version of the app kept. With
--data-dir the folder's database is copied into `.bench-data/` (the folder itself is
only read) and the copy is deleted at the end.

Reports, from SQLite's `dbstat`, the bytes of the old table and of the new ones
(target: <= 100 MB at 1,000,000 participants, i.e. about 100 bytes a record), and
the seconds migration 0022 takes against, as the baseline in the same run, reading
every old row in key order; then checks that every version is the same as before.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo_programme import demo_programme  # noqa: E402

from debc_outreach.storage import driver, field_versions, migrations  # noqa: E402
from debc_outreach.storage.database import DB_FILENAME  # noqa: E402

DATA = ROOT / ".bench-data"
MIGRATION = "0022_field_versions_compact"
NEW_TABLES = ("record_version", "version_device", "version_entity")


def programme(participants: int) -> Path:
    return demo_programme(DATA / f"field-versions-{participants}", participants)


def to_old_layout(conn) -> None:
    """Give a database of schema 0022 the one-row-per-field table of schema 0021."""
    conn.execute("BEGIN")
    rows = list(field_versions.rows(conn))
    conn.execute("CREATE TABLE field_version (entity TEXT NOT NULL, entity_id TEXT NOT NULL, "
                 "field TEXT NOT NULL, hlc INTEGER NOT NULL, device_id TEXT NOT NULL, "
                 "PRIMARY KEY (entity, entity_id, field)) WITHOUT ROWID")
    conn.executemany("INSERT INTO field_version VALUES (?, ?, ?, ?, ?)", sorted(rows))
    for table in NEW_TABLES:
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DELETE FROM _migrations WHERE name = ?", (MIGRATION,))
    conn.execute("COMMIT")
    conn.execute("VACUUM")


def sizes(path: Path, names: tuple[str, ...]) -> dict[str, int]:
    """Bytes per table from `dbstat` (Python's SQLite has it; the app's build does not)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {name: conn.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat "
                                   "WHERE name = ?", (name,)).fetchone()[0] for name in names}
    finally:
        conn.close()


def measure(path: Path) -> None:
    conn = driver.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    applied = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    if MIGRATION in applied:
        to_old_layout(conn)
    records = conn.execute("SELECT count(*) FROM (SELECT DISTINCT entity, entity_id "
                           "FROM field_version)").fetchone()[0]
    participants = conn.execute("SELECT count(*) FROM participant").fetchone()[0]
    before = sizes(path, ("field_version",))["field_version"]
    start = time.perf_counter()
    old = list(conn.execute("SELECT * FROM field_version ORDER BY entity, entity_id"))
    baseline = time.perf_counter() - start
    heard: list[tuple[int, int]] = []
    progress = migrations._progress.set(lambda _name, done, total: heard.append((done, total)))
    running = migrations._running.set(MIGRATION)
    try:
        start = time.perf_counter()
        conn.execute("BEGIN")
        next(m for m in migrations.MIGRATIONS if m.name == MIGRATION).apply(conn)
        conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, 'bench')",
                     (MIGRATION,))
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
    finally:
        migrations._running.reset(running)
        migrations._progress.reset(progress)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after = sizes(path, NEW_TABLES)
    same = sorted(field_versions.rows(conn)) == sorted(old)
    conn.close()
    new = sum(after.values())
    print(f"participants:            {participants:,} ({records:,} records with versions, "
          f"{len(old):,} field versions)")
    print(f"one row per field:       {before / 1e6:.1f} MB ({before / records:.0f} B a record)")
    print(f"one row per record:      {new / 1e6:.1f} MB ({new / records:.0f} B a record; "
          + ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in after.items()) + ")")
    print(f"at 1,000,000 people:     about {new / max(participants, 1):.0f} MB "
          f"(target <= 100 MB)")
    print(f"migration 0022:          {seconds:.1f} s = {seconds / baseline:.1f}x reading every "
          f"old row ({baseline:.1f} s); {len(heard)} progress reports, last {heard[-1]}")
    print(f"every version the same:  {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="field-versions-", dir=DATA) as temp:
        source = args.data_dir or programme(args.participants)
        path = Path(temp) / DB_FILENAME
        print(f"copying {source / DB_FILENAME}…", flush=True)
        shutil.copyfile(source / DB_FILENAME, path)
        measure(path)


if __name__ == "__main__":
    main()
