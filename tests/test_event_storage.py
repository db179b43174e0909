"""How this computer stores an event (storage/events.py): a compact row that reads back
as exactly the event that was written, so its hash verifies as on every other computer.

The wire form (canonical JSON, text ids, hex hashes) is pinned by test_event_chain.py;
these tests pin the round trip of the stored form, the migration of a folder written
with the text layout, and that record and chain lookups still use their indexes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from debc_outreach.storage import events, migrations
from debc_outreach.storage.database import DB_FILENAME, Database
from debc_outreach.storage.events import GENESIS_HASH, Event, dumps
from debc_outreach.storage.store import Store

# --- arbitrary events ----------------------------------------------------------------------

uuids = st.uuids().map(str)
# Ids as they come: canonical UUIDs, UUIDs in capitals or without dashes, any text.
ids = st.one_of(uuids, uuids.map(str.upper), uuids.map(lambda u: u.replace("-", "")),
                st.text(max_size=40))
# Text that looks like the packed forms: quotes around UUIDs, 0xff-looking characters.
tricky_text = st.one_of(
    st.text(),
    uuids.map(lambda u: f'"{u}"'),
    uuids.map(lambda u: f'say "{u}" \\ ÿ {u}'),
    st.text(alphabet="0123456789abcdef-\"\\ÿ", max_size=60),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.floats(allow_nan=False, allow_infinity=False), tricky_text, uuids),
    lambda children: st.one_of(st.lists(children, max_size=6),
                               st.dictionaries(tricky_text, children, max_size=6)),
    max_leaves=25)
field_maps = st.dictionaries(st.one_of(st.text(max_size=20), uuids), json_values, max_size=8)


@st.composite
def arbitrary_events(draw) -> Event:
    fields = draw(field_maps)
    base = draw(st.one_of(
        st.just(dict.fromkeys(fields, 0)),                   # a new record's base
        st.just({}),
        st.dictionaries(st.text(max_size=20), st.one_of(st.integers(), st.booleans(),
                                                        st.just(0), st.just(0.0)),
                        max_size=6),
        st.builds(lambda: {name: False for name in fields}),  # looks like zero, is not
    ))
    draft = Event(device_id=draw(ids), seq=draw(st.integers(1, 2**40)),
                  hlc=draw(st.integers(0, 2**63 - 1)), entity=draw(st.text(max_size=20)),
                  entity_id=draw(ids), op=draw(st.sampled_from(["set", "add", "redacted"])
                                               | st.text(max_size=10)),
                  fields=fields, schema_version=draw(st.integers(0, 9)), base=base,
                  prev_hash=draw(st.one_of(st.just(GENESIS_HASH),
                                           st.binary(min_size=32, max_size=32).map(bytes.hex),
                                           st.text(max_size=70))))
    return replace(draft, hash=draft.computed_hash())


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    with Store.open(tmp_path_factory.mktemp("log")) as store:
        yield store.database.conn


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(event=arbitrary_events())
def test_any_event_reads_back_exactly_and_its_hash_verifies(log, event):
    log.execute("SAVEPOINT one")
    try:
        events.insert_rows(log, [(*event.as_row(), 1)])
        stored = events.row_at(log, event.device_id, event.seq)
        assert stored == event.as_row()
        assert events.from_row(stored) == event
        assert events.from_row(stored).computed_hash() == event.hash
        columns = "device_id, seq, hlc, entity, entity_id, op, schema_version, prev_hash, hash"
        through_view = log.execute(f"SELECT {columns} FROM event WHERE device_id = ? AND "
                                   f"seq = ?", (event.device_id, event.seq)).fetchone()
        row = event.as_row()
        assert tuple(through_view) == (*row[:6], *row[8:])
    finally:
        log.execute("ROLLBACK TO one")
        log.execute("RELEASE one")


@st.composite
def chains(draw) -> list[tuple]:
    """A few devices' chains of arbitrary events, linked, where ids, fields and devices
    repeat as in a real log (long reads and writes remember those)."""
    devices = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    records = draw(st.lists(ids, min_size=1, max_size=4))
    rows = []
    for device in devices:
        prev = GENESIS_HASH
        for seq, event in enumerate(draw(st.lists(arbitrary_events(), min_size=1,
                                                  max_size=6)), start=1):
            draft = replace(event, device_id=device, seq=seq, prev_hash=prev,
                            entity_id=draw(st.one_of(st.sampled_from(records), ids)))
            row = replace(draft, hash=draw(st.one_of(
                st.just(draft.computed_hash()), st.just(prev), st.text(max_size=70)))).as_row()
            rows.append((*row, draw(st.sampled_from((0, 1)))))
            prev = row[events.HASH]
    return rows


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chain=chains())
def test_whole_chains_read_back_exactly_through_every_long_read(log, chain):
    log.execute("SAVEPOINT one")
    try:
        events.insert_rows(log, chain)
        written = [row[:11] for row in chain]
        by_device: dict[str, list[tuple]] = {}
        for row in written:
            by_device.setdefault(row[events.DEVICE_ID], []).append(row)
        for device, rows in by_device.items():
            assert list(events.chain_rows(log, device)) == rows
            assert list(events.rows(log, "device_id = ?", (device,), "seq")) == rows
        assert sorted(events.all_rows(log)) == sorted(written)
        # Rows written all with one `applied`, and each chain's last seq.
        first = chain[0][events.DEVICE_ID]
        kept = [row[:11] for row in chain if row[events.DEVICE_ID] == first and row[11]]
        events.delete_from(log, first, 1)
        events.insert_rows(log, kept, applied=1)
        assert list(events.chain_rows(log, first)) == kept
        assert log.execute("SELECT count(*) FROM event WHERE device_id = ? AND applied = 1",
                           (first,)).fetchone()[0] == len(kept)
        heads = {device: rows[-1][events.SEQ] for device, rows in by_device.items()
                 if device != first}
        if kept:
            heads[first] = kept[-1][events.SEQ]
        assert events.last_seqs(log) == heads
    finally:
        log.execute("ROLLBACK TO one")
        log.execute("RELEASE one")


@settings(max_examples=300, deadline=None)
@given(fields=field_maps, base=st.one_of(field_maps, st.just({})))
def test_a_body_decodes_to_the_very_text_it_was_made_of(fields, base):
    fields_text, base_text = dumps(fields), dumps(base)
    assert events.decode_body(events.encode_body(fields_text, base_text)) == \
        (fields_text, base_text)
    zero = dumps(dict.fromkeys(fields, 0))
    assert events.decode_body(events.encode_body(fields_text, zero)) == (fields_text, zero)


@settings(max_examples=300, deadline=None)
@given(fields=st.one_of(st.text(), tricky_text), base=st.one_of(st.text(), tricky_text))
def test_any_text_comes_back_exactly_not_only_json(fields, base):
    assert events.decode_body(events.encode_body(fields, base)) == (fields, base)


@given(text=st.text(max_size=80))
def test_ids_and_hashes_keep_their_exact_text(text):
    assert events.id_text(events.id_key(text)) == text
    assert events.hash_text(events.hash_key(text)) == text


def test_db_check_reads_the_hash_of_text_that_is_not_canonical_from_the_parsed_event(log):
    """Every event this app writes holds canonical JSON, whose hash db check takes from
    the text as stored; other text (written by hand) is parsed first, as before."""
    draft = Event("hand", 1, 5, "note", "n1", "set", {"b": 1, "a": "សុខ"}, base={"b": 0})
    event = replace(draft, hash=draft.computed_hash())
    by_hand = (*event.as_row()[:6], '{"b": 1, "a": "\\u179f\\u17bb\\u1781"}', '{ "b":0 }',
               *event.as_row()[8:], 1)
    log.execute("SAVEPOINT one")
    try:
        events.insert_rows(log, [by_hand])
        assert not any("hand" in problem for problem in events.verify_chains(log))
        events.delete_from(log, "hand", 1)
        events.insert_rows(log, [(*by_hand[:6], '{"b": 2, "a": "x"}', *by_hand[7:])])
        assert "device hand: event 1 was altered (hash mismatch)" in events.verify_chains(log)
    finally:
        log.execute("ROLLBACK TO one")
        log.execute("RELEASE one")


def test_canonical_uuids_and_hex_hashes_are_stored_as_bytes():
    pid = str(uuid.uuid4())
    assert events.id_key(pid) == uuid.UUID(pid).bytes
    assert events.id_key(pid.upper()) == pid.upper()          # not canonical: kept as text
    assert events.hash_key("ab" * 32) == bytes.fromhex("ab" * 32)
    assert events.hash_key("AB" * 32) == "AB" * 32


def test_a_check_in_and_a_new_record_are_stored_in_a_few_dozen_bytes():
    check_in = dumps({"at": "2026-03-17T12:00:00+00:00", "participant_id": str(uuid.uuid4())})
    assert len(events.encode_body(check_in, "{}")) <= 40
    person = {"age_band": "15-24", "birth_year": None, "consent": "yes",
              "consent_by": str(uuid.uuid4()), "consent_date": "2026-04-07", "deleted": 0,
              "display_name": "Ly Sophea", "merged_into": "", "phone": "", "sex": "F",
              "village_code": "21020611",
              "wg": {"communicating": 1, "hearing": 1, "remembering": 1, "seeing": 1,
                     "self_care": 1, "walking": 1}}
    text = dumps(person)
    assert len(events.encode_body(text, dumps(dict.fromkeys(person, 0)))) <= 90 < len(text)


def test_a_body_from_a_newer_version_is_refused_not_misread():
    with pytest.raises(ValueError):
        events.decode_body(b"\x07abc")


# --- indexes -------------------------------------------------------------------------------

def _plan(conn, sql: str, params: tuple) -> str:
    return " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def test_record_and_chain_lookups_use_their_indexes(log):
    record = _plan(log, "SELECT * FROM event WHERE entity = ? AND stored_entity_id = ?",
                   ("participant", b"x" * 16))
    assert "event_entity" in record and "SCAN r" not in record
    chain = _plan(log, "SELECT * FROM event WHERE device_id = ? AND seq >= ?", ("d", 1))
    assert "PRIMARY KEY" in chain and "SCAN r" not in chain
    # Events stored but not applied are few among millions: counted and retried often.
    unapplied = _plan(log, "SELECT device_id, seq FROM event WHERE applied = 0", ())
    assert "event_unapplied" in unapplied and "SCAN r" not in unapplied



def test_the_last_seq_of_every_chain_is_read_without_walking_the_log(tmp_path):
    database = Database(tmp_path / DB_FILENAME)
    migrations.migrate(database, tmp_path / "backups")
    with database.transaction() as conn:
        for device, length in (("b-laptop", 3), ("a-laptop", 2), ("gone", 1)):
            prev = GENESIS_HASH
            for seq in range(1, length + 1):
                draft = Event(device, seq, seq, "session", f"s-{seq}", "set", {}, 1, {}, prev)
                event = replace(draft, hash=draft.computed_hash())
                events.insert(conn, event)
                prev = event.hash
        events.delete_from(conn, "gone", 1)          # its device keeps its local number
        vector = events.last_seqs(conn)
        plan = _plan(conn, "SELECT d.device_id, (SELECT max(r.seq) FROM event_row r "
                     "WHERE r.device = d.key) FROM event_device d", ())
    assert vector == {"b-laptop": 3, "a-laptop": 2}
    assert "SCAN r" not in plan
    database.close()


# --- migrating a folder written with the text layout ---------------------------------------

def _text_layout_folder(data_dir) -> Database:
    """A database as the releases before compact storage left it, with events in it."""
    database = Database(data_dir / DB_FILENAME)
    database.configure_for_writing()
    upto = [m.name for m in migrations.MIGRATIONS].index("0021_report_visit_first_marks")
    with database.transaction() as conn:
        conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for migration in migrations.MIGRATIONS[:upto + 1]:
            migration.apply(conn)
            conn.execute("INSERT INTO _migrations VALUES (?, '2026-01-01')", (migration.name,))
    return database


def _legacy_rows() -> list[tuple]:
    """Two devices' chains: new records, check-ins, an unapplied edit, a stand-in, a
    non-UUID id, and one event edited after it was hashed (db check reports it)."""
    rows = []
    for device in (str(uuid.uuid4()), "old-laptop"):
        prev = GENESIS_HASH
        session = str(uuid.uuid4())
        drafts = [
            ("participant", str(uuid.uuid4()), "set",
             {"display_name": "សុខ ដារា", "village_code": "07010101", "phone": ""}, None),
            ("attendance", session, "add",
             {"at": "2026-03-17T12:00:00+00:00", "participant_id": str(uuid.uuid4())}, {}),
            ("session", session, "set", {"state": "running", "ratio": 0.1}, {"state": 17}),
            ("participant", "p-legacy-1", "redacted", {}, {}),
            ("checklist", session, "set",
             {"item_id": "x.y", "participant_ids": [str(uuid.uuid4()) for _ in range(30)],
              "state": "achieved"}, None),
        ]
        for seq, (entity, entity_id, op, fields, base) in enumerate(drafts, 1):
            base = dict.fromkeys(fields, 0) if base is None else base
            draft = Event(device, seq, 1000 + seq, entity, entity_id, op, fields, 1, base, prev)
            event = replace(draft, hash=draft.computed_hash())
            rows.append((*event.as_row(), 0 if seq == 3 else 1))
            prev = event.hash
    edited = list(rows[1])
    edited[events.FIELDS] = edited[events.FIELDS].replace("12:00", "13:00")
    rows[1] = tuple(edited)
    return rows


def _with_applied(conn) -> list[tuple]:
    applied = dict(((device, seq), flag) for device, seq, flag in conn.execute(
        "SELECT device_id, seq, applied FROM event"))
    return [(*row, applied[row[0], row[1]]) for row in events.rows(conn)]


def test_migration_rewrites_the_log_and_every_chain_verifies_as_before(tmp_path):
    database = _text_layout_folder(tmp_path)
    rows = _legacy_rows()
    with database.transaction() as conn:
        conn.executemany(f"INSERT INTO event ({events.EVENT_COLUMNS}, applied) "
                         f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    before = events.verify_chains(database.conn)
    assert len(before) == 1 and "altered" in before[0]
    heard = []
    applied = migrations.migrate(database, tmp_path / "backups",
                                 lambda name, done, total: heard.append((name, done, total)))
    assert "0024_event_rows_compact" in applied
    ours = [report for report in heard if report[0] == "0024_event_rows_compact"]
    assert ours[-1] == ("0024_event_rows_compact", len(rows), len(rows))
    conn = database.conn
    assert events.verify_chains(conn) == before
    assert sorted(_with_applied(conn)) == sorted(rows)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'event' "
                        "AND type = 'view'").fetchone()[0] == 1
    database.close()


def test_a_migrated_folder_opens_and_keeps_writing_its_chain(tmp_path):
    database = _text_layout_folder(tmp_path)
    database.close()
    with Store.open(tmp_path) as store:
        store.record("participant", str(uuid.uuid4()), {"display_name": "Chea Bopha"})
        assert events.verify_chains(store.database.conn) == []
        head, digest = events.chain_head(store.database.conn, store.device_id)
        assert head >= 1 and digest == events.hash_at(store.database.conn, store.device_id,
                                                      head)


def test_a_log_that_would_not_read_back_stops_the_migration_and_changes_nothing(
        tmp_path, monkeypatch):
    database = _text_layout_folder(tmp_path)
    rows = _legacy_rows()
    with database.transaction() as conn:
        conn.executemany(f"INSERT INTO event ({events.EVENT_COLUMNS}, applied) "
                         f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    monkeypatch.setattr(events, "id_text", lambda stored: "damaged")
    with pytest.raises(migrations.UserError):
        migrations.migrate(database, tmp_path / "backups")
    assert "0024_event_rows_compact" not in migrations.applied_migrations(database)
    assert sorted(tuple(row) for row in database.conn.execute(
        f"SELECT {events.EVENT_COLUMNS}, applied FROM event")) == sorted(rows)   # text layout
    assert json.loads(rows[0][events.FIELDS])["display_name"] == "សុខ ដារា"
    database.close()
