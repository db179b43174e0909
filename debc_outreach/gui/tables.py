"""Tables that list records to pick from (one row at a time, never edited in place)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QTableView


def as_row_picker(table: QTableView) -> None:
    """Whole rows, one at a time, read-only, no row numbers."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
