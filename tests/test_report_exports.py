"""CSV and XLSX exports a coordinator sends to a donor: columns, Khmer, privacy, audit."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from support.reports_data import demo_programme, raw_attendance

from debc_outreach.reports import audit, columns, lookup, rows
from debc_outreach.reports.csv_export import neutralised
from debc_outreach.reports.exports import ExportRequest, Who, run_export, sheet_name
from debc_outreach.reports.filters import ReportFilter


@pytest.fixture
def programme(store):
    demo_programme(store)
    return store


def _export(store, tmp_path, kind, fmt, lang="km", filt=None, name=None, column_keys=True):
    """Export like a script would: CSV files carry the stable column keys."""
    filt = filt or ReportFilter()
    path = tmp_path / (name or f"{kind}.{fmt}")
    request = ExportRequest(kind, fmt, path, filt, lang, column_keys=column_keys)
    return run_export(store.database, request, Who(store.device_id, "t1", "សុខ សុភា")), path


def test_attendance_csv_has_bom_documented_columns_and_khmer_place_names(programme, tmp_path):
    result, path = _export(programme, tmp_path, "attendance", "csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == columns.keys(columns.ATTENDANCE)
    raw = raw_attendance(programme.database)
    assert len(table) - 1 == len(raw) == result.rows
    first = dict(zip(table[0], table[1], strict=True))
    dt.date.fromisoformat(first["session_date"])
    assert first["village_code"].startswith(first["province_code"])
    assert any("\u1780" <= ch <= "\u17ff" for ch in first["province"])
    place = lookup.place(first["village_code"], "km")
    assert first["village"] == place.village and first["district"] == place.district


@pytest.mark.parametrize("lang", ["km", "en"])
def test_csv_headers_are_in_the_file_language_by_default(programme, tmp_path, lang):
    for kind, table in (("attendance", columns.ATTENDANCE), ("sessions", columns.SESSIONS),
                        ("participants", columns.PARTICIPANTS),
                        ("summary", columns.DISAGGREGATION)):
        _result, path = _export(programme, tmp_path, kind, "csv", lang=lang, column_keys=False)
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        assert header == columns.headers(table, lang) != columns.keys(table)


def test_names_appear_only_for_people_who_consented(programme, tmp_path):
    result, path = _export(programme, tmp_path, "attendance", "csv")
    table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    consent = dict(programme.database.conn.execute("SELECT id, consent FROM participant"))
    assert {r["name"] != "" for r in table if consent[r["participant_id"]] == "yes"} == {True}
    assert {r["name"] for r in table if consent[r["participant_id"]] != "yes"} == {""}
    unnamed = {r["participant_id"] for r in table if r["consent"] == "no"}
    assert unnamed and result.unnamed == len(unnamed)


def _csv_lines_and_workbook_rows(database) -> tuple[list[list[str]], list[list[str]]]:
    """The fast CSV lines of the attendance export, parsed, and the workbook's rows of the
    same export as the CSV would spell them."""
    catalog, filt = lookup.catalog(None), ReportFilter()
    lines = [line for chunk in rows.attendance_csv_lines(database, filt, "en", catalog,
                                                         rows.Privacy())
             for line in chunk]
    tuples = [["" if v is None else str(neutralised(v)) for v in row]
              for chunk in rows.attendance_chunks(database, filt, "en", catalog,
                                                  rows.Privacy()) for row in chunk]
    return list(csv.reader(io.StringIO(b"\r\n".join(lines).decode("utf-8")))), tuples


def test_fast_csv_lines_equal_the_rows_of_the_workbook(programme):
    parsed, tuples = _csv_lines_and_workbook_rows(programme.database)
    assert parsed == tuples


@pytest.mark.parametrize("people_formatted_once", [rows.PEOPLE_FORMATTED_ONCE, 0])
def test_fast_csv_lines_place_and_count_people_like_the_rows(programme, monkeypatch,
                                                             people_formatted_once):
    """Home villages outside the gazetteer or left empty, a merged record, people without
    consent: the lines, and the people they count, match the workbook's rows, whether
    each person's part is made once or at every check-in (a file of many people)."""
    monkeypatch.setattr(rows, "PEOPLE_FORMATTED_ONCE", people_formatted_once)
    conn = programme.database.conn
    ids = [row[0] for row in conn.execute(
        "SELECT DISTINCT participant_id FROM attendance WHERE present = 1 LIMIT 3")]
    conn.execute("UPDATE participant SET village_code = '99999999' WHERE id = ?", (ids[0],))
    conn.execute("UPDATE participant SET village_code = '' WHERE id = ?", (ids[1],))
    conn.execute("UPDATE participant SET merged_into = ? WHERE id = ?", (ids[0], ids[2]))
    catalog, filt = lookup.catalog(None), ReportFilter()
    counted_by_lines, counted_by_rows = rows.Privacy(), rows.Privacy()
    lines = [line for chunk in rows.attendance_csv_lines(programme.database, filt, "km",
                                                         catalog, counted_by_lines)
             for line in chunk]
    tuples = [["" if v is None else str(neutralised(v)) for v in row]
              for chunk in rows.attendance_chunks(programme.database, filt, "km", catalog,
                                                  counted_by_rows) for row in chunk]
    assert list(csv.reader(io.StringIO(b"\r\n".join(lines).decode("utf-8")))) == tuples
    assert {row[19] for row in tuples} >= {"99999999", ""}
    assert ids[2] not in {row[13] for row in tuples}
    assert counted_by_rows.unnamed and counted_by_rows.named
    assert (counted_by_lines.named, counted_by_lines.unnamed) == (counted_by_rows.named,
                                                                  counted_by_rows.unnamed)


