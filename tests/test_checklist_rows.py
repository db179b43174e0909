"""Checklist results stored one compact row per person and session, and the move there."""

import random
import sqlite3
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debc_outreach.storage import checklist, migrations, projection
from debc_outreach.storage.database import DB_FILENAME, Database
from debc_outreach.storage.events import Event
from debc_outreach.storage.projection import checklist_rows
from debc_outreach.storage.store import Store

COMPACT = "0023_checklist_rows_compact"


@given(st.uuids())
def test_a_uuid_is_stored_as_its_16_bytes_and_read_back_as_written(value):
    text = str(value)
    assert checklist_rows.participant_key(text) == value.bytes
    assert checklist_rows.participant_id(checklist_rows.participant_key(text)) == text


@given(st.text(min_size=1, max_size=40).filter(lambda t: " " not in t))
def test_any_other_id_is_kept_as_its_text(text):
    key = checklist_rows.participant_key(text)
    assert checklist_rows.participant_id(key) == text
    assert checklist_rows.participant_id(checklist_rows.participant_key(text.upper())) \
        == text.upper()


@pytest.mark.parametrize("text", [
    "0B6C1F8E-3D2A-4C55-9E61-7A8B9C0D1E2F",        # upper case
    "0b6c1f8e-3d2a-4c55-9e61-7a8b9c0d1e-f",        # a dash too many
    "0b6c1f8e-3d2a-4c55-9e61 7a8b9c0d1e2f",        # a space where a dash goes
    "0b6c1f8e-3d2a-4c55-9e6-17a8b9c0d1e2f",        # a dash out of place
    "0b6c1f8e-3d2a-4c55-9e61-7a8b9c0d 1e2",        # hex with a space inside
])
def test_an_id_that_only_looks_like_a_uuid_keeps_its_spelling(text):
    assert checklist_rows.participant_key(text) == text
    assert checklist_rows.participant_id(checklist_rows.participant_key(text)) == text


def test_item_characters_skip_the_code_points_a_text_cannot_hold():
    for key in (1, 127, 0xD7FF, 0xD800, 0xE000, 0x10000):
        char = checklist_rows.item_char(key)
        char.encode("utf-8")
        assert checklist_rows.item_key(char) == key


def _old_cells(rng: random.Random) -> list[tuple]:
    """Results as the one-row-per-cell table held them: UUID and other ids, several
    items, states and devices per person and session."""
    people = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(30)] + ["p-1", "P2"]
    session_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(6)] + ["s-text"]
    items = [f"module{m}.item{i}" for m in range(3) for i in range(4)]
    cells = {}
    for _ in range(600):
        cell = (rng.choice(session_ids), rng.choice(people), rng.choice(items))
        cells[cell] = (rng.choice(checklist.STATES), rng.randrange(1, 2**62),
                       rng.choice(["dev-a", "dev-b", str(uuid.UUID(int=5))]))
    return sorted((*cell, *value) for cell, value in cells.items())


def _folder_before_compact_rows(folder, monkeypatch, cells):
    before = tuple(m for m in migrations.MIGRATIONS if m.name < COMPACT)
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    with Store.open(folder) as store:
        with store.database.transaction() as conn:
            conn.executemany("INSERT INTO checklist_result VALUES (?, ?, ?, ?, ?, ?)", cells)
    monkeypatch.undo()


def test_the_migration_keeps_every_result_cell_by_cell(tmp_path, monkeypatch):
    cells = _old_cells(random.Random(23))
    _folder_before_compact_rows(tmp_path / "old", monkeypatch, cells)
    monkeypatch.setattr(migrations, "_CHECKLIST_BATCH", 37)   # batches end mid-person
    with Store.open(tmp_path / "old") as store:
        assert COMPACT in migrations.applied_migrations(store.database)
        assert checklist_rows.cells(store.database.conn) == cells
        assert store.database.query(
            "SELECT name FROM sqlite_master WHERE name IN ('checklist_result', "
            "'checklist_participant')") == []
        by_session = {}
        for session_id, person, item, state, _hlc, _device in cells:
            by_session.setdefault(session_id, {})[(person, item)] = state
        for session_id, results in by_session.items():
            assert checklist.results(store.database.conn, session_id) == results


def test_the_migration_reports_its_progress_to_the_end(tmp_path, monkeypatch):
    cells = _old_cells(random.Random(5))
    _folder_before_compact_rows(tmp_path / "old", monkeypatch, cells)
    monkeypatch.setattr(migrations, "_CHECKLIST_BATCH", 50)
    database = Database(tmp_path / "old" / DB_FILENAME)
    heard = []
    try:
        migrations.migrate(database, tmp_path / "backups",
                           lambda name, done, total: heard.append((name, done, total)))
        assert checklist_rows.cells(database.conn) == cells
    finally:
        database.close()
    # This migration's reports, without its "starting" (later migrations report too).
    heard = [report for report in heard if report[0] == COMPACT and report != (COMPACT, 0, 0)]
    assert heard[0] == (COMPACT, 0, len(cells)) and heard[-1] == (COMPACT, len(cells), len(cells))
    assert [done for _name, done, _total in heard] == sorted(done for _n, done, _t in heard)


def test_after_the_migration_an_older_tick_loses_and_a_newer_one_wins(tmp_path, monkeypatch):
    session_id, person = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))
    cells = [(session_id, person, "m.a", "achieved", 100, "dev-b")]
    _folder_before_compact_rows(tmp_path / "old", monkeypatch, cells)
    with Store.open(tmp_path / "old") as store:
        with store.database.transaction() as conn:
            for hlc, device, state in ((100, "dev-a", "not_yet"), (99, "dev-z", "not_yet")):
                projection.apply(conn, Event(device, 1, hlc, "checklist", session_id, "set",
                                             {"participant_ids": [person], "item_id": "m.a",
                                              "state": state}))
            assert checklist.results(conn, session_id) == {(person, "m.a"): "achieved"}
            projection.apply(conn, Event("dev-a", 2, 101, "checklist", session_id, "set",
                                         {"participant_ids": [person], "item_id": "m.a",
                                          "state": "not_yet"}))
            assert checklist.results(conn, session_id) == {(person, "m.a"): "not_yet"}


def _plans_scanning_rows(conn, action) -> list[str]:
    """Statements `action` runs whose plan reads checklist_row from end to end."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        action()
    finally:
        conn.set_trace_callback(None)
    scanning = []
    for sql in statements:
        if "checklist_row" not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        if "SCAN checklist_row" in plan or "SCAN r" in plan.split(" | "):
            scanning.append(f"{sql} -> {plan}")
    return scanning


def test_a_tick_and_a_session_grid_look_rows_up_by_key_never_by_a_scan():
    """A tick on a national programme must not read a million rows to merge a few."""
    conn = sqlite3.connect(":memory:")
    checklist_rows.create(conn)
    people = [str(uuid.UUID(int=n)) for n in range(1, 60)]
    checklist_rows.write(conn, [(f"s{n % 7}", person, "m.a", "achieved", n, "dev-a")
                                for n, person in enumerate(people)])
    event = Event("dev-b", 1, 500, "checklist", "s3", "set",
                  {"participant_ids": people[:20], "item_id": "m.b", "state": "not_yet"})
    assert _plans_scanning_rows(conn, lambda: projection.apply(conn, event)) == []
    assert _plans_scanning_rows(conn, lambda: checklist.results(conn, "s3")) == []
    assert _plans_scanning_rows(
        conn, lambda: checklist_rows.achieved_by_session(conn, people[:3], ["s1", "s3"])) == []
