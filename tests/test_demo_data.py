"""The bulk demo writer produces exactly what applying its events one by one produces."""

import datetime as dt

from debc_outreach.storage import demo, events, projection
from debc_outreach.storage.events import from_row
from debc_outreach.storage.projection import checklist_rows
from debc_outreach.storage.store import Store

TABLES = {
    "participant": "id, display_name, sort_key, sex, birth_year, age_band, "
                   "village_code, phone_key, wg, disability, consent, merged_into, "
                   "contact_consent",
    "session": "id, date, village_code, modules, state, closed_at",
    "attendance": "session_id, participant_id, present",
    "quiz_answer": "session_id, participant_id, module, phase, question_id, answer, correct",
    "quiz_count": "session_id, module, phase, question_id, answer, count, correct",
    "scam_tally": "session_id, kind, count",
    "follow_up": "participant_id, module, question_id, answer, safe, date, method, session_id",
}


def _snapshot(database):
    snapshot = {table: sorted(database.conn.execute(f"SELECT {cols} FROM {table}").fetchall())
                for table, cols in TABLES.items()}
    snapshot["checklist"] = [cell[:4] for cell in checklist_rows.cells(database.conn)]
    return snapshot


def test_bulk_demo_equals_event_by_event_replay(store, tmp_path):
    result = demo.generate(store, 150, 10, seed=7, today=dt.date(2026, 6, 1))
    assert result.participants == 150 and result.attendance > 100
    assert result.quiz_answers and result.follow_ups
    replay = Store.open(tmp_path / "replay")
    try:
        with replay.database.transaction() as conn:
            for row in list(events.rows(store.database.conn, order="hlc, device_id")):
                projection.apply(conn, from_row(row))
        own, other = _snapshot(store.database), _snapshot(replay.database)
        for table in own:
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


def test_each_devices_stamps_only_go_forward_and_never_past_now(store):
    """As a real clock: otherwise the demo's bundles are refused and later work is
    stamped with a future date."""
    from debc_outreach.core.hlc import wall_ms

    demo.generate(store, 300, 30, seed=11)       # some sessions are planned ahead
    now_ms = dt.datetime.now(dt.UTC).timestamp() * 1000
    previous: dict[str, int] = {}
    for device, hlc in store.database.conn.execute(
            "SELECT device_id, hlc FROM event ORDER BY device_id, seq"):
        assert hlc > previous.get(device, 0), device
        assert wall_ms(hlc) <= now_ms + 1000
        previous[device] = hlc
    assert store.database.scalar("SELECT count(*) FROM session WHERE date > ?",
                                 (dt.date.today().isoformat(),)) > 0


def test_a_demo_coordinator_folder_syncs_to_a_trainer(tmp_path):
    """The demo's other devices sign nothing: the coordinator's folder vouches for their
    records when it passes them on, as for records held before signed heads."""
    from support.sync_devices import open_device, send

    from debc_outreach.sync import trust

    coordinator = open_device(tmp_path / "coordinator", "coordinator")
    trainer = open_device(tmp_path / "trainer", "trainer")
    try:
        demo.generate(coordinator, 120, 12, seed=4)
        trust.create_programme(coordinator, "Demo")
        trust.accept_enrolment(trainer, trust.approve_enrolment(
            coordinator, trust.enrol_request(trainer), list(demo.PROVINCES)))
        report = send(coordinator, trainer, tmp_path / "bundles")
        assert report.new > 0 and report.quarantined == 0 and report.waiting == 0
        assert trainer.database.scalar("SELECT count(*) FROM participant") == \
            coordinator.database.scalar("SELECT count(*) FROM participant")
    finally:
        coordinator.close()
        trainer.close()


def test_a_demo_trainer_folder_sends_only_what_its_own_computer_signed(tmp_path):
    from support.sync_devices import open_device, send

    from debc_outreach.sync import trust

    coordinator = open_device(tmp_path / "coordinator", "coordinator")
    trainer = open_device(tmp_path / "trainer", "trainer")
    try:
        demo.generate(trainer, 120, 12, seed=4)
        trust.create_programme(coordinator, "Demo")
        trust.accept_enrolment(trainer, trust.approve_enrolment(
            coordinator, trust.enrol_request(trainer), list(demo.PROVINCES)))
        report = send(trainer, coordinator, tmp_path / "bundles")
        own = trainer.database.scalar("SELECT count(*) FROM event WHERE device_id = ?",
                                      (trainer.device_id,))
        assert report.new == own and report.quarantined == 0 and report.held == 0
        assert report.waiting == trainer.database.scalar(
            "SELECT count(*) FROM event WHERE device_id != ?", (trainer.device_id,))
    finally:
        coordinator.close()
        trainer.close()
