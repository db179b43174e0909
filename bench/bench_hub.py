"""Sync hub throughput and latency under 50 devices pushing at once, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_hub.py [--devices 50] [--events 1000] [--db sqlite,postgresql]

Simulated devices (real keys, certificates, bundles and signed requests;
tests/support/hub_sim.py) push N events each concurrently to a real uvicorn hub on
127.0.0.1, then each pulls its scope. Reported: events ingested per second
(wall time of the push phase), p50/p95/max request latency, pull time. The hub
runs as `hub serve` in its own process.
Baseline in the same run: a raw `executemany` of the same event rows into a
bare table of the same database (the storage floor), and the ratio to it.
PostgreSQL runs on a throwaway cluster (as in the tests) when initdb exists.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from support.hub_server import (  # noqa: E402
    HubProcess,
    ThrowawayPostgres,
    enrolled_hub,
    postgres_bin,
)
from support.hub_sim import SimDevice  # noqa: E402

from debc_outreach.hub.db import HubDB  # noqa: E402
from debc_outreach.storage.store import Store  # noqa: E402
from debc_outreach.sync import trust  # noqa: E402

PROVINCES = ["01", "02", "03", "07", "12"]


def baseline(url: str, rows: list[tuple]) -> float:
    """Seconds for one executemany of the rows into a bare table (one transaction)."""
    db = HubDB(url)
    db.execute("CREATE TABLE IF NOT EXISTS bare (device_id TEXT, seq BIGINT, hlc BIGINT, "
               "entity TEXT, entity_id TEXT, op TEXT, fields TEXT, base TEXT, "
               "schema_version INTEGER, prev_hash TEXT, hash TEXT, PRIMARY KEY (device_id, seq))")
    started = time.perf_counter()
    with db.transaction():
        db.executemany("INSERT INTO bare VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - started
    db.execute("DROP TABLE bare")
    db.close()
    return elapsed


def run(label: str, root: Path, url: str | None, devices_n: int, events_n: int) -> None:
    coordinator = Store.open(root / "coordinator", device_name="coordinator")
    trust.create_programme(coordinator, "Bench")
    hub = enrolled_hub(root / "hub", coordinator, url)
    devices = [SimDevice(coordinator, PROVINCES[n % len(PROVINCES)], f"d{n}")
               for n in range(devices_n)]
    for device in devices:
        device.record(events_n)
    spool = root / "spool"
    spool.mkdir()
    bundles = [device.seal(spool, hub.device_id, hub.keys.enc_public) for device in devices]
    hub_folder = hub.folder
    hub.close()
    with HubProcess(root, hub_folder, "--rate", "10000",
                    *(["--db", url] if url else [])) as running:
        def push(number: int) -> None:
            with httpx.Client(base_url=running.url, timeout=120) as http:
                devices[number].push(http, bundles[number], chunk=256 << 10)

        started = time.perf_counter()
        with ThreadPoolExecutor(devices_n) as pool:
            list(pool.map(push, range(devices_n)))
        push_seconds = time.perf_counter() - started
        reader = HubDB(url or str(hub_folder / "hub.sqlite3"))
        stored = reader.scalar("SELECT count(*) FROM hub_event")
        reader.close()
        push_latency = sorted(t for device in devices for t in device.latency)
        for device in devices:
            device.latency.clear()

        def pull(device: SimDevice) -> int:
            with httpx.Client(base_url=running.url, timeout=120) as http:
                return len(device.pull(http, spool, {device.device_id: events_n}))

        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            pulled = sum(pool.map(pull, devices))
        pull_seconds = time.perf_counter() - started
        pull_latency = sorted(t for device in devices for t in device.latency)
    rows = [row for device in devices for row in device.rows]
    floor_url = url or str(root / "floor.sqlite3")
    floor = baseline(floor_url, rows)
    total = devices_n * events_n
    rate = total / push_seconds

    def p(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))] * 1000

    print(f"[{label}] {devices_n} devices x {events_n} events pushed concurrently: "
          f"{stored} stored (expected {total})")
    print(f"[{label}] ingest {rate:,.0f} events/s ({push_seconds:.2f} s); raw executemany "
          f"floor {total / floor:,.0f} events/s; ratio {rate / (total / floor):.3f}")
    print(f"[{label}] push request latency p50 {p(push_latency, .5):.0f} ms, "
          f"p95 {p(push_latency, .95):.0f} ms, max {push_latency[-1] * 1000:.0f} ms "
          f"({len(push_latency)} requests)")
    print(f"[{label}] pull: {pulled} events to {devices_n} devices in {pull_seconds:.2f} s "
          f"({pulled / pull_seconds:,.0f} events/s); latency p50 {p(pull_latency, .5):.0f} ms, "
          f"p95 {p(pull_latency, .95):.0f} ms; median "
          f"{statistics.median(pull_latency) * 1000:.0f} ms")
    coordinator.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    for backend in args.db.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-hub-") as folder:
            root = Path(folder)
            if backend == "sqlite":
                run("sqlite", root, None, args.devices, args.events)
            elif backend == "postgresql":
                binary = postgres_bin()
                if binary is None:
                    print("[postgresql] skipped: no initdb on this machine")
                    continue
                server = ThrowawayPostgres(binary).start()
                try:
                    run("postgresql", root, server.fresh_database("bench"), args.devices,
                        args.events)
                finally:
                    server.stop()


if __name__ == "__main__":
    main()
