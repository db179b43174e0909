"""Tables of the dashboard: read-only, every row shown (the page scrolls, not the table)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from debc_outreach.core.khmer_text import with_line_breaks


def read_only_table(columns: int) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.setWordWrap(True)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # Wrapped rows get taller when the stretched column gets narrower; refit once the header
    # has finished laying out all its sections (row heights read the final widths).
    refit = QTimer(table, singleShot=True, interval=0)
    refit.timeout.connect(lambda: fit_height(table))
    header.sectionResized.connect(
        lambda index, _old, _new: header.sectionResizeMode(index)
        == QHeaderView.ResizeMode.Stretch and refit.start())
    return table


def fit_height(table: QTableWidget) -> None:
    """Show every row: the page scrolls, not the table."""
    table.resizeRowsToContents()
    height = table.horizontalHeader().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(row) for row in range(table.rowCount()))
    table.setFixedHeight(max(height, table.horizontalHeader().height() * 3))


def item(text: str, number: bool = False) -> QTableWidgetItem:
    if number:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item
    # Khmer titles have no spaces for Qt to wrap at: give it the break positions, and
    # the whole text as a tooltip in case a row is still too narrow.
    item = QTableWidgetItem(with_line_breaks(text))
    item.setToolTip(text)
    return item
