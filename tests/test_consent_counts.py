"""One definition per consent figure: every export and the dashboard agree on the same filter.

"Participants without consent" counts people, each once however often they came;
what counts check-ins (the sessions table's per-session column, the attendance
rows) says so by being per session or per check-in. The demo programme has people
without consent who came several times, so the two figures differ.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess

import pytest
from openpyxl import load_workbook
from support.reports_data import demo_programme, raw_attendance

from debc_outreach.reports import aggregates, columns
from debc_outreach.reports.exports import ExportRequest, Who, run_export
from debc_outreach.reports.filters import ReportFilter

PEOPLE_LABEL = "Participants without consent (counted, not named)"
FILTERS = {"everything": ReportFilter(), "province 12": ReportFilter(province="12")}


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    from debc_outreach.storage.store import Store

    store = Store.open(tmp_path_factory.mktemp("consent") / "data")
    demo_programme(store)
    yield store
    store.close()


def _expected(database, filt: ReportFilter) -> tuple[int, int]:
    """(people without consent, their check-ins), counted in plain Python."""
    rows = [row for row in raw_attendance(database) if row[8] != "yes"
            and (not filt.province or row[3].startswith(filt.province))]
    return len({row[1] for row in rows}), len(rows)


def _export(store, folder, kind: str, fmt: str, filt: ReportFilter):
    path = folder / f"{kind}.{fmt}"
    result = run_export(store.database, ExportRequest(kind, fmt, path, filt, "en"),
                        Who(store.device_id, "", ""))
    return result, path


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _figures_after(label_text: str, text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in
            re.findall(re.escape(label_text) + r":?\s+([\d,]+)", text)]


def _xlsx_values(path, sheet: str) -> list[tuple]:
    book = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def _note_figures(values: list[tuple]) -> list[int]:
    text = "\n".join(str(cell) for row in values for cell in row if cell is not None)
    return _figures_after(PEOPLE_LABEL, text)


@pytest.mark.parametrize("name", FILTERS)
def test_every_export_and_the_dashboard_give_the_same_consent_figures(programme, tmp_path,
                                                                      name):
    filt = FILTERS[name]
    people, check_ins = _expected(programme.database, filt)
    assert 0 < people < check_ins             # otherwise the test could not tell them apart

    # The dashboard (and targets) count people.
    assert aggregates.figures(programme.database, filt).headline.without_consent == people

    # What each export reports back (export dialog, CLI, export log) counts people too.
    for kind in ("attendance", "participants"):
        for fmt in ("csv", "xlsx", "pdf"):
            result, _path = _export(programme, tmp_path, kind, fmt, filt)
            assert result.unnamed == people, (kind, fmt)
    result, path = _export(programme, tmp_path, "summary", "pdf", filt)
    assert result.unnamed == people

    # Inside the files: people in the notes and the summary, check-ins row by row.
    text = _pdf_text(path)
    assert set(_figures_after(PEOPLE_LABEL, text)) == {people}
    _result, path = _export(programme, tmp_path, "summary", "xlsx", filt)
    summary = dict(row[:2] for row in _xlsx_values(path, "Summary") if row and row[0])
    assert summary[PEOPLE_LABEL] == people
    _result, path = _export(programme, tmp_path, "participants", "pdf", filt)
    assert _figures_after(PEOPLE_LABEL, _pdf_text(path)) == [people]
    _result, path = _export(programme, tmp_path, "attendance", "xlsx", filt)
    assert _note_figures(_xlsx_values(path, "Participants")) == [people]
    attendance_sheet = _xlsx_values(path, "Attendance")
    consent_column = columns.keys(columns.ATTENDANCE).index("consent")
    assert sum(row[consent_column] == "no" for row in attendance_sheet[1:]) == check_ins
    _result, path = _export(programme, tmp_path, "participants", "xlsx", filt)
    assert _note_figures(_xlsx_values(path, "Participants")) == [people]

    # Per session, the people without consent are that session's check-ins: the
    # sessions table adds up to check-ins, and so do the attendance sheets' notes.
    _result, path = _export(programme, tmp_path, "sessions", "csv", filt)
    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1:]
    column = columns.keys(columns.SESSIONS).index("without_consent")
    assert sum(int(row[column]) for row in table) == check_ins
    _result, path = _export(programme, tmp_path, "attendance", "pdf", filt)
    assert sum(_figures_after(PEOPLE_LABEL, _pdf_text(path))) == check_ins
