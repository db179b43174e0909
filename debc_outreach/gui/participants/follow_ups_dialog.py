"""Follow-ups a month after a session: who is due (by village) and recording one.

`FollowUpsDueDialog` lists the people who agreed to be contacted and whose
session was 4-6 weeks ago (the programme's window), grouped by village with
their phone, so a trainer can plan calls and visits. Enter or "Record
follow-up…" opens `FollowUpDialog` for the selected person: per module, by
phone or visit, the date, and one answer per question (number keys choose).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.errors import UserError
from debc_outreach.gui.changes import attempt, run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.widgets.choice_row import ChoiceRow
from debc_outreach.i18n import N_, _
from debc_outreach.storage import catalogue, gazetteer, outcomes, participants, privacy

METHOD_NAMES = {"phone": N_("By phone"), "visit": N_("Visit")}
ID_ROLE = Qt.ItemDataRole.UserRole


def _module_title(slug: str) -> str:
    module = catalogue.modules().get(slug)
    return module.title() if module else slug


def _day(text: str) -> str:
    return i18n.format_date(dt.date.fromisoformat(text))


class FollowUpDialog(QDialog):
    """Record one follow-up: module, method, date and the answers."""

    def __init__(self, context: AppContext, participant_id: str, modules: list[str],
                 session_id: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("followUpDialog")
        self.context = context
        self.participant_id = participant_id
        self.session_id = session_id
        person = participants.require(context.store.database, participant_id)
        layout = QVBoxLayout(self)
        self.person_label = QLabel(person.display_name)
        layout.addWidget(self.person_label)
        form = QFormLayout()
        self.module = QComboBox()
        for slug in modules:
            self.module.addItem(_module_title(slug), slug)
        self.method = QComboBox()
        for method in outcomes.METHODS:
            self.method.addItem("", method)
        self.date = QLineEdit(i18n.localize_digits(dt.date.today().isoformat()))
        self.labels = {key: QLabel() for key in ("module", "method", "date")}
        for key, widget in (("module", self.module), ("method", self.method),
                            ("date", self.date)):
            self.labels[key].setBuddy(widget)
            form.addRow(self.labels[key], widget)
        layout.addLayout(form)
        self.questions_box = QWidget()
        self.questions_layout = QVBoxLayout(self.questions_box)
        self.questions_layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.questions_box)
        layout.addStretch(1)
        self.rows: list[tuple[catalogue.Question, QLabel, ChoiceRow]] = []
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.module.currentIndexChanged.connect(self._show_questions)
        self._show_questions()
        self.retranslate()
        self.resize(760, 600)

    def _show_questions(self) -> None:
        for _question, label, row in self.rows:
            label.deleteLater()
            row.deleteLater()
        self.rows = []
        for question in outcomes.follow_up_questions(self.module.currentData() or ""):
            label = QLabel()
            label.setWordWrap(True)
            row = ChoiceRow(range(len(question.answers)), columns=len(question.answers))
            label.setBuddy(row)
            self.questions_layout.addWidget(label)
            self.questions_layout.addWidget(row)
            self.rows.append((question, label, row))
        self._translate_questions()

    def _translate_questions(self) -> None:
        for number, (question, label, row) in enumerate(self.rows, start=1):
            label.setText(with_line_breaks(_("{number}. {question}").format(
                number=i18n.format_year(number), question=question.text())))
            row.set_texts([question.answer(i) for i in range(len(question.answers))])

    def retranslate(self) -> None:
        self.setWindowTitle(_("Record a follow-up"))
        self.labels["module"].setText(_("&Module"))
        self.labels["method"].setText(_("&How"))
        self.labels["date"].setText(_("&Date"))
        for index in range(self.method.count()):
            self.method.setItemText(index, _(METHOD_NAMES[self.method.itemData(index)]))
        for index in range(self.module.count()):
            self.module.setItemText(index, _module_title(self.module.itemData(index)))
        self._translate_questions()

    def answers(self) -> dict[str, int]:
        given = {question.id: row.value() for question, _label, row in self.rows
                 if row.value() is not None}
        if not given:
            raise UserError(_("Choose an answer for at least one question."))
        return given

    def accept(self) -> None:
        done = attempt(self, self.answers)
        if done and run_change(self.context, self, outcomes.FOLLOW_UP,
                               lambda: outcomes.record_follow_up(
                                   self.context.store, self.participant_id,
                                   self.module.currentData() or "", done.value,
                                   method=self.method.currentData(), date=self.date.text(),
                                   session_id=self.session_id)):
            super().accept()


class FollowUpsDueDialog(QDialog):
    """Who is due for a follow-up now, by village; record one for the selected person."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("followUpsDueDialog")
        self.context = context
        self.due: list[outcomes.DueFollowUp] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        # The coordinator sets the programme's window here; trainers read it in the intro.
        self.window_row = QWidget()
        window = QHBoxLayout(self.window_row)
        window.setContentsMargins(0, 0, 0, 0)
        self.window_label = QLabel()
        self.window_first = QSpinBox()
        self.window_last = QSpinBox()
        for box in (self.window_first, self.window_last):
            box.setRange(0, outcomes.MAX_WINDOW_DAYS)
        self.window_to = QLabel()
        self.window_save = QPushButton()
        self.window_save.clicked.connect(self.save_window)
        for widget in (self.window_label, self.window_first, self.window_to,
                       self.window_last):
            window.addWidget(widget)
        window.addWidget(self.window_save)
        window.addStretch(1)
        self.window_label.setBuddy(self.window_first)
        layout.addWidget(self.window_row)
        self.window_row.setVisible(privacy.is_coordinator_device(context.store))
        first, last = outcomes.followup_window(context.store)
        self.window_first.setValue(first)
        self.window_last.setValue(last)
        self.tree = QTreeWidget()
        self.tree.setObjectName("followUpsDue")
        self.tree.setColumnCount(5)
        self.tree.itemActivated.connect(lambda _item, _column: self.record_selected())
        layout.addWidget(self.tree, 1)
        self.record_button = QPushButton()
        self.record_button.clicked.connect(self.record_selected)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.record_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        context.records_changed.connect(self._records_changed)
        self.retranslate()
        self.resize(1000, 620)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Follow-ups due"))
        self.tree.setHeaderLabels([_("Name"), _("Phone"), _("Session"), _("Modules"),
                                   _("Due by")])
        self.record_button.setText(_("Record follow-up…"))
        self.window_label.setText(_("Due from &day"))
        self.window_to.setText(_("to day"))
        self.window_save.setText(_("Set for the programme"))
        self.refresh()

    def save_window(self) -> None:
        """Coordinator: the programme's follow-up window (reaches trainers by sync)."""
        first, last = self.window_first.value(), self.window_last.value()
        run_change(self.context, self, privacy.ENTITY, lambda: outcomes.set_followup_window(
            self.context.store, first, last))

    def _records_changed(self, entity: str) -> None:
        if entity in ("", outcomes.FOLLOW_UP, "participant", "attendance", "session",
                      privacy.ENTITY):
            self.refresh()

    def refresh(self) -> None:
        self.due = outcomes.follow_ups_due(self.context.store)
        first, last = outcomes.followup_window(self.context.store)
        self.intro.setText(with_line_breaks(_(
            "People who agreed to be contacted, {first} to {last} days after their session, "
            "with modules not yet followed up. Ask the module's questions by phone or on a "
            "visit.").format(first=i18n.format_number(first), last=i18n.format_number(last))))
        self.tree.clear()
        villages: dict[str, QTreeWidgetItem] = {}
        for number, item in enumerate(self.due):
            village = villages.get(item.village_code)
            if village is None:
                village = QTreeWidgetItem([gazetteer.village_label(item.village_code)
                                           or _("No village")])
                village.setFirstColumnSpanned(False)
                self.tree.addTopLevelItem(village)
                villages[item.village_code] = village
            row = QTreeWidgetItem([item.name, i18n.localize_digits(item.phone) or "—",
                                   _day(item.session_date),
                                   ", ".join(_module_title(m) for m in item.modules),
                                   _day(item.due_until)])
            row.setData(0, ID_ROLE, number)
            village.addChild(row)
        self.tree.expandAll()
        if not self.due:
            self.tree.addTopLevelItem(QTreeWidgetItem([_("No follow-ups are due.")]))
        self.record_button.setEnabled(bool(self.due))
        for column in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(column)
        first_person = self.tree.topLevelItem(0)
        if self.due and first_person is not None and first_person.childCount():
            self.tree.setCurrentItem(first_person.child(0))

    def selected(self) -> outcomes.DueFollowUp | None:
        item = self.tree.currentItem()
        number = item.data(0, ID_ROLE) if item is not None else None
        return self.due[number] if isinstance(number, int) and number < len(self.due) else None

    def record_selected(self) -> None:
        due = self.selected()
        if due is None:
            return
        dialog = FollowUpDialog(self.context, due.participant_id, list(due.modules),
                                due.session_id, self)
        dialog.exec()
        dialog.deleteLater()
