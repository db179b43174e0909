"""Targets: what the programme promised (per province, period, policy area) and progress.

A coordinator adds, changes and removes targets here; each change is one
synced `target` event (reports/targets.py), so other coordinator devices
receive it with the next sync.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content.labels import TAG_LABELS
from debc_outreach.gui.changes import run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.widgets.tables import as_row_picker
from debc_outreach.i18n import _, language
from debc_outreach.reports import lookup, targets
from debc_outreach.storage import gazetteer


def _iso(date: QDate) -> str:
    return dt.date(date.year(), date.month(), date.day()).isoformat()


class TargetsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.catalog = lookup.catalog(context.data_dir)
        self._rows: list[targets.Progress] = []
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 7)
        as_row_picker(self.table)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.province = QComboBox()
        self.date_from = QDateEdit(calendarPopup=True)
        self.date_to = QDateEdit(calendarPopup=True)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("yyyy-MM-dd")
        today = QDate.currentDate()
        self.date_from.setDate(QDate(today.year(), 1, 1))
        self.date_to.setDate(QDate(today.year(), 12, 31))
        self.policy_area = QComboBox()
        self.measure = QComboBox()
        self.value = QLineEdit()
        self.note = QLineEdit()
        period = QHBoxLayout()
        period.addWidget(self.date_from)
        period.addWidget(self.date_to)
        self.labels = {}
        for key, widget in (("province", self.province), ("period", period),
                            ("area", self.policy_area), ("measure", self.measure),
                            ("value", self.value), ("note", self.note)):
            self.labels[key] = QLabel()
            form.addRow(self.labels[key], widget)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.add_button = QPushButton()
        self.save_button = QPushButton()
        self.remove_button = QPushButton()
        for button in (self.add_button, self.save_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.close_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(self.close_box)
        self.close_box.rejected.connect(self.reject)
        self.add_button.clicked.connect(self.add)
        self.save_button.clicked.connect(self.save)
        self.remove_button.clicked.connect(self.remove)
        self.table.itemSelectionChanged.connect(self._selected)
        self.retranslate()
        self.reload()
        self.resize(900, 560)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Targets"))
        self.table.setHorizontalHeaderLabels([_("Province"), _("Period"), _("Policy area"),
                                              _("Measure"), _("Target"), _("Actual"),
                                              _("Progress")])
        for key, text in (("province", _("Province")), ("period", _("Period")),
                          ("area", _("Policy area")), ("measure", _("Measure")),
                          ("value", _("Target")), ("note", _("Note"))):
            self.labels[key].setText(text)
        self.value.setPlaceholderText(_("e.g. 500"))
        self.note.setPlaceholderText(_("e.g. the donor or agreement"))
        self.add_button.setText(_("Add target"))
        self.save_button.setText(_("Save changes"))
        self.remove_button.setText(_("Remove"))
        lang = language()
        self.province.clear()
        self.province.addItem(_("All provinces"), "")
        for code, name_kh, name_en in gazetteer.provinces():
            self.province.addItem(name_kh if lang == "km" else name_en, code)
        self.policy_area.clear()
        self.policy_area.addItem(_("All policy areas"), "")
        for tag in self.catalog.policy_modules():
            self.policy_area.addItem(_(TAG_LABELS.get(tag, tag)), tag)
        self.measure.clear()
        for key, text in targets.MEASURES.items():
            self.measure.addItem(_(text), key)

    def reload(self) -> None:
        database = self.context.store.database
        self._rows = targets.progress(database, self.catalog.policy_modules())
        self.table.setRowCount(len(self._rows))
        lang = language()
        for row, item in enumerate(self._rows):
            t = item.target
            cells = [lookup.province_name(t.province_code, lang) if t.province_code
                     else _("All provinces"),
                     "{a} – {b}".format(
                         a=i18n.format_date(dt.date.fromisoformat(t.period_start), "short"),
                         b=i18n.format_date(dt.date.fromisoformat(t.period_end), "short")),
                     _(TAG_LABELS.get(t.policy_area, t.policy_area)) if t.policy_area
                     else _("All policy areas"),
                     _(targets.MEASURES[t.measure]), i18n.format_number(t.value),
                     i18n.format_number(item.actual), i18n.format_percent(item.share)]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column >= 4:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        self.table.resizeRowsToContents()
        self._selected()

    def _selected(self) -> None:
        target = self.selected()
        self.save_button.setEnabled(target is not None)
        self.remove_button.setEnabled(target is not None)
        if target is None:
            return
        self.province.setCurrentIndex(max(0, self.province.findData(target.province_code)))
        self.date_from.setDate(QDate.fromString(target.period_start, "yyyy-MM-dd"))
        self.date_to.setDate(QDate.fromString(target.period_end, "yyyy-MM-dd"))
        self.policy_area.setCurrentIndex(max(0, self.policy_area.findData(target.policy_area)))
        self.measure.setCurrentIndex(max(0, self.measure.findData(target.measure)))
        self.value.setText(i18n.format_year(target.value))
        self.note.setText(target.note)

    def selected(self) -> targets.Target | None:
        rows = self.table.selectionModel().selectedRows()
        return self._rows[rows[0].row()].target if rows else None

    def _write(self, target_id: str | None) -> None:
        if run_change(self.context, self, "target", lambda: targets.set_target(
                self.context.store, province_code=self.province.currentData() or "",
                period_start=_iso(self.date_from.date()), period_end=_iso(self.date_to.date()),
                measure=self.measure.currentData(), value=self.value.text(),
                policy_area=self.policy_area.currentData() or "", note=self.note.text(),
                policy_modules=self.catalog.policy_modules(), target_id=target_id)):
            self.reload()

    def add(self) -> None:
        self._write(None)

    def save(self) -> None:
        target = self.selected()
        if target is not None:
            self._write(target.id)

    def remove(self) -> None:
        target = self.selected()
        if target is None:
            return
        run_change(self.context, self, "target",
                   lambda: targets.remove_target(self.context.store, target.id))
        self.reload()
