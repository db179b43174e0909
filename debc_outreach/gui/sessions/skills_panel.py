"""The skills half of the session screen: the checklist grid of who achieved what.

A cell changes by a click, Space (next state), A, N or Delete; "Whole group"
gives the selected skill's mark to everyone who has none yet, and Ctrl+Z
(asked for by the view) takes exactly that fill back. Its contract with the
view: it reads the `OpenSession`, reports through `say` (the screen's status
line), and makes its changes through `run_change` (the view redraws from the
announcement).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.gui.changes import run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.sessions.checklist_model import NEXT_STATE, STATE_NAMES, ChecklistModel
from debc_outreach.gui.sessions.open_session import OpenSession
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import catalogue, checklist
from debc_outreach.storage.participants import Participant


def _skill_name(column: int) -> str:
    """"Skill 3" for the third column, its number in the chosen digits."""
    return _("Skill {number}").format(number=i18n.format_year(column + 1))


class SkillsPanel(QWidget):
    """The skills checklist of the people checked in, and the "Whole group" buttons."""


    def __init__(self, context: AppContext, open_session: OpenSession,
                 say: Callable[[Callable[[], str]], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.open = open_session
        self.say = say
        # The last "Whole group" fill (item id, participant ids) while it is still the
        # latest change here: Ctrl+Z takes exactly those marks back.
        self._group_fill: tuple[str, list[str]] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
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
        layout.addWidget(self.skill_text)
        layout.addWidget(self.grid, 1)
        layout.addLayout(group)
        layout.addWidget(self.legend)


    def retranslate(self) -> None:
        self.group_achieved.setText(_("Whole group: achieved"))
        self.group_not_yet.setText(_("Whole group: not yet"))
        for button in (self.group_achieved, self.group_not_yet):
            button.setToolTip(_("Marks everyone who has no mark yet for the selected skill; "
                                "marks already set stay. Ctrl+Z takes it back."))
        self.legend.setText(_("✓ achieved · ✗ not yet · empty: not assessed. Click a cell "
                              "or press Space to change it; A, N and Delete set it."))

    def forget_group_fill(self) -> None:
        """Another change came after the last fill: Ctrl+Z must not take the fill back."""
        self._group_fill = None

    def show_marks(self, present: list[Participant]) -> None:
        """Redraw from the records: the grid of the people checked in."""
        locked = self.open.locked
        self.group_achieved.setEnabled(not locked)
        self.group_not_yet.setEnabled(not locked)
        session = self.open.session
        database = self.context.store.database
        items = catalogue.checklist_items(session.modules)
        current = self.grid.currentIndex()
        self.grid_model.set_data(present, items,
                                 checklist.results(database.conn, session.id))
        if current.isValid():
            self.grid.setCurrentIndex(self.grid_model.index(current.row(), current.column()))
        self._show_skill(max(0, current.column()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and watched is self.grid:
            return self._grid_key(event.key())
        return super().eventFilter(watched, event)

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
        done = run_change(self.context, self, "checklist", lambda: checklist.fill_unmarked(
            self.context.store, self.open.session.id, [p.id for p in chosen if p], item.id,
            state, reason=self.open.amend_reason))
        if not done:
            return
        filled = done.value
        if not filled:
            self.say(lambda: _("{skill}: everyone already has a mark; nothing changed.")
                     .format(skill=_skill_name(column)))
            return
        self._group_fill = (item.id, filled)
        self.say(lambda: ngettext(
            "{skill}: {state} for {n} person who had no mark. Ctrl+Z takes it back.",
            "{skill}: {state} for {n} people who had no mark. Ctrl+Z takes it back.",
            len(filled)).format(skill=_skill_name(column), state=_(STATE_NAMES[state]),
                                n=i18n.format_number(len(filled))))

    @property
    def can_undo_group_fill(self) -> bool:
        """The last change here was a "Whole group" fill (what Ctrl+Z takes back first)."""
        return self._group_fill is not None

    def undo_group_fill(self) -> None:
        """Take back the last "Whole group" fill."""
        if self._group_fill is None:
            return
        item_id, filled = self._group_fill
        if not run_change(self.context, self, "checklist", lambda: checklist.set_result(
                self.context.store, self.open.session.id, filled, item_id,
                checklist.NOT_ASSESSED, reason=self.open.amend_reason)):
            return
        self._group_fill = None
        self.say(lambda: ngettext("Whole group taken back: {n} mark removed.",
                                  "Whole group taken back: {n} marks removed.",
                                  len(filled)).format(n=i18n.format_number(len(filled))))

    def _set_cells(self, rows: list[int], column: int, state: str) -> None:
        item = self.grid_model.item(column)
        chosen = [self.grid_model.person(r) for r in rows]
        if item is None or not chosen:
            return
        self._group_fill = None         # a cell changed by hand: Ctrl+Z must not erase it
        if not run_change(self.context, self, "checklist", lambda: checklist.set_result(
                self.context.store, self.open.session.id, [p.id for p in chosen if p], item.id,
                state, reason=self.open.amend_reason)):
            return
        self.say(lambda: _("{item}: {state}").format(item=_skill_name(column),
                                                     state=_(STATE_NAMES[state])))
