"""Checklist results: one row per cell (before 0023) vs one compact row per person and session.

Takes a data folder at a schema before `0023_checklist_rows_compact` (a demo
programme made by an earlier build, e.g. `debc-outreach demo-data`) and, in one run:

1. sizes from SQLite's `dbstat` of `checklist_result` and its index;
2. fills the compact rows, timed: the migration's work (its last step, dropping
   the old table, comes at the end);
3. sizes of the compact rows, their session index and the three key tables;
4. interleaved, `--runs` times, the old query against the code the app runs now,
   checking both give the same answer: the skills walk behind the reports and the
   dashboard (skills per module over every result), the session grid of
   `--sample` sessions, a person's history (items achieved per session) of
   `--sample` people, the item ids results were recorded against (content
   import), and a sync import of the ticks of `--import-sessions` sessions into
   empty tables in memory (applied twice: fresh, then all already there);
   ratios new / old (below 1 is faster);
5. drops the old table and records the migration, as `Store.open` would.

    .venv/bin/python bench/bench_checklist_rows.py DATA_DIR [--runs N] [--sample N]
                                                   [--import-sessions N]

The folder is changed in place: run it on a copy.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OLD_TABLES = ("checklist_result", "checklist_participant")
NEW_TABLES = ("checklist_row", "checklist_row_session", "checklist_session_key",
              "checklist_item_key", "checklist_device_key")


def _sizes(path: Path, names: tuple[str, ...]) -> dict[str, float]:
    """MB per table or index, autoindexes of the key tables counted with them (Python's
    SQLite has `dbstat`; the app's driver does not)."""
    sizes: dict[str, float] = {}
    with contextlib.closing(sqlite3.connect(path)) as conn:
        found = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    for name, size in found:
        owner = next((table for table in names if name == table
                      or name.startswith(f"sqlite_autoindex_{table}_")), None)
        if owner:
            sizes[owner] = sizes.get(owner, 0) + size / 1e6
    return sizes


def _old_skills(conn, codes: dict[str, str]) -> dict[str, tuple]:
    """The skills walk as it was (reports/scan.py over the covering index), no filter."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS old_item (item_id TEXT PRIMARY KEY, "
                 "code TEXT) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS old_absent (session_id TEXT, "
                 "participant_id TEXT, PRIMARY KEY (session_id, participant_id)) WITHOUT ROWID")
    conn.execute("DELETE FROM temp.old_item")
    conn.execute("DELETE FROM temp.old_absent")
    conn.executemany("INSERT INTO temp.old_item VALUES (?, ?)", codes.items())
    conn.execute("INSERT INTO temp.old_absent SELECT session_id, participant_id "
                 "FROM attendance WHERE present = 0")
    cursor = conn.execute(
        "SELECT c.participant_id, "
        "group_concat(CASE WHEN c.state = 'achieved' THEN i.code END, ''), "
        "group_concat(CASE WHEN c.state != 'not_assessed' THEN i.code END, '') "
        "FROM checklist_result c INDEXED BY checklist_participant "
        "JOIN temp.old_item i ON i.item_id = c.item_id "
        "WHERE NOT EXISTS (SELECT 1 FROM temp.old_absent x WHERE x.session_id = "
        "c.session_id AND x.participant_id = c.participant_id) GROUP BY c.participant_id")
    return _count(cursor, conn, codes)


def _count(cursor, conn, codes: dict[str, str]) -> dict[str, tuple]:
    """What scan.skills did with the walk's rows, line for line, then scan.count_codes."""
    from debc_outreach.reports import scan

    kept = {row[0]: (row[1] or row[0], row[2]) for row in conn.execute(
        "SELECT id, merged_into, deleted FROM participant WHERE merged_into != '' "
        "OR deleted != 0")}
    held_back = {row[0] for row in conn.execute(
        "SELECT DISTINCT merged_into FROM participant WHERE merged_into != ''")}

    def people():
        found: dict[str, tuple[str, str]] = {}
        while rows := cursor.fetchmany(2000):
            for participant_id, achieved, assessed in rows:
                person_id, deleted = kept.get(participant_id, (participant_id, 0))
                if deleted or (person_id != participant_id
                               and kept.get(person_id, ("", 0))[1]):
                    continue
                if person_id == participant_id and person_id not in held_back:
                    yield person_id, achieved or "", assessed or ""
                    continue
                before = found.get(person_id, ("", ""))
                found[person_id] = (before[0] + (achieved or ""),
                                    before[1] + (assessed or ""))
        for person_id, (achieved, assessed) in found.items():
            yield person_id, achieved, assessed

    return scan.count_codes(people(), codes)


def _old_grid(conn, session_id: str) -> dict:
    return {(row[0], row[1]): row[2] for row in conn.execute(
        "SELECT participant_id, item_id, state FROM checklist_result WHERE session_id = ?",
        (session_id,))}


def _old_history(conn, person: str, session_ids: list[str]) -> list[set[str]]:
    return [{row[0] for row in conn.execute(
        "SELECT DISTINCT item_id FROM checklist_result WHERE session_id = ? AND "
        "participant_id = ? AND state = 'achieved'", (session_id, person))}
        for session_id in session_ids]


def _new_history(conn, person: str, session_ids: list[str]) -> list[set[str]]:
    """What storage/registry.attended now asks: every session of the person at once."""
    from debc_outreach.storage.projection import checklist_rows

    achieved = checklist_rows.achieved_by_session(conn, [person], session_ids)
    return [achieved.get(session_id, set()) for session_id in session_ids]


_OLD_UPSERT = ("INSERT INTO checklist_result VALUES (?, ?, ?, ?, ?, ?) "
               "ON CONFLICT (session_id, participant_id, item_id) DO UPDATE SET "
               "state = excluded.state, hlc = excluded.hlc, device_id = excluded.device_id "
               "WHERE (excluded.hlc, excluded.device_id) > (checklist_result.hlc, "
               "checklist_result.device_id)")
_OLD_TABLE = ("CREATE TABLE checklist_result (session_id TEXT NOT NULL, participant_id TEXT "
              "NOT NULL, item_id TEXT NOT NULL, state TEXT NOT NULL, hlc INTEGER NOT NULL, "
              "device_id TEXT NOT NULL, PRIMARY KEY (session_id, participant_id, item_id)) "
              "WITHOUT ROWID; CREATE INDEX checklist_participant ON checklist_result "
              "(participant_id, state)")


def _ticks(conn, sessions: int) -> list[tuple]:
    """The ticks behind the results of `sessions` sessions, as batch applier items:
    one event per (session, item, state, HLC, device), listing its participants."""
    from debc_outreach.storage.events import Event

    grouped: dict[tuple, list[str]] = {}
    for session_id, person, item, state, hlc, device in conn.execute(
            "SELECT session_id, participant_id, item_id, state, hlc, device_id FROM "
            "checklist_result WHERE session_id IN (SELECT DISTINCT session_id FROM "
            "checklist_result LIMIT ?)", (sessions,)):
        grouped.setdefault((session_id, item, state, hlc, device), []).append(person)
    events = [Event(device, 1, hlc, "checklist", session_id, "set",
                    {"participant_ids": people, "item_id": item, "state": state})
              for (session_id, item, state, hlc, device), people in grouped.items()]
    return [(event.as_row(), event.fields, event.base) for event in events]


def _import_old(ticks: list[tuple]) -> int:
    """Apply `ticks` twice (a fresh import, then the same again) the old way; the
    number of results held."""
    from debc_outreach.storage.events import DEVICE_ID, ENTITY_ID, HLC

    conn = sqlite3.connect(":memory:")
    conn.executescript(_OLD_TABLE)
    for _again in range(2):
        for first in range(0, len(ticks), 10000):
            cells = [(row[ENTITY_ID], person, fields["item_id"], fields["state"], row[HLC],
                      row[DEVICE_ID]) for row, fields, _base in ticks[first:first + 10000]
                     for person in fields["participant_ids"]]
            conn.executemany(_OLD_UPSERT, cells)
    return conn.execute("SELECT count(*) FROM checklist_result").fetchone()[0]


def _import_new(ticks: list[tuple]) -> int:
    from debc_outreach.storage.projection import checklist, checklist_rows

    conn = sqlite3.connect(":memory:")
    checklist_rows.create(conn)
    for _again in range(2):
        for first in range(0, len(ticks), 10000):
            checklist.apply_batch(conn, ticks[first:first + 10000])
    return conn.execute("SELECT sum(length(achieved) + length(not_yet) + "
                        "length(not_assessed)) FROM checklist_row").fetchone()[0]


def _timed(function):
    start = time.perf_counter()
    answer = function()
    return time.perf_counter() - start, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--import-sessions", type=int, default=1000,
                        help="sessions whose ticks the import case applies")
    args = parser.parse_args()

    from debc_outreach.reports import scan
    from debc_outreach.reports.filters import ReportFilter
    from debc_outreach.storage import checklist, migrations
    from debc_outreach.storage.database import DB_FILENAME, Database
    from debc_outreach.storage.projection import checklist_rows

    database = Database(args.data_dir / DB_FILENAME)
    database.configure_for_writing()
    conn = database.conn
    applied = migrations.applied_migrations(database)
    if "0023_checklist_rows_compact" in applied or not applied:
        sys.exit("Give a data folder at a schema before 0023_checklist_rows_compact.")
    cells = conn.execute("SELECT count(*) FROM checklist_result").fetchone()[0]
    print(f"{cells:,} checklist results; schema {applied[-1]}", flush=True)
    old_sizes = _sizes(database.path, OLD_TABLES)

    def progress(name: str, done: int, total: int) -> None:
        print(f"\r  filling: {done:,} / {total:,}", end="", file=sys.stderr, flush=True)

    token = migrations._progress.set(progress)
    running = migrations._running.set("fill")
    try:
        start = time.perf_counter()
        with database.transaction() as write:
            migrations.fill_checklist_rows(write)
        fill_seconds = time.perf_counter() - start
    finally:
        migrations._running.reset(running)
        migrations._progress.reset(token)
    print(file=sys.stderr)
    # Both layouts read from the database file, not one of them from the write-ahead log.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    rows = conn.execute("SELECT count(*) FROM checklist_row").fetchone()[0]

    rng = random.Random(23)
    session_ids = [row[0] for row in conn.execute(
        "SELECT DISTINCT session_id FROM checklist_result")]
    sessions = rng.sample(session_ids, min(args.sample, len(session_ids)))
    people = [row[0] for row in conn.execute(
        "SELECT participant_id FROM attendance WHERE present = 1 ORDER BY random() LIMIT ?",
        (args.sample,))]
    visits = {person: [row[0] for row in conn.execute(
        "SELECT session_id FROM attendance WHERE participant_id = ?", (person,))]
        for person in people}
    item_ids = sorted(row[0] for row in conn.execute(
        "SELECT DISTINCT item_id FROM checklist_result"))
    codes = scan.item_codes(item_ids)

    cases = {
        "skills walk (reports, dashboard)": (
            lambda: _old_skills(conn, codes),
            lambda: scan.count_codes(scan.skills(database, ReportFilter(), codes), codes)),
        f"session grid x{len(sessions)}": (
            lambda: [_old_grid(conn, s) for s in sessions],
            lambda: [checklist.results(conn, s) for s in sessions]),
        f"person history x{len(people)}": (
            lambda: [_old_history(conn, p, visits[p]) for p in people],
            lambda: [_new_history(conn, p, visits[p]) for p in people]),
        "item ids recorded (content import)": (
            lambda: {row[0] for row in conn.execute(
                "SELECT DISTINCT item_id FROM checklist_result")},
            lambda: checklist_rows.recorded_items(conn)),
    }
    ticks = _ticks(conn, args.import_sessions)
    imported = sum(len(fields["participant_ids"]) for _row, fields, _base in ticks)
    import_name = f"sync import: {imported:,} results twice"
    cases[import_name] = (lambda: _import_old(ticks), lambda: _import_new(ticks))
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cases}
    for _run in range(args.runs):
        for name, (old, new) in cases.items():
            old_seconds, old_answer = _timed(old)
            new_seconds, new_answer = _timed(new)
            assert old_answer == new_answer, f"{name}: the two layouts disagree"
            times[name][0].append(old_seconds)
            times[name][1].append(new_seconds)

    start = time.perf_counter()
    with database.transaction() as write:
        write.execute("DROP TABLE checklist_result")
        write.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                      ("0023_checklist_rows_compact", dt.datetime.now(dt.UTC).isoformat()))
    drop_seconds = time.perf_counter() - start
    database.close()
    new_sizes = _sizes(args.data_dir / DB_FILENAME, NEW_TABLES)

    old_total, new_total = sum(old_sizes.values()), sum(new_sizes.values())
    print(f"\nsizes (dbstat MB): before {old_total:,.1f} "
          f"({', '.join(f'{k} {v:,.1f}' for k, v in old_sizes.items())})")
    print(f"                   after  {new_total:,.1f} "
          f"({', '.join(f'{k} {v:,.1f}' for k, v in new_sizes.items())})")
    print(f"                   {new_total / old_total:.3f} of before; "
          f"{new_total * 1e6 / cells:.1f} B per result; {rows:,} rows")
    print(f"migration: fill {fill_seconds:.1f} s + drop {drop_seconds:.1f} s "
          f"({cells / fill_seconds:,.0f} results/s)")
    print(f"\nmedian of {args.runs} runs, same answers checked     old s     new s   new/old")
    for name, (old, new) in times.items():
        before, after = statistics.median(old), statistics.median(new)
        print(f"  {name:<44} {before:8.3f}  {after:8.3f}  {after / before:7.3f}")


if __name__ == "__main__":
    main()
