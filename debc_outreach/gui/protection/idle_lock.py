"""Locking the app when nobody uses it, and when the computer sleeps or the lid closes.

`IdleLock` watches every keyboard, mouse, wheel and touch event of the whole
application (one event filter on the QApplication) and locks after the idle
time chosen in Settings. It also locks when the system reports the
application suspended or hidden (sleep, lid close on systems that tell Qt),
and after `INACTIVE_GRACE_S` of being inactive (the screen saver or session
lock took the focus; a short switch to another program does not lock).

The lock screen is an application-modal, full-screen window over everything
of this app: nothing behind it can be read or clicked until a trainer's PIN is
typed. Any trainer with a PIN may unlock; the profile in use follows them.

The app context holds the one running lock (`AppContext.idle_lock`); the main
window it covers is passed in by whoever starts it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QFrame, QHBoxLayout, QVBoxLayout, QWidget

from debc_outreach.gui.context import AppContext
from debc_outreach.gui.protection.pin_dialogs import recover_pin
from debc_outreach.gui.protection.pin_panel import PinPanel
from debc_outreach.i18n import _
from debc_outreach.storage import vault

INACTIVE_GRACE_S = 60
USER_INPUT = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress, QEvent.Type.InputMethod,
})


class LockScreen(QDialog):
    """Covers the screen; only a right PIN closes it (Esc and Alt+F4 do not)."""

    unlocked = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        self.setObjectName("lockScreen")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.context = context
        self._done = False
        self.panel = PinPanel(context.data_dir, self, remember=False,
                              trainer_id=context.settings.current_trainer_id)
        self.panel.unlocked.connect(self._unlocked)
        self.panel.forgot.connect(self._forgot)
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(560)
        inner = QVBoxLayout(card)
        inner.addWidget(self.panel)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 2)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Locked — DEBC Outreach"))
        self.panel.title.setText(_("DEBC Outreach is locked"))
        self.panel.help.setText(_("The records are hidden because the computer was not used "
                                  "for a while or went to sleep. Type your PIN to continue."))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _unlocked(self, _secret: bytes, trainer_id: str) -> None:
        self._done = True
        self.unlocked.emit(trainer_id)
        self.accept()

    def _forgot(self) -> None:
        if recover_pin(self.context.data_dir, self, self.panel.trainer_id()):
            self._unlocked(b"", self.panel.trainer_id())

    def reject(self) -> None:          # Esc
        if self._done:
            super().reject()

    def closeEvent(self, event) -> None:  # noqa: N802
        if self._done:
            super().closeEvent(event)
        else:
            event.ignore()


class IdleLock(QObject):
    """Locks after `minutes` without input, and on sleep / lid close."""

    locked_changed = Signal(bool)

    def __init__(self, context: AppContext, window: QWidget, minutes: int,
                 timeout_ms: int | None = None):
        super().__init__(window)
        self.context = context
        self.window = window
        self.screen: LockScreen | None = None
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self.lock)
        self._inactive = QTimer(self)
        self._inactive.setSingleShot(True)
        self._inactive.setInterval(INACTIVE_GRACE_S * 1000)
        self._inactive.timeout.connect(self.lock)
        self.set_timeout(timeout_ms if timeout_ms is not None else minutes * 60_000)
        app = QApplication.instance()
        app.installEventFilter(self)
        app.applicationStateChanged.connect(self._state_changed)

    @property
    def locked(self) -> bool:
        return self.screen is not None

    def set_timeout(self, milliseconds: int) -> None:
        self._idle.setInterval(max(1000 if milliseconds >= 1000 else 1, milliseconds))
        if not self.locked:
            self._idle.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in USER_INPUT and self.screen is None:
            self._idle.start()
        return False

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if state in (Qt.ApplicationState.ApplicationSuspended,
                     Qt.ApplicationState.ApplicationHidden):
            self.lock()
        elif state == Qt.ApplicationState.ApplicationInactive:
            self._inactive.start()
        else:
            self._inactive.stop()

    def lock(self) -> None:
        """Cover the app now (no-op when already locked or no longer protected)."""
        if self.screen is not None or not vault.is_protected(self.context.data_dir):
            return
        self._idle.stop()
        self._inactive.stop()
        self.screen = LockScreen(self.context)
        self.screen.unlocked.connect(self._unlocked)
        target = self.window.screen() or QGuiApplication.primaryScreen()
        if target is not None:
            self.screen.setGeometry(target.geometry())
        self.screen.showFullScreen()
        self.screen.activateWindow()
        self.screen.panel.pin_edit.setFocus()
        self.locked_changed.emit(True)

    def _unlocked(self, trainer_id: str) -> None:
        screen, self.screen = self.screen, None
        if screen is not None:
            screen.deleteLater()
        if trainer_id and trainer_id != self.context.settings.current_trainer_id:
            self.context.set_current_trainer(trainer_id)
        self._idle.start()
        self.locked_changed.emit(False)

    def stop(self) -> None:
        """Stop watching (the window closes)."""
        QApplication.instance().removeEventFilter(self)
        self._idle.stop()
        self._inactive.stop()


def idle_lock_of(context: AppContext) -> IdleLock | None:
    """The running idle lock of this app, if any."""
    return context.idle_lock


def start_idle_lock(context: AppContext, window: QWidget | None,
                    timeout_ms: int | None = None) -> IdleLock | None:
    """Install the idle lock once, when the folder is protected and a main window is open;
    returns it (or None)."""
    if not vault.is_protected(context.data_dir):
        return None
    if context.idle_lock is not None:
        return context.idle_lock
    if window is None:
        return None
    lock = IdleLock(context, window, context.settings.idle_lock_minutes, timeout_ms)
    context.idle_lock = lock
    lock.destroyed.connect(lambda *_args: _forget(context, lock))
    return lock


def stop_idle_lock(context: AppContext) -> None:
    lock, context.idle_lock = context.idle_lock, None
    if lock is not None:
        lock.stop()


def _forget(context: AppContext, lock: IdleLock) -> None:
    if context.idle_lock is lock:
        context.idle_lock = None
