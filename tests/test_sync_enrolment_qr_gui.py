"""Enrolment by QR code in the app: the coordinator shows it, the trainer's computer reads it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from support.sync_devices import make_programme, open_device

from debc_outreach.gui.exchange import enrolment_qr, sync_page
from debc_outreach.reports.pdf.qr import read_codes, save_qr_png
from debc_outreach.sync import enrolment_codec, trust

SHOTS = os.environ.get("DEBC_SCREENSHOTS")     # a folder: save screenshots there
TRAINER = "កុំព្យូទ័រយួរដៃ សុខ ដារ៉ា"


def _shot(widget, name: str) -> None:
    if SHOTS:
        QApplication.processEvents()
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def _press_show_qr(box: QMessageBox) -> int:
    """Answer the "Device approved" box with its "Show as QR code" button."""
    show = next(button for button in box.buttons()
                if box.buttonRole(button) == QMessageBox.ButtonRole.AcceptRole)
    show.click()
    return 0


@pytest.fixture
def coordinator_page(main_window):
    page = main_window.page("sync")
    assert page.enrolment.create_programme("អក្ខរកម្មឌីជីថល កំពត ២០២៦")
    return page


@pytest.fixture
def trainer_device(tmp_path):
    device = open_device(tmp_path / "trainer", TRAINER)
    yield device
    device.close()


@pytest.fixture
def coordinator_device(tmp_path):
    coordinator, _trainers = make_programme(tmp_path / "programme", trainers=0)
    yield coordinator
    coordinator.close()


def test_coordinator_approves_then_shows_a_qr_code_the_trainers_computer_reads(
        coordinator_page, trainer_device, qtbot, tmp_path, monkeypatch):
    request = tmp_path / "request.json"
    request.write_text(json.dumps(trust.enrol_request(trainer_device)), encoding="utf-8")
    offered, seen = [], {}
    monkeypatch.setattr(enrolment_qr.QMessageBox, "exec",
                        lambda box: offered.append(box.text()) or _press_show_qr(box))

    def look(dialog):
        dialog.resize(1280, 720)                 # as it opens on a 1366 x 768 screen
        dialog.show()
        qtbot.waitExposed(dialog)
        picture = tmp_path / "screen.png"
        dialog.qr.grab().save(str(picture))                  # what a camera would see
        seen.update(codes=read_codes(picture), code=dialog.code,
                    text=dialog.code_box.toPlainText(), device=dialog.device_label.text(),
                    area=dialog.area_label.text(), px=dialog.qr.module_px())
        _shot(dialog, "enrolment-qr-en")
        dialog.copy_code()
        return 0

    monkeypatch.setattr(enrolment_qr.EnrolmentQrDialog, "exec", look)
    target = tmp_path / "cert.json"
    assert coordinator_page.enrolment.approve_request(request, "0701, 0702,0703", target)
    assert "saved in" in offered[0] and str(target) in offered[0]
    assert seen["codes"] == [seen["code"]] and seen["text"] == seen["code"]
    assert QApplication.clipboard().text() == seen["code"]
    assert seen["device"] == TRAINER and seen["area"] == "Kampot: Angkor Chey, Banteay Meas, Chhuk"
    assert seen["px"] >= 6                          # large enough for a camera
    assert enrolment_codec.decode(seen["code"])["certificate"] == \
        json.loads(target.read_text(encoding="utf-8"))["certificate"]
    # The trainer's computer joins with the picture of the screen.
    dialog = enrolment_qr.JoinWithCodeDialog(trainer_device)
    assert dialog.open_picture(tmp_path / "screen.png")
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert trust.programme(trainer_device).name == "អក្ខរកម្មឌីជីថល កំពត ២០២៦"
    assert dialog.certificate.scope == ("0701", "0702", "0703")
    dialog.deleteLater()


def test_without_saving_a_file_the_coordinator_can_still_show_the_qr_code(
        coordinator_page, trainer_device, tmp_path, monkeypatch):
    request = tmp_path / "request.json"
    request.write_text(json.dumps(trust.enrol_request(trainer_device)), encoding="utf-8")
    offered, shown = [], []
    monkeypatch.setattr(sync_page.QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(enrolment_qr.QMessageBox, "exec",
                        lambda box: offered.append(box.text()) or _press_show_qr(box))
    monkeypatch.setattr(enrolment_qr.EnrolmentQrDialog, "exec",
                        lambda dialog: shown.append(dialog.code) or 0)
    assert coordinator_page.enrolment.approve_request(request, "07")
    assert "not saved" in offered[0] and len(shown) == 1
    assert not list(tmp_path.glob("*.json"))[1:]             # only the request


def test_trainer_joins_from_the_sync_page_with_a_usb_scanner(
        main_window, coordinator_device, qtbot, monkeypatch):
    page = main_window.page("sync")
    store = main_window.context.store
    assert page.join_code_button.isVisible()
    code = enrolment_codec.encode(
        trust.approve_enrolment(coordinator_device, trust.enrol_request(store), ["07"]))

    def scan(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        qtbot.waitUntil(dialog.code_edit.hasFocus)
        qtbot.keyClicks(dialog.code_edit, code[:300])         # the scanner stopped half-way
        qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)
        assert "cut short" in dialog.message.text()
        assert dialog.code_edit.selectedText() == code[:300]   # the next scan replaces it
        qtbot.keyClicks(dialog.code_edit, code)
        qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)
        return dialog.result()

    monkeypatch.setattr(enrolment_qr.JoinWithCodeDialog, "exec", scan)
    assert page.enrolment.join_with_code()
    assert not page.join_box.isVisible()
    assert "Kampot 2026" in page.identity.text() and "area Kampot ·" in page.identity.text()


def test_the_join_dialog_explains_each_problem_in_english_and_khmer(
        app_context, coordinator_device, qtbot, tmp_path, monkeypatch):
    store = app_context.store
    other = open_device(tmp_path / "other", "Laptop 7")
    try:
        for_other = enrolment_codec.encode(
            trust.approve_enrolment(coordinator_device, trust.enrol_request(other), ["07"]))
    finally:
        other.close()
    code = enrolment_codec.encode(
        trust.approve_enrolment(coordinator_device, trust.enrol_request(store), ["07"]))
    blank = tmp_path / "no-qr.png"
    save_qr_png("https://example.org", blank)
    (tmp_path / "no-qr-at-all.png").write_bytes(_white_png(tmp_path))
    changed = code[:100] + ("A" if code[100] != "A" else "B") + code[101:]
    for language in ("en", "km"):
        app_context.set_language(language)
        dialog = enrolment_qr.JoinWithCodeDialog(store)
        dialog.show()
        qtbot.waitExposed(dialog)
        messages = {}
        assert not dialog.open_picture(tmp_path / "no-qr-at-all.png")
        messages["no qr"] = dialog.message.text()
        assert not dialog.open_picture(blank)
        messages["not ours"] = dialog.message.text()
        assert not dialog.join_with_text(changed)
        messages["changed"] = dialog.message.text()
        assert not dialog.join_with_text(code[:-8])
        messages["cut short"] = dialog.message.text()
        assert not dialog.join_with_text(for_other)
        messages["other computer"] = dialog.message.text()
        _shot(dialog, f"enrolment-join-{language}")
        monkeypatch.setattr(trust, "now_utc", lambda: trust.dt.datetime(2100, 1, 1,
                                                                       tzinfo=trust.dt.UTC))
        assert not dialog.join_with_text(code)
        messages["expired"] = dialog.message.text()
        monkeypatch.undo()
        assert trust.programme(store) is None and dialog.result() == 0
        if language == "en":
            assert "No QR code was found" in messages["no qr"]
            assert "not an enrolment code" in messages["not ours"]
            assert "damaged" in messages["changed"]
            assert "cut short" in messages["cut short"]
            assert "another computer (Laptop 7)" in messages["other computer"]
            assert "expired" in messages["expired"]
            english = messages
        else:
            for key, text in messages.items():
                assert text and text != english[key], key          # translated
            assert "Laptop 7" in messages["other computer"]
        dialog.close()
        dialog.deleteLater()
    app_context.set_language("en")


def _white_png(tmp_path: Path) -> bytes:
    from PySide6.QtGui import QColor, QImage

    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    path = tmp_path / "white.png"
    image.save(str(path))
    return path.read_bytes()


def test_the_qr_dialog_fits_a_1366_by_768_screen_in_khmer(app_context, coordinator_device,
                                                          trainer_device, qtbot):
    document = trust.approve_enrolment(coordinator_device, trust.enrol_request(trainer_device),
                                       ["0701", "0702", "0703"])
    app_context.set_language("km")
    try:
        dialog = enrolment_qr.EnrolmentQrDialog(document)
        dialog.resize(1280, 700)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.minimumSizeHint().width() <= 1366
        assert dialog.minimumSizeHint().height() <= 700
        assert dialog.qr.module_px() >= 5
        assert dialog.qr.symbol_rect().height() <= dialog.qr.height()
        _shot(dialog, "enrolment-qr-km")
        dialog.close()
        dialog.deleteLater()
    finally:
        app_context.set_language("en")
