"""Attendance: per (session, participant) the newest add and the newest remove.

The person is present when the add is newer, so check-ins and removals from
several devices merge without conflict whatever order they arrive in.
"""

from __future__ import annotations

import sqlite3

from debc_outreach.storage.events import DEVICE_ID, ENTITY_ID, HLC, OP, Event
from debc_outreach.storage.projection import schema as s
from debc_outreach.storage.projection.spec import BatchItem

ENTITY = "attendance"

# | op     | field          | rule                               |
# |--------|----------------|------------------------------------|
# | add    | participant_id | required record id                 |
# | add    | at             | text (check-in time, ISO)          |
# | add    | reason         | text (amendment of a closed session)|
# | remove | participant_id | required record id                 |
# | remove | reason         | text                               |
_CHECK_IN = s.Schema(("participant_id",), {"participant_id": s.ident(), "at": s.text(40),
                                          "reason": s.text(s.MAX_NOTE)})
SCHEMAS: dict[tuple[str, int], s.Schema] = {("add", 1): _CHECK_IN, ("remove", 1): _CHECK_IN}

_ADD = ("INSERT INTO attendance (session_id, participant_id, present, added_hlc, "
        "added_device) VALUES (?, ?, 1, ?, ?) "
        "ON CONFLICT (session_id, participant_id) DO UPDATE SET "
        "added_hlc = excluded.added_hlc, added_device = excluded.added_device, "
        "present = (excluded.added_hlc, excluded.added_device) > "
        "(attendance.removed_hlc, attendance.removed_device) "
        "WHERE (excluded.added_hlc, excluded.added_device) > "
        "(attendance.added_hlc, attendance.added_device)")
_REMOVE = ("INSERT INTO attendance (session_id, participant_id, present, removed_hlc, "
           "removed_device) VALUES (?, ?, 0, ?, ?) "
           "ON CONFLICT (session_id, participant_id) DO UPDATE SET "
           "removed_hlc = excluded.removed_hlc, removed_device = excluded.removed_device, "
           "present = (attendance.added_hlc, attendance.added_device) > "
           "(excluded.removed_hlc, excluded.removed_device) "
           "WHERE (excluded.removed_hlc, excluded.removed_device) > "
           "(attendance.removed_hlc, attendance.removed_device)")


def apply(conn: sqlite3.Connection, event: Event) -> None:
    participant_id = event.fields["participant_id"]
    if event.op == "add":
        conn.execute(_ADD, (event.entity_id, participant_id, event.hlc, event.device_id))
    elif event.op == "remove":
        conn.execute(_REMOVE, (event.entity_id, participant_id, event.hlc, event.device_id))
    else:
        raise ValueError(f"unknown op {event.op!r} for attendance")


def apply_batch(conn: sqlite3.Connection, items: list[BatchItem]) -> None:
    """Many check-ins and removals at once (sync import).

    Each pair keeps its newest add and newest remove and `present` is always
    recomputed from both, so the result does not depend on the order the
    statements run in: adds and removes can go in two executemany calls.
    """
    adds = []
    removes = []
    for row, fields, _base in items:
        op = row[OP]
        if op == "add":
            adds.append((row[ENTITY_ID], fields["participant_id"], row[HLC], row[DEVICE_ID]))
        elif op == "remove":
            removes.append((row[ENTITY_ID], fields["participant_id"], row[HLC], row[DEVICE_ID]))
        else:
            raise ValueError(f"unknown op {op!r} for attendance")
    if adds:
        conn.executemany(_ADD, adds)
    if removes:
        conn.executemany(_REMOVE, removes)
