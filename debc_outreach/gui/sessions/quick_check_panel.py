"""The quick-check half of the session screen: answers before and after a module.

Keyboard first. In "Each person" mode the grid lists the people checked in
(rows) and the module's questions (columns); pressing 1, 2 or 3 (Latin or
Khmer digits) records the current person's answer to the current question
and moves on: to the next question, then to the next person. Three answers
for a person are three key presses. Arrow keys move freely; a person who
left early simply gets no "after". Each answer is its own committed event.

"Whole class" mode is for groups too large to ask one by one: the number of
hands per answer of each question, saved together. Reports keep the two
apart. The panel's contract with the view is the skills panel's: it reads the
`OpenSession`, reports through `say`, and changes records through `run_change`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.errors import UserError
from debc_outreach.gui import fonts
from debc_outreach.gui.changes import attempt, run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.sessions.open_session import OpenSession
from debc_outreach.i18n import N_, _
from debc_outreach.storage import catalogue, outcomes
from debc_outreach.storage.participants import Participant

PHASE_NAMES = {"before": N_("Before the module"), "after": N_("After the module")}
EACH_PERSON, WHOLE_CLASS = "person", "class"
_RIGHT, _WRONG = QColor("#d8f0dc"), QColor("#fbe3d6")


def answer_key(answer: int) -> str:
    """The key that records `answer` (0-based): its number from 1, in the chosen digits."""
    return i18n.format_year(answer + 1)


def question_text(number: int, question: catalogue.Question) -> str:
    """"Question 2: …" then "1 = … · 2 = … · 3 = …" on the next line."""
    choices = " · ".join(f"{answer_key(i)} = {question.answer(i)}"
                         for i in range(len(question.answers)))
    return _("Question {number}: {text}").format(
        number=i18n.format_year(number + 1), text=question.text()) + "\n" + choices


class AnswersModel(QAbstractTableModel):
    """People checked in (rows) × the module's questions (columns): each answer's number."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._people: list[Participant] = []
        self._questions: tuple[catalogue.Question, ...] = ()
        self._answers: dict[str, dict[str, int]] = {}

    def set_data(self, people: list[Participant], questions: tuple[catalogue.Question, ...],
                 answers: dict[str, dict[str, int]]) -> None:
        self.beginResetModel()
        self._people, self._questions, self._answers = list(people), questions, answers
        self.endResetModel()

    def person(self, row: int) -> Participant | None:
        return self._people[row] if 0 <= row < len(self._people) else None

    def question(self, column: int) -> catalogue.Question | None:
        return self._questions[column] if 0 <= column < len(self._questions) else None

    def answer(self, row: int, column: int) -> int | None:
        person, question = self.person(row), self.question(column)
        if person is None or question is None:
            return None
        return self._answers.get(person.id, {}).get(question.id)

    def answered(self) -> int:
        """How many people answered at least one question."""
        return sum(1 for person in self._people if self._answers.get(person.id))

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._people)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._questions)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        answer = self.answer(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if answer is None else answer_key(answer)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole and answer is not None:
            right = answer in self._questions[index.column()].good
            return QBrush(_RIGHT if right else _WRONG)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            question = self.question(section)
            if question is None:
                return None
            return (_("Q{number}").format(number=i18n.format_year(section + 1))
                    if role == Qt.ItemDataRole.DisplayRole else question.text())
        person = self.person(section)
        return person.display_name if person else None


class QuickCheckPanel(QWidget):
    """Quick-check answers of the people checked in, per module and phase."""

    def __init__(self, context: AppContext, open_session: OpenSession,
                 say: Callable[[Callable[[], str]], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("quickCheckPanel")
        self.context = context
        self.open = open_session
        self.say = say
        self._present: list[Participant] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        choices = QFormLayout()
        self.module = QComboBox()
        self.phase = QComboBox()
        for phase in outcomes.PHASES:
            self.phase.addItem("", phase)
        self.mode = QComboBox()
        self.mode.addItem("", EACH_PERSON)
        self.mode.addItem("", WHOLE_CLASS)
        # Long module titles elide instead of widening the tab and squeezing check-in.
        for box in (self.module, self.phase, self.mode):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(8)
        self.labels = {key: QLabel() for key in ("module", "phase", "mode")}
        row = QHBoxLayout()
        for key, box in (("phase", self.phase), ("mode", self.mode)):
            self.labels[key].setBuddy(box)
            row.addWidget(self.labels[key])
            row.addWidget(box, 1)
        self.labels["module"].setBuddy(self.module)
        choices.addRow(self.labels["module"], self.module)
        layout.addLayout(choices)
        layout.addLayout(row)
        self.question = QLabel()
        self.question.setObjectName("quickCheckQuestion")
        self.question.setWordWrap(True)
        self.question.setFont(fonts.heading_font(self.font(), 1.05))
        layout.addWidget(self.question)

        self.pages = QStackedWidget()
        # The tables take the height that is left, not the height they would like: as
        # the hidden tab of the session screen this panel must not push the check-in
        # lists below the window at large text.
        self.pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.pages.setMinimumHeight(self.fontMetrics().height() * 6)
        self.grid_model = AnswersModel(self)
        self.grid = QTableView()
        self.grid.setObjectName("quickCheckGrid")
        self.grid.setModel(self.grid_model)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.grid.installEventFilter(self)
        self.grid.selectionModel().currentChanged.connect(
            lambda current, _previous: self._show_question(current.column()))
        self.pages.addWidget(self.grid)
        class_page = QWidget()
        class_layout = QVBoxLayout(class_page)
        class_layout.setContentsMargins(0, 0, 0, 0)
        self.counts = QTableWidget()
        self.counts.setObjectName("quickCheckCounts")
        self.counts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.counts.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.counts.currentCellChanged.connect(lambda row, *_: self._show_question(row))
        self.save_counts = QPushButton()
        self.save_counts.clicked.connect(self.save_class_counts)
        class_layout.addWidget(self.counts, 1)
        class_layout.addWidget(self.save_counts, 0, Qt.AlignmentFlag.AlignRight)
        self.pages.addWidget(class_page)
        layout.addWidget(self.pages, 1)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.module.currentIndexChanged.connect(self._choice_changed)
        self.phase.currentIndexChanged.connect(self._choice_changed)
        self.mode.currentIndexChanged.connect(self._choice_changed)

    def retranslate(self) -> None:
        self.labels["module"].setText(_("&Module"))
        self.labels["phase"].setText(_("&When"))
        self.labels["mode"].setText(_("&How"))
        for index in range(self.phase.count()):
            self.phase.setItemText(index, _(PHASE_NAMES[self.phase.itemData(index)]))
        self.mode.setItemText(0, _("Each person"))
        self.mode.setItemText(1, _("Whole class (count hands)"))
        self.save_counts.setText(_("Save counts"))
        self._fill_modules()
        self._show_hint()

    # --- choices --------------------------------------------------------------------------
    @property
    def current_module(self) -> str:
        return self.module.currentData() or ""

    @property
    def current_phase(self) -> str:
        return self.phase.currentData() or outcomes.PHASES[0]

    def set_choice(self, module: str | None = None, phase: str | None = None,
                   mode: str | None = None) -> None:
        """Choose the module, phase and mode shown (for the view and tests)."""
        for box, value in ((self.module, module), (self.phase, phase), (self.mode, mode)):
            if value is not None and box.findData(value) >= 0:
                box.setCurrentIndex(box.findData(value))

    def _fill_modules(self) -> None:
        session = self.open.session
        chosen = self.current_module
        known = catalogue.modules()
        slugs = list(session.modules) if session else []
        self.module.blockSignals(True)
        self.module.clear()
        for slug in slugs:
            title = known[slug].title() if slug in known else slug
            self.module.addItem(title, slug)
        self.module.setCurrentIndex(max(0, self.module.findData(chosen)))
        self.module.blockSignals(False)

    def _choice_changed(self) -> None:
        self.pages.setCurrentIndex(int(self.mode.currentData() == WHOLE_CLASS))
        self._redraw()
        self._show_hint()

    def _show_hint(self) -> None:
        if self.mode.currentData() == WHOLE_CLASS:
            self.hint.setText(with_line_breaks(_(
                "Ask each question and count the hands for each answer; type the numbers "
                "(Tab moves on), then Save counts. Hands are kept apart from people's own "
                "answers.")))
        else:
            self.hint.setText(with_line_breaks(_(
                "Press the answer's number (1, 2, 3): the next question follows, then the "
                "next person. Arrow keys move; someone who left early simply has no "
                "\"after\".")))

    # --- showing --------------------------------------------------------------------------
    def show_answers(self, present: list[Participant]) -> None:
        """Redraw from the records (the view calls this after every change)."""
        self._present = present
        shown = [self.module.itemData(i) for i in range(self.module.count())]
        if shown != list(self.open.session.modules if self.open.session else ()):
            self._fill_modules()
        self._redraw()

    def _redraw(self) -> None:
        session = self.open.session
        if session is None:
            return
        module = self.current_module
        questions = outcomes.quick_checks(module) if module else ()
        conn = self.context.store.database.conn
        current = self.grid.currentIndex()
        self.grid_model.set_data(self._present, questions,
                                 outcomes.answers(conn, session.id, module,
                                                  self.current_phase) if module else {})
        if current.isValid():
            self.grid.setCurrentIndex(self.grid_model.index(current.row(), current.column()))
        elif self.grid_model.rowCount() and self.grid_model.columnCount():
            self.grid.setCurrentIndex(self.grid_model.index(0, 0))
        self._fill_counts(questions, outcomes.class_counts(conn, session.id, module,
                                                           self.current_phase)
                          if module else {})
        locked = self.open.locked
        self.save_counts.setEnabled(not locked and bool(questions))
        self._show_question(max(0, self.grid.currentIndex().column())
                            if self.pages.currentIndex() == 0 else self.counts.currentRow())

    def _fill_counts(self, questions: tuple[catalogue.Question, ...],
                     counts: dict[str, list[int]]) -> None:
        widest = max((len(q.answers) for q in questions), default=0)
        self.counts.clear()
        self.counts.setRowCount(len(questions))
        self.counts.setColumnCount(widest)
        self.counts.setHorizontalHeaderLabels([
            _("Answer {key}").format(key=answer_key(i)) for i in range(widest)])
        self.counts.setVerticalHeaderLabels([
            _("Q{number}").format(number=i18n.format_year(i + 1))
            for i in range(len(questions))])
        for row, question in enumerate(questions):
            stored = counts.get(question.id, [])
            for column in range(widest):
                cell = QTableWidgetItem()
                if column < len(question.answers):
                    value = stored[column] if column < len(stored) else None
                    cell.setText("" if value is None else i18n.format_number(value))
                    cell.setToolTip(question.answer(column))
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                else:
                    cell.setFlags(Qt.ItemFlag.NoItemFlags)
                self.counts.setItem(row, column, cell)

    def _show_question(self, number: int) -> None:
        questions = outcomes.quick_checks(self.current_module) if self.current_module else ()
        if not self.open.session or not self.open.session.modules:
            self.question.setText(_("This session has no modules."))
        elif not questions:
            self.question.setText(_("This module has no quick-check questions in the content "
                                    "pack."))
        elif not self._present_count() and self.mode.currentData() == EACH_PERSON:
            self.question.setText(_("Check people in first; they are listed here to answer."))
        else:
            number = min(max(0, number), len(questions) - 1)
            self.question.setText(with_line_breaks(question_text(number, questions[number])))

    def _present_count(self) -> int:
        return len(self._present)

    # --- recording --------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and watched is self.grid:
            return self._grid_key(event)
        return super().eventFilter(watched, event)

    def _grid_key(self, event: QKeyEvent) -> bool:
        digit = i18n.to_ascii_digits(event.text())
        index = self.grid.currentIndex()
        if not (digit.isdigit() and len(digit) == 1) or not index.isValid():
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        self.answer(index.row(), index.column(), int(digit) - 1)
        return True

    def answer(self, row: int, column: int, answer: int) -> None:
        """Record `answer` (0-based) for the cell, then move to the next one to fill."""
        person, question = self.grid_model.person(row), self.grid_model.question(column)
        if person is None or question is None:
            return
        if not 0 <= answer < len(question.answers):
            keys = i18n.format_year(len(question.answers))
            self.say(lambda: _("Press 1 to {last} for this question; nothing was recorded.")
                     .format(last=keys))
            return
        if self.open.locked:
            self.say(lambda: _("This session is closed. To correct it, make an amendment "
                               "and give a reason."))
            return
        module, phase = self.current_module, self.current_phase
        if not run_change(self.context, self, outcomes.QUIZ_ANSWER,
                          lambda: outcomes.record_answers(
                              self.context.store, self.open.session.id, person.id, module,
                              phase, {question.id: answer}, reason=self.open.amend_reason)):
            return
        last_column = column + 1 >= self.grid_model.columnCount()
        target = (row + 1, 0) if last_column else (row, column + 1)
        if target[0] < self.grid_model.rowCount():
            self.grid.setCurrentIndex(self.grid_model.index(*target))
        self.say(lambda: _("{name}: question {number}, answer {key}.").format(
            name=person.display_name, number=i18n.format_year(column + 1),
            key=answer_key(answer)))

    def _typed_counts(self) -> dict[str, list[int]]:
        counts: dict[str, list[int]] = {}
        for row in range(self.counts.rowCount()):
            question = outcomes.quick_checks(self.current_module)[row]
            values = []
            for column in range(len(question.answers)):
                text = (self.counts.item(row, column).text() or "").strip()
                number = i18n.parse_int(text) if text else 0
                if number is None:
                    raise UserError(_("{text} is not a whole number.").format(text=text))
                values.append(number)
            if any(values):
                counts[question.id] = values
        if not counts:
            raise UserError(_("Type the number of hands for at least one answer."))
        return counts

    def save_class_counts(self) -> None:
        done = attempt(self, self._typed_counts)
        if not done:
            return
        module, phase = self.current_module, self.current_phase
        if run_change(self.context, self, outcomes.QUIZ_COUNT,
                      lambda: outcomes.record_class_counts(
                          self.context.store, self.open.session.id, module, phase,
                          done.value, reason=self.open.amend_reason)):
            self.say(lambda: _("Hands counted for the whole class saved."))
