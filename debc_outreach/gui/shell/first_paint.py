"""Run work right after a window has painted its first frame.

Start-up shows the main window first and does what is not visible (keyboard
shortcuts, housekeeping) just after, so a trainer sees the app sooner
(bench/bench_startup.py measures time to the first frame).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], None]):
        super().__init__(widget)
        self._callback = callback

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # With this filter as the timer's context, a widget closed before the event
            # loop comes round takes the pending call with it.
            QTimer.singleShot(0, self, self._callback)
        return False


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` once, from the event loop, after `widget` first paints.

    Filters installed later run first, so work registered later runs earlier.
    """
    widget.installEventFilter(_FirstPaint(widget, callback))
