"""The QR on the rendered certificate PDF decodes to the signed code; `cert verify` exit codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from debc_outreach.storage import attendance, participants, sessions
from debc_outreach.storage.store import Store
from debc_outreach.sync import statements, trust

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


@pytest.fixture(autouse=True)
def _application(qapp):
    """A QApplication first, so rendering and reading pictures do not make a bare GUI one."""
    return qapp


def _certificate(data_dir: Path, tmp_path: Path, run_cli, programme: bool = True) -> Path:
    with Store.open(data_dir) as store:
        if programme:
            trust.create_programme(store, "Kampot 2026")
        session = sessions.create(store, "2026-03-08", "07010101",
                                  ["check-before-sharing", "verify-digital-documents"])
        person = participants.add_participant(store, "ស៊ុន ស្រីនាង", sex="F", consent="yes")
        attendance.check_in(store, session.id, person.id)
    path = tmp_path / "certificate.pdf"
    code, _out, err = run_cli("export", "certificate", person.id, "-o", str(path),
                              "--lang", "km")
    assert code == 0, err
    return path


def _page_image(pdf: Path, dpi: int = 150) -> Path:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf),
                    str(pdf.with_suffix(""))], check=True)
    return pdf.with_suffix(".png")


def test_qr_decoded_from_the_rendered_pdf_page_is_the_signed_code(data_dir, tmp_path, run_cli):
    from debc_outreach.reports.pdf.qr import read_codes

    pdf = _certificate(data_dir, tmp_path, run_cli)
    with Store.open(data_dir) as store:
        (cert_id, code), = store.database.query("SELECT id, code FROM issued_certificate")
        verdict = statements.verify(store, code)
    assert verdict.genuine and verdict.statement.name == "ស៊ុន ស្រីនាង"
    assert verdict.statement.modules == ("check-before-sharing", "verify-digital-documents")
    assert verdict.statement.place == "07010101" and verdict.statement.date == "2026-03-08"
    assert read_codes(_page_image(pdf)) == [code]
    # a photo taken a little crooked, at phone-like resolution, as JPEG
    from PySide6.QtCore import Qt as QtCore
    from PySide6.QtGui import QImage, QTransform

    page = QImage(str(pdf.with_suffix(".png")))
    photo = page.transformed(QTransform().rotate(9), QtCore.TransformationMode.SmoothTransformation)
    photo.save(str(tmp_path / "photo.jpg"), "JPEG", 80)
    assert read_codes(tmp_path / "photo.jpg") == [code]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    assert "-".join([cert_id[:4], cert_id[4:8]]) in text       # the short code is printed

    exit_code, _out, err = run_cli("cert", "verify", str(pdf))
    assert exit_code == 1 and "is a PDF" in err
    exit_code, out, _err = run_cli("cert", "verify", str(pdf.with_suffix(".png")))
    assert exit_code == 0 and out.startswith("Genuine") and "ស៊ុន ស្រីនាង" in out
    short = statements.codec.short_code(cert_id)
    assert run_cli("cert", "verify", short)[0] == 0


def test_cli_verify_says_why_a_code_is_not_genuine(data_dir, tmp_path, run_cli):
    _certificate(data_dir, tmp_path, run_cli)
    with Store.open(data_dir) as store:
        code = store.database.scalar("SELECT code FROM issued_certificate")
    broken = code[:100] + ("A" if code[100] != "A" else "B") + code[101:]
    for text, first_line in ((broken, "Altered"), (code[:-5], "Cannot be read"),
                             ("https://example.com/cert", "Not a certificate code"),
                             ("ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZ", "Unknown code")):
        exit_code, out, err = run_cli("cert", "verify", text)
        assert exit_code == 1 and out.startswith(first_line), (text[:30], out, err)
        assert "Traceback" not in out + err
    exit_code, out, _err = run_cli("cert", "verify", code, "--json")
    assert exit_code == 0 and '"verdict": "genuine"' in out


def test_cli_revoke_then_verify(data_dir, tmp_path, run_cli):
    _certificate(data_dir, tmp_path, run_cli)
    with Store.open(data_dir) as store:
        cert_id, code = store.database.query("SELECT id, code FROM issued_certificate")[0]
    assert run_cli("cert", "revoke", statements.codec.short_code(cert_id))[0] == 0
    exit_code, out, _err = run_cli("cert", "verify", code)
    assert exit_code == 1 and out.startswith("Withdrawn certificate")
    exit_code, _out, err = run_cli("cert", "revoke", "not-a-code")
    assert exit_code == 1 and "not a certificate code" in err


def test_picture_without_a_qr_and_a_file_that_is_no_picture(data_dir, tmp_path, run_cli):
    pdf = _certificate(data_dir, tmp_path, run_cli, programme=False)
    with Store.open(data_dir) as store:                  # outside a programme: no QR
        assert store.database.scalar("SELECT count(*) FROM issued_certificate") == 0
    exit_code, out, _err = run_cli("cert", "verify", str(_page_image(pdf)))
    assert exit_code == 1 and "No QR code was found" in out
    fake = tmp_path / "photo.jpg"
    fake.write_text("not a picture")
    exit_code, _out, err = run_cli("cert", "verify", str(fake))
    assert exit_code == 1 and "not a picture" in err
