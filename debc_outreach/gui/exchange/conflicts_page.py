"""Conflicts: two devices changed the same thing; the coordinator decides what stays.

Each row shows both values, which device wrote each and when. Keeping the
current value or taking the other one is recorded as an event, so the
decision reaches every device with the next sync.
"""

from __future__ import annotations

import datetime as dt
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.core.hlc import wall_ms
from debc_outreach.gui.changes import run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.page import Page
from debc_outreach.gui.widgets.tables import as_row_picker
from debc_outreach.i18n import N_, _
from debc_outreach.sync import conflicts, peers

FIELD_NAMES = {"display_name": N_("Name"), "phone": N_("Phone"), "sex": N_("Sex"),
               "birth_year": N_("Birth year"), "age_band": N_("Age band"),
               "village_code": N_("Village"), "consent": N_("Consent"), "date": N_("Date"),
               "venue": N_("Venue"), "state": N_("State"), "deleted": N_("Removed"),
               "merged_into": N_("Merged into")}
ENTITY_NAMES = {"participant": N_("Participant"), "session": N_("Session"),
                "trainer": N_("Trainer")}


def _stamp(hlc: int) -> str:
    return i18n.format_datetime(
        dt.datetime.fromtimestamp(wall_ms(hlc) / 1000, dt.UTC).astimezone(), "short")


def _value(value: object) -> str:
    if value is None or value == "":
        return _("(empty)")
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class ConflictsPage(Page):
    key = "conflicts"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout = self.page_layout()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 5)
        as_row_picker(self.table)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.keep_button = QPushButton()
        self.other_button = QPushButton()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.other_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._rows: list[conflicts.Conflict] = []
        self.keep_button.clicked.connect(lambda: self.resolve_selected(conflicts.KEEP_CURRENT))
        self.other_button.clicked.connect(lambda: self.resolve_selected(conflicts.KEEP_OTHER))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        context.records_changed.connect(lambda _entity: self.refresh())
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(_("Conflicts"))
        self.keep_button.setText(_("Keep the current value"))
        self.other_button.setText(_("Use the other value"))
        self.table.setHorizontalHeaderLabels([_("Record"), _("What changed"),
                                              _("Current value"), _("Other value"),
                                              _("Changed by")])
        self.refresh()

    def activate(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        store = self.context.store
        self._rows = conflicts.list_conflicts(store.database)
        names = peers.device_names(store)
        self.intro.setText(
            _("Two devices changed the same thing before they synced. The newest value is "
              "shown now; nothing was lost. Choose which value stays.") if self._rows else
            _("No conflicts. When two devices change the same thing before they sync, both "
              "values appear here."))
        self.table.setRowCount(len(self._rows))
        for row, item in enumerate(self._rows):
            kind = _(ENTITY_NAMES[item.entity]) if item.entity in ENTITY_NAMES else item.entity
            field = _(FIELD_NAMES[item.field]) if item.field in FIELD_NAMES else item.field
            who = _("current: {who}, {when}\nother: {other}, {other_when}").format(
                who=names.get(item.current_device, item.current_device[:8]),
                when=_stamp(item.current_hlc),
                other=names.get(item.other_device, item.other_device[:8]),
                other_when=_stamp(item.other_hlc))
            values = ["{kind}: {label}".format(kind=kind, label=conflicts.record_label(
                store.database, item.entity, item.entity_id)), field,
                _value(item.current_value), _value(item.other_value), who]
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setToolTip(value)
                self.table.setItem(row, column, cell)
        self.table.resizeRowsToContents()
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = bool(self.table.selectedItems())
        self.keep_button.setEnabled(chosen)
        self.other_button.setEnabled(chosen)

    def resolve_selected(self, choice: str) -> None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        if not rows:
            return
        chosen = self._rows[min(rows)]
        # The page redraws from the announcement (it listens to every change).
        run_change(self.context, self, chosen.entity,
                   lambda: conflicts.resolve_conflict(self.context.store, chosen, choice))
        if self.table.rowCount():
            self.table.selectRow(min(min(rows), self.table.rowCount() - 1))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