@pytest.mark.parametrize("odd_session_date", [False, True])
def test_fast_csv_lines_give_the_age_band_at_every_birthday_edge(programme, odd_session_date):
    """Age bands taken from the years of a person's 15th, 25th and 60th birthdays equal the
    band from the session date; odd birth years (and odd session dates) fall back."""
    conn = programme.database.conn
    year = int(conn.execute("SELECT max(s.date) FROM session s JOIN attendance a "
                            "ON a.session_id = s.id").fetchone()[0][:4])
    births = [year - age for age in (14, 15, 24, 25, 59, 60, 61)] + [0, -3, 9999, 100000]
    ids = [row[0] for row in conn.execute(
        "SELECT DISTINCT participant_id FROM attendance WHERE present = 1 LIMIT ?",
        (len(births) + 1,))]
    conn.executemany("UPDATE participant SET birth_year = ?, age_band = '25-59' WHERE id = ?",
                     list(zip(births, ids, strict=False)))
    conn.execute("UPDATE participant SET birth_year = 'abc' WHERE id = ?", (ids[-1],))
    if odd_session_date:
        conn.execute("UPDATE session SET date = '' WHERE id = (SELECT session_id FROM "
                     "attendance WHERE participant_id = ?)", (ids[0],))
    parsed, tuples = _csv_lines_and_workbook_rows(programme.database)
    assert parsed == tuples
    assert {row[17] for row in tuples if row[13] in ids} >= {"0-14", "15-24", "25-59", "60+"}


def test_the_attendance_walk_maps_the_file_only_while_it_reads(programme):
    database = programme.database
    with database.mapped_for_reading():
        assert database.scalar("PRAGMA mmap_size") > 0
    assert database.scalar("PRAGMA mmap_size") == 0
    for _chunk in rows.attendance_csv_lines(database, ReportFilter(), "en",
                                            lookup.catalog(None), rows.Privacy(), size=7):
        assert database.scalar("PRAGMA mmap_size") > 0
    assert database.scalar("PRAGMA mmap_size") == 0
    walk = rows.attendance_csv_lines(database, ReportFilter(), "en", lookup.catalog(None),
                                     rows.Privacy(), size=7)
    next(walk)
    walk.close()                                    # an export stopped half-way
    assert database.scalar("PRAGMA mmap_size") == 0
    assert database.scalar("SELECT count(*) FROM participant") > 0


def test_csv_quotes_commas_and_quotes_in_venue(programme, tmp_path):
    programme.database.conn.execute(
        "UPDATE session SET venue = 'Wat \"Thmei\", hall 2' WHERE id = "
        "(SELECT session_id FROM attendance LIMIT 1)")
    _result, path = _export(programme, tmp_path, "attendance", "csv")
    table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert 'Wat "Thmei", hall 2' in {r["venue"] for r in table}


