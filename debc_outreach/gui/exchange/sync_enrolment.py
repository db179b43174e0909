"""The Sync page's enrolment actions: create a programme, ask to join, approve, show
the enrolment QR code, accept, revoke.

`Enrolment` is held by `SyncPage` (gui/exchange/sync_page.py) as `page.enrolment`.
Its contract: it is given the app context, the widget its dialogs open over, a
way to ask which device is selected in the page's list, and a way to redraw the
page. Every change to the records goes through `run_change` (entity "trust"),
so the page refreshes from that announcement; `show_state()` is called only
for what is not a record (the enrolment request just written, shown by
`request_note()`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from debc_outreach.gui.changes import attempt, run_change
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.exchange.enrolment_qr import JoinWithCodeDialog, offer_qr_code, show_qr_code
from debc_outreach.i18n import _
from debc_outreach.storage.store import Store
from debc_outreach.sync import trust

JSON_FILTER = "JSON (*.json)"
ENTITY = "trust"        # what a change here announces: programme, devices, certificates


class Enrolment:
    """What a coordinator and a trainer do once to set up sync between them."""

    def __init__(self, context: AppContext, parent: QWidget,
                 selected_device: Callable[[], str | None], show_state: Callable[[], None]):
        self.context = context
        self.parent = parent
        self.selected_device = selected_device
        self.show_state = show_state
        # The enrolment request written from this page, until the certificate is accepted:
        # the page keeps saying where it is and what comes next (in the current language).
        self.written_request: Path | None = None

    @property
    def store(self) -> Store:
        return self.context.store

    def _change(self, change: Callable[[], object]):
        return run_change(self.context, self.parent, ENTITY, change)

    def create_programme(self, name: str | None = None) -> bool:
        if name is None:
            name, ok = QInputDialog.getText(self.parent, _("Create a programme"),
                                            _("Name of the programme:"))
            if not ok:
                return False
        return bool(self._change(lambda: trust.create_programme(self.store, name)))

    def write_request(self, path: Path | None = None, label: str | None = None) -> bool:
        """Trainer: write an enrolment request under a name the coordinator will recognise.

        `label` None proposes "<current trainer> — <computer>" (asked for when `path`
        is None too, i.e. when the trainer clicked the button)."""
        default = trust.default_device_label(self.store, self.context.settings.current_trainer_id)
        if label is None and path is None:
            label, ok = QInputDialog.getText(
                self.parent, _("Write an enrolment request"),
                _("Name the coordinator will see for this computer (your name and the "
                  "laptop's, so two laptops are not mixed up):"), QLineEdit.EchoMode.Normal,
                default)
            if not ok:
                return False
        done = self._change(
            lambda: trust.enrol_request(self.store, default if label is None else label))
        if not done:
            return False
        request = done.value
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self.parent, _("Write an enrolment request"),
                str(Path.home() / "enrolment-request.json"), JSON_FILTER)
            if not chosen:
                return False
            path = Path(chosen)
        if not self._write_json(path, request):
            return False
        self.written_request = path
        self.show_state()
        return True

    def request_note(self) -> str:
        """Where the enrolment request was saved and what to do with it ("" before)."""
        if self.written_request is None:
            return ""
        return _("Enrolment request saved as {path}. Give this file to your coordinator; "
                 "when the certificate comes back, use \"Accept a certificate…\" or \"Join "
                 "with a QR code…\".").format(path=self.written_request)

    def accept_certificate(self, path: Path | None = None) -> bool:
        if path is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self.parent, _("Accept a certificate"), str(Path.home()), JSON_FILTER)
            if not chosen:
                return False
            path = Path(chosen)
        return bool(self._change(lambda: trust.accept_enrolment(
            self.store, trust.read_json_file(path, _("certificate")))))

    def join_with_code(self) -> bool:
        """Trainer: join with the QR code on the coordinator's screen (photo, scanner, paste)."""
        dialog = JoinWithCodeDialog(self.store, self.parent)
        joined = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if joined:
            self.context.announce_change(ENTITY)       # the dialog accepted the certificate
        return joined

    def approve_request(self, request: Path | None = None, scope: str | None = None,
                        target: Path | None = None, show_qr: bool | None = None) -> bool:
        """Coordinator: sign a certificate for a request; save it and/or show it as a QR code.

        `show_qr` None asks the coordinator after saving."""
        if request is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self.parent, _("Approve a device"), str(Path.home()), JSON_FILTER)
            if not chosen:
                return False
            request = Path(chosen)
        if scope is None:
            scope, ok = QInputDialog.getText(
                self.parent, _("Approve a device"),
                _("Province or district codes this device may receive (for example 07 or "
                  "0701):"))
            if not ok:
                return False
        done = self._change(lambda: trust.approve_enrolment(
            self.store, trust.read_json_file(request, _("enrolment request")), [scope]))
        if not done:
            return False
        document = done.value
        if target is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self.parent, _("Save the certificate"), str(request.with_name("certificate.json")),
                JSON_FILTER)
            target = Path(chosen) if chosen else None
        if target is not None and not self._write_json(target, document):
            target = None
        if show_qr is None:
            show_qr = offer_qr_code(self.parent, document, target)
        if show_qr:
            show_qr_code(self.parent, document)
        return True

    def show_enrolment_qr(self, device_id: str | None = None) -> bool:
        """Coordinator: show an approved trainer device's enrolment QR code again."""
        device_id = device_id or self.selected_device()
        if device_id is None:
            return False
        done = attempt(self.parent, lambda: trust.enrolment_document(self.store, device_id))
        if not done:
            return False
        show_qr_code(self.parent, done.value)
        return True

    def revoke_selected(self) -> None:
        device_id = self.selected_device()
        if device_id is None:
            return
        answer = QMessageBox.question(
            self.parent, _("Revoke device"),
            _("Refuse every new bundle from this device, on every computer of the programme? "
              "Records it sent before stay."))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._change(lambda: trust.revoke_device(self.store, device_id))

    def _write_json(self, path: Path, document: dict) -> bool:
        return bool(attempt(self.parent, lambda: trust.write_json_file(path, document)))
