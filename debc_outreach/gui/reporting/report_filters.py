"""The filter bar of the Reports page: period, place, module, policy area, trainer, device."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from debc_outreach.content.labels import TAG_LABELS
from debc_outreach.i18n import _, language
from debc_outreach.reports import lookup
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.reports.periods import PERIODS, period_range
from debc_outreach.storage.database import Database


def _iso(date: QDate) -> str:
    return dt.date(date.year(), date.month(), date.day()).isoformat()


class FilterBar(QWidget):
    """Emits `changed` whenever the user changes a filter; `current()` builds the filter."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._catalog = lookup.catalog(None)
        self._database: Database | None = None
        self._quiet = False
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        self.period = QComboBox()
        self.date_from = QDateEdit(calendarPopup=True)
        self.date_to = QDateEdit(calendarPopup=True)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("yyyy-MM-dd")
        self.province = QComboBox()
        self.district = QComboBox()
        self.module = QComboBox()
        self.policy_area = QComboBox()
        self.trainer = QComboBox()
        self.device = QComboBox()
        self.reset = QPushButton()
        self.labels = [QLabel() for _ in range(8)]
        widgets = [self.period, self.date_from, self.date_to, self.province, self.district,
                   self.module, self.policy_area, self.trainer, self.device]
        for combo in (self.period, self.module, self.policy_area, self.trainer, self.device,
                      self.district, self.province):
            # Long Khmer names must not widen the window past a 1366-pixel screen.
            combo.setMinimumContentsLength(8)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device_label = QLabel()
        pairs = [(self.labels[0], self.period), (self.labels[1], self.date_from),
                 (self.labels[2], self.date_to), (self.labels[3], self.province),
                 (self.labels[4], self.district), (self.labels[5], self.module),
                 (self.labels[6], self.policy_area), (self.labels[7], self.trainer),
                 (self.device_label, self.device)]
        for index, (label, widget) in enumerate(pairs):
            label.setBuddy(widget)
            row, column = divmod(index, 3)
            grid.addWidget(label, row, column * 2)
            grid.addWidget(widget, row, column * 2 + 1)
        # `reset` is placed by the page, beside its title: a seventh grid column would push
        # the page past a 1366-pixel screen at a large text size.
        for column in (1, 3, 5):
            grid.setColumnStretch(column, 1)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.province.currentIndexChanged.connect(self._province_changed)
        for widget in widgets[1:]:
            if isinstance(widget, QComboBox) and widget is not self.province:
                widget.currentIndexChanged.connect(self._emit)
        self.date_from.dateChanged.connect(self._dates_edited)
        self.date_to.dateChanged.connect(self._dates_edited)
        self.reset.clicked.connect(self.clear)

    # --- filling ---------------------------------------------------------------------
    def load(self, database: Database, data_dir=None, *, fill: bool = True) -> None:
        """Fill the choices from the records (provinces with sessions, trainers, devices);
        `fill=False` when `retranslate` follows at once (each fill reads the records)."""
        self._database = database
        self._catalog = lookup.catalog(data_dir)
        if fill:
            self.retranslate()

    def retranslate(self) -> None:
        texts = [_("Period"), _("From"), _("To"), _("Province"), _("District"), _("Module"),
                 _("Policy area"), _("Trainer")]
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.device_label.setText(_("Device"))
        self.reset.setText(_("Show everything"))
        self._quiet = True
        lang = language()
        self._refill(self.period, [(k, _(v)) for k, v in PERIODS.items()], with_all=False)
        database = self._database
        if database is not None:
            self._refill(self.province, lookup.provinces_in_use(database, lang))
            self._fill_districts()
            self._refill(self.trainer, sorted(lookup.trainer_names(database).items(),
                                              key=lambda item: item[1]))
            self._refill(self.device, lookup.devices_in_use(database))
        self._refill(self.module, [(slug, self._catalog.title(slug, lang))
                                   for slug in self._catalog.order])
        self._refill(self.policy_area, [(tag, _(TAG_LABELS.get(tag, tag)))
                                        for tag in self._catalog.policy_modules()])
        self._quiet = False
        self._update_dates_enabled()

    def _refill(self, combo: QComboBox, items: list[tuple[str, str]], with_all: bool = True):
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        if with_all:
            combo.addItem(_("All"), "")
        for key, text in items:
            combo.addItem(text, key)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def _fill_districts(self) -> None:
        province = self.province.currentData() or ""
        items = (lookup.districts_in_use(self._database, province, language())
                 if province and self._database is not None else [])
        self._refill(self.district, items)
        self.district.setEnabled(bool(province))

    # --- reacting --------------------------------------------------------------------
    def _emit(self) -> None:
        if not self._quiet:
            self.changed.emit()

    def _province_changed(self) -> None:
        self._fill_districts()
        self._emit()

    def _period_changed(self) -> None:
        name = self.period.currentData()
        start, end = period_range(name, dt.date.today())
        if start:
            self._quiet_dates(start, end)
        self._update_dates_enabled()
        self._emit()

    def _dates_edited(self) -> None:
        if self.period.currentData() == "custom":
            self._emit()

    def _quiet_dates(self, start: str, end: str) -> None:
        for edit, value in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.setDate(QDate.fromString(value, "yyyy-MM-dd"))
            edit.blockSignals(False)

    def _update_dates_enabled(self) -> None:
        name = self.period.currentData()
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(name == "custom")
            edit.setVisible(name != "all")
        for label in self.labels[1:3]:
            label.setVisible(name != "all")

    def clear(self) -> None:
        self._quiet = True
        for combo in (self.period, self.province, self.module, self.policy_area, self.trainer,
                      self.device):
            combo.setCurrentIndex(0)
        self._fill_districts()
        self._quiet = False
        self._update_dates_enabled()
        self.changed.emit()

    def set_period(self, name: str, start: str = "", end: str = "") -> None:
        """Choose a period (tests and the export dialog's defaults)."""
        if start:
            self._quiet_dates(start, end)
        self.period.setCurrentIndex(self.period.findData(name))

    def current(self) -> ReportFilter:
        """The filter the bar shows (dates only when a period is chosen)."""
        name = self.period.currentData() or "all"
        start = end = ""
        if name == "custom":
            start, end = _iso(self.date_from.date()), _iso(self.date_to.date())
            if start > end:
                start, end = end, start
        elif name != "all":
            start, end = period_range(name, dt.date.today())
        area = self.policy_area.currentData() or ""
        return ReportFilter(start, end, self.province.currentData() or "",
                            self.district.currentData() or "", self.module.currentData() or "",
                            tuple(self._catalog.policy_modules().get(area, ())) if area else (),
                            area, self.trainer.currentData() or "",
                            self.device.currentData() or "")

    @property
    def policy_modules(self) -> dict:
        return self._catalog.policy_modules()

    @property
    def item_ids(self) -> list[str]:
        """Checklist items of the pack (the skills the dashboard counts)."""
        return list(self._catalog.items)
