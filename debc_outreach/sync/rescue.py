"""Repairing this computer's own history after it was restored from an older backup.

If a trainer's data folder is restored from a backup and new records are made
before the next sync, this computer's chain forks: its peer holds the old
records under the same numbers. Nothing may be lost, so:

1. A bundle tells the receiver what the sender holds of the receiver's own
   chain (`peer_view`). When that differs from what is here, this computer
   asks for its whole chain back (it reports 0 for itself in its next bundle)
   and remembers that in a small marker file.
2. When its own records come back and differ from a point on, the records
   here from that point are moved aside (in the same transaction), the
   peer's copies take their place, and the moved records are recorded again
   as new records at the end of the import. A value that both histories
   changed shows up as a conflict for the coordinator.
"""

from __future__ import annotations

import json
from pathlib import Path

from debc_outreach.storage import events
from debc_outreach.storage.store import Store

MARKER = "sync-rescue.json"
PREFIX = "rescue:"


def marker(data_dir: Path) -> Path:
    return data_dir / MARKER


def requested(data_dir: Path) -> bool:
    """Whether this computer asked its peers for its own chain back."""
    return marker(data_dir).exists()


def request(data_dir: Path) -> None:
    marker(data_dir).write_text(json.dumps({"version": 1}), encoding="utf-8")


def differs(store: Store, view: object) -> bool:
    """Whether a peer's view [seq, hash] of this computer's chain contradicts ours."""
    if not (isinstance(view, list) and len(view) == 2 and type(view[0]) is int
            and isinstance(view[1], str)):
        return False
    stored = events.hash_at(store.database.conn, store.device_id, view[0])
    return stored is not None and stored != view[1]


def move_aside(store: Store, from_seq: int, bundle_id: str) -> int:
    """Move this computer's records from `from_seq` on out of the chain (one transaction)."""
    with store.database.transaction() as conn:
        rows = list(events.chain_rows(conn, store.device_id, from_seq))
        # Numbered after any records still set aside from an interrupted repair.
        start = conn.execute("SELECT coalesce(max(seq), 0) FROM sync_waiting WHERE "
                             "device_id = ?", (PREFIX + store.device_id,)).fetchone()[0]
        conn.executemany("INSERT INTO sync_waiting VALUES (?, ?, ?, ?)",
                         [(PREFIX + store.device_id, start + number, json.dumps(list(row)),
                           bundle_id) for number, row in enumerate(rows, 1)])
        events.delete_from(conn, store.device_id, from_seq)
    return len(rows)


def record_again(store: Store) -> int:
    """Record the moved-aside records as new ones (after the peer's copies are in)."""
    key = PREFIX + store.device_id
    with store.database.transaction() as conn:
        rows = conn.execute("SELECT event FROM sync_waiting WHERE device_id = ? ORDER BY seq",
                            (key,)).fetchall()
        for (text,) in rows:
            event = events.from_row(json.loads(text))
            if event.op != "redacted":
                store.record(event.entity, event.entity_id, event.fields, op=event.op)
        conn.execute("DELETE FROM sync_waiting WHERE device_id = ?", (key,))
    marker(store.data_dir).unlink(missing_ok=True)
    return len(rows)


def pending(store: Store) -> bool:
    return bool(store.database.scalar("SELECT 1 FROM sync_waiting WHERE device_id = ? LIMIT 1",
                                      (PREFIX + store.device_id,)))
