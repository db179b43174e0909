"""Texts a Khmer user sees are Khmer: PDF headings, sheet tabs, Qt's file dialog, times,
plural captions; and the Khmer screens fit at 1366×768 without cutting words off."""

from __future__ import annotations

import ast
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support.reports_data import demo_programme

from debc_outreach import i18n
from debc_outreach.content.labels import label
from debc_outreach.core.khmer_text import strip_line_breaks

PACKAGE = Path(__file__).resolve().parent.parent / "debc_outreach"
MARKERS = {"_", "N_", "ngettext", "pgettext", "NP_", "label"}


def _has_khmer(text: str) -> bool:
    return any("\u1780" <= ch <= "\u17ff" for ch in text)


class _Labels(HTMLParser):
    """Texts of headings, table headers and bold meta labels of an HTML document."""

    TAGS = {"h1", "h2", "h3", "th", "b"}

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self.open.append(tag)
            self.texts.append("")

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.texts[-1] += data


def _labels(html: str) -> list[str]:
    parser = _Labels()
    parser.feed(html)
    return [strip_line_breaks(t).strip().rstrip(":") for t in parser.texts if t.strip()]


def _english_labels(html: str) -> list[str]:
    # Sex columns carry F/M as what to write; everything else must be Khmer.
    return [t for t in _labels(html) if not _has_khmer(t)]


# --- 1. nothing escapes extraction -------------------------------------------------

