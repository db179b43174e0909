"""Khmer digits: every number a person reads, on screen and on paper; never in codes
or in files meant for machines. And printed headings stay with what follows them."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import pytest
from support.reports_data import demo_programme

from debc_outreach import i18n
from debc_outreach.reports import lookup
from debc_outreach.reports.exports import ExportRequest, Who, run_export
from debc_outreach.reports.filters import ReportFilter

LATIN_DIGIT = re.compile(r"[0-9]")
KHMER_DIGIT = re.compile(r"[\u17e0-\u17e9]")


@pytest.fixture
def programme(store):
    demo_programme(store, participants=80, sessions=4)
    return store


@pytest.fixture
def khmer_digits():
    i18n.set_language("km")
    i18n.set_khmer_digits(True)


def test_age_bands_and_times_on_screen_use_khmer_digits(qtbot, main_window, app_context):
    from debc_outreach.gui.participants.participant_models import age_label
    from debc_outreach.storage import participants, sessions

    store = app_context.store
    session = sessions.create(store, "2026-06-01", "12010101", [], start_time="08:30")
    person = participants.add_participant(store, "ខៀវ ម៉ាលី", sex="F", age_band="15-24")
    app_context.set_language("km")
    app_context.set_khmer_digits(True)
    assert i18n.localize_digits("08:30") == "០៨:៣០"
    assert age_label(person).startswith("១៥–២៤")
    page = main_window.page("sessions")
    page.open_session(session.id)
    assert "០៨:៣០" in page.view.title.text()
    assert not LATIN_DIGIT.search(page.view.title.text())


def test_chart_labels_on_the_reports_page_use_khmer_digits(qtbot, main_window, app_context):
    demo_programme(app_context.store, participants=80, sessions=4)
    app_context.set_language("km")
    app_context.set_khmer_digits(True)
    page = main_window.page("reports")
    qtbot.waitUntil(lambda: page.data is not None and not page.worker.busy, timeout=20000)
    page._redisplay()
    for chart in (page.month_chart.chart, page.sex_age_chart.chart):
        texts = chart.labels + chart.series + tuple(t for row in chart.value_texts for t in row)
        assert texts and not any(LATIN_DIGIT.search(text) for text in texts), texts


def test_a_khmer_pdf_prints_khmer_digits_but_keeps_codes(programme, khmer_digits):
    from debc_outreach.reports import aggregates, sheets, summary
    from debc_outreach.storage import sessions

    database = programme.database
    catalog = lookup.catalog(None)
    session_id = database.scalar("SELECT session_id FROM attendance LIMIT 1")
    database.conn.execute("UPDATE session SET start_time = '08:30' WHERE id = ?", (session_id,))
    session = sessions.require(database, session_id)
    with i18n.printing("km"):
        body, _named, _unnamed = sheets.attendance_sheet_html(database, session, catalog, "km")
        figures = aggregates.figures(database, ReportFilter())
        summary_body, _images = summary.summary_html(database, ReportFilter(), catalog, "km",
                                                     figures)
    body, summary_body = body.replace("\u200b", ""), summary_body.replace("\u200b", "")
    assert "០៨:៣០" in body and session.id in body and session.village_code in body
    assert "១៥–២៤ ឆ្នាំ" in summary_body                  # the youth age band
    assert "15–24" not in summary_body


def test_english_pdfs_and_machine_files_keep_latin_digits(programme, khmer_digits, tmp_path):
    from debc_outreach.reports import aggregates, summary

    with i18n.printing("en"):
        body, _images = summary.summary_html(programme.database, ReportFilter(),
                                             lookup.catalog(None), "en",
                                             aggregates.figures(programme.database,
                                                                ReportFilter()))
    assert not KHMER_DIGIT.search(body)
    who = Who(programme.device_id)
    path = tmp_path / "sessions.csv"
    run_export(programme.database, ExportRequest("sessions", "csv", path, lang="km"), who)
    text = path.read_text(encoding="utf-8-sig")
    assert not KHMER_DIGIT.search(text)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0][:4].isdigit()
    openpyxl = pytest.importorskip("openpyxl")
    book_path = tmp_path / "summary.xlsx"
    run_export(programme.database, ExportRequest("summary", "xlsx", book_path, lang="km"), who)
    book = openpyxl.load_workbook(book_path)
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert not any(isinstance(v, str) and KHMER_DIGIT.search(v) for v in cells)
    assert any(isinstance(v, int) for v in cells)


def test_a_khmer_summary_pdf_is_written_with_khmer_digits_on(programme, khmer_digits,
                                                            tmp_path, qapp):
    path = tmp_path / "summary.pdf"
    run_export(programme.database, ExportRequest("summary", "pdf", path, lang="km"),
               Who(programme.device_id))
    assert path.stat().st_size > 0


def test_a_khmer_handout_prints_its_minutes_in_khmer_digits(khmer_digits):
    from debc_outreach.content import load_active_pack
    from debc_outreach.content.handout_text import handout_markdown

    pack = load_active_pack(None)
    module = pack.modules[0]
    with i18n.printing("km"):
        text = handout_markdown(module, pack, "km")
    minutes = str(module.duration_minutes).translate(str.maketrans("0123456789",
                                                                    "០១២៣៤៥៦៧៨៩"))
    assert f"{minutes} នាទី" in text


def test_switching_khmer_digits_on_rewrites_the_open_check_in_screen(qtbot, main_window,
                                                                    app_context):
    from debc_outreach.storage import sessions

    session = sessions.create(app_context.store, "2026-06-01", "12010101", [],
                              start_time="08:30")
    app_context.set_language("km")
    page = main_window.page("sessions")
    page.open_session(session.id)
    view = page.view
    assert "08:30" in view.title.text()
    app_context.set_khmer_digits(True)
    assert "០៨:៣០" in view.title.text()
    captions = " ".join(counter.caption.text() for counter in view.counters)
    assert "១៥–២៤" in captions and "៦០+" in captions
    assert not LATIN_DIGIT.search(captions)


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils is not installed (see .ci/apt-packages)")
@pytest.mark.parametrize("lines_before", range(26, 40))
def test_a_printed_heading_starts_the_page_of_its_table(qapp, tmp_path, lines_before):
    """Whatever the text above, the heading lands on the page of its table's first row
    (the range moves the heading across the foot of page 1)."""
    from debc_outreach.reports.pdf.documents import PAGE_BREAK, Table, heading, page, table_html
    from debc_outreach.reports.pdf.render import render_pdf

    body = "".join(f"<p>line {i}</p>" for i in range(lines_before)) \
        + heading("Skills achieved per module") \
        + table_html(Table(["Module", "People"], [["first row", "1"]] + [["x", "2"]] * 5,
                           [50, 50], (1,))) \
        + PAGE_BREAK + heading("Targets and actual") + "<p>after a page break</p>"
    path = render_pdf(page("Summary", body), tmp_path / "summary.pdf", title="Summary")
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")

    def on(text: str) -> list[int]:
        # A line at a page's top edge is also written, clipped away, on the page before.
        return [number for number, content in enumerate(pages) if text in content]

    assert max(on("Skills achieved per module")) == min(on("first row"))
    assert all(on(f"line {i}") for i in range(lines_before))
    assert max(on("Targets and actual")) == min(on("after a page break"))
