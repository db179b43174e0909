"""The one screen for a whole session: check-in, live counters, skills grid, close.

Check-in is keyboard-first: type any part of a name (Khmer or Latin), a phone
number or a village; ↑/↓ choose, Enter checks the person in and clears the
box for the next one. Every Enter is its own committed transaction. People
not yet checked in, whose name starts with what was typed, from the
session's village come first, so a returning participant is usually one or
two key presses away.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.core import people
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.core.name_search import compact_key
from debc_outreach.errors import UserError
from debc_outreach.gui import fonts
from debc_outreach.gui.checklist_model import NEXT_STATE, STATE_NAMES, ChecklistModel
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error
from debc_outreach.gui.participant_dialog import ParticipantDialog
from debc_outreach.gui.participant_models import PeopleListModel
from debc_outreach.gui.session_dialogs import (
    CloseSummaryDialog,
    HistoryDialog,
    counters_text,
)
from debc_outreach.gui.status_line import StatusLine
from debc_outreach.gui.tables import RowsListView
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import (
    attendance,
    catalogue,
    checklist,
    gazetteer,
    participants,
    session_summary,
    sessions,
)
from debc_outreach.storage.participants import Participant
from debc_outreach.sync.state import session_sync_state

SHOWN = 12          # results shown while typing
VISIBLE_ROWS = 5    # rows each list keeps room for, at any text size (the page scrolls else)


def rank(found: list[Participant], query: str, present: set[str],
         village_code: str) -> list[Participant]:
    """Order search results for check-in (stable: ties keep Khmer alphabetical order).

    Present people last; then names matching in the script typed before names that
    only sound like the query; then names starting with it; then the nearest village.
    """
    key = compact_key(query)
    tokens = participants.query_parts(query)

    def nearness(code: str) -> int:
        # Village codes nest: province (2) + district (2) + commune (2) + village (2).
        shared = 0
        for size in (2, 4, 6, 8):
            if code[:size] and code[:size] == village_code[:size]:
                shared = size
        return -shared

    def parts_start(words: list[str]) -> bool:
        # Each typed part starts a later name part than the one before ("សុ សុធា").
        position = 0
        for token in tokens:
            while position < len(words) and not words[position].startswith(token):
                position += 1
            if position == len(words):
                return False
            position += 1
        return True

    def score(person: Participant) -> tuple:
        person_key = compact_key(person.display_name)
        words = participants.query_parts(person.display_name)
        in_script = key in person_key or all(token in person_key for token in tokens)
        starts = person_key.startswith(key) or parts_start(words)
        return (person.id in present, not in_script, not starts,
                nearness(person.village_code))

    return sorted(found, key=score)


def _skill_name(column: int) -> str:
    """"Skill 3" for the third column, its number in the chosen digits."""
    return _("Skill {number}").format(number=i18n.format_year(column + 1))


class _Counter(QFrame):
    """A figure and its caption side by side: one line high, so the lists keep the room."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("figure")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        self.value = QLabel("0")
        self.value.setObjectName("figureValue")
        self.value.setFont(fonts.heading_font(self.font(), 1.4))
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout.addStretch(1)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        layout.addStretch(1)


