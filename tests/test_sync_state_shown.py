"""Trainers see, per session and per participant, whether records reached the coordinator."""

import datetime as dt

from debc_outreach.storage import checklist, participants, sessions

VILLAGE = "17010101"


def test_new_participant_and_session_show_not_yet_sent(main_window, app_context):
    store = app_context.store
    person = participants.add_participant(store, "ស្រីពៅ", sex="F", village_code=VILLAGE)
    session = sessions.create(store, dt.date.today().isoformat(), VILLAGE,
                              list(checklist.modules())[:1], start_time="08:30")
    app_context.notify_changed("participant")

    page = main_window.page("participants")
    page.apply_filter()
    row = next(r for r in range(page.model.rowCount())
               if page.model.participant(r).id == person.id)
    page.show_details(row)
    assert "Not yet sent" in page.facts.text()

    sessions_page = main_window.page("sessions")
    sessions_page.open_session(session.id)
    assert "Not yet sent" in sessions_page.view.details.text()
