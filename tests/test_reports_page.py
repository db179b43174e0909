"""The Reports page a coordinator opens: figures, filters, sync refresh, export, targets."""

from __future__ import annotations

import pytest
from support.reports_data import demo_programme

from debc_outreach import i18n
from debc_outreach.reports import aggregates, audit, targets
from debc_outreach.reports.filters import ReportFilter


@pytest.fixture
def reports_page(qtbot, app_context, main_window):
    demo_programme(app_context.store, participants=200, sessions=10)
    page = main_window.page("reports")
    qtbot.waitUntil(lambda: page.data is not None and not page.worker.busy, timeout=20000)
    return page


def test_figures_match_the_records(reports_page, app_context):
    expected = aggregates.figures(app_context.store.database, ReportFilter()).headline
    assert reports_page.cards["people"].value.text() == i18n.format_number(expected.people)
    assert reports_page.cards["attendances"].value.text() == \
        i18n.format_number(expected.attendances)
    assert reports_page.cards["women"].value.text().endswith(
        i18n.format_percent(expected.share(expected.women)))
    assert reports_page.month_chart.chart.labels
    assert reports_page.skills.rowCount() > 0


def test_a_province_filter_narrows_the_figures(qtbot, reports_page, app_context):
    combo = reports_page.filters.province
    combo.setCurrentIndex(1)
    code = combo.currentData()
    expected = aggregates.figures(app_context.store.database,
                                  ReportFilter(province=code)).headline
    qtbot.waitUntil(lambda: not reports_page.worker.busy and reports_page.cards[
        "attendances"].value.text() == i18n.format_number(expected.attendances), timeout=20000)
    assert reports_page.filters.district.isEnabled()


def test_records_arriving_by_sync_refresh_the_figures(qtbot, reports_page, app_context):
    from debc_outreach.storage import attendance, participants, sessions

    store = app_context.store
    before = reports_page.data.figures.headline.attendances
    session = sessions.create(store, "2026-06-01", "12010101", [])
    person = participants.add_participant(store, "ស៊ុន ស្រីនាង", sex="F", consent="yes")
    attendance.check_in(store, session.id, person.id)
    app_context.announce_change("attendance")
    qtbot.waitUntil(lambda: reports_page.data.figures.headline.attendances == before + 1,
                    timeout=20000)
    assert reports_page.cards["attendances"].value.text() == i18n.format_number(before + 1)


def test_khmer_digits_and_language_switch_reformat_the_page(qtbot, reports_page, app_context):
    app_context.set_khmer_digits(True)
    assert all("\u17e0" <= ch <= "\u17e9" or ch in ",·% "
               for ch in reports_page.cards["people"].value.text())
    app_context.set_language("km")
    assert reports_page.title.text() == i18n._("Reports")
    app_context.set_language("en")
    assert reports_page.title.text() == "Reports"


def test_export_dialog_writes_the_file_in_the_background(qtbot, reports_page, app_context,
                                                         tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from debc_outreach.gui.reporting import export_guard
    from debc_outreach.gui.reporting.export_dialog import ExportDialog

    monkeypatch.setattr(export_guard, "confirm_named_export", lambda *args: True)
    monkeypatch.setattr(QMessageBox, "information", lambda *args: None)
    dialog = ExportDialog(app_context, reports_page.filters.current(), reports_page)
    dialog.kind.setCurrentIndex(dialog.kind.findData("attendance"))
    for fmt, box in dialog.formats.items():
        box.setChecked(fmt == "xlsx")
    dialog.folder.setText(str(tmp_path))
    dialog.name.setText("report")
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcomes is not None, timeout=30000)
    assert (tmp_path / "report.xlsx").stat().st_size > 0
    [entry] = audit.entries(app_context.store.database)
    assert (entry.kind, entry.format, entry.trainer_name) == ("attendance", "xlsx", "Sok Dara")
    dialog.deleteLater()


def test_targets_dialog_adds_and_removes_a_target(qtbot, reports_page, app_context):
    from debc_outreach.gui.reporting.targets_dialog import TargetsDialog

    dialog = TargetsDialog(app_context, reports_page)
    dialog.measure.setCurrentIndex(dialog.measure.findData("participants"))
    dialog.value.setText("១២០")
    dialog.add()
    [target] = targets.list_targets(app_context.store.database)
    assert target.value == 120 and dialog.table.rowCount() == 1
    qtbot.waitUntil(lambda: len(reports_page.data.targets) == 1 and not reports_page.worker.busy,
                    timeout=20000)
    dialog.table.selectRow(0)
    dialog.remove()
    assert targets.list_targets(app_context.store.database) == []
    dialog.deleteLater()


def test_the_page_fits_a_1366_pixel_screen_in_khmer(qtbot, reports_page, app_context,
                                                    main_window):
    app_context.set_language("km")
    qtbot.waitUntil(lambda: not reports_page.worker.busy, timeout=20000)
    assert main_window.minimumSizeHint().width() <= 1366
    assert main_window.width() == 1366


def test_a_long_count_shows_its_progress_and_can_be_stopped(qtbot, reports_page, monkeypatch):
    import threading

    from debc_outreach.gui.reporting import report_figures_worker

    release = threading.Event()
    real = aggregates.figures

    def slow(database, filt, **options):
        while not release.wait(0.01):
            options["progress"](0.4)        # raises once the count is stopped
        return real(database, filt, **options)

    monkeypatch.setattr(report_figures_worker.aggregates, "figures", slow)
    page = reports_page
    page.refresh()
    qtbot.waitUntil(lambda: page.progress.isVisible(), timeout=20000)
    qtbot.waitUntil(lambda: page.progress.value() == 40, timeout=20000)
    assert page.stop_button.isVisible() and page.stop_button.text() == "Stop"
    page.stop_button.click()
    assert not page.worker.busy and not page.progress.isVisible()
    assert page.status.text().startswith("Counting stopped")
    assert page.stop_button.text() == "Count again"
    monkeypatch.undo()
    release.set()
    page.stop_button.click()
    qtbot.waitUntil(lambda: not page.worker.busy and page.data.skills_done, timeout=20000)
    assert not page.stop_button.isVisible() and page.status.text() == ""


def test_stop_ends_the_sql_statement_under_way(qtbot, reports_page, monkeypatch):
    import threading

    from debc_outreach.gui.reporting import report_figures_worker

    started, ended = threading.Event(), threading.Event()
    connections = []

    def endless(database, filt, **options):
        connections.append(database.conn)
        started.set()
        try:                        # a statement that would run for hours
            database.conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                                  "FROM n LIMIT 1000000000000) SELECT count(*) FROM n")
        finally:
            ended.set()

    monkeypatch.setattr(report_figures_worker.aggregates, "figures", endless)
    page = reports_page
    page.refresh()
    qtbot.waitUntil(started.is_set, timeout=20000)
    page.worker.cancel()
    try:
        qtbot.waitUntil(ended.is_set, timeout=10000)
    finally:
        if not ended.is_set():
            connections[0].interrupt()      # never leave the statement running
    monkeypatch.undo()
    page.refresh()
    qtbot.waitUntil(lambda: not page.worker.busy and page.data.skills_done, timeout=20000)
    assert page.data.figures.headline.attendances == aggregates.attendances(
        page.context.store.database, page.filters.current())
