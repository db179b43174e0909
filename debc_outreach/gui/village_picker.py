"""A line edit with type-ahead over the gazetteer's villages (Khmer or English)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from debc_outreach.i18n import _
from debc_outreach.storage import gazetteer

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
SHOWN = 30          # suggestions listed while typing


class VillagePicker(QLineEdit):
    """Type part of a village name (or its code); pick from the list; `code()` is stored."""

    code_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._code = ""
        self._model = QStandardItemModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setMaxVisibleItems(12)
        self.setCompleter(self._completer)
        self._completer.activated.connect(self._picked)
        self.textEdited.connect(self._suggest)
        self.retranslate()

    def retranslate(self) -> None:
        self.setPlaceholderText(_("Village: type its name in Khmer or English"))
        if self._code:
            self.setText(gazetteer.village_label(self._code))

    def code(self) -> str:
        return self._code

    def set_code(self, code: str) -> None:
        self._code = code if gazetteer.village(code) else ""
        self.setText(gazetteer.village_label(self._code) if self._code else "")
        self.setToolTip(self._code)
        self.code_changed.emit(self._code)

    def _suggest(self, text: str) -> None:
        self._code = ""
        self._model.clear()
        for place in gazetteer.search_villages(text, limit=SHOWN):
            item = QStandardItem(place.label())
            item.setData(place.code, CODE_ROLE)
            item.setToolTip(place.code)
            self._model.appendRow(item)
        if self._model.rowCount():
            self._completer.complete()
        self.code_changed.emit("")

    def _picked(self, text: str) -> None:
        for row in range(self._model.rowCount()):
            item = self._model.item(row)
            if item.text() == text:
                self._code = item.data(CODE_ROLE)
                self.setToolTip(self._code)
                self.code_changed.emit(self._code)
                return
