"""Start-up glue for protection: idle lock, sign-in labels, retention, first-start offer."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from debc_outreach.errors import UserError
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error
from debc_outreach.gui.protection.idle_lock import start_idle_lock
from debc_outreach.gui.protection.pin_dialogs import RecoveryCodeDialog
from debc_outreach.gui.protection.security_dialog import set_up_protection
from debc_outreach.i18n import _
from debc_outreach.storage import protection, retention, trainers, vault

log = logging.getLogger(__name__)

def _refresh_sign_in_names(context: AppContext) -> None:
    """The sign-in screen shows names from the vault: keep them in step with renames, and
    take the PIN away from a profile that was removed (a trainer who left)."""
    current = {t.id: t for t in trainers.list_trainers(context.store)}
    secret = vault.unlocked_secret(context.data_dir)
    for profile in vault.profiles(context.data_dir):
        trainer = current.get(profile.trainer_id)
        if trainer is not None:
            vault.relabel(context.data_dir, profile.trainer_id, trainer.display_name)
        elif secret is not None and len(vault.profiles(context.data_dir)) > 1:
            vault.remove_pin(context.data_dir, secret, profile.trainer_id)
            log.info("PIN of removed trainer profile %s deleted", profile.trainer_id)


def run_retention(context: AppContext) -> None:
    """Apply the coordinator's retention rule (trainer computers only); never fails loudly."""
    try:
        result = retention.apply_retention(context.store)
    except UserError as error:
        log.warning("retention not applied: %s", error)
        return
    if result.eligible:
        context.announce_change("participant")


def after_start(context: AppContext, window: QWidget, first_run: bool) -> None:
    """Called once the main window is shown."""
    context.window = window
    window.destroyed.connect(lambda *_args: _forget_window(context, window))
    if vault.is_protected(context.data_dir):
        _refresh_sign_in_names(context)
        start_idle_lock(context, window)
    QTimer.singleShot(0, lambda: run_retention(context))
    # After a sync exchange (pages announce it as "anything changed"), new acknowledgements
    # may make names due for removal: apply the rule again.
    context.records_changed.connect(
        lambda entity: QTimer.singleShot(0, lambda: run_retention(context)) if entity == ""
        else None)
    if first_run and not vault.is_protected(context.data_dir):
        QTimer.singleShot(0, lambda: offer_protection(context, window))


def _forget_window(context: AppContext, window: QWidget) -> None:
    if context.window is window:
        context.window = None


def resume_interrupted_set_up(context: AppContext, parent: QWidget | None = None) -> None:
    """After the sign-in at start, before the store opens: finish a PIN set-up that was
    stopped half-way and show the new recovery code (the old one was never seen)."""
    if not protection.interrupted_set_up(context.data_dir):
        return
    # Imported only here: it loads cryptography, which the first frame of every other
    # start must not wait for (this module is imported before it).
    from debc_outreach.sync.keys import seal_key_file

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        done = protection.resume_set_up(context.data_dir)
        seal_key_file(context.data_dir)
    except UserError as error:
        QApplication.restoreOverrideCursor()
        show_user_error(parent, error)
        return
    QApplication.restoreOverrideCursor()
    QMessageBox.information(
        parent, _("PIN protection finished"),
        _("The set-up of PIN protection on this computer had been interrupted. It is "
          "finished now: the records and the device keys are encrypted and checked. The "
          "recovery code made then was never shown, so it no longer works: write down the "
          "new one."))
    RecoveryCodeDialog(done.recovery_code, parent).exec()
    protection.finish_set_up(context.data_dir)


def offer_protection(context: AppContext, parent: QWidget) -> None:
    answer = QMessageBox.question(
        parent, _("Protect this computer?"),
        _("The records hold names, villages, phone numbers and disability status of "
          "vulnerable people. Protect them with a PIN, so that a lost or shared computer "
          "does not reveal them? (Recommended. You can also do it later in Settings.)"))
    if answer == QMessageBox.StandardButton.Yes:
        set_up_protection(context, parent)