def test_no_translatable_string_is_marked_inside_an_f_string():
    """Babel's extractor does not look into f-strings: a `N_("...")` there never reaches
    the catalog, so the Khmer PDF kept English headings."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    name = getattr(getattr(inner, "func", None), "id", None)
                    if not isinstance(inner, ast.Call) or name not in MARKERS:
                        continue
                    message = inner.args[1:2] if name in ("pgettext", "NP_") else inner.args[:1]
                    if any(isinstance(arg, ast.Constant) for arg in message):
                        found.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert not found, f"translatable strings inside f-strings: {found}"


@pytest.fixture
def programme(store):
    demo_programme(store, participants=120, sessions=6)
    return store


def test_khmer_summary_document_has_only_khmer_headings(programme, qapp):
    from debc_outreach.reports import aggregates, lookup, summary
    from debc_outreach.reports.filters import ReportFilter

    catalog = lookup.catalog(programme.data_dir)
    filt = ReportFilter(province="17")
    figures = aggregates.figures(programme.database, filt, item_ids=list(catalog.items))
    html, _images = summary.summary_html(programme.database, filt, catalog, "km", figures)
    labels = _labels(html)
    for heading in ("Key figures", "Charts", "Attendances by province",
                    "Unique people by age band and sex", "Skills achieved per module"):
        assert label(heading, "km") in labels
    assert _english_labels(html) == []


def test_khmer_attendance_sheet_sign_in_sheet_and_certificate_have_khmer_labels(programme,
                                                                                  qapp):
    from debc_outreach.reports import lookup, sheets
    from debc_outreach.reports.pdf import certificate
    from debc_outreach.storage import sessions

    catalog = lookup.catalog(programme.data_dir)
    session_id = programme.database.scalar(
        "SELECT session_id FROM attendance GROUP BY session_id ORDER BY count(*) DESC")
    session = sessions.require(programme.database, session_id)
    html, _named, _unnamed = sheets.attendance_sheet_html(programme.database, session,
                                                          catalog, "km")
    assert _english_labels(html) == []
    header = [t for t in _labels(html)][:7]
    assert len(set(header)) == len(header), f"two header lines share a label: {header}"
    data = certificate.CertificateData(participant_id="p1", name="សុខ ដារ៉ា",
                                       modules=("មេរៀន",), date="2026-03-01", sessions=3,
                                       lang="km", issued="2026-03-02",
                                       extra={"short_code": "ABCD-1234"})
    cert_html = certificate.certificate_html(data, (certificate.QR_NAME,))
    english = [s for s in ("Check it on the Verify a certificate screen.", "Sessions attended")
               if s in cert_html]
    assert english == []


def test_place_and_venue_read_differently_in_khmer():
    assert label("Place", "km") != label("Venue", "km")


def test_xlsx_sheet_tabs_follow_the_export_language(programme, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from debc_outreach.reports.exports import ExportRequest, Who, run_export
    from debc_outreach.reports.filters import ReportFilter

    names = {}
    for lang in ("km", "en"):
        path = tmp_path / f"summary-{lang}.xlsx"
        run_export(programme.database, ExportRequest("summary", "xlsx", path, ReportFilter(),
                                                     lang), Who(programme.device_id))
        names[lang] = openpyxl.load_workbook(path).sheetnames
    assert names["en"] == ["Summary", "Skills", "Disaggregation", "Targets", "Knowledge",
                           "Follow-up", "Scams"]
    assert all(_has_khmer(name) for name in names["km"]), names["km"]


# --- 2. dates with times ------------------------------------------------------------

def test_date_and_time_read_like_the_other_dates_in_both_languages():
    moment = dt.datetime(2026, 11, 25, 23, 3)          # naive: this computer's time
    i18n.set_language("km")
    assert i18n.format_datetime(moment, "short") == "25 វិច្ឆិកា 2026, 23:03"
    assert i18n.format_datetime(moment, "short").startswith(i18n.format_date(moment.date()))
    i18n.set_khmer_digits(True)
    assert i18n.format_datetime(moment, "short") == "២៥ វិច្ឆិកា ២០២៦, ២៣:០៣"
    i18n.set_khmer_digits(False)
    i18n.set_language("en")
    assert i18n.format_datetime(moment, "short").replace("\u202f", " ") == \
        "Nov 25, 2026, 11:03 PM"


def test_a_utc_moment_is_shown_in_local_time():
    moment = dt.datetime(2026, 11, 25, 16, 3, tzinfo=dt.UTC)
    local = moment.astimezone()
    i18n.set_language("km")
    assert i18n.format_datetime(moment).endswith(f"{local:%H:%M}")


def test_session_history_uses_the_khmer_date_and_24_hour_time(store):
    from debc_outreach.gui.sessions.session_dialogs import history_lines
    from debc_outreach.storage import sessions

    session = sessions.create(store, "2026-03-08", "12010101", [])
    i18n.set_language("km")
    lines = history_lines(store.database, session.id)
    assert lines and not any(re.search(r"\b[AP]M\b|\d+/\d+/\d+", line) for line in lines)


# --- 4. plural captions -------------------------------------------------------------

# Counts that are never 1, or messages owned elsewhere and reported to their owners.
PLURAL_EXCEPTIONS = {
    "These filters cover {n} sessions",             # only shown above PDF_SESSION_LIMIT
    "after {n} attempts",                           # several retries by construction
    "keep it to {n} characters",                    # a fixed limit
    "{n} minutes",                                  # content/labels.py (content owners)
    "{n} slides, but",                              # content/check_bodies.py (content owners)
    "slide {n} renders",                            # a verb, not a plural noun
}


def test_counted_nouns_go_through_ngettext():
    pattern = re.compile(r"\{n\} [a-z]{2,}s\b")
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(getattr(node, "func", None), "id", None)
            if isinstance(node, ast.Call) and name in ("_", "N_", "label") and node.args \
                    and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                text = node.args[0].value
                if pattern.search(text) and not any(e in text for e in PLURAL_EXCEPTIONS):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {text[:60]}")
    assert not found, f"use ngettext for: {found}"


def test_home_says_one_record_in_the_singular(qtbot, main_window):
    page = main_window.page("home")
    page._counts = {"records": 1, "trainers": 1, "participants": 2, "sessions": 0}
    page._show_counts()
    assert page.records.caption.text() == "record saved on this computer"
    assert page.trainer_count.caption.text() == "trainer profile"
    assert page.participant_count.caption.text() == "participants registered"


# --- 5. Qt's file dialog ------------------------------------------------------------

def test_qt_file_dialog_labels_are_khmer(qapp):
    from debc_outreach.gui.qt_strings import GettextTranslator

    translator = GettextTranslator()
    i18n.set_language("km")
    for source in ("&Look in:", "Files of &type:", "File &name:", "Detail View", "List View",
                   "Back", "Parent Directory", "Create New Folder", "&Save", "&Open"):
        translated = translator.translate("QFileDialog", source)
        assert translated and _has_khmer(translated), source
    i18n.set_language("en")
    assert translator.translate("QFileDialog", "&Look in:") is None


def test_every_text_a_qt_file_dialog_asks_for_is_listed(qapp):
    """Record what a real QFileDialog asks the translator for (Qt's own source strings)."""
    from PySide6.QtCore import QTranslator
    from PySide6.QtWidgets import QApplication, QFileDialog

    from debc_outreach.gui.qt_strings import QT_STRINGS

    asked = set()

    class Recorder(QTranslator):
        def translate(self, context, source, disambiguation=None, n=-1):
            asked.add((context, source))

        def isEmpty(self):  # noqa: N802
            return False

    recorder = Recorder()
    QApplication.installTranslator(recorder)
    try:
        for mode in (QFileDialog.AcceptMode.AcceptSave, QFileDialog.AcceptMode.AcceptOpen,
                     QFileDialog.FileMode.Directory):
            dialog = QFileDialog(None, "", str(Path.home()), "PDF (*.pdf)")
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
            if mode is QFileDialog.FileMode.Directory:     # "choose a folder"
                dialog.setFileMode(mode)
                dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
            else:
                dialog.setAcceptMode(mode)
            dialog.show()
            QApplication.processEvents()
            dialog.close()
            dialog.deleteLater()
    finally:
        QApplication.removeTranslator(recorder)
    wanted = {(c, s) for c, s in asked
              if c in ("QFileDialog", "QFileSystemModel") and not s.startswith("Alt+")
              and s.strip() != "Show"}
    assert wanted and wanted <= set(QT_STRINGS), sorted(wanted - set(QT_STRINGS))


# --- 6. Khmer layouts at 1366×768 -------------------------------------------------

def test_khmer_check_in_search_placeholder_fits(qtbot, main_window, tmp_path):
    from debc_outreach.storage import sessions

    session = sessions.create(main_window.context.store, dt.date.today().isoformat(),
                              "12010101", [])
    main_window.context.set_language("km")
    page = main_window.page("sessions")
    page.open_session(session.id)
    qtbot.wait(50)
    search = page.view.checkin.search
    room = search.width() - 2 * search.fontMetrics().averageCharWidth() - 24  # frame, clear
    assert search.fontMetrics().horizontalAdvance(search.placeholderText()) <= room
    assert search.toolTip()
    assert main_window.grab().save(str(tmp_path / "check-in-km-1366.png"))


def test_khmer_reports_page_shows_chart_labels_and_module_titles_whole(qtbot, main_window,
                                                                         tmp_path):
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QFont, QFontMetricsF
    from PySide6.QtWidgets import QStyle

    from debc_outreach.reports.pdf.charts import FONT_FAMILY, fitted_label

    demo_programme(main_window.context.store, participants=200, sessions=10)
    main_window.context.set_language("km")
    page = main_window.page("reports")
    qtbot.waitUntil(lambda: page.data is not None and not page.worker.busy, timeout=20000)
    qtbot.wait(50)
    assert main_window.grab().save(str(tmp_path / "reports-km-1366.png"))
    page.scroll.verticalScrollBar().setValue(page.scroll.verticalScrollBar().maximum())
    assert main_window.grab().save(str(tmp_path / "reports-bottom-km-1366.png"))
    chart = page.sex_age_chart
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(chart.font().pointSizeF() * 0.9)
    metrics = QFontMetricsF(font)
    width = (chart.width() - 8) * 0.38 - metrics.height() * 1.1 * 0.3
    height = metrics.height() * 1.1 * (1.05 * len(chart.chart.series) + 0.4)
    for text in chart.chart.labels:
        assert "…" not in fitted_label(metrics, text, width, height), text
    table = page.skills
    # The width the item delegate lays text out in: the cell less its grid line and the
    # style's text margin on each side.
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    text_width = table.columnWidth(0) - int(table.showGrid()) - 2 * margin
    for row in range(table.rowCount()):
        item = table.item(row, 0)
        assert strip_line_breaks(item.text()) == item.toolTip()
        rect = table.fontMetrics().boundingRect(
            QRect(0, 0, text_width, 10_000),
            int(Qt.TextFlag.TextWordWrap), item.text())
        assert rect.height() <= table.rowHeight(row), item.toolTip()
