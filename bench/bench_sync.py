"""Sync import throughput, bundle size and memory for many attendance events.

    .venv/bin/python bench/bench_sync.py [--events 1000000] [--level 9]

A trainer device holds N check-ins (sessions of 30 people from a pool of
participants); its bundle to the coordinator is exported, then imported in a
separate process (so its peak RSS is the import's own). Baseline in the same
run: a raw `executemany` of the same event rows into a bare SQLite table.
Targets: import >= 0.25x the baseline, <= 32 bytes per event, bounded RSS.

Also measured, to show where the time goes: the SQL floor of the import, i.e.
the same database work the importer does for a bulk import (insert the event
rows, apply them through the batch appliers, rebuild the deferred indexes,
commit) with every event already decoded and verified before the clock
starts, into a fresh copy of the same coordinator folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from debc_outreach.core.hlc import pack  # noqa: E402
from debc_outreach.storage import driver, events  # noqa: E402
from debc_outreach.storage.store import Store  # noqa: E402
from debc_outreach.sync import bundle, export, trust  # noqa: E402


def attendance_rows(device_id: str, count: int, seed: int = 7) -> list[tuple]:
    """Event rows of `count` check-ins, hash-chained like the app writes them."""
    rng = random.Random(seed)
    people = [str(uuid.UUID(int=rng.getrandbits(128), version=4))
              for _ in range(max(1000, count // 10))]
    rows = []
    prev = events.GENESIS_HASH
    # Sessions an hour apart, ending before now: every check-in is applied (a stamp more
    # than a day ahead of the importer's clock would be quarantined instead).
    ms = int(time.time() * 1000) - (count // 30 + 2) * 3600 * 1000 - count * 20000
    session = ""
    for seq in range(1, count + 1):
        if seq % 30 == 1:
            session = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            ms += 3600 * 1000
        ms += rng.randint(2000, 20000)
        hlc = pack(ms, 0)
        fields = {"participant_id": rng.choice(people),
                  "at": dt.datetime.fromtimestamp(ms // 1000, dt.UTC)
                  .isoformat(timespec="seconds")}
        digest = events.event_hash(device_id, seq, hlc, "attendance", session, "add", fields,
                                   {}, events.EVENT_SCHEMA_VERSION, prev)
        rows.append((device_id, seq, hlc, "attendance", session, "add", events.dumps(fields),
                     "{}", events.EVENT_SCHEMA_VERSION, prev, digest))
        prev = digest
    return rows


def baseline(rows: list[tuple], folder: Path) -> float:
    """Seconds for a raw executemany of the rows into a bare table (WAL, full sync).

    Same SQLite build as the app (storage/driver.py), same rows, one transaction.
    """
    conn = driver.connect(str(folder / "bare.sqlite"), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE event (device_id TEXT, seq INTEGER, hlc INTEGER, entity TEXT, "
                 "entity_id TEXT, op TEXT, fields TEXT, base TEXT, schema_version INTEGER, "
                 "prev_hash TEXT, hash TEXT)")
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO event VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


IMPORT_CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from debc_outreach.storage.store import Store
from debc_outreach.sync import importer
store = Store.open(Path(sys.argv[1]))
start = time.perf_counter()
report = importer.import_bundle(store, Path(sys.argv[2]))
elapsed = time.perf_counter() - start
store_applied = store.database.scalar("SELECT count(*) FROM event WHERE applied = 1")
store.close()
# VmHWM: this process image's own peak (ru_maxrss would include the parent's at fork).
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM")]
rss = int(hwm[0].split()[1]) / 1024 if hwm else \
    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "new": report.new, "quarantined": report.quarantined,
                  "applied": store_applied, "rss_mb": rss}))
"""


