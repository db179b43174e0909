"""Showing problems to the user: translated messages, never a raw traceback.

A `UserError` becomes a plain message box. Any other exception that reaches
the event loop is logged with its traceback and shown as "something went
wrong" with a "Copy details" button, so a trainer can send the details to a
coordinator; the app keeps running.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from debc_outreach.errors import UserError
from debc_outreach.i18n import _

log = logging.getLogger(__name__)


def show_user_error(parent: QWidget | None, error: UserError | str, title: str = "") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title or _("DEBC Outreach"), str(error),
                      QMessageBox.StandardButton.Ok, parent)
    box.exec()


def show_unexpected_error(parent: QWidget | None, details: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, _("Something went wrong"),
                      _("DEBC Outreach hit an unexpected problem. Your saved records are safe. "
                        "If it happens again, copy the details and send them to your "
                        "coordinator."), QMessageBox.StandardButton.Close, parent)
    copy = box.addButton(_("Copy details"), QMessageBox.ButtonRole.ActionRole)
    box.setDetailedText(details)
    box.exec()
    if box.clickedButton() is copy:
        QApplication.clipboard().setText(details)


def excepthook(exc_type, exc_value, exc_tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        QApplication.quit()
        return
    if isinstance(exc_value, UserError):
        show_user_error(QApplication.activeWindow(), exc_value)
        return
    import traceback

    details = "".join(traceback.format_exception(exc_type, exc_value, exc_tb))
    log.error("unexpected error\n%s", details)
    show_unexpected_error(QApplication.activeWindow(), details)


def install_excepthook() -> None:
    sys.excepthook = excepthook
