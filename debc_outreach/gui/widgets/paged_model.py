"""Tables that fill page by page as the view scrolls (Qt's canFetchMore/fetchMore).

The registry holds 100,000 participants and a coordinator's list thousands of
sessions: only the rows a person scrolls to are read from the database.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject


class PagedTableModel(QAbstractTableModel):
    """Subclasses set `page_size` and implement `next_page()`; rows live in `_rows`."""

    page_size = 200

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._rows: list = []
        self._more = True
        self._fetching = False      # views may ask again while rows are being inserted

    def next_page(self) -> list:
        """The next `page_size` rows after the ones in `_rows` (fewer at the end)."""
        raise NotImplementedError

    def reset_rows(self, first_page: list) -> None:
        """Replace the rows with `first_page` (inside begin/endResetModel)."""
        self._rows = first_page
        self._more = len(first_page) == self.page_size

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:  # noqa: N802, B008
        if parent.isValid() or not self._more or self._fetching:
            return
        page = self.next_page()
        self._more = len(page) == self.page_size
        if page:
            self._fetching = True
            try:
                self.beginInsertRows(QModelIndex(), len(self._rows),
                                     len(self._rows) + len(page) - 1)
                self._rows.extend(page)
                self.endInsertRows()
            finally:
                self._fetching = False
