"""Modules → Sign a pack… (coordinator): check, sign and zip a module pack folder, then
offer to use it here too, so it reaches the trainers' computers with the next syncs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from debc_outreach.content import signing
from debc_outreach.gui.changes import attempt
from debc_outreach.i18n import _
from debc_outreach.sync import trust


def can_sign(store) -> bool:
    """Whether this computer signs packs for its programme (it is the coordinator's)."""
    return trust.is_coordinator(store)


def choose_and_sign(page) -> object | None:
    """Ask for the pack folder and the .zip to write, then sign in the background."""
    folder = QFileDialog.getExistingDirectory(page, _("Choose the module pack folder to sign"),
                                              str(Path.home()))
    if not folder:
        return None
    target, _filter = QFileDialog.getSaveFileName(
        page, _("Save the signed module pack"), str(Path(folder).with_suffix(".zip")),
        _("Module pack (*.zip)"))
    if not target:
        return None
    return sign_pack(page, Path(folder), Path(target))


def sign_pack(page, folder: Path, target: Path):
    """Sign `folder` into `target` with the coordinator's key; returns the task."""
    from debc_outreach.gui.tasks import Task

    done = attempt(page, lambda: trust.coordinator_signing_key(page.context.store))
    if not done:
        return None
    key, signer = done.value
    task = Task(page, _("Signing the module pack…"),
                lambda _progress: signing.sign_checked(folder, key, signer, target))
    task.succeeded.connect(lambda _result: offer_to_use(page, target))
    task.start()
    return task


def offer_to_use(page: QWidget, target: Path) -> None:
    answer = QMessageBox.question(
        page, _("Module pack signed"),
        _("The signed pack is in {path}. Trainers can import it.\n\nUse it on this computer "
          "too? Then it also reaches the trainers' computers with your next syncs.")
        .format(path=target))
    if answer == QMessageBox.StandardButton.Yes:
        page.import_pack(target)
