"""Conflicts: values that lost a concurrent edit, kept until a coordinator decides.

The projection keeps a `conflict` row for each losing value (see
storage/projection/fields.py). Resolving one is itself an event
(`conflict_resolution`), so the decision reaches every device; choosing the
other value also records a normal edit that sets it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from debc_outreach.errors import UserError
from debc_outreach.i18n import _
from debc_outreach.storage import events, field_versions, projection
from debc_outreach.storage.database import Database
from debc_outreach.storage.store import Store

KEEP_CURRENT, KEEP_OTHER = "current", "other"


@dataclass(frozen=True)
class Conflict:
    entity: str
    entity_id: str
    field: str
    current_value: object
    current_device: str
    current_hlc: int
    other_value: object
    other_device: str
    other_hlc: int

    @property
    def key(self) -> str:
        return f"{self.entity}:{self.entity_id}:{self.field}:{self.other_hlc}:{self.other_device}"


def _value_at(conn: sqlite3.Connection, entity: str, entity_id: str, field: str,
              device_id: str, hlc: int) -> object:
    row = next(events.of_record(conn, (entity,), entity_id, "device_id = ? AND hlc = ?",
                                (device_id, hlc)), None)
    return json.loads(row[events.FIELDS]).get(field) if row else None


def list_conflicts(database: Database) -> list[Conflict]:
    """Unresolved conflicts, newest first."""
    conn = database.conn
    rows = conn.execute(
        "SELECT c.entity, c.entity_id, c.field, c.loser_hlc, c.loser_device, c.loser_value "
        "FROM conflict c "
        "LEFT JOIN conflict_resolution r ON r.entity = c.entity AND r.entity_id = c.entity_id "
        "AND r.field = c.field AND r.loser_hlc = c.loser_hlc AND r.loser_device = c.loser_device "
        "WHERE r.entity IS NULL ORDER BY c.loser_hlc DESC").fetchall()
    codes = field_versions.Codes(conn)
    found = []
    for entity, entity_id, field, loser_hlc, loser_device, loser_value in rows:
        winner = field_versions.read(conn, entity, entity_id, codes).get(field)
        if winner is None:      # a field nobody holds a version of has no current value
            continue
        win_hlc, win_device = winner
        found.append(Conflict(entity, entity_id, field,
                              _value_at(conn, entity, entity_id, field, win_device, win_hlc),
                              win_device, win_hlc, json.loads(loser_value), loser_device,
                              loser_hlc))
    return found


def count_conflicts(database: Database) -> int:
    return len(list_conflicts(database))


def resolve_conflict(store: Store, conflict: Conflict, choice: str) -> None:
    """Keep the current value, or set the other one; either way the conflict is closed."""
    if choice not in (KEEP_CURRENT, KEEP_OTHER):
        raise UserError(_("Choose which value to keep."))
    with store.database.transaction():
        if choice == KEEP_OTHER:
            store.record(conflict.entity, conflict.entity_id,
                         {conflict.field: conflict.other_value})
        store.record("conflict_resolution", conflict.key,
                     {"entity": conflict.entity, "entity_id": conflict.entity_id,
                      "field": conflict.field, "loser_hlc": conflict.other_hlc,
                      "loser_device": conflict.other_device, "choice": choice})


def record_label(database: Database, entity: str, entity_id: str) -> str:
    """A readable name for the record a conflict is about (its name when it has one)."""
    spec = projection.ENTITIES.get(entity)
    if spec is not None and "display_name" in spec.fields:
        name = database.scalar(f"SELECT display_name FROM {spec.table} WHERE id = ?",
                               (entity_id,))
        if name:
            return name
    return entity_id[:8]
