"""Likely duplicate participants, side by side; merge keeps one (reversible)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
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

from debc_outreach.gui.changes import attempt
from debc_outreach.gui.participants.participant_models import age_label
from debc_outreach.gui.tasks import StoreTask
from debc_outreach.gui.widgets.tables import as_row_picker
from debc_outreach.i18n import N_, _
from debc_outreach.storage import gazetteer, participants, registry
from debc_outreach.storage.participants import Participant
from debc_outreach.storage.store import Store

REASONS = {"same_name_village": N_("Same name, same village"),
           "same_name_year": N_("Same name, same birth year"),
           "similar_name": N_("Very similar name, same village"),
           "marked_distinct": N_("Marked as different people")}


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
        self.distinct.clicked.connect(self._toggle_distinct)
        self.show_marked = QCheckBox()
        self.show_marked.toggled.connect(lambda _on: self.reload())
        row.addWidget(self.keep_first)
        row.addWidget(self.keep_second)
        row.addWidget(self.distinct)
        row.addStretch(1)
        row.addWidget(self.show_marked)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(980, 560)
        self._pairs: list[registry.Duplicate] = []
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
        marked = self.show_marked.isChecked()
        self.distinct.setText(_("Offer this pair again") if marked
                              else _("Not the same person"))
        self.distinct.setToolTip("" if marked else _(
            "Keep both records and stop offering this pair, on this computer and on every "
            "computer it syncs with."))
        self.show_marked.setText(_("Show pairs marked as different people"))

    def reload(self) -> None:
        """Look for duplicates off the GUI thread (seconds with 100,000 people), or list
        the pairs marked as different people."""
        find = registry.marked_distinct if self.show_marked.isChecked() \
            else registry.find_duplicates
        self.retranslate()

        for button in (self.keep_first, self.keep_second, self.distinct):
            button.setEnabled(False)
        task = self._task = StoreTask(self, _("Looking for duplicates…"), self._store,
                                      lambda store, _progress: find(store.database))
        # Only the newest search fills the table (the list may be switched while one runs).
        task.succeeded.connect(lambda pairs: self._show(pairs) if task is self._task else None)
        task.start()

    def _show(self, pairs: list) -> None:
        self._pairs = pairs
        self.table.setRowCount(len(self._pairs))
        for row, pair in enumerate(self._pairs):
            for column, text in enumerate((describe(pair.first), describe(pair.second),
                                           _(REASONS[pair.reason]))):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if self._pairs:
            self.table.selectRow(0)
        self.distinct.setEnabled(bool(self._pairs))
        for button in (self.keep_first, self.keep_second):
            button.setEnabled(bool(self._pairs) and not self.show_marked.isChecked())

    def _current(self) -> registry.Duplicate | None:
        row = self.table.currentRow()
        return self._pairs[row] if 0 <= row < len(self._pairs) else None

    def _toggle_distinct(self) -> None:
        """Mark the selected pair as different people, or (in the list of marked pairs)
        offer it again."""
        pair = self._current()
        if pair is None:
            return
        if attempt(self, lambda: participants.mark_distinct(
                self._store, pair.first.id, pair.second.id,
                distinct=not self.show_marked.isChecked())):
            self.reload()

    def _merge(self, keep_first: bool) -> None:
        pair = self._current()
        if pair is None:
            return
        keep, duplicate = (pair.first, pair.second) if keep_first else (pair.second, pair.first)
        if not attempt(self, lambda: participants.merge(self._store, duplicate.id, keep.id)):
            return
        self.merged += 1           # the registry page announces the merges when this closes
        self.reload()
