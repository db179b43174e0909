"""The quick-check tab, the scam tally and the follow-ups due list on screen: keyboard
entry (key presses counted), class counts, bad input, language switch, screenshots."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from support.outcome_pack import use_outcome_pack

from debc_outreach.storage import attendance, catalogue, outcomes, participants, sessions

VILLAGE = "12010101"


@pytest.fixture
def pack(tmp_path, monkeypatch):
    return use_outcome_pack(tmp_path / "pack", monkeypatch)


@pytest.fixture
def session(pack, app_context):
    store = app_context.store
    # A module with three questions: the target is three answers per person.
    slug = next(slug for slug in catalogue.modules() if len(outcomes.quick_checks(slug)) == 3)
    session = sessions.create(store, dt.date.today().isoformat(), VILLAGE, [slug],
                              start_time="08:30")
    for number in range(40):
        person = participants.add_participant(store, f"Participant {number:02d}",
                                              sex="F" if number % 2 else "M")
        attendance.check_in(store, session.id, person.id)
    return session


@pytest.fixture
def view(session, main_window):
    page = main_window.page("sessions")
    page.open_session(session.id)
    QApplication.processEvents()
    return page.view


def _key(widget, text: str, key: int = 0, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, modifiers, text))


def test_three_answers_for_40_people_in_at_most_4_key_presses_each(qtbot, view, session):
    panel = view.quick_check
    questions = outcomes.quick_checks(session.modules[0])
    assert len(questions) == 3
    presses = 0
    qtbot.keyClick(view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)   # Ctrl+K
    presses += 1
    assert view.tabs.currentWidget() is panel and panel.grid.hasFocus()
    columns = panel.grid_model.columnCount()
    for row in range(40):
        for column in range(columns):
            answer = (row + column) % len(questions[column].answers)
            _key(panel.grid, str(answer + 1))
            presses += 1
    assert presses / 40 <= 4
    before = outcomes.answers(view.context.store.database.conn, session.id,
                              session.modules[0], "before")
    assert len(before) == 40 and all(len(a) == columns for a in before.values())

    # "after": two people left early and are skipped with one ↓ each.
    presses = 0
    panel.phase.setFocus()
    qtbot.keyClick(panel.phase, Qt.Key.Key_Down)          # Before -> After
    presses += 2                                            # counted: focus + ↓
    assert panel.current_phase == "after"
    qtbot.keyClick(view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    presses += 1
    panel.grid.setCurrentIndex(panel.grid_model.index(0, 0))
    for row in range(40):
        if row in (7, 21):
            qtbot.keyClick(panel.grid, Qt.Key.Key_Down)
            presses += 1
            continue
        for _column in range(columns):
            _key(panel.grid, "១")                  # Khmer digit one works too
            presses += 1
    assert presses / 40 <= 4
    after = outcomes.answers(view.context.store.database.conn, session.id,
                             session.modules[0], "after")
    assert len(after) == 38
    assert all(set(a.values()) == {0} for a in after.values())
    assert panel.grid_model.data(panel.grid_model.index(0, 0)) == "1"


def test_an_answer_key_out_of_range_changes_nothing(qtbot, view, session):
    panel = view.quick_check
    view.show_quick_check()
    events = view.context.store.database.scalar("SELECT count(*) FROM event")
    _key(panel.grid, "9")
    assert "nothing was recorded" in view.checkin.status.text()
    assert view.context.store.database.scalar("SELECT count(*) FROM event") == events
    assert panel.grid.currentIndex().row() == 0 and panel.grid.currentIndex().column() == 0


def test_class_mode_counts_hands(qtbot, view, session):
    panel = view.quick_check
    view.show_quick_check()
    panel.set_choice(mode="class", phase="after")
    assert panel.pages.currentIndex() == 1
    panel.counts.item(0, 0).setText("12")
    panel.counts.item(0, 1).setText("៥")
    panel.save_counts.click()
    counts = outcomes.class_counts(view.context.store.database.conn, session.id,
                                   session.modules[0], "after")
    first = outcomes.quick_checks(session.modules[0])[0]
    assert counts == {first.id: [12, 5] + [0] * (len(first.answers) - 2)}
    assert view.context.store.database.scalar("SELECT count(*) FROM quiz_answer") == 0


def test_scam_tally_dialog(qtbot, view, session, monkeypatch):
    from debc_outreach.gui.sessions.scam_tally_dialog import ScamTallyDialog

    dialog = ScamTallyDialog(view.context, view.session, view)
    kinds = list(dialog.counts)
    assert kinds == [kind.id for kind in outcomes.scam_kinds()]
    assert dialog.counts[kinds[0]].maximum() == 40
    dialog.counts[kinds[0]].setValue(6)
    dialog.counts[kinds[2]].setValue(2)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    counts = outcomes.scam_counts(view.context.store.database.conn, session.id)
    assert counts[kinds[0]] == 6 and counts[kinds[2]] == 2
    dialog.deleteLater()
    sessions.close(view.context.store, session.id)
    view.context.announce_change("session")
    assert not view.tally_button.isVisible()


def test_follow_ups_due_and_recorded_from_the_participants_page(qtbot, pack, app_context,
                                                               main_window, monkeypatch):
    from debc_outreach.gui.participants.follow_ups_dialog import (
        FollowUpDialog,
        FollowUpsDueDialog,
    )

    store = app_context.store
    slug = next(iter(catalogue.modules()))
    day = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    session = sessions.create(store, day, VILLAGE, [slug])
    agreed = participants.add_participant(store, "Sok Dara", contact_consent=True,
                                          phone="012 345 678")
    refused = participants.add_participant(store, "Chan Sophea")
    for person in (agreed, refused):
        attendance.check_in(store, session.id, person.id)
    dialog = FollowUpsDueDialog(app_context, main_window)
    assert [d.participant_id for d in dialog.due] == [agreed.id]
    assert dialog.selected().participant_id == agreed.id
    record = FollowUpDialog(app_context, agreed.id, [slug], session.id, dialog)
    for _question, _label, row in record.rows:
        row.buttons[0].setChecked(True)
    record.method.setCurrentIndex(record.method.findData("visit"))
    record.accept()
    assert record.result() == QDialog.DialogCode.Accepted
    assert dialog.due == []
    assert outcomes.follow_ups(store.database.conn, agreed.id)[slug].method == "visit"
    # Someone without contact consent: refused with a message, nothing recorded.
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    page = main_window.page("participants")
    page._current_id = refused.id
    page.record_follow_up()
    assert shown and "did not agree" in shown[0]
    assert store.database.scalar("SELECT count(*) FROM follow_up WHERE participant_id = ?",
                                 (refused.id,)) == 0
    dialog.deleteLater()
    record.deleteLater()


@pytest.mark.parametrize(("before", "after"), [("km", "en"), ("en", "km")])
def test_the_new_screens_follow_a_language_switch(qtbot, view, session, main_window,
                                                 app_context, before, after):
    from tests.test_language_switch_everywhere import _catalog_patterns, visible_texts

    english, khmer = _catalog_patterns()
    leftover = khmer if after == "en" else english
    app_context.set_language(before)
    view.show_quick_check()
    app_context.set_language(after)
    QApplication.processEvents()
    wrong = [line for line in visible_texts(main_window) if leftover.fullmatch(line)]
    assert not wrong
    assert view.tabs.tabText(1) == ("Quick check (Ctrl+K)" if after == "en"
                                    else view.tabs.tabText(1))


def test_the_coordinator_sets_the_window_on_the_follow_ups_list(qtbot, pack, app_context,
                                                                main_window):
    from debc_outreach.gui.participants.follow_ups_dialog import FollowUpsDueDialog
    from debc_outreach.sync import trust

    trust.create_programme(app_context.store, "Kampot 2026")
    dialog = FollowUpsDueDialog(app_context, main_window)
    assert dialog.window_row.isVisibleTo(dialog)
    dialog.window_first.setValue(20)
    dialog.window_last.setValue(30)
    dialog.save_window()
    assert outcomes.followup_window(app_context.store) == (20, 30)
    assert "20" in dialog.intro.text() and "30" in dialog.intro.text()
    dialog.deleteLater()


def test_the_session_history_lists_counts_tallies_and_amended_answers(qtbot, view, session):
    from debc_outreach.gui.sessions.session_dialogs import history_lines

    store = view.context.store
    slug = session.modules[0]
    first = outcomes.quick_checks(slug)[0]
    person = attendance.attendees(store.database.conn, session.id)[0]
    outcomes.record_answers(store, session.id, person.id, slug, "before", {first.id: 0})
    outcomes.record_class_counts(store, session.id, slug, "after", {first.id: [3]})
    outcomes.record_scam_tally(store, session.id, {"loan-app": 2})
    sessions.close(store, session.id)
    outcomes.record_answers(store, session.id, person.id, slug, "after", {first.id: 1},
                            reason="paper sheet")
    lines = history_lines(store.database, session.id)
    assert any("hands counted" in line for line in lines)
    assert any(line.endswith("Scam tally") for line in lines)
    amended = [line for line in lines if "Quick check" in line and person.display_name in line]
    assert len(amended) == 1 and "paper sheet" in amended[0]
