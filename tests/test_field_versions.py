"""Field versions kept one row per record (storage/field_versions.py).

The encoding gives back every version it was given; migration 0022 turns a folder's
one-row-per-field table into it with the same versions; and a folder so migrated
merges later events exactly as one that never had the old table.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.sync_devices import VILLAGE_IN, make_programme, projection_snapshot, send

from debc_outreach.storage import (
    events,
    field_versions,
    migrations,
    participants,
    projection,
    sessions,
)
from debc_outreach.storage import store as store_module
from debc_outreach.storage.check import check_database
from debc_outreach.storage.events import Event
from debc_outreach.storage.store import Store
from debc_outreach.sync import conflicts, export, importer

MIGRATION = "0022_field_versions_compact"
COMPACT_TABLES = ("record_version", "version_device", "version_entity")

FIELD_NAMES = [f"field_{number}" for number in range(70)]     # more than a mask holds
DEVICES = [str(uuid.UUID(int=number)) for number in range(1, 5)]
versions_of_a_record = st.dictionaries(
    st.sampled_from(FIELD_NAMES),
    st.tuples(st.integers(1, 2**62), st.sampled_from(DEVICES)), min_size=1, max_size=70)
record_ids = st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=40))


def _bare() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    field_versions.create(conn)
    return conn


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["participant", "session"]), record_ids,
                          versions_of_a_record), min_size=1, max_size=6))
def test_each_record_reads_back_the_versions_it_was_given(writes):
    conn = _bare()
    expected: dict[tuple[str, str], dict] = {}
    for entity, entity_id, versions in writes:
        # Later writes of a record replace what it had, as a merge does.
        field_versions.write(conn, entity, entity_id, versions)
        expected[(entity, entity_id)] = versions
    for (entity, entity_id), versions in expected.items():
        assert field_versions.read(conn, entity, entity_id) == versions
    assert sorted(field_versions.rows(conn)) == sorted(
        (entity, entity_id, field, hlc, device)
        for (entity, entity_id), versions in expected.items()
        for field, (hlc, device) in versions.items())
    assert field_versions.stored(conn, [*expected, ("participant", "nobody")]) == set(expected)


def test_a_record_written_once_is_one_row_without_field_list():
    conn = _bare()
    record = str(uuid.uuid4())
    codes = field_versions.Codes(conn)
    field_versions.insert(conn, [codes.fresh("participant", record, ["display_name", "sex"],
                                             7, DEVICES[0])])
    (key, hlc, device, mask, others), = conn.execute(
        "SELECT entity_id, hlc, device, fields, others FROM record_version")
    assert (key, hlc, mask, others) == (uuid.UUID(record).bytes, 7, 0b11, None)
    assert conn.execute("SELECT device_id FROM version_device WHERE no = ?",
                        (device,)).fetchone() == (DEVICES[0],)
    assert field_versions.read(conn, "participant", record) == {
        "display_name": (7, DEVICES[0]), "sex": (7, DEVICES[0])}
    assert field_versions.read(conn, "participant", record.upper()) == {}


# --- a folder of schema 0021, migrated -------------------------------------------------

TRAINERS = [str(uuid.UUID(int=1, version=4)), "t-legacy"]     # a UUID and a text id
TRAINER_VALUES = {"display_name": st.sampled_from(["ដារា", "Dara"]),
                  "phone": st.sampled_from(["012", "097"]), "deleted": st.booleans()}
trainer_edit = st.tuples(
    st.sampled_from(DEVICES[:3]), st.integers(1, 40), st.sampled_from(TRAINERS),
    st.sets(st.sampled_from(list(TRAINER_VALUES)), min_size=1).flatmap(
        lambda names: st.fixed_dictionaries({name: TRAINER_VALUES[name] for name in names})),
    st.dictionaries(st.sampled_from(list(TRAINER_VALUES)), st.integers(0, 40)))


def _events(edits: list[tuple]) -> list[Event]:
    """Events of the edits, one per (hlc, device) like a real log."""
    made, seqs, taken = [], dict.fromkeys(DEVICES, 0), set()
    for device, hlc, trainer, fields, base in edits:
        if (hlc, device) in taken:
            continue
        taken.add((hlc, device))
        seqs[device] += 1
        made.append(Event(device, seqs[device], hlc, "trainer", trainer, "set", fields, 1,
                          {name: base.get(name, 0) for name in fields}, "", ""))
    return made


def _projection(conn) -> dict[str, list]:
    return {"versions": sorted(field_versions.rows(conn)),
            **{table: sorted(conn.execute(f"SELECT * FROM {table}"))
               for table in ("trainer", "field_seen", "conflict")}}


def _old_layout_then_migration_0022(conn) -> None:
    rows = list(field_versions.rows(conn))
    conn.execute("CREATE TABLE field_version (entity TEXT NOT NULL, entity_id TEXT NOT NULL, "
                 "field TEXT NOT NULL, hlc INTEGER NOT NULL, device_id TEXT NOT NULL, "
                 "PRIMARY KEY (entity, entity_id, field)) WITHOUT ROWID")
    conn.executemany("INSERT INTO field_version VALUES (?, ?, ?, ?, ?)", rows)
    for table in COMPACT_TABLES:
        conn.execute(f"DROP TABLE {table}")
    next(m for m in migrations.MIGRATIONS if m.name == MIGRATION).apply(conn)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(trainer_edit, min_size=1, max_size=20), st.integers(0, 20))
def test_migrating_between_any_two_events_changes_no_merge(tmp_path_factory, edits, cut):
    """Any events, applied straight through or with migration 0022 run part way: the
    same versions, rows, seen versions and conflicts."""
    made = _events(edits)
    folder = tmp_path_factory.mktemp("merge")
    with Store.open(folder / "fresh") as fresh, Store.open(folder / "migrated") as migrated:
        for store in (fresh, migrated):
            with store.database.transaction() as conn:
                for index, event in enumerate([*made, None]):
                    if store is migrated and index == min(cut, len(made)):
                        _old_layout_then_migration_0022(conn)
                    if event is not None:
                        events.insert(conn, event)
                        projection.apply(conn, event)
        assert _projection(migrated.database.conn) == _projection(fresh.database.conn)


def _versions(store: Store) -> list[tuple]:
    return sorted(field_versions.rows(store.database.conn))


def _bases(store: Store) -> dict[tuple[str, str], dict]:
    conn = store.database.conn
    records = {(entity, entity_id) for entity, entity_id, *_ in field_versions.rows(conn)}
    every_field = dict.fromkeys([*projection.ENTITIES["participant"].fields,
                                 *projection.ENTITIES["session"].fields], None)
    return {key: projection.current_base(conn, *key, every_field) for key in sorted(records)}


def _to_schema_0021(folder: Path) -> None:
    """Put back the one-row-per-field table an older version of the app left behind."""
    with Store.open(folder) as store, store.database.transaction() as conn:
        rows = list(field_versions.rows(conn))
        conn.execute("""
            CREATE TABLE field_version (
                entity TEXT NOT NULL,
                entity_id TEXT NOT NULL,
                field TEXT NOT NULL,
                hlc INTEGER NOT NULL,
                device_id TEXT NOT NULL,
                PRIMARY KEY (entity, entity_id, field)
            ) WITHOUT ROWID""")
        conn.executemany("INSERT INTO field_version VALUES (?, ?, ?, ?, ?)", rows)
        for table in COMPACT_TABLES:
            conn.execute(f"DROP TABLE {table}")
        conn.execute("DELETE FROM _migrations WHERE name = ?", (MIGRATION,))


def _programme(root: Path) -> tuple[Store, list[Store]]:
    """Records written once, records edited, concurrent edits (conflicts) and sessions."""
    coordinator, trainers = make_programme(root, trainers=2)
    first, second = trainers
    people = [participants.add_participant(first, name, sex="F", birth_year=1990,
                                           village_code=VILLAGE_IN, phone="012 345 678")
              for name in ("សុខ ដារា", "ចាន់ ធីតា", "Kolab Sreyneang")]
    session = sessions.create(first, "2026-11-02", VILLAGE_IN, ["khmer-typing"])
    for sender, receiver in ((first, coordinator), (coordinator, second)):
        send(sender, receiver, root / "bundles")
    first.record("participant", people[0].id, {"display_name": "សុខ ដារ៉ា"})
    second.record("participant", people[0].id, {"display_name": "Sok Dara"})
    second.record("participant", people[1].id, {"phone": "097 111 222", "sex": "M"})
    first.record("session", session.id, {"venue": "វត្តភ្នំ"})
    for sender, receiver in ((first, coordinator), (second, coordinator),
                             (coordinator, first), (coordinator, second)):
        send(sender, receiver, root / "bundles")
    return coordinator, trainers


def test_migration_keeps_every_version_and_reports_its_progress(tmp_path, monkeypatch):
    coordinator, (first, second) = _programme(tmp_path)
    before, bases = _versions(first), _bases(first)
    conflicts_before = conflicts.list_conflicts(first.database)
    assert conflicts_before and len(before) > 20
    folder = first.data_dir
    for store in (coordinator, first, second):
        store.close()
    _to_schema_0021(folder)

    heard: list[tuple[str, int, int]] = []
    migrate = migrations.migrate
    monkeypatch.setattr(store_module.migrations, "migrate",
                        lambda database, backups, progress=None: migrate(
                            database, backups, lambda *step: heard.append(step)))
    with Store.open(folder) as store:
        conn = store.database.conn
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'field_version'"
                            ).fetchone() is None
        assert _versions(store) == before
        assert _bases(store) == bases
        assert conflicts.list_conflicts(store.database) == conflicts_before
        assert check_database(store.database) == []
    assert heard and heard[-1] == (MIGRATION, len(before), len(before))
    assert all(done <= total for _name, done, total in heard)


def test_a_migrated_folder_merges_later_events_as_a_fresh_one(tmp_path):
    coordinator, (first, second) = _programme(tmp_path)
    first.close()
    shutil.copytree(first.data_dir, tmp_path / "migrated")
    _to_schema_0021(tmp_path / "migrated")
    fresh = Store.open(first.data_dir)
    migrated = Store.open(tmp_path / "migrated")
    try:
        person = fresh.database.scalar("SELECT id FROM participant ORDER BY id LIMIT 1")
        session = fresh.database.scalar("SELECT id FROM session")
        # Edits made elsewhere, some over versions these folders hold, some concurrent.
        second.record("participant", person, {"display_name": "ដារា", "phone": "011 000 111"})
        coordinator.record("participant", person, {"display_name": "Dara"})
        second.record("session", session, {"venue": "សាលាឃុំ", "partner": "NGO"})
        send(second, coordinator, tmp_path / "bundles")
        path = tmp_path / "later.debc-bundle"
        export.export_bundle(coordinator, fresh.device_id, path)
        for receiver in (fresh, migrated):
            importer.import_bundle(receiver, path)
        assert migrated.database.scalar(
            "SELECT count(*) FROM sqlite_master WHERE name = 'field_version'") == 0
        later = field_versions.read(fresh.database.conn, "participant", person)
        assert later["display_name"][1] in (second.device_id, coordinator.device_id)
        assert _versions(migrated) == _versions(fresh)
        assert projection_snapshot(migrated) == projection_snapshot(fresh)
        assert conflicts.list_conflicts(migrated.database) == \
            conflicts.list_conflicts(fresh.database)
        # And the next local edit names the same versions it overwrites.
        assert _bases(migrated) == _bases(fresh)
    finally:
        for store in (coordinator, second, fresh, migrated):
            store.close()
