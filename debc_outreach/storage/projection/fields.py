"""Plain entities: merged field by field, last writer wins by (HLC, device id).

storage/field_versions.py remembers who wrote each field last.

Conflicts. A field value is a conflict when it lost to the winner although
nobody overwrote it after seeing it (no event has it as `base`). That rule
does not depend on the order events arrive in, so every device keeps the
same conflicts. The loser's value stays in the event log; `conflict` points
at it for the Conflicts screen.
"""

from __future__ import annotations

import json
import sqlite3

from debc_outreach.storage import events, field_versions
from debc_outreach.storage.events import Event
from debc_outreach.storage.projection.spec import Entity


def current_base(conn: sqlite3.Connection, entity: str, entity_id: str, fields: dict) -> dict:
    """The version (HLC) of each field a local edit overwrites."""
    seen = field_versions.read(conn, entity, entity_id)
    return {name: seen[name][0] if name in seen else 0 for name in fields}


def _saw(conn: sqlite3.Connection, event: Event, name: str, base: int) -> None:
    conn.execute("INSERT OR IGNORE INTO field_seen VALUES (?, ?, ?, ?)",
                 (event.entity, event.entity_id, name, base))
    conn.execute("DELETE FROM conflict WHERE entity=? AND entity_id=? AND field=? "
                 "AND loser_hlc=?", (event.entity, event.entity_id, name, base))


def _keep_loser(conn: sqlite3.Connection, entity: str, entity_id: str, name: str,
                hlc: int, device_id: str) -> None:
    if conn.execute("SELECT 1 FROM field_seen WHERE entity=? AND entity_id=? AND field=? "
                    "AND hlc=?", (entity, entity_id, name, hlc)).fetchone():
        return
    row = next(events.of_record(conn, (entity,), entity_id, "device_id = ? AND hlc = ?",
                                (device_id, hlc)), None)
    value = json.dumps(json.loads(row[events.FIELDS]).get(name) if row else None,
                       ensure_ascii=False)
    conn.execute("INSERT OR IGNORE INTO conflict VALUES (?, ?, ?, ?, ?, ?)",
                 (entity, entity_id, name, hlc, device_id, value))


def merge(conn: sqlite3.Connection, spec: Entity, event: Event) -> list[str]:
    """Apply a `set` event of a plain entity; return the fields it won."""
    if event.op != "set":
        raise ValueError(f"unknown op {event.op!r} for {event.entity}")
    won: dict = {}
    codes = field_versions.Codes(conn)
    versions = field_versions.read(conn, event.entity, event.entity_id, codes,
                                   writer=event.device_id)
    for name, value in event.fields.items():
        if name not in spec.fields:
            continue
        base = event.base.get(name) if isinstance(event.base, dict) else None
        if base:
            _saw(conn, event, name, base)
        current = versions.get(name)
        if current is not None and current == (event.hlc, event.device_id):
            continue
        if current is not None and current > (event.hlc, event.device_id):
            _keep_loser(conn, event.entity, event.entity_id, name, event.hlc, event.device_id)
            continue
        if current is not None:
            _keep_loser(conn, event.entity, event.entity_id, name, current[0], current[1])
        versions[name] = (event.hlc, event.device_id)
        won[name] = value
    if not won:
        conn.execute(f"UPDATE {spec.table} SET created_hlc = min(created_hlc, ?) WHERE id = ?",
                     (event.hlc, event.entity_id))
        return []
    field_versions.write(conn, event.entity, event.entity_id, versions, codes)
    columns = dict(won)
    for name, derive in spec.derive.items():
        if name in won:
            columns.update(derive(won))
    exists = conn.execute(f"SELECT 1 FROM {spec.table} WHERE id = ?",
                          (event.entity_id,)).fetchone()
    if exists:
        assignments = ", ".join(f"{c} = ?" for c in columns)
        # created_hlc is the earliest event's stamp whatever order events arrive in.
        conn.execute(f"UPDATE {spec.table} SET {assignments}, "
                     f"created_hlc = min(created_hlc, ?) WHERE id = ?",
                     (*columns.values(), event.hlc, event.entity_id))
    else:
        names = ", ".join(["id", "created_hlc", *columns])
        marks = ", ".join("?" * (len(columns) + 2))
        conn.execute(f"INSERT INTO {spec.table} ({names}) VALUES ({marks})",
                     (event.entity_id, event.hlc, *columns.values()))
    return list(won)
