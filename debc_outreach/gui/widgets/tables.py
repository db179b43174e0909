"""Tables that list records to pick from (one row at a time, never edited in place)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QAbstractItemView, QListView, QTableView, QWidget


def as_row_picker(table: QTableView) -> None:
    """Whole rows, one at a time, read-only, no row numbers."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)


class RowsListView(QListView):
    """A list that always has room for `rows` rows at the current text size.

    Its minimum and preferred heights are those rows, so a layout never squeezes it
    below them (the page scrolls instead) and never gives it more than the rest.
    """

    def __init__(self, rows: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.rows = rows

    def row_height(self) -> int:
        measured = self.sizeHintForRow(0) if self.model() and self.model().rowCount() else -1
        return measured if measured > 0 else self.fontMetrics().height() + 4

    def _height(self) -> int:
        return self.rows * self.row_height() + 2 * self.frameWidth()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(super().minimumSizeHint().width(), self._height())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(super().sizeHint().width(), self._height())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
        super().changeEvent(event)
