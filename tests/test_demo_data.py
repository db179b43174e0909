"""The bulk demo writer produces exactly what applying its events one by one produces."""

import datetime as dt

from debc_outreach.storage import demo, projection
from debc_outreach.storage.events import EVENT_COLUMNS, from_row
from debc_outreach.storage.store import Store

TABLES = {
    "participant": "id, display_name, name_key, sort_key, sex, birth_year, age_band, "
                   "village_code, phone_key, wg, disability, consent, merged_into",
    "session": "id, date, village_code, modules, state, closed_at",
    "attendance": "session_id, participant_id, present",
    "checklist_result": "session_id, participant_id, item_id, state",
}


def _snapshot(database):
    return {table: sorted(database.conn.execute(f"SELECT {cols} FROM {table}").fetchall())
            for table, cols in TABLES.items()}


def test_bulk_demo_equals_event_by_event_replay(store, tmp_path):
    result = demo.generate(store, 150, 10, seed=7, today=dt.date(2026, 6, 1))
    assert result.participants == 150 and result.attendance > 100
    replay = Store.open(tmp_path / "replay")
    try:
        with replay.database.transaction() as conn:
            for row in store.database.conn.execute(
                    f"SELECT {EVENT_COLUMNS} FROM event ORDER BY hlc, device_id"):
                projection.apply(conn, from_row(row))
        own, other = _snapshot(store.database), _snapshot(replay.database)
        for table in TABLES:
            assert own[table] == other[table], table
    finally:
        replay.close()


def test_demo_sessions_cover_a_year_with_planned_ones_ahead(store):
    today = dt.date(2026, 6, 1)
    demo.generate(store, 200, 20, seed=3, today=today)
    dates = [r[0] for r in store.database.conn.execute("SELECT date FROM session")]
    assert min(dates) >= (today - dt.timedelta(days=366)).isoformat()
    states = {r[0] for r in store.database.conn.execute("SELECT state FROM session")}
    assert "closed" in states


def test_demo_programme_has_no_conflicts(store):
    """Later edits of a demo session name what they overwrote, as real edits do."""
    demo.generate(store, 120, 8, seed=5)
    assert store.database.scalar("SELECT count(*) FROM conflict") == 0
