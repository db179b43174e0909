"""Which records may go to which device, and which a device may write.

A device certificate carries a scope (province or district codes); a record
belongs to the village of the participant it is about (attendance, ticks and
merges follow their participant), else to the village of the record itself
(a session, a participant), else to no place (trainers, settings) and then
goes to every device. This works on event fields generically: any event that
sets `village_code` places its entity, and any field holding the id of a
placed entity (`..._id`, a list in `..._ids`, `merged_into`) ties the event to
that place.

One event may belong to several places: a tick names several people, a
participant moved to another village leaves one place for another, and an
unmerge belongs where its merge went (the kept record's village), as well as
to the duplicate's own. `places()` lists them all, most telling first;
`area()` is the first. A device receives an event when its scope covers any
of its places; a trainer may write an event only when its scope covers all of
them (storage/projection/writers.py).
"""

from __future__ import annotations

import json
import sqlite3

from debc_outreach.storage import events
from debc_outreach.storage.events import Event
from debc_outreach.storage.projection import writers

VILLAGE_FIELD = writers.VILLAGE_FIELD
MERGED_INTO = writers.MERGED_INTO


def covers_any(cert, places: list[str]) -> bool:
    """Whether a device (its certificate) receives an event of these places."""
    return cert.covers(None) if not places else any(cert.covers(place) for place in places)


class AreaIndex:
    """entity id -> village code, from the event log (latest value wins), and the record
    each merged participant was last merged into (so its unmerge goes the same way)."""

    def __init__(self, conn: sqlite3.Connection):
        self._village: dict[str, str] = {}
        self._merged: dict[str, str] = {}
        # The value of the newest event (by stamp, then device) wins.
        village_at: dict[str, tuple[int, str]] = {}
        merged_at: dict[str, tuple[int, str]] = {}
        for device, hlc, entity_id, text in events.mentioning(
                conn, ("village_code", "merged_into")):
            found = json.loads(text)
            if not isinstance(found, dict):
                continue
            stamp = (hlc, device)
            village, merged = found.get("village_code"), found.get("merged_into")
            if village is not None and stamp > village_at.get(entity_id, (-1, "")):
                village_at[entity_id] = stamp
                self._village[entity_id] = str(village)
            if isinstance(merged, str) and merged and \
                    stamp > merged_at.get(entity_id, (-1, "")):
                merged_at[entity_id] = stamp
                self._merged[entity_id] = merged

    def places(self, event: Event) -> list[str]:
        """Every village the event belongs to, most telling first ([]: no place)."""
        return writers.places(event.entity_id, event.fields, self._village.get,
                              self._merged.get)

    def area(self, event: Event) -> str | None:
        """The village code an event is tied to first, or None when it is not tied to a
        place."""
        found = self.places(event)
        return found[0] if found else None
