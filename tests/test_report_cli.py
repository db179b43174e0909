"""The report commands a coordinator scripts: export, export log, targets."""

from __future__ import annotations

import csv
import io
import json

from support.reports_data import demo_programme


def _demo(data_dir):
    from debc_outreach.storage.store import Store

    with Store.open(data_dir) as store:
        demo_programme(store, participants=120, sessions=6)


def test_export_attendance_csv_then_the_log_shows_it(run_cli, data_dir, tmp_path):
    _demo(data_dir)
    path = tmp_path / "attendance.csv"
    code, out, err = run_cli("export", "attendance", "--format", "csv", "-o", str(path),
                             "--lang", "km", "--from", "2025-07-01", "--to", "2026-06-30",
                             "--column-keys")
    assert code == 0, err
    assert str(path) in out and "(CSV)" in out
    table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert table and all("2025-07-01" <= r["session_date"] <= "2026-06-30" for r in table)
    code, out, err = run_cli("export", "log", "--json")
    [entry] = json.loads(out)
    assert entry["kind"] == "attendance" and entry["rows"] == len(table)
    assert entry["filters"] == {"date_from": "2025-07-01", "date_to": "2026-06-30",
                                "lang": "km"}


def test_csv_headers_follow_the_file_language_without_column_keys(run_cli, data_dir,
                                                                   tmp_path):
    _demo(data_dir)
    path = tmp_path / "sessions.csv"
    code, _out, err = run_cli("export", "sessions", "--format", "csv", "-o", str(path),
                              "--lang", "en")
    assert code == 0, err
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert header[:3] == ["Date", "Session id", "Start time"]


def test_targets_set_list_and_remove(run_cli, data_dir):
    _demo(data_dir)
    code, out, err = run_cli("targets", "set", "--province", "12", "--from", "2025-07-01",
                             "--to", "2026-06-30", "--measure", "participants", "--value",
                             "300", "--policy-area", "consumer-trust", "--note", "Donor A")
    assert code == 0, err
    target_id = out.strip()
    code, out, err = run_cli("targets", "list", "--json")
    [target] = json.loads(out)
    assert (target["id"], target["value"], target["policy_area"]) == \
        (target_id, 300, "consumer-trust")
    assert target["actual"] >= 0
    code, out, err = run_cli("targets", "set", "--from", "2026-01-01", "--to", "2026-12-31",
                             "--measure", "women", "--value", "-5")
    assert code == 1 and "above zero" in err
    code, out, err = run_cli("targets", "remove", target_id)
    assert code == 0
    code, out, err = run_cli("targets", "list", "--json")
    assert json.loads(out) == []


def test_sign_in_sheet_of_an_unknown_session_is_refused(run_cli, tmp_path):
    code, out, err = run_cli("export", "sign-in-sheet", "0b0e6f0e-0000-4000-8000-000000000000",
                             "-o", str(tmp_path / "s.pdf"))
    assert code == 1 and "Traceback" not in err
    assert not (tmp_path / "s.pdf").exists()


def test_export_takes_the_format_from_the_file_name_when_none_is_given(run_cli, data_dir,
                                                                      tmp_path):
    _demo(data_dir)
    for name, fmt, magic in (("a.csv", "CSV", b"\xef\xbb\xbf"), ("b.XLSX", "XLSX", b"PK"),
                             ("c.pdf", "PDF", b"%PDF")):
        path = tmp_path / name
        code, out, err = run_cli("export", "sessions", "-o", str(path))
        assert code == 0, err
        assert f"({fmt})" in out and path.read_bytes().startswith(magic)
    code, out, err = run_cli("export", "sessions", "--format", "csv", "-o",
                             str(tmp_path / "explicit.txt"))
    assert code == 0 and "(CSV)" in out                     # --format wins over the name
    code, out, err = run_cli("export", "sessions", "-o", str(tmp_path / "report.txt"))
    assert code == 1 and "--format" in err and "Traceback" not in err
    assert not (tmp_path / "report.txt").exists()
