"""A large import into a small database rebuilds some indexes once: same result, same safety."""

from __future__ import annotations

import random
import shutil
import uuid

import pytest
from support.sync_devices import make_programme, projection_snapshot

from debc_outreach.storage.store import Store
from debc_outreach.sync import bulk, export, importer

INDEXES = ("attendance_participant", "checklist_row_session", "event_entity")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _record_session_work(trainer: Store, rng: random.Random) -> None:
    """Check-ins, removals and checklist ticks, with repeats, over a few sessions."""
    people = [_uuid(rng) for _ in range(12)]
    for _session in range(4):
        session = _uuid(rng)
        for _ in range(25):
            person = rng.choice(people)
            choice = rng.random()
            if choice < 0.6:
                trainer.record("attendance", session, {"participant_id": person}, op="add")
            elif choice < 0.8:
                trainer.record("attendance", session, {"participant_id": person},
                               op="remove")
            else:
                trainer.record("checklist", session,
                               {"participant_ids": rng.sample(people, 3), "item_id": "m.one",
                                "state": rng.choice(["achieved", "not_yet"])})


@pytest.fixture
def bundle_for_two_copies(tmp_path):
    """A trainer's bundle, and two identical copies of the coordinator that receives it."""
    coordinator, (trainer,) = make_programme(tmp_path, trainers=1)
    _record_session_work(trainer, random.Random(3))
    path = tmp_path / "bundle"
    export.export_bundle(trainer, coordinator.device_id, path)
    trainer.close()
    coordinator.close()
    shutil.copytree(tmp_path / "coordinator", tmp_path / "copy")
    stores = [Store.open(tmp_path / "coordinator"), Store.open(tmp_path / "copy")]
    yield path, stores
    for store in stores:
        store.close()


def _indexes(store: Store) -> list[tuple]:
    return sorted(map(tuple, store.database.query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")))


def test_bulk_import_gives_the_same_tables_and_indexes_as_row_by_row(
        bundle_for_two_copies, monkeypatch):
    path, (normal, bulky) = bundle_for_two_copies
    indexes_before = _indexes(normal)
    monkeypatch.setattr(bulk, "BULK_EVENTS", 10**9)
    first = importer.import_bundle(normal, path)
    used = []
    monkeypatch.setattr(bulk, "BULK_EVENTS", 1)
    original = bulk.drop
    monkeypatch.setattr(bulk, "drop", lambda conn, indexes: (used.extend(indexes),
                                                              original(conn, indexes)))
    second = importer.import_bundle(bulky, path)
    assert sorted(name for name, _sql in used) == list(INDEXES)
    assert first.new == second.new == 100
    assert projection_snapshot(normal) == projection_snapshot(bulky)
    assert _indexes(bulky) == _indexes(normal) == indexes_before
    assert bulky.database.scalar("PRAGMA integrity_check") == "ok"
    # The rebuilt index answers like the maintained one.
    query = ("SELECT participant_id, session_id FROM attendance INDEXED BY "
             "attendance_participant ORDER BY participant_id, session_id")
    assert normal.database.query(query) == bulky.database.query(query)


def test_a_failure_during_a_bulk_import_leaves_the_database_as_it_was(
        bundle_for_two_copies, monkeypatch):
    path, (store, _copy) = bundle_for_two_copies
    indexes_before = _indexes(store)
    events_before = store.database.scalar("SELECT count(*) FROM event")
    monkeypatch.setattr(bulk, "BULK_EVENTS", 1)
    monkeypatch.setattr(importer, "CHUNK_EVENTS", 30)
    calls = []
    original = importer._apply_chunk

    def failing(*args):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        original(*args)

    monkeypatch.setattr(importer, "_apply_chunk", failing)
    with pytest.raises(OSError):
        importer.import_bundle(store, path)
    assert _indexes(store) == indexes_before
    assert store.database.scalar("SELECT count(*) FROM event") == events_before
    assert store.database.scalar("SELECT count(*) FROM attendance") == 0
    monkeypatch.setattr(importer, "_apply_chunk", original)
    assert importer.import_bundle(store, path).new == 100


def test_bulk_mode_only_when_nothing_looks_events_up_by_those_indexes(store):
    conn = store.database.conn
    assert bulk.deferrable_indexes(conn, bulk.BULK_EVENTS, {"attendance", "checklist", ""})
    assert not bulk.deferrable_indexes(conn, bulk.BULK_EVENTS - 1, {"attendance"})
    assert not bulk.deferrable_indexes(conn, bulk.BULK_EVENTS, {"attendance", "participant"})
