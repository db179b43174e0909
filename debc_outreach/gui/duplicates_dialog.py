"""Likely duplicate participants, side by side; merge keeps one (reversible)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from debc_outreach.errors import UserError
from debc_outreach.gui.errors import show_user_error
from debc_outreach.gui.participant_models import age_label
from debc_outreach.gui.tables import as_row_picker
from debc_outreach.gui.tasks import Task
from debc_outreach.i18n import N_, _
from debc_outreach.storage import gazetteer, participants, registry
from debc_outreach.storage.database import Database
from debc_outreach.storage.participants import Participant
from debc_outreach.storage.store import Store

REASONS = {"same_name_village": N_("Same name, same village"),
           "same_name_year": N_("Same name, same birth year"),
           "similar_name": N_("Very similar name, same village")}


def describe(person: Participant) -> str:
    parts = [person.display_name, age_label(person),
             gazetteer.village_name(person.village_code), person.phone]
    return " · ".join(p for p in parts if p and p != "—")


class DuplicatesDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("duplicatesDialog")
        self._store = store
        self.merged = 0
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 3)
        as_row_picker(self.table)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.keep_first = QPushButton()
        self.keep_first.clicked.connect(lambda: self._merge(keep_first=True))
        self.keep_second = QPushButton()
        self.keep_second.clicked.connect(lambda: self._merge(keep_first=False))
        self.distinct = QPushButton()
        self.distinct.clicked.connect(self._mark_distinct)
        self.undo_distinct = QPushButton()
        self.undo_distinct.setEnabled(False)
        self.undo_distinct.clicked.connect(self._undo_distinct)
        row.addWidget(self.keep_first)
        row.addWidget(self.keep_second)
        row.addWidget(self.distinct)
        row.addStretch(1)
        row.addWidget(self.undo_distinct)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(980, 560)
        self._pairs: list[registry.Duplicate] = []
        self._last_distinct: registry.Duplicate | None = None
        self.retranslate()
        self.reload()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Possible duplicates"))
        self.intro.setText(_("These records may be the same person registered twice. Merging "
                             "keeps one record and adds the other's sessions and skills to "
                             "it. Nothing is deleted: a merge can be undone from the "
                             "participant's details. If two records are different people "
                             "(the same name is common), mark them so they are not offered "
                             "again."))
        self.table.setHorizontalHeaderLabels([_("First record"), _("Second record"),
                                              _("Why")])
        self.keep_first.setText(_("Merge, keep the first"))
        self.keep_second.setText(_("Merge, keep the second"))
        self.distinct.setText(_("Not the same person"))
        self.distinct.setToolTip(_("Keep both records and stop offering this pair, on this "
                                   "computer and on every computer it syncs with."))
        self.undo_distinct.setText(_("Undo “not the same person”"))

    def reload(self) -> None:
        """Look for duplicates off the GUI thread (seconds with 100,000 people)."""
        path, key = self._store.database.path, self._store.database.key

        def work(_progress):
            database = Database(path, key)
            try:
                return registry.find_duplicates(database)
            finally:
                database.close()

        for button in (self.keep_first, self.keep_second, self.distinct):
            button.setEnabled(False)
        self._task = Task(self, _("Looking for duplicates…"), work)
        self._task.succeeded.connect(self._show)
        self._task.start()

    def _show(self, pairs: list) -> None:
        self._pairs = pairs
        self.table.setRowCount(len(self._pairs))
        for row, pair in enumerate(self._pairs):
            for column, text in enumerate((describe(pair.first), describe(pair.second),
                                           _(REASONS[pair.reason]))):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if self._pairs:
            self.table.selectRow(0)
        for button in (self.keep_first, self.keep_second, self.distinct):
            button.setEnabled(bool(self._pairs))

    def _current(self) -> registry.Duplicate | None:
        row = self.table.currentRow()
        return self._pairs[row] if 0 <= row < len(self._pairs) else None

    def _mark_distinct(self) -> None:
        pair = self._current()
        if pair is None:
            return
        self._set_distinct(pair, True)

    def _undo_distinct(self) -> None:
        if self._last_distinct is not None:
            self._set_distinct(self._last_distinct, False)

    def _set_distinct(self, pair: registry.Duplicate, distinct: bool) -> None:
        try:
            participants.mark_distinct(self._store, pair.first.id, pair.second.id, distinct)
        except UserError as error:
            show_user_error(self, error)
            return
        self._last_distinct = pair if distinct else None
        self.undo_distinct.setEnabled(distinct)
        self.reload()

    def _merge(self, keep_first: bool) -> None:
        pair = self._current()
        if pair is None:
            return
        keep, duplicate = (pair.first, pair.second) if keep_first else (pair.second, pair.first)
        try:
            participants.merge(self._store, duplicate.id, keep.id)
        except UserError as error:
            show_user_error(self, error)
            return
        self.merged += 1
        self.reload()
