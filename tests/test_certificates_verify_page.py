"""The Verify page: a USB scanner typing + Enter, a photo of the QR, clear verdicts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from debc_outreach.sync import statements, trust

SHOTS = os.environ.get("DEBC_SCREENSHOTS")     # a folder: save screenshots there


def _shot(widget, name: str) -> None:
    if SHOTS:
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()            # new detail labels are shown by a queued call
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def verify_page(main_window):
    store = main_window.context.store
    trust.create_programme(store, "Kampot 2026")
    page = main_window.page("verify")
    return page


def _issue(store, name="ស៊ុន ស្រីនាង"):
    return statements.issue(store, "p1", name, ["check-before-sharing"],
                            ["check-before-sharing.two-questions"], "2026-03-08", "07010101")


def test_a_usb_scanner_types_the_code_and_enter_checks_it(verify_page, qtbot):
    issued = _issue(verify_page.context.store)
    verify_page.activate()
    assert verify_page.code_edit.hasFocus()
    qtbot.keyClicks(verify_page.code_edit, issued.code)
    qtbot.keyClick(verify_page.code_edit, Qt.Key.Key_Return)
    assert verify_page.verdict.kind == statements.GENUINE
    assert "Genuine" in verify_page.verdict_km.text() + verify_page.verdict_en.text()
    assert "#1B7F3B" in verify_page.banner.styleSheet()
    shown = [verify_page.details_grid.itemAt(i).widget().text()
             for i in range(verify_page.details_grid.count())]
    assert "ស៊ុន ស្រីនាង" in shown and "07010101" in " ".join(shown)
    _shot(verify_page.window(), "verify-genuine-en")
    # the next scan replaces the previous code
    qtbot.keyClicks(verify_page.code_edit, "https://example.com")
    qtbot.keyClick(verify_page.code_edit, Qt.Key.Key_Return)
    assert verify_page.verdict.kind == statements.NOT_CERTIFICATE
    assert verify_page.code_edit.text() == "https://example.com"


def test_altered_and_short_codes_and_khmer(verify_page, qtbot):
    from debc_outreach import i18n

    issued = _issue(verify_page.context.store)
    changed = issued.code[:60] + ("A" if issued.code[60] != "A" else "B") + issued.code[61:]
    assert verify_page.check(changed).kind == statements.ALTERED
    assert "#B3261E" in verify_page.banner.styleSheet()
    _shot(verify_page.window(), "verify-altered-en")
    assert verify_page.check(issued.short.lower()).genuine
    verify_page.context.set_language("km")
    try:
        verify_page.retranslate()
        assert verify_page.verdict.genuine and verify_page.details_grid.count() > 0
        _shot(verify_page.window(), "verify-genuine-km")
    finally:
        verify_page.context.set_language("en")
        i18n.set_language("en")


def test_opening_a_photo_of_the_qr(verify_page, tmp_path):
    import segno

    issued = _issue(verify_page.context.store)
    photo = tmp_path / "photo.png"
    segno.make_qr(issued.code, error="m").save(str(photo), scale=5, border=6)
    assert verify_page.open_image(photo).genuine
    assert verify_page.code_edit.text() == issued.code
    blank = tmp_path / "blank.png"
    segno.make_qr("https://verify.gov.kh/x").save(str(blank), scale=5)
    assert verify_page.open_image(blank).kind == statements.NOT_CERTIFICATE


def test_an_unknown_programme_is_orange_with_the_details(verify_page, tmp_path):
    from debc_outreach.storage.store import Store

    with Store.open(tmp_path / "elsewhere") as other:
        trust.create_programme(other, "Another programme")
        code = _issue(other, "Sok Dara").code
    verdict = verify_page.check(code)
    assert verdict.kind == statements.UNKNOWN_PROGRAMME
    assert "#9A4A00" in verify_page.banner.styleSheet()
    assert "not confirmed" in verify_page.details_heading.text()
    _shot(verify_page.window(), "verify-unknown-en")


def test_participants_page_saves_a_signed_certificate_that_verify_accepts(
        verify_page, main_window, qtbot, tmp_path, monkeypatch):
    from debc_outreach.gui.reporting import export_dialog, export_guard, report_documents
    from debc_outreach.storage import attendance, participants, sessions

    store = main_window.context.store
    session = sessions.create(store, "2026-03-08", "07010101", ["check-before-sharing"])
    person = participants.add_participant(store, "ស៊ុន ស្រីនាង", sex="F", consent="yes")
    attendance.check_in(store, session.id, person.id)
    main_window.context.announce_change("participant")
    target = tmp_path / "certificate.pdf"
    monkeypatch.setattr(report_documents.QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(target), ""))
    monkeypatch.setattr(export_guard, "confirm_named_export", lambda *args: True)
    shown = []
    monkeypatch.setattr(export_dialog.QMessageBox, "information",
                        lambda *args: shown.append(args))
    page = main_window.page("participants")
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.certificate_button.isEnabled())
    assert page._current_id == person.id
    _shot(main_window, "participants-certificate-button")
    page.certificate_button.click()
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    assert target.exists()
    code = store.database.scalar("SELECT code FROM issued_certificate WHERE participant_id = ?",
                                 (person.id,))
    page = main_window.page("verify")
    assert page.check(code).genuine


def test_the_coordinator_withdraws_a_certificate_from_the_verify_page(verify_page,
                                                                      monkeypatch):
    from debc_outreach.gui.reporting import verify_page as module

    issued = _issue(verify_page.context.store)
    assert verify_page.check(issued.code).genuine
    assert verify_page.withdraw_button.isVisible()
    monkeypatch.setattr(module.QMessageBox, "question",
                        lambda *args: module.QMessageBox.StandardButton.No)
    verify_page.withdraw_button.click()
    assert verify_page.verdict.genuine
    monkeypatch.setattr(module.QMessageBox, "question",
                        lambda *args: module.QMessageBox.StandardButton.Yes)
    verify_page.withdraw_button.click()
    assert verify_page.verdict.kind == statements.REVOKED_CERTIFICATE
    assert not verify_page.withdraw_button.isVisible()
    _shot(verify_page.window(), "verify-withdrawn-en")
