"""The skills grid: participants (rows) × checklist items (columns)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor

from debc_outreach import i18n
from debc_outreach.i18n import N_, _
from debc_outreach.storage import checklist
from debc_outreach.storage.catalogue import Item
from debc_outreach.storage.participants import Participant

STATE_ROLE = Qt.ItemDataRole.UserRole + 2
SYMBOLS = {checklist.ACHIEVED: "✓", checklist.NOT_YET: "✗", checklist.NOT_ASSESSED: ""}
STATE_NAMES = {checklist.ACHIEVED: N_("Achieved"), checklist.NOT_YET: N_("Not yet"),
               checklist.NOT_ASSESSED: N_("Not assessed")}
_COLOURS = {checklist.ACHIEVED: QColor("#d8f0dc"), checklist.NOT_YET: QColor("#fbe3d6")}
# Space / click cycles a cell through the states in this order.
NEXT_STATE = {checklist.NOT_ASSESSED: checklist.ACHIEVED, checklist.ACHIEVED: checklist.NOT_YET,
              checklist.NOT_YET: checklist.NOT_ASSESSED}


def item_label(column: int) -> str:
    """Short column title (the skill's number, so even 12 columns fit); the full
    text is in the tooltip and above the grid."""
    return i18n.format_year(column + 1)


class ChecklistModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._people: list[Participant] = []
        self._items: list[Item] = []
        self._results: dict[tuple[str, str], str] = {}

    def set_data(self, people: list[Participant], items: list[Item],
                 results: dict[tuple[str, str], str]) -> None:
        self.beginResetModel()
        self._people, self._items, self._results = list(people), list(items), dict(results)
        self.endResetModel()

    def person(self, row: int) -> Participant | None:
        return self._people[row] if 0 <= row < len(self._people) else None

    def item(self, column: int) -> Item | None:
        return self._items[column] if 0 <= column < len(self._items) else None

    def state(self, row: int, column: int) -> str:
        person, item = self.person(row), self.item(column)
        if person is None or item is None:
            return checklist.NOT_ASSESSED
        return self._results.get((person.id, item.id), checklist.NOT_ASSESSED)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._people)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._people) \
                or index.column() >= len(self._items):
            return None
        state = self.state(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return SYMBOLS[state]
        if role == STATE_ROLE:
            return state
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole and state in _COLOURS:
            return QBrush(_COLOURS[state])
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self._people[index.row()].display_name}: {_(STATE_NAMES[state])}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._items):
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return item_label(section)
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._items[section].text()
            return None
        if not 0 <= section < len(self._people):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._people[section].display_name
        return None
