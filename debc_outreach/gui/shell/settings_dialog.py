"""Settings: language, Khmer digits, text size, trainer profiles. Changes apply at once."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.gui.changes import run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error
from debc_outreach.gui.forms.settings_dialog_ui import Ui_SettingsDialog
from debc_outreach.gui.shell.about_dialog import computer_text
from debc_outreach.gui.shell.status_line import grow_to_fit
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
        # As tall as its profiles, up to a few (the rest scroll): at large text sizes the
        # room goes to the wrapped explanations, and the dialog still fits the screen.
        self.ui.profileList.setSizeAdjustPolicy(
            QListWidget.SizeAdjustPolicy.AdjustToContents)
        self.ui.profileList.itemDoubleClicked.connect(lambda _item: self.use_profile())
        self.ui.buttons.rejected.connect(self.reject)
        self.security_button = QPushButton()        # PINs, idle lock, privacy rules: own dialog
        self.security_button.clicked.connect(self.open_security)
        self.restore_button = QPushButton()         # a backup back in place of the records
        self.restore_button.clicked.connect(self.restore_backup)
        # One row: at 150 % in Khmer the dialog still fits a 768-pixel-high screen.
        actions = QHBoxLayout()
        actions.addWidget(self.security_button, 1)
        actions.addWidget(self.restore_button)
        self.ui.layout.insertLayout(self.ui.layout.indexOf(self.ui.dataFolderLabel), actions)
        self._fill_profiles()
        self._retranslate_extra()

    def _language_chosen(self, index: int) -> None:
        self.context.set_language(self.ui.languageCombo.itemData(index))

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._fit_to_text()

    def _fit_to_text(self) -> None:
        self._fit_profile_list()
        grow_to_fit(self)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            self._retranslate_extra()
            self._fill_profiles()
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange) \
                and self.isVisible():
            # The text size and language set here change this dialog too: once every
            # widget has its new font and text, make room for the wrapped lines.
            QTimer.singleShot(0, self, self._fit_to_text)
        super().changeEvent(event)

    def open_security(self) -> None:
        from debc_outreach.gui.protection.security_dialog import SecurityDialog

        dialog = SecurityDialog(self.context, self)
        dialog.exec()
        dialog.deleteLater()

    def restore_backup(self) -> None:
        from debc_outreach.gui.shell.restore_backup import choose_and_restore

        choose_and_restore(self.context, self)
        self._fill_profiles()

    def _retranslate_extra(self) -> None:
        self.security_button.setText(_("Security and privacy (PINs, lock, names)…"))
        self.restore_button.setText(_("Restore a backup…"))
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
        self._fit_profile_list()

    def _fit_profile_list(self, rows_shown: int = 4) -> None:
        profiles = self.ui.profileList
        row = profiles.sizeHintForRow(0) if profiles.count() else profiles.fontMetrics().height()
        profiles.setMaximumHeight(rows_shown * row + 2 * profiles.frameWidth())

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
        done = run_change(self.context, self, "trainer",
                          lambda: trainers.add_trainer(self.context.store, name))
        if not done:
            return
        if not self.context.settings.current_trainer_id:
            self.context.set_current_trainer(done.value.id)
        self._fill_profiles()

    def rename_profile(self) -> None:
        trainer_id = self._selected_id()
        trainer = trainers.get_trainer(self.context.store, trainer_id) if trainer_id else None
        if trainer is None:
            return
        name = self._ask_name(_("Rename the profile"), trainer.display_name)
        if name is None:
            return
        if not run_change(self.context, self, "trainer",
                          lambda: trainers.rename_trainer(self.context.store, trainer.id, name)):
            return
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
        run_change(self.context, self, "trainer",
                   lambda: trainers.remove_trainer(self.context.store, trainer_id))
        self._fill_profiles()

    def use_profile(self) -> None:
        trainer_id = self._selected_id()
        if trainer_id:
            self.context.set_current_trainer(trainer_id)
            self._fill_profiles()
