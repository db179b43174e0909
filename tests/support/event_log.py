"""Editing stored events behind the app's back, as damage or an attacker would: the
log is written only through storage/events.py, so tests tamper through it too."""

from __future__ import annotations

from debc_outreach.storage import events


def tamper(conn, device_id: str, seq: int, **changes) -> None:
    """Replace event `seq` of `device_id` by a copy with `changes` (EVENT_COLUMNS names,
    `fields` and `base` as JSON text); its hash and applied flag stay as they were."""
    row = list(events.row_at(conn, device_id, seq))
    applied = conn.execute("SELECT applied FROM event WHERE device_id = ? AND seq = ?",
                           (device_id, seq)).fetchone()[0]
    names = [name.strip() for name in events.EVENT_COLUMNS.split(",")]
    for name, value in changes.items():
        row[names.index(name)] = value
    events.delete_from(conn, device_id, seq, only_this=True)
    events.insert_rows(conn, [(*row, applied)])
