"""A row of answers with none chosen until the trainer chooses: one key per answer.

A combo box always shows *some* answer, so a hurried trainer who never opens it
records its first item (every man recorded as a woman). Here every answer is a
radio button, none is checked at first, and each is numbered: with the focus in
the row, 1…n (Latin or Khmer digits) choose an answer, 0 or Delete clears it.
The arrow keys move between the answers as usual.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QGridLayout,
    QRadioButton,
    QToolButton,
    QWidget,
)

from debc_outreach.i18n import _, format_number

_KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"
_CLEAR_KEYS = (Qt.Key.Key_0, Qt.Key.Key_Delete, Qt.Key.Key_Backspace)


def _digit_of(event: QKeyEvent) -> int | None:
    """The digit a key press types, on a Latin or a Khmer keyboard layout."""
    text = event.text()
    if len(text) == 1 and text in _KHMER_DIGITS:
        return _KHMER_DIGITS.index(text)
    if len(text) == 1 and text.isascii() and text.isdigit():
        return int(text)
    return None


class ChoiceRow(QWidget):
    """Radio buttons for `values`, numbered 1…n, laid out `columns` to a row.

    `value()` is None until an answer is chosen; `changed` follows every change.
    With `clearable`, a "Clear" button undoes a choice for mouse users too.
    """

    changed = Signal(object)

    def __init__(self, values: Sequence[Hashable], parent: QWidget | None = None, *,
                 columns: int = 0, clearable: bool = False):
        super().__init__(parent)
        self._values = tuple(values)
        self._group = QButtonGroup(self)
        self.buttons: list[QRadioButton] = []
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        per_row = columns or len(self._values)
        for index in range(len(self._values)):
            button = QRadioButton()
            button.installEventFilter(self)
            self._group.addButton(button, index)
            self.buttons.append(button)
            layout.addWidget(button, index // per_row, index % per_row)
        self.clear_button = QToolButton()
        self.clear_button.setAutoRaise(True)
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.clicked.connect(self.clear)
        self.clear_button.setVisible(False)
        self._clearable = clearable
        if clearable:
            layout.addWidget(self.clear_button, 0, per_row)
        layout.setColumnStretch(per_row + 1, 1)
        self._group.buttonToggled.connect(self._toggled)
        self.setFocusProxy(self.buttons[0])

    def set_texts(self, texts: Sequence[str]) -> None:
        """The answers' labels (call again after a language switch), shown with their key."""
        for number, (button, text) in enumerate(zip(self.buttons, texts, strict=True), 1):
            button.setText(f"{format_number(number)}  {text}")
        self.clear_button.setText(_("Clear"))
        keys = format_number(len(self.buttons))
        self.setToolTip(_("Press 1–{n} to choose; 0 clears.").format(n=keys))

    def value(self) -> Hashable | None:
        index = self._group.checkedId()
        return self._values[index] if index >= 0 else None

    def set_value(self, value: Hashable | None) -> None:
        if value not in self._values:
            self.clear()
            return
        self.buttons[self._values.index(value)].setChecked(True)

    def clear(self) -> None:
        """No answer chosen (an exclusive group cannot uncheck its last button itself)."""
        checked = self._group.checkedButton()
        if checked is None:
            return
        self._group.setExclusive(False)
        checked.setChecked(False)
        self._group.setExclusive(True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QAbstractButton):
            return self._key(event)
        return super().eventFilter(watched, event)

    def _key(self, event: QKeyEvent) -> bool:
        digit = _digit_of(event)
        if digit is not None and 1 <= digit <= len(self.buttons):
            button = self.buttons[digit - 1]
            button.setChecked(True)
            button.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        if digit == 0 or event.key() in _CLEAR_KEYS:
            self.clear()
            return True
        return False

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        value = self.value()
        if not checked and value is not None:
            return                        # the old answer's half of a change of answer
        self.clear_button.setVisible(self._clearable and value is not None)
        # Tab enters the row at the chosen answer, or at the first while none is chosen.
        self.setFocusProxy(self._group.checkedButton() or self.buttons[0])
        self.changed.emit(value)
