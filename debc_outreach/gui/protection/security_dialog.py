"""Settings → "Security and privacy": PINs, idle lock, and (coordinator) privacy rules."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.gui.changes import attempt, run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error
from debc_outreach.gui.protection.idle_lock import idle_lock_of, start_idle_lock
from debc_outreach.gui.protection.pin_dialogs import NewPinDialog, RecoveryCodeDialog, recover_pin
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import privacy, protection, trainers, vault


def set_up_protection(context: AppContext, parent: QWidget | None) -> bool:
    """Ask the current trainer's PIN twice, encrypt everything, show the recovery code."""
    store = context.store
    trainer = trainers.get_trainer(store, context.settings.current_trainer_id)
    if trainer is None:
        show_user_error(parent, _("Choose or add your trainer profile first (Settings → "
                                  "Trainer profiles)."))
        return False
    dialog = NewPinDialog(
        _("Protect this computer with PINs"),
        _("{name}, choose your PIN. From now on the records on this computer are encrypted "
          "and the app asks for a PIN at start and after it was not used for a while. Other "
          "trainers get their own PIN afterwards.").format(name=trainer.display_name), parent)
    result: dict = {}

    def act(d: NewPinDialog) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        store.database.close()
        try:
            result["done"] = protection.set_up(context.data_dir, trainer.id,
                                               trainer.display_name, d.new_pin())
        finally:
            protection.reopen_after_set_up(store.database)
            QApplication.restoreOverrideCursor()
        from debc_outreach.sync.keys import seal_key_file

        seal_key_file(context.data_dir)

    dialog.action = act
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    if not accepted:
        return False
    RecoveryCodeDialog(result["done"].recovery_code, parent).exec()
    protection.finish_set_up(context.data_dir)
    start_idle_lock(context, context.window)
    context.settings_changed.emit()
    return True


class SecurityDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.protect_button = QPushButton()
        self.change_button = QPushButton()
        self.add_button = QPushButton()
        self.add_combo = QComboBox()
        self.recover_button = QPushButton()
        self.new_code_button = QPushButton()
        self.idle_spin = QSpinBox()
        self.idle_spin.setRange(1, 120)
        self.idle_spin.setValue(context.settings.idle_lock_minutes)
        self.idle_label = QLabel()
        self.pins_group = QGroupBox()
        pins = QVBoxLayout(self.pins_group)
        pins.addWidget(self.status)
        pins.addWidget(self.protect_button)
        row = QHBoxLayout()
        row.addWidget(self.change_button)
        row.addWidget(self.recover_button)
        row.addWidget(self.new_code_button)
        pins.addLayout(row)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_combo, 1)
        add_row.addWidget(self.add_button)
        pins.addLayout(add_row)
        self.idle_label.setWordWrap(True)
        idle_form = QFormLayout()
        idle_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        idle_form.addRow(self.idle_label, self.idle_spin)
        pins.addLayout(idle_form)

        self.rules_group = QGroupBox()
        self.retention_spin = QSpinBox()
        self.retention_spin.setRange(0, privacy.MAX_RETENTION_DAYS)
        self.retention_label = QLabel()
        self.exports_combo = QComboBox()
        self.exports_label = QLabel()
        self.rules_help = QLabel()
        self.rules_help.setWordWrap(True)
        self.retention_label.setWordWrap(True)
        self.exports_label.setWordWrap(True)
        rules_box = QVBoxLayout(self.rules_group)
        rules_box.addWidget(self.rules_help)
        rules = QFormLayout()
        # Labels above their fields: long Khmer labels need the whole width.
        rules.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        rules.addRow(self.retention_label, self.retention_spin)
        rules.addRow(self.exports_label, self.exports_combo)
        rules_box.addLayout(rules)
        self.rules_status = QLabel()
        self.rules_status.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pins_group)
        layout.addWidget(self.rules_group)
        layout.addWidget(self.rules_status)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(640)

        self.protect_button.clicked.connect(self._protect)
        self.change_button.clicked.connect(self._change)
        self.recover_button.clicked.connect(self._recover)
        self.new_code_button.clicked.connect(self._new_code)
        self.add_button.clicked.connect(self._add)
        self.idle_spin.valueChanged.connect(self._idle_changed)
        self.retention_spin.editingFinished.connect(self._save_retention)
        self.exports_combo.activated.connect(self._save_exports)
        self.retranslate()

    # --- texts and state -----------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("Security and privacy"))
        self.pins_group.setTitle(_("PINs on this computer"))
        self.protect_button.setText(_("Protect this computer with PINs…"))
        self.change_button.setText(_("Change my PIN…"))
        self.recover_button.setText(_("Forgot a PIN…"))
        self.new_code_button.setText(_("New recovery code…"))
        self.add_button.setText(_("Give this trainer a PIN…"))
        self.idle_label.setText(_("Lock after this many minutes without use:"))
        self.idle_spin.setSuffix(_(" min"))
        self.rules_group.setTitle(_("Programme privacy rules (coordinator)"))
        self.rules_help.setText(_("These rules travel to every trainer computer with the next "
                                  "sync. Names are removed only on trainer computers, and "
                                  "only after this computer has acknowledged the records."))
        self.retention_label.setText(_("Keep names on trainer computers for (days after "
                                       "acknowledgement, 0 = always):"))
        self.exports_label.setText(_("Exports with names on trainer computers:"))
        self.exports_combo.clear()
        self.exports_combo.addItem(_("Allowed, with a warning"), "allowed")
        self.exports_combo.addItem(_("Forbidden"), "forbidden_on_trainer_devices")
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def refresh(self) -> None:
        data_dir = self.context.data_dir
        protected = vault.is_protected(data_dir)
        store = self.context.store
        if protected:
            names = ", ".join(p.label for p in vault.profiles(data_dir))
            self.status.setText(_("This computer is protected: the records and the device "
                                  "keys are encrypted. Trainers with a PIN: {names}.")
                                .format(names=names))
        else:
            self.status.setText(_("This computer is not protected. Anyone who gets this "
                                  "computer or its disk can read participants' names, "
                                  "villages, phone numbers and disability status."))
        self.protect_button.setVisible(not protected)
        for widget in (self.change_button, self.recover_button, self.new_code_button,
                       self.add_button, self.add_combo, self.idle_spin, self.idle_label):
            widget.setVisible(protected)
        if protected:
            with_pin = {p.trainer_id for p in vault.profiles(data_dir)}
            self.add_combo.clear()
            for trainer in trainers.list_trainers(store):
                if trainer.id not in with_pin:
                    self.add_combo.addItem(trainer.display_name, trainer.id)
            self.add_button.setVisible(self.add_combo.count() > 0)
            self.add_combo.setVisible(self.add_combo.count() > 0)
        coordinator = privacy.is_coordinator_device(store)
        self.rules_group.setVisible(coordinator)
        self.retention_spin.setValue(privacy.get_rule(store, privacy.RETENTION_DAYS))
        rule = privacy.get_rule(store, privacy.NAMED_EXPORTS)
        self.exports_combo.setCurrentIndex(max(0, self.exports_combo.findData(rule)))
        if privacy.is_trainer_device(store):
            days = privacy.get_rule(store, privacy.RETENTION_DAYS)
            lines = [_("Your coordinator keeps names on this computer {days}.").format(
                days=_("until they are removed by hand") if not days
                else ngettext("for {n} day after they were acknowledged",
                              "for {n} days after they were acknowledged", days).format(
                    n=i18n.format_number(days)))]
            if not privacy.named_exports_allowed(store):
                lines.append(_("Your coordinator does not allow exports with names on this "
                               "computer."))
            self.rules_status.setText(" ".join(lines))
        else:
            self.rules_status.clear()

    # --- actions ---------------------------------------------------------------
    def _protect(self) -> None:
        if set_up_protection(self.context, self):
            self.refresh()

    def _current_profile(self) -> vault.Profile | None:
        current = self.context.settings.current_trainer_id
        for profile in vault.profiles(self.context.data_dir):
            if profile.trainer_id == current:
                return profile
        show_user_error(self, _("The profile in use has no PIN. Sign in with your own "
                                "profile first."))
        return None

    def _change(self) -> None:
        profile = self._current_profile()
        if profile is None:
            return
        dialog = NewPinDialog(_("Change my PIN"), _("{name}: type your current PIN, then the "
                                                    "new one.").format(name=profile.label),
                              self, ask_current=True)
        dialog.action = lambda d: protection.change_pin(
            self.context.data_dir, profile.trainer_id, profile.label, d.current_edit.text(),
            d.new_pin())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            QMessageBox.information(self, _("PIN changed"), _("Your new PIN works from now "
                                                              "on."))
        dialog.deleteLater()

    def _recover(self) -> None:
        recover_pin(self.context.data_dir, self, self.context.settings.current_trainer_id)
        self.refresh()

    def _new_code(self) -> None:
        profile = self._current_profile()
        if profile is None:
            return
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        pin, ok = QInputDialog.getText(self, _("New recovery code"),
                                       _("The old recovery code will stop working. Type your "
                                         "PIN to continue:"), QLineEdit.EchoMode.Password)
        if not ok:
            return
        def renew() -> str:
            unlocked = protection.check_pin(self.context.data_dir, pin, profile.trainer_id)
            return vault.renew_recovery_code(self.context.data_dir, unlocked.secret)

        done = attempt(self, renew)
        if not done:
            return
        RecoveryCodeDialog(done.value, self).exec()

    def _add(self) -> None:
        trainer_id = self.add_combo.currentData()
        name = self.add_combo.currentText()
        if not trainer_id:
            return
        dialog = NewPinDialog(_("Give this trainer a PIN"),
                              _("{name} types a PIN of their own now (you should not see "
                                "it).").format(name=name), self)
        dialog.action = lambda d: protection.add_profile(self.context.data_dir, trainer_id,
                                                         name, d.new_pin())
        dialog.exec()
        dialog.deleteLater()
        self.refresh()

    def _idle_changed(self, minutes: int) -> None:
        self.context.settings.idle_lock_minutes = minutes
        self.context.save()
        lock = idle_lock_of(self.context)
        if lock is not None:
            lock.set_timeout(minutes * 60_000)

    def _save_retention(self) -> None:
        store = self.context.store
        if self.retention_spin.value() == privacy.get_rule(store, privacy.RETENTION_DAYS):
            return
        run_change(self.context, self, privacy.ENTITY, lambda: privacy.set_rule(
            self.context.store, privacy.RETENTION_DAYS, self.retention_spin.value()))

    def _save_exports(self, _index: int) -> None:
        store = self.context.store
        if self.exports_combo.currentData() == privacy.get_rule(store, privacy.NAMED_EXPORTS):
            return
        run_change(self.context, self, privacy.ENTITY, lambda: privacy.set_rule(
            self.context.store, privacy.NAMED_EXPORTS, self.exports_combo.currentData()))
