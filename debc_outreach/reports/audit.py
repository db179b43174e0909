"""The export log: who exported what, when, with which filters, how many rows.

Kept locally (not synced): it records what left this computer. Each export
writes its row after the file is in place.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from debc_outreach.storage.database import Database


@dataclass(frozen=True)
class AuditEntry:
    at: str
    device_id: str
    trainer_id: str
    trainer_name: str
    kind: str
    format: str
    path: str
    filters: dict
    rows: int
    named: int
    unnamed: int

    def as_json(self) -> dict:
        return dict(self.__dict__)


def record_export(database: Database, *, device_id: str, trainer_id: str, trainer_name: str,
                  kind: str, fmt: str, path: str, filters: dict, rows: int, named: int,
                  unnamed: int) -> AuditEntry:
    entry = AuditEntry(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), device_id,
                       trainer_id, trainer_name, kind, fmt, path, filters, rows, named, unnamed)
    with database.transaction() as conn:
        conn.execute(
            "INSERT INTO export_audit (at, device_id, trainer_id, trainer_name, kind, format, "
            "path, filters, rows, named, unnamed) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (entry.at, device_id, trainer_id, trainer_name, kind, fmt, path,
             json.dumps(filters, ensure_ascii=False, sort_keys=True), rows, named, unnamed))
    return entry


def entries(database: Database, limit: int = 200) -> list[AuditEntry]:
    """Newest first."""
    return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7] or "{}"),
                       r[8], r[9], r[10]) for r in database.conn.execute(
        "SELECT at, device_id, trainer_id, trainer_name, kind, format, path, filters, rows, "
        "named, unnamed FROM export_audit ORDER BY id DESC LIMIT ?", (limit,))]
