"""What a tampered copy of the app on an enrolled laptop can do to its own database, for
the tests of origin and authority (test_sync_origin.py, test_hub_origin.py)."""

from __future__ import annotations

from dataclasses import replace

from debc_outreach.storage import events, projection
from debc_outreach.storage.events import Event
from debc_outreach.storage.store import Store
from debc_outreach.sync import trust


def forge(store: Store, device_id: str, entity: str, entity_id: str, fields: dict,
          op: str = "set") -> Event:
    """Append an event to `device_id`'s chain in `store`'s database, hashes and all, as a
    tampered app would (no signature: only `device_id` holds its key)."""
    conn = store.database.conn
    seq, prev = events.chain_head(conn, device_id)
    draft = Event(device_id, seq + 1, store.clock.now(), entity, entity_id, op, fields,
                  prev_hash=prev)
    event = replace(draft, hash=draft.computed_hash())
    with store.database.transaction() as tx:
        events.insert(tx, event)
        projection.apply(tx, event)
    return event


def write_anyway(store: Store, entity: str, entity_id: str, fields: dict,
                 monkeypatch) -> Event:
    """Record an event on `store` past the local rule (a tampered app): its own chain, so
    its own signed head will vouch that it wrote it."""
    with monkeypatch.context() as patch:
        patch.setattr(projection.writers, "check_own_write", lambda *args: None)
        return store.record(entity, entity_id, fields)


def introduce(store: Store, peer: Store) -> None:
    """Let two trainers exchange bundles directly (as a shared folder does)."""
    trust.remember_peer(store, trust.own_certificate(peer))
