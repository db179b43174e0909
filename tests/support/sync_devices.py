"""A small programme of devices (coordinator + trainers) in temporary folders, for sync tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

from debc_outreach.storage import field_versions
from debc_outreach.storage.store import Store
from debc_outreach.sync import export, importer, trust

PROVINCE = "07"           # Kampot
VILLAGE_IN = "07010101"
VILLAGE_OUT = "12010101"  # Phnom Penh


def open_device(folder: Path, name: str) -> Store:
    return Store.open(folder, device_name=name)


def make_programme(root: Path, trainers: int = 1, scopes: list[list[str]] | None = None
                   ) -> tuple[Store, list[Store]]:
    """Coordinator plus enrolled trainers (scope Kampot unless given)."""
    coordinator = open_device(root / "coordinator", "coordinator")
    trust.create_programme(coordinator, "Kampot 2026")
    devices = []
    for number in range(trainers):
        trainer = open_device(root / f"trainer{number}", f"trainer {number}")
        scope = scopes[number] if scopes else [PROVINCE]
        document = trust.approve_enrolment(coordinator, trust.enrol_request(trainer), scope)
        trust.accept_enrolment(trainer, document)
        devices.append(trainer)
    return coordinator, devices


def send(sender: Store, recipient: Store, folder: Path) -> importer.ImportReport:
    """Export from sender to recipient and import it there."""
    path = folder / export.bundle_filename(sender, recipient.device_id)
    folder.mkdir(parents=True, exist_ok=True)
    export.export_bundle(sender, recipient.device_id, path)
    return importer.import_bundle(recipient, path)


def db_fingerprint(store: Store) -> tuple:
    """Bytes of the SQLite file and its WAL, plus row counts of every table."""
    base = store.database.path
    digests = []
    for path in (base, base.with_name(base.name + "-wal")):
        digests.append(hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "")
    tables = [row[0] for row in store.database.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '%fts%' ORDER BY name")]
    counts = {table: store.database.scalar(f"SELECT count(*) FROM {table}") for table in tables}
    return tuple(digests), counts


def projection_snapshot(store: Store) -> dict:
    """Every synced table's rows (what a user sees), for convergence checks."""
    conn = store.database.conn
    snapshot = {}
    for table in ("trainer", "participant", "session", "attendance", "checklist_result",
                  "conflict", "conflict_resolution"):
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        if exists:
            snapshot[table] = sorted(map(tuple, conn.execute(f"SELECT * FROM {table}")))
    # Device ids and field names: each computer numbers them in its own order.
    snapshot["field_version"] = sorted(field_versions.rows(conn))
    return snapshot
