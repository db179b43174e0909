"""Settings → Restore a backup…: choose a backup, confirm, rebuild in the background, swap.

The records are rebuilt from the backup and checked while the window stays
open (a progress dialog with Cancel); only a copy that passed the check
replaces the live one, and what was on the computer before is kept in the
backups folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error
from debc_outreach.gui.tasks import Task
from debc_outreach.i18n import _
from debc_outreach.settings import load_settings


def choose_and_restore(context: AppContext, parent: QWidget) -> None:
    """Ask for the backup and confirmation, then restore it (see the module's text)."""
    from debc_outreach.sync import restore

    runner = getattr(context.window, "daily_backup", None)
    if runner is not None and runner.running:
        show_user_error(parent, _("Today's backup is being written. Wait until it is "
                                  "finished (see the Home page), then restore."))
        return
    path, _filter = QFileDialog.getOpenFileName(
        parent, _("Restore a backup"), str(context.store.backup_dir),
        _("DEBC Outreach backups (*.debc-backup *.sqlite)"))
    if not path:
        return
    answer = QMessageBox.question(
        parent, _("Restore a backup"),
        _("Replace the records on this computer with those in {name}? The records are "
          "rebuilt from the backup and checked first; what is on this computer now is kept "
          "in the backups folder.").format(name=Path(path).name))
    if answer != QMessageBox.StandardButton.Yes:
        return
    pin = ""
    try:
        if restore.needs_pin(context.data_dir, Path(path)):
            pin, ok = QInputDialog.getText(
                parent, _("Restore a backup"),
                _("This backup was protected with other PINs. Give a PIN used on the "
                  "computer it was made on, or its recovery code:"),
                QLineEdit.EchoMode.Password)
            if not ok or not pin:
                return
    except restore.RestoreError as error:
        show_user_error(parent, error)
        return
    except Exception as error:  # noqa: BLE001 - a refused file is said in one line
        show_user_error(parent, str(error))
        return

    def work(progress):
        return restore.prepare_restore(context.data_dir, Path(path), pin,
                                       progress.report, lambda: progress.cancelled)

    task = Task(parent, _("Rebuilding the records from the backup…"), work)
    task.succeeded.connect(lambda prepared: _swap_in(context, parent, prepared))
    task.start()


def _swap_in(context: AppContext, parent: QWidget, prepared) -> None:
    """On the GUI thread: close the live database, swap the checked copy in, reopen."""
    from debc_outreach import i18n
    from debc_outreach.errors import UserError
    from debc_outreach.sync.restore import finish_restore

    if prepared is None:                       # cancelled: nothing was changed
        return
    store = context.store
    store.database.close()
    try:
        result = finish_restore(context.data_dir, prepared)
    except UserError as error:
        store.reopen()
        show_user_error(parent, error)
        return
    store.reopen()
    restored = load_settings(context.data_dir)
    restored.language = context.settings.language
    context.settings = restored
    context.save()
    context.settings_changed.emit()
    context.announce_change("")
    QMessageBox.information(
        parent, _("Restore a backup"),
        _("Restored {events} events; every table was rebuilt and checked. What was on "
          "this computer before is kept in {kept}.").format(
            events=i18n.format_number(result.events), kept=result.kept))
