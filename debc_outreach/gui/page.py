"""Base class for the areas of the main window (Home, Sessions, ...)."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from debc_outreach.gui import fonts
from debc_outreach.gui.context import AppContext


class Page(QWidget):
    """An area in the navigation. Subclasses build widgets, then call `retranslate()`.

    Register it with a `PageEntry` in gui/pages.py. `retranslate()` sets every
    visible text; it runs again on a live language switch. `activate()` runs
    each time the page is shown.
    """

    key = ""          # stable id, the same as its PageEntry.key

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setObjectName(f"page-{self.key}")

    def page_layout(self) -> QVBoxLayout:
        """The usual frame of a page: margins and a large heading (`self.heading`)."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        self.heading = QLabel()
        self.heading.setFont(fonts.heading_font(self.font(), 1.6))
        layout.addWidget(self.heading)
        return layout

    def retranslate(self) -> None:
        """Set every visible text (called on language change)."""

    def activate(self) -> None:
        """Called whenever the page becomes visible."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
