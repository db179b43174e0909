"""Small dialogs around PINs: choose a new PIN, show a recovery code once, recover."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from debc_outreach.errors import UserError
from debc_outreach.gui.fonts import heading_font
from debc_outreach.gui.shell.status_line import MessageLine
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import protection, vault


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMinimumWidth(240)
    return edit


class NewPinDialog(QDialog):
    """Type a new PIN twice (and the current one when `ask_current`)."""

    def __init__(self, title: str, intro: str, parent: QWidget | None = None, *,
                 ask_current: bool = False, ask_code: bool = False, profiles=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.profile_combo = QComboBox()
        for profile in profiles or []:
            self.profile_combo.addItem(profile.label, profile.trainer_id)
        self.current_edit = _password_edit()
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.new_edit = _password_edit()
        self.again_edit = _password_edit()
        self.message = MessageLine()
        intro_label = QLabel(intro)
        intro_label.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if profiles:
            form.addRow(_("Trainer:"), self.profile_combo)
        if ask_code:
            form.addRow(_("Recovery code:"), self.code_edit)
        if ask_current:
            form.addRow(_("Current PIN:"), self.current_edit)
        form.addRow(_("New PIN:"), self.new_edit)
        form.addRow(_("New PIN again:"), self.again_edit)
        rules = QLabel(ngettext("At least {n} digit or letter. Avoid birthdays, 123456 and "
                                "repeated digits.",
                                "At least {n} digits or letters. Avoid birthdays, 123456 and "
                                "repeated digits.", vault.MIN_PIN_LENGTH)
                       .format(n=vault.MIN_PIN_LENGTH))
        rules.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro_label)
        layout.addLayout(form)
        layout.addWidget(rules)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.action = None          # callable(dialog) -> None, may raise UserError

    def trainer_id(self) -> str:
        return self.profile_combo.currentData() or ""

    def trainer_label(self) -> str:
        return self.profile_combo.currentText()

    def new_pin(self) -> str:
        return self.new_edit.text()

    def _check(self) -> None:
        if self.new_edit.text() != self.again_edit.text():
            self.message.setText(_("The two new PINs are not the same."))
            return
        try:
            vault.check_new_pin(self.new_edit.text())
            if self.action is not None:
                self.action(self)
        except UserError as error:
            self.message.setText(str(error))
            return
        self.accept()


class RecoveryCodeDialog(QDialog):
    """Shows a recovery code once; closing needs "I have written it down"."""

    def __init__(self, code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Recovery code"))
        title = QLabel(_("Write down this recovery code"))
        title.setFont(heading_font(self.font(), 1.3))
        title.setWordWrap(True)
        text = QLabel(_("If every PIN of this computer is forgotten, this code is the only "
                        "way to open the records. It is shown only now. Write it on paper "
                        "and keep it locked away, not with the computer. Do not photograph "
                        "it or send it by message."))
        text.setWordWrap(True)
        self.code_label = QLabel(code)
        self.code_label.setObjectName("recoveryCode")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(self.font().pointSizeF() * 1.6)
        self.code_label.setFont(mono)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.confirm = QCheckBox(_("I have written the code down"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.confirm.toggled.connect(ok.setEnabled)
        self.buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        for widget in (title, text, self.code_label, self.confirm, self.buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(520)

    def reject(self) -> None:
        if self.confirm.isChecked():
            super().reject()


def recover_pin(data_dir, parent: QWidget | None = None, trainer_id: str = "") -> bool:
    """Forgotten PIN: recovery code + new PIN, then show the new code once."""
    dialog = NewPinDialog(_("Forgotten PIN"),
                          _("Type the recovery code you wrote down when this computer was "
                            "protected, then choose a new PIN. Without the code, ask your "
                            "coordinator to set this computer up again."),
                          parent, ask_code=True, profiles=vault.profiles(data_dir))
    index = dialog.profile_combo.findData(trainer_id)
    if index >= 0:
        dialog.profile_combo.setCurrentIndex(index)
    result: dict[str, str] = {}

    def act(d: NewPinDialog) -> None:
        result["code"] = protection.recover(data_dir, d.code_edit.text(), d.trainer_id(),
                                            d.trainer_label(), d.new_pin())

    dialog.action = act
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    if accepted:
        RecoveryCodeDialog(result["code"], parent).exec()
    return accepted