def test_xlsx_workbook_sheets_headers_fonts_and_real_dates(programme, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    result, path = _export(programme, tmp_path, "attendance", "xlsx", lang="km")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [sheet_name(kind, "km") for kind in (
        "attendance", "sessions", "participants", "skills", "disaggregation", "targets")]
    sheet = book[sheet_name("attendance", "km")]
    assert [c.value for c in sheet[1]] == columns.headers(columns.ATTENDANCE, "km")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.max_row == result.rows + 1
    assert isinstance(sheet["A2"].value, dt.datetime)
    assert sheet["A2"].number_format == "yyyy-mm-dd"
    for cell in (sheet["A1"], sheet["A2"], sheet["D2"], sheet["O2"]):
        assert cell.font.name == "Noto Sans Khmer"
    assert any("\u1780" <= ch <= "\u17ff" for ch in sheet["D2"].value)
    assert sheet.column_dimensions["D"].width > 8
    for name in book.sheetnames:
        header = book[name]["A1"]
        assert header.font.name == "Noto Sans Khmer" and header.font.bold


def test_xlsx_participants_sheet_lists_only_consenting_people(programme, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    result, path = _export(programme, tmp_path, "participants", "xlsx", lang="en")
    sheet = openpyxl.load_workbook(path)["Participants"]
    consent = dict(programme.database.conn.execute("SELECT id, consent FROM participant"))
    listed = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)
              if row[0] and row[0] in consent]
    assert listed and all(consent[pid] == "yes" for pid in listed)
    notes = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]
             and str(row[0]).startswith("Participants without consent")]
    assert notes == [f"Participants without consent (counted, not named): {result.unnamed}"]


def test_disaggregation_sheet_adds_up_to_the_raw_attendance(programme, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    _result, path = _export(programme, tmp_path, "summary", "xlsx", lang="en")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Skills", "Disaggregation", "Targets", "Knowledge",
                               "Follow-up", "Scams"]
    cells = [r for r in book["Disaggregation"].iter_rows(min_row=2, values_only=True)
             if isinstance(r[7], int)]
    raw = raw_attendance(programme.database)
    assert sum(r[7] for r in cells) == len(raw)
    assert all(r[8] <= r[7] for r in cells)


def test_every_export_is_in_the_audit_log(programme, tmp_path):
    filt = ReportFilter(date_from="2025-07-01", date_to="2026-06-30", province="")
    _export(programme, tmp_path, "attendance", "csv", filt=filt)
    _export(programme, tmp_path, "sessions", "xlsx")
    log = audit.entries(programme.database)
    assert [(e.kind, e.format) for e in log] == [("sessions", "xlsx"), ("attendance", "csv")]
    entry = log[1]
    assert entry.trainer_name == "សុខ សុភា" and entry.device_id == programme.device_id
    assert entry.filters["date_from"] == "2025-07-01" and entry.filters["lang"] == "km"
    assert entry.rows == len(raw_attendance(programme.database))
    assert entry.path.endswith("attendance.csv")


def test_sessions_csv_counts_match_session_counters(programme, tmp_path):
    from debc_outreach.storage import session_summary, sessions

    _result, path = _export(programme, tmp_path, "sessions", "csv")
    table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    for row in table[:6]:
        figures = session_summary.counters(programme.database,
                                    sessions.require(programme.database, row["session_id"]))
        assert (int(row["attendances"]), int(row["women"]), int(row["disability"])) == \
            (figures.total, figures.women, figures.disability)


def test_xlsx_attendance_cells_equal_the_rows_even_with_markup_and_past_the_row_limit(
        programme, tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    from debc_outreach.reports import xlsx_export

    programme.database.conn.execute(
        "UPDATE session SET venue = ' <Wat> & \"hall\"' || char(1) || ' 2 ' WHERE id = "
        "(SELECT session_id FROM attendance LIMIT 1)")
    monkeypatch.setattr(xlsx_export, "EXCEL_MAX_ROWS", 104)        # 100 rows a sheet
    result, path = _export(programme, tmp_path, "attendance", "xlsx", lang="en")
    expected = [(dt.datetime.combine(row[0], dt.time()), *row[1:]) for row in rows.attendance_rows(
        programme.database, ReportFilter(), "en", lookup.catalog(None), None, dates=True)]
    book = openpyxl.load_workbook(path)
    parts = [name for name in book.sheetnames if name.startswith("Attendance")]
    assert len(parts) == -(-len(expected) // 100) > 1
    got = [tuple("" if v is None else v for v in row) for name in parts
           for row in book[name].iter_rows(min_row=2, values_only=True)]
    assert got == [tuple(v.replace("\x01", "_x0001_") if isinstance(v, str) else v
                         for v in row) for row in expected]
    assert result.rows == len(expected)
    assert all(book[name].auto_filter.ref.startswith("A1:") for name in parts)
