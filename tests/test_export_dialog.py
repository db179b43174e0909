"""A coordinator exports several formats in one pass: one question, remembered choices."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import close_and_delete
from support.reports_data import demo_programme

from debc_outreach.gui.reporting import export_guard
from debc_outreach.reports import audit, columns
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.settings import load_settings


@pytest.fixture
def programme_context(app_context):
    demo_programme(app_context.store, participants=60, sessions=4)
    return app_context


@pytest.fixture
def confirmations(monkeypatch):
    """Count the privacy confirmations; always say yes."""
    asked = []

    def confirm(parent, store, kind):
        asked.append(kind)
        return True

    monkeypatch.setattr(export_guard, "confirm_named_export", confirm)
    return asked


def _dialog(qtbot, context):
    from debc_outreach.gui.reporting.export_dialog import ExportDialog

    return ExportDialog(context, ReportFilter())


def _export(qtbot, dialog, folder, formats, kind="attendance"):
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
    for fmt, box in dialog.formats.items():
        box.setChecked(fmt in formats)
    dialog.folder.setText(str(folder))
    dialog.name.setText("report")
    dialog.outcomes = None
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcomes is not None, timeout=60000)


def test_three_formats_in_one_pass_with_one_privacy_question(qtbot, programme_context,
                                                             confirmations, tmp_path):
    dialog = _dialog(qtbot, programme_context)
    _export(qtbot, dialog, tmp_path, {"xlsx", "csv", "pdf"})
    assert confirmations == ["attendance"]
    for fmt in ("xlsx", "csv", "pdf"):
        assert (tmp_path / f"report.{fmt}").stat().st_size > 0
    logged = {entry.format for entry in audit.entries(programme_context.store.database)}
    assert logged == {"xlsx", "csv", "pdf"}
    assert dialog.result() == 0          # not accepted: stays open for the next export
    assert dialog.open_folder_button.isVisibleTo(dialog)
    assert "report.pdf" in dialog.outcome.text()
    close_and_delete(dialog)


def test_the_folder_and_formats_are_remembered(qtbot, programme_context, confirmations,
                                               tmp_path):
    dialog = _dialog(qtbot, programme_context)
    _export(qtbot, dialog, tmp_path, {"csv", "pdf"}, kind="sessions")
    close_and_delete(dialog)
    saved = load_settings(programme_context.data_dir)
    assert (saved.export_folder, saved.export_formats) == (str(tmp_path), "csv,pdf")
    again = _dialog(qtbot, programme_context)
    assert again.folder.text() == str(tmp_path)
    assert again.chosen_formats() == ["csv", "pdf"]
    close_and_delete(again)


def test_an_existing_file_is_replaced_only_after_asking(qtbot, programme_context,
                                                       confirmations, tmp_path, monkeypatch):
    from debc_outreach.gui.reporting.export_dialog import ExportDialog

    old = tmp_path / "report.csv"
    old.write_text("keep me", encoding="utf-8")
    asked = []
    monkeypatch.setattr(ExportDialog, "confirm_replace",
                        lambda self, existing: asked.append(existing) or False)
    dialog = _dialog(qtbot, programme_context)
    dialog.kind.setCurrentIndex(dialog.kind.findData("sessions"))
    for fmt, box in dialog.formats.items():
        box.setChecked(fmt == "csv")
    dialog.folder.setText(str(tmp_path))
    dialog.name.setText("report")
    dialog.start()
    assert asked == [[old]] and old.read_text(encoding="utf-8") == "keep me"
    assert dialog.task is None and confirmations == []
    monkeypatch.setattr(ExportDialog, "confirm_replace", lambda self, existing: True)
    _export(qtbot, dialog, tmp_path, {"csv"}, kind="sessions")
    assert old.read_text(encoding="utf-8-sig") != "keep me"
    close_and_delete(dialog)


def test_open_folder_shows_the_folder_of_the_files(qtbot, programme_context, confirmations,
                                                   tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    dialog = _dialog(qtbot, programme_context)
    _export(qtbot, dialog, tmp_path, {"csv"}, kind="sessions")
    dialog.open_folder_button.click()
    assert [url.toLocalFile() for url in opened] == [str(tmp_path)]
    close_and_delete(dialog)


def test_a_refused_format_does_not_stop_the_others(qtbot, programme_context, confirmations,
                                                   tmp_path, monkeypatch):
    from debc_outreach.reports import exports

    monkeypatch.setattr(exports, "PDF_SESSION_LIMIT", 1)
    dialog = _dialog(qtbot, programme_context)
    _export(qtbot, dialog, tmp_path, {"csv", "pdf"})
    assert (tmp_path / "report.csv").exists() and not (tmp_path / "report.pdf").exists()
    assert [o.result is None for o in dialog.outcomes] == [False, True]
    assert "report.pdf" in dialog.outcome.text()
    close_and_delete(dialog)


def test_csv_headers_follow_the_language_unless_column_keys_are_asked(
        qtbot, programme_context, confirmations, tmp_path):
    dialog = _dialog(qtbot, programme_context)
    dialog.language.setCurrentIndex(dialog.language.findData("km"))
    _export(qtbot, dialog, tmp_path, {"csv"}, kind="sessions")
    header = next(csv.reader(io.StringIO(
        (tmp_path / "report.csv").read_text(encoding="utf-8-sig"))))
    assert header == columns.headers(columns.SESSIONS, "km")
    dialog.column_keys.setChecked(True)
    (tmp_path / "report.csv").unlink()
    _export(qtbot, dialog, tmp_path, {"csv"}, kind="sessions")
    header = next(csv.reader(io.StringIO(
        (tmp_path / "report.csv").read_text(encoding="utf-8-sig"))))
    assert header == columns.keys(columns.SESSIONS)
    assert load_settings(programme_context.data_dir).export_column_keys
    close_and_delete(dialog)


def test_the_hint_warns_that_spreadsheets_drop_leading_zeros_of_csv_codes(
        qtbot, programme_context):
    dialog = _dialog(qtbot, programme_context)
    assert "01" in dialog.privacy.text() and "XLSX" in dialog.privacy.text()
    close_and_delete(dialog)


def test_at_150_percent_in_khmer_nothing_in_the_dialog_is_squeezed(qtbot, programme_context):
    from PySide6.QtWidgets import QAbstractButton, QLabel

    programme_context.set_language("km")
    programme_context.set_font_scale(150)
    try:
        dialog = _dialog(qtbot, programme_context)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog._done([])                                # an outcome line appears
        for widget in dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel):
            if widget.isVisible() and widget.text():
                needed = widget.heightForWidth(widget.width()) \
                    if isinstance(widget, QLabel) and widget.wordWrap() \
                    else widget.minimumSizeHint().height()
                assert widget.height() + 2 >= needed, widget.text()
        close_and_delete(dialog)
    finally:
        programme_context.set_font_scale(100)
