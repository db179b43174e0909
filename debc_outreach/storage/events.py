"""The append-only event log and its per-device hash chain.

Every change is an event `(device_id, seq)`; tables are projections of the
log. Each device's events form a hash chain (`prev_hash` -> `hash`), so a
lost, reordered or edited event is detected by `db check` and by sync.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field

EVENT_SCHEMA_VERSION = 1
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Event:
    device_id: str
    seq: int
    hlc: int
    entity: str
    entity_id: str
    op: str
    fields: dict
    schema_version: int = EVENT_SCHEMA_VERSION
    base: dict = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def computed_hash(self) -> str:
        return event_hash(self.device_id, self.seq, self.hlc, self.entity, self.entity_id,
                          self.op, self.fields, self.base, self.schema_version, self.prev_hash)

    def as_row(self) -> tuple:
        return (self.device_id, self.seq, self.hlc, self.entity, self.entity_id, self.op,
                dumps(self.fields), dumps(self.base), self.schema_version, self.prev_hash,
                self.hash)


def dumps(value) -> str:
    """Canonical JSON: the same value always gives the same bytes (hashes depend on it)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(device_id: str, seq: int, hlc: int, entity: str, entity_id: str, op: str,
               fields: dict, base: dict, schema_version: int, prev_hash: str) -> str:
    payload = dumps([device_id, seq, hlc, entity, entity_id, op, fields, base,
                     schema_version, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


EVENT_COLUMNS = ("device_id, seq, hlc, entity, entity_id, op, fields, base, "
                 "schema_version, prev_hash, hash")
# Positions in a row selected or inserted in EVENT_COLUMNS order. Sync moves event
# rows as plain tuples (much faster than building an Event each), read by these names.
(DEVICE_ID, SEQ, HLC, ENTITY, ENTITY_ID, OP, FIELDS, BASE, SCHEMA_VERSION, PREV_HASH,
 HASH) = range(11)


def from_row(row) -> Event:
    return Event(device_id=row[0], seq=row[1], hlc=row[2], entity=row[3], entity_id=row[4],
                 op=row[5], fields=json.loads(row[6]), base=json.loads(row[7]),
                 schema_version=row[8], prev_hash=row[9], hash=row[10])


def chain_head(conn: sqlite3.Connection, device_id: str) -> tuple[int, str]:
    """(last seq, last hash) of a device's chain; (0, GENESIS_HASH) when empty."""
    row = conn.execute("SELECT seq, hash FROM event WHERE device_id = ? "
                       "ORDER BY seq DESC LIMIT 1", (device_id,)).fetchone()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def insert(conn: sqlite3.Connection, event: Event, applied: bool = True) -> None:
    conn.execute(f"INSERT INTO event ({EVENT_COLUMNS}, applied) "
                 f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*event.as_row(), int(applied)))


def verify_chains(conn: sqlite3.Connection) -> list[str]:
    """Check every device's chain: consecutive seqs, links and hashes. Returns problems."""
    problems: list[str] = []
    expected_seq: dict[str, int] = {}
    expected_prev: dict[str, str] = {}
    cursor = conn.execute(f"SELECT {EVENT_COLUMNS} FROM event ORDER BY device_id, seq")
    for row in cursor:
        event = from_row(row)
        device = event.device_id
        want_seq = expected_seq.get(device, 1)
        want_prev = expected_prev.get(device, GENESIS_HASH)
        if event.seq != want_seq:
            problems.append(f"device {device}: event {want_seq} is missing (found {event.seq})")
        elif event.prev_hash != want_prev:
            problems.append(f"device {device}: event {event.seq} does not link to event "
                            f"{event.seq - 1}")
        # A "redacted" event is another device's record outside this device's sync scope:
        # only its hash travelled, so the link is checked but not the content.
        if event.op != "redacted" and event.computed_hash() != event.hash:
            problems.append(f"device {device}: event {event.seq} was altered (hash mismatch)")
        expected_seq[device] = event.seq + 1
        expected_prev[device] = event.hash
    return problems


def count(conn: sqlite3.Connection) -> int:
    """How many events the log holds (this device's and every other's)."""
    return conn.execute("SELECT count(*) FROM event").fetchone()[0] or 0


def newest_applied_hlc(conn: sqlite3.Connection) -> int:
    """The newest stamp among applied events (0 for an empty log): after another
    connection wrote, a clock observes it so the next local edit is newer."""
    return conn.execute("SELECT max(hlc) FROM event WHERE applied = 1").fetchone()[0] or 0
