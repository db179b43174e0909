"""A line edit with type-ahead over the gazetteer's villages (Khmer or English),
and the province filter that goes with it (remembered per trainer)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QVBoxLayout, QWidget

from debc_outreach.errors import UserError
from debc_outreach.i18n import _, language
from debc_outreach.storage import gazetteer, preferences
from debc_outreach.storage.store import Store
from debc_outreach.sync import trust

log = logging.getLogger(__name__)

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
SHOWN = 30          # suggestions listed while typing


class VillagePicker(QLineEdit):
    """Type part of a village name (or its code); pick from the list; `code()` is stored.

    Each suggestion reads "village, commune, district, province", so villages of
    the same name can be told apart; a district or province name typed after the
    village name narrows the list (gazetteer.search_villages).
    """

    code_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._code = ""
        self._province = ""
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

    def set_province(self, province_code: str) -> None:
        """Suggest only villages of this province ("" for every province)."""
        self._province = province_code
        if self.hasFocus() and self.text() and not self._code:
            self._suggest(self.text())

    def _suggest(self, text: str) -> None:
        self._code = ""
        self._model.clear()
        for place in gazetteer.search_villages(text, limit=SHOWN, province=self._province):
            item = QStandardItem(place.label())
            item.setData(place.code, CODE_ROLE)
            item.setToolTip(place.code)
            self._model.appendRow(item)
        if self._model.rowCount():
            self._completer.complete(self._popup_rect())
        self.code_changed.emit("")

    def _popup_rect(self) -> QRect:
        """Where the suggestions open: as wide as the longest one, so the province at
        its end (what tells same-named villages apart) is not cut off; at least as wide
        as this box, at most as wide as the screen."""
        popup = self._completer.popup()
        metrics = popup.fontMetrics()
        longest = max(metrics.horizontalAdvance(self._model.item(row).text())
                      for row in range(self._model.rowCount()))
        wanted = (longest + popup.verticalScrollBar().sizeHint().width()
                  + 2 * popup.frameWidth() + 4 * metrics.averageCharWidth())
        screen = self.screen()
        if screen is not None:
            wanted = min(wanted, screen.availableGeometry().width())
        return QRect(0, 0, max(self.width(), wanted), self.height())

    def _picked(self, text: str) -> None:
        for row in range(self._model.rowCount()):
            item = self._model.item(row)
            if item.text() == text:
                self._code = item.data(CODE_ROLE)
                self.setToolTip(self._code)
                self.code_changed.emit(self._code)
                return


def certificate_province(store: Store) -> str:
    """The province this computer's sync certificate covers, if it covers exactly one
    (a trainer enrolled for a province or for districts of one); else ""."""
    try:
        scope = trust.own_certificate(store).scope
    except UserError:
        return ""               # not enrolled in a programme
    except (KeyError, TypeError, ValueError) as error:
        log.warning("own certificate unreadable for the province filter: %s", error)
        return ""
    provinces = {code[:2] for code in scope}
    return provinces.pop() if len(provinces) == 1 and trust.ALL_AREAS not in scope else ""


class ProvinceFilter(QComboBox):
    """"Every province" or one province, for a VillagePicker.

    The choice is remembered for the trainer using the computer (local, not synced);
    before a trainer has chosen, the province of the computer's certificate scope.
    """

    def __init__(self, picker: VillagePicker, store: Store, trainer_id: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("provinceFilter")
        self._picker = picker
        self._store = store
        self._owner = trainer_id
        saved = preferences.get(store.database, trainer_id, preferences.VILLAGE_PROVINCE)
        self._fill(certificate_province(store) if saved is None else saved)
        self.currentIndexChanged.connect(self._chosen)
        picker.set_province(self.province())

    def province(self) -> str:
        return self.currentData() or ""

    def _fill(self, selected: str) -> None:
        self.blockSignals(True)
        self.clear()
        self.addItem(_("All provinces"), "")
        kh = language() == "km"
        for code, name_kh, name_en in gazetteer.provinces():
            self.addItem(name_kh if kh else name_en, code)
        self.setCurrentIndex(max(0, self.findData(selected)))
        self.setToolTip(_("Suggest villages of this province only"))
        self.blockSignals(False)

    def retranslate(self) -> None:
        self._fill(self.province())

    def _chosen(self) -> None:
        self._picker.set_province(self.province())
        preferences.put(self._store.database, self._owner, preferences.VILLAGE_PROVINCE,
                        self.province())


def village_row(picker: VillagePicker, province: ProvinceFilter) -> QWidget:
    """The picker with its province filter under it, for a form row (the picker keeps
    the whole width: a picked village reads "village, commune, district, province")."""
    row = QWidget()
    layout = QVBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(picker)
    layout.addWidget(province, 0, Qt.AlignmentFlag.AlignLeft)
    return row
