"""Projections: tables derived from the event log.

`apply()` is the one place an event changes a table, for local edits and for
events that arrive by sync alike. Plain entities are merged field by field,
last writer wins by (HLC, device id); `field_version` remembers who wrote each
field last. Entities with set semantics (attendance, checklist ticks) register
their own appliers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from debc_outreach.core.names import name_key
from debc_outreach.storage.events import Event

Derive = Callable[[dict], dict]


@dataclass(frozen=True)
class Entity:
    """How an entity's `set` events map onto its table."""

    table: str
    fields: frozenset[str]
    derive: dict[str, Derive] = field(default_factory=dict)   # field -> extra columns


def _trainer_name(fields: dict) -> dict:
    return {"name_key": name_key(fields["display_name"])}


ENTITIES: dict[str, Entity] = {
    "trainer": Entity("trainer", frozenset({"display_name", "phone", "deleted"}),
                      {"display_name": _trainer_name}),
    # Coordinator targets (reports/targets.py); registered here so sync applies them anywhere.
    "target": Entity("target", frozenset({"province_code", "period_start", "period_end",
                                          "policy_area", "measure", "value", "note",
                                          "deleted"})),
}

CustomApplier = Callable[[sqlite3.Connection, Event], None]
CUSTOM: dict[str, CustomApplier] = {}
# One item of a batch: (event row in events.EVENT_COLUMNS order, fields, base).
BatchItem = tuple[tuple, dict, dict]
BatchApplier = Callable[[sqlite3.Connection, list[BatchItem]], None]
BATCH: dict[str, BatchApplier] = {}


def register(entity: str, spec: Entity | None = None, applier: CustomApplier | None = None,
             batch: BatchApplier | None = None):
    """Let a feature module add its entity (called at import of that module).

    `batch` is an optional applier for many events of a set-semantics entity at
    once (sync imports); it must leave the tables exactly as applying the same
    events one by one with `applier`, in any order, would.
    """
    if spec is not None:
        ENTITIES[entity] = spec
    if applier is not None:
        CUSTOM[entity] = applier
    if batch is not None:
        BATCH[entity] = batch


def current_base(conn: sqlite3.Connection, entity: str, entity_id: str, fields: dict) -> dict:
    """The version (HLC) of each field a local edit overwrites: the event's `base`."""
    if entity not in ENTITIES:
        return {}
    seen = dict(conn.execute("SELECT field, hlc FROM field_version WHERE entity=? AND "
                             "entity_id=?", (entity, entity_id)))
    return {name: seen.get(name, 0) for name in fields}


# Conflicts. A field value is a conflict when it lost to the winner although
# nobody overwrote it after seeing it (no event has it as `base`). That rule
# does not depend on the order events arrive in, so every device keeps the
# same conflicts. The loser's value stays in the event log; `conflict` points
# at it for the Conflicts screen.

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
    row = conn.execute("SELECT fields FROM event WHERE entity=? AND entity_id=? AND "
                       "device_id=? AND hlc=?", (entity, entity_id, device_id, hlc)).fetchone()
    value = json.dumps(json.loads(row[0]).get(name) if row else None, ensure_ascii=False)
    conn.execute("INSERT OR IGNORE INTO conflict VALUES (?, ?, ?, ?, ?, ?)",
                 (entity, entity_id, name, hlc, device_id, value))


def _load_feature_entities() -> None:
    """Feature modules register on import; make sure every known entity is loaded
    wherever events are applied (local edits, sync imports, rebuilds)."""
    from debc_outreach.storage import attendance, checklist, participants, sessions  # noqa: F401


def batch_applier(entity: str) -> BatchApplier | None:
    """The batch applier of `entity`, if it has one (else apply its events one by one)."""
    if entity not in CUSTOM and entity not in ENTITIES:
        _load_feature_entities()
    return BATCH.get(entity)


def apply(conn: sqlite3.Connection, event: Event) -> list[str]:
    """Apply one event; return the fields it actually changed (lost fields excluded)."""
    if event.entity not in CUSTOM and event.entity not in ENTITIES:
        _load_feature_entities()
    if event.entity in CUSTOM:
        CUSTOM[event.entity](conn, event)
        return list(event.fields)
    spec = ENTITIES.get(event.entity)
    if spec is None:
        raise ValueError(f"unknown entity {event.entity!r}")
    if event.op != "set":
        raise ValueError(f"unknown op {event.op!r} for {event.entity}")
    won: dict = {}
    for name, value in event.fields.items():
        if name not in spec.fields:
            continue
        base = event.base.get(name) if isinstance(event.base, dict) else None
        if base:
            _saw(conn, event, name, base)
        current = conn.execute(
            "SELECT hlc, device_id FROM field_version WHERE entity=? AND entity_id=? AND field=?",
            (event.entity, event.entity_id, name)).fetchone()
        if current is not None and (current[0], current[1]) == (event.hlc, event.device_id):
            continue
        if current is not None and (current[0], current[1]) > (event.hlc, event.device_id):
            _keep_loser(conn, event.entity, event.entity_id, name, event.hlc, event.device_id)
            continue
        if current is not None:
            _keep_loser(conn, event.entity, event.entity_id, name, current[0], current[1])
        conn.execute("INSERT OR REPLACE INTO field_version VALUES (?, ?, ?, ?, ?)",
                     (event.entity, event.entity_id, name, event.hlc, event.device_id))
        won[name] = value
    if not won:
        conn.execute(f"UPDATE {spec.table} SET created_hlc = min(created_hlc, ?) WHERE id = ?",
                     (event.hlc, event.entity_id))
        return []
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
