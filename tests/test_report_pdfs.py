"""PDF sheets, certificate and summary: Khmer font embedded, pages not blank, privacy kept."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from support.reports_data import demo_programme

from debc_outreach.reports.exports import ExportRequest, Who, run_export
from debc_outreach.reports.filters import ReportFilter

pytestmark = pytest.mark.skipif(not shutil.which("pdffonts") or not shutil.which("pdftoppm"),
                                reason="poppler-utils is not installed (see .ci/apt-packages)")


@pytest.fixture
def programme(store):
    demo_programme(store, participants=150, sessions=8)
    return store


def _pdf(store, path, kind, target_id="", filt=None, lang="km"):
    request = ExportRequest(kind, "pdf", path, filt or ReportFilter(), lang,
                            target_id=target_id)
    return run_export(store.database, request, Who(store.device_id))


def _fonts(path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                          check=True).stdout


def _ink(path, tmp_path) -> list[float]:
    """Share of non-white pixels on each rendered page."""
    from PySide6.QtGui import QImage

    prefix = tmp_path / path.stem
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(path), str(prefix)], check=True)
    shares = []
    for png in sorted(tmp_path.glob(f"{path.stem}-*.png")):
        image = QImage(str(png))
        dark = sum(1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
                   if image.pixelColor(x, y).lightness() < 200)
        shares.append(dark / ((image.height() // 2) * (image.width() // 2)))
    return shares


def _khmer_font_embedded(path) -> bool:
    return any("NotoSansKhmer" in line and " yes " in line
               for line in _fonts(path).splitlines())


def _session_with_people(store) -> str:
    return store.database.scalar("SELECT session_id FROM attendance GROUP BY session_id "
                                 "ORDER BY count(*) DESC LIMIT 1")


def test_attendance_sheet_embeds_khmer_and_names_only_consenting_people(programme, tmp_path,
                                                                        qapp):
    session_id = _session_with_people(programme)
    path = tmp_path / "sheet.pdf"
    result = _pdf(programme, path, "attendance-sheet", session_id)
    assert _khmer_font_embedded(path)
    assert all(share > 0.01 for share in _ink(path, tmp_path))
    consent = programme.database.query(
        "SELECT p.consent FROM attendance a JOIN participant p ON p.id = a.participant_id "
        "WHERE a.session_id = ? AND a.present = 1", (session_id,))
    assert result.named == sum(1 for r in consent if r[0] == "yes")
    assert result.unnamed == len(consent) - result.named


def test_sign_in_sheet_for_a_planned_session(programme, tmp_path, qapp):
    from debc_outreach.storage import sessions

    planned = sessions.create(programme, "2026-07-15", "12010101", ["check-before-sharing"])
    path = tmp_path / "sign-in.pdf"
    _pdf(programme, path, "sign-in-sheet", planned.id)
    assert _khmer_font_embedded(path)
    assert _ink(path, tmp_path)[0] > 0.01


def test_certificate_is_one_page_with_khmer_name(programme, tmp_path, qapp):
    from debc_outreach.reports import certificates, lookup

    person = programme.database.scalar(
        "SELECT a.participant_id FROM attendance a JOIN participant p ON p.id = "
        "a.participant_id WHERE p.consent = 'yes' AND p.display_name GLOB '*[^ -~]*' "
        "GROUP BY a.participant_id ORDER BY count(*) DESC LIMIT 1")
    data = certificates.certificate_data(programme.database, person, lookup.catalog(None),
                                         "km")
    assert data.sessions >= 1 and data.modules and data.place
    path = tmp_path / "certificate.pdf"
    _pdf(programme, path, "certificate", person)
    assert _khmer_font_embedded(path)
    assert len(_ink(path, tmp_path)) == 1
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          text=True).stdout
    assert data.name.split()[0] in text


def test_certificate_shows_a_latin_spelling_typed_with_the_name():
    from debc_outreach.reports.certificates import _latin_part

    assert _latin_part("សុខ ដារ៉ា Sok Dara") == "Sok Dara"
    assert _latin_part("Sok Dara") == ""
    assert _latin_part("សុខ ដារ៉ា") == ""


def test_summary_pdf_has_charts_and_the_khmer_font(programme, tmp_path, qapp):
    path = tmp_path / "summary.pdf"
    result = _pdf(programme, path, "summary")
    assert result.rows > 0
    assert _khmer_font_embedded(path)
    ink = _ink(path, tmp_path)
    assert len(ink) >= 2 and all(share > 0.005 for share in ink)


@pytest.mark.parametrize("kind", ["sessions", "participants", "attendance"])
def test_list_pdfs_are_written(programme, tmp_path, kind, qapp):
    path = tmp_path / f"{kind}.pdf"
    _pdf(programme, path, kind, lang="en")
    assert _khmer_font_embedded(path)
    assert _ink(path, tmp_path)[0] > 0.005


def test_cli_writes_a_certificate_without_a_display(tmp_path):
    from debc_outreach.storage import attendance, participants, sessions
    from debc_outreach.storage.store import Store

    with Store.open(tmp_path / "data") as store:
        session = sessions.create(store, "2026-03-08", "12010101", ["check-before-sharing"])
        person = participants.add_participant(store, "ស៊ុន ស្រីនាង", sex="F", consent="yes")
        attendance.check_in(store, session.id, person.id)
    path = tmp_path / "c.pdf"
    from debc_outreach.cli import main

    code = main(["--data-dir", str(tmp_path / "data"), "--lang", "en", "export",
                 "certificate", person.id, "-o", str(path), "--lang", "km"])
    assert code == 0 and _khmer_font_embedded(path)
