"""Showing an approved trainer device's enrolment QR code again, without approving it again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support.sync_devices import open_device

from debc_outreach.errors import UserError
from debc_outreach.gui.exchange import enrolment_qr
from debc_outreach.reports.pdf.qr import read_codes
from debc_outreach.sync import enrolment_codec, trust
from tests.conftest import cli_in as _cli

SHOTS = os.environ.get("DEBC_SCREENSHOTS")     # a folder: save screenshots there
PROGRAMME = "អក្ខរកម្មឌីជីថល កំពត ២០២៦"
TRAINER = "សុខ ដារ៉ា — កុំព្យូទ័រយួរដៃ"


@pytest.fixture
def programme(tmp_path):
    """A coordinator and a trainer computer it approved (the trainer has not joined yet)."""
    coordinator = open_device(tmp_path / "coordinator", "office")
    trust.create_programme(coordinator, PROGRAMME)
    trainer = open_device(tmp_path / "trainer", "laptop")
    approved = trust.approve_enrolment(coordinator, trust.enrol_request(trainer, TRAINER),
                                       ["0701", "0702"])
    yield coordinator, trainer, approved
    coordinator.close()
    trainer.close()


def _enrolled(coordinator, folder: Path, name: str, days: int = trust.DEVICE_DAYS) -> str:
    device = open_device(folder, name)
    try:
        document = trust.approve_enrolment(coordinator, trust.enrol_request(device, name),
                                           ["07"], days)
    finally:
        device.close()
    return document["certificate"]["body"]["device_id"]


def test_the_trainer_joins_with_the_code_shown_again(programme):
    coordinator, trainer, approved = programme
    again = trust.enrolment_document(coordinator, trainer.device_id)
    assert again["programme"] == approved["programme"]
    assert again["certificate"] == approved["certificate"]          # not a new certificate
    assert again == approved
    cert = trust.accept_enrolment(trainer, trust.enrolment_from_code(
        enrolment_codec.encode(again)))
    assert cert.signed == approved["certificate"] and cert.scope == ("0701", "0702")
    assert trust.programme(trainer).name == PROGRAMME


def test_nothing_is_shown_again_for_unknown_revoked_expired_or_coordinator_devices(
        programme, tmp_path):
    coordinator, trainer, _approved = programme
    expired = _enrolled(coordinator, tmp_path / "old", "old laptop", days=0)
    revoked = _enrolled(coordinator, tmp_path / "lost", "lost laptop")
    trust.revoke_device(coordinator, revoked)
    with pytest.raises(UserError, match="No enrolled device has the id nobody"):
        trust.enrolment_document(coordinator, "nobody")
    with pytest.raises(UserError, match="lost laptop is revoked"):
        trust.enrolment_document(coordinator, revoked)
    with pytest.raises(UserError, match="certificate of old laptop has expired"):
        trust.enrolment_document(coordinator, expired)
    with pytest.raises(UserError, match="coordinator's own computer"):
        trust.enrolment_document(coordinator, coordinator.device_id)
    trust.accept_enrolment(trainer, trust.enrolment_document(coordinator, trainer.device_id))
    with pytest.raises(UserError, match="Only the programme's coordinator"):
        trust.enrolment_document(trainer, trainer.device_id)


def test_command_line_writes_the_certificate_and_qr_code_again(tmp_path, capsys):
    coordinator, trainer, lost = (tmp_path / name for name in ("coord", "trainer", "lost"))
    assert _cli(capsys, coordinator, "sync", "programme", "create", PROGRAMME)[0] == 0
    for device in (trainer, lost):
        request = tmp_path / f"{device.name}.request"
        assert _cli(capsys, device, "sync", "enrol-request", "-o", str(request))[0] == 0
        assert _cli(capsys, coordinator, "sync", "enrol-approve", str(request), "--scope", "07",
                    "-o", str(tmp_path / f"{device.name}.first"))[0] == 0
    ids = {device.name: json.loads(_cli(capsys, device, "sync", "identity", "--json")[1])
           ["device_id"] for device in (coordinator, trainer, lost)}
    code, out, err = _cli(capsys, coordinator, "sync", "enrol-show", ids["trainer"],
                          "--qr", str(tmp_path / "again.png"), "-o", str(tmp_path / "again.cert"))
    assert code == 0, err
    assert f"QR code written to {tmp_path / 'again.png'}" in out and "again.cert" in out
    first = json.loads((tmp_path / "trainer.first").read_text(encoding="utf-8"))
    again = json.loads((tmp_path / "again.cert").read_text(encoding="utf-8"))
    assert again["certificate"] == first["certificate"]
    assert enrolment_codec.decode(read_codes(tmp_path / "again.png")[0])["certificate"] == \
        first["certificate"]
    code, out, err = _cli(capsys, trainer, "sync", "enrol-accept", str(tmp_path / "again.png"))
    assert code == 0, err
    assert PROGRAMME in out
    # Refusals: one clear line each, nothing written.
    assert _cli(capsys, coordinator, "sync", "revoke", ids["lost"])[0] == 0
    for device, expected in ((ids["lost"], "revoked"), ("0123abcd", "No enrolled device"),
                             (ids["coord"], "coordinator's own computer")):
        code, out, err = _cli(capsys, coordinator, "sync", "enrol-show", device,
                              "--qr", str(tmp_path / "refused.png"))
        assert code == 1 and expected in err and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
    code, out, err = _cli(capsys, coordinator, "sync", "enrol-show", ids["trainer"])
    assert code == 1 and "--qr FILE.png" in err
    code, out, err = _cli(capsys, trainer, "sync", "enrol-show", ids["trainer"], "-o",
                          str(tmp_path / "refused.cert"))
    assert code == 1 and "Only the programme's coordinator" in err
    assert not list(tmp_path.glob("refused*"))


def test_command_line_refuses_an_expired_device(programme, tmp_path, capsys, monkeypatch):
    coordinator, trainer, _approved = programme
    monkeypatch.setattr(trust, "now_utc", lambda: trust.dt.datetime(2100, 1, 1,
                                                                   tzinfo=trust.dt.UTC))
    folder = coordinator.data_dir
    coordinator.close()
    code, out, err = _cli(capsys, folder, "sync", "enrol-show", trainer.device_id,
                          "-o", str(tmp_path / "refused.cert"))
    assert code == 1 and "has expired" in err and not (tmp_path / "refused.cert").exists()


# --- the Sync page ----------------------------------------------------------------------

def _select(page, device_id: str) -> None:
    for row in range(page.peers.rowCount()):
        if page.peers.item(row, 0).data(Qt.ItemDataRole.UserRole) == device_id:
            page.peers.selectRow(row)
            return
    raise AssertionError(f"{device_id} not listed")


def _shot(widget, name: str) -> None:
    if SHOTS:
        QApplication.processEvents()
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def test_coordinator_shows_the_qr_code_again_from_the_devices_list(
        main_window, qtbot, tmp_path, monkeypatch):
    page = main_window.page("sync")
    assert page.enrolment.create_programme(PROGRAMME)
    store = main_window.context.store
    trainer = open_device(tmp_path / "trainer", "laptop")
    try:
        approved = trust.approve_enrolment(store, trust.enrol_request(trainer, TRAINER), ["07"])
        expired = _enrolled(store, tmp_path / "old", "old laptop", days=0)
        revoked = _enrolled(store, tmp_path / "lost", "lost laptop")
        trust.revoke_device(store, revoked)
        page.refresh()
        assert page.show_qr_button.isVisible() and not page.show_qr_button.isEnabled()
        for device, why in ((revoked, "revoked"), (expired, "expired")):
            _select(page, device)
            assert not page.show_qr_button.isEnabled()
            assert why in page.show_qr_button.toolTip()
        _select(page, trainer.device_id)
        assert page.show_qr_button.isEnabled()
        for language in ("km", "en"):
            main_window.context.set_language(language)
            assert page.show_qr_button.isEnabled()
            _shot(main_window, f"sync-show-qr-{language}")
            # The button is shown whole beside the Devices heading at 1366 x 768.
            assert page.show_qr_button.width() >= page.show_qr_button.sizeHint().width()
            assert page.show_qr_button.geometry().right() <= page.width()
        shown = []

        def look(dialog):
            dialog.show()
            qtbot.waitExposed(dialog)
            shown.append((dialog.code, dialog.device_label.text()))
            return 0

        monkeypatch.setattr(enrolment_qr.EnrolmentQrDialog, "exec", look)
        qtbot.mouseClick(page.show_qr_button, Qt.MouseButton.LeftButton)
        assert len(shown) == 1 and shown[0][1] == TRAINER
        document = trust.enrolment_from_code(shown[0][0])
        assert document["certificate"] == approved["certificate"]
        trust.accept_enrolment(trainer, document)
        assert trust.programme(trainer).name == PROGRAMME
        # Showing it again approved nothing: the device list is as it was.
        assert page.peers.rowCount() == 3
    finally:
        trainer.close()


def test_a_trainer_computer_has_no_enrolment_qr_code_to_show(main_window, tmp_path):
    page = main_window.page("sync")
    coordinator = open_device(tmp_path / "coordinator", "office")
    try:
        trust.create_programme(coordinator, PROGRAMME)
        store = main_window.context.store
        trust.accept_enrolment(store, trust.approve_enrolment(
            coordinator, trust.enrol_request(store), ["07"]))
    finally:
        coordinator.close()
    page.refresh()
    assert page.peers.rowCount() == 1
    page.peers.selectRow(0)
    assert not page.show_qr_button.isVisible() and not page.show_qr_button.isEnabled()
    assert page.send_button.isVisible()
