"""Sessions: plan on the gazetteer, check in, close and lock, amend with a reason."""

import datetime as dt

import pytest

from debc_outreach.errors import UserError
from debc_outreach.storage import (
    attendance,
    catalogue,
    checklist,
    participants,
    session_summary,
    sessions,
)
from debc_outreach.storage.database import Database

VILLAGE = "12010101"


@pytest.fixture
def session(store):
    slug = next(iter(catalogue.modules()))
    return sessions.create(store, "2026-03-08", VILLAGE, [slug], start_time="08:30")


def test_session_is_planned_on_a_gazetteer_village(store):
    with pytest.raises(UserError, match="00000000"):
        sessions.create(store, "2026-03-08", "00000000")
    with pytest.raises(UserError):
        sessions.create(store, "8/3/2026", VILLAGE)
    with pytest.raises(UserError):
        sessions.create(store, "2026-03-08", VILLAGE, ["no-such-module"])


def test_first_check_in_starts_the_session_and_twice_changes_nothing(store, session):
    person = participants.add_participant(store, "Sok Dara")
    assert not attendance.check_in(store, session.id, person.id).already
    assert sessions.get(store.database, session.id).state == sessions.RUNNING
    events = store.database.scalar("SELECT count(*) FROM event")
    assert attendance.check_in(store, session.id, person.id).already
    assert store.database.scalar("SELECT count(*) FROM event") == events


def test_every_check_in_is_committed_at_once(store, session, data_dir):
    person = participants.add_participant(store, "Sok Dara")
    attendance.check_in(store, session.id, person.id)
    other = Database(data_dir / "outreach.sqlite")     # as after a power cut
    try:
        assert attendance.present_ids(other.conn, session.id) == [person.id]
    finally:
        other.close()


def test_removal_is_a_tombstone_and_a_later_check_in_wins(store, session):
    person = participants.add_participant(store, "Sok Dara")
    attendance.check_in(store, session.id, person.id)
    assert attendance.remove(store, session.id, person.id)
    assert attendance.present_ids(store.database.conn, session.id) == []
    assert store.database.scalar("SELECT count(*) FROM attendance") == 1
    attendance.check_in(store, session.id, person.id)
    assert attendance.present_ids(store.database.conn, session.id) == [person.id]


def test_counters_count_women_disability_youth_and_elders(store, session):
    year = dt.date(2026, 3, 8).year
    people = [
        participants.add_participant(store, "A", sex="F", birth_year=year - 20),
        participants.add_participant(store, "B", sex="M", birth_year=year - 70,
                                     wg_answers={"walking": 3}),
        participants.add_participant(store, "C", sex="F", age_band="60+"),
        participants.add_participant(store, "D", sex="X"),
    ]
    for person in people:
        attendance.check_in(store, session.id, person.id)
    figures = session_summary.counters(store.database, sessions.get(store.database, session.id))
    assert figures == session_summary.Counters(total=4, women=2, disability=1, youth=1, elders=2)


def test_closed_session_is_locked_and_amendments_need_a_reason(store, session):
    person = participants.add_participant(store, "Sok Dara")
    late = participants.add_participant(store, "Chan Thy")
    attendance.check_in(store, session.id, person.id)
    sessions.close(store, session.id)
    with pytest.raises(UserError, match="closed"):
        attendance.check_in(store, session.id, late.id)
    with pytest.raises(UserError):
        sessions.update(store, session.id, venue="Wat")
    attendance.check_in(store, session.id, late.id, reason="signed the paper sheet")
    sessions.update(store, session.id, reason="venue was moved", venue="Wat Phnom")
    history = session_summary.history(store.database, session.id)
    assert [h.reason for h in history if h.reason] == ["signed the paper sheet",
                                                       "venue was moved"]
    assert sessions.get(store.database, session.id).state == sessions.CLOSED


def test_checklist_ticks_are_last_writer_wins_per_cell(store, session):
    items = catalogue.checklist_items(session.modules)
    a = participants.add_participant(store, "A")
    b = participants.add_participant(store, "B")
    checklist.set_result(store, session.id, [a.id, b.id], items[0].id, checklist.ACHIEVED)
    checklist.set_result(store, session.id, [b.id], items[0].id, checklist.NOT_YET)
    results = checklist.results(store.database.conn, session.id)
    assert results == {(a.id, items[0].id): "achieved", (b.id, items[0].id): "not_yet"}


def test_checklist_items_are_read_from_the_module_pack():
    modules = catalogue.modules()
    assert modules
    for slug, module in modules.items():
        assert all(item.id.startswith(slug + ".") for item in module.items)
        assert all(item.km and item.en for item in module.items)


def test_session_details_are_edited_and_amended_in_the_plan_dialog(qtbot, app_context):
    from debc_outreach.gui.sessions.session_plan_dialog import SessionPlanDialog
    from tests.conftest import close_and_delete

    store = app_context.store
    session = sessions.create(store, "2026-03-08", VILLAGE, start_time="08:30", venue="Wat")
    dialog = SessionPlanDialog(store, existing=session)
    assert dialog.village.code() == VILLAGE and dialog.venue.text() == "Wat"
    dialog.venue.setText("Commune hall")
    dialog.accept()
    assert sessions.get(store.database, session.id).venue == "Commune hall"
    close_and_delete(dialog)
    sessions.close(store, session.id)
    dialog = SessionPlanDialog(store, existing=sessions.get(store.database, session.id),
                               reason="the hall was closed; held at the school")
    dialog.venue.setText("School")
    dialog.accept()
    closed = sessions.get(store.database, session.id)
    assert closed.venue == "School" and closed.closed
    assert closed.amendment == "the hall was closed; held at the school"
    close_and_delete(dialog)


def test_session_list_pages_newest_first_without_gaps(store):
    made = {sessions.create(store, day, VILLAGE, start_time="08:00").id
            for day in ("2026-03-08", "2026-03-08", "2026-03-08", "2026-04-01", "2025-12-31")}
    seen, after = [], None
    while True:
        page = sessions.page(store.database, after, limit=2)
        if not page:
            break
        seen += page
        after = page[-1]
    assert {s.id for s in seen} == made and len(seen) == 5
    assert [s.date for s in seen] == sorted((s.date for s in seen), reverse=True)


def test_summary_counts_skills_and_people_without_consent(store, session):
    items = catalogue.checklist_items(session.modules)
    yes = participants.add_participant(store, "A", consent="yes")
    no = participants.add_participant(store, "B", consent="no")
    for person in (yes, no):
        attendance.check_in(store, session.id, person.id)
    checklist.set_result(store, session.id, [yes.id, no.id], items[0].id, checklist.ACHIEVED)
    checklist.set_result(store, session.id, [no.id], items[1].id, checklist.NOT_YET)
    summary = session_summary.summary(store.database, sessions.get(store.database, session.id))
    assert summary.counters.total == 2 and summary.without_consent == 1
    assert summary.achieved == {items[0].id: 2}
    assert summary.assessed == {items[0].id: 2, items[1].id: 1}
