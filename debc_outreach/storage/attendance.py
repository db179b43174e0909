"""Attendance: a grow-only set of (session, participant) with tombstones.

A check-in is an `attendance` event with op "add"; removing a person is an
op "remove" tombstone, never a delete. Per pair the projection keeps the
newest add and the newest remove (HLC, device id; storage/projection/
attendance.py); the person is present when the add is newer. Events from
several devices merge without conflict, and each check-in is its own
committed transaction (a power cut loses nothing that was confirmed with
Enter).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from debc_outreach.storage import participants, sessions
from debc_outreach.storage.store import Store


@dataclass(frozen=True)
class CheckIn:
    participant_id: str
    already: bool          # True: the person was already checked in; nothing changed


def is_present(conn: sqlite3.Connection, session_id: str, participant_id: str) -> bool:
    """True if the person, or a record merged into them, is checked in."""
    row = conn.execute(
        "SELECT 1 FROM attendance a JOIN participant m ON m.id = a.participant_id "
        "WHERE a.session_id = ? AND a.present = 1 AND (m.id = ? OR (m.merged_into = ? "
        "AND m.merged_into != '')) "
        "LIMIT 1", (session_id, participant_id, participant_id)).fetchone()
    return row is not None


def check_in(store: Store, session_id: str, participant_id: str, reason: str = "") -> CheckIn:
    """Check a person in (one committed transaction). Twice changes nothing."""
    database = store.database
    sessions.require_editable(database, session_id, reason)
    participants.require(database, participant_id)
    person = participants.resolve(database, participant_id)
    with database.transaction() as conn:
        if is_present(conn, session_id, person):
            return CheckIn(person, already=True)
        fields = {"participant_id": person,
                  "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        if reason:
            fields["reason"] = reason
        store.record("attendance", session_id, fields, op="add")
        sessions.start_if_planned(store, session_id)
    return CheckIn(person, already=False)


def remove(store: Store, session_id: str, participant_id: str, reason: str = "") -> bool:
    """Take a person off the session (tombstone). False if they were not checked in."""
    sessions.require_editable(store.database, session_id, reason)
    with store.database.transaction() as conn:
        rows = conn.execute(
            "SELECT a.participant_id FROM attendance a JOIN participant m "
            "ON m.id = a.participant_id WHERE a.session_id = ? AND a.present = 1 "
            "AND (m.id = ? OR (m.merged_into = ? AND m.merged_into != ''))",
            (session_id, participant_id, participant_id)).fetchall()
        for (present_id,) in rows:          # the person and any record merged into them
            fields = {"participant_id": present_id}
            if reason:
                fields["reason"] = reason
            store.record("attendance", session_id, fields, op="remove")
    return bool(rows)


def present_ids(conn: sqlite3.Connection, session_id: str) -> list[str]:
    """Participants present, in check-in order."""
    return [row[0] for row in conn.execute(
        "SELECT participant_id FROM attendance WHERE session_id = ? AND present = 1 "
        "ORDER BY added_hlc, added_device", (session_id,))]


def attendees(conn: sqlite3.Connection, session_id: str) -> list[participants.Participant]:
    """Present participants (merged ones shown as the kept record), in check-in order."""
    cursor = conn.execute(
        f"SELECT {participants.COLUMNS} FROM attendance a "
        "JOIN participant m ON m.id = a.participant_id "
        "JOIN participant p ON p.id = CASE WHEN m.merged_into != '' THEN m.merged_into "
        "ELSE m.id END "
        "WHERE a.session_id = ? AND a.present = 1 ORDER BY a.added_hlc, a.added_device",
        (session_id,))
    seen: set[str] = set()
    people = []
    for row in cursor:
        person = participants.from_row(row)
        if person.id not in seen:
            seen.add(person.id)
            people.append(person)
    return people


def last_check_in(conn: sqlite3.Connection, session_id: str, device_id: str) -> str | None:
    """The participant this device checked in last (for Undo)."""
    row = conn.execute(
        "SELECT participant_id FROM attendance WHERE session_id = ? AND present = 1 "
        "AND added_device = ? ORDER BY added_hlc DESC LIMIT 1",
        (session_id, device_id)).fetchone()
    return row[0] if row else None