class SessionView(QWidget):
    """Shows one session; `back_requested` returns to the list."""

    back_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sessionView")
        self.context = context
        self.session: sessions.Session | None = None
        self._amend_reason = ""
        # The last "Whole group" fill (item id, participant ids) while it is still the
        # latest change here: Ctrl+Z takes exactly those marks back.
        self._group_fill: tuple[str, list[str]] | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 8, 16, 8)

        top = QHBoxLayout()
        self.back_button = QPushButton()
        self.back_button.clicked.connect(self.back_requested)
        self.title = QLabel()            # date and time; the place is on the line below
        self.title.setFont(fonts.heading_font(self.font(), 1.3))
        self.title.setWordWrap(True)
        self.state_label = QLabel()
        self.state_label.setObjectName("sessionState")
        self.details_button = QPushButton()
        self.details_button.clicked.connect(self.edit_details)
        self.history_button = QPushButton()
        self.history_button.clicked.connect(self.show_history)
        self.amend_button = QPushButton()
        self.amend_button.clicked.connect(self.start_amendment)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.close_session)
        self.sheets_button = QPushButton()
        sheets = QMenu(self.sheets_button)
        self.sign_in_action = sheets.addAction("", self.save_sign_in_sheet)
        self.attendance_action = sheets.addAction("", self.save_attendance_sheet)
        self.sheets_button.setMenu(sheets)
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.details_button)
        top.addWidget(self.history_button)
        top.addWidget(self.sheets_button)
        top.addWidget(self.amend_button)
        top.addWidget(self.close_button)
        outer.addLayout(top)
        self.details = QLabel()
        self.details.setWordWrap(True)
        # The state leads the line below the date, not the buttons' row: that leaves the
        # date and time one line at large text, so the lists below keep their rows.
        state_row = QHBoxLayout()
        state_row.setSpacing(12)
        state_row.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignTop)
        state_row.addWidget(self.details, 1)
        outer.addLayout(state_row)
        self.banner = QLabel()
        self.banner.setObjectName("amendBanner")
        self.banner.setStyleSheet("background: #fff4d6; padding: 4px;")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)

        counters = QHBoxLayout()
        self.counters = [_Counter() for _ in range(5)]
        for counter in self.counters:
            counters.addWidget(counter)
        outer.addLayout(counters)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_check_in())
        splitter.addWidget(self._build_skills())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 740])
        outer.addWidget(splitter, 1)

        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_participant)
        QShortcut(QKeySequence.StandardKey.Undo, self, activated=self.undo_last)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        context.records_changed.connect(self._records_changed)
        self.retranslate()

    # --- building ---------------------------------------------------------------------
    def _build_check_in(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
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
        self.undo_button.clicked.connect(self.undo_last)
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
        return box

    def _build_skills(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(8, 0, 0, 0)
        self.skills_title = QLabel()
        self.skills_title.setFont(fonts.heading_font(self.font(), 1.1))
        self.skill_text = QLabel()
        self.skill_text.setWordWrap(True)
        self.skill_text.setObjectName("skillText")
        self.grid_model = ChecklistModel(self)
        self.grid = QTableView()
        self.grid.setObjectName("skillsGrid")
        self.grid.setModel(self.grid_model)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.horizontalHeader().setMinimumSectionSize(44)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.grid.installEventFilter(self)
        self.grid.clicked.connect(lambda index: self._cycle(index.row(), index.column()))
        self.grid.selectionModel().currentChanged.connect(
            lambda current, _previous: self._show_skill(current.column()))
        group = QGridLayout()
        self.group_achieved = QPushButton()
        self.group_achieved.clicked.connect(lambda: self._whole_group(checklist.ACHIEVED))
        self.group_not_yet = QPushButton()
        self.group_not_yet.clicked.connect(lambda: self._whole_group(checklist.NOT_YET))
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        group.addWidget(self.group_achieved, 0, 0)
        group.addWidget(self.group_not_yet, 0, 1)
        layout.addWidget(self.skills_title)
        layout.addWidget(self.skill_text)
        layout.addWidget(self.grid, 1)
        layout.addLayout(group)
        layout.addWidget(self.legend)
        return box

    def retranslate(self) -> None:
        self.back_button.setText(_("← Sessions"))
        self.details_button.setText(_("Details…"))
        self.history_button.setText(_("History"))
        self.amend_button.setText(_("Amend…"))
        self.close_button.setText(_("Close session…"))
        self.sheets_button.setText(_("Print sheets"))
        self.sign_in_action.setText(_("Blank sign-in sheet (PDF)…"))
        self.attendance_action.setText(_("Attendance sheet with names (PDF)…"))
        self.check_in_title.setText(_("Check in"))
        # Short enough for the column at 1366 px; the tooltip says how a search matches.
        self.search.setPlaceholderText(_("Name (e.g. សុ ដា), phone or village…"))
        self.search.setToolTip(_("Type a name, or the start of each part of it (សុ ដា finds "
                                 "សុខ ដារ៉ា), a phone number or a village."))
        self.hint.setText(_("↑/↓ choose · Enter checks in · Ctrl+N new participant · "
                            "Ctrl+Z undo"))
        self.undo_button.setText(_("Undo"))
        self.new_button.setText(_("New participant"))
        self.skills_title.setText(_("Skills checklist"))
        self.group_achieved.setText(_("Whole group: achieved"))
        self.group_not_yet.setText(_("Whole group: not yet"))
        for button in (self.group_achieved, self.group_not_yet):
            button.setToolTip(_("Marks everyone who has no mark yet for the selected skill; "
                                "marks already set stay. Ctrl+Z takes it back."))
        self.legend.setText(_("✓ achieved · ✗ not yet · empty: not assessed. Click a cell "
                              "or press Space to change it; A, N and Delete set it."))
        if self.session:
            self.refresh()

    # --- showing a session ---------------------------------------------------------------
    def show_session(self, session_id: str) -> None:
        self.session = sessions.require(self.context.store.database, session_id)
        self._amend_reason = ""
        self._group_fill = None
        self.status.clear()
        self.search.clear()
        self.refresh()
        self.search.setFocus()

    def refresh(self) -> None:
        database = self.context.store.database
        self.session = sessions.require(database, self.session.id)
        session = self.session
        place = gazetteer.village_label(session.village_code)
        when = i18n.format_day(session.day)
        self.title.setText(f"{when} {i18n.localize_digits(session.start_time)}".strip())
        self.state_label.setText(_(sessions.STATE_NAMES[session.state]))
        modules = catalogue.modules()
        titles = [modules[s].title() if s in modules else s for s in session.modules]
        details = [place, session.venue, ", ".join(titles),
                   session_sync_state(self.context.store, session.id).text()]
        self.details.setText(" · ".join(d for d in details if d))
        locked = session.closed and not self._amend_reason
        self.search.setEnabled(not locked)
        self.new_button.setEnabled(not locked)
        self.undo_button.setEnabled(not locked)
        self.group_achieved.setEnabled(not locked)
        self.group_not_yet.setEnabled(not locked)
        self.close_button.setVisible(not session.closed)
        self.details_button.setEnabled(not locked)
        self.amend_button.setVisible(session.closed and not self._amend_reason)
        if self._amend_reason:
            self.banner.setText(_("Amending this closed session. Reason: {reason}")
                                .format(reason=self._amend_reason))
        self.banner.setVisible(bool(self._amend_reason))
        figures = session_summary.counters(database, session)
        for counter, (caption, value) in zip(self.counters, counters_text(figures),
                                             strict=True):
            counter.caption.setText(caption)
            counter.value.setText(value)
        present = attendance.attendees(database.conn, session.id)
        self.present_model.set_people(list(reversed(present)))
        self.present_title.setText(_("Checked in ({n}), newest first")
                                   .format(n=i18n.format_number(len(present))))
        items = catalogue.checklist_items(session.modules)
        current = self.grid.currentIndex()
        self.grid_model.set_data(present, items,
                                 checklist.results(database.conn, session.id))
        if current.isValid():
            self.grid.setCurrentIndex(self.grid_model.index(current.row(), current.column()))
        self._show_skill(max(0, current.column()))
        self._search_changed(self.search.text())

    def _records_changed(self, entity: str) -> None:
        if self.session and self.isVisible() and entity not in ("attendance", "checklist"):
            self.refresh()

    # --- check-in -------------------------------------------------------------------------
    def _search_changed(self, text: str) -> None:
        if not self.session:
            return
        if not compact_key(text):
            self.results_model.set_people([])
            return
        database = self.context.store.database
        present = set(attendance.present_ids(database.conn, self.session.id))
        found = participants.search(database, text, limit=60)
        ranked = rank(found, text, present, self.session.village_code)[:SHOWN]
        extra = _("+ New participant “{name}” (Ctrl+N)").format(name=text.strip())
        self.results_model.set_people(ranked, present, extra)
        self.results.setCurrentIndex(self.results_model.index(0, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress:
            if watched is self.search:
                if event.matches(QKeySequence.StandardKey.Undo) and not self.search.text():
                    self.undo_last()        # the box is empty: undo the last check-in
                    return True
                return self._search_key(event.key())
            if watched is self.grid:
                return self._grid_key(event.key())
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
        self._group_fill = None             # Ctrl+Z now undoes this check-in
        try:
            result = attendance.check_in(self.context.store, self.session.id, person.id,
                                         reason=self._amend_reason)
        except UserError as error:
            show_user_error(self, error)
            return
        if result.already:
            self.status.say(lambda: _("{name} is already checked in; nothing changed.")
                            .format(name=person.display_name))
        else:
            self.status.say(lambda: _("✓ {name} checked in.").format(name=person.display_name))
        self.search.clear()
        self.refresh()
        self.context.notify_changed("attendance")
        self.search.setFocus()

    def undo_last(self) -> None:
        """Ctrl+Z: take back the last "Whole group" fill, else the last check-in."""
        if not self.session:
            return
        if self._group_fill is not None:
            self._undo_group_fill()
            return
        store = self.context.store
        last = attendance.last_check_in(store.database.conn, self.session.id, store.device_id)
        if last is None:
            self.status.say(lambda: _("Nothing to undo."))
            return
        try:
            attendance.remove(store, self.session.id, last, reason=self._amend_reason)
        except UserError as error:
            show_user_error(self, error)
            return
        person = participants.get(store.database, last)
        self.status.say(lambda: _("Check-in of {name} undone.").format(
            name=person.display_name if person else last))
        self.refresh()
        self.context.notify_changed("attendance")
        self.search.setFocus()

    def remove_selected(self) -> None:
        """Take the selected person off the session (a tombstone; history keeps it)."""
        person = self.present_model.participant(self.present.currentIndex().row())
        if person is None or not self.session:
            return
        answer = QMessageBox.question(
            self, _("Remove from session"),
            _("Take {name} off this session?").format(name=person.display_name))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            attendance.remove(self.context.store, self.session.id, person.id,
                              reason=self._amend_reason)
        except UserError as error:
            show_user_error(self, error)
            return
        self.status.say(lambda: _("{name} was taken off this session.")
                        .format(name=person.display_name))
        self.refresh()
        self.context.notify_changed("attendance")

    def new_participant(self) -> None:
        if not self.session or not self.search.isEnabled():
            return
        typed = self.search.text().strip()
        is_phone = bool(typed) and len(people.phone_key(typed)) >= 6 \
            and not any(c.isalpha() for c in typed)
        dialog = ParticipantDialog(
            self.context.store, self, name="" if is_phone else typed,
            phone=typed if is_phone else "", village_code=self.session.village_code,
            session_language=self.session.language,
            recorded_by=self.context.settings.current_trainer_id)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.participant:
            self.context.notify_changed("participant")
            self.check_in(dialog.participant)
        dialog.deleteLater()

    # --- skills ---------------------------------------------------------------------------
    def _show_skill(self, column: int) -> None:
        item = self.grid_model.item(column)
        if item is None:
            self.skill_text.setText(_("This session's modules have no checklist.")
                                    if not self.grid_model.columnCount() else "")
            return
        self.skill_text.setText(with_line_breaks(_("Skill {number}: {text}").format(
            number=i18n.format_year(column + 1), text=item.text())))

    def _grid_key(self, key: int) -> bool:
        index = self.grid.currentIndex()
        if not index.isValid():
            return False
        states = {Qt.Key.Key_A: checklist.ACHIEVED, Qt.Key.Key_N: checklist.NOT_YET,
                  Qt.Key.Key_Delete: checklist.NOT_ASSESSED}
        if key == Qt.Key.Key_Space:
            self._cycle(index.row(), index.column())
            return True
        if key in states:
            self._set_cells([index.row()], index.column(), states[key])
            return True
        return False

    def _cycle(self, row: int, column: int) -> None:
        self._set_cells([row], column, NEXT_STATE[self.grid_model.state(row, column)])

    def _whole_group(self, state: str) -> None:
        """Give the current skill's `state` to everyone who has no mark for it yet; a
        mark set for one person (a "not yet" the trainer saw) is never overwritten."""
        column = max(0, self.grid.currentIndex().column())
        item = self.grid_model.item(column)
        chosen = [self.grid_model.person(row) for row in range(self.grid_model.rowCount())]
        if item is None or not chosen:
            return
        try:
            filled = checklist.fill_unmarked(self.context.store, self.session.id,
                                             [p.id for p in chosen if p], item.id, state,
                                             reason=self._amend_reason)
        except UserError as error:
            show_user_error(self, error)
            return
        if not filled:
            self.status.say(lambda: _("{skill}: everyone already has a mark; nothing changed.")
                            .format(skill=_skill_name(column)))
            return
        self._group_fill = (item.id, filled)
        self.refresh()
        self.status.say(lambda: ngettext(
            "{skill}: {state} for {n} person who had no mark. Ctrl+Z takes it back.",
            "{skill}: {state} for {n} people who had no mark. Ctrl+Z takes it back.",
            len(filled)).format(skill=_skill_name(column), state=_(STATE_NAMES[state]),
                                n=i18n.format_number(len(filled))))
        self.context.notify_changed("checklist")

    def _undo_group_fill(self) -> None:
        item_id, filled = self._group_fill
        try:
            checklist.set_result(self.context.store, self.session.id, filled, item_id,
                                 checklist.NOT_ASSESSED, reason=self._amend_reason)
        except UserError as error:
            show_user_error(self, error)
            return
        self._group_fill = None
        self.refresh()
        self.status.say(lambda: ngettext("Whole group taken back: {n} mark removed.",
                                         "Whole group taken back: {n} marks removed.",
                                         len(filled)).format(n=i18n.format_number(len(filled))))
        self.context.notify_changed("checklist")

    def _set_cells(self, rows: list[int], column: int, state: str) -> None:
        item = self.grid_model.item(column)
        chosen = [self.grid_model.person(r) for r in rows]
        if item is None or not chosen:
            return
        self._group_fill = None         # a cell changed by hand: Ctrl+Z must not erase it
        try:
            checklist.set_result(self.context.store, self.session.id,
                                 [p.id for p in chosen if p], item.id, state,
                                 reason=self._amend_reason)
        except UserError as error:
            show_user_error(self, error)
            return
        self.refresh()
        self.status.say(lambda: _("{item}: {state}").format(item=_skill_name(column),
                                                            state=_(STATE_NAMES[state])))
        self.context.notify_changed("checklist")

    # --- closing and amending ----------------------------------------------------------------
    def close_session(self) -> None:
        dialog = CloseSummaryDialog(self.context.store.database, self.session, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                sessions.close(self.context.store, self.session.id)
            except UserError as error:
                show_user_error(self, error)
            self.refresh()
            self.context.notify_changed("session")
        dialog.deleteLater()

    def start_amendment(self) -> None:
        reason, ok = QInputDialog.getText(
            self, _("Amend a closed session"),
            _("Why does this closed session need a correction?"))
        if ok and reason.strip():
            self._amend_reason = reason.strip()
            self.refresh()
            self.search.setFocus()

    def edit_details(self) -> None:
        """Change the plan (date, place, modules, ...); an amendment when closed."""
        from debc_outreach.gui.session_plan_dialog import SessionPlanDialog

        dialog = SessionPlanDialog(self.context.store, self, existing=self.session,
                                   reason=self._amend_reason,
                                   current_trainer=self.context.settings.current_trainer_id)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.context.notify_changed("session")
        dialog.deleteLater()

    def save_sign_in_sheet(self):
        """A blank sheet to sign on paper when the laptop cannot be at the door."""
        from debc_outreach.gui.report_documents import save_sign_in_sheet

        return save_sign_in_sheet(self, self.context, self.session.id)

    def save_attendance_sheet(self):
        from debc_outreach.gui.report_documents import save_attendance_sheet

        return save_attendance_sheet(self, self.context, self.session.id)

    def show_history(self) -> None:
        dialog = HistoryDialog(self.context.store.database, self.session.id, self)
        dialog.exec()
        dialog.deleteLater()
