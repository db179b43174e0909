"""The PIN entry used at sign-in and on the lock screen: profile, PIN, message, countdown.

Wrong PINs are answered in the panel itself (no message box to click away). After
the 5th wrong PIN in a row the button is disabled and a countdown shows how long
to wait; the count is kept by the vault on disk, so restarting does not reset it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from debc_outreach.errors import UserError
from debc_outreach.gui.fonts import heading_font
from debc_outreach.gui.shell.status_line import MessageLine
from debc_outreach.i18n import _, format_number, ngettext
from debc_outreach.storage import protection, vault


class PinPanel(QWidget):
    """Emits `unlocked(secret, trainer_id)` after a right PIN."""

    unlocked = Signal(bytes, str)
    forgot = Signal()

    def __init__(self, data_dir, parent: QWidget | None = None, *, trainer_id: str = "",
                 remember: bool = True):
        super().__init__(parent)
        self.data_dir = data_dir
        self._remember = remember        # sign-in keeps the secret; the lock screen has it
        self.title = QLabel()
        self.title.setFont(heading_font(self.font(), 1.4))
        self.title.setWordWrap(True)
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.profile_combo = QComboBox()
        self.profile_label = QLabel()
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setObjectName("pinEdit")
        self.pin_edit.setMinimumWidth(220)
        self.pin_label = QLabel()
        self.pin_label.setBuddy(self.pin_edit)
        self.message = MessageLine()
        self.message.setObjectName("pinMessage")
        self.unlock_button = QPushButton()
        self.forgot_button = QPushButton()
        self.forgot_button.setFlat(True)
        # Enter in the PIN field unlocks (returnPressed) and nothing else: a dialog makes its
        # first auto-default button the default, so Enter after a wrong PIN would also
        # open "Forgot your PIN?" (or try the PIN twice).
        for button in (self.unlock_button, self.forgot_button):
            button.setAutoDefault(False)
            button.setDefault(False)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.profile_label, self.profile_combo)
        form.addRow(self.pin_label, self.pin_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.forgot_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.help)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.pin_edit.returnPressed.connect(self.try_unlock)
        self.forgot_button.clicked.connect(self.forgot.emit)
        self.fill_profiles(trainer_id)
        self.retranslate()
        self._tick()

    def fill_profiles(self, trainer_id: str = "") -> None:
        self.profile_combo.clear()
        for profile in vault.profiles(self.data_dir):
            self.profile_combo.addItem(profile.label, profile.trainer_id)
        index = self.profile_combo.findData(trainer_id) if trainer_id else -1
        self.profile_combo.setCurrentIndex(max(0, index))

    def retranslate(self) -> None:
        self.profile_label.setText(_("Trainer:"))
        self.pin_label.setText(_("PIN:"))
        self.unlock_button.setText(_("Unlock"))
        self.forgot_button.setText(_("Forgot your PIN?"))
        self._tick()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def trainer_id(self) -> str:
        return self.profile_combo.currentData() or ""

    def try_unlock(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        pin = self.pin_edit.text()
        self.pin_edit.clear()
        if not pin:
            self.message.setText(_("Type your PIN."))
            return
        try:
            if self._remember:
                done = protection.sign_in(self.data_dir, pin, self.trainer_id() or None)
            else:
                done = protection.check_pin(self.data_dir, pin, self.trainer_id() or None)
        except UserError as error:
            self.message.setText(str(error))
            self._tick()
            return
        self.message.clear()
        self.unlocked.emit(done.secret, done.trainer_id)

    def _tick(self) -> None:
        """Disable the button while the growing delay runs; show the time left."""
        wait = vault.seconds_to_wait(self.data_dir)
        self.unlock_button.setEnabled(wait == 0)
        self.pin_edit.setEnabled(wait == 0)
        if wait:
            minutes, seconds = divmod(wait, 60)
            left = (ngettext("{n} second", "{n} seconds", wait).format(n=format_number(wait))
                    if not minutes else _("{m} min {s} s").format(m=format_number(minutes),
                                                                  s=format_number(seconds)))
            self.message.setText(_("Too many wrong PINs. Try again in {time}.").format(time=left))
            if not self._timer.isActive():
                self._timer.start()
        elif self._timer.isActive():
            self._timer.stop()
            self.message.setText(_("You can try again now."))
            self.pin_edit.setFocus(Qt.FocusReason.OtherFocusReason)
