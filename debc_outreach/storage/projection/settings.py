"""Set-semantics records of the programme: coordinator privacy rules and
decisions on conflicts."""

from __future__ import annotations

import sqlite3

from debc_outreach.storage.events import Event
from debc_outreach.storage.projection import schema as s

PROGRAMME_SETTING = "programme_setting"
CONFLICT_RESOLUTION = "conflict_resolution"

# The entity id of a programme setting is the rule's name; its value is text or a number.
# | entity              | op  | field        | rule                                    |
# |---------------------|-----|--------------|-----------------------------------------|
# | programme_setting   | set | value        | required text (<= 200) or whole number  |
# | conflict_resolution | set | entity       | required name of an entity              |
# |                     |     | entity_id    | required record id                      |
# |                     |     | field        | required name of a field                |
# |                     |     | loser_hlc    | required whole number >= 0              |
# |                     |     | loser_device | required device id                      |
# |                     |     | choice       | required: current / other               |
SETTING_SCHEMAS: dict[tuple[str, int], s.Schema] = {
    ("set", 1): s.Schema(("value",), {"value": s.scalar()})}
RESOLUTION_SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema(
    ("entity", "entity_id", "field", "loser_hlc", "loser_device", "choice"),
    {"entity": s.slug(), "entity_id": s.ident(), "field": s.slug(), "loser_device": s.ident(),
     "loser_hlc": s.whole_number(0, 2 ** 63 - 1),
     "choice": s.choice(("current", "other"))})}


def apply_programme_setting(conn: sqlite3.Connection, event: Event) -> None:
    """Keep the newest value per (rule, device); older arrivals do not overwrite.

    A trainer device cannot loosen a rule by recording its own event: the
    reader (storage/privacy.py) takes the coordinator's value.
    """
    if event.op != "set" or "value" not in event.fields:
        raise ValueError(f"unknown programme setting event {event.op!r}")
    conn.execute(
        "INSERT INTO programme_setting (name, device_id, value, hlc) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name, device_id) DO UPDATE SET value = excluded.value, hlc = excluded.hlc "
        "WHERE excluded.hlc > programme_setting.hlc",
        (event.entity_id, event.device_id, str(event.fields["value"]), event.hlc))


def apply_conflict_resolution(conn: sqlite3.Connection, event: Event) -> None:
    """The newest decision on a kept losing value wins (sync/conflicts.py)."""
    f = event.fields
    conn.execute(
        "INSERT INTO conflict_resolution VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO UPDATE SET choice = excluded.choice, "
        "resolved_hlc = excluded.resolved_hlc, resolved_device = excluded.resolved_device "
        "WHERE (excluded.resolved_hlc, excluded.resolved_device) > "
        "(conflict_resolution.resolved_hlc, conflict_resolution.resolved_device)",
        (f["entity"], f["entity_id"], f["field"], f["loser_hlc"], f["loser_device"],
         f["choice"], event.hlc, event.device_id))
