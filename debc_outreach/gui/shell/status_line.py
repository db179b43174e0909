"""A label that reports the outcome of the last action and follows a language switch.

    self.status = StatusLine()
    self.status.say(lambda: _("✓ {name} checked in.").format(name=name))

The text is made by a function, so after a live language switch the same
message is written again in the new language. A text set with plain
`setText()` cannot be remade and is cleared instead of staying in the old
language.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QLabel, QWidget


class StatusLine(QLabel):
    changed = Signal(str)           # the new text ("" when cleared)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._make: Callable[[], str] | None = None
        self._shown = ""

    def say(self, text: Callable[[], str]) -> None:
        """Show `text()` now, and again in the new language after a switch."""
        self._make = text
        self._shown = text()
        self.setText(self._shown)

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        self.changed.emit(text)

    def clear(self) -> None:
        super().clear()
        self.changed.emit("")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange and self.text():
            if self._make is not None and self.text() == self._shown:
                self.say(self._make)
            else:
                self.clear()
        super().changeEvent(event)


class MessageLine(QLabel):
    """The red line under a form that says what is wrong; its window grows to show it.

    A dialog laid out before the line had text would otherwise squeeze it (and the
    explanation above it) into the old height.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet("color: #b00020;")

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        if text and self.isVisible():
            grow_to_fit(self.window())


def grow_to_fit(window: QWidget) -> None:
    """Make `window` tall enough for its layout at its current width (never smaller),
    but no taller than its screen."""
    layout = window.layout()
    if layout is None:
        return
    layout.invalidate()
    layout.activate()
    width = window.width()
    needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() \
        else layout.totalSizeHint().height()
    needed = max(needed, layout.totalMinimumSize().height())
    screen = window.screen()
    if screen is not None:          # taller than the screen, its buttons could not be reached
        needed = min(needed, screen.availableGeometry().height())
    if needed > window.height():
        window.resize(width, needed)
