"""Signing in at start when the data folder is protected with PINs."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from debc_outreach.gui.context import AppContext
from debc_outreach.gui.protection.pin_dialogs import recover_pin
from debc_outreach.gui.protection.pin_panel import PinPanel
from debc_outreach.i18n import _
from debc_outreach.storage import vault


class SignInDialog(QDialog):
    """Choose your profile, type your PIN. `trainer_id` is set when accepted."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.trainer_id = ""
        self.panel = PinPanel(context.data_dir, self,
                              trainer_id=context.settings.current_trainer_id)
        self.panel.unlocked.connect(self._unlocked)
        self.panel.forgot.connect(self._forgot)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        self.setMinimumWidth(480)
        self.retranslate()
        self.panel.pin_edit.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Sign in — DEBC Outreach"))
        self.panel.title.setText(_("Sign in"))
        self.panel.help.setText(_("The records on this computer are protected. Choose your "
                                  "name and type your PIN."))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _unlocked(self, _secret: bytes, trainer_id: str) -> None:
        self.trainer_id = trainer_id
        self.accept()

    def _forgot(self) -> None:
        if recover_pin(self.context.data_dir, self, self.panel.trainer_id()):
            self.trainer_id = self.panel.trainer_id()
            self.accept()


def unlock_at_start(context: AppContext) -> bool:
    """Ask for a PIN when the folder is protected; False when the user gave up."""
    if not vault.is_protected(context.data_dir) or vault.unlocked_secret(context.data_dir):
        return True
    dialog = SignInDialog(context)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    trainer_id = dialog.trainer_id
    dialog.deleteLater()
    if accepted and trainer_id:
        context.settings.current_trainer_id = trainer_id
    return accepted
