"""Quarantine: a device's chain held from the first event this computer refused.

When an arriving event cannot be admitted (its fields break the event type's
schema, or its writer was not allowed to write it), that event and every
later event of the same device's chain are stored but not applied; events
of every other device go on as usual. One row per device says from which
event its chain is held, why, and from which bundle it came.

Held events are never lost: they stay in the event log (applied = 0), so the
chain stays whole and nothing is asked for twice. (Those of a device that
signed its head after its certificate expired or was revoked have no head
vouching for them: they stay in sync_waiting, sync/admission.py.) They are looked at again
when a coordinator retries them (after an upgrade that knows better, the
importer does it by itself) or discards them. Discarding sets the held events
aside for good, still in the log; the device's later events are then
admitted normally. Held events are not passed on to other computers.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from debc_outreach import __version__

HELD, DISCARDED = "held", "discarded"

_TABLE = """
    CREATE TABLE IF NOT EXISTS sync_held (
        device_id TEXT NOT NULL,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        bundle_id TEXT NOT NULL DEFAULT '',
        held_at TEXT NOT NULL,
        app_version TEXT NOT NULL,
        PRIMARY KEY (device_id, from_seq)
    ) WITHOUT ROWID
"""
_OPEN = "CREATE UNIQUE INDEX IF NOT EXISTS sync_held_open ON sync_held (device_id) " \
    "WHERE state = 'held'"

# SQL condition (on a row of `event`): the event is held or was discarded, so it must
# not be applied by anything that applies stored events later.
SET_ASIDE = ("EXISTS (SELECT 1 FROM sync_held h WHERE h.device_id = event.device_id "
             "AND event.seq >= h.from_seq AND (h.state = 'held' OR event.seq <= h.to_seq))")


@dataclass(frozen=True)
class Held:
    """A device whose chain is held, for the Sync page and the `sync` CLI."""

    device_id: str
    from_seq: int
    code: str                # stable reason code (a validation Problem code,
                             # "coordinator_only", "out_of_scope", "revoked", "expired", …)
    reason: str              # one line, in the language of the computer that held it
    bundle_id: str
    held_at: str
    events: int              # events of the device held now
    entity: str              # what the first held event tried to write
    op: str

    def as_json(self) -> dict:
        return {"device_id": self.device_id, "from_seq": self.from_seq, "code": self.code,
                "reason": self.reason, "bundle_id": self.bundle_id, "held_at": self.held_at,
                "events": self.events, "entity": self.entity, "op": self.op}


def create(conn: sqlite3.Connection) -> None:
    conn.execute(_TABLE)
    conn.execute(_OPEN)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def hold(conn: sqlite3.Connection, device_id: str, from_seq: int, code: str, reason: str,
         bundle_id: str | None) -> None:
    """Hold `device_id`'s chain from event `from_seq` on, with the reason.

    Holding a device already held from an earlier event changes nothing; from a
    later one, the hold moves back to the earlier event (and keeps the new reason).
    """
    current = first_held_seq(conn, device_id)
    if current is not None and current <= from_seq:
        return
    if current is not None:
        conn.execute("DELETE FROM sync_held WHERE device_id = ? AND state = ?",
                     (device_id, HELD))
    conn.execute("INSERT OR REPLACE INTO sync_held (device_id, from_seq, state, code, reason, "
                 "bundle_id, held_at, app_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (device_id, from_seq, HELD, code, reason, bundle_id or "", _now(),
                  __version__))


def first_held_seq(conn: sqlite3.Connection, device_id: str) -> int | None:
    """The first held event of `device_id`, or None when its chain is not held."""
    row = conn.execute("SELECT from_seq FROM sync_held WHERE device_id = ? AND state = ?",
                       (device_id, HELD)).fetchone()
    return row[0] if row else None


def held_from(conn: sqlite3.Connection) -> dict[str, int]:
    """Every held device -> its first held event (a handful; read once per import chunk)."""
    return dict(conn.execute("SELECT device_id, from_seq FROM sync_held WHERE state = ?",
                             (HELD,)))


def held_devices(conn: sqlite3.Connection) -> list[Held]:
    """The held devices, with how many events are held and what the first one tried."""
    rows = conn.execute(
        "SELECT h.device_id, h.from_seq, h.code, h.reason, h.bundle_id, h.held_at, "
        "(SELECT count(*) FROM event e WHERE e.device_id = h.device_id "
        " AND e.seq >= h.from_seq AND e.applied = 0) + "
        "(SELECT count(*) FROM sync_waiting w WHERE w.device_id = h.device_id "
        " AND w.seq >= h.from_seq), "
        "coalesce(f.entity, json_extract(w.event, '$[3]'), ''), "
        "coalesce(f.op, json_extract(w.event, '$[5]'), '') "
        "FROM sync_held h LEFT JOIN event f ON f.device_id = h.device_id "
        "AND f.seq = h.from_seq LEFT JOIN sync_waiting w ON w.device_id = h.device_id "
        "AND w.seq = h.from_seq WHERE h.state = ? ORDER BY h.held_at, h.device_id",
        (HELD,)).fetchall()
    return [Held(*row) for row in rows]


def release(conn: sqlite3.Connection, device_id: str) -> int | None:
    """Lift the hold of `device_id` (its events are then admitted again by the caller).
    Returns the first held seq, or None when the device was not held."""
    from_seq = first_held_seq(conn, device_id)
    if from_seq is not None:
        conn.execute("DELETE FROM sync_held WHERE device_id = ? AND state = ?",
                     (device_id, HELD))
    return from_seq


def discard(conn: sqlite3.Connection, device_id: str) -> int:
    """Set the held events of `device_id` aside for good (they stay in the log, never
    applied); its later events are admitted normally. Returns how many were set aside."""
    from_seq = first_held_seq(conn, device_id)
    if from_seq is None:
        return 0
    to_seq = conn.execute("SELECT coalesce(max(seq), 0) FROM event WHERE device_id = ?",
                          (device_id,)).fetchone()[0]
    set_aside = conn.execute("SELECT count(*) FROM event WHERE device_id = ? AND seq >= ? "
                             "AND applied = 0", (device_id, from_seq)).fetchone()[0]
    conn.execute("UPDATE sync_held SET state = ?, to_seq = ?, held_at = ? "
                 "WHERE device_id = ? AND state = ?",
                 (DISCARDED, max(to_seq, from_seq), _now(), device_id, HELD))
    return set_aside


def held_by_other_version(conn: sqlite3.Connection) -> list[str]:
    """Devices held by another version of the app: an upgrade may now admit them."""
    return [device for (device,) in conn.execute(
        "SELECT device_id FROM sync_held WHERE state = ? AND app_version != ?",
        (HELD, __version__))]


def sendable(conn: sqlite3.Connection, vector: dict[str, int]) -> dict[str, int]:
    """A version vector cut before every held chain: held events are not passed on
    (a refused record reaches nobody through this computer)."""
    cut = dict(vector)
    for device, from_seq in held_from(conn).items():
        if device in cut:
            cut[device] = min(cut[device], from_seq - 1)
    return cut
