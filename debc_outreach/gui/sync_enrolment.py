"""The Sync page's enrolment actions: create a programme, ask to join, approve, show
the enrolment QR code, accept, revoke.

A mixin of `SyncPage` (gui/sync_page.py), kept apart so each file reads on its own;
it uses the page's `store`, `context`, `refresh()`, `selected_device()` and
`_show_error()`; the page shows `request_note()`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMessageBox

from debc_outreach.errors import UserError
from debc_outreach.gui.enrolment_qr import JoinWithCodeDialog, offer_qr_code, show_qr_code
from debc_outreach.i18n import _
from debc_outreach.sync import trust

JSON_FILTER = "JSON (*.json)"


class EnrolmentActions:
    """What a coordinator and a trainer do once to set up sync between them."""

    # The enrolment request written from this page, until the certificate is accepted:
    # the page keeps saying where it is and what comes next (in the current language).
    written_request: Path | None = None

    def create_programme(self, name: str | None = None) -> bool:
        if name is None:
            name, ok = QInputDialog.getText(self, _("Create a programme"),
                                            _("Name of the programme:"))
            if not ok:
                return False
        try:
            trust.create_programme(self.store, name)
        except UserError as error:
            self._show_error(error)
            return False
        self.refresh()
        return True

    def write_request(self, path: Path | None = None, label: str | None = None) -> bool:
        """Trainer: write an enrolment request under a name the coordinator will recognise.

        `label` None proposes "<current trainer> — <computer>" (asked for when `path`
        is None too, i.e. when the trainer clicked the button)."""
        default = trust.default_device_label(self.store, self.context.settings.current_trainer_id)
        if label is None and path is None:
            label, ok = QInputDialog.getText(
                self, _("Write an enrolment request"),
                _("Name the coordinator will see for this computer (your name and the "
                  "laptop's, so two laptops are not mixed up):"), QLineEdit.EchoMode.Normal,
                default)
            if not ok:
                return False
        try:
            request = trust.enrol_request(self.store, default if label is None else label)
        except UserError as error:
            self._show_error(error)
            return False
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self, _("Write an enrolment request"),
                str(Path.home() / "enrolment-request.json"), JSON_FILTER)
            if not chosen:
                return False
            path = Path(chosen)
        if not self._write_json(path, request):
            return False
        self.written_request = path
        self.refresh()
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
            chosen, _filter = QFileDialog.getOpenFileName(self, _("Accept a certificate"),
                                                          str(Path.home()), JSON_FILTER)
            if not chosen:
                return False
            path = Path(chosen)
        try:
            trust.accept_enrolment(self.store, trust.read_json_file(path, _("certificate")))
        except UserError as error:
            self._show_error(error)
            return False
        self.refresh()
        return True

    def join_with_code(self) -> bool:
        """Trainer: join with the QR code on the coordinator's screen (photo, scanner, paste)."""
        dialog = JoinWithCodeDialog(self.store, self)
        joined = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if joined:
            self.refresh()
        return joined

    def approve_request(self, request: Path | None = None, scope: str | None = None,
                        target: Path | None = None, show_qr: bool | None = None) -> bool:
        """Coordinator: sign a certificate for a request; save it and/or show it as a QR code.

        `show_qr` None asks the coordinator after saving."""
        if request is None:
            chosen, _filter = QFileDialog.getOpenFileName(self, _("Approve a device"),
                                                          str(Path.home()), JSON_FILTER)
            if not chosen:
                return False
            request = Path(chosen)
        if scope is None:
            scope, ok = QInputDialog.getText(
                self, _("Approve a device"),
                _("Province or district codes this device may receive (for example 07 or "
                  "0701):"))
            if not ok:
                return False
        try:
            document = trust.approve_enrolment(
                self.store, trust.read_json_file(request, _("enrolment request")), [scope])
        except UserError as error:
            self._show_error(error)
            return False
        self.refresh()
        if target is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self, _("Save the certificate"), str(request.with_name("certificate.json")),
                JSON_FILTER)
            target = Path(chosen) if chosen else None
        if target is not None and not self._write_json(target, document):
            target = None
        if show_qr is None:
            show_qr = offer_qr_code(self, document, target)
        if show_qr:
            show_qr_code(self, document)
        return True

    def show_enrolment_qr(self, device_id: str | None = None) -> bool:
        """Coordinator: show an approved trainer device's enrolment QR code again."""
        device_id = device_id or self.selected_device()
        if device_id is None:
            return False
        try:
            document = trust.enrolment_document(self.store, device_id)
        except UserError as error:
            self._show_error(error)
            return False
        show_qr_code(self, document)
        return True

    def revoke_selected(self) -> None:
        device_id = self.selected_device()
        if device_id is None:
            return
        answer = QMessageBox.question(
            self, _("Revoke device"),
            _("Refuse every new bundle from this device, on every computer of the programme? "
              "Records it sent before stay."))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            trust.revoke_device(self.store, device_id)
        except UserError as error:
            self._show_error(error)
        self.refresh()

    def _write_json(self, path: Path, document: dict) -> bool:
        try:
            trust.write_json_file(path, document)
        except UserError as error:
            self._show_error(error)
            return False
        return True
