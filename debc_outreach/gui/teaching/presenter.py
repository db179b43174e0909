"""Presenter mode: the audience window on the projector and the trainer view on the laptop.

`Presentation.start()` puts the slides full screen on the chosen screen and,
when asked (default with two screens), the trainer view on another screen:
current and next slide, notes, elapsed time against the module's duration.
Keys and the mouse wheel work in both windows; Esc closes both.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QMouseEvent, QScreen
from PySide6.QtWidgets import QWidget

from debc_outreach.content.model import Module
from debc_outreach.gui.teaching.presenter_state import PresenterKeys, PresenterState
from debc_outreach.gui.teaching.slide_view import SlideView
from debc_outreach.gui.teaching.trainer_view import TrainerView
from debc_outreach.i18n import _

POINTER_SECONDS = 3


class AudienceWindow(PresenterKeys, QWidget):
    """The slides, large, on the projector."""

    def __init__(self, state: PresenterState, owner: QWidget | None = None):
        super().__init__(owner, Qt.WindowType.Window)
        self.state = state
        self.setObjectName("audienceWindow")
        self.setWindowTitle(_("Presentation: {title}").format(title=state.module.title("km")))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view = SlideView(state, parent=self)
        self.view.setFocusProxy(self)
        # The pointer shows while the mouse moves (to point at something), then hides.
        self.setMouseTracking(True)
        self.view.setMouseTracking(True)
        self._hide_pointer = QTimer(self)
        self._hide_pointer.setSingleShot(True)
        self._hide_pointer.setInterval(POINTER_SECONDS * 1000)
        self._hide_pointer.timeout.connect(lambda: self.setCursor(Qt.CursorShape.BlankCursor))
        self.setCursor(Qt.CursorShape.BlankCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self._hide_pointer.start()
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.state.next()                  # a click on the projected slide moves on
        event.accept()

    def resizeEvent(self, event) -> None:  # noqa: N802
        self.view.setGeometry(self.rect())
        super().resizeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.state.finish()
        super().closeEvent(event)


def _place(window: QWidget, screen: QScreen | None, full_screen: bool) -> None:
    if screen is not None:
        window.setScreen(screen)
        window.move(screen.availableGeometry().topLeft())
    if full_screen:
        if screen is not None:
            window.setGeometry(screen.geometry())
        window.showFullScreen()
    else:
        if screen is not None:
            window.resize(screen.availableGeometry().size() * 0.9)
        window.show()


def projector_screen(screens: list[QScreen] | None = None) -> QScreen | None:
    """The screen for the audience: a second screen if there is one, else the primary."""
    screens = screens if screens is not None else QGuiApplication.screens()
    primary = QGuiApplication.primaryScreen()
    others = [s for s in screens if s is not primary]
    return others[0] if others else primary


class Presentation(QObject):
    """One running presentation: the state, the audience window, the trainer view."""

    def __init__(self, module: Module, mode: str = "km", duration_minutes: int = 0,
                 owner: QWidget | None = None):
        """`owner`: the main window; the presentation closes with it, and the app can quit."""
        super().__init__(owner)
        self.state = PresenterState(module, mode, self)
        self.audience = AudienceWindow(self.state, owner)
        self.trainer = TrainerView(self.state, duration_minutes or module.duration_minutes,
                                   owner)
        self.state.finished.connect(self.stop)
        self._stopping = False

    def start(self, screen: QScreen | None = None, trainer_view: bool | None = None,
              full_screen: bool = True) -> None:
        screen = screen or projector_screen()
        if trainer_view is None:
            trainer_view = len(QGuiApplication.screens()) > 1
        _place(self.audience, screen, full_screen)
        if trainer_view:
            laptop = next((s for s in QGuiApplication.screens() if s is not screen), None)
            _place(self.trainer, laptop, full_screen=False)
            self.trainer.activateWindow()
        else:
            self.audience.activateWindow()
        self.audience.setFocus()

    def stop(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        self.trainer.stop_clock()
        for window in (self.trainer, self.audience):
            window.close()
            window.deleteLater()
        QTimer.singleShot(0, self.deleteLater)
