"""Session and participant screens: sync state shown, sheets printed from the session."""

import datetime as dt

from debc_outreach.storage import catalogue, participants, sessions

VILLAGE = "17010101"


def test_new_participant_and_session_show_not_yet_sent(main_window, app_context):
    store = app_context.store
    person = participants.add_participant(store, "ស្រីពៅ", sex="F", village_code=VILLAGE)
    session = sessions.create(store, dt.date.today().isoformat(), VILLAGE,
                              list(catalogue.modules())[:1], start_time="08:30")
    app_context.announce_change("participant")

    page = main_window.page("participants")
    page.apply_filter()
    row = next(r for r in range(page.model.rowCount())
               if page.model.participant(r).id == person.id)
    page.show_details(row)
    assert "Not yet sent" in page.facts.text()

    sessions_page = main_window.page("sessions")
    sessions_page.open_session(session.id)
    assert "Not yet sent" in sessions_page.view.details.text()


def test_session_screen_prints_sign_in_and_attendance_sheets(main_window, app_context, qtbot,
                                                            tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from debc_outreach.gui.reporting import export_guard
    from debc_outreach.storage import attendance

    store = app_context.store
    person = participants.add_participant(store, "ស្រីពៅ", sex="F", village_code=VILLAGE,
                                          consent="yes")
    session = sessions.create(store, dt.date.today().isoformat(), VILLAGE,
                              list(catalogue.modules())[:1], start_time="08:30")
    attendance.check_in(store, session.id, person.id)
    page = main_window.page("sessions")
    page.open_session(session.id)
    view = page.view
    monkeypatch.setattr(export_guard, "confirm_named_export", lambda *a, **k: True)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    for action, name in ((view.sign_in_action, "sign-in.pdf"),
                         (view.attendance_action, "attendance.pdf")):
        target = tmp_path / name
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            lambda *a, target=target, **k: (str(target), ""))
        action.trigger()
        qtbot.waitUntil(target.exists, timeout=20000)
        assert target.read_bytes().startswith(b"%PDF")
