"""Every PDF the app writes carries its real text: pdftotext gives back each name and
each Khmer text run, however it is shaped, and the pages look exactly as before."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from debc_outreach.content import pdf_text
from debc_outreach.reports.exports import ExportRequest, Who, run_export
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.storage import attendance, participants, sessions

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                reason="poppler-utils is not installed (see .ci/apt-packages)")

NAMES = Path(__file__).parent / "data" / "khmer_pdf" / "names.tsv"
VILLAGE = "07010101"


def _names() -> list[str]:
    return [line.split("\t")[0] for line in NAMES.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


def _flat(text: str) -> str:
    return "".join(text.split())


def _extracted(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def runs_written(monkeypatch) -> list[pdf_text.GlyphRun]:
    """The text runs of every PDF written during the test (as labelled)."""
    written: list[pdf_text.GlyphRun] = []
    real = pdf_text.document_runs

    def recording(document):
        runs = real(document)
        written.extend(runs)
        return runs

    monkeypatch.setattr(pdf_text, "document_runs", recording)
    return written


@pytest.fixture
def session_with_names(store) -> tuple[str, list[str]]:
    session = sessions.create(store, "2026-07-15", VILLAGE, ["check-before-sharing"])
    ids = []
    for name in _names():
        person = participants.add_participant(store, name, village_code=VILLAGE,
                                              consent="yes", sex="F")
        attendance.check_in(store, session.id, person.id)
        ids.append(person.id)
    return session.id, ids


def _export(store, path: Path, kind: str, target: str = "", lang: str = "km") -> Path:
    run_export(store.database, ExportRequest(kind, "pdf", path, ReportFilter(), lang,
                                             target_id=target), Who(store.device_id))
    return path


def _assert_every_run_comes_back(path: Path, runs: list[pdf_text.GlyphRun]) -> None:
    text = _flat(_extracted(path))
    # pdftotext joins a word hyphenated at the end of a line (long web addresses).
    missing = [run.text for run in runs if _flat(run.text).rstrip("-") not in text]
    assert not missing, missing


@pytest.mark.parametrize("lang", ["km", "en"])
def test_attendance_and_sign_in_sheets_give_back_every_name(store, session_with_names,
                                                             runs_written, tmp_path, lang, qapp):
    session_id, _ids = session_with_names
    for kind in ("attendance-sheet", "sign-in-sheet"):
        runs_written.clear()
        path = _export(store, tmp_path / f"{kind}.pdf", kind, session_id, lang)
        text = _flat(_extracted(path))
        if kind == "attendance-sheet":
            assert [n for n in _names() if _flat(n) not in text] == []
        assert runs_written
        _assert_every_run_comes_back(path, runs_written)


def test_certificates_give_back_the_name(store, session_with_names, runs_written, tmp_path,
                                         qapp):
    _session_id, ids = session_with_names
    for person, name in zip(ids, _names(), strict=True):
        runs_written.clear()
        path = _export(store, tmp_path / f"certificate-{person}.pdf", "certificate", person)
        text = _extracted(path)
        assert _flat(name) in _flat(text), (name, text)
        _assert_every_run_comes_back(path, runs_written)


def test_summary_handout_and_guide_give_back_their_khmer_text(store, session_with_names,
                                                              runs_written, tmp_path, qapp):
    from debc_outreach import resources
    from debc_outreach.content import load_pack
    from debc_outreach.content.handout import render_handout
    from debc_outreach.gui.shell.guide_viewer import write_guide_pdf

    path = _export(store, tmp_path / "summary.pdf", "summary")
    _assert_every_run_comes_back(path, runs_written)
    runs_written.clear()
    pack = load_pack()
    path = render_handout(pack.modules[0], pack, "km", tmp_path / "handout.pdf")
    _assert_every_run_comes_back(path, runs_written)
    runs_written.clear()
    path = write_guide_pdf(resources.guide_path("trainer", "km"), tmp_path / "guide.pdf")
    _assert_every_run_comes_back(path, runs_written)


def test_practice_kit_gives_back_its_khmer_text(tmp_path, monkeypatch, qapp):
    """The kit is painted card by card (not one document): every text it draws, the
    cards, the band, the watermark and the captions, comes back from the PDF."""
    from debc_outreach.content import load_pack
    from debc_outreach.content.kit import load_kit
    from debc_outreach.content.kit_pdf import render_kit

    labelled: list[pdf_text.GlyphRun] = []
    real = pdf_text.add_actual_text

    def recording(path, runs):
        labelled.extend(runs)
        return real(path, runs)

    monkeypatch.setattr(pdf_text, "add_actual_text", recording)
    pack = load_pack()
    module = pack.module("pay-khqr-bakong-safely")
    path = render_kit(module, pack, tmp_path / "kit.pdf")
    text = _flat(_extracted(path))
    for item in load_kit(module):
        assert _flat(item.face("km").title) in text, item.id
        assert _flat(item.face("km").text) in text, item.id
    assert "សម្រាប់ហាត់រៀនប៉ុណ្ណោះ" in text               # the watermark
    assert any("\u1780" <= ch <= "\u17ff" for run in labelled for ch in run.text)
    _assert_every_run_comes_back(path, labelled)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout
    assert "NotoSansKhmer" in fonts


def _pages(path: Path) -> list[bytes]:
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(path.with_suffix(""))],
                   check=True)
    return [png.read_bytes() for png in sorted(path.parent.glob(f"{path.stem}-*.png"))]


def test_pages_look_exactly_as_without_the_text(store, session_with_names, tmp_path,
                                                monkeypatch, qapp):
    from debc_outreach.content import load_pack
    from debc_outreach.content.handout import render_handout
    from debc_outreach.content.kit_pdf import render_kit

    session_id, ids = session_with_names
    documents = (("attendance-sheet", session_id), ("certificate", ids[0]))
    labelled = {kind: _export(store, tmp_path / f"{kind}-labelled.pdf", kind, target)
                for kind, target in documents}
    pack = load_pack()
    labelled["handout"] = render_handout(pack.modules[0], pack, "km",
                                         tmp_path / "handout-labelled.pdf")
    kit = pack.module("pay-khqr-bakong-safely")
    labelled["kit"] = render_kit(kit, pack, tmp_path / "kit-labelled.pdf")
    for module in ("debc_outreach.reports.pdf.render", "debc_outreach.content.handout"):
        monkeypatch.setattr(f"{module}.label_pdf_text", lambda document, path: None)
    monkeypatch.setattr("debc_outreach.content.kit_pdf.label_pdf_runs", lambda runs, path: None)
    plain = {kind: _export(store, tmp_path / f"{kind}-plain.pdf", kind, target)
             for kind, target in documents}
    plain["handout"] = render_handout(pack.modules[0], pack, "km",
                                      tmp_path / "handout-plain.pdf")
    plain["kit"] = render_kit(kit, pack, tmp_path / "kit-plain.pdf")
    # Without the labels the shaped names do not come back (what Qt alone writes).
    assert _flat(_names()[0]) not in _flat(_extracted(plain["attendance-sheet"]))
    for kind, path in plain.items():
        before, after = _pages(path), _pages(labelled[kind])
        assert len(before) >= 1 and before == after, kind


def test_a_pdf_that_cannot_be_labelled_is_left_as_qt_wrote_it(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 not really")
    pdf_text.label_pdf_text(_EmptyDocument(), path)
    assert path.read_bytes() == b"%PDF-1.4 not really"


class _EmptyDocument:
    def begin(self):
        return _InvalidBlock()


class _InvalidBlock:
    def isValid(self) -> bool:  # noqa: N802 (Qt's name)
        return False


def test_a_disk_filling_up_while_labelling_leaves_the_pdf_as_qt_wrote_it(
        store, session_with_names, tmp_path, monkeypatch, qapp):
    """Labelling rewrites the file; if that write fails half-way (a full disk), the
    PDF Qt wrote must still be there, whole, not a truncated file passed off as done."""
    from pypdf import PdfWriter

    session_id, _ids = session_with_names
    out = tmp_path / "out"
    out.mkdir()
    plain = out / "plain.pdf"
    monkeypatch.setattr(pdf_text, "add_actual_text", lambda path, runs: (0, 0))
    _export(store, plain, "attendance", session_id)
    monkeypatch.undo()

    def full_disk(self, stream):
        stream.write(b"%PDF-1.4\n% half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PdfWriter, "write", full_disk)
    target = _export(store, out / "labelled.pdf", "attendance", session_id)
    assert target.read_bytes()[:8] == plain.read_bytes()[:8]
    assert target.stat().st_size > 1000
    assert subprocess.run(["pdftotext", str(target), "-"], capture_output=True).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["labelled.pdf", "plain.pdf"]


def test_each_sheet_starts_with_its_own_heading_in_the_text(store, session_with_names,
                                                             tmp_path, qapp):
    """A sheet that starts a new page: Qt paints its heading on the page before too
    (outside the page), and the copy that shows must carry the text, not only that one."""
    second = sessions.create(store, "2026-07-16", VILLAGE, ["check-before-sharing"])
    for person_id in session_with_names[1][:3]:
        attendance.check_in(store, second.id, person_id)
    path = _export(store, tmp_path / "two-sheets.pdf", "attendance")
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout)[1])
    sheets = 0
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                              capture_output=True, text=True, check=True).stdout
        if "លេខសម្គាល់វគ្គ" in text:                       # "Session id": a sheet starts here
            sheets += 1
            assert "បញ្ជីវត្តមាន" in text.split("លេខសម្គាល់វគ្គ")[0], (page, text[:200])
    assert sheets == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600          # names: owner-only, as Qt wrote it
