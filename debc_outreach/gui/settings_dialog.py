"""Settings: language, Khmer digits, text size, trainer profiles. Changes apply at once."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QDialog,
    QInputDialog,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.errors import UserError
from debc_outreach.gui.about_dialog import computer_text
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error
from debc_outreach.gui.forms.settings_dialog_ui import Ui_SettingsDialog
from debc_outreach.i18n import _
from debc_outreach.storage import trainers


class SettingsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.ui = Ui_SettingsDialog()
        self.ui.setupUi(self)
        for code in i18n.LANGUAGES:
            self.ui.languageCombo.addItem(i18n.LANGUAGE_NAMES[code], code)
        settings = context.settings
        self.ui.languageCombo.setCurrentIndex(i18n.LANGUAGES.index(i18n.language()))
        self.ui.khmerDigitsCheck.setChecked(settings.khmer_digits)
        self.ui.fontScaleSpin.setValue(settings.font_scale)
        self.ui.languageCombo.currentIndexChanged.connect(self._language_chosen)
        self.ui.khmerDigitsCheck.toggled.connect(context.set_khmer_digits)
        # Each step (arrow, Enter, leaving the field) resizes the open windows at once.
        self.ui.fontScaleSpin.setKeyboardTracking(False)
        self.ui.fontScaleSpin.valueChanged.connect(context.set_font_scale)
        self.ui.addProfileButton.clicked.connect(self.add_profile)
        self.ui.renameProfileButton.clicked.connect(self.rename_profile)
        self.ui.removeProfileButton.clicked.connect(self.remove_profile)
        self.ui.useProfileButton.clicked.connect(self.use_profile)
        self.ui.profileList.itemDoubleClicked.connect(lambda _item: self.use_profile())
        self.ui.buttons.rejected.connect(self.reject)
        self.security_button = QPushButton()        # PINs, idle lock, privacy rules (issue 8)
        self.security_button.clicked.connect(self.open_security)
        self.ui.layout.insertWidget(self.ui.layout.indexOf(self.ui.dataFolderLabel),
                                    self.security_button)
        self._fill_profiles()
        self._retranslate_extra()

    def _language_chosen(self, index: int) -> None:
        self.context.set_language(self.ui.languageCombo.itemData(index))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            self._retranslate_extra()
            self._fill_profiles()
        super().changeEvent(event)

    def open_security(self) -> None:
        from debc_outreach.gui.security_dialog import SecurityDialog

        dialog = SecurityDialog(self.context, self)
        dialog.exec()
        dialog.deleteLater()

    def _retranslate_extra(self) -> None:
        self.security_button.setText(_("Security and privacy (PINs, lock, names)…"))
        self.ui.dataFolderLabel.setText(computer_text(self.context))

    # --- profiles ------------------------------------------------------------
    def _fill_profiles(self) -> None:
        self.ui.profileList.clear()
        current = self.context.settings.current_trainer_id
        for trainer in trainers.list_trainers(self.context.store):
            label = trainer.display_name
            if trainer.id == current:
                label = _("{name} (in use)").format(name=label)
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, trainer.id)
            self.ui.profileList.addItem(item)
            if trainer.id == current:
                self.ui.profileList.setCurrentItem(item)

    def _selected_id(self) -> str | None:
        item = self.ui.profileList.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _ask_name(self, title: str, initial: str = "") -> str | None:
        text, ok = QInputDialog.getText(self, title, _("Trainer name:"), text=initial)
        return text if ok else None

    def add_profile(self) -> None:
        name = self._ask_name(_("Add a trainer profile"))
        if name is None:
            return
        try:
            trainer = trainers.add_trainer(self.context.store, name)
        except UserError as error:
            show_user_error(self, error)
            return
        if not self.context.settings.current_trainer_id:
            self.context.set_current_trainer(trainer.id)
        self.context.notify_changed("trainer")
        self._fill_profiles()

    def rename_profile(self) -> None:
        trainer_id = self._selected_id()
        trainer = trainers.get_trainer(self.context.store, trainer_id) if trainer_id else None
        if trainer is None:
            return
        name = self._ask_name(_("Rename the profile"), trainer.display_name)
        if name is None:
            return
        try:
            trainers.rename_trainer(self.context.store, trainer.id, name)
        except UserError as error:
            show_user_error(self, error)
            return
        self.context.notify_changed("trainer")
        self.context.settings_changed.emit()
        self._fill_profiles()

    def remove_profile(self) -> None:
        trainer_id = self._selected_id()
        if not trainer_id:
            return
        if trainer_id == self.context.settings.current_trainer_id:
            show_user_error(self, _("This profile is in use. Choose another profile first."))
            return
        answer = QMessageBox.question(
            self, _("Remove the profile"),
            _("Remove this trainer profile from the list? Sessions already recorded keep "
              "the trainer's name."))
        if answer != QMessageBox.StandardButton.Yes:
            return
        trainers.remove_trainer(self.context.store, trainer_id)
        self.context.notify_changed("trainer")
        self._fill_profiles()

    def use_profile(self) -> None:
        trainer_id = self._selected_id()
        if trainer_id:
            self.context.set_current_trainer(trainer_id)
            self._fill_profiles()
