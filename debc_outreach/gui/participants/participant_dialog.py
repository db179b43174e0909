"""New (or edited) participant, keyboard-only: name, sex, age, village, phone,
the Washington Group Short Set (skippable) and consent.

Tab moves through the fields in reading order; Enter saves. Sex and the WG
answers start with nothing chosen (a preset answer gets recorded for people who
were never asked); each answer has its number key. The WG questions are asked
respectfully and may be skipped. The consent text is shown in the
session's language; the trainer records yes or no.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content.labels import label
from debc_outreach.core import people, wg
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.errors import UserError
from debc_outreach.gui.changes import attempt
from debc_outreach.gui.widgets.choice_row import ChoiceRow
from debc_outreach.gui.widgets.village_picker import ProvinceFilter, VillagePicker, village_row
from debc_outreach.i18n import N_, _
from debc_outreach.storage import participants
from debc_outreach.storage.check import record_problems
from debc_outreach.storage.participants import Participant
from debc_outreach.storage.store import Store

CONSENT_TEXT = N_(
    "We would like to write down your name, age and village to report on this training. "
    "Your name is only shared inside the programme. You can say no and still take part "
    "fully. Do you agree that we record your name?")


CONTACT_CONSENT_TEXT = N_(
    "May we call or visit you in about a month to ask how you are doing with what you "
    "learned today?")


def consent_text(language: str) -> str:
    """The consent question in `language` (the session's), whatever the app language."""
    return label(CONSENT_TEXT, language)


class ParticipantDialog(QDialog):
    """Create a participant (or edit one) and return it as `self.participant`."""

    def __init__(self, store: Store, parent: QWidget | None = None, *, name: str = "",
                 village_code: str = "", session_language: str = "km",
                 recorded_by: str = "", existing: Participant | None = None,
                 phone: str = ""):
        super().__init__(parent)
        self.setObjectName("participantDialog")
        self._store = store
        self._recorded_by = recorded_by
        self._existing = existing
        self._language = session_language
        self.participant: Participant | None = None
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget()
        columns = QHBoxLayout(body)
        left = QVBoxLayout()
        form = QFormLayout()
        self.name = QLineEdit(existing.display_name if existing else name)
        self.sex = ChoiceRow(people.SEXES, columns=2)
        self.birth_year = QLineEdit()
        self.birth_year.setMaxLength(4)
        self.age_band = QComboBox()
        self.age_band.addItem("", "")
        for band in people.AGE_BANDS:
            self.age_band.addItem("", band)
        self.village = VillagePicker()
        self.village.set_code(existing.village_code if existing else village_code)
        self.province = ProvinceFilter(self.village, store, recorded_by)
        self.phone = QLineEdit(existing.phone if existing else phone)
        self.labels = {key: QLabel() for key in ("name", "sex", "birth_year", "age_band",
                                                  "village", "phone")}
        form.addRow(self.labels["name"], self.name)
        form.addRow(self.labels["sex"], self.sex)
        form.addRow(self.labels["birth_year"], self.birth_year)
        form.addRow(self.labels["age_band"], self.age_band)
        form.addRow(self.labels["village"], village_row(self.village, self.province))
        form.addRow(self.labels["phone"], self.phone)
        left.addLayout(form)

        self.consent_box = QGroupBox()
        consent_layout = QVBoxLayout(self.consent_box)
        self.consent_text = QLabel()
        self.consent_text.setWordWrap(True)
        self.consent_text.setObjectName("consentText")
        consent_layout.addWidget(self.consent_text)
        row = QHBoxLayout()
        self.consent_yes = QRadioButton()
        self.consent_no = QRadioButton()
        self.consent_group = QButtonGroup(self)
        self.consent_group.addButton(self.consent_yes)
        self.consent_group.addButton(self.consent_no)
        row.addWidget(self.consent_yes)
        row.addWidget(self.consent_no)
        row.addStretch(1)
        consent_layout.addLayout(row)
        self.contact_text = QLabel()
        self.contact_text.setWordWrap(True)
        self.contact_consent = QCheckBox()
        self.contact_text.setBuddy(self.contact_consent)
        consent_layout.addWidget(self.contact_text)
        consent_layout.addWidget(self.contact_consent)
        left.addWidget(self.consent_box)
        left.addStretch(1)
        columns.addLayout(left, 1)

        self.wg_box = QGroupBox()
        wg_layout = QVBoxLayout(self.wg_box)
        self.wg_intro = QLabel()
        self.wg_intro.setWordWrap(True)
        wg_layout.addWidget(self.wg_intro)
        self.wg_questions: dict[str, QLabel] = {}
        self.wg_answers: dict[str, ChoiceRow] = {}
        for domain in wg.DOMAINS:
            question = QLabel()
            question.setWordWrap(True)
            answer = ChoiceRow(wg.LEVELS, columns=2, clearable=True)
            question.setBuddy(answer)
            self.wg_questions[domain] = question
            self.wg_answers[domain] = answer
            wg_layout.addWidget(question)
            wg_layout.addWidget(answer)
        wg_layout.addStretch(1)
        columns.addWidget(self.wg_box, 1)
        scroll.setWidget(body)
        # A record an older version saved with a value today's rules refuse: say which
        # field to correct (storage/check.py, the same list as `db check`).
        self.repair_note = QLabel()
        self.repair_note.setObjectName("recordToRepair")
        self.repair_note.setWordWrap(True)
        self.repair_note.setVisible(False)
        outer.addWidget(self.repair_note)
        outer.addWidget(scroll)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        if existing:
            self._load(existing)
        self.resize(1100, 700)
        self.retranslate()
        self.name.setFocus()
        self.name.end(False)

    def _stored_answers(self) -> dict:
        return participants.wg_answers(self._store.database, self._existing.id)

    def _load(self, person: Participant) -> None:
        self.sex.set_value(person.sex)
        if person.birth_year:
            self.birth_year.setText(str(person.birth_year))
        self.age_band.setCurrentIndex(max(0, self.age_band.findData(person.age_band)))
        for domain, level in self._stored_answers().items():
            self.wg_answers[domain].set_value(level)
        if person.consent == "yes":
            self.consent_yes.setChecked(True)
        elif person.consent == "no":
            self.consent_no.setChecked(True)
        self.contact_consent.setChecked(
            participants.has_contact_consent(self._store.database, person.id))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Edit participant") if self._existing else _("New participant"))
        self.labels["name"].setText(_("&Name (as the person writes it)"))
        self.labels["name"].setBuddy(self.name)
        self.labels["sex"].setText(_("&Sex"))
        self.labels["sex"].setBuddy(self.sex)
        self.sex.set_texts([_(people.SEX_NAMES[code]) for code in people.SEXES])
        self.labels["birth_year"].setText(_("&Birth year"))
        self.labels["birth_year"].setBuddy(self.birth_year)
        self.birth_year.setPlaceholderText(_("e.g. 1990 or ១៩៩០"))
        self.labels["age_band"].setText(_("or &age group"))
        self.labels["age_band"].setBuddy(self.age_band)
        self.age_band.setItemText(0, _("Not given"))
        for i, band in enumerate(people.AGE_BANDS, start=1):
            self.age_band.setItemText(i, i18n.localize_digits(_(people.AGE_BAND_NAMES[band])))
        self.labels["village"].setText(_("&Village"))
        self.labels["village"].setBuddy(self.village)
        self.village.retranslate()
        self.province.retranslate()
        self.labels["phone"].setText(_("&Phone (optional)"))
        self.labels["phone"].setBuddy(self.phone)
        self.wg_box.setTitle(_("Everyday activities (optional)"))
        self.wg_intro.setText(with_line_breaks(_(
            "The next questions ask about difficulties you may have doing certain activities "
            "because of a health problem. You may skip any question.")))
        for domain in wg.DOMAINS:
            self.wg_questions[domain].setText(with_line_breaks(_(wg.QUESTIONS[domain])))
            self.wg_answers[domain].set_texts([_(wg.LEVEL_NAMES[level]) for level in wg.LEVELS])
        self.consent_box.setTitle(_("Consent"))
        self.consent_text.setText(with_line_breaks(consent_text(self._language)))
        self.consent_yes.setText(_("&Yes, agrees"))
        self.consent_no.setText(_("N&o, does not agree"))
        self.contact_text.setText(with_line_breaks(label(CONTACT_CONSENT_TEXT,
                                                         self._language)))
        self.contact_consent.setText(_("Agrees to be &contacted for a follow-up"))
        self._flag_stored_problems()

    def _flag_stored_problems(self) -> None:
        problems = record_problems(self._store.database.conn, entity="participant",
                                   entity_id=self._existing.id) if self._existing else []
        self.repair_note.setVisible(bool(problems))
        self.repair_note.setText(_("An older version saved a value the app no longer "
                                   "accepts; correct it and save: {problems}").format(
            problems=" ".join(problem.message for problem in problems)) if problems else "")

    def _values(self) -> dict:
        text = self.birth_year.text().strip()
        year = i18n.parse_int(text) if text else None
        if text and year is None:
            raise UserError(_("The birth year {year} is not a number.").format(year=text))
        if self.village.text().strip() and not self.village.code():
            raise UserError(_("Pick the village from the list, or leave it empty."))
        if self.sex.value() is None:
            raise UserError(_("Choose the person's sex (or \"Prefer not to say\")."))
        answers = {domain: row.value() for domain, row in self.wg_answers.items()
                   if row.value() is not None}
        consent = "yes" if self.consent_yes.isChecked() else \
            "no" if self.consent_no.isChecked() else ""
        if not consent:
            raise UserError(_("Ask for consent and choose Yes or No."))
        return {"display_name": self.name.text(), "sex": self.sex.value(),
                "birth_year": year, "age_band": "" if year else self.age_band.currentData(),
                "village_code": self.village.code(), "phone": self.phone.text().strip(),
                "wg_answers": answers, "consent": consent,
                "contact_consent": self.contact_consent.isChecked()}

    def accept(self) -> None:
        done = attempt(self, self._save)
        if done:
            self.participant = done.value
            super().accept()

    def _save(self) -> Participant:
        """Add the person, or change what changed; the opener announces it."""
        values = self._values()
        if self._existing is None:
            name = values.pop("display_name")
            return participants.add_participant(
                self._store, name, recorded_by=self._recorded_by, **values)
        current = self._existing
        before = dict(current.__dict__, wg_answers=self._stored_answers(),
                      contact_consent=participants.has_contact_consent(self._store.database,
                                                                       current.id))
        changes = {k: v for k, v in values.items() if before.get(k) != v}
        if "consent" in changes:
            changes["consent_by"] = self._recorded_by
        if "contact_consent" in changes:
            changes["contact_consent_by"] = self._recorded_by
        return participants.update_participant(self._store, current.id, **changes)
