"""Which records may go to which device.

A device certificate carries a scope (province or district codes); a record
belongs to the village of the participant it is about (attendance, ticks and
merges follow their participant), else to the village of the record itself
(a session, a participant), else to no place (trainers, settings) and then
goes to every device. This works on event fields generically: any event that
sets `village_code` places its entity, and any field holding the id of a
placed entity ties the event to that place.
"""

from __future__ import annotations

import sqlite3

from debc_outreach.storage.events import Event

VILLAGE_FIELD = "village_code"


class AreaIndex:
    """entity id -> village code, from the event log (latest value wins)."""

    def __init__(self, conn: sqlite3.Connection):
        self._village: dict[str, str] = {}
        rows = conn.execute(
            "SELECT entity_id, json_extract(fields, '$.village_code') FROM event "
            "WHERE op != 'redacted' AND json_extract(fields, '$.village_code') IS NOT NULL "
            "ORDER BY hlc, device_id")
        for entity_id, village in rows:
            self._village[entity_id] = str(village)

    def area(self, event: Event) -> str | None:
        """The village code an event is tied to, or None when it is not tied to a place."""
        referenced = [(not key.startswith("participant"), key) for key, value
                      in event.fields.items() if key.endswith("_id") or key == "merged_into"]
        for _rank, key in sorted(referenced):
            value = event.fields[key]
            if isinstance(value, str) and value in self._village:
                return self._village[value]
        village = event.fields.get(VILLAGE_FIELD)
        if isinstance(village, str) and village:
            return village
        return self._village.get(event.entity_id)
