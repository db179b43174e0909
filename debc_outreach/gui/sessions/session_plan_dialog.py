"""Plan a session: date and time, venue, village (gazetteer), modules, trainers,
partner organisation, audience and the language the session is held in."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.errors import UserError
from debc_outreach.gui.changes import attempt
from debc_outreach.gui.widgets.village_picker import ProvinceFilter, VillagePicker, village_row
from debc_outreach.i18n import N_, _
from debc_outreach.storage import catalogue, sessions, trainers
from debc_outreach.storage.store import Store

AUDIENCES = {"": N_("General public"), "youth": N_("Youth"),
             "rural-adults": N_("Rural adults"), "elders": N_("Elders"),
             "women": N_("Women's group")}


class SessionPlanDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 current_trainer: str = "", existing: sessions.Session | None = None,
                 reason: str = ""):
        super().__init__(parent)
        self.setObjectName("sessionPlanDialog")
        self._store = store
        self._existing = existing
        self._reason = reason           # amendment reason when the session is closed
        self.session: sessions.Session | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.time = QTimeEdit(QTime(8, 0))
        self.time.setDisplayFormat("HH:mm")
        self.venue = QLineEdit()
        self.village = VillagePicker()
        self.province = ProvinceFilter(self.village, store, current_trainer)
        self.modules = QListWidget()
        for slug in catalogue.modules():
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, slug)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.modules.addItem(item)
        self.trainers = QListWidget()
        for trainer in trainers.list_trainers(store):
            item = QListWidgetItem(trainer.display_name)
            item.setData(Qt.ItemDataRole.UserRole, trainer.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if trainer.id == current_trainer
                               else Qt.CheckState.Unchecked)
            self.trainers.addItem(item)
        self.modules.setMaximumHeight(140)
        self.trainers.setMaximumHeight(110)
        self.partner = QLineEdit()
        self.audience = QComboBox()
        for key in AUDIENCES:
            self.audience.addItem("", key)
        self.language = QComboBox()
        for code, name in i18n.LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.labels = {k: QLabel() for k in ("date", "time", "venue", "village", "modules",
                                              "trainers", "partner", "audience", "language")}
        for key, widget in (("date", self.date), ("time", self.time), ("venue", self.venue),
                            ("village", self.village), ("modules", self.modules),
                            ("trainers", self.trainers), ("partner", self.partner),
                            ("audience", self.audience), ("language", self.language)):
            self.labels[key].setBuddy(widget)
            form.addRow(self.labels[key], village_row(self.village, self.province)
                        if widget is self.village else widget)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(760, 640)
        if existing:
            self._load(existing)
        self.retranslate()

    def _load(self, session: sessions.Session) -> None:
        day = session.day
        self.date.setDate(QDate(day.year, day.month, day.day))
        if session.start_time:
            self.time.setTime(QTime.fromString(session.start_time, "HH:mm"))
        self.venue.setText(session.venue)
        self.village.set_code(session.village_code)
        for widget, chosen in ((self.modules, session.modules),
                               (self.trainers, session.trainer_ids)):
            for row in range(widget.count()):
                item = widget.item(row)
                item.setCheckState(Qt.CheckState.Checked
                                   if item.data(Qt.ItemDataRole.UserRole) in chosen
                                   else Qt.CheckState.Unchecked)
        self.partner.setText(session.partner)
        self.audience.setCurrentIndex(max(0, self.audience.findData(session.audience)))
        self.language.setCurrentIndex(max(0, self.language.findData(session.language)))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Session details") if self._existing else _("Plan a session"))
        texts = {"date": _("&Date"), "time": _("&Start time"), "venue": _("Ve&nue"),
                 "village": _("&Village"), "modules": _("&Modules"),
                 "trainers": _("&Trainers"), "partner": _("&Partner organisation"),
                 "audience": _("A&udience"), "language": _("Session &language")}
        for key, text in texts.items():
            self.labels[key].setText(text)
        self.venue.setPlaceholderText(_("e.g. commune hall, pagoda, school"))
        self.village.retranslate()
        self.province.retranslate()
        modules = catalogue.modules()
        for row in range(self.modules.count()):
            item = self.modules.item(row)
            item.setText(modules[item.data(Qt.ItemDataRole.UserRole)].title())
        for row, key in enumerate(AUDIENCES):
            self.audience.setItemText(row, _(AUDIENCES[key]))

    @staticmethod
    def _checked(widget: QListWidget) -> list[str]:
        return [widget.item(r).data(Qt.ItemDataRole.UserRole) for r in range(widget.count())
                if widget.item(r).checkState() == Qt.CheckState.Checked]

    def accept(self) -> None:
        done = attempt(self, self._save)
        if done:
            self.session = done.value
            super().accept()

    def _save(self) -> sessions.Session:
        """Plan the session, or change what changed; the opener announces it."""
        if not self.village.code():
            raise UserError(_("Choose the village from the gazetteer list."))
        day = self.date.date()
        values = {
            "date": dt.date(day.year(), day.month(), day.day()).isoformat(),
            "village_code": self.village.code(), "modules": self._checked(self.modules),
            "start_time": self.time.time().toString("HH:mm"), "venue": self.venue.text(),
            "trainer_ids": self._checked(self.trainers), "partner": self.partner.text(),
            "audience": self.audience.currentData(),
            "language": self.language.currentData()}
        if self._existing is None:
            return sessions.create(self._store, values.pop("date"), values.pop("village_code"),
                                   values.pop("modules"), **values)
        old = self._existing
        changed = {k: v for k, v in values.items()
                   if v != (list(getattr(old, k)) if k in ("modules", "trainer_ids")
                            else getattr(old, k))}
        return sessions.update(self._store, old.id, reason=self._reason, **changed)
