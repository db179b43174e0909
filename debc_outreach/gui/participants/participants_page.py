"""Participants: the registry (Khmer alphabetical order, lazy), filters, each
person's history, duplicates and un-merge."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content.loader import active_pack_dir
from debc_outreach.core import people
from debc_outreach.errors import UserError
from debc_outreach.gui import fonts
from debc_outreach.gui.changes import run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error
from debc_outreach.gui.page import Page
from debc_outreach.gui.participants.duplicates_dialog import DuplicatesDialog
from debc_outreach.gui.participants.participant_dialog import ParticipantDialog
from debc_outreach.gui.participants.participant_models import RegistryModel, age_label, sex_label
from debc_outreach.gui.widgets.tables import as_row_picker
from debc_outreach.i18n import _
from debc_outreach.storage import catalogue, gazetteer, participants, registry
from debc_outreach.sync.state import participant_sync_state


class ParticipantsPage(Page):
    key = "participants"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        catalogue.use_content_dir(active_pack_dir(context.data_dir))
        database = context.store.database
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        header = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setFont(fonts.heading_font(self.font(), 1.5))
        self.count_label = QLabel()
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.add_participant)
        self.duplicates_button = QPushButton()
        self.duplicates_button.clicked.connect(self.show_duplicates)
        self.follow_ups_button = QPushButton()
        self.follow_ups_button.setObjectName("followUpsDueButton")
        self.follow_ups_button.clicked.connect(self.show_follow_ups_due)
        header.addWidget(self.heading)
        header.addWidget(self.count_label, 1)
        header.addWidget(self.follow_ups_button)
        header.addWidget(self.duplicates_button)
        header.addWidget(self.add_button)
        layout.addLayout(header)

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("registrySearch")
        self.search.setClearButtonEnabled(True)
        self.village = QComboBox()
        self.sex = QComboBox()
        self.disability = QComboBox()
        self.module = QComboBox()
        self.search.setMinimumWidth(200)
        for widget in (self.village, self.sex, self.disability, self.module):
            widget.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(8)      # fits 1366 pixels at 150 % text
        filters.addWidget(self.search, 3)
        filters.addWidget(self.village, 2)
        filters.addWidget(self.sex, 1)
        filters.addWidget(self.disability, 1)
        filters.addWidget(self.module, 2)
        layout.addLayout(filters)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        for combo in (self.village, self.sex, self.disability, self.module):
            combo.currentIndexChanged.connect(self.apply_filter)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.model = RegistryModel(database, self)
        self.table = QTableView()
        self.table.setObjectName("registryTable")
        self.table.setModel(self.model)
        as_row_picker(self.table)
        header_view = self.table.horizontalHeader()
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header_view.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.show_details(current.row()))
        self.table.doubleClicked.connect(lambda _index: self.edit_current())
        splitter.addWidget(self.table)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        self.name_label = QLabel()
        self.name_label.setFont(fonts.heading_font(self.font(), 1.2))
        self.name_label.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.history_title = QLabel()
        self.history = QListWidget()
        self.history.setWordWrap(True)
        self.merged_title = QLabel()
        self.merged = QListWidget()
        self.merged.setMaximumHeight(90)
        buttons = QHBoxLayout()
        self.edit_button = QPushButton()
        self.edit_button.clicked.connect(self.edit_current)
        self.unmerge_button = QPushButton()
        self.unmerge_button.clicked.connect(self.unmerge_selected)
        self.certificate_button = QPushButton()        # anyone can check it by its QR code
        self.certificate_button.clicked.connect(lambda: self.save_certificate())
        self.follow_up_button = QPushButton()
        self.follow_up_button.clicked.connect(self.record_follow_up)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.follow_up_button)
        buttons.addWidget(self.certificate_button)
        buttons.addWidget(self.unmerge_button)
        for widget in (self.name_label, self.facts, self.history_title):
            side_layout.addWidget(widget)
        side_layout.addWidget(self.history, 1)
        side_layout.addWidget(self.merged_title)
        side_layout.addWidget(self.merged)
        side_layout.addLayout(buttons)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 420])
        layout.addWidget(splitter, 1)
        context.records_changed.connect(self._records_changed)
        self._current_id = ""
        self.retranslate()
        self.apply_filter()

    # --- texts and filters ------------------------------------------------------------------
    def retranslate(self) -> None:
        self.heading.setText(_("Participants"))
        self.add_button.setText(_("New participant…"))
        self.duplicates_button.setText(_("Find duplicates…"))
        self.search.setPlaceholderText(_("Search by name (Khmer or Latin)…"))
        self.history_title.setText(_("Sessions attended and skills achieved"))
        self.merged_title.setText(_("Records merged into this person"))
        self.edit_button.setText(_("Edit…"))
        self.certificate_button.setText(_("Certificate (PDF)…"))
        self.follow_ups_button.setText(_("Follow-ups due…"))
        self.follow_up_button.setText(_("Follow-up…"))
        self.follow_up_button.setToolTip(_("Record a follow-up call or visit (only for people "
                                           "who agreed to be contacted)."))
        self.unmerge_button.setText(_("Un-merge selected"))
        self._fill_combos()
        if hasattr(self, "_current_id"):            # texts in the rows change language too
            self.refresh_keep_selection()

    def _fill_combos(self) -> None:
        def refill(combo: QComboBox, entries: list[tuple[str, object]]) -> None:
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for text, data in entries:
                combo.addItem(text, data)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

        database = self.context.store.database
        refill(self.village, [(_("All villages"), "")] + [
            (gazetteer.village_name(code), code) for code in registry.villages_in_use(database)])
        refill(self.sex, [(_("Any sex"), "")] + [(sex_label(c), c) for c in people.SEXES])
        refill(self.disability, [(_("Disability: any"), None),
                                 (_("With disability"), True), (_("Without disability"), False)])
        refill(self.module, [(_("Any module"), "")] + [
            (_("Attended: {module}").format(module=m.title()), slug)
            for slug, m in catalogue.modules().items()])

    def current_filter(self) -> registry.Filter:
        return registry.Filter(query=self.search.text(), village_code=self.village.currentData(),
                               sex=self.sex.currentData(),
                               disability=self.disability.currentData(),
                               module=self.module.currentData() or "")

    def apply_filter(self) -> None:
        self.model.set_filter(self.current_filter())
        self._update_count()
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self.show_details(-1)

    def _update_count(self) -> None:
        total = self.model.total()
        self.count_label.setText(i18n.ngettext("{n} participant", "{n} participants", total)
                                 .format(n=i18n.format_number(total)))

    def activate(self) -> None:
        catalogue.use_content_dir(active_pack_dir(self.context.data_dir))
        self._fill_combos()

    def _records_changed(self, entity: str) -> None:
        if entity in ("", "participant", "attendance", "checklist") and self.isVisible():
            self.refresh_keep_selection()

    def refresh_keep_selection(self) -> None:
        keep = self._current_id
        self.model.refresh()
        self._update_count()
        row = self.model.row_of(keep) if keep else -1
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))
        self.show_details(row)

    # --- details ---------------------------------------------------------------------------
    def show_details(self, row: int) -> None:
        person = self.model.participant(row)
        self._current_id = person.id if person else ""
        self.edit_button.setEnabled(person is not None)
        self.certificate_button.setEnabled(person is not None)
        self.follow_up_button.setEnabled(person is not None)
        self.history.clear()
        self.merged.clear()
        if person is None:
            self.name_label.setText("")
            self.facts.setText("")
            self.unmerge_button.setEnabled(False)
            return
        database = self.context.store.database
        self.name_label.setText(person.display_name)
        consent = {"yes": _("consented"), "no": _("no consent: never exported by name")}
        facts = [sex_label(person.sex), age_label(person),
                 gazetteer.village_label(person.village_code), person.phone,
                 _("has a disability") if person.disability else "",
                 consent.get(person.consent, ""),
                 _("agrees to be contacted for a follow-up")
                 if participants.has_contact_consent(database, person.id) else "",
                 participant_sync_state(self.context.store, person.id).text()]
        self.facts.setText(" · ".join(f for f in facts if f and f != "—"))
        items = {item.id: item for m in catalogue.modules().values() for item in m.items}
        for visit in registry.attended(database, person.id):
            day = i18n.format_date(dt.date.fromisoformat(visit.date))
            line = f"{day} · {gazetteer.village_name(visit.village_code)}"
            skills = [items[i].text() for i in visit.achieved if i in items]
            if skills:
                line += "\n  ✓ " + "\n  ✓ ".join(skills)
            self.history.addItem(line)
        if not self.history.count():
            self.history.addItem(_("No sessions yet."))
        for other in registry.merged_into_this(database, person.id):
            self.merged.addItem(other.display_name)
            self.merged.item(self.merged.count() - 1).setData(Qt.ItemDataRole.UserRole,
                                                              other.id)
        self.unmerge_button.setEnabled(self.merged.count() > 0)
        if self.merged.count():
            self.merged.setCurrentRow(0)

    # --- actions ---------------------------------------------------------------------------
    def add_participant(self) -> None:
        dialog = ParticipantDialog(self.context.store, self,
                                   recorded_by=self.context.settings.current_trainer_id)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.participant:
            self._current_id = dialog.participant.id
            self.context.announce_change("participant")
        dialog.deleteLater()

    def save_certificate(self):
        """Save the selected person's certificate of participation (with its signed QR)."""
        from debc_outreach.gui.reporting.report_documents import save_certificate

        if self._current_id:
            return save_certificate(self, self.context, self._current_id)
        return None

    def edit_current(self) -> None:
        person = self.model.participant(self.table.currentIndex().row())
        if person is None:
            return
        dialog = ParticipantDialog(self.context.store, self, existing=person,
                                   recorded_by=self.context.settings.current_trainer_id)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.context.announce_change("participant")
        dialog.deleteLater()

    def show_duplicates(self) -> None:
        dialog = DuplicatesDialog(self.context.store, self)
        dialog.exec()
        if dialog.merged:
            self.context.announce_change("participant")
        dialog.deleteLater()

    def show_follow_ups_due(self) -> None:
        from debc_outreach.gui.participants.follow_ups_dialog import FollowUpsDueDialog

        dialog = FollowUpsDueDialog(self.context, self)
        dialog.exec()
        dialog.deleteLater()

    def record_follow_up(self) -> None:
        """A follow-up for the selected person, on any module they attended that has
        follow-up questions (also after the due window)."""
        from debc_outreach.gui.participants.follow_ups_dialog import FollowUpDialog

        if not self._current_id:
            return
        database = self.context.store.database
        if not participants.has_contact_consent(database, self._current_id):
            show_user_error(self, UserError(_(
                "This person did not agree to be contacted for a follow-up. Record their "
                "consent first (edit the participant).")))
            return
        attended = [slug for visit in registry.attended(database, self._current_id)
                    for slug in visit.modules]
        modules = [slug for slug in dict.fromkeys(attended)
                   if catalogue.modules().get(slug) and catalogue.modules()[slug].follow_ups]
        if not modules:
            show_user_error(self, UserError(_("This person attended no module with follow-up "
                                              "questions.")))
            return
        dialog = FollowUpDialog(self.context, self._current_id, modules, parent=self)
        dialog.exec()
        dialog.deleteLater()

    def unmerge_selected(self) -> None:
        item = self.merged.currentItem()
        if item is None:
            return
        run_change(self.context, self, "participant", lambda: participants.unmerge(
            self.context.store, item.data(Qt.ItemDataRole.UserRole)))
