"""Checklist ticks: the last writer per (session, participant, item) cell wins.

The cell is keyed by HLC, then device id, so ticks from two devices never
conflict. "Whole group" is one event listing many participants. How the cells
are stored: checklist_rows.py.
"""

from __future__ import annotations

import sqlite3

from debc_outreach.i18n import N_
from debc_outreach.storage.events import DEVICE_ID, ENTITY_ID, HLC, Event
from debc_outreach.storage.projection import checklist_rows
from debc_outreach.storage.projection import schema as s
from debc_outreach.storage.projection.spec import BatchItem

ENTITY = "checklist"
ACHIEVED, NOT_YET, NOT_ASSESSED = (checklist_rows.ACHIEVED, checklist_rows.NOT_YET,
                                  checklist_rows.NOT_ASSESSED)
STATES: tuple[str, ...] = checklist_rows.STATE_COLUMNS
MAX_GROUP = 2000           # participants one "whole group" tick may list

# | op  | field           | rule                                 |
# |-----|-----------------|--------------------------------------|
# | set | participant_ids | required list of record ids (<= 2000)|
# | set | item_id         | required content id                  |
# | set | state           | required, one of STATES              |
# | set | reason          | text                                 |
SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema(
    ("participant_ids", "item_id", "state"),
    {"participant_ids": s.list_of(s.ident(), MAX_GROUP, N_("a list of record ids")),
     "item_id": s.slug(200), "state": s.choice(STATES), "reason": s.text(s.MAX_NOTE)})}

def _cells(entity_id: str, fields: dict, hlc: int, device_id: str) -> list[tuple]:
    state = fields.get("state")
    if state not in STATES:
        return []
    return [(entity_id, participant_id, fields["item_id"], state, hlc, device_id)
            for participant_id in fields.get("participant_ids", [])]


def apply(conn: sqlite3.Connection, event: Event) -> None:
    checklist_rows.write(conn, _cells(event.entity_id, event.fields, event.hlc,
                                      event.device_id))


def apply_batch(conn: sqlite3.Connection, items: list[BatchItem]) -> None:
    """Many ticks at once (sync import): last writer per cell wins whatever the order."""
    cells = []
    for row, fields, _base in items:
        cells.extend(_cells(row[ENTITY_ID], fields, row[HLC], row[DEVICE_ID]))
    checklist_rows.write(conn, cells)
