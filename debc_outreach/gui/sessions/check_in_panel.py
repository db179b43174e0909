"""The check-in half of the session screen: find a person by typing, Enter checks them in.

Check-in is keyboard-first: type any part of a name (Khmer or Latin), a phone
number or a village; ↑/↓ choose, Enter checks the person in and clears the
box for the next one. Every Enter is its own committed transaction. People
not yet checked in, whose name starts with what was typed, from the
session's village come first (`participants.rank_for_check_in`), so a
returning participant is usually one or two key presses away.

The panel also holds the screen's status line (`status`), where the skills
panel reports too. Its contract with the view: it reads the `OpenSession`,
makes its changes through `run_change` (the view redraws from the
announcement), emits `checked_in` before a check-in (Ctrl+Z then undoes that,
not a skills fill), and `undo_requested` for the Undo button and Ctrl+Z in
the empty search box.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.core import people
from debc_outreach.core.name_search import compact_key
from debc_outreach.gui import fonts
from debc_outreach.gui.changes import run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.participants.participant_dialog import ParticipantDialog
from debc_outreach.gui.participants.participant_models import PeopleListModel
from debc_outreach.gui.sessions.open_session import OpenSession
from debc_outreach.gui.shell.status_line import StatusLine
from debc_outreach.gui.widgets.tables import RowsListView
from debc_outreach.i18n import _
from debc_outreach.storage import attendance, participants
from debc_outreach.storage.participants import Participant

SHOWN = 12          # results shown while typing
VISIBLE_ROWS = 5    # rows each list keeps room for, at any text size (the page scrolls else)


class CheckInPanel(QWidget):
    """Search, results, the people checked in, and the status line."""

    checked_in = Signal()
    undo_requested = Signal()

    def __init__(self, context: AppContext, open_session: OpenSession,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.open = open_session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        self.check_in_title = QLabel()
        self.check_in_title.setFont(fonts.heading_font(self.font(), 1.1))
        self.search = QLineEdit()
        self.search.setObjectName("checkInSearch")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.search.installEventFilter(self)
        self.results_model = PeopleListModel(self)
        self.results = RowsListView(VISIBLE_ROWS)
        self.results.setObjectName("checkInResults")
        self.results.setModel(self.results_model)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.setUniformItemSizes(True)
        self.results.activated.connect(lambda index: self._confirm(index.row()))
        self.results.clicked.connect(lambda index: self._confirm(index.row()))
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setObjectName("hint")
        status_row = QHBoxLayout()
        self.status = StatusLine()
        self.status.setObjectName("checkInStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        # The keyboard hint and the last action's message share one line.
        self.status.changed.connect(lambda text: (self.status.setVisible(bool(text)),
                                                  self.hint.setVisible(not text)))
        self.undo_button = QPushButton()
        self.undo_button.clicked.connect(self.undo_requested)
        self.new_button = QPushButton()
        self.new_button.clicked.connect(self.new_participant)
        status_row.addWidget(self.hint, 1)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.undo_button)
        self.present_title = QLabel()
        self.present_model = PeopleListModel(self)
        self.present = RowsListView(VISIBLE_ROWS)
        self.present.setObjectName("presentList")
        self.present.setModel(self.present_model)
        self.present.setUniformItemSizes(True)
        self.present.installEventFilter(self)
        self.present.setToolTip(_("Select a person and press Delete to take them off "
                                  "this session."))
        layout.addWidget(self.check_in_title)
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.new_button)
        layout.addLayout(row)
        layout.addWidget(self.results, 1)
        layout.addLayout(status_row)
        layout.addWidget(self.present_title)
        layout.addWidget(self.present, 1)


    def retranslate(self) -> None:
        self.check_in_title.setText(_("Check in"))
        # Short enough for the column at 1366 px; the tooltip says how a search matches.
        self.search.setPlaceholderText(_("Name (e.g. សុ ដា), phone or village…"))
        self.search.setToolTip(_("Type a name, or the start of each part of it (សុ ដា finds "
                                 "សុខ ដារ៉ា), a phone number or a village."))
        self.hint.setText(_("↑/↓ choose · Enter checks in · Ctrl+N new participant · "
                            "Ctrl+Z undo"))
        self.undo_button.setText(_("Undo"))
        self.new_button.setText(_("New participant"))

    def show_people(self, present: list[Participant]) -> None:
        """Redraw from the records: who is checked in (oldest first), the search results."""
        locked = self.open.locked
        self.search.setEnabled(not locked)
        self.new_button.setEnabled(not locked)
        self.undo_button.setEnabled(not locked)
        self.present_model.set_people(list(reversed(present)))
        self.present_title.setText(_("Checked in ({n}), newest first")
                                   .format(n=i18n.format_number(len(present))))
        self._search_changed(self.search.text())

    def _search_changed(self, text: str) -> None:
        if not self.open.session:
            return
        if not compact_key(text):
            self.results_model.set_people([])
            return
        database = self.context.store.database
        present = set(attendance.present_ids(database.conn, self.open.session.id))
        found = participants.search(database, text, limit=60)
        ranked = participants.rank_for_check_in(found, text, present,
                                                 self.open.session.village_code)[:SHOWN]
        extra = _("+ New participant “{name}” (Ctrl+N)").format(name=text.strip())
        self.results_model.set_people(ranked, present, extra)
        self.results.setCurrentIndex(self.results_model.index(0, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress:
            if watched is self.search:
                if event.matches(QKeySequence.StandardKey.Undo) and not self.search.text():
                    self.undo_requested.emit()  # the box is empty: undo the last change
                    return True
                return self._search_key(event.key())
            if watched is self.present and event.key() == Qt.Key.Key_Delete:
                self.remove_selected()
                return True
        return super().eventFilter(watched, event)

    def _search_key(self, key: int) -> bool:
        rows = self.results_model.rowCount()
        row = self.results.currentIndex().row()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and rows:
            step = 1 if key == Qt.Key.Key_Down else -1
            row = min(rows - 1, max(0, row + step))
            self.results.setCurrentIndex(self.results_model.index(row, 0))
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if rows and row >= 0:
                self._confirm(row)
            return True
        if key == Qt.Key.Key_Escape and self.search.text():
            self.search.clear()
            return True
        return False

    def _confirm(self, row: int) -> None:
        if self.results_model.is_extra(row):
            self.new_participant()
            return
        person = self.results_model.participant(row)
        if person is not None:
            self.check_in(person)

    def check_in(self, person: Participant) -> None:
        self.checked_in.emit()              # Ctrl+Z now undoes this check-in
        done = run_change(self.context, self, "attendance", lambda: attendance.check_in(
            self.context.store, self.open.session.id, person.id, reason=self.open.amend_reason))
        if not done:
            return
        if done.value.already:
            self.status.say(lambda: _("{name} is already checked in; nothing changed.")
                            .format(name=person.display_name))
        else:
            self.status.say(lambda: _("✓ {name} checked in.").format(name=person.display_name))
        self.search.clear()
        self.search.setFocus()

    def undo_last_check_in(self) -> None:
        """Take back the last check-in made on this computer."""
        store = self.context.store
        session_id = self.open.session.id
        last = attendance.last_check_in(store.database.conn, session_id, store.device_id)
        if last is None:
            self.status.say(lambda: _("Nothing to undo."))
            return
        if not run_change(self.context, self, "attendance", lambda: attendance.remove(
                store, session_id, last, reason=self.open.amend_reason)):
            return
        person = participants.get(store.database, last)
        self.status.say(lambda: _("Check-in of {name} undone.").format(
            name=person.display_name if person else last))
        self.search.setFocus()

    def remove_selected(self) -> None:
        """Take the selected person off the session (a tombstone; history keeps it)."""
        person = self.present_model.participant(self.present.currentIndex().row())
        if person is None or not self.open.session:
            return
        answer = QMessageBox.question(
            self, _("Remove from session"),
            _("Take {name} off this session?").format(name=person.display_name))
        if answer != QMessageBox.StandardButton.Yes:
            return
        if not run_change(self.context, self, "attendance", lambda: attendance.remove(
                self.context.store, self.open.session.id, person.id,
                reason=self.open.amend_reason)):
            return
        self.status.say(lambda: _("{name} was taken off this session.")
                        .format(name=person.display_name))

    def new_participant(self) -> None:
        if not self.open.session or not self.search.isEnabled():
            return
        typed = self.search.text().strip()
        is_phone = bool(typed) and len(people.phone_key(typed)) >= 6 \
            and not any(c.isalpha() for c in typed)
        dialog = ParticipantDialog(
            self.context.store, self, name="" if is_phone else typed,
            phone=typed if is_phone else "", village_code=self.open.session.village_code,
            session_language=self.open.session.language,
            recorded_by=self.context.settings.current_trainer_id)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.participant:
            self.context.announce_change("participant")     # the dialog saved the person
            self.check_in(dialog.participant)
        dialog.deleteLater()