FLOOR_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from debc_outreach.storage import events
from debc_outreach.storage.store import Store
from debc_outreach.sync import bulk, bundle, codec, importer
from debc_outreach.sync.keys import device_keys
store = Store.open(Path(sys.argv[1]))
sealed = bundle.read_header(Path(sys.argv[2]))
key = sealed.content_key(store.device_id, device_keys(store.data_dir))
decoded = list(codec.decode(sealed.lines(key)))          # not timed
rows = [item[0] for item in decoded]
conn = store.database.conn
conn.execute(f"PRAGMA cache_size = {-importer.IMPORT_CACHE_KB}")
conn.execute("PRAGMA synchronous = NORMAL")
conn.execute(f"PRAGMA wal_autocheckpoint = {importer.IMPORT_CHECKPOINT_PAGES}")
split = {}
clock = time.perf_counter
start = clock()
conn.execute("BEGIN IMMEDIATE")
deferred = bulk.deferrable_indexes(conn, len(rows), {row[3] for row in rows})
bulk.drop(conn, deferred)
mark = clock()
events.insert_rows(conn, [(*row, 1) for row in rows])
split["insert events"], mark = clock() - mark, clock()
importer.apply_in_runs(conn, decoded)
split["apply (projections)"], mark = clock() - mark, clock()
bulk.rebuild(conn, deferred)
split["rebuild indexes"], mark = clock() - mark, clock()
conn.execute("COMMIT")
split["commit"] = clock() - mark
seconds = clock() - start
store.close()
print(json.dumps({"seconds": seconds, "split": split}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--level", type=int, default=bundle.ZSTD_LEVEL)
    args = parser.parse_args()
    bundle.ZSTD_LEVEL = args.level
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as temp:
        folder = Path(temp)
        coordinator = Store.open(folder / "coordinator", device_name="coordinator")
        trust.create_programme(coordinator, "bench")
        trainer = Store.open(folder / "trainer", device_name="trainer")
        trust.accept_enrolment(trainer, trust.approve_enrolment(
            coordinator, trust.enrol_request(trainer), ["07"]))
        coordinator.close()
        print(f"generating {args.events:,} attendance events…", flush=True)
        rows = attendance_rows(trainer.device_id, args.events)
        with trainer.database.transaction() as conn:
            events.insert_rows(conn, [(*row, 1) for row in rows])
        plain = sum(len(json.dumps({"device_id": r[0], "seq": r[1], "hlc": r[2],
                                    "entity": r[3], "entity_id": r[4], "op": r[5],
                                    "fields": json.loads(r[6]), "prev_hash": r[9],
                                    "hash": r[10]})) + 1 for r in rows[:20000])
        start = time.perf_counter()
        path = folder / "to-coordinator.debc-bundle"
        export.export_bundle(trainer, trainer.database.scalar(
            "SELECT coordinator_id FROM sync_programme"), path,
            report=None)
        export_seconds = time.perf_counter() - start
        trainer.close()
        size = path.stat().st_size
        raw_seconds = baseline(rows, folder)
        del rows
        shutil.copytree(folder / "coordinator", folder / "coordinator-floor")
        child = subprocess.run([sys.executable, "-c", IMPORT_CHILD, str(folder / "coordinator"),
                                str(path), str(ROOT)], capture_output=True, text=True,
                               check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        floor_child = subprocess.run([sys.executable, "-c", FLOOR_CHILD,
                                      str(folder / "coordinator-floor"), str(path), str(ROOT)],
                                     capture_output=True, text=True, check=True)
        floor = json.loads(floor_child.stdout.strip().splitlines()[-1])
    n = args.events
    import_rate = n / result["seconds"]
    raw_rate = n / raw_seconds
    print(f"events:                 {n:,}")
    print(f"zstd level:             {args.level}")
    print(f"plain NDJSON (sample):  {plain / min(n, 20000):.1f} B/event")
    print(f"bundle size:            {size:,} B = {size / n:.1f} B/event (target <= 32)")
    print(f"export:                 {export_seconds:.1f} s ({n / export_seconds:,.0f} ev/s)")
    print(f"baseline executemany:   {raw_seconds:.2f} s ({raw_rate:,.0f} ev/s)")
    print(f"import (verify+apply):  {result['seconds']:.1f} s ({import_rate:,.0f} ev/s); "
          f"{result['new']:,} new, {result['applied']:,} applied, "
          f"{result['quarantined']:,} quarantined")
    print(f"ratio import/baseline:  {import_rate / raw_rate:.2f}x (target >= 0.25x)")
    floor_rate = n / floor["seconds"]
    print(f"SQL floor of import:    {floor['seconds']:.1f} s ({floor_rate:,.0f} ev/s) = "
          f"{floor_rate / raw_rate:.2f}x the baseline with decoding free ("
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in floor["split"].items())
          + ")")
    print(f"import peak RSS:        {result['rss_mb']:.0f} MB")
    print(f"bench process RSS:      "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
