"""The session screen: keyboard check-in, new participant inline, counters, skills grid,
closing; and a Khmer screenshot at 1366×768 with 40 people checked in."""

import datetime as dt
import random

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog

from debc_outreach.core.names import name_key
from debc_outreach.storage import attendance, catalogue, checklist, demo, participants, sessions
from tests.conftest import close_and_delete

VILLAGE = "17010101"


@pytest.fixture
def programme(app_context, request):
    """A realistic registry (600 people, a year of sessions) and a session today in the
    village where most of them live."""
    store = app_context.store
    demo.generate(store, 600, 40, seed=getattr(request, "param", 11))
    village = store.database.scalar(
        "SELECT village_code FROM participant GROUP BY village_code ORDER BY count(*) DESC")
    session = sessions.create(store, dt.date.today().isoformat(), village,
                              list(catalogue.modules())[:1], start_time="08:30")
    return session


@pytest.fixture
def screen(main_window, programme):
    page = main_window.page("sessions")
    page.open_session(programme.id)
    return page.view


def _type(widget, text: str) -> None:
    """Type text one key press per code point (QTest only knows ASCII keys)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     char))


def _press(qtbot, widget, key, presses):
    if isinstance(key, str):
        _type(widget, key)
    else:
        qtbot.keyClick(widget, key)
    presses.append(key)


def _plan(name: str) -> str:
    """What the trainer types after the first two letters of the name: a space and the
    start of the next part of the name (the hint on screen), else the rest of it."""
    first, _space, rest = name.partition(" ")
    return f" {rest}" if rest and len(first) > 2 else name[2:]


def _check_in_by_typing(qtbot, screen, person, plan) -> list:
    """Type the first two letters, then the plan one key at a time until the person is
    among the first three results; ↓ to them and Enter. Returns the keys pressed."""
    presses: list = []
    name = person.display_name
    screen.checkin.search.clear()
    _type(screen.checkin.search, name[:2])
    upcoming = list(plan)
    while True:
        shown = [p.id for p in screen.checkin.results_model.people()]
        position = shown.index(person.id) if person.id in shown else None
        if position is not None and (position <= 2 or not upcoming):
            for _ in range(position):
                _press(qtbot, screen.checkin.search, Qt.Key.Key_Down, presses)
            _press(qtbot, screen.checkin.search, Qt.Key.Key_Return, presses)
            return presses
        assert upcoming, f"{name} not found"
        _press(qtbot, screen.checkin.search, upcoming.pop(0), presses)


@pytest.mark.slow
@pytest.mark.parametrize("programme", [11, 2026, 7], indirect=True)
def test_returning_participants_are_checked_in_within_six_key_presses(qtbot, screen):
    """After the first two letters of the name, at most 6 key presses (letters of the
    next name part, ↓, Enter) check a returning participant in — 40 people in a row,
    from a registry of 600."""
    store = screen.context.store
    unique: dict = {}
    for person in participants.list_all(store.database):
        unique.setdefault(name_key(person.display_name), []).append(person)
    candidates = [group[0] for group in unique.values() if len(group) == 1]
    local = [p for p in candidates if p.village_code[:4] == screen.session.village_code[:4]]
    assert len(local) >= 40
    counts = []
    for person in random.Random(4).sample(local, 40):
        presses = _check_in_by_typing(qtbot, screen, person, _plan(person.display_name))
        assert attendance.is_present(store.database.conn, screen.session.id, person.id)
        assert screen.checkin.search.text() == ""
        assert len(presses) <= 6, (person.display_name, presses)
        counts.append(len(presses))
    assert screen.counters[0].value.text() == "40"
    print(f"key presses after the first two letters: worst {max(counts)}, "
          f"mean {sum(counts) / len(counts):.1f} for 40 people")


def test_checking_the_same_person_twice_says_so_and_undo_removes(qtbot, screen):
    store = screen.context.store
    person = participants.add_participant(store, "Zed Qwerty", village_code=VILLAGE)
    qtbot.keyClicks(screen.checkin.search, "zed q")
    qtbot.keyClick(screen.checkin.search, Qt.Key.Key_Return)
    assert "checked in" in screen.checkin.status.text()
    qtbot.keyClicks(screen.checkin.search, "zed q")
    events = store.database.scalar("SELECT count(*) FROM event")
    qtbot.keyClick(screen.checkin.search, Qt.Key.Key_Return)
    assert "already" in screen.checkin.status.text()
    assert store.database.scalar("SELECT count(*) FROM event") == events
    qtbot.keyClick(screen.checkin.search, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert attendance.present_ids(store.database.conn, screen.session.id) == []
    assert "undone" in screen.checkin.status.text()
    assert person.id


def test_new_participant_inline_with_keyboard_only(qtbot, screen, monkeypatch):
    from debc_outreach.gui.participants import participant_dialog

    def fill(dialog):
        assert dialog.name.text() == "ស្រី\u200bពៅ"
        assert dialog.village.code() == screen.session.village_code   # the session place
        _type(dialog.birth_year, "២០០៥")
        dialog.sex.setFocus()
        qtbot.keyClick(dialog.sex.buttons[0], Qt.Key.Key_1)  # 1: female
        dialog.wg_answers["seeing"].set_value(3)             # a lot of difficulty
        dialog.consent_yes.setChecked(True)
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(participant_dialog.ParticipantDialog, "exec", fill)
    _type(screen.checkin.search, "ស្រី\u200bពៅ")
    qtbot.keyClick(screen.checkin.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    present = attendance.attendees(screen.context.store.database.conn, screen.session.id)
    assert [p.display_name for p in present] == ["ស្រី\u200bពៅ"]
    assert present[0].birth_year == 2005 and present[0].disability is True
    assert present[0].consent == "yes"
    texts = [c.value.text() for c in screen.counters]
    assert texts == ["1", "1", "1", "1", "0"]


def test_consent_must_be_asked(qtbot, app_context, monkeypatch):
    from debc_outreach.gui import changes
    from debc_outreach.gui.participants import participant_dialog

    shown = []
    monkeypatch.setattr(changes, "show_user_error",
                        lambda parent, error, title="": shown.append(str(error)))
    dialog = participant_dialog.ParticipantDialog(app_context.store, name="Sok")
    dialog.accept()
    assert shown and dialog.participant is None
    close_and_delete(dialog)


def test_sex_and_everyday_activities_start_unanswered_and_sex_must_be_chosen(
        qtbot, app_context, monkeypatch):
    from debc_outreach.gui import changes
    from debc_outreach.gui.participants import participant_dialog

    shown = []
    monkeypatch.setattr(changes, "show_user_error",
                        lambda parent, error, title="": shown.append(str(error)))
    dialog = participant_dialog.ParticipantDialog(app_context.store, name="Sok Dara")
    qtbot.addWidget(dialog)
    assert dialog.sex.value() is None
    assert not any(button.isChecked() for button in dialog.sex.buttons)
    assert all(row.value() is None for row in dialog.wg_answers.values())
    dialog.consent_yes.setChecked(True)
    dialog.accept()                              # nobody chose the sex: nothing is saved
    assert "sex" in shown[-1] and dialog.participant is None
    # One key per answer, with the focus in the row: 2 = male, Khmer ៤ = prefer not to say.
    sex = dialog.sex
    qtbot.keyClick(sex.buttons[0], Qt.Key.Key_2)
    assert sex.value() == "M"
    khmer_four = QKeyEvent(QEvent.Type.KeyPress, 0x17E4, Qt.KeyboardModifier.NoModifier, "៤")
    QApplication.sendEvent(sex.buttons[1], khmer_four)         # a Khmer keyboard layout
    assert sex.value() == "X"
    hearing = dialog.wg_answers["hearing"]
    qtbot.keyClick(hearing.buttons[0], Qt.Key.Key_3)
    assert hearing.value() == 3 and not hearing.clear_button.isHidden()
    qtbot.keyClick(hearing.buttons[2], Qt.Key.Key_0)             # 0 clears: skipped again
    assert hearing.value() is None and hearing.clear_button.isHidden()
    qtbot.keyClick(hearing.buttons[0], Qt.Key.Key_2)
    hearing.clear_button.click()
    assert hearing.value() is None
    dialog.wg_answers["walking"].set_value(1)
    dialog.accept()
    person = dialog.participant
    assert person is not None and person.sex == "X"
    edit = participant_dialog.ParticipantDialog(app_context.store, existing=person)
    qtbot.addWidget(edit)
    assert edit.sex.value() == "X" and edit.wg_answers["walking"].value() == 1
    assert edit.wg_answers["hearing"].value() is None


def test_consent_text_follows_the_session_language():
    from debc_outreach.gui.participants.participant_dialog import CONSENT_TEXT, consent_text

    assert consent_text("en") == CONSENT_TEXT


def test_skills_grid_ticks_by_keyboard_and_whole_group(qtbot, screen):
    store = screen.context.store
    people = [participants.add_participant(store, n) for n in ("A", "B", "C")]
    for person in people:
        attendance.check_in(store, screen.session.id, person.id)
    screen.refresh()
    grid = screen.skills.grid
    grid.setFocus()
    grid.setCurrentIndex(screen.skills.grid_model.index(0, 0))
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    item = screen.skills.grid_model.item(0)
    results = checklist.results(store.database.conn, screen.session.id)
    assert list(results.values()) == [checklist.ACHIEVED]
    qtbot.keyClick(grid, Qt.Key.Key_N)
    screen.skills.group_achieved.click()
    results = checklist.results(store.database.conn, screen.session.id)
    assert [results.get((p.id, item.id)) for p in people] == [checklist.NOT_YET,
                                                              checklist.ACHIEVED,
                                                              checklist.ACHIEVED]


def test_whole_group_fills_only_unmarked_rows_says_how_many_and_ctrl_z_takes_it_back(
        qtbot, screen):
    store = screen.context.store
    people = [participants.add_participant(store, n) for n in ("A", "B", "C", "D")]
    for person in people:
        attendance.check_in(store, screen.session.id, person.id)
    screen.refresh()
    item = screen.skills.grid_model.item(0)
    rows = {screen.skills.grid_model.person(row).id: row for row in range(4)}
    screen.skills.grid.setFocus()
    screen.skills.grid.setCurrentIndex(screen.skills.grid_model.index(rows[people[0].id], 0))
    qtbot.keyClick(screen.skills.grid, Qt.Key.Key_N)                     # A: not yet, seen by hand
    screen.skills.grid.setCurrentIndex(screen.skills.grid_model.index(rows[people[1].id], 0))
    qtbot.keyClick(screen.skills.grid, Qt.Key.Key_A)                     # B: achieved by hand

    def marks():
        results = checklist.results(store.database.conn, screen.session.id)
        return [results.get((p.id, item.id), checklist.NOT_ASSESSED) for p in people]

    screen.skills.group_achieved.click()
    assert marks() == [checklist.NOT_YET, checklist.ACHIEVED, checklist.ACHIEVED,
                       checklist.ACHIEVED]
    assert "for 2 people who had no mark" in screen.checkin.status.text()
    assert screen.skills.grid_model.state(rows[people[2].id], 0) == checklist.ACHIEVED
    qtbot.keyClick(screen.skills.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert marks() == [checklist.NOT_YET, checklist.ACHIEVED, checklist.NOT_ASSESSED,
                       checklist.NOT_ASSESSED]
    assert "2 marks removed" in screen.checkin.status.text()
    assert len(attendance.present_ids(store.database.conn, screen.session.id)) == 4
    screen.skills.group_not_yet.click()
    screen.skills.group_not_yet.click()                                 # nobody is left unmarked
    assert marks() == [checklist.NOT_YET, checklist.ACHIEVED, checklist.NOT_YET,
                       checklist.NOT_YET]
    assert "nothing changed" in screen.checkin.status.text()


def test_closing_shows_a_summary_and_locks_the_screen(qtbot, screen, monkeypatch):
    from debc_outreach.gui.sessions import session_view

    store = screen.context.store
    person = participants.add_participant(store, "Sok Dara")
    attendance.check_in(store, screen.session.id, person.id)
    monkeypatch.setattr(session_view.CloseSummaryDialog, "exec",
                        lambda self: QDialog.DialogCode.Accepted)
    screen.close_session()
    assert sessions.get(store.database, screen.session.id).closed
    assert not screen.checkin.search.isEnabled()
    assert screen.amend_button.isVisible()
    monkeypatch.setattr(session_view.QInputDialog, "getText",
                        lambda *args, **kwargs: ("late sign-in sheet", True))
    screen.start_amendment()
    assert screen.checkin.search.isEnabled() and "late sign-in sheet" in screen.banner.text()


@pytest.mark.slow
def test_session_screen_in_khmer_with_40_people(qtbot, main_window, programme, tmp_path):
    store = main_window.context.store
    people = random.Random(2).sample(participants.list_all(store.database), 40)
    for person in people:
        attendance.check_in(store, programme.id, person.id)
    main_window.context.set_language("km")
    page = main_window.page("sessions")
    page.open_session(programme.id)
    QApplication.processEvents()
    view = page.view
    assert view.counters[0].value.text() == "40"
    assert view.checkin.present_model.rowCount() == 40
    for counter in view.counters:      # the captions fit: nothing cut off
        assert counter.caption.height() >= counter.caption.sizeHint().height()
    shot = tmp_path / "session_km.png"
    assert main_window.grab().save(str(shot))
    assert main_window.size().width() == 1366


def test_delete_takes_a_person_off_the_session(qtbot, screen, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from debc_outreach.gui.sessions import check_in_panel

    store = screen.context.store
    person = participants.add_participant(store, "Chan Thy")
    attendance.check_in(store, screen.session.id, person.id)
    screen.refresh()
    monkeypatch.setattr(check_in_panel.QMessageBox, "question",
                        lambda *args: QMessageBox.StandardButton.Yes)
    screen.checkin.present.setCurrentIndex(screen.checkin.present_model.index(0, 0))
    qtbot.keyClick(screen.checkin.present, Qt.Key.Key_Delete)
    assert attendance.present_ids(store.database.conn, screen.session.id) == []
    assert screen.counters[0].value.text() == "0"
