"""Exports never leave half a file: empty selections, unwritable places, full disk, locks."""

from __future__ import annotations

import errno
import os

import pytest
from support.reports_data import demo_programme

from debc_outreach.errors import UserError
from debc_outreach.reports import audit
from debc_outreach.reports.exports import ExportRequest, Who, run_export
from debc_outreach.reports.filters import ReportFilter


@pytest.fixture
def programme(store):
    demo_programme(store, participants=120, sessions=6)
    return store


def _run(store, path, kind="attendance", fmt="csv", filt=None):
    request = ExportRequest(kind, fmt, path, filt or ReportFilter(), "en")
    return run_export(store.database, request, Who(store.device_id))


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_an_empty_selection_says_so_and_writes_nothing(programme, tmp_path, fmt):
    path = tmp_path / f"empty.{fmt}"
    with pytest.raises(UserError, match="No attendance matches these filters"):
        _run(programme, path, fmt=fmt, filt=ReportFilter(date_from="2001-01-01",
                                                         date_to="2001-12-31"))
    assert not path.exists() and _leftovers(tmp_path) == []
    assert audit.entries(programme.database) == []


def test_a_missing_folder_is_named(programme, tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        _run(programme, tmp_path / "nowhere" / "a.csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_an_export_never_replaces_the_database(programme, fmt):
    """A coordinator typing the database's own file name must not lose every record."""
    from debc_outreach.storage.database import DB_FILENAME

    path = programme.data_dir / DB_FILENAME
    before = path.read_bytes()[:100]
    with pytest.raises(UserError, match="is a database"):
        _run(programme, path, fmt=fmt)
    assert path.read_bytes()[:100] == before


def test_a_folder_given_as_file_name_is_refused(programme, tmp_path):
    with pytest.raises(UserError, match="is a folder"):
        _run(programme, tmp_path)


def test_an_unwritable_folder_is_explained(programme, tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(UserError, match="cannot be written to"):
        _run(programme, tmp_path / "a.csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_full_disk_leaves_the_old_file_and_no_temporary_file(programme, tmp_path,
                                                               monkeypatch, fmt):
    path = tmp_path / f"report.{fmt}"
    path.write_bytes(b"old report")
    if fmt == "csv":
        from debc_outreach.reports import csv_export as module
        name = "write_csv_lines"
    else:
        from debc_outreach.reports import xlsx_export as module
        name = "_text_width"

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module, name, disk_full)
    with pytest.raises(UserError, match="disk is full"):
        _run(programme, path, fmt=fmt)
    assert path.read_bytes() == b"old report"
    assert _leftovers(tmp_path) == []


def test_a_file_open_in_excel_is_reported_and_kept(programme, tmp_path, monkeypatch):
    path = tmp_path / "report.csv"
    path.write_bytes(b"old report")

    def locked(source, target):
        raise PermissionError(errno.EACCES, "The process cannot access the file")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(UserError, match=r"open in another program \(Excel\?\)"):
        _run(programme, path)
    assert path.read_bytes() == b"old report"
    assert _leftovers(tmp_path) == []


def test_cancel_removes_the_partial_file(programme, tmp_path):
    class Progress:
        cancelled = False

        def report(self, done, total):
            self.cancelled = True          # the user presses Cancel at the first report

    path = tmp_path / "big.csv"
    request = ExportRequest("attendance", "csv", path, ReportFilter(), "en")
    result = run_export(programme.database, request, Who(programme.device_id), Progress())
    assert result.cancelled
    assert not path.exists() and _leftovers(tmp_path) == []
    assert audit.entries(programme.database) == []


def test_cli_bad_input_exits_1_with_one_line(run_cli, tmp_path):
    code, out, err = run_cli("export", "attendance", "--format", "csv", "-o",
                             str(tmp_path / "a.csv"), "--from", "yesterday")
    assert code == 1 and "not a date" in err and "Traceback" not in err
    code, out, err = run_cli("export", "sessions", "--format", "csv", "-o",
                             str(tmp_path / "s.csv"), "--province", "99")
    assert code == 1 and "no province with code 99" in err
    code, out, err = run_cli("export", "attendance", "--format", "doc", "-o", "x")
    assert code == 2
    code, out, err = run_cli("export", "certificate", "not-an-id", "-o",
                             str(tmp_path / "c.pdf"))
    assert code == 1 and "no participant" in err
