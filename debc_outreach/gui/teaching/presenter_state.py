"""What is on the projector: module, slide, language, text scale, blackout, time.

One controller drives the audience window and the trainer view, so a key
pressed in either (or a USB clicker) moves both.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QWheelEvent

from debc_outreach.content.model import Module, Slide

MODES = ("km", "en", "both")
SCALES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)
NORMAL_SCALE = SCALES.index(1.0)

NEXT_KEYS = {Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Space,
             Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_N}
PREVIOUS_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace,
                 Qt.Key.Key_P}
BLACKOUT_KEYS = {Qt.Key.Key_B, Qt.Key.Key_Period}     # many clickers send "." for blank


class PresenterState(QObject):
    changed = Signal()
    finished = Signal()

    def __init__(self, module: Module, mode: str = "km", parent: QObject | None = None):
        super().__init__(parent)
        self.module = module
        self.index = 0
        self.mode = mode if mode in MODES else "km"
        self.scale_step = NORMAL_SCALE
        self.blackout = False
        self._typed_number = ""
        self.clock = QElapsedTimer()
        self.clock.start()

    # --- what to show ----------------------------------------------------------------
    @property
    def count(self) -> int:
        return max(len(self.module.slides(lang)) for lang in ("km", "en"))

    @property
    def scale(self) -> float:
        return SCALES[self.scale_step]

    def languages(self) -> tuple[str, ...]:
        return ("km", "en") if self.mode == "both" else (self.mode,)

    def slide(self, lang: str, offset: int = 0) -> Slide | None:
        slides = self.module.slides(lang)
        position = self.index + offset
        return slides[position] if 0 <= position < len(slides) else None

    def elapsed_seconds(self) -> int:
        return self.clock.elapsed() // 1000

    # --- actions ------------------------------------------------------------------------
    def go(self, index: int) -> None:
        index = min(max(index, 0), self.count - 1)
        if index != self.index or self.blackout:
            self.index = index
            self.blackout = False
            self.changed.emit()

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def toggle_blackout(self) -> None:
        self.blackout = not self.blackout
        self.changed.emit()

    def set_mode(self, mode: str) -> None:
        if mode in MODES and mode != self.mode:
            self.mode = mode
            self.changed.emit()

    def cycle_mode(self) -> None:
        self.set_mode(MODES[(MODES.index(self.mode) + 1) % len(MODES)])

    def zoom(self, steps: int) -> None:
        step = min(max(self.scale_step + steps, 0), len(SCALES) - 1)
        if step != self.scale_step:
            self.scale_step = step
            self.changed.emit()

    def reset_zoom(self) -> None:
        self.zoom(NORMAL_SCALE - self.scale_step)

    def finish(self) -> None:
        self.finished.emit()

    def handle_key(self, event: QKeyEvent) -> bool:
        """Apply a key press from any presenter window; True when it was ours."""
        key = event.key()
        text = event.text().lower()
        typed, self._typed_number = self._typed_number, ""
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_9 and (typed or key != Qt.Key.Key_0):
            self._typed_number = typed + chr(key)        # "12" then Enter: go to slide 12
        elif typed and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.go(int(typed) - 1)
        elif key in NEXT_KEYS:
            self.next()
        elif key in PREVIOUS_KEYS:
            self.previous()
        elif key == Qt.Key.Key_Home:
            self.go(0)
        elif key == Qt.Key.Key_End:
            self.go(self.count - 1)
        elif key in BLACKOUT_KEYS:
            self.toggle_blackout()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) or text == "+":
            self.zoom(+1)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore) or text == "-":
            self.zoom(-1)
        elif key == Qt.Key.Key_0:
            self.reset_zoom()
        elif key == Qt.Key.Key_K:
            self.set_mode("km")
        elif key == Qt.Key.Key_E:
            self.set_mode("en")
        elif key == Qt.Key.Key_D:
            self.set_mode("both")
        elif key == Qt.Key.Key_L:
            self.cycle_mode()
        elif key in (Qt.Key.Key_Escape, Qt.Key.Key_Q):
            self.finish()
        else:
            return False
        return True

    def handle_wheel(self, delta_y: int) -> None:
        if delta_y < 0:
            self.next()
        elif delta_y > 0:
            self.previous()


class PresenterKeys:
    """Mixin for a presenter window: keys and the wheel go to the shared presenter state.

    Both the audience window and the trainer view take it, so a clicker or a key works
    in whichever window has the focus.
    """

    state: PresenterState

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if not self.state.handle_key(event):
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        self.state.handle_wheel(event.angleDelta().y())
        event.accept()
